#!/bin/sh
# The decision log: real pushes through revguardd and the hook are
# recorded before the hook gets its answer, with every field, and
# `revguard decisions` shows them; a SIGKILL mid-load loses no answered
# decision; pushes made while the daemon is down reach the log through
# the hook's spool; retention by rows and age; a failing disk.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv spool
chmod 1733 spool
: "${REVGUARD_HOOK:=$top_builddir/revguard-hook}"

# config NAME [EXTRA-DECISIONS-LINES]: a configuration with its own log.
config() {
	cat >"$T/$1.yaml" <<YAML
hook:
  timeout: 20s
  on_unavailable: ${ON_UNAVAILABLE:-reject}
decisions:
  path: $T/$1.db
  spool: $T/spool
  node: test-node
${2:-}
YAML
}

# dec ARGS...: revguard decisions, output in $T/out, status in $T/rc.
dec() { rg decisions "$@"; }

# jq_py EXPR: evaluates a Python expression over the JSON in $T/out (as j).
jq_py() {
	"$PYTHON" -c "import json,sys; j=json.load(open('$T/out')); print($1)"
}

config d
start_daemon d -f "$T/d.yaml"
bare_repo srv/a.git --socket "$T/d.sock" --config "$T/d.yaml"
gen repo a --count 5 --seed 15 >/dev/null
git_quiet -C a remote add origin "$T/srv/a.git"
USER=alice push a origin main
expect "a clean push is accepted" 0
good=$(git -C a rev-parse HEAD)

# A fork: two heads, rejected by single-head.
h=$(head_of a)
add_migration a "$(rand_id)" "$h" left
add_migration a "$(rand_id)" "$h" right
commit_all a "a fork"
bad=$(git -C a rev-parse HEAD)
USER=bob push a origin main
expect "a fork is rejected" 1 "single-head"

dec --db "$T/d.db"
expect "revguard decisions lists both" 0 "accept" "reject" "$T/srv/a.git" \
    "single-head" "refs/heads/main" "alice" "bob"
dec --db "$T/d.db" --format json
expect "--format json" 0 '"decisions"'
digest=$(sha256sum "$T/d.yaml" | cut -d' ' -f1)
got=$(jq_py "' '.join(str(x) for x in [len(j['decisions']),
    j['decisions'][0]['verdict'], j['decisions'][1]['verdict'],
    j['decisions'][0]['refs'][0]['old'], j['decisions'][0]['refs'][0]['new'],
    j['decisions'][1]['refs'][0]['old'], j['decisions'][0]['node'],
    j['decisions'][0]['config_digest'] == '$digest',
    j['decisions'][0]['source'], j['decisions'][0]['mode'],
    j['decisions'][0]['pusher'], 'USER=bob' in j['decisions'][0]['pusher_env'],
    j['decisions'][0]['repository'],
    j['decisions'][0]['time_ms'] >= j['decisions'][1]['time_ms'],
    'single-head' in [d['rule'] for d in j['decisions'][0]['diagnostics']],
    j['decisions'][0]['version'] != '', j['decisions'][0]['duration_ms'] >= 0])")
want="2 reject accept $good $bad 0000000000000000000000000000000000000000 test-node True daemon enforce bob True $T/srv/a.git True True True True"
if [ "$got" = "$want" ]; then ok "every field of both decisions"
else not_ok "fields: got [$got] want [$want]"; fi

dec --db "$T/d.db" --verdict reject --format json
[ "$(jq_py "len(j['decisions'])")" = 1 ] && ok "--verdict reject" || not_ok "--verdict reject: $(cat "$T/out")"
dec --db "$T/d.db" --rule single-head --format json
[ "$(jq_py "len(j['decisions'])")" = 1 ] && ok "--rule" || not_ok "--rule"
dec --db "$T/d.db" --pusher alice --format json
[ "$(jq_py "j['decisions'][0]['verdict']")" = accept ] && ok "--pusher" || not_ok "--pusher"
dec --db "$T/d.db" --since 1h --repo "$T/srv/a.git" --format json
[ "$(jq_py "len(j['decisions'])")" = 2 ] && ok "--since 1h --repo" || not_ok "--since --repo"
dec --db "$T/d.db" --until 2001-01-01 --format json
[ "$(jq_py "len(j['decisions'])")" = 0 ] && ok "--until a past date" || not_ok "--until"
dec --db "$T/d.db" --limit 1 --format json
[ "$(jq_py "len(j['decisions']) == 1 and j['next_cursor'] is not None")" = True ] && ok "--limit 1 leaves a cursor" || not_ok "--limit"
dec --db "$T/d.db" --summary
expect "--summary counts per repository and rule" 0 "2 decisions" "single-head"
dec --config "$T/d.yaml" --verdict accept
expect "--config finds decisions.path" 0 "alice"
dec --db "$T/none.db"
expect "a missing database is an error naming it" 2 "none.db"
[ ! -e "$T/none.db" ] && ok "and is not created" || not_ok "none.db created"
dec --db "$T/d.db" --since yesterday
expect "a bad --since" 2 "--since"
dec --db "$T/d.db" --verdict observe-reject --mode observe
expect "--mode observe summarises what enforcing would block" 0 \
    "What enforcing would have blocked: 0 pushes"

