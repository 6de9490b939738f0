#!/usr/bin/python3
"""Send hand-made frames to revguardd and print what comes back.

  rawclient.py SOCKET CASE

Cases: bad-magic, bad-version, oversize, bad-json, not-object,
bad-request, truncated, good (a valid frame for a repository given in
$REPO; $OLD, $NEW and $REF name its update, $EXTRA adds fields).  Prints "type=<n> <payload>" for the answer, or "closed" when the
daemon closed the connection without answering.
"""
import json
import os
import socket
import struct
import sys


def frame(payload, magic=b"RVGD", version=2, ftype=1, length=None):
    if length is None:
        length = len(payload)
    return magic + bytes([version, ftype, 0, 0]) + struct.pack(
        ">I", length) + payload


def main():
    path, case = sys.argv[1], sys.argv[2]
    request = {
        "repository": os.environ.get("REPO", "/nonexistent"),
        "updates": [{"old": os.environ.get("OLD", "0" * 40),
                     "new": os.environ.get("NEW", "1" * 40),
                     "ref": os.environ.get("REF", "refs/heads/main")}]}
    # EXTRA: a JSON object of more request fields (push_options, pusher).
    request.update(json.loads(os.environ.get("EXTRA", "{}")))
    good = json.dumps(request).encode()
    data = {
        "bad-magic": frame(good, magic=b"HTTP"),
        "bad-version": frame(good, version=9),
        "oversize": frame(b"", length=64 * 1024 * 1024),
        "bad-json": frame(b"{not json"),
        "not-object": frame(b"[1, 2, 3]"),
        "bad-request": frame(json.dumps({"repository": "/x",
                                         "updates": "no"}).encode()),
        "truncated": frame(good)[:20],
        "good": frame(good),
    }[case]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(15)
    s.connect(path)
    s.sendall(data)
    if case == "truncated":
        s.shutdown(socket.SHUT_WR)
    buf = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        buf += chunk
    if len(buf) < 12:
        print("closed")
        return
    ftype = buf[5]
    (length,) = struct.unpack(">I", buf[8:12])
    print("type=%d %s" % (ftype, buf[12:12 + length].decode()))


if __name__ == "__main__":
    main()
