#!/usr/bin/python3
"""decision-log: what does the decision log add to a push?

Same method as bench/push-latency.py (a 1,000-migration repository, a
fresh commit adding one migration every run, runs interleaved so machine
noise hits every variant alike), with four pre-receive hooks:

  true         a hook that only runs `true` (the baseline)
  log-off      revguard-hook asking a revguardd with `decisions.path: off`
  log-full     ... whose decision log is on, synchronous: full (default)
  log-normal   ... whose decision log is on, synchronous: normal

and prints p50/p99 of the hook alone and of the whole `git push`, the
difference to `true` and to `log-off`.  The logs live in --dir (default:
a temporary directory; give one on the disk the log will use, since
synchronous=full waits for it).

  bench/decision-log.py [--runs N] [--migrations M] [--dir DIR]
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
ENV = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@x.invalid",
           GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@x.invalid",
           USER="bench")


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, env=ENV, capture_output=True,
                          text=True, **kw).stdout.strip()


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values))) - 1))
    return values[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--migrations", type=int, default=1000)
    ap.add_argument("--dir", help="where the logs and repositories go")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="revguard-declog.", dir=a.dir)
    daemons = []
    try:
        srv = os.path.join(work, "srv")
        os.makedirs(srv)
        src = os.path.join(work, "src")
        run(sys.executable, os.path.join(TOP, "tests", "gen_fixtures.py"),
            "repo", src, "--count", str(a.migrations), "--seed", "5")
        head = run(REVGUARD, "heads", "--worktree", src).split()[0]
        old = run("git", "-C", src, "rev-parse", "HEAD")
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

        variants = {"log-off": "path: off",
                    "log-full": "path: %s/full.db\n  synchronous: full",
                    "log-normal": "path: %s/normal.db\n  synchronous: normal"}
        hooks = {"true": "#!/bin/sh\ntrue\n"}
        for name, decisions in variants.items():
            sock = os.path.join(work, name + ".sock")
            conf = os.path.join(work, name + ".yaml")
            with open(conf, "w") as f:
                f.write("hook:\n  socket: %s\ndecisions:\n  %s\n  "
                        "spool: off\n" % (sock, decisions.replace("%s",
                                                                  work)))
            daemons.append(subprocess.Popen(
                [REVGUARDD, "-d", "-f", conf, "-s", sock, "-R", srv],
                stderr=subprocess.DEVNULL))
            while not os.path.exists(sock):
                time.sleep(0.05)
            hooks[name] = "#!/bin/sh\nexec '%s-hook' --config '%s'\n" % (
                REVGUARD, conf)
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
        for i in range(a.runs + 1):
            stdin = "%s %s refs/heads/main\n" % (old, commits[i])
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
                    continue
                hook_ms[name].append(elapsed)
                push_ms[name].append(pushed)

        for name in ("log-full", "log-normal"):
            db = os.path.join(work, name.split("-")[1] + ".db")
            got = run(REVGUARD, "decisions", "--db", db, "--summary",
                      "--format", "json")
            if '"decisions": %d' % (2 * (a.runs + 1)) not in got:
                sys.exit("%s: the log does not hold every push: %s"
                         % (name, got))

        print("decision log: %d migrations + 1, %d interleaved runs (ms)"
              % (a.migrations, a.runs))
        print("%-11s %8s %8s %8s %8s %8s %8s %8s" % (
            "hook", "hook50", "hook99", "+true", "+off", "push50",
            "+true", "+off"))
        b_h = statistics.median(hook_ms["true"])
        b_p = statistics.median(push_ms["true"])
        o_h = statistics.median(hook_ms["log-off"])
        o_p = statistics.median(push_ms["log-off"])
        for name in hooks:
            h50 = statistics.median(hook_ms[name])
            p50 = statistics.median(push_ms[name])
            print("%-11s %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f" % (
                name, h50, pct(hook_ms[name], 99), h50 - b_h, h50 - o_h,
                p50, p50 - b_p, p50 - o_p))
    finally:
        for d in daemons:
            d.terminate()
            d.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