# count DB [ARGS...]: how many decisions match.
count() {
	"$REVGUARD" decisions --db "$@" --summary --format json 2>/dev/null |
	    "$PYTHON" -c "import json,sys; print(json.load(sys.stdin)['decisions'])" 2>/dev/null ||
	    echo 0
}
# count_source DB SOURCE [ARGS...]: how many matching decisions have it.
count_source() {
	db=$1 src=$2
	shift 2
	"$REVGUARD" decisions --db "$db" "$@" --limit 100000 --format json 2>/dev/null |
	    "$PYTHON" -c "import json,sys; print(sum(d['source'].split()[0] == '$src' for d in json.load(sys.stdin)['decisions']))" 2>/dev/null ||
	    echo 0
}

# --- SIGKILL mid-load: every answered push is in the log ---------------
stop_daemon d
config k
start_daemon k -f "$T/k.yaml"
"$REVGUARD" install-hook --force --repo srv/a.git -- --socket "$T/k.sock" \
    --config "$T/k.yaml" >/dev/null
git_quiet -C a reset -q --hard "$good"
N=100
i=0
while [ $i -lt $N ]; do
	git -C a push origin "HEAD:refs/heads/release/k$i" >"$T/k$i.out" 2>&1 &
	echo $! >"$T/k$i.pushpid"
	i=$((i + 1))
done
# Kill once a few decisions are in, while pushes are still coming.
"$PYTHON" - "$T/k.db" "$(cat "$T/k.pid")" <<'PY'
import os, signal, sqlite3, sys, time
end = time.time() + 20
while time.time() < end:
    try:
        db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
        n = db.execute("SELECT count(*) FROM decisions").fetchone()[0]
        db.close()
    except sqlite3.Error:
        n = 0
    if n >= 10:
        break
    time.sleep(0.002)
time.sleep(0.01)    # let a few answers go out
os.kill(int(sys.argv[2]), signal.SIGKILL)
PY
rm -f "$T/k.pid"
for i in $(seq 0 $((N - 1))); do wait "$(cat "$T/k$i.pushpid")" 2>/dev/null; done
answered=0 missing=0 unanswered=0
for i in $(seq 0 $((N - 1))); do
	if grep -q "cannot check this push" "$T/k$i.out"; then
		unanswered=$((unanswered + 1))
		continue
	fi
	answered=$((answered + 1))
	if [ "$(count_source "$T/k.db" daemon --ref "refs/heads/release/k$i")" != 1 ]; then
		missing=$((missing + 1))
		echo "# answered but not in the log: release/k$i"
	fi
done
echo "# SIGKILL: $answered answered, $unanswered refused unchecked"
if [ $answered -gt 0 ] && [ $missing -eq 0 ]; then
	ok "SIGKILL mid-load: all $answered answered pushes are in the log"
else
	not_ok "SIGKILL: $missing of $answered answered pushes missing"
fi
[ $unanswered -gt 0 ] && ok "and the kill came mid-load ($unanswered pushes unanswered)" ||
	ok "# SKIP the load finished before the kill"
# The pushes nobody answered went to the spool; the restarted daemon
# imports them: now every push of the load is in the log.  (The killed
# daemon left its socket: start_daemon must wait for the new one.)
rm -f "$T/k.sock"
start_daemon k -f "$T/k.yaml"
all=0
for i in $(seq 0 $((N - 1))); do
	[ "$(count "$T/k.db" --ref "refs/heads/release/k$i")" -ge 1 ] && all=$((all + 1))
done
[ $all -eq $N ] && ok "after the restart every push of the load is in the log" ||
	not_ok "after the restart only $all of $N pushes are in the log"
