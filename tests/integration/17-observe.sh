#!/bin/sh
# Observe mode (issue 8): a repository (`repositories:` entry with
# `mode: observe`) or a ref glob (`observe_refs`) is judged as usual but
# never refused.  The pusher sees one warning line per would-be
# rejection, the reply carries would_reject, the daemon counts it, and
# enforce elsewhere still rejects.  Through revguardd, the in-process
# hook and `revguard check`.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

raw() { "$PYTHON" "$top_srcdir/tests/rawclient.py" "$@"; }

cat >obs.yaml <<YAML
observe_refs: [refs/heads/exp/*]
hook:
  socket: $T/d.sock
repositories:
  - match: "$T/srv/rollout*.git"
    mode: observe
YAML
start_daemon d -f "$T/obs.yaml"

gen repo app --count 8 --seed 17 >/dev/null
h=$(head_of app)
git_quiet -C app checkout -q -b bad
add_migration app a1b2c3d4e5f6 "$h" flags
r=$(rand_id)
add_migration app "$r" "$h" fork
commit_all app "a hand-picked ID and a fork"
git_quiet -C app checkout -q main

bare_repo srv/rollout.git --config "$T/obs.yaml"
bare_repo srv/enforced.git --config "$T/obs.yaml"
for repo in rollout enforced; do
	push app "$T/srv/$repo.git" main
	expect "$repo: a clean main is accepted" 0 "main -> main"
done

# --- a repository in observe mode -----------------------------------------
push app "$T/srv/rollout.git" bad:main
expect "observe repository: the broken push is accepted" 0 "bad -> main" \
    "remote: warning: refs/heads/main: observe mode: enforcing would reject this push: placeholder-id in migrations/versions/a1b2c3d4e5f6_flags.py:" \
    "and 2 more errors"
n=$(grep -c "observe mode" "$T/err")
if [ "$n" -eq 1 ] && ! grep -q "error\[" "$T/err" &&
    ! grep -q "push rejected" "$T/err"; then
	ok "observe repository: one warning line, no error lines"
else
	not_ok "observe repository: one warning line, no error lines ($n)"
	diag "$T/err"
fi
if grep -q "rollout.git accepted: refs/heads/main=reject .*; observe: enforcing would have rejected it" d.log; then
	ok "the daemon's log says what enforcing would have done"
else
	not_ok "the daemon's log says what enforcing would have done"; diag d.log
fi

# --- enforce elsewhere ---------------------------------------------------
push app "$T/srv/enforced.git" bad:main
expect "enforced repository: the same push is rejected" 1 \
    "error[placeholder-id]" "push rejected by revguard"
refute "enforced repository: no observe warning" "observe mode"

# --- a ref glob in observe mode -----------------------------------------
# refs/heads/exp/* is not in guarded_refs: observing it judges it.
push app "$T/srv/enforced.git" bad:refs/heads/exp/try
expect "observe_refs: the broken push to exp/try is accepted" 0 \
    "bad -> exp/try" \
    "remote: warning: refs/heads/exp/try: observe mode: enforcing would reject this push: placeholder-id"
push app "$T/srv/enforced.git" bad:refs/heads/release/1.0
expect "a ref outside observe_refs is still enforced" 1 \
    "refs/heads/release/1.0: rejected" "push rejected by revguard"
# One push, an enforced ref and an observed ref: the enforced one rules.
push app "$T/srv/enforced.git" bad:refs/heads/exp/two bad:refs/heads/release/2.0
expect "observed and enforced refs in one push: rejected" 1 \
    "refs/heads/release/2.0: rejected" "warning: refs/heads/exp/two: observe mode"

# --- the wire: would_reject and mode --------------------------------------
new=$(git -C app rev-parse bad)
cleanrev=$(git -C app rev-parse main)
REPO="$T/srv/rollout.git" OLD="$cleanrev" NEW="$new" REF=refs/heads/release/wire raw "$T/d.sock" good \
    >"$T/out" 2>"$T/err"; echo $? >"$T/rc"
expect "wire: observe reply is accept with would_reject and mode" 0 "type=2" \
    '"verdict":"accept"' '"mode":"observe"' '"would_reject":true'
REPO="$T/srv/enforced.git" NEW="$new" REF=refs/heads/main raw "$T/d.sock" good \
    >"$T/out" 2>"$T/err"; echo $? >"$T/rc"
expect "wire: an enforced rejection has would_reject too" 0 "type=2" \
    '"verdict":"reject"' '"mode":"enforce"' '"would_reject":true'
REPO="$T/srv/enforced.git" NEW="$cleanrev" REF=refs/heads/main raw "$T/d.sock" good \
    >"$T/out" 2>"$T/err"; echo $? >"$T/rc"
expect "wire: a clean push has would_reject false" 0 '"would_reject":false'

# --- the counter --------------------------------------------------------
kill -USR1 "$(cat d.pid)"
sleep 0.3
if grep -q "accepted (3 observe rejects, 0 bypasses)" d.log; then
	ok "SIGUSR1 stats line counts observe rejects (3)"
else
	not_ok "SIGUSR1 stats line counts observe rejects (3)"
	grep "requests" d.log | tail -2 >stats.txt; diag stats.txt
fi

# --- in-process hook ------------------------------------------------------
bare_repo srv/rollout-inproc.git --in-process --config "$T/obs.yaml"
push app "$T/srv/rollout-inproc.git" main
push app "$T/srv/rollout-inproc.git" bad:main
expect "in-process hook, observe repository: accepted with the warning" 0 \
    "bad -> main" "warning: refs/heads/main: observe mode: enforcing would reject"

# --- daemon down: an observed push is never refused -----------------------
stop_daemon d
push app "$T/srv/rollout.git" bad:refs/heads/other
expect "observe repository, daemon down: accepted, unchecked, says so" 0 \
    "migrations were NOT checked" "mode: observe never rejects"
push app "$T/srv/enforced.git" bad:refs/heads/release/3.0
expect "enforced repository, daemon down: on_unavailable reject still" 1 \
    "push rejected (on_unavailable: reject)"

# A push over a limit stops the hook reading ref lines: refs it never
# read must not ride on observed ones.  (git sends no such ref; another
# client may: the hook is run here as receive-pack runs it.)
long=refs/heads/$(printf '%05000d' 0)
hook_direct() {
	printf '%s %s refs/heads/exp/a\n%s %s %s\n%s %s refs/heads/main\n' \
	    "$cleanrev" "$new" "$cleanrev" "$new" "$long" "$cleanrev" "$new" |
	    (cd "srv/$1.git" && GIT_DIR=. "$REVGUARD" hook --config "$T/obs.yaml") \
	    >"$T/out" 2>"$T/err"
	echo $? >"$T/rc"
}
hook_direct enforced
expect "over a limit, observed ref first: still rejected (main was never read)" 1 \
    "names a ref longer than 4096 bytes" "push rejected"
hook_direct rollout
expect "over a limit in an observe repository: accepted, says so" 0 \
    "names a ref longer than 4096 bytes" "mode: observe never rejects"

# --- revguard check --------------------------------------------------------
base=$(git -C app rev-parse main)
rg check --repo srv/rollout.git --rev "$new" --base "$base" --config "$T/obs.yaml"
expect "check in an observe repository: errors shown, exit 0" 0 \
    "error[placeholder-id]" "observe mode: enforcing would fail this check"
rg check --repo srv/enforced.git --rev "$new" --base "$base" --config "$T/obs.yaml"
expect "check in an enforced repository: exit 1" 1 "error[placeholder-id]"
refute "check in an enforced repository: no observe line" "observe mode"

# --- configuration ---------------------------------------------------------
printf 'mode: watch\n' >bad.yaml
rg check --repo srv/enforced.git --config "$T/bad.yaml"
expect "mode: watch is an error naming file and line" 2 \
    "bad.yaml:1:7: \`mode\` must be enforce or observe, not \`watch\`"
printf 'mode: observe\n' >app/.revguard.yaml
commit_all app "a pushed .revguard.yaml cannot switch to observe"
git_quiet -C app checkout -q bad
git_quiet -C app merge -q -m "merge" main
start_daemon d -f "$T/obs.yaml"
push app "$T/srv/enforced.git" bad:refs/heads/release/4.0
expect "a pushed .revguard.yaml cannot set mode" 1 \
    "\`mode\` cannot be set in a repository's own configuration"
stop_daemon d

finish
