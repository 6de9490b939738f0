#!/bin/sh
# One road: the same repository, configuration (with a `repositories:`
# override) and change, judged through revguardd, through
# `revguard hook --in-process` and through `revguard check --base`,
# give identical diagnostics.  They share serve.c; this proves it.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

# The override makes old debt an error (strict) for this repository only:
# an entry point that skipped config_for_repository would show warnings.
cat >road.yaml <<YAML
documentation: [CHANGELOG.md]
repositories:
  - match: "$T/srv/road*.git"
    strict: true
    rules: {header-missing: error}
YAML
start_daemon d -f "$T/road.yaml"

git -c init.defaultBranch=main init -q --bare srv/road.git
gen repo road --count 10 --seed 81 >/dev/null
git_quiet -C road remote add origin "$T/srv/road.git"
h=$(head_of road)
add_migration road b2c3d4e5f6a7 "$h" old_debt
commit_all road "old debt, before the guard"
git_quiet -C road push origin main
base=$(git -C road rev-parse HEAD)

# The change: a new hand-picked ID, a fork, a missing header.
add_migration road a1b2c3d4e5f6 b2c3d4e5f6a7 flags
r=$(rand_id)
add_migration road "$r" b2c3d4e5f6a7 fork
sed -i '/^Revision ID:/d' "road/migrations/versions/${r}_fork.py"
commit_all road "the change"
new=$(git -C road rev-parse HEAD)
# The same objects reach the server on an unguarded ref, for the CLI.
git_quiet -C road push origin main:refs/heads/wip

# diags FILE: the diagnostic lines of an output, prefix-free and sorted.
diags() {
	sed -e 's/^remote: //' -e 's/[[:space:]]*$//' "$1" |
	    grep -E '^[^ ]+: (error|warn)\[|^    hint: ' | sort
}

"$REVGUARD" install-hook --force --repo srv/road.git -- \
    --socket "$T/d.sock" --config "$T/road.yaml" >/dev/null
push road origin main
expect "daemon: the change is rejected" 1 "error[placeholder-id]"
diags "$T/err" >daemon.diags

"$REVGUARD" install-hook --force --repo srv/road.git -- \
    --in-process --config "$T/road.yaml" >/dev/null
push road origin main
expect "in-process hook: the change is rejected" 1 "error[placeholder-id]"
diags "$T/err" >inproc.diags

rg check --repo srv/road.git --rev wip --base "$base" \
    --config "$T/road.yaml"
expect "check --base: the change is rejected" 1 "error[placeholder-id]"
diags "$T/out" >cli.diags

if [ -s daemon.diags ] && grep -q "error\[placeholder-id\]: revision \`b2c3d4e5f6a7\`" daemon.diags; then
	ok "the override applies: old debt is an error (strict)"
else
	not_ok "the override applies: old debt is an error (strict)"
	diag daemon.diags
fi
if grep -q "error\[header-missing\]" daemon.diags; then
	ok "the override's rule severity applies"
else
	not_ok "the override's rule severity applies"; diag daemon.diags
fi
for other in inproc cli; do
	if cmp -s daemon.diags $other.diags; then
		ok "daemon and $other give identical diagnostics ($(wc -l <daemon.diags) lines)"
	else
		not_ok "daemon and $other give identical diagnostics"
		diff daemon.diags $other.diags >road.diff; diag road.diff
	fi
done

finish
