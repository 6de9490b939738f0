#!/bin/sh
# Every shape a push can take, for real, against revguardd: --atomic and
# plain multi-ref pushes with one good and one bad ref, force pushes that
# rewrite migrations already on the branch, 1,000 refs in one push
# (timed), proc-receive style refs/for/*, tags, notes, deletions, and
# SHA-256 repositories, which libgit2 1.5 cannot read.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

cat >d.yaml <<YAML
guarded_refs: ["@default", "refs/heads/release/*", "refs/tags/v*"]
repositories:
  - match: "$T/srv/squash*.git"
    rules:
      removed-revision: off
YAML
start_daemon d -f "$T/d.yaml"
S="--socket $T/d.sock"

gen repo app --count 6 --seed 22 >/dev/null
h=$(head_of app)
git_quiet -C app checkout -q -b bad
add_migration app a1b2c3d4e5f6 "$h" flags
commit_all app "hand-picked id"
git_quiet -C app checkout -q -b good main
add_migration app "$(rand_id)" "$h" fine
commit_all app "a proper migration"
git_quiet -C app checkout -q main

bare_repo srv/app.git $S
push app "$T/srv/app.git" main
expect "setup: main pushed" 0 "main -> main"
on_server() { git -C srv/app.git rev-parse -q --verify "$1" 2>/dev/null; }

# --- multi-ref pushes: one good ref, one bad --------------------------------
# pre-receive sees every ref of a push at once and answers for the push:
# git refuses all of them, atomic or not.  revguard names the bad ref.
for mode in --atomic --no-atomic; do
	push app "$T/srv/app.git" $mode good:refs/heads/release/g$mode \
	    bad:refs/heads/release/b$mode
	expect "$mode: one bad ref refuses the whole push" 1 \
	    "refs/heads/release/b$mode: rejected" \
	    "[remote rejected] good -> release/g$mode (pre-receive hook declined)" \
	    "[remote rejected] bad -> release/b$mode (pre-receive hook declined)"
	if grep -q "release/g$mode: rejected" "$T/err"; then
		not_ok "$mode: the good ref is not blamed"
	else ok "$mode: the good ref is not blamed"; fi
	if on_server refs/heads/release/g$mode >/dev/null ||
	    on_server refs/heads/release/b$mode >/dev/null; then
		not_ok "$mode: neither ref exists on the server"
	else ok "$mode: neither ref exists on the server"; fi
done
push app "$T/srv/app.git" good:refs/heads/release/g
expect "the good ref alone goes through" 0 "good -> release/g"

# --- force pushes that rewrite what is on the branch -------------------------
# The last commit on main, amended: its migration now starts a second
# history (down_revision = None), or is gone.  Judged against the old
# tip, which had it.
headfile=$(ls app/migrations/versions/${h}_*.py)
git_quiet -C app checkout -q -b rewrite main
sed -i -E 's/^down_revision([^=]*)= .*/down_revision\1= None/' "$headfile"
git_quiet -C app commit -q -a --amend -m "rewritten"
push app "$T/srv/app.git" +rewrite:main
expect "force push rewriting a migration on main into a second base: rejected" 1 \
    "refs/heads/main: rejected" "error[single-base]"
git_quiet -C app checkout -q -b dropped main
git_quiet -C app rm -q "${headfile#app/}"
git_quiet -C app commit -q --amend -m "dropped"
push app "$T/srv/app.git" +dropped:main
expect "force push dropping the head migration on main: rejected, names it" 1 \
    "refs/heads/main: rejected" "error[removed-revision]: revision \`$h\`" \
    "can no longer be upgraded or downgraded"
# A deliberate squash: the rule is switched off for that repository.
bare_repo srv/squash.git $S
push app "$T/srv/squash.git" main
push app "$T/srv/squash.git" +dropped:main
expect "with removed-revision off for the repository, the squash goes" 0 \
    "+ $(git -C app rev-parse --short main)...$(git -C app rev-parse --short dropped) dropped -> main"
git_quiet -C app checkout -q main

