#!/bin/sh
# How a push is judged against its base, through real `git push`es:
# moving or removing alembic.ini, deleting migrations others still name,
# alembic.ini below the root, the repository's own .revguard.yaml, an
# unborn default branch, and the notice for every guarded ref that is
# not checked.  Also `revguard baseline --write`.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

start_daemon d
S="--socket $T/d.sock"

# new_repo NAME SEED: a bare repository with the hook and a work tree
# holding a clean 6-migration history, pushed to main.
new_repo() {
	bare_repo "srv/$1.git" $S
	gen repo "$1" --count 6 --seed "$2" >/dev/null
	git_quiet -C "$1" remote add origin "$T/srv/$1.git"
	push "$1" origin main
}

# --- removing alembic.ini hides nothing ---------------------------------
new_repo rm 61
h=$(head_of rm)
git_quiet -C rm rm -q alembic.ini
add_migration rm a1b2c3d4e5f6 "$h" one
add_migration rm "$(rand_id)" "$h" two
commit_all rm "drop alembic.ini, fork with a hand-picked ID"
push rm origin main
expect "deleting alembic.ini with a bad migration is rejected" 1 \
    "the base has 6 migrations in migrations/versions (from alembic.ini)" \
    "pre-receive hook declined"
git_quiet -C rm reset -q --hard HEAD~1

# --- pointing script_location at a missing directory --------------------
sed -i 's|%(here)s/migrations|%(here)s/elsewhere|' rm/alembic.ini
add_migration rm a1b2c3d4e5f6 "$h" one
commit_all rm "move script_location away"
push rm origin main
expect "script_location at a missing directory is rejected" 1 \
    "its versions directory is missing" "allow_migrations_removal"
git_quiet -C rm reset -q --hard HEAD~1

# --- moving the migrations: every one at the new place is new ------------
new_repo mv 62
h=$(head_of mv)
add_migration mv b2c3d4e5f6a7 "$h" debt
commit_all mv "old debt"
# The debt lands past the guard (as if before revguard was installed).
mv srv/mv.git/hooks/pre-receive srv/mv.git/hooks/off
push mv origin main
mv srv/mv.git/hooks/off srv/mv.git/hooks/pre-receive
expect "old debt lands before the guard" 0 "main -> main"
git_quiet -C mv mv migrations moved
sed -i 's|%(here)s/migrations|%(here)s/moved|' mv/alembic.ini
commit_all mv "move the migrations"
push mv origin main
expect "moved migrations are all new: the old debt is an error" 1 \
    "error[placeholder-id]: revision \`b2c3d4e5f6a7\`"

