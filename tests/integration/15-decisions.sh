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

finish
