#!/bin/sh
# The HTTP endpoint (http.c, docs/api.md): a real revguardd with http on
# a private loopback port, real pushes (accepted and rejected), then
# every endpoint: health, readiness, metrics through prometheus_client's
# parser, the live chain as JSON and DOT, the decision log's API; and
# under attack: oversize, malformed, unauthenticated and slow requests,
# path traversal and symbolic links out of the roots, bad parameters.
# Never a crash or a hang: the daemon answers pushes throughout.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

probe() { "$PYTHON" "$top_srcdir/tests/http_probe.py" "$@"; }
free_port() {
	"$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_http PORT: until /healthz answers (5 s at most).
wait_http() {
	i=0
	while ! probe get "$1" /healthz >/dev/null 2>&1 && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}
# check DESC COMMAND...: ok when COMMAND succeeds; its output in $T/out.
check() {
	desc=$1
	shift
	if "$@" >"$T/out" 2>&1; then ok "$desc"; else not_ok "$desc"; diag "$T/out"; fi
}
# status_is DESC WANT PATH [probe options]: GET PATH answers WANT.
status_is() {
	desc=$1 want=$2 path=$3
	shift 3
	probe get "$P" "$path" "$@" >"$T/out" 2>&1
	if head -1 "$T/out" | grep -qx "status=$want"; then ok "$desc"
	else not_ok "$desc (want $want)"; diag "$T/out"; fi
}

P=$(free_port)
cat >h.yaml <<YAML
baseline: [0badc0ffee00]
http:
  listen: 127.0.0.1:$P
  timeout: 2s
  max_headers: 20
decisions:
  path: $T/decisions.db
  spool: off
YAML
start_daemon d -f "$T/h.yaml"
wait_http "$P"

# --- real pushes: one accepted, one rejected -----------------------------
gen repo app --count 8 --seed 16 >/dev/null
bare_repo srv/app.git --socket "$T/d.sock"
git_quiet -C app remote add origin "$T/srv/app.git"
push app origin main
expect "a clean push is accepted" 0
h=$(head_of app)
first=$(ls app/migrations/versions | head -1 | cut -d_ -f1)
git_quiet -C app checkout -q -b release/bad
add_migration app "$(rand_id)" "$first" fork
commit_all app "a second head"
push app origin release/bad
expect "a push with two heads is rejected" 1 "single-head"
# The same commit on a ref nobody guards: in, for the chain to show.
push app origin release/bad:refs/heads/wip/bad
expect "the same commit on an unguarded ref is accepted" 0
git_quiet -C app checkout -q main

# --- health, readiness ---------------------------------------------------
status_is "GET /healthz: 200" 200 /healthz
check "/healthz says ok and the version" probe json "$P" /healthz \
    'j["status"] == "ok" and j["version"] != "" or 1/0'
check "/readyz: ready, config loaded" probe json "$P" /readyz \
    'j["status"] == "ready" and j["checks"]["config"] == "loaded" or 1/0'
probe get "$P" /healthz -m HEAD >"$T/out"
if head -1 "$T/out" | grep -qx status=200 && [ "$(sed -n '/^header/d;2,$p' "$T/out" | tr -d '\n')" = "" ]; then
	ok "HEAD /healthz: 200 without a body"
else not_ok "HEAD /healthz"; diag "$T/out"; fi

# --- metrics, through a real Prometheus parser ---------------------------
if probe metrics "$P" >metrics.txt 2>&1; then
	ok "/metrics parses with prometheus_client"
else not_ok "/metrics parses with prometheus_client"; diag metrics.txt; fi
m() { grep -F "$1" metrics.txt | head -1 | awk '{print $2}'; }
[ "$(m 'revguard_checks_total{mode=enforce,verdict=accept}')" = "2.0" ] &&
    ok "checks_total: 2 accepted" || { not_ok "checks_total accept"; diag metrics.txt; }
[ "$(m 'revguard_checks_total{mode=enforce,verdict=reject}')" = "1.0" ] &&
    ok "checks_total: 1 rejected" || not_ok "checks_total reject"
[ "$(m 'revguard_check_duration_seconds_count{}')" = "3.0" ] &&
    ok "latency histogram counts every check" || not_ok "latency histogram count"
[ "$(m 'revguard_check_duration_seconds_bucket{le=+Inf}')" = "3.0" ] &&
    ok "latency histogram +Inf bucket" || not_ok "latency +Inf bucket"
hits=$(m 'revguard_rule_hits_total{rule=single-head}')
[ "$hits" = "1.0" ] && ok "rule_hits_total counts single-head ($hits)" ||
    not_ok "rule_hits_total single-head ($hits)"
missing=
for s in 'revguard_decision_log_state{state=ok} 1.0' revguard_queue_depth revguard_fail_open_total revguard_fail_closed_total \
    revguard_parse_cache_hits_total revguard_parse_cache_misses_total \
    revguard_decision_log_write_errors_total revguard_shipper_lag_seconds \
    'revguard_postgresql_state{state=none}'; do
	grep -qF "$s" metrics.txt || missing="$missing $s"
done
[ -z "$missing" ] && ok "the log's state, queue, fail-open/closed, cache, shipper series" ||
    not_ok "series missing:$missing"
# Each series named in docs/api.md is exposed, and the other way round.
grep -o '`revguard_[a-z_]*`' "$top_srcdir/docs/api.md" | tr -d '`' | sort -u >doc.series
sed 's/{.*//; s/_bucket$//; s/_sum$//; s/_count$//' metrics.txt | sort -u >got.series
if [ -s doc.series ] && cmp -s doc.series got.series; then
	ok "docs/api.md lists exactly the series /metrics exposes"
else
	not_ok "docs/api.md and /metrics differ"; diff doc.series got.series >d.diff; diag d.diff
fi

# --- the chain, live from the object database -----------------------------
check "chain of the default branch: one head, 8 nodes, no error" \
    probe json "$P" /api/v1/repos/app.git/chain \
    'j["ref"] == "refs/heads/main" and j["heads"] == ["'"$h"'"] and len(j["nodes"]) == 8 and j["errors"] == 0 and len(j["edges"]) == 7 or 1/0'
check "chain of wip/bad: two heads, a single-head error, marked nodes" \
    probe json "$P" "/api/v1/repos/app.git/chain?ref=wip/bad" \
    'len(j["heads"]) == 2 and any(d["rule"] == "single-head" for d in j["diagnostics"]) and sum(n["head"] for n in j["nodes"]) == 2 and any(n["errors"] > 0 for n in j["nodes"]) or 1/0'
check "the repository may be URL-encoded, the ref given in full" \
    probe json "$P" "/api/v1/repos/app%2Egit/chain?ref=refs%2Fheads%2Fwip%2Fbad" \
    'j["verdict"] == "reject" and j["ref"] == "refs/heads/wip/bad" or 1/0'
probe get "$P" "/api/v1/repos/app.git/chain.dot?ref=wip/bad" >dot.out
grep -v '^status=\|^header ' dot.out >chain.dot
if head -1 dot.out | grep -qx status=200 && grep -q '^digraph' chain.dot &&
    dot -Tsvg chain.dot >chain.svg 2>dot.err; then
	ok "chain.dot is Graphviz that dot renders"
else not_ok "chain.dot"; diag dot.out; diag dot.err; fi

# --- the decision log's API ---------------------------------------------------
D=/api/v1/decisions
check "decisions: three, newest first, with refs and diagnostics" \
    probe json "$P" $D \
    '[d["refs"][0]["ref"] for d in j["decisions"]] == ["refs/heads/wip/bad", "refs/heads/release/bad", "refs/heads/main"] and j["decisions"][1]["verdict"] == "reject" and any(g["rule"] == "single-head" and g["severity"] == "error" for g in j["decisions"][1]["diagnostics"]) and j["decisions"][0]["repository"].endswith("/srv/app.git") and j["next_cursor"] is None or 1/0'
check "decisions?verdict=reject: the rejected push" probe json "$P" "$D?verdict=reject" \
    '[d["refs"][0]["ref"] for d in j["decisions"]] == ["refs/heads/release/bad"] or 1/0'
check "decisions?rule=single-head" probe json "$P" "$D?rule=single-head" \
    'len(j["decisions"]) == 1 or 1/0'
check "decisions?ref=refs/heads/main" probe json "$P" "$D?ref=refs%2Fheads%2Fmain" \
    'len(j["decisions"]) == 1 and j["decisions"][0]["verdict"] == "accept" or 1/0'
check "decisions?repo=: the repository as the hook names it" probe json "$P" \
    "$D?repo=$T/srv/app.git&mode=enforce&since=1h" 'len(j["decisions"]) == 3 or 1/0'
check "decisions?until=1h: none that old" probe json "$P" "$D?until=1h" \
    'j["decisions"] == [] or 1/0'
c1=$(probe json "$P" "$D?limit=1" 'j["next_cursor"]' | tr -d "'")
c2=$(probe json "$P" "$D?limit=1&cursor=$c1" 'j["next_cursor"]' | tr -d "'")
check "pages of one follow the cursor without repeating" probe json "$P" \
    "$D?limit=1&cursor=$c2" 'len(j["decisions"]) == 1 and j["decisions"][0]["refs"][0]["ref"] == "refs/heads/main" and j["next_cursor"] is None or 1/0'
probe get "$P" "$D?cursor=bogus" >"$T/out"
grep -qx status=400 "$T/out" && grep -q 'parameter `cursor`' "$T/out" &&
    ok "a cursor it never gave: 400 naming cursor" || { not_ok "bad cursor"; diag "$T/out"; }
check "repos: one row, counts, last verdict, the default branch's debt" \
    probe json "$P" /api/v1/repos \
    'len(j["repos"]) == 1 and j["repos"][0]["name"] == "app.git" and j["repos"][0]["counts"]["accept"] == 2 and j["repos"][0]["counts"]["reject"] == 1 and j["repos"][0]["last_verdict"] == "accept" and j["repos"][0]["debt"]["status"] == "analysed" and j["repos"][0]["debt"]["ref"] == "refs/heads/main" and j["repos"][0]["debt"]["errors"] == 0 and j["repos"][0]["debt"]["baselined"] == ["0badc0ffee00"] or 1/0'
check "readyz: the decision log is ok" probe json "$P" /readyz \
    'j["checks"]["decision_log"] == "ok" or 1/0'

# --- the door: nothing outside repo_roots, and no path echoed -------------
mkdir -p outside
git init -q --bare outside/secret.git
ln -s "$T/outside/secret.git" srv/escape.git
for path in "/api/v1/repos/..%2Foutside%2Fsecret.git/chain" \
    "/api/v1/repos/escape.git/chain" \
    "/api/v1/repos/%2Ftmp/chain" \
    "/api/v1/repos/nope.git/chain" \
    "/api/v1/repos/app.git%00/chain"; do
	probe get "$P" "$path" >"$T/out"
	if head -1 "$T/out" | grep -qx status=404 && ! grep -q "secret\|outside\|tmp\|$T" "$T/out"; then
		ok "404 without the path: $path"
	else not_ok "404 without the path: $path"; diag "$T/out"; fi
done
status_is "an unknown ref: 404" 404 "/api/v1/repos/app.git/chain?ref=nope"
status_is "a malformed ref: 400" 400 "/api/v1/repos/app.git/chain?ref=HEAD~1"

# --- bad queries name the parameter ---------------------------------------
probe get "$P" "/api/v1/decisions?since=yesterday" >"$T/out"
if head -1 "$T/out" | grep -qx status=400 && grep -q '"code":"bad_parameter"' "$T/out" &&
    grep -q 'parameter `since`' "$T/out"; then ok "a bad since is a 400 naming since"
else not_ok "a bad since"; diag "$T/out"; fi
status_is "limit out of range: 400" 400 "/api/v1/decisions?limit=5000"
status_is "an unknown parameter: 400" 400 "/api/v1/decisions?drop=table"
status_is "an unknown endpoint: 404" 404 /api/v2/nothing

# --- hostile requests ------------------------------------------------------
for c in long-line:400 long-header:400 many-headers:431 body:413 post:413 \
    delete:405 garbage:400 bad-version:400 absolute-uri:400 trickle:400; do
	got=$(probe attack "$P" "${c%%:*}" 2>&1)
	[ "$got" = "status=${c#*:}" ] && ok "attack ${c%%:*}: $got" ||
	    not_ok "attack ${c%%:*}: $got, want status=${c#*:}"
done
got=$(probe attack "$P" "hangup:/api/v1/repos/app.git/chain?ref=wip/bad" 2>&1)
status_is "clients that leave during an analysis: still serving ($got)" 200 /healthz
got=$(probe attack "$P" "burst:/api/v1/repos/app.git/chain" 2>&1)
if echo "$got" | grep -Eqx '(200|503)( (200|503))? \(40 answers\)'; then
	ok "40 analyses at once: every one answered: $got"
else not_ok "40 analyses at once: $got"; fi
# A request trickling in under the size limit is bounded by the timeout.
got=$(probe attack "$P" slowloris 2>&1)
case $got in
"closed after 2 s"|"closed after 3 s") ok "a request trickling in is closed at http.timeout: $got" ;;
*) not_ok "slowloris: $got" ;;
esac
# Many silent connections at once do not stop the daemon either.
i=0 silent=
while [ $i -lt 50 ]; do
	probe attack "$P" silent >/dev/null 2>&1 &
	silent="$silent $!"
	i=$((i + 1))
