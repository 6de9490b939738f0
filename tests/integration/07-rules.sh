#!/bin/sh
# Rule fixes from issue 6, each through a real `git push` into a bare
# repository with the hook installed and revguardd running: hand-picked
# shapes the detector used to miss, a fork joined by a documented merge,
# `alembic revision` without -m (<rev>_.py), duplicate IDs named in full,
# and configured patterns that backtrack catastrophically.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

# Patterns for the last section: one backtracks on long runs of a, the
# other should forbid 40-digit IDs but backtracks on any 40-character ID.
cat >"$T/d.yaml" <<YAML
documentation: [CHANGELOG.md]
repositories:
  - match: "$T/srv/slow-format*.git"
    revision_format: '^(a|aa)+\$'
  - match: "$T/srv/slow-pattern*.git"
    revision_format: '^[0-9a-f]{12}\$|^[0-9a-f]{40}\$'
    placeholder_patterns: ['^(?:(\\w|\\w\\w)+!|[0-9a-f]{40})\$']
YAML
start_daemon d -f "$T/d.yaml"
S="--socket $T/d.sock"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# add_merge DIR REV SLUG PARENT...: a merge migration as `alembic merge`
# writes it.
add_merge() {
	dir=$1 rev=$2 slug=$3
	shift 3
	down=$(printf "'%s', " "$@")
	revises=$(echo "$@" | sed 's/ /, /g')
	cat >"$dir/migrations/versions/${rev}_$slug.py" <<PY
"""merge heads

Revision ID: $rev
Revises: $revises
Create Date: 2024-06-01 00:00:00
"""
revision = '$rev'
down_revision = ($down)
branch_labels = None
depends_on = None
PY
}

gen repo app --count 8 --seed 71 >/dev/null
base=$(git -C app rev-parse HEAD)

# section NAME: a fresh bare repository srv/NAME.git holding the base
# history, so that each case stands alone (old code failing one case
# does not change what the next one sees).
section() {
	git_quiet -C app reset --hard "$base"
	bare_repo "srv/$1.git" $S
	push app "$T/srv/$1.git" main
	expect "$1: base history accepted" 0 "main -> main"
	R="$T/srv/$1.git"
}

# --- hand-picked shapes the old detector let through --------------------
for id in f9a8b7c6d5e4 e1a2b3c4d5f6 a8f3b2c1d4e5 6c0e5f8a9b1d; do
	section "picked-$id"
	add_migration app "$id" "$(head_of app)" picked
	commit_all app "hand-picked $id"
	push app "$R" main
	expect "hand-picked $id rejected" 1 \
	    "remote: migrations/versions/${id}_picked.py:9: error[placeholder-id]: revision \`$id\` looks hand-picked" \
	    "pre-receive hook declined"
	git_quiet -C app reset --hard HEAD~1
	r1=$(rand_id)
	add_migration app "$r1" "$(head_of app)" random
	commit_all app "a random ID"
	push app "$R" main
	expect "a random ID instead is accepted" 0 "main -> main"
done

# --- a fork, then the merge its hint asks for ---------------------------
section merge
h=$(head_of app)
r1=$(rand_id) r2=$(rand_id)
add_migration app "$r1" "$h" billing
add_migration app "$r2" "$h" search
commit_all app "parallel work"
push app "$R" main
expect "a fork alone is a stealth branch" 1 \
    "error[stealth-branch]: non-merge revisions sharing parent $h:"
m=$(rand_id)
add_merge app "$m" merge_heads "$r1" "$r2"
printf '## %s\nmerges the billing and search branches\n' "$m" \
    >>app/CHANGELOG.md
commit_all app "merge heads"
push app "$R" main
expect "fork plus a named, documented merge migration accepted" 0 \
    "main -> main"
refute "no stealth-branch after the merge" "stealth-branch"
r3=$(rand_id)
add_migration app "$r3" "$m" after_merge
commit_all app "after the merge"
push app "$R" main
expect "work after the merge accepted" 0 "main -> main"

# --- alembic revision without -m --------------------------------------
section noslug
r1=$(rand_id)
add_migration app "$r1" "$(head_of app)" x
mv "app/migrations/versions/${r1}_x.py" "app/migrations/versions/${r1}_.py"
commit_all app "no message"
push app "$R" main
expect "<rev>_.py (alembic revision without -m) accepted" 0 "main -> main"
refute "no filename-revision for <rev>_.py" "filename-revision"

# --- duplicate IDs ------------------------------------------------------
section dup
h=$(head_of app)
r1=$(rand_id)
add_migration app "$r1" "$h" one
add_migration app "$r1" "$h" two
commit_all app "one ID twice"
push app "$R" main
expect "duplicate IDs rejected naming both files and what Alembic does" 1 \
    "remote: migrations/versions/${r1}_two.py:9: error[duplicate-revision]: revision \`$r1\` is defined twice: migrations/versions/${r1}_one.py and migrations/versions/${r1}_two.py; Alembic loads whichever of the two os.listdir yields last" \
    "never runs the other"

# --- catastrophic patterns: fast, and never a pass ----------------------
# 200 migrations whose IDs make ^(a|aa)+$ backtrack (22 s before limits).
bare_repo srv/slow-format.git $S
mkdir -p slowf/migrations/versions
git_quiet init -q slowf
cp app/alembic.ini slowf/
parent=
i=0
while [ $i -lt 200 ]; do
	rev=$(printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab%03d' $i)
	add_migration slowf "$rev" "$parent" step
	parent=$rev
	i=$((i + 1))
done
commit_all slowf "200 migrations"
t0=$(now_ms)
push slowf "$T/srv/slow-format.git" main
t1=$(now_ms)
expect "^(a|aa)+\$ as revision_format: an error naming field and file" 1 \
    "remote: migrations/versions/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab000_step.py:9: error[revision-format]: revision_format \`^(a|aa)+\$\` could not be evaluated on revision" \
    "match limit exceeded"
if [ $((t1 - t0)) -lt 3000 ]; then
	ok "200 catastrophic matches took $((t1 - t0)) ms"
else
	not_ok "200 catastrophic matches took $((t1 - t0)) ms (want < 3000)"
fi

# One 40-digit ID that the placeholder pattern should forbid: a match
# error used to count as "no match" and let it through.
bare_repo srv/slow-pattern.git $S
mkdir -p slowp/migrations/versions
git_quiet init -q slowp
cp app/alembic.ini slowp/
long=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
add_migration slowp "$long" "" init
commit_all slowp "a 40-digit ID"
push slowp "$T/srv/slow-pattern.git" main
expect "a placeholder pattern that cannot be evaluated rejects, never passes" 1 \
    "remote: migrations/versions/${long}_init.py:9: error[placeholder-id]: placeholder_patterns entry 1" \
    "could not be evaluated on revision \`$long\`"

stop_daemon d
finish