n=$(count_source "$T/k.db" hook --verdict fail-closed)
[ "$n" = $unanswered ] &&
	ok "the unanswered ones as fail-closed, from the hook's spool" ||
	not_ok "spooled fail-closed: $n, want $unanswered"
stop_daemon k

# --- the spool: pushes while the daemon is down -----------------------
# k is stopped.  Fail-closed refuses, fail-open lets through; both are
# recorded in the spool and reach the log when the daemon starts.
rm -f spool/*
git_quiet -C a reset -q --hard "$good"
push a origin HEAD:refs/heads/release/down1
expect "daemon down, fail-closed: rejected" 1 "cannot check this push"
ON_UNAVAILABLE=accept config open
"$REVGUARD" install-hook --force --repo srv/a.git -- --socket "$T/k.sock" \
    --config "$T/open.yaml" >/dev/null
push a origin HEAD:refs/heads/release/down2
expect "daemon down, fail-open: accepted" 0 "NOT checked"
n=$(ls spool | grep -c "^d-$(id -u)-[0-9]*\.json$")
[ "$n" = 2 ] && ok "two spool records" || not_ok "spool records: $n"
# What a hostile local user can leave there is removed, never followed.
echo secret >outside
ln -s "$T/outside" spool/d-0999.json
head -c 20000 /dev/zero >spool/d-0998.json
echo '{"v":1,' >spool/d-0997.json
echo '{"v":1,"time_ms":1,"repository":"/x","pusher":[],"updates":[],"nupdates":0,"verdict":"accept"}' >spool/d-0996.json
start_daemon k -f "$T/k.yaml"
count_source "$T/k.db" hook --ref refs/heads/release/down1 --verdict fail-closed >"$T/n1"
count_source "$T/k.db" hook --ref refs/heads/release/down2 --verdict fail-open >"$T/n2"
[ "$(cat "$T/n1")" = 1 ] && [ "$(cat "$T/n2")" = 1 ] &&
	ok "the restarted daemon imported both, fail-closed and fail-open" ||
	not_ok "spool import: fail-closed $(cat "$T/n1"), fail-open $(cat "$T/n2")"
dec --db "$T/k.db" --ref refs/heads/release/down1
expect "the record names the reason and who wrote it" 0 "not checked: cannot connect" "uid $(id -u)"
[ -z "$(ls spool)" ] && ok "the spool is empty afterwards" || not_ok "left in the spool: $(ls spool)"
[ "$(cat outside)" = secret ] && ok "a symbolic link in the spool is not followed" || not_ok "outside changed"
grep -q "d-0996.json: not a well-formed spool record; removed" "$T/k.log" &&
	grep -q "d-0998.json: not a regular file of at most" "$T/k.log" &&
	grep -q "d-0999.json: not a regular file" "$T/k.log" &&
	ok "forged, oversize and linked records are removed with a log line" ||
	{ not_ok "hostile spool entries"; diag "$T/k.log"; }
stop_daemon k

# The hook bounds what it writes: a full spool takes no more, and a
# world-writable directory without the sticky bit is not used.
mkdir full; chmod 1733 full
i=0; while [ $i -lt 1024 ]; do : >"full/d-$(id -u)-$(printf %04d $i).json"; i=$((i + 1)); done
sed "s|$T/spool|$T/full|" "$T/k.yaml" >"$T/full.yaml"
"$REVGUARD" install-hook --force --repo srv/a.git -- --socket "$T/k.sock" \
    --config "$T/full.yaml" >/dev/null
push a origin HEAD:refs/heads/release/down3
expect "daemon down, full spool: still rejected" 1 "cannot check this push" \
    "NOT in the decision log" "is full (1024 records of uid"
[ "$(ls full | wc -l)" = 1024 ] && ok "a full spool (1024 records of a uid) takes no more" || not_ok "full spool: $(ls full | wc -l) files"
mkdir open777; chmod 0777 open777
sed "s|$T/spool|$T/open777|" "$T/k.yaml" >"$T/o7.yaml"
"$REVGUARD" install-hook --force --repo srv/a.git -- --socket "$T/k.sock" \
    --config "$T/o7.yaml" >/dev/null
push a origin HEAD:refs/heads/release/down4
[ -z "$(ls open777)" ] && ok "a world-writable spool without the sticky bit is not used" || not_ok "wrote to open777"
ln -s "$T/spool" linked
sed "s|$T/spool|$T/linked|" "$T/k.yaml" >"$T/ln.yaml"
"$REVGUARD" install-hook --force --repo srv/a.git -- --socket "$T/k.sock" \
    --config "$T/ln.yaml" >/dev/null
push a origin HEAD:refs/heads/release/down5
[ -z "$(ls spool)" ] && ok "a spool behind a symbolic link is not used" || not_ok "wrote through a link"

# --- retention: by rows and by age, applied at start and on a timer ----
total=$(count "$T/k.db")
config k "  max_rows: 10"
start_daemon k -f "$T/k.yaml"
# 100 a batch, the next one 100 ms later while more is due.
w=0
while [ "$(count "$T/k.db")" != 10 ] && [ $w -lt 50 ]; do
	sleep 0.1
	w=$((w + 1))
done
n=$(count "$T/k.db")
[ "$n" = 10 ] && [ "$total" -gt 10 ] && ok "max_rows: 10 keeps the newest 10 of $total" ||
	not_ok "max_rows: $n left of $total"
stop_daemon k
sleep 1.2
config k "  max_age: 1s"
start_daemon k -f "$T/k.yaml"
n=$(count "$T/k.db")
[ "$n" = 0 ] && ok "max_age: 1s prunes older decisions" || not_ok "max_age: $n left"
stop_daemon k
"$REVGUARDD" -n -f /dev/stdin >"$T/out" 2>"$T/err" <<'YAML'
decisions:
  max_age: 90 days
YAML
echo $? >"$T/rc"
expect "a bad max_age names its line" 1 "stdin:2:" "max_age"

# --- a failing disk: decisions.on_error ------------------------------
config f
start_daemon f -f "$T/f.yaml"
fpid=$(cat "$T/f.pid")
"$REVGUARD" install-hook --force --repo srv/a.git -- --socket "$T/f.sock" \
    --config "$T/f.yaml" >/dev/null
push a origin HEAD:refs/heads/release/f0
expect "before the failure: accepted" 0
# No file of the daemon may grow past one byte: every write fails.
prlimit --pid "$fpid" --fsize=1:unlimited
push a origin HEAD:refs/heads/release/f1
expect "unrecorded, on_error unavailable, fail-closed hook: rejected" 1 \
    "the decision log could not record this push" "push rejected (on_unavailable: reject)"
ON_UNAVAILABLE=accept config fopen
"$REVGUARD" install-hook --force --repo srv/a.git -- --socket "$T/f.sock" \
    --config "$T/fopen.yaml" >/dev/null
push a origin HEAD:refs/heads/release/f2
expect "unrecorded, on_error unavailable, fail-open hook: let through, said" 0 \
    "the decision log could not record this push" "NOT checked"
git_quiet -C a reset -q --hard "$bad"
push a origin HEAD:refs/heads/release/f3
expect "a push rejected anyway stays rejected, even fail-open" 1 "single-head"
git_quiet -C a reset -q --hard "$good"
[ -z "$(ls spool)" ] && ok "answered errors are the daemon's to log, not spooled" || not_ok "spooled: $(ls spool)"
config f "  on_error: reject"
kill -HUP "$fpid"; sleep 0.3
push a origin HEAD:refs/heads/release/f4
expect "on_error: reject refuses even with a fail-open hook" 1 \
    "could not record this push" "decisions.on_error: reject"
config f "  on_error: accept"
kill -HUP "$fpid"; sleep 0.3
push a origin HEAD:refs/heads/release/f5
expect "on_error: accept lets it in" 0
refute "and says nothing to the pusher" "could not record"
prlimit --pid "$fpid" --fsize=unlimited:unlimited
push a origin HEAD:refs/heads/release/f6
expect "the disk is back: accepted" 0
kill -USR1 "$fpid"; sleep 0.3
stop_daemon f
for r in f0 f6; do
	[ "$(count "$T/f.db" --ref refs/heads/release/$r)" = 1 ] || not_ok "release/$r not recorded"
done
n=0; for r in f1 f2 f4 f5; do n=$((n + $(count "$T/f.db" --ref refs/heads/release/$r))); done
[ $n = 0 ] && ok "recorded before and after, none while failing" || not_ok "$n recorded while failing"
grep -q "decision log: 5 write errors" "$T/f.log" &&
	ok "log_write_errors counts them (5)" || { not_ok "write errors not counted"; grep "write errors" "$T/f.log" | sed 's/^/# /'; }

finish
