#!/usr/bin/env python3
"""API latency end to end: a real revguardd whose decision log holds
1,000,000 decisions (filled in bulk into the SQLite schema revguardd
itself created), asked over HTTP for pages of 100 decisions: the newest
page, filtered pages (verdict, repository, rule, ref), pages deep behind
a cursor, /api/v1/repos' counts and /metrics.  Prints p50/p95/p99 per
request kind and exits 1 when the p50 of a page of 100 is 50 ms or more
(issue 8's target).  Loopback only; bounded in count and time.

  python3 bench/api-latency.py [--revguardd ./revguardd] [--rows 1000000]
      [--requests 200] [--keep DIR]
"""
import argparse
import http.client
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

RULES = ["single-head", "stealth-branch", "placeholder-id", "header-missing",
         "dangling-parent"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(revguardd, d, conf):
    log = open(os.path.join(d, "revguardd.log"), "a")
    p = subprocess.Popen([revguardd, "-d", "-s", os.path.join(d, "d.sock"),
                          "-R", os.path.join(d, "srv"), "-f", conf],
                         stdout=log, stderr=log)
    return p


def wait_http(port, deadline=30):
    t0 = time.time()
    while time.time() - t0 < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("revguardd did not answer on port %d" % port)


def fill(db, rows, now_ms):
    """rows decisions over 90 days, 50 repositories, 1 in 10 rejected with
    one diagnostic; each with one ref."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA journal_mode = WAL")
    rnd = random.Random(8)
    span = 90 * 86400000
    t0 = now_ms - span
    batch = 50000
    seq = 0
    with con:
        while seq < rows:
            dec, refs, diags, hits = [], [], [], []
            for _ in range(min(batch, rows - seq)):
                seq += 1
                t = t0 + span * seq // rows
                repo = "/srv/git/team%02d/app.git" % (seq % 50)
                reject = seq % 10 == 0
                verdict = "reject" if reject else "accept"
                dec.append((seq, "bench", t, repo, "enforce", "daemon",
                            "user%d" % (seq % 200), None, verdict, None, None,
                            rnd.randint(2, 40), "0.1.0", "0" * 64))
                ref = "refs/heads/%s" % ("main" if seq % 3 else "release/%d" % (seq % 7))
                refs.append((seq, 0, ref, "%040x" % seq, "%040x" % (seq + 1),
                             verdict, "checked", "bench", t, "bench"))
                if reject:
                    rule = RULES[seq % len(RULES)]
                    diags.append((seq, 0, 0, rule, "error",
                                  "migrations/versions/x.py", 3, "%012x" % seq,
                                  "bench finding", 0))
                    hits.append((rule, t, "bench", seq))
            con.executemany("INSERT INTO decisions (seq, node, time_ms, repository, "
                            "mode, source, pusher, pusher_env, verdict, error, "
                            "bypass_reason, duration_ms, version, config_digest) "
                            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", dec)
            con.executemany("INSERT INTO refs (decision, idx, ref, old_id, new_id, "
                            "verdict, outcome, reason, time_ms, node) "
                            "VALUES (?,?,?,?,?,?,?,?,?,?)", refs)
            con.executemany("INSERT INTO diags (decision, idx, ref_index, rule, "
                            "severity, file, line, revision, message, old) "
                            "VALUES (?,?,?,?,?,?,?,?,?,?)", diags)
            con.executemany("INSERT OR IGNORE INTO rule_hits (rule, time_ms, node, "
                            "decision) VALUES (?,?,?,?)", hits)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    n = con.execute("SELECT count(*) FROM decisions").fetchone()[0]
    con.close()
    return n


def measure(port, path, n):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    body = None
    for _ in range(n):
        t = time.perf_counter()
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        times.append((time.perf_counter() - t) * 1000)
        if r.status != 200:
            raise SystemExit("%s: status %d: %s" % (path, r.status, body[:200]))
    c.close()
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    return pick(0.5), pick(0.95), pick(0.99), body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--revguardd", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "revguardd"))
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--keep")
    a = ap.parse_args()
    d = a.keep or tempfile.mkdtemp(prefix="revguard-api-bench.")
    os.makedirs(os.path.join(d, "srv"), exist_ok=True)
    port = free_port()
    db = os.path.join(d, "decisions.db")
    conf = os.path.join(d, "bench.yaml")
    with open(conf, "w") as f:
        f.write("http:\n  listen: 127.0.0.1:%d\ndecisions:\n  path: %s\n"
                "  spool: off\n  max_age: off\n  max_rows: 0\n" % (port, db))
    p = None
    try:
        fresh = not os.path.exists(db)
        if fresh:
            p = start(a.revguardd, d, conf)     # creates the schema
            wait_http(port)
            p.terminate()
            p.wait(timeout=30)
            t = time.time()
            n = fill(db, a.rows, int(time.time() * 1000))
            print("filled %d decisions in %.1f s (%.0f MB)" % (
                n, time.time() - t, os.path.getsize(db) / 1e6))
        p = start(a.revguardd, d, conf)
        wait_http(port)
        first = json.loads(measure(port, "/api/v1/decisions?limit=100", 1)[3])
        cursor = first["next_cursor"]
        deep = "/api/v1/decisions?limit=100"
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(50):         # 50 pages in: 5,000 decisions back
            c.request("GET", deep.split("&cursor")[0] + "&cursor=" + cursor)
            cursor = json.loads(c.getresponse().read())["next_cursor"]
        c.close()
        cases = [
            ("newest 100", "/api/v1/decisions?limit=100"),
            ("100, verdict=reject", "/api/v1/decisions?limit=100&verdict=reject"),
            ("100, one repository", "/api/v1/decisions?limit=100&repo=%2Fsrv%2Fgit%2Fteam07%2Fapp.git"),
            ("100, rule=single-head", "/api/v1/decisions?limit=100&rule=single-head"),
            ("100, ref=refs/heads/release/3", "/api/v1/decisions?limit=100&ref=refs%2Fheads%2Frelease%2F3"),
            ("100, since=1d", "/api/v1/decisions?limit=100&since=1d"),
            ("100, 50 pages deep (cursor)", "/api/v1/decisions?limit=100&cursor=" + cursor),
            ("100, pusher, 30 days back", "/api/v1/decisions?limit=100&pusher=user7&until=30d"),
            ("/metrics", "/metrics"),
        ]
        worst = 0.0
        print("%-34s %9s %9s %9s  (%d requests each, ms, keep-alive)" % (
            "request", "p50", "p95", "p99", a.requests))
        for name, path in cases:
            p50, p95, p99, body = measure(port, path, a.requests)
            if path.startswith("/api"):
                got = len(json.loads(body)["decisions"])
                if got != 100:
                    raise SystemExit("%s: %d decisions, want 100" % (name, got))
                worst = max(worst, p50)
            print("%-34s %9.2f %9.2f %9.2f" % (name, p50, p95, p99))
        p50, p95, p99, body = measure(port, "/api/v1/repos", 5)
        print("%-34s %9.2f %9.2f %9.2f  (50 repositories, no git: debt n/a)"
              % ("/api/v1/repos", p50, p95, p99))
        ok = worst < 50
        print("worst p50 of a page of 100: %.2f ms: %s (target < 50 ms)" % (
            worst, "ok" if ok else "OVER"))
        return 0 if ok else 1
    finally:
        if p is not None and p.poll() is None:
            p.terminate()
            p.wait(timeout=30)
        if not a.keep:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
