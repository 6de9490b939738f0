#!/bin/sh
# The page (GET /) in a real browser: revguardd with http and a decision
# log, real pushes (accepted, rejected, and a broken chain on an
# unguarded ref), then headless Chromium loads the page and the test
# asserts on the DOM its scripts built: decision rows with verdicts, the
# repository row with its debt, the chain graph with its heads and the
# nodes in error.  The screenshot is kept as tests/integration/24-page.png.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p srv

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}
if [ -z "$CHROMIUM" ]; then
	echo "ok 1 - the page in a browser # SKIP chromium is not installed"
	echo "1..1"
	exit 0
fi
probe() { "$PYTHON" "$top_srcdir/tests/http_probe.py" "$@"; }
P=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >p.yaml <<YAML
http:
  listen: 127.0.0.1:$P
decisions:
  path: $T/decisions.db
  spool: off
YAML
start_daemon d -f "$T/p.yaml"
i=0
while ! probe get "$P" /healthz >/dev/null 2>&1 && [ $i -lt 100 ]; do
	sleep 0.05; i=$((i + 1))
done

gen repo app --count 6 --seed 24 >/dev/null
bare_repo srv/app.git --socket "$T/d.sock"
git_quiet -C app remote add origin "$T/srv/app.git"
push app origin main
expect "a clean push is accepted" 0
first=$(ls app/migrations/versions | head -1 | cut -d_ -f1)
git_quiet -C app checkout -q -b release/bad
add_migration app "$(rand_id)" "$first" fork
commit_all app "a second head"
push app origin release/bad
expect "a push with two heads is rejected" 1 "single-head"
push app origin release/bad:refs/heads/wip/bad
expect "the broken chain on an unguarded ref is accepted" 0

# browse URL OUT: the DOM after the page's scripts ran (bounded).
browse() {
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --no-first-run --user-data-dir="$T/chromium" \
	    --virtual-time-budget=10000 --dump-dom "$1" >"$2" 2>"$T/chromium.err"
}
url="http://127.0.0.1:$P/#repo=app.git&ref=wip/bad"
if browse "$url" dom.html && [ -s dom.html ]; then
	ok "chromium loads the page"
else
	not_ok "chromium loads the page"; diag "$T/chromium.err"
fi
# count PATTERN: how many times the DOM has it.
count() { grep -o "$1" dom.html | wc -l | tr -d ' '; }
[ "$(count '<tr class="decision"')" = 3 ] && ok "three decision rows" ||
    { not_ok "three decision rows ($(count '<tr class="decision"'))"; diag dom.html; }
[ "$(count 'data-verdict="reject"')" = 1 ] && [ "$(count 'data-verdict="accept"')" = 2 ] &&
    ok "their verdicts: one reject, two accept" || not_ok "decision verdicts"
grep -q 'error\[single-head\]' dom.html && ok "the rejected push shows its finding" ||
    not_ok "the rejected push shows its finding"
grep -q '<tr class="repo" data-name="app.git">' dom.html &&
    ok "the repository row" || not_ok "the repository row"
grep -q '0 errors</span>, 0 warnings, 0 baselined' dom.html &&
    ok "the repository's debt on its default branch" || not_ok "the debt cell"
nodes=$(count '<g class="node')
heads=$(count '<g class="node head')
errs=$(grep -o '<g class="node[^"]*error' dom.html | wc -l | tr -d ' ')
[ "$nodes" = 7 ] && ok "the chain graph: 7 nodes" || not_ok "chain nodes: $nodes, want 7"
[ "$heads" = 2 ] && ok "two heads marked" || not_ok "heads marked: $heads, want 2"
[ "$errs" -ge 2 ] && ok "the nodes in error marked ($errs)" || not_ok "error nodes: $errs"
[ "$(count '<line class="edge')" = 6 ] && ok "six edges drawn" || not_ok "edges: $(count '<line class="edge')"
grep -q 'single-head' dom.html && grep -q '<li class="sev-error">' dom.html &&
    ok "the chain's diagnostics listed" || not_ok "chain diagnostics"

# Without a hash the default branch is drawn: one head, no error.
browse "http://127.0.0.1:$P/" dom.html
[ "$(count '<g class="node head')" = 1 ] && [ "$(count '<g class="node[^"]*error')" = 0 ] &&
    ok "the default branch: one head, nothing in error" || not_ok "default branch graph"

shot="$top_builddir/tests/integration/24-page.png"
mkdir -p "$(dirname "$shot")"
rm -f "$shot"
timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$T/chromium" --hide-scrollbars --virtual-time-budget=10000 \
    --window-size=1280,900 --screenshot="$shot" "$url" >/dev/null 2>&1
if [ -s "$shot" ] && head -c 8 "$shot" | od -An -tx1 | grep -q '89 50 4e 47'; then
	ok "screenshot saved: $shot"
else not_ok "screenshot"; fi
stop_daemon d
finish