done
sleep 0.5
status_is "answers with 50 silent connections open" 200 /readyz
push app origin main:refs/heads/release/ok
expect "a push goes through with 50 silent connections open" 0
wait $silent

# --- unchecked pushes: the daemon answers an error, the hook decides ----------
mkdir -p elsewhere
bare_repo elsewhere/closed.git --socket "$T/d.sock"
bare_repo elsewhere/open.git --socket "$T/d.sock" --on-unavailable accept
push app "$T/elsewhere/closed.git" main
expect "outside repo_roots, on_unavailable reject: refused unchecked" 1
push app "$T/elsewhere/open.git" main
expect "outside repo_roots, on_unavailable accept: let through unchecked" 0
probe metrics "$P" >metrics2.txt 2>&1
grep -qxF 'revguard_fail_closed_total{} 1.0' metrics2.txt &&
    grep -qxF 'revguard_checks_total{mode=enforce,verdict=fail-closed} 1.0' metrics2.txt &&
    ok "fail-closed counted" || { not_ok "fail-closed counted"; diag metrics2.txt; }
grep -qxF 'revguard_fail_open_total{} 1.0' metrics2.txt &&
    grep -qxF 'revguard_checks_total{mode=enforce,verdict=fail-open} 1.0' metrics2.txt &&
    ok "fail-open counted" || not_ok "fail-open counted"
