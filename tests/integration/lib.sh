# lib.sh: shared helpers for integration tests.  Each test is a shell
# script that prints TAP ("ok N - what", "not ok N - what", then "1..N"),
# works in its own temporary directory, and keeps that directory (and says
# where) when something failed.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${REVGUARD:=$top_builddir/revguard}"
: "${PYTHON:=/usr/bin/python3}"
export LC_ALL=C

T=$(mktemp -d "${TMPDIR:-/tmp}/revguard-test.XXXXXX")
tap_n=0
tap_failed=0

cleanup() {
	if [ "$tap_failed" -eq 0 ]; then
		rm -rf "$T"
	else
		echo "# kept $T for inspection"
	fi
}
trap cleanup EXIT

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() {
	tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}
# diag FILE: shows a file as TAP comments.
diag() { sed 's/^/# /' "$1" | head -40; }

finish() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

gen() { "$PYTHON" "$top_srcdir/tests/gen_fixtures.py" "$@"; }

# rg ARGS...: runs revguard, keeping stdout, stderr and status in $T.
rg() {
	"$REVGUARD" "$@" >"$T/out" 2>"$T/err"
	echo $? >"$T/rc"
}

# expect DESC RC [PATTERN...]: the last rg exited RC and its output (stdout
# and stderr) contains every fixed-string PATTERN.
expect() {
	desc=$1 rc=$2
	shift 2
	got=$(cat "$T/rc")
	if [ "$got" != "$rc" ]; then
		not_ok "$desc (exit $got, want $rc)"
		cat "$T/out" "$T/err" >"$T/both"; diag "$T/both"
		return
	fi
	for p in "$@"; do
		if ! grep -qF -- "$p" "$T/out" "$T/err"; then
			not_ok "$desc (no \`$p\` in output)"
			cat "$T/out" "$T/err" >"$T/both"; diag "$T/both"
			return
		fi
	done
	ok "$desc"
}

# refute DESC PATTERN: the last rg output does not contain PATTERN.
refute() {
	if grep -qF -- "$2" "$T/out" "$T/err"; then
		not_ok "$1 (unexpected \`$2\`)"
		diag "$T/out"
	else
		ok "$1"
	fi
}

git_quiet() {
	GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid \
	GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid \
	    git -c init.defaultBranch=main -c advice.detachedHead=false "$@" \
	    >/dev/null 2>&1
}
