#!/usr/bin/python3
"""Print Alembic's own view of a migration tree as JSON.

Loads DIR/migrations with alembic.script.ScriptDirectory (Debian's
python3-alembic) and prints heads, bases and each revision's parents in
the same shape as `revguard graph --format json`, sorted, so the two can
be compared byte for byte.
"""
import json
import sys

from alembic.script import ScriptDirectory


def main():
    script = ScriptDirectory(sys.argv[1])
    revs = {}
    for rev in script.walk_revisions():
        down = rev.down_revision
        if down is None:
            down = ()
        elif isinstance(down, str):
            down = (down,)
        revs[rev.revision] = sorted(set(down))
    print(json.dumps({
        "heads": sorted(script.get_heads()),
        "bases": sorted(script.get_bases()),
        "parents": {k: revs[k] for k in sorted(revs)},
    }, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
