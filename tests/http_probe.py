#!/usr/bin/env python3
"""http_probe.py: the HTTP client of tests/integration/16-http.sh and
24-page.sh.  Only ever talks to 127.0.0.1 on the port it is given, with
bounded waits.

  get PORT PATH [-m METHOD] [-t TOKEN]   prints "status=N", then the body
  json PORT PATH EXPR [-t TOKEN]         the body parsed as JSON (j); prints
                                         repr(eval(EXPR)); exits 1 unless 200
  metrics PORT [-t TOKEN]                /metrics through prometheus_client's
                                         parser: one "name{k=v,...} value"
                                         line per sample, sorted
  attack PORT CASE                       a hostile request; prints what came
                                         back: "status=N" or "closed"
"""
import argparse
import json
import socket
import sys
import time
import urllib.request
import urllib.error

HOST = "127.0.0.1"


def request(port, path, method="GET", token=None, timeout=30):
    req = urllib.request.Request("http://%s:%d%s" % (HOST, port, path),
                                 method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def raw(port, data, timeout=5.0, slow=None):
    """Sends data (or trickles slow=(bytes, interval)); returns the status
    of the answer, or "closed" when the server closed without one."""
    s = socket.create_connection((HOST, port), timeout=timeout)
    try:
        if slow:
            chunk, interval = slow
            for i in range(0, len(data), chunk):
                try:
                    s.sendall(data[i:i + chunk])
                except OSError:
                    break
                time.sleep(interval)
        else:
            try:
                s.sendall(data)
            except OSError:
                pass
        got = b""
        while True:
            try:
                b = s.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                break
            if not b:
                break
            got += b
            if b"\r\n\r\n" in got:
                head, _, body = got.partition(b"\r\n\r\n")
                n = 0
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        n = int(v)
                if len(body) >= n:
                    break
    finally:
        s.close()
    if not got.startswith(b"HTTP/1."):
        return "closed", b""
    status = got.split(b" ", 2)[1].decode()
    return "status=" + status, got.partition(b"\r\n\r\n")[2]


def attack(port, case):
    get = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
    if case == "long-line":
        return raw(port, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    if case == "long-header":
        return raw(port, get + b"X-Big: " + b"b" * 20000 + b"\r\n\r\n")
    if case == "many-headers":
        return raw(port, get + b"".join(b"X-H%d: v\r\n" % i for i in range(40)) + b"\r\n")
    if case == "body":
        return raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000)
    if case == "post":
        return raw(port, b"POST /api/v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
    if case == "delete":
        return raw(port, b"DELETE /api/v1/repos HTTP/1.1\r\nHost: x\r\n\r\n")
    if case == "garbage":
        return raw(port, b"\x00\xff\xfe garbage \r\n\r\n")
    if case == "bad-version":
        return raw(port, b"GET /healthz HTTP/9.9\r\n\r\n")
    if case == "absolute-uri":
        return raw(port, b"GET http://evil.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    if case == "silent":
        # Connects and says nothing: the server must close it.
        s = socket.create_connection((HOST, port), timeout=10)
        t0 = time.time()
        try:
            b = s.recv(100)
        except socket.timeout:
            return "open after 10 s", b""
        finally:
            s.close()
        return "closed after %.0f s%s" % (time.time() - t0, " with data" if b else ""), b""
    if case == "slowloris":
        # A small header every 0.5 s, never finishing, well under
        # max_request_bytes: the request must be whole within the
        # timeout, so the server closes it.
        s = socket.create_connection((HOST, port), timeout=30)
        t0 = time.time()
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            for i in range(60):
                time.sleep(0.5)
                s.sendall(b"X-%d: y\r\n" % i)
        except OSError:
            pass
        try:
            b = s.recv(100)
        except OSError:
            b = b""
        s.close()
        return "closed after %.0f s%s" % (time.time() - t0,
                                          " with data" if b else ""), b""
    if case == "trickle":
        # A header a byte at a time, slower than nothing but within the
        # idle timeout: bounded by max_request_bytes.
        return raw(port, get + b"X-Slow: " + b"s" * 12000 + b"\r\n\r\n",
                   timeout=20, slow=(600, 0.05))
    if case.startswith("hangup:"):
        # Asks for an analysis and leaves before the answer, 20 times.
        for _ in range(20):
            s = socket.create_connection((HOST, port), timeout=5)
            s.sendall(b"GET " + case[7:].encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            s.close()
        return "left 20 times", b""
    if case.startswith("burst:"):
        # 40 analyses at once: each is answered, 200 or 503 (busy).
        import threading
        got = []
        def one():
            try:
                got.append(request(port, case[6:])[0])
            except OSError as e:
                got.append(str(e))
        ts = [threading.Thread(target=one) for _ in range(40)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        return " ".join(sorted(set(str(g) for g in got))) + " (%d answers)" % len(got), b""
    raise SystemExit("unknown case " + case)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd")
    ap.add_argument("port", type=int)
    ap.add_argument("rest", nargs="*")
    ap.add_argument("-m", "--method", default="GET")
    ap.add_argument("-t", "--token")
    a = ap.parse_args()
    out = sys.stdout
    if a.cmd == "get":
        st, headers, body = request(a.port, a.rest[0], a.method, a.token)
        out.write("status=%d\n" % st)
        for k, v in headers.items():
            out.write("header %s: %s\n" % (k.lower(), v))
        out.write(body.decode("utf-8", "replace"))
        out.write("\n")
    elif a.cmd == "json":
        st, _, body = request(a.port, a.rest[0], token=a.token)
        j = json.loads(body)
        print(repr(eval(a.rest[1], {"j": j})))
        return 0 if st == 200 else 1
    elif a.cmd == "metrics":
        from prometheus_client.parser import text_string_to_metric_families
        st, headers, body = request(a.port, "/metrics", token=a.token)
        if st != 200:
            print("status=%d" % st)
            return 1
        lines = []
        for fam in text_string_to_metric_families(body.decode()):
            for s in fam.samples:
                labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
                lines.append("%s{%s} %s" % (s.name, labels, repr(float(s.value))))
        print("\n".join(sorted(lines)))
    elif a.cmd == "attack":
        what, _ = attack(a.port, a.rest[0])
        print(what)
    else:
        raise SystemExit("unknown command " + a.cmd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
