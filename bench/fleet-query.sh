#!/bin/sh
# bench/fleet-query.sh: a page of 100 out of 1,000,000 decisions from the
# fleet's PostgreSQL store (a throwaway server, tests/integration/pglib.sh)
#   make bench/fleet-query && bench/fleet-query.sh
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/pglib.sh"
bin=${top_builddir:-$top_srcdir}/bench/fleet-query
pg_init && pg_start || exit 1
"$bin" "$PG_CONNINFO" >/dev/null || exit 1	# creates the schema
# Three nodes, 50 repositories, 200 pushers, a push every 7 s; one in ten
# rejected with a diagnostic (20 of a rare rule); one in 100 on a release
# branch.
pg_psql "INSERT INTO revguard_decisions (node, seq, time_ms, repository,
    mode, source, pusher, verdict, duration_ms, version, config_digest)
    SELECT 'n' || (g % 3), g, 1700000000000 + g::bigint * 7000,
    '/srv/git/r' || (g % 50) || '.git', 'enforce', 'daemon', 'u' || (g % 200),
    CASE WHEN g % 10 = 0 THEN 'reject' ELSE 'accept' END, 3, '0.1', 'x'
    FROM generate_series(1, 1000000) g" || exit 1
pg_psql "INSERT INTO revguard_refs (node, seq, idx, ref, old_id, new_id,
    verdict, outcome) SELECT node, seq, 0, CASE WHEN seq % 100 = 0 THEN
    'refs/heads/release/' || (seq % 7) ELSE 'refs/heads/main' END, 'a', 'b',
    verdict, 'checked' FROM revguard_decisions" || exit 1
pg_psql "INSERT INTO revguard_diags (node, seq, idx, ref_idx, rule,
    severity, message) SELECT node, seq, 0, 0, CASE WHEN seq % 50000 = 0
    THEN 'rare-rule' ELSE 'single-head' END, 'error', 'm'
    FROM revguard_decisions WHERE verdict = 'reject'" || exit 1
pg_psql "ANALYZE" || exit 1
"$bin" "$PG_CONNINFO"
