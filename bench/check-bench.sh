#!/bin/sh
# check-bench.sh: how fast is `revguard check` next to the raw read floor?
#
# For trees of 100, 1,000 and 10,000 migrations in a packed git
# repository, times (median of RUNS runs, each a new process):
#   raw    git cat-file --batch over the versions directory's blobs (the
#          object IDs are listed beforehand, outside the timing)
#   check  revguard check --repo R (cold process: libgit2 init, open,
#          resolve, read every blob, parse, graph, rules, report)
# and prints check/raw, and (check - fixed)/raw where fixed is the check
# of an empty versions directory (process start-up and libgit2 init).  Targets: ratio <= 3 at every size, and the
# 10,000-migration check under one second.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
REVGUARD=${REVGUARD:-$top/revguard}
RUNS=${RUNS:-7}
SIZES=${SIZES:-"0 100 1000 10000"}
work=$(mktemp -d /tmp/revguard-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

now() { date +%s%N; }

# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# elapsed microseconds of one run of a command
time_one() {
	t0=$(now)
	"$@" >/dev/null 2>&1 || true
	t1=$(now)
	echo $(( (t1 - t0) / 1000 ))
}

printf '%-8s %10s %10s %7s %12s %7s\n' size raw_us check_us ratio check-fixed MB
for n in $SIZES; do
	repo="$work/r$n"
	/usr/bin/python3 "$top/tests/gen_fixtures.py" repo "$repo" --count "$n" \
	    --seed "$n" >/dev/null
	if [ "$n" -eq 0 ]; then
		echo "migrations live here" >"$repo/migrations/versions/README"
		git -C "$repo" add -A
		git -C "$repo" -c user.name=b -c user.email=b@example.invalid \
		    commit -qm "empty versions directory"
	fi
	git -C "$repo" repack -adq
	git -C "$repo" ls-tree HEAD migrations/versions/ |
	    awk '{print $3}' >"$work/ids$n"
	bytes=$(git -C "$repo" cat-file --batch <"$work/ids$n" | wc -c)
	# Interleaved, so that a noisy moment hits both sides alike.
	: >"$work/raw" && : >"$work/chk"
	i=0
	while [ $i -lt "$RUNS" ]; do
		time_one sh -c "git -C '$repo' cat-file --batch <'$work/ids$n'" \
		    >>"$work/raw"
		time_one "$REVGUARD" check --repo "$repo" >>"$work/chk"
		i=$((i + 1))
	done
	raw=$(median <"$work/raw")
	chk=$(median <"$work/chk")
	"$REVGUARD" check --repo "$repo" | tail -1 | grep -q " 0 errors" ||
	    echo "warning: the $n-migration tree did not check clean" >&2
	# Size 0 (no migrations) measures the fixed cost of a process:
	# loading libraries and git_libgit2_init, which on Debian's
	# mbedTLS build parses the system CA bundle.
	[ "$n" -eq 0 ] && fixed=$chk
	[ "$raw" -gt 0 ] || raw=1
	printf '%-8s %10s %10s %7s %12s %7s\n' "$n" "$raw" "$chk" \
	    "$(awk "BEGIN {printf \"%.2f\", $chk / $raw}")" \
	    "$(awk "BEGIN {printf \"%.2f\", ($chk - ${fixed:-0}) / $raw}")" \
	    "$(awk "BEGIN {printf \"%.1f\", $bytes / 1048576}")"
done
