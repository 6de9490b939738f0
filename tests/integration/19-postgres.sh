#!/bin/sh
# A fleet on a real, throwaway PostgreSQL server (pglib.sh): the shared
# store suite on PostgreSQL; then two revguardd nodes (their own sockets,
# SQLite logs and node names) sharing the database, real pushes to both,
# every decision in PostgreSQL exactly once; PostgreSQL stopped mid-run
# while pushes go on (answered, and as fast: p50 up and down printed),
# started again, and every decision arrives once; a node restarted
# resumes from its mark; the fleet read through one node.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pglib.sh"
cd "$T" || exit 1
mkdir -p srv

# --- the connection string is checked with the configuration -----------
printf 'decisions:\n  path: %s/x.db\n  postgresql: "host=/tmp dbname=r password=hunter2"\n' "$T" >pw.yaml
"$REVGUARDD" -n -f "$T/pw.yaml" >out 2>err; echo $? >rc
expect "a password in decisions.postgresql is refused by revguardd -n" 1 \
    "pw.yaml: decisions.postgresql: PostgreSQL connection string holds a password" \
    "passfile"
refute "the refusal does not repeat the password" hunter2
printf 'decisions:\n  path: %s/x.db\n  postgresql: "host=%sunterminated"\n' "$T" "'" >bad.yaml
"$REVGUARDD" -n -f "$T/bad.yaml" >out 2>err; echo $? >rc
expect "a conninfo libpq cannot read is refused by revguardd -n" 1 \
    "bad.yaml: decisions.postgresql: PostgreSQL connection string:"

if ! pg_init || ! pg_start; then
	not_ok "a throwaway PostgreSQL server starts"
	[ -f "$PG_DIR/log" ] && diag "$PG_DIR/log"
	finish
	exit 1
fi
ok "a throwaway PostgreSQL server starts (private socket, password from a passfile)"

# --- the shared store suite and the shipper, on PostgreSQL --------------
: >suite.tap
for t in test_store_pg test_shipper; do
	REVGUARD_TEST_PG=$PG_CONNINFO CRITERION_OUTPUTS=tap:- \
	    "$top_builddir/tests/unit/$t" -j1 >>suite.tap 2>&1
done
ncase=0
while IFS= read -r line; do
	case $line in
	"ok - "*"# SKIP"*)
		not_ok "on PostgreSQL: ${line#ok - } (skipped with a server here)" ;;
	"ok - "*) ok "on PostgreSQL: ${line#ok - }" ;;
	"not ok - "*) not_ok "on PostgreSQL: ${line#not ok - }" ;;
	*) continue ;;
	esac
	ncase=$((ncase + 1))
done <suite.tap
grep -q '^not ok' suite.tap && diag suite.tap
if [ "$ncase" -ge 24 ] && [ "$(grep -c '^ok - ' suite.tap)" -eq "$ncase" ]; then
	ok "the store suite and the shipper tests ran every case ($ncase)"
else
	not_ok "the store suite and the shipper tests ran every case (only $ncase)"
	diag suite.tap
fi
# Each test of the suite left its tables; the fleet starts empty.
pg_psql "DROP TABLE IF EXISTS revguard_diags, revguard_refs, revguard_decisions, revguard_nodes, revguard_schema CASCADE" >/dev/null

# --- two nodes ----------------------------------------------------------------
# Node b also serves the HTTP API, on a private loopback port.
P=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for n in a b; do
	cat >"$n.yaml" <<EOF
decisions:
  path: $T/$n.db
  node: git-$n
  spool: off
  postgresql: "$PG_CONNINFO"
EOF
	[ "$n" = b ] && printf 'http:\n  listen: 127.0.0.1:%s\n' "$P" >>"$n.yaml"
	start_daemon "$n" -f "$T/$n.yaml"
done
# api PATH: GET from node b's endpoint; body in api.out, status printed.
api() {
	curl -s -o api.out -w '%{http_code}' "http://127.0.0.1:$P$1"
}
# api_nodes: "node count" lines of the decisions the API returned.
api_nodes() {
	"$PYTHON" -c 'import json, collections, sys
d = json.load(open("api.out"))["decisions"]
for n, c in sorted(collections.Counter(x["node"] for x in d).items()):
    print(n, c)'
}
bare_repo srv/one.git --socket "$T/a.sock"
bare_repo srv/two.git --socket "$T/b.sock"
gen repo app --count 4 --seed 19 >/dev/null

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# push_timed REPO: one new commit on main pushed to REPO; its time in ms
# appended to lat.$phase; the status in $T/rc.
push_timed() {
	git_quiet -C app commit --allow-empty -qm "push to $1"
	t0=$(now_ms)
	push app "$T/srv/$1.git" main
	t1=$(now_ms)
	echo $((t1 - t0)) >>"lat.$phase"
}

