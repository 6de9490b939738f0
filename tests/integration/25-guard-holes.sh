#!/bin/sh
# Holes a red team found in the guard, each closed and pushed at for
# real: removed-revision skipped when the push also adds a versions
# place (or moves the project), a guarded branch deleted and pushed again
# without its migrations (allow_ref_deletion, observe mode), and a pusher
# who creates an unborn HEAD's branch to switch @default off for the
# team's branch.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

cat >d.yaml <<YAML
repositories:
  - match: "$T/srv/delok.git"
    allow_ref_deletion: true
  - match: "$T/srv/delobs.git"
    mode: observe
  - match: "$T/srv/headok.git"
    guarded_refs: ["@default", "refs/heads/main"]
YAML
start_daemon d -f "$T/d.yaml"
S="--socket $T/d.sock"

# new_repo NAME SEED: a bare repository with the hook and a work tree
# holding a clean 4-migration history, pushed to main.
new_repo() {
	bare_repo "srv/$1.git" $S
	gen repo "$1" --count 4 --seed "$2" >/dev/null
	git_quiet -C "$1" remote add origin "$T/srv/$1.git"
	push "$1" origin main
}

# has_file BARE REF PATTERN: REF's tree in BARE has a path with PATTERN.
has_file() {
	git -C "$1" ls-tree -r --name-only "$2" 2>/dev/null | grep -q "$3"
}

# --- 1. removed-revision sees every place, whatever moved ----------------
new_repo vp 81
h=$(head_of vp)
f=$(cd vp && ls migrations/versions/"${h}"_*)
git_quiet -C vp rm -q "$f"
commit_all vp "drop the newest migration"
push vp origin main
expect "control: dropping a migration from main is rejected" 1 \
    "error[removed-revision]: revision \`$h\`"
mkdir -p vp/other/versions
echo "later" >vp/other/versions/README
printf 'versions_path: [migrations/versions, other/versions]\n' \
    >vp/.revguard.yaml
commit_all vp "add a versions place in the same push"
push vp origin main
expect "adding a versions place does not hide the dropped migration" 1 \
    "error[removed-revision]: revision \`$h\`"
has_file srv/vp.git main "$h" && ok "main still has $h" ||
    not_ok "main still has $h"

# Moving the migration to the added place is not a removal.
git_quiet -C vp reset -q --hard origin/main
mkdir -p vp/other/versions
git_quiet -C vp mv "$f" other/versions/
printf 'versions_path: [migrations/versions, other/versions]\n' \
    >vp/.revguard.yaml
commit_all vp "move the newest migration to a second place"
push vp origin main
expect "a revision moved to another checked place is not removed" 0 \
    "main -> main"

# Moving the whole project (alembic.ini edited) while dropping one.
new_repo mv 82
h=$(head_of mv)
git_quiet -C mv mv migrations moved
sed -i 's|%(here)s/migrations|%(here)s/moved|' mv/alembic.ini
rm mv/moved/versions/"${h}"_*
commit_all mv "move the project and drop the newest migration"
push mv origin main
expect "moving the project does not hide a dropped migration" 1 \
    "error[removed-revision]: revision \`$h\`"
git_quiet -C mv reset -q --hard HEAD~1
git_quiet -C mv mv migrations moved
sed -i 's|%(here)s/migrations|%(here)s/moved|' mv/alembic.ini
commit_all mv "move the project whole"
push mv origin main
expect "moving the project whole is accepted" 0 "main -> main"

# --- 2. a guarded ref cannot be deleted and pushed again -----------------
new_repo rel 83
git_quiet -C rel checkout -q -b release/1.0
x=$(rand_id)
add_migration rel "$x" "$(head_of rel)" hotfix
commit_all rel "release hotfix migration"
push rel origin release/1.0
expect "release/1.0 gets its hotfix migration" 0 "release/1.0 -> release/1.0"
git_quiet -C rel rm -q "migrations/versions/${x}_hotfix.py"
commit_all rel "drop it again"
push rel origin release/1.0
expect "control: dropping it from release/1.0 is rejected" 1 \
    "error[removed-revision]: revision \`$x\`"
push rel origin :release/1.0
expect "deleting a guarded branch is refused, saying why and how to allow it" 1 \
    "refs/heads/release/1.0: error: deleting a guarded ref is refused" \
    "could come back without its migrations" "allow_ref_deletion: true"
git -C srv/rel.git rev-parse -q --verify refs/heads/release/1.0 >/dev/null &&
    ok "release/1.0 is still there" || not_ok "release/1.0 is still there"
