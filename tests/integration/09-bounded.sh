#!/bin/sh
# Bounded work: no pusher can stall revguardd.  Checks stop at their
# deadline (job_timeout, or sooner for the hook's own timeout) and free
# their worker; the log records the answer the pusher got; a whole
# request must arrive within client_timeout and connections are capped
# fairly, so 1,100 trickling connections cannot keep a real push out;
# SIGTERM stops running checks at shutdown_timeout; 10,000 ref updates
# fit, more get a message naming the limit; the socket directory is
# created; a stopping daemon leaves another daemon's socket alone.
#
# The slow check is real slow input: 300 placeholder patterns that
# backtrack (8,191 steps, within revguard's PCRE2 match limit, so each
# is a clean "no match" of about 40 us) on every revision of a
# 400-migration history: several seconds uncut.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

SLOW_PATTERN='^([0-9a-f]|[0-9a-f])*[g-z]$'

# elapsed_ms START: milliseconds since START (from now_ms).
now_ms() { date +%s%3N; }
elapsed_ms() { echo $(( $(now_ms) - $1 )); }
# wait_for FILE REGEX SECONDS: waits until FILE has a line matching REGEX.
wait_for() {
	i=0
	while ! grep -q -- "$2" "$1" 2>/dev/null && [ $i -lt $(($3 * 20)) ]; do
		sleep 0.05
		i=$((i + 1))
	done
	grep -q -- "$2" "$1" 2>/dev/null
}
# bg_push NAME DIR ARGS...: git push in the background; output in
# $T/NAME.out, status in $T/NAME.rc.
bg_push() {
	name=$1 dir=$2
	shift 2
	( git -C "$dir" push "$@" >"$T/$name.out" 2>&1; echo $? >"$T/$name.rc" ) &
}
# pushed NAME RC DESC PATTERN...: checks a background push's result.
pushed() {
	name=$1 rc=$2 desc=$3
	shift 3
	i=0
	while [ ! -s "$T/$name.rc" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	cp "$T/$name.out" "$T/out"; : >"$T/err"
	cat "$T/$name.rc" 2>/dev/null >"$T/rc" || echo none >"$T/rc"
	expect "$desc" "$rc" "$@"
}

gen repo slow --count 400 --seed 91 >/dev/null
gen repo app --count 8 --seed 92 >/dev/null
cat >policy.yaml <<EOF
repositories:
  - match: "/**/slow*"
    placeholder_patterns:
$(for i in $(seq 300); do echo "      - '$SLOW_PATTERN'"; done)
EOF

# --- 1. job_timeout frees the worker ----------------------------------
{ cat policy.yaml; printf 'daemon:\n  workers: 2\n  job_timeout: 1s\n'; } >d1.yaml
start_daemon d1 -f "$T/d1.yaml"
bare_repo srv/slow1.git --socket "$T/d1.sock" --timeout 30
bare_repo srv/slow2.git --socket "$T/d1.sock" --timeout 30 --on-unavailable accept
bare_repo srv/clean.git --socket "$T/d1.sock" --timeout 30
bg_push s1 slow "$T/srv/slow1.git" main
bg_push s2 slow "$T/srv/slow2.git" main
# Both checks take both workers.  Their pushers are answered at
# job_timeout; the uncut checks would hold the workers for seconds more.
i=0
while { [ ! -s s1.rc ] || [ ! -s s2.rc ]; } && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
t0=$(now_ms)
push app "$T/srv/clean.git" main
expect "two slow pushes past job_timeout do not keep a clean push to another repository out ($(elapsed_ms "$t0") ms)" 0
pushed s1 1 "a check past job_timeout is stopped; the pusher is told which limit (on_unavailable: reject)" \
    "did not finish within daemon.job_timeout (1000 ms)" "push rejected (on_unavailable: reject)"
pushed s2 0 "the same with on_unavailable: accept: accepted unchecked, with the limit named" \
    "did not finish within daemon.job_timeout (1000 ms)" "WARNING: migrations were NOT checked"
wait_for d1.log "slow1.git.*worker freed" 5
wait_for d1.log "slow2.git.*worker freed" 5
held=$(sed -n 's/.*slow[12]\.git.*worker freed \([0-9]*\) ms after the deadline.*/\1/p' d1.log | sort -n | tail -1)
freed=$(grep -c "slow[12].git.*worker freed" d1.log)
if [ -n "$held" ] && [ "$held" -lt 1000 ]; then
	ok "a stopped check frees its worker within $held ms of the deadline"
elif [ "$freed" = 0 ] && [ "$(grep -c 'slow[12].git: not checked: the check did not finish' d1.log)" = 2 ]; then
	# The worker saw the deadline before the loop's timer did (a slow
	# build): it answered itself, at the deadline.
	ok "a stopped check frees its worker at the deadline itself"
else
	not_ok "a stopped check frees its worker soon after the deadline (${held:-never})"
	diag d1.log
fi
if grep -q "slow1.git.*did not finish within daemon.job_timeout.*the hook rejects the push (on_unavailable: reject)" d1.log &&
    grep -q "slow2.git.*did not finish within daemon.job_timeout.*the hook accepts the push unchecked" d1.log; then
	ok "the log records the answer each slow pusher got"
else
	not_ok "the log records the answer each slow pusher got"; diag d1.log
fi
stop_daemon d1

# --- 2. the hook's deadline is the daemon's ------------------------------
{ cat policy.yaml; printf 'daemon:\n  job_timeout: 60s\n  shutdown_timeout: 1s\n'; } >d2.yaml
start_daemon d2 -f "$T/d2.yaml"
bare_repo srv/slow3.git --socket "$T/d2.sock" --timeout 2
t0=$(now_ms)
push slow "$T/srv/slow3.git" main
ms=$(elapsed_ms "$t0")
expect "a check past the hook's timeout: the daemon answers in time, naming the hook's timeout" 1 \
    "did not finish within the hook's timeout" "push rejected (on_unavailable: reject)"
# The uncut check takes several seconds; its verdict must never be logged
# as the decision (the old daemon logged "accepted" here).
wait_for d2.log "slow3.git.*worker freed" 8
if grep -q "slow3.git.* accepted:" d2.log; then
	not_ok "the daemon does not log a verdict the pusher never got"; diag d2.log
elif grep -q "slow3.git.*: the check did not finish within the hook's timeout.*the hook rejects the push (on_unavailable: reject)" d2.log; then
	ok "the daemon logs what the pusher got: not checked, rejected by on_unavailable ($ms ms push)"
else
	not_ok "the daemon logs what the pusher got"; diag d2.log
fi

# --- 4. SIGTERM stops running checks at shutdown_timeout -----------------
bare_repo srv/slow4.git --socket "$T/d2.sock" --timeout 60
bg_push s4 slow "$T/srv/slow4.git" main
# (3 s at most: the uncut check takes longer.)
wait_for d2.log "request for .*slow4.git" 3
sleep 0.3
t0=$(now_ms)
kill -TERM "$(cat d2.pid)"
i=0
while kill -0 "$(cat d2.pid)" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
stop_ms=$(elapsed_ms "$t0")
if [ "$stop_ms" -lt 3000 ]; then
	ok "SIGTERM with a running check: the daemon exits at shutdown_timeout 1s ($stop_ms ms)"
else
	not_ok "SIGTERM with a running check: the daemon exits at shutdown_timeout 1s ($stop_ms ms)"
fi
stop_daemon d2
pushed s4 1 "the stopped check's pusher gets the fail-policy answer, saying why" \
    "the daemon is shutting down" "push rejected (on_unavailable: reject)"
if [ ! -e d2.sock ]; then ok "the stopped daemon removed its own socket"; else not_ok "the stopped daemon removed its own socket"; fi

# --- 3. 1,100 trickling connections and a real push ----------------------
printf 'daemon:\n  client_timeout: 4s\n' >d3.yaml  # max_connections: 512 by default
start_daemon d3 -f "$T/d3.yaml"
bare_repo srv/busy.git --socket "$T/d3.sock"
"$PYTHON" - "$T/d3.sock" 1100 2 10 "$T/flood.status" >flood.json 2>flood.err <<'PY' &
# Opens N connections that each send one byte of a request every PERIOD
# seconds (never completing it), reopening any the daemon drops, for
# DURATION seconds; writes "full" to STATUS once N were opened; prints
# what the daemon said when it dropped them.
import json, resource, selectors, socket, struct, sys, time
path, n, period, duration, status = sys.argv[1], int(sys.argv[2]), \
    float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < n + 100:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 200), hard))