# rows FILE.db: node seq time_ms of a node's local log, sorted.
rows_local() {
	"$PYTHON" - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for r in db.execute("SELECT node, seq, time_ms FROM decisions"):
    print(*r)
PY
}
rows_pg() {
	pg_psql "SELECT node, seq, time_ms FROM revguard_decisions" |
	    tr '|' ' ' | sed '/^$/d'
}

# all_arrive WHAT: waits (up to 45 s: the backoff tops at 30 s) until
# PostgreSQL holds exactly the decisions of both local logs, each once.
all_arrive() {
	{ rows_local a.db; rows_local b.db; } | sort >want
	i=0
	while [ $i -lt 225 ]; do
		rows_pg 2>/dev/null | sort >got
		cmp -s want got && break
		sleep 0.2
		i=$((i + 1))
	done
	nwant=$(wc -l <want)
	dups=$(sort got | uniq -d | wc -l)
	if cmp -s want got && [ "$dups" -eq 0 ]; then
		ok "$1: all $nwant decisions of both nodes in PostgreSQL, each once"
	else
		not_ok "$1: PostgreSQL holds $(wc -l <got) rows ($dups repeated), the nodes $nwant"
		diff want got | head -20 >d; diag d
		diag a.log; diag b.log
	fi
}

phase=up
push app "$T/srv/one.git" main
expect "node a answers a push" 0
push app "$T/srv/two.git" main
expect "node b answers a push" 0
# A rejected push is a decision too.
git_quiet -C app checkout -q -b bad
add_migration app 0badc0ffee19 ffffffffffff broken
commit_all app "a migration whose parent does not exist"
git_quiet -C app checkout -q main
push app "$T/srv/one.git" bad:main
expect "node a rejects a broken chain" 1
push app "$T/srv/two.git" bad:main
expect "node b rejects a broken chain" 1
i=0
while [ $i -lt 10 ]; do
	push_timed one; [ "$(cat rc)" = 0 ] || break
	push_timed two; [ "$(cat rc)" = 0 ] || break
	i=$((i + 1))
done
expect "20 more pushes to both nodes with PostgreSQL up" 0
all_arrive "PostgreSQL up"
pg_psql "SELECT node, count(*) FROM revguard_decisions GROUP BY node ORDER BY node" >bynode
if grep -qx 'git-a|12' bynode && grep -qx 'git-b|12' bynode; then
	ok "each node shipped its 12 decisions under its own name"
else
	not_ok "each node shipped its 12 decisions under its own name"; diag bynode
fi
pg_psql "SELECT count(*) FROM revguard_diags d JOIN revguard_decisions x USING (node, seq) WHERE x.verdict = 'reject'" >ndiag
if [ "$(cat ndiag)" -ge 2 ]; then
	ok "the rejections arrived with their diagnostics"
else
	not_ok "the rejections arrived with their diagnostics ($(cat ndiag))"
fi

# --- PostgreSQL goes away mid-run ---------------------------------------------
pg_stop
phase=down
i=0
while [ $i -lt 10 ]; do
	push_timed one; [ "$(cat rc)" = 0 ] || break
	push_timed two; [ "$(cat rc)" = 0 ] || break
	i=$((i + 1))
done
expect "20 pushes answered with PostgreSQL down" 0
n_a=$(rows_local a.db | wc -l)
n_b=$(rows_local b.db | wc -l)
if [ "$n_a" -eq 22 ] && [ "$n_b" -eq 22 ]; then
	ok "every push of the outage is in its node's local log"
else
	not_ok "every push of the outage is in its node's local log ($n_a, $n_b)"
fi
sleep 1
kill -USR1 "$(cat a.pid)"
sleep 0.3
if grep -q 'shipper: PostgreSQL unavailable' a.log &&
    grep -q 'postgresql down, 10 decisions not shipped' a.log; then
	ok "node a says PostgreSQL is down and how many decisions wait"
else
	not_ok "node a says PostgreSQL is down and how many decisions wait"
	grep 'shipper\|stats' a.log >a.ship; diag a.ship
fi
st=$(api /readyz)
if [ "$st" = 200 ] && grep -q '"postgresql": *"failing"' api.out &&
    grep -q '"status": *"degraded"' api.out; then
	ok "node b's /readyz says PostgreSQL is failing (degraded, still ready)"
else
	not_ok "node b's /readyz says PostgreSQL is failing ($st)"; diag api.out
fi
api /metrics >/dev/null
if grep -qx 'revguard_shipper_pending 10' api.out &&
    grep -q '^revguard_shipper_lag_seconds [1-9]' api.out; then
	ok "node b's /metrics shows the backlog and its age"
