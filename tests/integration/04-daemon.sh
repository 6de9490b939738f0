#!/bin/sh
# revguardd under stress and misuse: daemon down, garbage and slow
# daemons, malformed frames from a raw client, SIGHUP with a broken
# configuration, 32 parallel pushes, socket activation, graceful stop.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

raw() { "$PYTHON" "$top_srcdir/tests/rawclient.py" "$@"; }

gen repo app --count 8 --seed 41 >/dev/null
h=$(head_of app)
git_quiet -C app checkout -q -b bad
add_migration app a1b2c3d4e5f6 "$h" flags
commit_all app "bad"
git_quiet -C app checkout -q main

# --- no daemon ----------------------------------------------------------
bare_repo srv/down-reject.git --socket "$T/nobody.sock"
push app "$T/srv/down-reject.git" main
expect "daemon down, on_unavailable reject: push rejected, and says why" 1 \
    "cannot check this push: cannot connect to $T/nobody.sock" \
    "push rejected (on_unavailable: reject)"
bare_repo srv/down-accept.git --socket "$T/nobody.sock" --on-unavailable accept
push app "$T/srv/down-accept.git" main
expect "daemon down, on_unavailable accept: push accepted with a warning" 0 \
    "WARNING: migrations were NOT checked" "on_unavailable: accept"
printf 'hook:\n  socket: %s\n  on_unavailable: accept\n' "$T/nobody.sock" >fo.yaml
bare_repo srv/down-config.git --config "$T/fo.yaml"
push app "$T/srv/down-config.git" main
expect "on_unavailable read from the configuration file" 0 "push accepted anyway"

# --- a daemon that answers garbage, or nothing --------------------------
"$PYTHON" - "$T/garbage.sock" "$T/silent.sock" <<'PY' &
import os, socket, sys, threading, time
def serve(path, answer):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path); s.listen(8)
    while True:
        c, _ = s.accept()
        c.recv(65536)
        if answer:
            c.sendall(answer)
            c.close()
        else:
            time.sleep(30)
threading.Thread(target=serve, args=(sys.argv[1], b"HTTP/1.0 200 OK\r\n\r\nhi"), daemon=True).start()
threading.Thread(target=serve, args=(sys.argv[2], None), daemon=True).start()
time.sleep(60)
PY
fake=$!
sleep 0.5
bare_repo srv/garbage.git --socket "$T/garbage.sock"
push app "$T/srv/garbage.git" main
expect "garbage answer rejects the push" 1 "the daemon answered garbage"
bare_repo srv/silent.git --socket "$T/silent.sock" --timeout 1
t0=$(date +%s)
push app "$T/srv/silent.git" main
t1=$(date +%s)
expect "silent daemon: timeout rejects the push" 1 "no answer within the timeout"
if [ $((t1 - t0)) -le 5 ]; then ok "the timeout is honoured ($((t1 - t0)) s)"; else not_ok "the timeout is honoured ($((t1 - t0)) s)"; fi
kill $fake 2>/dev/null

# --- malformed frames from a raw client ----------------------------------
printf 'rules:\n  header-missing: warn\n' >d.yaml
start_daemon d -f "$T/d.yaml"
bare_repo srv/app.git --socket "$T/d.sock"
for case in bad-magic bad-version oversize bad-json not-object bad-request; do
	raw "$T/d.sock" $case >"$T/out" 2>"$T/err"; echo $? >"$T/rc"
	case $case in
	bad-magic) want="malformed frame: not a revguard protocol header" ;;
	bad-version) want="unsupported protocol version 9" ;;
	oversize) want="frame of 67108864 bytes exceeds the limit of 8388608 bytes (daemon.max_frame)" ;;
	bad-json) want="malformed request:" ;;
	not-object) want="malformed request: not a JSON object" ;;
	bad-request) want="field \`updates\` must be a list" ;;
	esac
	expect "raw client, $case: error frame" 0 "type=3" "$want"
done
raw "$T/d.sock" truncated >"$T/out" 2>"$T/err"; echo $? >"$T/rc"
expect "raw client, truncated frame: connection closed" 0 "closed"
REPO="$T/elsewhere.git" raw "$T/d.sock" good >"$T/out" 2>"$T/err"; echo $? >"$T/rc"
expect "raw client, repository outside roots: error frame" 0 "type=3" "repository"
mkdir -p outside
git -c init.defaultBranch=main init -q --bare outside/x.git
ln -s "$T/outside/x.git" srv/escape.git
REPO="$T/srv/escape.git" raw "$T/d.sock" good >"$T/out" 2>"$T/err"; echo $? >"$T/rc"
expect "raw client, symlink out of the roots: refused after realpath" 0 \
    "type=3" "outside the configured repo_roots"
