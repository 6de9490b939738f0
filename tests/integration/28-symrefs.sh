#!/bin/sh
# Symbolic refs and an unborn HEAD, pushed at for real: a push through a
# symbolic branch (refs/heads/master -> refs/heads/main, a rename's
# leftover) writes main and is judged as main; deleting a symbolic
# branch deletes its target, so it is refused when the target is
# guarded; HEAD -> master -> main makes @default main; and while HEAD's
# branch is unborn no branch comes in unjudged beside it.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

start_daemon d
S="--socket $T/d.sock"

# new_repo NAME SEED: a bare repository with the hook and a work tree
# holding a clean 4-migration history, pushed to main.
new_repo() {
	bare_repo "srv/$1.git" $S
	gen repo "$1" --count 4 --seed "$2" >/dev/null
	git_quiet -C "$1" remote add origin "$T/srv/$1.git"
	push "$1" origin main
}

# at BARE REF: REF's commit in BARE, or nothing.
at() { git -C "$1" rev-parse -q --verify "$2" 2>/dev/null; }

# --- 1. a push through a symbolic branch is judged as its target ---------
new_repo al 91
git -C srv/al.git symbolic-ref refs/heads/master refs/heads/main
add_migration al a1b2c3d4e5f6 "$(head_of al)" bad
commit_all al "a hand-picked ID"
push al origin main
expect "control: a broken push to main is rejected" 1 "error[placeholder-id]"
push al origin main:master
expect "the same commit pushed to master (a symref to main) is rejected" 1 \
    "error[placeholder-id]"
[ "$(at srv/al.git refs/heads/main)" = "$(git -C al rev-parse main)" ] &&
    not_ok "main does not hold the broken commit" ||
    ok "main does not hold the broken commit"
git_quiet -C al reset -q --hard HEAD~1
x=$(rand_id)
add_migration al "$x" "$(head_of al)" good
commit_all al "a clean migration"
push al origin main:master
expect "a clean push through master is accepted and writes main" 0 \
    "main -> master"
[ "$(at srv/al.git refs/heads/main)" = "$(git -C al rev-parse main)" ] &&
    ok "main moved" || not_ok "main moved"

# --- 2. deleting a symbolic branch deletes its guarded target -----------
new_repo del 92
git_quiet -C del push -q origin main:refs/heads/release/1.0
git -C srv/del.git symbolic-ref refs/heads/rel refs/heads/release/1.0
git -C srv/del.git symbolic-ref refs/heads/rel2 refs/heads/rel
push del origin :release/1.0
expect "control: deleting release/1.0 is refused" 1 \
    "deleting a guarded ref is refused"
push del origin :rel
expect "deleting rel (a symref to release/1.0) is refused, naming it" 1 \
    "refs/heads/rel: error: deleting a guarded ref is refused (it is a" \
    "symbolic ref: git deletes refs/heads/release/1.0 with it)"
push del origin :rel2
expect "so is deleting a chain rel2 -> rel -> release/1.0" 1 \
    "refs/heads/rel2: error: deleting a guarded ref is refused"
[ -n "$(at srv/del.git refs/heads/release/1.0)" ] &&
    ok "release/1.0 is still there" || not_ok "release/1.0 is still there"
git -C srv/del.git symbolic-ref refs/heads/fx refs/heads/feature/x
git_quiet -C del push -q origin main:refs/heads/feature/x
push del origin :fx
expect "deleting a symref to an unguarded branch passes" 0 "[deleted]"

# A chain longer than git follows is refused, not guessed at.
for i in 1 2 3 4 5 6; do
	git -C srv/del.git symbolic-ref refs/heads/l$i refs/heads/l$((i + 1))
done
git -C srv/del.git symbolic-ref refs/heads/l7 refs/heads/main
push del origin main:l1
expect "a symref chain deeper than 5 is refused" 1 \
    "is a chain of more than 5 symbolic refs"

# --- 3. HEAD -> master -> main: @default is main ------------------------
new_repo ch 93
git -C srv/ch.git symbolic-ref refs/heads/master refs/heads/main
git -C srv/ch.git symbolic-ref HEAD refs/heads/master
add_migration ch a1b2c3d4e5f6 "$(head_of ch)" bad
commit_all ch "a hand-picked ID"
push ch origin main
expect "a broken push to main (HEAD's branch through master) is rejected" 1 \
    "error[placeholder-id]"

# --- 4. an unborn HEAD: nothing created beside its branch unjudged ------
# Empty repository, HEAD -> master; one push creates a broken main and
# a good master.
git -c init.defaultBranch=master init -q --bare srv/e.git
"$REVGUARD" install-hook --repo srv/e.git -- $S >/dev/null
gen repo e --count 4 --seed 94 >/dev/null
git_quiet -C e remote add origin "$T/srv/e.git"
good=$(git -C e rev-parse main)
add_migration e a1b2c3d4e5f6 "$(head_of e)" bad
commit_all e "a hand-picked ID"
push e origin main "$good:refs/heads/master"
expect "empty repository: a broken main beside HEAD's master is rejected" 1 \
    "error[placeholder-id]"
[ -z "$(at srv/e.git refs/heads/main)" ] && ok "main was not created" ||
    not_ok "main was not created"
push e origin "$good:refs/heads/main" "$good:refs/heads/master"
expect "empty repository: a clean first push of main and master passes" 0 \
    "-> main" "-> master" "@default means refs/heads/master alone"

# HEAD -> master unborn, only release/1.0 (guarded by its glob) exists.
git -c init.defaultBranch=master init -q --bare srv/r.git
"$REVGUARD" install-hook --repo srv/r.git -- $S >/dev/null
git_quiet -C e push -q "$T/srv/r.git" "$good:refs/heads/release/1.0"
push e "$T/srv/r.git" main "$good:refs/heads/master"
expect "a broken main created beside HEAD's master is rejected" 1 \
    "error[placeholder-id]"
expect "and creating master beside it is refused, naming main" 1 \
    "refs/heads/master: error: HEAD names refs/heads/master" \
    "(refs/heads/main)"
[ -z "$(at srv/r.git refs/heads/main)" ] && ok "main was not created" ||
    not_ok "main was not created"
[ -z "$(at srv/r.git refs/heads/master)" ] && ok "master was not created" ||
    not_ok "master was not created"
push e "$T/srv/r.git" "$good:refs/heads/main" "$good:refs/heads/master"
expect "a clean main is judged, and master beside it still refused" 1 \
    "refs/heads/master: error: HEAD names refs/heads/master"
push e "$T/srv/r.git" "$good:refs/heads/master"
expect "HEAD's branch alone, with only guarded release/1.0 beside, passes" 0 \
    "-> master"

finish