# --- 1,000 refs in one push ----------------------------------------------------
i=0
while [ $i -lt 1000 ]; do
	printf 'create refs/heads/release/n%04d %s\n' $i "$(git -C app rev-parse good)"
	i=$((i + 1))
done | git -C app update-ref --stdin
t0=$(date +%s%N)
push app "$T/srv/app.git" 'refs/heads/release/n*:refs/heads/release/n*'
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "# 1,000 guarded refs in one push: ${ms} ms (git push, hook and daemon)"
expect "1,000 guarded refs in one push: accepted" 0 "release/n0999"
n=$(git -C srv/app.git for-each-ref refs/heads/release/ | grep -c 'release/n')
if [ "$n" = 1000 ]; then ok "all 1,000 refs exist"; else not_ok "all 1,000 refs exist ($n)"; fi
if [ $ms -lt 4000 ]; then ok "1,000 refs within the hook's 4 s budget ($ms ms)"
else not_ok "1,000 refs within the hook's 4 s budget ($ms ms)"; fi
git -C app update-ref refs/heads/release/n1000 "$(git -C app rev-parse bad)"
t0=$(date +%s%N)
push app "$T/srv/app.git" --force 'refs/heads/release/n*:refs/heads/release/n*'
t1=$(date +%s%N)
echo "# 1,001 refs, one bad: $(( (t1 - t0) / 1000000 )) ms"
expect "1,001 refs with one bad: rejected, naming it" 1 \
    "refs/heads/release/n1000: rejected"

# --- proc-receive style refs/for/<branch> -----------------------------------
# AGit flow (Gitea, Gerrit-like servers): a change for main is pushed to
# refs/for/main[/topic], which receive.procReceiveRefs hands to the
# proc-receive hook instead of updating a ref.  pre-receive runs first
# and sees the refs/for line: revguard judges it as a change for main
# (from their merge base), so a broken migration is refused when it is
# proposed, not only when merged.  The proc-receive hook here speaks
# git's pkt-line protocol and records what it was given.
bare_repo srv/agit.git $S
git -C srv/agit.git config receive.procReceiveRefs refs/for
cat >srv/agit.git/hooks/proc-receive <<PY
#!$PYTHON
import os, sys
i, o = sys.stdin.buffer, sys.stdout.buffer
def read():
    n = int(i.read(4), 16)
    return None if n == 0 else i.read(n - 4).rstrip(b"\n")
def write(s):
    b = s.encode()
    o.write(b"%04x" % (len(b) + 4) + b)
while read() is not None:
    pass
write("version=1\0"); o.write(b"0000"); o.flush()
cmds = []
while (l := read()) is not None:
    cmds.append(l.decode())
with open("$T/proc-receive.log", "a") as f:
    f.write("\n".join(cmds) + "\n")
for c in cmds:
    write("ok " + c.split(" ")[2])
    write("option refname refs/pull/1/head")
o.write(b"0000"); o.flush()
PY
chmod +x srv/agit.git/hooks/proc-receive
push app "$T/srv/agit.git" main
push app "$T/srv/agit.git" bad:refs/for/main/topic-1
expect "refs/for/main/topic: judged as a change for main, rejected" 1 \
    "refs/for/main/topic-1: rejected" "error[placeholder-id]"
if [ -e proc-receive.log ]; then
	not_ok "the refused proposal never reached proc-receive"
else ok "the refused proposal never reached proc-receive"; fi
push app "$T/srv/agit.git" good:refs/for/main/topic-2
expect "refs/for/main with a good change: accepted, handed to proc-receive" 0 \
    "good -> refs/pull/1/head"
if grep -q " refs/for/main/topic-2$" proc-receive.log; then
	ok "proc-receive got the accepted proposal"
else not_ok "proc-receive got the accepted proposal"; fi
long=$(printf 't%.0s' $(seq 1 4080))
push app "$T/srv/agit.git" bad:refs/for/main/$long
expect "refs/for/main/<4,080-byte topic>: still judged, rejected" 1 \
    "error[placeholder-id]"
push app "$T/srv/agit.git" bad:refs/for/nosuch/x
expect "refs/for/ of an unguarded branch: not judged" 0 "bad -> refs/pull/1/head"