# --- deleting migrations that others still name -------------------------
new_repo del 63
f2=$(ls del/migrations/versions/*.py | sed -n 2p)
f3=$(ls del/migrations/versions/*.py | sed -n 3p)
git_quiet -C del rm -q "${f2#del/}" "${f3#del/}"
commit_all del "delete two migrations"
push del origin main
expect "deleting migrations others name is rejected" 1 \
    "error[dangling-parent]" "pre-receive hook declined"
refute "the new problems are not passed off as old debt" "older problem"

# --- alembic.ini below the root ------------------------------------------
new_repo sub 64
mkdir -p sub/backend
git_quiet -C sub mv alembic.ini migrations backend/
commit_all sub "move the project into backend/"
push sub origin main
expect "moving the project below the root is checked there" 0 \
    "main -> main"
h=$(head_of sub/backend)
add_migration sub/backend a1b2c3d4e5f6 "$h" one
commit_all sub "hand-picked ID in backend/"
push sub origin main
expect "backend/alembic.ini is found and a bad push rejected" 1 \
    "backend/migrations/versions/a1b2c3d4e5f6_one.py" "error[placeholder-id]"
git_quiet -C sub reset -q --hard HEAD~1

# A second alembic.ini makes the place ambiguous: refused while the
# base has migrations, and the message says how to name one.
mkdir -p sub/tools && cp sub/backend/alembic.ini sub/tools/alembic.ini
commit_all sub "a second project"
push sub origin main
expect "a second alembic.ini is refused with the fix" 1 \
    "several alembic.ini files (backend/alembic.ini, tools/alembic.ini)" \
    "alembic_ini: backend/alembic.ini"
git_quiet -C sub reset -q --hard HEAD~1

# --- .revguard.yaml is read from the base, never from the push -----------
printf 'alembic_ini: backend/alembic.ini\n' >sub/.revguard.yaml
commit_all sub "name the project"
push sub origin main
expect "a .revguard.yaml naming alembic_ini is accepted" 0 "main -> main"
# A decoy: another project with one clean migration.
mkdir -p sub/tools/migrations/versions
cp sub/backend/alembic.ini sub/tools/alembic.ini
add_migration sub/tools "$(rand_id)" "" decoy
printf 'alembic_ini: tools/alembic.ini\n' >sub/.revguard.yaml
h=$(head_of sub/backend)
add_migration sub/backend c1c2c3c4c5c6 "$h" x
commit_all sub "point the guard at an empty project, add a bad ID"
push sub origin main
expect "a pushed .revguard.yaml cannot point the guard at a decoy: both places are checked" 1 \
    "backend/migrations/versions/c1c2c3c4c5c6_x.py:9: error[placeholder-id]"
git_quiet -C sub reset -q --hard HEAD~1
# Moving the migrations with the file that says where they are is fine,
# and everything at the new place is judged as new.
git_quiet -C sub mv backend api
printf 'alembic_ini: api/alembic.ini\n' >sub/.revguard.yaml
commit_all sub "backend/ is now api/"
push sub origin main
expect "moving the project with its .revguard.yaml is accepted" 0 \
    "main -> main"
h=$(head_of sub/api)
add_migration sub/api c1c2c3c4c5c6 "$h" x
commit_all sub "a bad ID at the new place"
push sub origin main
expect "the moved project is guarded at its new place" 1 \
    "api/migrations/versions/c1c2c3c4c5c6_x.py" "error[placeholder-id]"
git_quiet -C sub reset -q --hard HEAD~1
printf 'alembic_ini: [oops\n' >sub/.revguard.yaml
commit_all sub "break .revguard.yaml"
push sub origin main
expect "a broken .revguard.yaml is refused before it lands" 1 \
    ".revguard.yaml is invalid: .revguard.yaml:2:1: YAML syntax error"
git_quiet -C sub reset -q --hard HEAD~1

# .revguard.yaml adds to what alembic.ini says, never narrows it: naming
# only the old directory while alembic.ini gains another hides nothing,
# in the same push or the next.
new_repo narrow 68
printf 'versions_path: migrations/versions\n' >narrow/.revguard.yaml
commit_all narrow "name the versions directory"
push narrow origin main
expect "a .revguard.yaml naming the same directory is accepted" 0 "main -> main"
h=$(head_of narrow)
mkdir -p narrow/other
sed -i 's|^script_location.*|&\nversion_locations = %(here)s/migrations/versions %(here)s/other|' narrow/alembic.ini
add_migration narrow a1b2c3d4e5f6 "$h" bad
mv narrow/migrations/versions/a1b2c3d4e5f6_bad.py narrow/other/
commit_all narrow "a second version location with a hand-picked ID"
push narrow origin main
expect "a directory alembic.ini adds is checked whatever .revguard.yaml says" 1 \
    "other/a1b2c3d4e5f6_bad.py" "error[placeholder-id]"

# --- what Alembic runs but revguard cannot read is refused ---------------
new_repo link 71
h=$(head_of link)
mkdir -p link/lib
add_migration link a1b2c3d4e5f6 "$h" bad
mv link/migrations/versions/a1b2c3d4e5f6_bad.py link/lib/evil.py
ln -s ../../lib/evil.py link/migrations/versions/a1b2c3d4e5f6_bad.py
commit_all link "a migration behind a symbolic link"
push link origin main
expect "a symbolically linked migration is rejected" 1 \
    "error[parse-error]: \`a1b2c3d4e5f6_bad.py\` is a symbolic link"
git_quiet -C link reset -q --hard HEAD~1
sed -i 's|^script_location.*|&\nsourceless = true|' link/alembic.ini
commit_all link "compiled migrations"
push link origin main
expect "sourceless = true is refused" 1 "sourceless = true: Alembic runs compiled .pyc migrations"
git_quiet -C link reset -q --hard HEAD~1
sed -i 's|^script_location.*|&\nrecursive_version_locations = true|' link/alembic.ini
commit_all link "sub-directories"
push link origin main
expect "recursive_version_locations = true is refused" 1 "recursive_version_locations = true"

# A versions directory replaced by a link: Alembic follows it.
git_quiet -C link reset -q --hard HEAD~1
git_quiet -C link mv migrations/versions migrations/real
ln -s real link/migrations/versions
commit_all link "versions directory behind a link"
push link origin main
expect "a symbolically linked versions directory is refused" 1 \
    "versions directory \`migrations/versions\` is a symbolic link"
git_quiet -C link reset -q --hard HEAD~1
git_quiet -C link checkout -q HEAD -- migrations
git_quiet -C link commit -q --allow-empty -m "restore"

# A blob that inflates past 64 MiB (a few KiB compressed) is refused by
# its size, before it is loaded.
git_quiet -C link reset -q --hard HEAD~1
git_quiet -C link clean -qfd
head -c 67108865 /dev/zero >link/migrations/versions/b2c3d4e5f6a7_big.py
commit_all link "a zip bomb"
push link origin main
expect "a migration over 64 MiB is a parse-error, not loaded" 1 \
    "b2c3d4e5f6a7_big.py: error[parse-error]: \`migrations/versions/b2c3d4e5f6a7_big.py\` is larger than 67108864 bytes"

# --- the baseline never hides a problem the push creates ----------------
new_repo bl2 69
p=$(head_of bl2)
printf 'a1b2c3d4e5f6\n%s\n' "$p" >bl2/.revguard-baseline
commit_all bl2 "baseline names IDs ahead of time"
push bl2 origin main
expect "a baseline commit is accepted" 0 "main -> main"
add_migration bl2 a1b2c3d4e5f6 "" fork
commit_all bl2 "a hand-picked ID and a fork, both baselined in advance"
push bl2 origin main
expect "baselined IDs cannot grandfather problems the push creates" 1 \
    "error[placeholder-id]: revision \`a1b2c3d4e5f6\`" "error[single-head]"

# --- guarded_refs globs cross / as git's refspecs do ---------------------
git_quiet -C bl2 reset -q --hard HEAD~1
git_quiet -C bl2 checkout -q -b release/1.0/hotfix
h=$(head_of bl2)
add_migration bl2 b2c3d4e5f6a7 "$h" hot
commit_all bl2 "hand-picked ID on a nested release branch"
push bl2 origin release/1.0/hotfix
expect "refs/heads/release/* guards release/1.0/hotfix too" 1 \
    "error[placeholder-id]: revision \`b2c3d4e5f6a7\`"

# --- file names cannot forge remote: lines --------------------------------
git_quiet -C bl2 checkout -q main
h=$(head_of bl2)
add_migration bl2 c1c2c3c4c5c6 "$h" x
mv bl2/migrations/versions/c1c2c3c4c5c6_x.py "bl2/migrations/versions/c1c2c3c4c5c6_x
 * [new branch]      main -> main (accepted).py"
commit_all bl2 "a file name with a newline"
push bl2 origin main
expect "a newline in a file name is shown escaped" 1 \
    'c1c2c3c4c5c6_x\n * [new branch]'
if grep -q "^remote:  \* \[new branch\]" "$T/err"; then
	not_ok "no forged remote: line"; diag "$T/err"
else
	ok "no forged remote: line"
fi

# --- red-team round 2 ---------------------------------------------------
# A .revguard.yaml naming a missing file does not switch discovery off:
# backend/ is still found and checked.
new_repo rt2 72
mkdir -p rt2/backend && git_quiet -C rt2 mv alembic.ini migrations backend/
commit_all rt2 "the project in backend/"
push rt2 origin main
printf 'alembic_ini: nope/alembic.ini\n' >rt2/.revguard.yaml
commit_all rt2 "name a file that is not there"
push rt2 origin main
h=$(head_of rt2/backend)
add_migration rt2/backend a1b2c3d4e5f6 "$h" evil
commit_all rt2 "a hand-picked ID"
push rt2 origin main
expect "discovery stays on beside .revguard.yaml (and the daemon stays up)" 1 \
    "backend/migrations/versions/a1b2c3d4e5f6_evil.py:9: error[placeholder-id]"
git_quiet -C rt2 reset -q --hard HEAD~1

# Old debt is matched on content too: a rewritten file with the same
# parse error is a new problem; a third copy of a duplicated ID too.
new_repo rt3 73
f=$(ls rt3/migrations/versions/*.py | head -1)
sed -i "s/^revision = \(.*\)/REV = \1\nrevision = REV/" "$f"
commit_all rt3 "a file revguard cannot read"
mv srv/rt3.git/hooks/pre-receive srv/rt3.git/hooks/off
push rt3 origin main
mv srv/rt3.git/hooks/off srv/rt3.git/hooks/pre-receive
sed -i "s/^REV = .*/REV = 'a1b2c3d4e5f6'/" "$f"
commit_all rt3 "rewrite it, same message"
push rt3 origin main
expect "a changed file's parse error is new, not old debt" 1 \
    "error[parse-error]: revision is assigned a value revguard cannot read statically"
git_quiet -C rt3 reset -q --hard HEAD~1

# A new migration on one of two old heads keeps the count: old debt.
new_repo rt4 74
h=$(head_of rt4)
p=$(grep -h "^down_revision" rt4/migrations/versions/"$h"_*.py | cut -d"'" -f2)
add_migration rt4 "$(rand_id)" "$p" side
commit_all rt4 "an old fork"
mv srv/rt4.git/hooks/pre-receive srv/rt4.git/hooks/off
push rt4 origin main
mv srv/rt4.git/hooks/off srv/rt4.git/hooks/pre-receive
add_migration rt4 "$(rand_id)" "$h" next
commit_all rt4 "an ordinary migration on one head"
push rt4 origin main
expect "two old heads stay old debt when a push keeps the count" 0 \
    "older problem"
add_migration rt4 "$(rand_id)" "$p" third
commit_all rt4 "a third head"
push rt4 origin main
expect "a third head is new" 1 "error[single-head]: 3 heads"

# A release branch cut from a tag that main accepted long ago is judged by
# what it adds to main (nothing), not against main's newer tip.
new_repo rt5 75
f=$(ls rt5/migrations/versions/*.py | tail -1)
sed -i 's/^Revises: .*/Revises: drifted/' "$f"
commit_all rt5 "a drifted header"
mv srv/rt5.git/hooks/pre-receive srv/rt5.git/hooks/off
push rt5 origin main
mv srv/rt5.git/hooks/off srv/rt5.git/hooks/pre-receive
git -C rt5 tag v1.0
git_quiet -C rt5 checkout -q HEAD~1 -- "${f#rt5/}"
commit_all rt5 "fix the header"
push rt5 origin main
git_quiet -C rt5 checkout -q -b release/1.0 v1.0
push rt5 origin release/1.0
expect "a release branch from an old tag brings nothing new" 0 \
    "release/1.0 -> release/1.0"

# --- not an Alembic project: checked nowhere, and the pusher is told ------
git -c init.defaultBranch=main init -q --bare srv/plain.git
"$REVGUARD" install-hook --repo srv/plain.git -- $S >/dev/null
mkdir plain && echo hi >plain/README && git_quiet -C plain init -q
commit_all plain "not alembic"
push plain "$T/srv/plain.git" main
expect "an unchecked guarded ref gets one notice" 0 \
    "remote: refs/heads/main: not checked: no \`alembic.ini\` at the root or below it"
n=$(grep -c "not checked" "$T/err")
[ "$n" = 1 ] && ok "exactly one notice line" || not_ok "exactly one notice line ($n)"

# --- an unborn default branch -------------------------------------------
git init -q --bare srv/unborn.git	# HEAD names master
git -C srv/unborn.git symbolic-ref HEAD refs/heads/master
"$REVGUARD" install-hook --repo srv/unborn.git -- $S >/dev/null
gen repo unborn --count 6 --seed 65 >/dev/null
h=$(head_of unborn)
add_migration unborn a1b2c3d4e5f6 "$h" bad
commit_all unborn "bad first push"
push unborn "$T/srv/unborn.git" main
expect "the first branch of an empty repository is guarded" 1 \
    "error[placeholder-id]: revision \`a1b2c3d4e5f6\`"
git_quiet -C unborn reset -q --hard HEAD~1
push unborn "$T/srv/unborn.git" main
expect "a clean first push is accepted" 0 "main -> main"
h=$(head_of unborn)
add_migration unborn a1b2c3d4e5f6 "$h" bad
commit_all unborn "bad second push"
push unborn "$T/srv/unborn.git" main
expect "with HEAD still unborn every branch is guarded, and said so" 1 \
    "HEAD names refs/heads/master, which does not exist" \
    "error[placeholder-id]: revision \`a1b2c3d4e5f6\`"
# An empty repository whose first push creates several branches: every
# one is guarded, not only the first named.
git init -q --bare srv/multi.git
git -C srv/multi.git symbolic-ref HEAD refs/heads/master
"$REVGUARD" install-hook --repo srv/multi.git -- $S >/dev/null
gen repo multi --count 6 --seed 70 >/dev/null
git_quiet -C multi branch aaa
h=$(head_of multi)
add_migration multi a1b2c3d4e5f6 "$h" bad
commit_all multi "bad on main"
push multi "$T/srv/multi.git" aaa main
expect "a first push of several branches guards each of them" 1 \
    "the repository is empty, so revguard guards every branch this push creates" \
    "error[placeholder-id]: revision \`a1b2c3d4e5f6\`"

# --- allow_migrations_removal --------------------------------------------
stop_daemon d
printf 'allow_migrations_removal: true\n' >"$T/allow.yaml"
start_daemon d -f "$T/allow.yaml"
git_quiet -C rm rm -q -r alembic.ini migrations
commit_all rm "retire alembic"
push rm origin main
expect "allow_migrations_removal lets the migrations go, with a notice" 0 \
    "not checked: no \`alembic.ini\`"

# --- revguard baseline --write -------------------------------------------
gen repo bl --count 6 --seed 66 >/dev/null
h=$(head_of bl)
add_migration bl a1b2c3d4e5f6 "$h" debt
commit_all bl "debt"
rg check --worktree bl
expect "debt is an error before the baseline" 1 "error[placeholder-id]"
rg baseline --worktree bl --write
expect "baseline --write records today's debt" 0 ".revguard-baseline lists 1"
grep -q "^a1b2c3d4e5f6  # placeholder-id" bl/.revguard-baseline &&
    ok "the file names the ID and its rule" ||
    { not_ok "the file names the ID and its rule"; diag bl/.revguard-baseline; }
rg check --worktree bl
expect "the baselined debt no longer fails" 0 "0 errors"
rg baseline --worktree bl --write
expect "a second run keeps the IDs it already listed" 0 "lists 1 revision ID (0 new)"
rg baseline --repo bl
expect "baseline reads the work tree only" 2 "baseline reads the work tree"

# --- version_locations that do not exist are skipped, as Alembic does ----
gen repo vl --count 4 --seed 67 >/dev/null
printf '[alembic]\nscript_location = %%(here)s/migrations\nversion_locations = %%(here)s/migrations/versions %%(here)s/later\n' >vl/alembic.ini
h=$(head_of vl)
add_migration vl a1b2c3d4e5f6 "$h" bad
rg check --worktree vl
expect "a missing version_locations entry is skipped; the rest is checked" 1 \
    "error[placeholder-id]: revision \`a1b2c3d4e5f6\`"

# --- revguard doctor ------------------------------------------------------
rg doctor --repo srv/unborn.git --config /dev/null
expect "doctor names the unborn HEAD and the missing daemon is not hidden" 1 \
    "HEAD names refs/heads/master, which does not exist" \
    "refs/heads/main: checked: 6 migrations"
git init -q --bare srv/nohook.git
git -C srv/nohook.git config core.hooksPath "$T/elsewhere"
"$REVGUARD" install-hook --repo srv/nohook.git -- $S >/dev/null 2>&1
rm -f "$T/elsewhere/pre-receive"
rg doctor --repo srv/nohook.git
expect "doctor looks where core.hooksPath says" 1 \
    "no pre-receive hook at $T/elsewhere/pre-receive"
rg doctor --repo srv/plain.git --config /dev/null
expect "doctor says why a guarded branch is not checked" 1 \
    "refs/heads/main is guarded but not checked: no \`alembic.ini\`"
git -c init.defaultBranch=main init -q --bare srv/nodaemon.git
"$REVGUARD" install-hook --repo srv/nodaemon.git -- --socket "$T/none.sock" >/dev/null
rg doctor --repo srv/nodaemon.git --config /dev/null
expect "doctor reads the hook's socket and counts a silent daemon" 1 \
    "no daemon answers on $T/none.sock: every push is rejected"
rg doctor --repo srv/sub.git --config /dev/null
expect "doctor on a healthy repository exits 0" 0 \
    "refs/heads/main: checked:" "(from api/alembic.ini)" \
    "nothing stands in the way"

finish
