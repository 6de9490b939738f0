#!/bin/sh
# demo.sh: the main job in a minute.  Starts revguardd with its built-in
# default configuration, guarding a demo bare repository with the hook
# installed, then pushes a good history (accepted) and two bad changes
# (rejected, with the messages a developer would see).  The daemon keeps
# running afterwards so you can push more; Ctrl-C stops it.
# The only settings beyond the defaults: the decision log goes in the
# demo directory (its default, /var/lib/revguard, belongs to the unit) and
# the read-only HTTP endpoint listens on loopback for the page.
# DEMO_EXIT=1 stops right after the tour; DEMO_HTTP_PORT moves the page.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
demo=${DEMO_DIR:-$(mktemp -d /tmp/revguard-demo.XXXXXX)}
py=/usr/bin/python3
sock="$demo/revguard.sock"
export GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.invalid
export GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.invalid

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

port=${DEMO_HTTP_PORT:-9419}
mkdir -p "$demo/srv"
cat >"$demo/revguard.yaml" <<YAML
# Built-in defaults, except where the demo keeps its decision log and
# the page.
decisions:
  path: $demo/decisions.db
  spool: off
http:
  listen: 127.0.0.1:$port
YAML
say "revguardd (built-in defaults) guarding $demo/srv"
"$top/revguardd" -d -f "$demo/revguard.yaml" -s "$sock" -R "$demo/srv" \
    2>"$demo/revguardd.log" &
daemon=$!
trap 'kill $daemon 2>/dev/null' EXIT INT TERM
while [ ! -S "$sock" ]; do sleep 0.1; done

git -c init.defaultBranch=main init -q --bare "$demo/srv/app.git"
"$top/revguard" install-hook --repo "$demo/srv/app.git" -- --socket "$sock"
$py "$top/tests/gen_fixtures.py" repo "$demo/work" --count 40 --commits 2 \
    --seed 7
git -C "$demo/work" remote add origin "$demo/srv/app.git"

say "push a clean history of 40 migrations: accepted"
git -C "$demo/work" push origin main 2>&1 | sed 's/^/    /'

say "push a migration with a hand-picked ID: rejected"
head=$("$top/revguard" heads --worktree "$demo/work" | cut -d' ' -f1)
cat >"$demo/work/migrations/versions/a1b2c3d4e5f6_add_flags.py" <<PY
"""add flags

Revision ID: a1b2c3d4e5f6
Revises: $head
Create Date: 2024-06-01 00:00:00
"""
revision = 'a1b2c3d4e5f6'
down_revision = '$head'
PY
git -C "$demo/work" add -A
git -C "$demo/work" commit -qm "add flags"
git -C "$demo/work" push origin main 2>&1 | sed 's/^/    /' || true

say "use a random ID, but fork the chain (two children of one parent): rejected"
rm "$demo/work/migrations/versions/a1b2c3d4e5f6_add_flags.py"
for slug in add_flags add_tags; do
	rev=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	cat >"$demo/work/migrations/versions/${rev}_$slug.py" <<PY
"""$slug

Revision ID: $rev
Revises: $head
Create Date: 2024-06-01 00:00:00
"""
revision = '$rev'
down_revision = '$head'
PY
done
git -C "$demo/work" add -A
git -C "$demo/work" commit -qm "two parallel migrations"
git -C "$demo/work" push origin main 2>&1 | sed 's/^/    /' || true

say "daemon log"
sed 's/^/    /' "$demo/revguardd.log"

say "the decision log: revguard decisions --db $demo/decisions.db"
"$top/revguard" decisions --db "$demo/decisions.db" | sed 's/^/    /'
say "the page: http://127.0.0.1:$port/ (metrics: /metrics, API: /api/v1/decisions)"
if [ "${DEMO_EXIT:-0}" = 1 ]; then
	exit 0
fi
say "revguardd is still running; push more from $demo/work (Ctrl-C stops)"
wait $daemon
