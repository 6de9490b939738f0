#!/usr/bin/python3
"""chain-bench: is the daemon linear in the size of the migration graph?

For a push that adds a whole linear chain of N migrations (default
10,000, 100,000 and 1,000,000) and one that adds a 50,000-long cycle
(repositories from bench/gen_chain.py: one undeltified pack), times,
interleaved, median of --runs:

  raw     git cat-file --batch over the chain's blobs (IDs listed
          beforehand): the read floor
  cli     revguard check --repo R --rev NEW (the baseline)
  daemon  revguard-hook asking a freshly started revguardd (cold caches:
          it has never seen these blobs), GIT_DIR=R, stdin "OLD NEW main"
  warm    the same push again to that daemon (every blob cached)

and prints wall-clock medians, CPU medians (the CLI's user+sys from
wait4, the daemon's from /proc/PID/stat around the request) and the
ratios daemon/cli.  Target: daemon/cli <= 1.5 at every size.  CLI and
daemon must agree on the verdict (reject for the cycle; the column v
says 1 when the chain was rejected: a random ID that looks hand-picked).

  bench/chain-bench.py [--runs R] [--sizes 10000,100000] [--cycle 50000]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REVGUARD = os.environ.get("REVGUARD", os.path.join(TOP, "revguard"))
REVGUARDD = os.environ.get("REVGUARDD", os.path.join(TOP, "revguardd"))
TICK = os.sysconf("SC_CLK_TCK")


def timed(cmd, **kw):
    """(wall s, cpu s, exit status) of one run of cmd."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, **kw)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return (time.perf_counter() - t0, ru.ru_utime + ru.ru_stime,
            p.returncode)


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def start_daemon(work):
    sock = os.path.join(work, "d.sock")
    if os.path.exists(sock):
        os.unlink(sock)
    d = subprocess.Popen([REVGUARDD, "-d", "-f", os.path.join(work, "d.yaml"),
                          "-s", sock, "-R", work], stderr=subprocess.DEVNULL)
    while not os.path.exists(sock):
        if d.poll() is not None:
            sys.exit("revguardd did not start")
        time.sleep(0.02)
    return d, sock


def ask(daemon, sock, repo, stdin):
    """(wall s, daemon cpu s, hook exit status) of one push check."""
    c0 = proc_cpu(daemon.pid)
    with open(stdin) as f:
        wall, _, rc = timed([REVGUARD + "-hook", "--socket", sock,
                             "--timeout", "3600"], stdin=f,
                            env=dict(os.environ, GIT_DIR=repo))
    return wall, proc_cpu(daemon.pid) - c0, rc


def bench(work, name, n, cycle, runs):
    repo = os.path.join(work, name + ".git")
    old, new = subprocess.run(
        [sys.executable, os.path.join(TOP, "bench", "gen_chain.py"), repo,
         str(n)] + (["--cycle"] if cycle else []), check=True,
        capture_output=True, text=True).stdout.split()
    ids = os.path.join(work, name + ".ids")
    with open(ids, "w") as f:
        out = subprocess.run(["git", "-C", repo, "ls-tree",
                              new + ":migrations/versions"], check=True,
                             capture_output=True, text=True).stdout
        f.write("".join(line.split()[2] + "\n"
                        for line in out.splitlines()))
    stdin = os.path.join(work, name + ".in")
    with open(stdin, "w") as f:
        f.write("%s %s refs/heads/main\n" % (old, new))
    t = {k: [] for k in ("raw", "cli", "daemon", "warm", "cli_cpu",
                         "daemon_cpu", "warm_cpu")}
    # A cycle must be rejected.  A chain is accepted, unless one of its
    # random IDs happens to look hand-picked (at a million IDs that is
    # not rare); either way the daemon must agree with the CLI.
    want = 1 if cycle else None
    for _ in range(runs):
        with open(ids) as f:
            wall, _, _ = timed(["git", "-C", repo, "cat-file", "--batch"],
                               stdin=f)
        t["raw"].append(wall)
        wall, cpu, rc = timed([REVGUARD, "check", "--repo", repo, "--rev",
                               new])
        if want is None and rc in (0, 1):
            want = rc
        if rc != want:
            sys.exit("%s: revguard check exited %d, want %d" % (name, rc,
                                                                want))
        t["cli"].append(wall)
        t["cli_cpu"].append(cpu)
        daemon, sock = start_daemon(work)
        try:
            for key in ("daemon", "warm"):
                wall, cpu, rc = ask(daemon, sock, repo, stdin)
                if rc != want:
                    sys.exit("%s: the %s hook exited %d, want %d" % (
                        name, key, rc, want))
                t[key].append(wall)
                t[key + "_cpu"].append(cpu)
        finally:
            daemon.terminate()
            daemon.wait()
    m = {k: statistics.median(v) for k, v in t.items()}
    print("%-14s %1d %8.2f %8.2f %8.2f %8.2f %7.2f %7.2f | %7.2f %7.2f %7.2f"
          % (name, want, m["raw"], m["cli"], m["daemon"], m["warm"],
             m["daemon"] / m["cli"], m["warm"] / m["cli"], m["cli_cpu"],
             m["daemon_cpu"], m["daemon_cpu"] / m["cli_cpu"]))
    sys.stdout.flush()
    shutil.rmtree(repo)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--cycle", type=int, default=50000)
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="revguard-chain.")
    try:
        with open(os.path.join(work, "d.yaml"), "w") as f:
            f.write("daemon:\n  job_timeout: 3600s\n")
        print("push adding N migrations: median of %d interleaved runs; "
              "seconds" % a.runs)
        print("%-14s %1s %8s %8s %8s %8s %7s %7s | %7s %7s %7s" % (
            "case", "v", "raw", "cli", "daemon", "warm", "d/cli", "w/cli",
            "cli_cpu", "d_cpu", "d/cli"))
        for n in (int(s) for s in a.sizes.split(",") if s):
            bench(work, "chain-%d" % n, n, False, a.runs)
        if a.cycle:
            bench(work, "cycle-%d" % a.cycle, a.cycle, True, a.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