payload = b'{"repository": "/nonexistent", "updates": []}' + b" " * 200
msg = b"RVGD\x02\x01\x00\x00" + struct.pack(">I", len(payload)) + payload
sel = selectors.DefaultSelector()
conns = {}
said = {}
opened = 0
start = time.time()
full = False
def classify(buf):
    if len(buf) >= 12 and buf[5] == 3:
        try:
            e = json.loads(buf[12:12 + struct.unpack(">I", buf[8:12])[0]])["error"]
        except Exception:
            e = "garbled"
    else:
        e = "closed without an answer"
    key = "".join(ch for ch in e[:40] if not ch.isdigit())
    said.setdefault(key, [0, e])[0] += 1
while time.time() - start < duration:
    now = time.time()
    tries = 0
    while len(conns) < n and tries < 50:
        tries += 1
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(path)
        except (BlockingIOError, InterruptedError):
            s.close()
            break
        except OSError:
            s.close()
            break
        conns[s] = [0, now + period * (len(conns) % 10) / 10, b""]
        sel.register(s, selectors.EVENT_READ)
        opened += 1
    if not full and opened >= n:
        full = True
        open(status, "w").write("full\n")
    for key, _ in sel.select(0.05):
        s = key.fileobj
        try:
            chunk = s.recv(65536)
        except OSError:
            chunk = b""
        if chunk:
            conns[s][2] += chunk
            continue
        classify(conns[s][2])
        sel.unregister(s)
        s.close()
        del conns[s]
    now = time.time()
    for s, st in list(conns.items()):
        if st[1] <= now and st[0] < len(msg) - 1:
            try:
                s.send(msg[st[0]:st[0] + 1])
            except OSError:
                pass
            st[0] += 1
            st[1] = now + period
