#!/bin/sh
# bench/fleet-ship.sh [N]: the shipper's catch-up speed (docs/fleet.md)
# against a throwaway PostgreSQL server (tests/integration/pglib.sh).
#   make bench/fleet-ship && bench/fleet-ship.sh 10000
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/pglib.sh"
pg_init && pg_start || exit 1
# The throwaway server runs with fsync=off; commits are one per batch.
"${top_builddir:-$top_srcdir}/bench/fleet-ship" "$PG_CONNINFO" "$T/b.db" \
    "${1:-10000}"
