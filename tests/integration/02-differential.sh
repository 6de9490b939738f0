#!/bin/sh
# Differential test against Alembic itself: on many generated graphs,
# linear and branchy (forks, merges, several bases, depends_on), revguard's
# heads, bases and parent sets must equal what alembic.script.ScriptDirectory
# computes.
. "$(dirname "$0")/lib.sh"

if ! "$PYTHON" -c "import alembic" 2>/dev/null; then
	echo "not ok 1 - python3-alembic is not installed (apt-get install python3-alembic)"
	echo "1..1"
	exit 1
fi
cd "$T" || exit 1

compare() {
	"$REVGUARD" graph --format json --worktree "$1" >"$1.rg.json" 2>"$1.err" &&
	"$PYTHON" "$top_srcdir/tests/differential.py" "$1/migrations" \
	    >"$1.alembic.json" 2>>"$1.err" &&
	"$PYTHON" - "$1.rg.json" "$1.alembic.json" <<'PY'
import json, sys
rg = json.load(open(sys.argv[1]))
al = json.load(open(sys.argv[2]))
mine = {
    "heads": sorted(rg["heads"]),
    "bases": sorted(rg["bases"]),
    "parents": {r["revision"]: sorted(set(r["down_revisions"]))
                for r in rg["revisions"]},
}
if mine != al:
    for k in ("heads", "bases"):
        if mine[k] != al[k]:
            print("# %s: revguard %s alembic %s" % (k, mine[k], al[k]))
    sys.exit(1)
PY
}

for shape in linear branchy; do
	for seed in 1 2 3 4 5 6 7 8 9 10 11 12; do
		count=$((seed * 17 + 5))
		d="$shape-$seed"
		gen tree "$d" --count "$count" --seed "$seed" --shape "$shape"
		if compare "$d"; then
			ok "$shape graph, seed $seed, $count revisions: heads, bases and parents match Alembic"
		else
			not_ok "$shape graph, seed $seed, $count revisions differ from Alembic"
			diag "$d.err"
		fi
	done
done
finish