push rel origin release/1.0
expect "so it cannot come back without its migration" 1 \
    "error[removed-revision]: revision \`$x\`"
has_file srv/rel.git release/1.0 "$x" && ok "release/1.0 still has $x" ||
    not_ok "release/1.0 still has $x"
git_quiet -C rel push -q origin main:refs/heads/feature/x
push rel origin :feature/x
expect "deleting an unguarded branch passes" 0 "[deleted]"
refute "and says nothing about it" "feature/x: error"

# A repository's .revguard.yaml cannot allow it.
git_quiet -C rel checkout -q main
printf 'allow_ref_deletion: true\n' >rel/.revguard.yaml
commit_all rel "allow deletions from the repository"
push rel origin main
expect "allow_ref_deletion in a pushed .revguard.yaml is refused" 1 \
    ".revguard.yaml is invalid" "allow_ref_deletion"

# An administrator allows it for one repository.
new_repo delok 84
git_quiet -C delok push -q origin main:refs/heads/release/2.0
push delok origin :release/2.0
expect "allow_ref_deletion: true (a repositories entry) lets it through, said" 0 \
    "refs/heads/release/2.0: not checked: the push deletes this guarded ref" \
    "[deleted]"

# Observe mode: accepted, with the warning any would-be rejection gets.
new_repo delobs 85
git_quiet -C delobs push -q origin main:refs/heads/release/3.0
push delobs origin :release/3.0
expect "observe mode: a refused deletion is accepted with a warning" 0 \
    "warning: refs/heads/release/3.0: observe mode: enforcing would reject this push: deleting a guarded ref is refused" \
    "[deleted]"

# --- 3. an unborn HEAD's branch cannot be created to switch @default ----
# HEAD names master; the team pushes main.
git -c init.defaultBranch=master init -q --bare srv/head.git
git -C srv/head.git symbolic-ref HEAD refs/heads/master
"$REVGUARD" install-hook --repo srv/head.git -- $S >/dev/null
gen repo head --count 4 --seed 86 >/dev/null
git_quiet -C head remote add origin "$T/srv/head.git"
push head origin main
expect "the team's main is pushed" 0 "main -> main"
good=$(git -C head rev-parse main)
add_migration head a1b2c3d4e5f6 "$(head_of head)" bad
commit_all head "a hand-picked ID"
push head origin main
expect "control: a broken push to main is rejected" 1 "error[placeholder-id]"
push head origin "$good:refs/heads/master"
expect "creating HEAD's branch beside main is refused, naming both and the fix" 1 \
    "refs/heads/master: error: HEAD names refs/heads/master, which does not exist yet" \
    "(refs/heads/main)" "git symbolic-ref HEAD refs/heads/main"
git -C srv/head.git rev-parse -q --verify refs/heads/master >/dev/null &&
    not_ok "master was not created" || ok "master was not created"
push head origin main
expect "so main stays guarded" 1 "error[placeholder-id]"

rg doctor --repo srv/head.git --config /dev/null
expect "doctor says a push creating HEAD's branch is refused" 1 \
    "HEAD names refs/heads/master, which does not exist" \
    "refuses a push that creates it while other branches exist"

# Fixed by the administrator: HEAD names main; master is an ordinary
# branch and main is guarded as @default.
git -C srv/head.git symbolic-ref HEAD refs/heads/main
push head origin "$good:refs/heads/master"
expect "with HEAD fixed, master is an ordinary branch" 0 "-> master"
push head origin main
expect "and main is guarded as @default" 1 "error[placeholder-id]"

# Or main is named in guarded_refs: creating master takes nothing away.
git -c init.defaultBranch=master init -q --bare srv/headok.git
git -C srv/headok.git symbolic-ref HEAD refs/heads/master
"$REVGUARD" install-hook --repo srv/headok.git -- $S >/dev/null
git_quiet -C head push -q "$T/srv/headok.git" "$good:refs/heads/main"
push head "$T/srv/headok.git" "$good:refs/heads/master"
expect "with main in guarded_refs, creating master is allowed" 0 \
    "-> master"
push head "$T/srv/headok.git" main
expect "and main stays guarded" 1 "error[placeholder-id]"

# In an empty repository the first push may create HEAD's branch.
git -c init.defaultBranch=master init -q --bare srv/empty.git
git -C srv/empty.git symbolic-ref HEAD refs/heads/master
"$REVGUARD" install-hook --repo srv/empty.git -- $S >/dev/null
push head "$T/srv/empty.git" "$good:refs/heads/master"
expect "an empty repository's first push may create HEAD's branch" 0 \
    "-> master"

finish