else
	not_ok "node b's /metrics shows the backlog and its age"
	grep shipper api.out >m; diag m
fi
api "/api/v1/decisions?limit=1000" >/dev/null
if [ "$(api_nodes)" = "git-b 22" ]; then
	ok "with PostgreSQL down, node b's API answers from its own log"
else
	not_ok "with PostgreSQL down, node b's API answers from its own log"
	api_nodes >m; diag m
fi
p50() { sort -n "lat.$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
up=$(p50 up)
down=$(p50 down)
echo "# push latency p50: ${up} ms with PostgreSQL up, ${down} ms with it down ($(wc -l <lat.up) and $(wc -l <lat.down) pushes)"
# The same within noise: a push never waits for PostgreSQL (a connect
# timeout would add seconds).
if [ "$down" -le $((up * 2 + 50)) ]; then
	ok "PostgreSQL down does not slow pushes (p50 $down ms vs $up ms)"
else
	not_ok "PostgreSQL down does not slow pushes (p50 $down ms vs $up ms)"
fi

pg_start || not_ok "PostgreSQL starts again"
all_arrive "PostgreSQL back"
if grep -q 'shipper: PostgreSQL is back' a.log; then
	ok "node a notices PostgreSQL is back"
else
	not_ok "node a notices PostgreSQL is back"; diag a.log
fi

# --- a node restarts: it resumes from its mark, nothing twice ---------------
stop_daemon a
mv a.log a-before-restart.log
start_daemon a -f "$T/a.yaml"
phase=restart
push_timed one
expect "node a answers after a restart" 0
all_arrive "node a restarted"
if grep -q 'node `git-a` shipped up to seq 22' a.log; then
	ok "the restarted node resumes from its shipped mark"
else
	not_ok "the restarted node resumes from its shipped mark"; diag a.log
fi

# --- PostgreSQL hangs (frozen, not down): a refused connection is quick,
# a server that accepts and never answers is what would stall a push that
# waited for it -------------------------------------------------------------
pg_freeze
phase=frozen
i=0
while [ $i -lt 10 ]; do
	push_timed one; [ "$(cat rc)" = 0 ] || break
	push_timed two; [ "$(cat rc)" = 0 ] || break
	i=$((i + 1))
done
expect "20 pushes answered while PostgreSQL hangs" 0
# A call that does not come back for 5 s counts as down; the backlog
# still grows while the shipper waits in it.
sleep 5.5
kill -USR1 "$(cat a.pid)"
sleep 0.3
if tail -1 a.log | grep -q 'postgresql down, 10 decisions not shipped'; then
	ok "node a reports a hanging PostgreSQL as down, with its backlog"
else
	not_ok "node a reports a hanging PostgreSQL as down, with its backlog"
	tail -3 a.log >a.tail; diag a.tail
fi
frozen=$(p50 frozen)
echo "# push latency p50: ${frozen} ms while PostgreSQL hangs ($(wc -l <lat.frozen) pushes)"
if [ "$frozen" -le $((up * 2 + 50)) ]; then
	ok "a hanging PostgreSQL does not slow pushes (p50 $frozen ms vs $up ms)"
else
	not_ok "a hanging PostgreSQL does not slow pushes (p50 $frozen ms vs $up ms)"
fi
# Bounded: a daemon that waits for PostgreSQL must fail this, not hang it.
t0=$(now_ms)
pid=$(cat b.pid)
kill "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
t1=$(now_ms)
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rm -f b.pid
if [ $((t1 - t0)) -lt 8000 ]; then
	ok "node b stops while PostgreSQL hangs ($((t1 - t0)) ms)"
else
	not_ok "node b stops while PostgreSQL hangs ($((t1 - t0)) ms)"
fi
pg_thaw
mv b.log b-before-restart.log
start_daemon b -f "$T/b.yaml"
all_arrive "PostgreSQL answers again, node b restarted"

# --- the fleet through one node -------------------------------------------
st=$(api /readyz)
if [ "$st" = 200 ] && grep -q '"postgresql": *"ok"' api.out; then
	ok "node b's /readyz says PostgreSQL is ok"
else
	not_ok "node b's /readyz says PostgreSQL is ok ($st)"; diag api.out
fi
api "/api/v1/decisions?limit=1000" >/dev/null
api_nodes >nodes
if [ "$(cat nodes)" = "$(printf 'git-a 33\ngit-b 32')" ]; then
	ok "node b's API answers for the whole fleet"
else
	not_ok "node b's API answers for the whole fleet"; diag nodes
fi
rg decisions --config "$T/b.yaml" --limit 1000 --format json
expect "revguard decisions on node b reads PostgreSQL" 0 '"git-a"' '"git-b"'
stop_daemon a
stop_daemon b
finish
