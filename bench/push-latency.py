#!/usr/bin/python3
"""push-latency: what does revguard add to a push?

Builds a bare repository with 1,000 migrations and a commit that adds one
more, then times, interleaved round-robin so machine noise hits every
variant alike:

  hook  the pre-receive hook alone (stdin and environment as git gives
        them), from start to verdict
  push  a whole `git push` of that commit (the ref is reset between runs)

Every run pushes a new commit (a new migration with a random ID), so the
daemon never sees the pushed tree or blob before; one warm-up push per
variant is not counted.

for four pre-receive hooks:

  true        a hook that only runs `true` (the baseline)
  check       `revguard check` spawned per push, no daemon
  daemon      revguard-hook (what install-hook installs) asking a
              running revguardd
  in-process  `revguard hook --in-process` (no daemon, for GHE)

and prints p50/p99 and the difference to `true`.  With --baseline DIR
(a directory holding an older build's revguard-hook and revguardd) a
fifth hook, `baseline`, asks that build's daemon, interleaved with the
others, so old and new are compared under the same machine noise, and
each daemon's CPU time per check is printed.  Then it measures
throughput: C concurrent hook clients against one daemon for a few
seconds each.  Target: daemon p50 adds under 5 ms over `true`.

  bench/push-latency.py [--runs N] [--migrations M] [--baseline DIR]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REVGUARD = os.environ.get("REVGUARD", os.path.join(TOP, "revguard"))
REVGUARDD = os.environ.get("REVGUARDD", os.path.join(TOP, "revguardd"))
ENV = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@x.invalid",
           GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@x.invalid")


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, env=ENV, capture_output=True,
                          text=True, **kw).stdout.strip()


def cpu_ms(pid):
    """User + system CPU time of process pid so far, in ms."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / \
        os.sysconf("SC_CLK_TCK")


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values))) - 1))
    return values[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--migrations", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--baseline", metavar="DIR",
                    help="also time the revguardd and revguard-hook in DIR")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="revguard-latency.")
    daemon = old_daemon = None
    try:
        srv = os.path.join(work, "srv")
        os.makedirs(srv)
        src = os.path.join(work, "src")
        run(sys.executable, os.path.join(TOP, "tests", "gen_fixtures.py"),
            "repo", src, "--count", str(a.migrations), "--seed", "5")
        head = run(REVGUARD, "heads", "--worktree", src).split()[0]
        old = run("git", "-C", src, "rev-parse", "HEAD")
        # One distinct commit per run (plus a warm-up), each adding one
        # migration with a fresh random ID on top of the same base: every
        # timed push brings a blob and a tree the daemon has not seen.
        commits = []
        for i in range(a.runs + 1):
            rev = os.urandom(6).hex()
            path = os.path.join(src, "migrations", "versions",
                                rev + "_one_more.py")
            with open(path, "w") as f:
                f.write('"""one more\n\nRevision ID: %s\nRevises: %s\n'
                        'Create Date: 2024-06-01 00:00:00\n"""\n'
                        "revision = '%s'\ndown_revision = '%s'\n"
                        % (rev, head, rev, head))
            run("git", "-C", src, "add", "-A")
            run("git", "-C", src, "commit", "-qm", "one more %d" % i)
            commits.append(run("git", "-C", src, "rev-parse", "HEAD"))
            run("git", "-C", src, "branch", "-f", "c%d" % i, "HEAD")
            run("git", "-C", src, "reset", "-q", "--hard", old)

        sock = os.path.join(work, "rg.sock")
        daemon = subprocess.Popen([REVGUARDD, "-d", "-s", sock, "-R", srv],
                                  stderr=subprocess.DEVNULL)
        while not os.path.exists(sock):
            time.sleep(0.05)
        if a.baseline:
            old_sock = os.path.join(work, "old.sock")
            old_daemon = subprocess.Popen(
                [os.path.join(a.baseline, "revguardd"), "-d", "-s",
                 old_sock, "-R", srv], stderr=subprocess.DEVNULL)
            while not os.path.exists(old_sock):
                time.sleep(0.05)

        hooks = {
            "true": "#!/bin/sh\ntrue\n",
            "check": "#!/bin/sh\nwhile read old new ref; do\n"
                     "  '%s' check --repo \"$GIT_DIR\" --rev \"$new\" "
                     ">/dev/null || exit 1\ndone\n" % REVGUARD,
            "daemon": "#!/bin/sh\nexec '%s-hook' --socket '%s'\n"
                      % (REVGUARD, sock),
            "in-process": "#!/bin/sh\nexec '%s' hook --in-process\n"
                          % REVGUARD,
        }
        if a.baseline:
            hooks["baseline"] = "#!/bin/sh\nexec '%s' --socket '%s'\n" % (
                os.path.join(a.baseline, "revguard-hook"), old_sock)
        repos = {}
        for name, script in hooks.items():
            bare = os.path.join(srv, name + ".git")
            run("git", "clone", "-q", "--bare", "--no-local", src, bare)
            run("git", "-C", bare, "update-ref", "refs/heads/main", old)
            hook = os.path.join(bare, "hooks", "pre-receive")
            with open(hook, "w") as f:
                f.write(script)
            os.chmod(hook, 0o755)
            repos[name] = bare

        hook_ms = {n: [] for n in hooks}
        push_ms = {n: [] for n in hooks}
        daemons = {"daemon": daemon, "baseline": old_daemon}
        cpu0 = {n: cpu_ms(p.pid) for n, p in daemons.items() if p}
        for i in range(a.runs + 1):
            new = commits[i]
            stdin = "%s %s refs/heads/main\n" % (old, new)
            for name, bare in repos.items():
                env = dict(ENV, GIT_DIR=bare)
                t0 = time.perf_counter()
                r = subprocess.run([os.path.join(bare, "hooks",
                                                 "pre-receive")],
                                   input=stdin, text=True, env=env,
                                   cwd=bare, capture_output=True)
                elapsed = (time.perf_counter() - t0) * 1000
                if r.returncode != 0:
                    sys.exit("%s hook rejected the good push:\n%s"
                             % (name, r.stderr))
                t0 = time.perf_counter()
                run("git", "-C", src, "push", "-q", bare, "c%d:main" % i)
                pushed = (time.perf_counter() - t0) * 1000
                run("git", "-C", bare, "update-ref", "refs/heads/main", old)
                if i == 0:
                    continue        # warm-up: the daemon's first look
                hook_ms[name].append(elapsed)
                push_ms[name].append(pushed)

        print("latency, %d migrations + 1, %d interleaved runs (ms)"
              % (a.migrations, a.runs))
        print("%-11s %8s %8s %9s %8s %8s %9s" % (
            "hook", "hook50", "hook99", "+hook50", "push50", "push99",
            "+push50"))
        b_h = statistics.median(hook_ms["true"])
        b_p = statistics.median(push_ms["true"])
        for name in hooks:
            h50 = statistics.median(hook_ms[name])
            p50 = statistics.median(push_ms[name])
            print("%-11s %8.2f %8.2f %9.2f %8.2f %8.2f %9.2f" % (
                name, h50, pct(hook_ms[name], 99), h50 - b_h, p50,
                pct(push_ms[name], 99), p50 - b_p))

        stdin = "%s %s refs/heads/main\n" % (old, commits[-1])
        # Each run asks the daemon twice: the hook alone, then the push.
        for name, p in daemons.items():
            if p:
                print("%s CPU per check: %.2f ms" % (name, (cpu_ms(p.pid) -
                      cpu0[name]) / (2 * (a.runs + 1))))

        print("\nthroughput: concurrent hook clients, %.0f s each "
              "(checks/s)" % a.seconds)
        print("%-8s %10s %12s" % ("clients", "daemon", "in-process"))
        for clients in (1, 2, 4, 8):
            rates = []
            for name in ("daemon", "in-process"):
                bare = repos[name]
                count = [0]
                stop = time.perf_counter() + a.seconds
                lock = threading.Lock()

                def client(bare=bare, count=count, lock=lock, stop=stop):
                    env = dict(ENV, GIT_DIR=bare)
                    while time.perf_counter() < stop:
                        subprocess.run([os.path.join(bare, "hooks",
                                                     "pre-receive")],
                                       input=stdin, text=True, env=env,
                                       cwd=bare, capture_output=True,
                                       check=True)
                        with lock:
                            count[0] += 1
                threads = [threading.Thread(target=client)
                           for _ in range(clients)]
                t0 = time.perf_counter()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                rates.append(count[0] / (time.perf_counter() - t0))
            print("%-8d %10.1f %12.1f" % (clients, rates[0], rates[1]))
    finally:
        for d in (daemon, old_daemon):
            if d is not None:
                d.terminate()
                d.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
