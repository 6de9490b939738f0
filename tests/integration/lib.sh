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
	for pidfile in "$T"/*.pid; do
		[ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
	done
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

# --- daemon and push helpers -------------------------------------------
: "${REVGUARDD:=$top_builddir/revguardd}"

# start_daemon NAME [revguardd options...]: starts revguardd in the
# foreground on $T/NAME.sock with repo root $T/srv, log in $T/NAME.log.
start_daemon() {
	name=$1
	shift
	"$REVGUARDD" -d -v -s "$T/$name.sock" -R "$T/srv" "$@" \
	    >"$T/$name.log" 2>&1 &
	echo $! >"$T/$name.pid"
	i=0
	while [ ! -S "$T/$name.sock" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -S "$T/$name.sock" ] || { echo "# revguardd $name did not start"; diag "$T/$name.log"; }
}

stop_daemon() {
	if [ -f "$T/$1.pid" ]; then
		kill "$(cat "$T/$1.pid")" 2>/dev/null
		wait "$(cat "$T/$1.pid")" 2>/dev/null
		rm -f "$T/$1.pid"
	fi
}

# bare_repo PATH [hook options...]: a bare repository with the hook.
bare_repo() {
	path=$1
	shift
	git -c init.defaultBranch=main init -q --bare "$path"
	"$REVGUARD" install-hook --repo "$path" -- "$@" >/dev/null
}

# push DIR ARGS...: git push from work tree DIR; output in $T/out, status
# in $T/rc (so expect/refute work on it).
push() {
	dir=$1
	shift
	git -C "$dir" push "$@" >"$T/out" 2>"$T/err"
	echo $? >"$T/rc"
}

commit_all() {
	git_quiet -C "$1" add -A
	git_quiet -C "$1" commit -qm "$2"
}

# add_migration DIR REV PARENT [SLUG]: writes a well-formed migration.
add_migration() {
	slug=${4:-step}
	if [ -n "$3" ]; then down="'$3'"; revises=$3; else down=None; revises=; fi
	cat >"$1/migrations/versions/$2_$slug.py" <<PY
"""$slug

Revision ID: $2
Revises: $revises
Create Date: 2024-06-01 00:00:00
"""
from alembic import op

revision = '$2'
down_revision = $down
branch_labels = None
depends_on = None


def upgrade():
    op.execute("select 1")
PY
}

# head_of DIR: the single head revision of the work tree DIR.
head_of() { "$REVGUARD" heads --worktree "$1" | cut -d' ' -f1; }

# rand_id: a genuine random revision ID, as alembic makes them.
rand_id() { od -An -N6 -tx1 /dev/urandom | tr -d ' \n'; }
