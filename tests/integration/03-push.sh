#!/bin/sh
# The product's main job, end to end: revguardd running, the hook
# installed in bare repositories, and real `git push`es.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

cat >"$T/d.yaml" <<YAML
documentation: [CHANGELOG.md]
repositories:
  - match: "$T/srv/strict*.git"
    strict: true
YAML
start_daemon d -f "$T/d.yaml"
S="--socket $T/d.sock"

# --- a good push, then bad ones ---------------------------------------
bare_repo srv/app.git $S
gen repo app --count 12 --seed 31 >/dev/null
git_quiet -C app remote add origin "$T/srv/app.git"
push app origin main
expect "good history accepted" 0 "main -> main"

h=$(head_of app)
add_migration app a1b2c3d4e5f6 "$h" flags
commit_all app "hand-picked id"
push app origin main
expect "placeholder ID rejected with a remote: line" 1 \
    "remote: migrations/versions/a1b2c3d4e5f6_flags.py:9: error[placeholder-id]" \
    "remote: refs/heads/main: rejected" "pre-receive hook declined"
# The objects of the rejected push were only ever in the quarantine.
bad=$(git -C app rev-parse HEAD)
if git -C srv/app.git cat-file -e "$bad" 2>/dev/null; then
	not_ok "rejected objects stay out of the repository"
else
	ok "verdict came from objects read in the quarantine only"
fi
git_quiet -C app reset --hard HEAD~1

# stealth branch: two children of the current head in one push.
h=$(head_of app)
r1=$(rand_id) r2=$(rand_id)
add_migration app "$r1" "$h" users
add_migration app "$r2" "$h" orders
commit_all app "parallel work"
push app origin main
expect "stealth branch and second head rejected" 1 \
    "error[stealth-branch]: non-merge revisions sharing parent $h:" \
    "error[single-head]: 2 heads:"
git_quiet -C app reset --hard HEAD~1

h=$(head_of app)
r1=$(rand_id)
add_migration app "$r1" "$h" next
commit_all app "next migration"
good=$(git -C app rev-parse HEAD)
push app origin main
expect "a follow-up migration with a random ID is accepted" 0 "main -> main"

# --- multi-ref push: one bad guarded ref rejects everything -------------
git_quiet -C app checkout -q -b release/1.0
add_migration app c1c2c3c4c5c6 "$r1" hotfix
commit_all app "hotfix with a hand-picked id"
git_quiet -C app checkout -q main
h=$(head_of app)
r2=$(rand_id)
add_migration app "$r2" "$h" more
commit_all app "more"
push app origin main release/1.0
expect "one bad guarded ref rejects the whole push, naming the ref" 1 \
    "remote: refs/heads/release/1.0: rejected"
if [ "$(git -C srv/app.git rev-parse main)" = "$good" ]; then
	ok "the good ref of the rejected push was not updated either"
else
	not_ok "the good ref of the rejected push was not updated either"
fi
push app origin main
expect "the good ref alone is accepted" 0 "main -> main"

# --- what passes: unguarded branches, tags, deletions -------------------
push app origin release/1.0:refs/heads/feature/x
expect "unguarded branch passes even with a bad migration" 0 "feature/x"
git_quiet -C app tag v-bad release/1.0
push app origin v-bad
expect "tag passes" 0 "v-bad"
push app origin :feature/x
expect "deletion passes" 0 "deleted"

# --- new branch: compared with the default branch -----------------------
# Debt on main (pushed before the hook existed) is a warning on a new
# branch that does not touch it; a new hand-picked ID is an error.
git -c init.defaultBranch=main init -q --bare srv/debt.git
gen repo debt --count 6 --seed 32 >/dev/null
h=$(head_of debt)
add_migration debt b2c3d4e5f6a7 "$h" old_debt
commit_all debt "old debt"
git_quiet -C debt push "$T/srv/debt.git" main
"$REVGUARD" install-hook --repo srv/debt.git -- $S >/dev/null
git_quiet -C debt checkout -q -b release/2.0
r1=$(rand_id)
add_migration debt "$r1" b2c3d4e5f6a7 feature
commit_all debt "feature"
push debt "$T/srv/debt.git" release/2.0
expect "new branch: old debt is one summary line, the push passes" 0 \
    "release/2.0: 1 older problem was already on the branch, as warnings"
refute "new branch: old debt is not listed line by line" \
    "placeholder-id]: revision \`b2c3d4e5f6a7\`"
