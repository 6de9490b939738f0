#!/usr/bin/python3
"""gen_chain: a bare repository whose main branch has an Alembic project
with an empty versions directory, and a commit on top adding a linear
chain of N migrations (tests/gen_fixtures.py content), built with git
plumbing so that a million migrations need no working tree: blobs go in
through `git fast-import` (one pack, undeltified), trees and commits
through `git mktree` and `git commit-tree` (loose).

  bench/gen_chain.py REPO.git N [--cycle] [--seed S]

Prints "OLD NEW": main's commit and the commit adding the chain (left
unreferenced, as a push would bring it).
--cycle: the oldest migration's down_revision is the newest (one cycle
through all N).
"""
import argparse
import hashlib
import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests"))
import gen_fixtures  # noqa: E402

ENV = dict(os.environ, GIT_AUTHOR_NAME="bench",
           GIT_AUTHOR_EMAIL="bench@example.invalid",
           GIT_COMMITTER_NAME="bench",
           GIT_COMMITTER_EMAIL="bench@example.invalid",
           GIT_AUTHOR_DATE="2024-01-01T00:00:00Z",
           GIT_COMMITTER_DATE="2024-01-01T00:00:00Z")


def git(repo, *args, data=None):
    return subprocess.run(["git", "-C", repo, *args], input=data, env=ENV,
                          check=True, capture_output=True).stdout


def blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def mktree(repo, lines):
    return git(repo, "mktree", "--missing",
               data="".join(lines).encode()).decode().strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("repo")
    ap.add_argument("count", type=int)
    ap.add_argument("--cycle", action="store_true")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()

    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", a.repo],
                   check=True)
    tree = gen_fixtures.Tree(a.count, a.seed, "linear")
    tree.defects = []
    if a.cycle:
        tree.apply(["cycle"])
    ini = gen_fixtures.ALEMBIC_INI.encode()
    readme = b"migrations live here\n"
    mako = b'"""${message}"""\n'

    # Every blob through one fast-import: a single pack, no loose objects.
    # --depth=0: no deltas.  fast-import chains each blob to the one
    # before it, 50 deep, in generation order, while a check reads them in
    # tree (name) order: every read would then inflate a chain, and both
    # the CLI and the daemon would measure that instead of themselves.
    fi = subprocess.Popen(["git", "-C", a.repo, "fast-import", "--quiet",
                           "--depth=0"],
                          stdin=subprocess.PIPE, env=ENV)
    entries = []

    def put(data):
        fi.stdin.write(b"blob\ndata %d\n" % len(data) + data + b"\n")
        return blob_id(data)

    ini_id, readme_id, mako_id = put(ini), put(readme), put(mako)
    for r in tree.revs:
        data = tree.render(r, "mixed").encode()
        entries.append("100644 blob %s\t%s\n" % (put(data),
                                                 tree.filename(r)))
    fi.stdin.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")

    def commit(versions, parent):
        mig = mktree(a.repo, ["100644 blob %s\tscript.py.mako\n" % mako_id,
                              "040000 tree %s\tversions\n" % versions])
        root = mktree(a.repo, ["100644 blob %s\talembic.ini\n" % ini_id,
                               "040000 tree %s\tmigrations\n" % mig])
        args = ["commit-tree", root, "-m", "bench"]
        if parent:
            args += ["-p", parent]
        return git(a.repo, *args).decode().strip()

    old = commit(mktree(a.repo, ["100644 blob %s\tREADME\n" % readme_id]),
                 None)
    new = commit(mktree(a.repo, entries), old)
    git(a.repo, "update-ref", "refs/heads/main", old)
    print(old, new)


if __name__ == "__main__":
    main()
