#!/bin/sh
# Issue 7, config and hygiene: the hook client leaves the policy's
# patterns to whoever judges; install-hook --timeout takes the one
# duration syntax; the daemon's log escapes what a pusher controls.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

gen repo app --count 4 --seed 7 >/dev/null
start_daemon d

# A configuration whose policy does not compile, read by hooks only: the
# daemon judges with its own (here the defaults).  install-hook still
# refuses such a file, so it is broken after the hooks are installed.
printf 'hook:\n  socket: %s\n' "$T/d.sock" >badpat.yaml
bare_repo srv/client.git --config "$T/badpat.yaml"
bare_repo srv/inproc.git --config "$T/badpat.yaml" --in-process
printf "revision_format: '^[0-9a-f{12}\$'\n" >>badpat.yaml
git init -q --bare srv/other.git
rg install-hook --repo srv/other.git -- --config "$T/badpat.yaml"
expect "install-hook refuses it: every hook it could write would use it" 2 \
    "badpat.yaml:3:18: revision_format: invalid pattern"

# --- 1. the hook client never compiles the policy's patterns -------------
push app "$T/srv/client.git" main
expect "revguard-hook with a bad pattern in its file: the daemon checks the push" 0
grep -q "client.git accepted: refs/heads/main=accept" d.log && \
    ok "the daemon judged that push" || { not_ok "the daemon judged that push"; diag d.log; }

# --- 2. where the policy is used, the pattern is an error at its place ---
push app "$T/srv/inproc.git" main
expect "revguard hook --in-process rejects with file:line:col" 1 \
    "badpat.yaml:3:18: revision_format: invalid pattern"
"$REVGUARDD" -n -f "$T/badpat.yaml" >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
expect "revguardd -n rejects the same file with file:line:col" 1 \
    "badpat.yaml:3:18: revision_format: invalid pattern"
rg check --config "$T/badpat.yaml" --worktree app
expect "revguard check rejects it too" 2 "badpat.yaml:3:18:"

# --- 3. install-hook --timeout: the one duration parser -------------------
printf 'hook:\n  socket: %s\n' "$T/d.sock" >good.yaml
rg install-hook --repo srv/client.git --force -- --config "$T/good.yaml" \
    --timeout 500ms
expect "install-hook takes --timeout 500ms" 0
grep -qF -- "'--timeout' '0.500'" srv/client.git/hooks/pre-receive && \
    ok "written in seconds, which every hook reads" || \
    { not_ok "written in seconds, which every hook reads"; diag srv/client.git/hooks/pre-receive; }
push app "$T/srv/client.git" main:refs/heads/other
expect "a hook installed with --timeout 500ms runs" 0
for bad in 1e3 nan 0x10 -1 0; do
	rg install-hook --repo srv/client.git --force -- --timeout "$bad"
	expect "install-hook rejects --timeout $bad" 2 "is not a duration"
done

# --- 4. the daemon's log escapes what a pusher controls -------------------
bare_repo srv/log.git --socket "$T/d.sock"
esc=$(printf '\033')
GL_USERNAME=$(printf 'eve%s[31m\\x\nrevguardd: forged' "$esc") \
    git -C app push "$T/srv/log.git" main >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
expect "a push with a hostile pusher name is judged" 0
stop_daemon d
# The backslash stays single until daemon.c marks the name with log_vis.
if grep -qF 'log.git by eve\x1b[31m\x\nrevguardd: forged (GL_USERNAME) accepted' d.log
then
	ok "the pusher's name is logged escaped, on one line"
else
	not_ok "the pusher's name is logged escaped, on one line"; diag d.log
fi
if grep -q "^revguardd: forged" d.log || grep -q "$esc" d.log; then
	not_ok "no forged line and no escape byte in the log"; diag d.log
else
	ok "no forged line and no escape byte in the log"
fi
finish