add_migration debt d4e5f6a7b8c9 "$r1" newdebt
commit_all debt "new debt"
push debt "$T/srv/debt.git" release/2.0:refs/heads/release/2.1
expect "new branch: a new hand-picked ID is an error" 1 \
    "error[placeholder-id]: revision \`d4e5f6a7b8c9\`"
refute "new branch: old debt stays a warning next to new errors" \
    "error[placeholder-id]: revision \`b2c3d4e5f6a7\`"
expect "new branch: old debt is summarised next to new errors" 1 \
    "and 1 older problem already on the branch, as warnings"

# --- baseline (strict repository): silences old debt only ----------------
git -c init.defaultBranch=main init -q --bare srv/strict.git
gen repo strict --count 6 --seed 33 >/dev/null
h=$(head_of strict)
add_migration strict b2c3d4e5f6a7 "$h" old_debt
commit_all strict "old debt"
git_quiet -C strict push "$T/srv/strict.git" main
"$REVGUARD" install-hook --repo srv/strict.git -- $S >/dev/null
r1=$(rand_id)
add_migration strict "$r1" b2c3d4e5f6a7 next
commit_all strict "next"
push strict "$T/srv/strict.git" main
expect "strict repository: old debt is an error" 1 \
    "error[placeholder-id]: revision \`b2c3d4e5f6a7\`"
printf '# grandfathered\nb2c3d4e5f6a7\n' >strict/.revguard-baseline
git_quiet -C strict reset -q --soft HEAD~1
git_quiet -C strict stash -q
commit_all strict "baseline the old id"
git_quiet -C strict -c core.hooksPath=/dev/null push "$T/srv/strict.git" main
git_quiet -C strict stash pop -q
commit_all strict "next"
push strict "$T/srv/strict.git" main
expect "baseline in the repository silences the old debt" 0 "main -> main"
h=$(head_of strict)
add_migration strict e5f6a7b8c9d0 "$h" sneaky
printf 'e5f6a7b8c9d0\n' >>strict/.revguard-baseline
commit_all strict "new debt, baselined in the same push"
push strict "$T/srv/strict.git" main
expect "a push cannot baseline its own new debt" 1 \
    "error[placeholder-id]: revision \`e5f6a7b8c9d0\`"

# --- repository outside repo_roots --------------------------------------
mkdir -p elsewhere
bare_repo elsewhere/out.git $S
push app "$T/elsewhere/out.git" main
expect "repository outside repo_roots refused with a clear message" 1 \
    "outside the configured repo_roots" "push rejected (on_unavailable: reject)"

# A symbolic link inside the root that points outside it is no way in.
ln -s "$T/elsewhere/out.git" srv/link.git
push app "$T/srv/link.git" main
expect "symlink escaping repo_roots refused" 1 "outside the configured repo_roots"

# --- a push that does not touch the migrations ----------------------------
echo "docs" >app/NOTES.md
commit_all app "notes only"
push app origin main
expect "push without migration changes accepted" 0 "main -> main"
if grep -q "refs/heads/main=accept (versions directory unchanged)" "$T/d.log"; then
	ok "it took the one-tree-lookup path"
else
	not_ok "it took the one-tree-lookup path"; diag "$T/d.log"
fi

# --- in-process check (GitHub Enterprise style) --------------------------
git -c init.defaultBranch=main init -q --bare srv/inproc.git
"$REVGUARD" install-hook --repo srv/inproc.git -- --in-process >/dev/null
push app "$T/srv/inproc.git" main
expect "in-process hook accepts the good history" 0 "main -> main"
push app "$T/srv/inproc.git" release/1.0
expect "in-process hook rejects the bad ref" 1 \
    "error[placeholder-id]: revision \`c1c2c3c4c5c6\`"

# --- install-hook does not clobber -------------------------------------
printf '#!/bin/sh\necho custom\n' >srv/app.git/hooks/pre-receive
"$REVGUARD" install-hook --repo srv/app.git >"$T/out" 2>"$T/err"; echo $? >"$T/rc"
expect "install-hook refuses to replace a different hook" 2 "use --force"
"$REVGUARD" install-hook --repo srv/app.git --force -- $S >"$T/out" 2>"$T/err"; echo $? >"$T/rc"
expect "install-hook --force replaces it" 0 "installed"

stop_daemon d
if grep -q "accepted\|rejected" "$T/d.log"; then ok "the daemon logged its verdicts"; else not_ok "the daemon logged its verdicts"; fi
finish