json.dump({"opened": opened, "open_at_end": len(conns), "said": said}, sys.stdout, indent=1)
print()
PY
flood=$!
wait_for flood.status full 15
add_migration app "$(rand_id)" "$(head_of app)" busy
commit_all app "busy"
t0=$(now_ms)
push app "$T/srv/busy.git" main
busy_ms=$(elapsed_ms "$t0")
expect "a real push gets its verdict while 1,100 connections trickle a byte every 2 s ($busy_ms ms)" 0
wait $flood
if grep -q "no complete request within daemon.client_timeout (4000 ms)" flood.json; then
	ok "a connection that trickles its request is dropped at client_timeout for the whole request"
else
	not_ok "a connection that trickles its request is dropped at client_timeout for the whole request"; diag flood.json
fi
if grep -q "daemon.max_connections" flood.json; then
	ok "connections over max_connections get an error frame naming the limit"
else
	not_ok "connections over max_connections get an error frame naming the limit"; diag flood.json
fi
if kill -0 "$(cat d3.pid)" 2>/dev/null; then ok "the daemon survived the flood"; else not_ok "the daemon survived the flood"; fi
echo "# flood: $(tr -d '\n' <flood.json | cut -c1-400)"
stop_daemon d3

# --- 5. 10,000 ref updates fit; more are refused naming the limit --------
start_daemon d5
bare_repo srv/many.git --socket "$T/d5.sock" --timeout 60
rm -rf many && git_quiet clone -q app many
c=$(git -C many rev-parse HEAD)
seq 1 9999 | sed "s|.*|create refs/heads/topic/& $c|" | git -C many update-ref --stdin
t0=$(now_ms)
push many "$T/srv/many.git" 'refs/heads/*:refs/heads/*'
expect "a push of 10,000 ref updates gets its verdict ($(elapsed_ms "$t0") ms)" 0
refute "no broken pipe on 10,000 refs" "Broken pipe"
git -C many update-ref refs/heads/topic/10000 "$c"
git -C many update-ref refs/heads/topic/10001 "$c"
bare_repo srv/toomany.git --socket "$T/d5.sock" --timeout 60
push many "$T/srv/toomany.git" 'refs/heads/*:refs/heads/*'
expect "a push of 10,002 ref updates is rejected, naming the limit" 1 \
    "more than 10000 refs, the most revguard checks in one push" "push rejected"
# A request over the daemon's max_frame: the hook's own configuration
# says so before sending ...
printf 'daemon:\n  max_frame: 65536\n' >small.yaml
bare_repo srv/small.git --socket "$T/d5.sock" --config "$T/small.yaml"
push many "$T/srv/small.git" 'refs/heads/topic/1*:refs/heads/topic/1*'
expect "a request over daemon.max_frame: the hook says so before sending" 1 \
    "over daemon.max_frame (65536 bytes)" "push rejected"
stop_daemon d5
# ... and when only the daemon knows its limit, its answer gets through
# instead of a broken pipe.
start_daemon d6 -f "$T/small.yaml"
bare_repo srv/small2.git --socket "$T/d6.sock"
push many "$T/srv/small2.git" 'refs/heads/topic/1*:refs/heads/topic/1*'
expect "a request over the daemon's max_frame: the daemon's message, not a broken pipe" 1 \
    "exceeds the limit of 65536 bytes (daemon.max_frame)"
stop_daemon d6

# --- 6. a stopping daemon leaves another daemon's socket alone -----------
start_daemon d7
mkdir -p other
mv d7.sock other/old.sock	# the path is free again: another daemon binds it
"$REVGUARDD" -d -v -s "$T/d7.sock" -R "$T/srv" >d8.log 2>&1 &
echo $! >d8.pid
wait_for d8.log "ready" 5
stop_daemon d7
bare_repo srv/after.git --socket "$T/d7.sock"
push app "$T/srv/after.git" main
if [ -S d7.sock ] && [ "$(cat "$T/rc")" = 0 ]; then
	ok "a stopping daemon does not unlink the socket another daemon bound since"
else
	not_ok "a stopping daemon does not unlink the socket another daemon bound since"; diag d7.log
fi
stop_daemon d8

# --- 7. the socket directory is created -----------------------------------
"$REVGUARDD" -d -s "$T/run/deep/revguard/r.sock" -R "$T/srv" >d9.log 2>&1 &
echo $! >d9.pid
i=0
while [ ! -S run/deep/revguard/r.sock ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
mode=$(stat -c %a run/deep/revguard 2>/dev/null)
if [ -S run/deep/revguard/r.sock ] && [ "$mode" = 755 ]; then
	ok "a missing socket directory is created, mode 0755"
else
	not_ok "a missing socket directory is created, mode 0755 (got ${mode:-none})"; diag d9.log
fi
stop_daemon d9
: >afile
"$REVGUARDD" -d -s "$T/afile/revguard/r.sock" -R "$T/srv" >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
expect "a socket directory that cannot be created: an error naming it" 1 \
    "cannot create socket directory $T/afile"

finish
