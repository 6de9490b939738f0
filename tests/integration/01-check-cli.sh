#!/bin/sh
# revguard check / heads / graph against real git repositories made by
# tests/gen_fixtures.py: objects are read from the object database (bare
# clones, older commits), never from a checkout.
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 1

# A clean repository of 200 migrations over 4 commits, read from a bare
# clone, so there is no working tree to cheat with.
gen repo clean --count 200 --commits 4 --seed 11 --bare
rg check --repo clean.git
expect "clean 200-migration chain passes in a bare repository" 0 \
    "revguard: 200 migrations, 0 errors, 0 warnings"
rg check --repo clean.git --rev HEAD~2
expect "--rev reads an older commit from the object database" 0 \
    "revguard: 100 migrations, 0 errors"
rg heads --repo clean.git
head=$(cut -d' ' -f1 "$T/out")
if [ "$(wc -l <"$T/out")" -eq 1 ] && grep -q "$head" clean/migrations/versions/*; then
	ok "heads prints the single head"
else
	not_ok "heads prints the single head"; diag "$T/out"
fi
rg check --repo clean.git --format json
if "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "revguard.check/1", d["schema"]
assert d["migrations"] == 200 and d["errors"] == 0
assert len(d["heads"]) == 1 and len(d["bases"]) == 1
assert len(d["commit"]) == 40 and d["rev"] == "HEAD"
assert d["versions_dirs"] == ["migrations/versions"]
' "$T/out"; then ok "JSON output follows the schema"; else not_ok "JSON output follows the schema"; fi
rg graph --repo clean.git
expect "graph prints dot" 0 "digraph revisions {" " -> "

# Each defect on its own, each with the rule and the place it names.
gen repo ph --count 30 --seed 12 --defect placeholder
rg check --repo ph
expect "hand-picked ID rejected" 1 \
    "migrations/versions/a1b2c3d4e5f6_" "error[placeholder-id]: revision \`a1b2c3d4e5f6\` looks hand-picked" \
    "hint: generate IDs with \`alembic revision\`"

gen repo drift --count 30 --seed 13 --defect drift
rg check --repo drift
expect "drifted Revises: header rejected" 1 \
    "error[header-revises-mismatch]: header says \`Revises: ffffffffffff\`"

gen repo cyc --count 6 --seed 14 --style plain --defect cycle
rg check --repo cyc
expect "cycle listed in order" 1 "error[cycle]: revision cycle: " "error[unreachable]"

gen repo conf --count 5 --seed 15 --style plain --defect conflict
rg check --repo conf
expect "conflict markers reported with their line" 1 \
    ":14: error[parse-error]: unresolved merge conflict marker"

gen repo st --count 10 --seed 16 --defect stealth
rg check --repo st
expect "stealth branch reported in the documented form" 1 \
    "error[stealth-branch]: non-merge revisions sharing parent " \
    "error[single-head]: 2 heads: "

gen repo mu --count 10 --seed 17 --defect merge-undocumented
rg check --repo mu
expect "undocumented merge rejected" 1 "error[merge-documented]: merge revision"
refute "merge file name is accepted" "merge-naming"

gen repo dang --count 10 --seed 18 --defect dangling
rg check --repo dang
expect "dangling parent named" 1 \
    "error[dangling-parent]: down_revision of " "names \`0123deadbeef\`"

# A documented merge is fine: branchy history with merges and CHANGELOG.
gen repo br --count 60 --shape branchy --seed 5
rg check --repo br --config /dev/null
grep -q "merge-documented" "$T/out" && not_ok "documented merges pass" || ok "documented merges pass"

# Working tree mode reads files on disk.
gen tree wt --count 15 --seed 19 --defect placeholder
rg check --worktree wt
expect "--worktree checks files on disk" 1 "error[placeholder-id]"

# Layout surprises in the versions directory are reported, not followed.
gen tree lay --count 3 --seed 20
ln -s /etc/passwd lay/migrations/versions/evil
mkdir -p lay/migrations/versions/sub lay/migrations/versions/__pycache__
rg check --worktree lay
expect "symlink and sub-directory reported as versions-entry" 0 \
    "migrations/versions/evil: warn[versions-entry]: symbolic link in the versions directory is not followed" \
    "migrations/versions/sub: warn[versions-entry]: directory"
# A linked migration is one Alembic runs and revguard cannot read.
ln -s /etc/passwd lay/migrations/versions/evil.py
rg check --worktree lay
expect "a symbolic link named *.py is an error" 1 \
    "migrations/versions/evil.py: error[parse-error]: \`evil.py\` is a symbolic link"
rm lay/migrations/versions/evil.py
refute "__pycache__ is ignored" "__pycache__"

# alembic.ini with version_locations.
mkdir -p loc/db/one loc/db/two
cp wt/migrations/versions/*.py loc/db/one/ 2>/dev/null
printf '[alembic]\nscript_location = db\nversion_locations = %%(here)s/db/one %%(here)s/db/two\n' >loc/alembic.ini
rg check --worktree loc --config /dev/null
expect "version_locations from alembic.ini are read" 1 "db/one/" "15 migrations"

# Configuration: severities apply, bad files are errors with line/column.
printf 'rules:\n  placeholder-id: warn\n' >warn.yaml
rg check --worktree wt --config warn.yaml
expect "severity override turns the error into a warning" 0 "warn[placeholder-id]"
printf 'rules:\n  placeholder-id: warn\n  bogus: off\n' >bad.yaml
rg check --worktree wt --config bad.yaml
expect "unknown rule in config is exit 2 with line and column" 2 \
    "bad.yaml:3:3: unknown rule \`bogus\`"
printf 'versions_path: nowhere\n' >nowhere.yaml
rg check --worktree wt --config nowhere.yaml
expect "missing versions directory is exit 2" 2 \
    "not checked: versions directory \`nowhere\` (from versions_path) does not exist"

# --base: a commit range, as CI sees a pull request.
gen repo rng --count 8 --seed 21 --defect placeholder
git_quiet -C rng tag debt
h=$("$REVGUARD" heads --repo rng | cut -d' ' -f1)
r=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
printf '"""next\n\nRevision ID: %s\nRevises: %s\n"""\nrevision = "%s"\ndown_revision = "%s"\n' \
    "$r" "$h" "$r" "$h" >"rng/migrations/versions/${r}_next.py"
git_quiet -C rng add -A
git_quiet -C rng commit -m next
rg check --repo rng --base debt
expect "--base: debt older than the range is a warning" 0 \
    "warn[placeholder-id]: revision \`a1b2c3d4e5f6\`"
rg check --repo rng
expect "without --base the same debt is an error" 1 "error[placeholder-id]"
rg check --repo rng --base debt --format json
if "$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["base"] == "debt" and d["errors"] == 0 and d["warnings"] == 1' "$T/out"; then
	ok "--base is reported in JSON"
else
	not_ok "--base is reported in JSON"
fi
printf 'a1b2c3d4e5f6  # grandfathered\n' >rng/.revguard-baseline
git_quiet -C rng add -A
git_quiet -C rng commit -m baseline
rg check --repo rng --base HEAD~1
expect "--base reads the baseline file from the base, not the tip" 0 "warn[placeholder-id]"
rg check --repo rng --base HEAD
expect "a baseline already at the base silences the debt" 0 "0 errors, 0 warnings"
rg check --worktree rng --base HEAD
expect "--base does not go with --worktree" 2 "does not go with"

# Usage and I/O errors.
rg check --repo "$T/does-not-exist"
expect "missing repository is exit 2" 2 "cannot open repository"
rg check --repo clean.git --rev no-such-branch
expect "unknown revision is exit 2" 2 "cannot resolve revision \`no-such-branch\`"
rg check --format yaml
expect "unknown format is a usage error" 2 "unknown --format"
rg frobnicate
expect "unknown command is a usage error" 2 "unknown command"

finish