REPO="$T/srv/../outside/x.git" raw "$T/d.sock" good >"$T/out" 2>"$T/err"; echo $? >"$T/rc"
expect "raw client, path with ..: refused" 0 "type=3" "contains \`..\`"
REPO="srv/app.git" raw "$T/d.sock" good >"$T/out" 2>"$T/err"; echo $? >"$T/rc"
expect "raw client, relative path: refused" 0 "type=3" "is not absolute"
push app "$T/srv/app.git" main
expect "the daemon still serves pushes after all that" 0 "main -> main"

# --- SIGHUP ----------------------------------------------------------------
printf 'rules:\n  placeholder-id: fatal\n' >d.yaml
kill -HUP "$(cat d.pid)"
sleep 0.3
push app "$T/srv/app.git" bad:refs/heads/release/hup1
expect "broken config on SIGHUP: the old one keeps serving" 1 "error[placeholder-id]"
if grep -q "reload failed, keeping the running configuration: $T/d.yaml:2" d.log; then
	ok "the failed reload is logged with file and line"
else
	not_ok "the failed reload is logged with file and line"; diag d.log
fi
printf 'rules:\n  placeholder-id: off\n' >d.yaml
kill -HUP "$(cat d.pid)"
sleep 0.3
push app "$T/srv/app.git" bad:refs/heads/release/hup2
expect "valid config on SIGHUP takes effect" 0 "bad -> release/hup2"
printf 'rules:\n  placeholder-id: error\n' >d.yaml
kill -HUP "$(cat d.pid)"
sleep 0.3

# --- 32 parallel pushes ------------------------------------------------------
i=0
while [ $i -lt 32 ]; do
	bare_repo srv/p$i.git --socket "$T/d.sock"
	git_quiet clone -q app w$i
	if [ $((i % 2)) -eq 1 ]; then git_quiet -C w$i checkout -q bad; git_quiet -C w$i branch -f main bad; git_quiet -C w$i checkout -q main; fi
	i=$((i + 1))
done
i=0
pids=
while [ $i -lt 32 ]; do
	(git -C w$i push "$T/srv/p$i.git" main >"$T/par$i.out" 2>&1; echo $? >"$T/par$i.rc") &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do wait "$p"; done
wrong=0
i=0
while [ $i -lt 32 ]; do
	want=$((i % 2))
	got=$(cat "$T/par$i.rc")
	if [ "$want" -eq 0 ] && [ "$got" != 0 ]; then wrong=$((wrong + 1)); echo "# push $i: want accept"; diag "$T/par$i.out"; fi
	if [ "$want" -eq 1 ] && { [ "$got" = 0 ] || ! grep -q "error\[placeholder-id\]" "$T/par$i.out"; }; then
		wrong=$((wrong + 1)); echo "# push $i: want reject"; diag "$T/par$i.out"
	fi
	i=$((i + 1))
done
if [ $wrong -eq 0 ]; then ok "32 parallel pushes, 16 good and 16 bad, all get the right verdict"; else not_ok "$wrong of 32 parallel pushes got the wrong verdict"; fi

# --- graceful stop ---------------------------------------------------------
kill -TERM "$(cat d.pid)"
n=0
while kill -0 "$(cat d.pid)" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
if ! kill -0 "$(cat d.pid)" 2>/dev/null && grep -q "stopped:" d.log && [ ! -e d.sock ]; then
	ok "SIGTERM stops the daemon cleanly and removes its socket"
else
	not_ok "SIGTERM stops the daemon cleanly and removes its socket"; diag d.log
fi
rm -f d.pid

# --- configuration check -----------------------------------------------------
printf 'daemon:\n  workers: lots\n' >bad.yaml
"$REVGUARDD" -n -f bad.yaml >"$T/out" 2>"$T/err"; echo $? >"$T/rc"
expect "revguardd -n reports a bad config with line and column" 1 \
    "bad.yaml:2:12: \`workers\` must be a whole number"
"$REVGUARDD" -n -f "$top_srcdir/conf/revguard.yaml" >"$T/out" 2>"$T/err"; echo $? >"$T/rc"
expect "revguardd -n accepts the shipped example" 0 "OK"

# --- socket activation ---------------------------------------------------------
if command -v systemd-socket-activate >/dev/null 2>&1; then
	systemd-socket-activate -l "$T/act.sock" "$REVGUARDD" -d -R "$T/srv" \
	    >act.log 2>&1 &
	act=$!
	sleep 0.5
	bare_repo srv/act.git --socket "$T/act.sock"
	push app "$T/srv/act.git" main
	expect "socket activation: first push starts and uses the daemon" 0 "main -> main"
	kill $act 2>/dev/null; wait $act 2>/dev/null
	if grep -q "listening on the socket passed by systemd" act.log; then ok "socket activation: the passed socket was used"; else not_ok "socket activation: the passed socket was used"; diag act.log; fi
else
	tap_n=$((tap_n + 1)); echo "ok $tap_n - socket activation # SKIP systemd-socket-activate not installed"
fi
finish
