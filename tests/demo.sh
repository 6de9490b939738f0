#!/bin/sh
# demo.sh: a minute-long tour.  Builds a demo repository with a good
# history, then commits a hand-picked migration ID on top and shows
# revguard rejecting it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
demo=${DEMO_DIR:-$(mktemp -d /tmp/revguard-demo.XXXXXX)}
py=/usr/bin/python3

echo "== demo repository in $demo"
$py "$top/tests/gen_fixtures.py" repo "$demo/app" --count 40 --commits 2 \
    --seed 7 >/dev/null
echo "== revguard check on the good history"
"$top/revguard" check --repo "$demo/app" || true
echo
echo "== a migration with a hand-picked ID on top"
head=$("$top/revguard" heads --repo "$demo/app" | cut -d' ' -f1)
cat >"$demo/app/migrations/versions/a1b2c3d4e5f6_add_flags.py" <<PY
"""add flags

Revision ID: a1b2c3d4e5f6
Revises: $head
Create Date: 2024-06-01 00:00:00
"""
revision = 'a1b2c3d4e5f6'
down_revision = '$head'
PY
git -C "$demo/app" add -A
git -C "$demo/app" -c user.name=demo -c user.email=demo@example.invalid \
    commit -qm "add flags"
"$top/revguard" check --repo "$demo/app" || echo "(exit $?: rejected)"
