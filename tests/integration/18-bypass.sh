#!/bin/sh
# Audited bypass (issue 9): `git push -o revguard.bypass="reason"` lets
# a rejected push through only for identities in bypass.allow (matched
# against the host's identity variable) and only with a printable,
# bounded reason.  Everyone else is told why not; a server without push
# options says how to enable them; a hostile reason is shown escaped.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

raw() { "$PYTHON" "$top_srcdir/tests/rawclient.py" "$@"; }

cat >by.yaml <<YAML
bypass:
  allow: [alice, bob-the-admin]
hook:
  socket: $T/d.sock
repositories:
  - match: "$T/srv/ssh*.git"
    bypass:
      allow: [carol]
      identity_var: REVGUARD_PUSHER
YAML
start_daemon d -f "$T/by.yaml"

gen repo app --count 8 --seed 18 >/dev/null
h=$(head_of app)
git_quiet -C app checkout -q -b bad
add_migration app a1b2c3d4e5f6 "$h" flags
commit_all app "a hand-picked ID"
git_quiet -C app checkout -q main

# with_push_options REPO: the server takes push options.
bare_opts() {
	bare_repo "$@"
	git -C "$1" config receive.advertisePushOptions true
}
bare_opts srv/app.git --config "$T/by.yaml"
push app "$T/srv/app.git" main
expect "a clean main is accepted" 0 "main -> main"
n=0
# bpush NAME [git push args...]: a push of bad to a new release branch.
bpush() {
	n=$((n + 1))
	who=$1
	shift
	env -u GL_USERNAME GL_USERNAME="$who" \
	    git -C app push "$@" "$T/srv/app.git" "bad:refs/heads/release/$n" \
	    >"$T/out" 2>"$T/err"
	echo $? >"$T/rc"
}

# --- granted ------------------------------------------------------------
bpush alice -o "revguard.bypass=hotfix for incident 42"
expect "alice with a reason: accepted by the bypass" 0 "bad -> release/$n" \
    "refs/heads/release/$n: would be rejected, let through by an audited bypass" \
    "error[placeholder-id]" \
    'push accepted by an audited bypass: alice gave the reason "hotfix for incident 42"; 1 error above was waved through, and the bypass is logged'
if grep -q "app.git by alice (GL_USERNAME) accepted: refs/heads/release/$n=reject .*; BYPASS by alice, reason \"hotfix for incident 42\", waved through: refs/heads/release/$n placeholder-id migrations/versions/a1b2c3d4e5f6_flags.py:9;" d.log; then
	ok "the daemon logs who, repository, ref, reason and the violation"
else
	not_ok "the daemon logs who, repository, ref, reason and the violation"
	grep BYPASS d.log >bl.txt; diag bl.txt
fi

# --- refused --------------------------------------------------------------
bpush alice -o revguard.bypass
expect "alice without a reason: rejected, told a reason is needed" 1 \
    "note: revguard.bypass refused: a bypass needs a reason" \
    "push rejected by revguard"
bpush alice -o "revguard.bypass=   "
expect "alice with a blank reason: rejected" 1 \
    "refused: a bypass needs a reason"
bpush bob -o "revguard.bypass=I am sure"
expect "bob (not in bypass.allow): rejected, told why" 1 \
    "note: revguard.bypass=\"I am sure\" refused: bypass is not allowed for \`bob\` (from GL_USERNAME): only the identities in bypass.allow may bypass" \
    "push rejected by revguard"
n=$((n + 1))
env -u GL_USERNAME git -C app push -o "revguard.bypass=trust me" \
    "$T/srv/app.git" "bad:refs/heads/release/$n" >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
expect "nobody known (plain server, no identity): rejected, told why" 1 \
    "bypass is not allowed for you: this server does not say who pushes"
long=$(printf '%0250d' 0)
bpush alice -o "revguard.bypass=$long"
expect "a 250-byte reason: rejected" 1 \
    "the bypass reason is 250 bytes, more than the 200 allowed"
bpush alice -o "revguard.bypass=a" -o "revguard.bypass=b"
expect "two bypass options: rejected" 1 "give -o revguard.bypass once"

# --- a hostile reason ---------------------------------------------------
# git refuses a newline in -o; another client need not: the hook is run
# here as receive-pack would run it, with the option in its environment.
evil=$(printf 'ok\nremote: push accepted\033[31m\\x41')
new=$(git -C app rev-parse bad)
base=$(git -C app rev-parse main)
echo "$base $new refs/heads/release/direct" | (cd srv/app.git &&
    GIT_DIR=. GL_USERNAME=alice GIT_PUSH_OPTION_COUNT=1 \
    GIT_PUSH_OPTION_0="revguard.bypass=$evil" \
    "$REVGUARD" hook --config "$T/by.yaml") >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
expect "a reason with a newline and ESC: rejected, shown escaped" 1 \
    'note: revguard.bypass="ok\nremote: push accepted\x1b[31m\\x41" refused: the bypass reason holds a control character'
if grep -q '^remote: push accepted' "$T/err" || grep -q "$(printf '\033')" "$T/err"; then
	not_ok "the hostile reason forges no line and sends no escape"; diag "$T/err"
else
	ok "the hostile reason forges no line and sends no escape"
fi
bpush alice -o "revguard.bypass=$(printf 'red \033[31m alert')"
expect "through git: a reason with ESC is rejected, shown escaped" 1 \
    'note: revguard.bypass="red \x1b[31m alert" refused: the bypass reason holds a control character'
bpush alice -o "$(printf 'revguard.bypass=caf\351 \342\200\256')"
expect "a reason that is not UTF-8 or holds a bidi override: rejected" 1 \
    "refused: the bypass reason holds a control character"