check "the decision log has them as fail-closed and fail-open" probe json "$P" \
    "/api/v1/decisions?limit=2" '[d["verdict"] for d in j["decisions"]] == ["fail-open", "fail-closed"] or 1/0'

# --- the daemon survived all of it ------------------------------------------
if kill -0 "$(cat d.pid)" 2>/dev/null; then ok "revguardd is still running"
else not_ok "revguardd died"; diag d.log; fi
check "/metrics counts the last push" sh -c \
    "'$PYTHON' '$top_srcdir/tests/http_probe.py' metrics $P | grep -qF 'revguard_checks_total{mode=enforce,verdict=accept} 3.0'"
stop_daemon d

# --- tokens ------------------------------------------------------------------
printf 'http:\n  listen: 0.0.0.0:%s\n' "$P" >open.yaml
"$REVGUARDD" -n -f open.yaml >"$T/out" 2>&1; echo $? >"$T/rc"
expect "a non-loopback address without a token is refused" 1 \
    "http.listen \`0.0.0.0:$P\` is not a loopback address: set http.token_file"
"$REVGUARDD" -d -s "$T/x.sock" -R "$T/srv" -f open.yaml >"$T/out" 2>&1; echo $? >"$T/rc"
expect "revguardd does not start with it" 1 "not a loopback address"
P=$(free_port)
printf 's3cret-token-0123456789\n' >tok
chmod 600 tok
printf 'http:\n  listen: 127.0.0.1:%s\n  token_file: %s\n' "$P" "$T/tok" >tok.yaml
start_daemon t -f "$T/tok.yaml"
wait_http "$P"
status_is "with a token: /metrics without one is 401" 401 /metrics
grep -q '^header www-authenticate: Bearer' "$T/out" && ok "401 says Bearer" || not_ok "401 says Bearer"
status_is "a wrong token: 401" 401 /metrics -t s3cret-token-0123456788
status_is "a short token: 401" 401 /readyz -t s3cret
status_is "a path probe without a token: 401, not 404" 401 /api/v1/repos/x/chain
status_is "the right token: 200" 200 /metrics -t s3cret-token-0123456789
status_is "the page needs no token" 200 /
status_is "/healthz needs no token" 200 /healthz
stop_daemon t
printf 'short\n' >bad.tok
printf 'http:\n  listen: 127.0.0.1:%s\n  token_file: %s\n' "$P" "$T/bad.tok" >badtok.yaml
"$REVGUARDD" -d -s "$T/y.sock" -R "$T/srv" -f badtok.yaml >"$T/out" 2>&1; echo $? >"$T/rc"
expect "a token file with a short token: no start" 1 "the token must be 16 to 4096 bytes"
finish