# --- tags and notes -----------------------------------------------------------
git_quiet -C app tag -a -m "bad release" v9 bad
push app "$T/srv/app.git" refs/tags/v9
expect "annotated tag v9 (guarded refs/tags/v*) on a broken commit: rejected" 1 \
    "refs/tags/v9: rejected" "error[placeholder-id]"
git_quiet -C app tag -a -m "good release" v8 good
push app "$T/srv/app.git" refs/tags/v8
expect "annotated tag v8 on a good commit: accepted" 0 "v8 -> v8"
git_quiet -C app tag other bad
push app "$T/srv/app.git" refs/tags/other
expect "an unguarded tag: accepted unchecked" 0 "other -> other"
git_quiet -C app notes add -m "reviewed" main
push app "$T/srv/app.git" refs/notes/commits
expect "notes: accepted, not judged" 0 "refs/notes/commits -> refs/notes/commits"

# --- deletions ----------------------------------------------------------------
push app "$T/srv/app.git" :refs/heads/release/g
expect "deleting a guarded branch: refused by default, and said" 1 \
    "refs/heads/release/g: error: deleting a guarded ref is refused"
push app "$T/srv/app.git" :refs/tags/v8
expect "deleting a guarded tag: refused by default" 1 \
    "refs/tags/v8: error: deleting a guarded ref is refused"
# With allow_ref_deletion, deletions pass with a notice.
stop_daemon d
{ cat d.yaml; echo "allow_ref_deletion: true"; } >d-del.yaml
start_daemon d -f "$T/d-del.yaml"
push app "$T/srv/app.git" :refs/heads/release/g
expect "deleting a guarded branch (allow_ref_deletion): accepted, and said" 0 \
    "refs/heads/release/g: not checked: the push deletes this guarded ref" \
    "[deleted]"
push app "$T/srv/app.git" :refs/tags/v8 :refs/heads/release/n0001
expect "deleting a guarded tag and branch in one push" 0 \
    "refs/tags/v8: not checked: the push deletes this guarded ref"
push app "$T/srv/app.git" --atomic :refs/heads/release/n0002 bad:refs/heads/release/b2
expect "a deletion with a bad ref: the push is refused, the deletion too" 1 \
    "[remote rejected] release/n0002 (pre-receive hook declined)"

# --- SHA-256 repositories -------------------------------------------------------
git init -q --object-format=sha256 -b main sha
mkdir -p sha/migrations/versions
add_migration sha "$(rand_id)" ""
commit_all sha "first"
git init -q --bare --object-format=sha256 srv/sha.git
"$REVGUARD" install-hook --repo srv/sha.git -- $S >/dev/null
push sha "$T/srv/sha.git" main
expect "SHA-256, daemon: refused by name, the fail policy applies" 1 \
    "uses SHA-256 object IDs (extensions.objectformat = sha256" \
    "push rejected (on_unavailable: reject)"
git init -q --bare --object-format=sha256 srv/sha-open.git
"$REVGUARD" install-hook --repo srv/sha-open.git -- $S --on-unavailable accept >/dev/null
push sha "$T/srv/sha-open.git" main
expect "SHA-256, fail-open: accepted with the warning, never silently" 0 \
    "WARNING: migrations were NOT checked" "uses SHA-256 object IDs"
git init -q --bare --object-format=sha256 srv/sha-inproc.git
"$REVGUARD" install-hook --repo srv/sha-inproc.git -- --in-process >/dev/null
push sha "$T/srv/sha-inproc.git" main
expect "SHA-256, in-process: refused by name" 1 "uses SHA-256 object IDs"
rg check --repo sha
expect "SHA-256, revguard check: exit 2, says why" 2 \
    "uses SHA-256 object IDs (extensions.objectformat = sha256 in sha/.git/config)"
if grep -q "sha.git: not checked: .*SHA-256" d.log; then
	ok "SHA-256: the daemon's log says why it did not check"
else not_ok "SHA-256: the daemon's log says why it did not check"; diag d.log; fi
if kill -0 "$(cat d.pid)" 2>/dev/null; then ok "the daemon is still up"
else not_ok "the daemon is still up"; fi

stop_daemon d
finish