bpush alice -o 'revguard.bypass=path C:\new "quoted"'
expect "a backslash and quotes are allowed, shown unambiguously" 0 \
    'gave the reason "path C:\\new "quoted""'
if grep -q 'BYPASS by alice, reason "path C:\\\\new "quoted""' d.log; then
	ok "the log shows the reason with its backslash doubled"
else
	not_ok "the log shows the reason with its backslash doubled"
	grep BYPASS d.log | tail -1 >bl.txt; diag bl.txt
fi

# --- nothing to bypass --------------------------------------------------
git -C app push -q "$T/srv/app.git" main >/dev/null 2>&1
GL_USERNAME=alice push app -o "revguard.bypass=just in case" "$T/srv/app.git" main:refs/heads/release/clean
expect "a clean push with the option: accepted, told nothing was bypassed" 0 \
    "note: -o revguard.bypass was given, but there is nothing to bypass"
refute "a clean push with the option: no bypass line" "audited bypass"
if grep -q "app.git by alice (GL_USERNAME) accepted: refs/heads/release/clean=.*; bypass asked for, nothing to bypass" d.log; then
	ok "the log says the option had nothing to bypass"
else
	not_ok "the log says the option had nothing to bypass"; diag d.log
fi

# --- push options not negotiated ------------------------------------------
bare_repo srv/noopts.git --config "$T/by.yaml"
git -C app push -q "$T/srv/noopts.git" main >/dev/null 2>&1
GL_USERNAME=alice push app "$T/srv/noopts.git" bad:refs/heads/release/x
expect "no push options on the server: the rejection says how to enable them" 1 \
    "revguard: note: an audited bypass (git push -o revguard.bypass=\"reason\") needs push options, which this repository does not accept; an administrator enables them with \`git config receive.advertisePushOptions true\`" \
    "push rejected by revguard"
GL_USERNAME=alice push app "$T/srv/app.git" bad:refs/heads/release/y
expect "push options on: no such hint" 1 "push rejected by revguard"
refute "push options on: no such hint (text)" "needs push options"

# --- a configured identity variable (plain ssh server) --------------------
bare_opts srv/ssh.git --config "$T/by.yaml"
git -C app push -q "$T/srv/ssh.git" main >/dev/null 2>&1
REVGUARD_PUSHER=carol push app -o "revguard.bypass=release train" \
    "$T/srv/ssh.git" bad:refs/heads/release/s1
expect "identity_var: carol named by REVGUARD_PUSHER may bypass" 0 \
    "push accepted by an audited bypass: carol gave the reason"
GL_USERNAME=carol push app -o "revguard.bypass=release train" \
    "$T/srv/ssh.git" bad:refs/heads/release/s2
expect "identity_var: the host's variable does not count there" 1 \
    "bypass is not allowed for you: REVGUARD_PUSHER, which names the pusher here, is not set"
REVGUARD_PUSHER=alice push app -o "revguard.bypass=release train" \
    "$T/srv/ssh.git" bad:refs/heads/release/s3
expect "identity_var: the override's bypass.allow replaces the file's" 1 \
    "bypass is not allowed for \`alice\` (from REVGUARD_PUSHER)"

# --- in-process hook -------------------------------------------------------
bare_opts srv/inproc.git --in-process --config "$T/by.yaml"
git -C app push -q "$T/srv/inproc.git" main >/dev/null 2>&1
GL_USERNAME=alice push app -o "revguard.bypass=hotfix" "$T/srv/inproc.git" bad:refs/heads/release/i
expect "in-process hook: alice's bypass is granted" 0 \
    'push accepted by an audited bypass: alice gave the reason "hotfix"'
GL_USERNAME=bob push app -o "revguard.bypass=hotfix" "$T/srv/inproc.git" bad:refs/heads/release/j
expect "in-process hook: bob's is refused" 1 "bypass is not allowed for \`bob\`"

# --- the wire --------------------------------------------------------------
REPO="$T/srv/app.git" OLD="$base" NEW="$new" REF=refs/heads/release/w \
    EXTRA='{"push_options": ["revguard.bypass=wire test"], "pusher": ["GL_USERNAME=alice"]}' \
    raw "$T/d.sock" good >"$T/out" 2>"$T/err"; echo $? >"$T/rc"
expect "wire: a granted bypass is accept with would_reject and the bypass" 0 \
    '"verdict":"accept"' '"would_reject":true' \
    '"bypass":{"state":"granted","by":"alice","reason":"wire test"}'
kill -USR1 "$(cat d.pid)"
sleep 0.3
if grep -q "accepted (0 observe rejects, 4 bypasses)" d.log; then
	ok "SIGUSR1 stats line counts bypasses (4)"
else
	not_ok "SIGUSR1 stats line counts bypasses (4)"
	grep "stats:" d.log | tail -1 >stats.txt; diag stats.txt
fi
stop_daemon d

# --- configuration -------------------------------------------------------
printf 'bypass:\n  identity_var: GIT_PUSH_OPTION_0\n' >bad.yaml
rg check --repo srv/app.git --config "$T/bad.yaml"
expect "identity_var a pusher can set: an error naming the line" 2 \
    "bad.yaml:2:17: \`identity_var\`: \`GIT_PUSH_OPTION_0\` can be set by the pusher"
printf 'bypass:\n  allow: [x]\n  who: y\n' >bad.yaml
rg check --repo srv/app.git --config "$T/bad.yaml"
expect "an unknown key in bypass: an error" 2 \
    "bad.yaml:3:3: unknown key \`who\` in \`bypass\`"

finish
