/*
 * test_shipper.c: the shipper thread between a real SQLite log
 * (store_sqlite.c) and a real PostgreSQL server (REVGUARD_TEST_PG, as
 * 19-postgres.sh provides): everything once, resumed from the mark after
 * a restart, counted while PostgreSQL cannot be reached, a reset local
 * log reported instead of dropped, retention, and the API's view
 * (store_fleet.c) of the fleet or, while PostgreSQL is down, the node.
 */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "revguard/shipper.h"
#include "revguard/store.h"
#include "revguard/store_pg.h"

static char	 err[1024], dir[64], path[128];

static const char *
conninfo(void)
{
	const char	*ci = getenv("REVGUARD_TEST_PG");

	if (ci == NULL || *ci == '\0')
		cr_skip_test("REVGUARD_TEST_PG is not set");
	return ci;
}

static long long
pg_count(const char *sql)
{
	PGconn		*c = PQconnectdb(conninfo());
	PGresult	*r;
	long long	 n;

	cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
	r = PQexec(c, sql);
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s",
	    PQresultErrorMessage(r));
	n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(c);
	return n;
}

static void
setup(void)
{
	PGconn	*c;

	if (getenv("REVGUARD_TEST_PG") == NULL)
		return;
	c = PQconnectdb(getenv("REVGUARD_TEST_PG"));
	PQclear(PQexec(c, "DROP TABLE IF EXISTS revguard_diags, "
	    "revguard_refs, revguard_decisions, revguard_nodes, "
	    "revguard_schema CASCADE"));
	PQfinish(c);
	snprintf(dir, sizeof(dir), "/tmp/revguard-shipper.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/decisions.db", dir);
}

static void
teardown(void)
{
	char	 cmd[256];

	if (dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		(void)system(cmd);
	}
}

TestSuite(shipper, .init = setup, .fini = teardown);

static void
put_n(struct store *s, const char *node, int n, long long t0)
{
	struct store_ref	 ref = { "refs/heads/main", "1", "2", "accept",
				    "checked", NULL };
	int			 i;

	for (i = 0; i < n; i++) {
		struct store_decision	 d;

		memset(&d, 0, sizeof(d));
		d.node = (char *)node;
		d.time_ms = t0 + i;
		d.repository = "/srv/git/a.git";
		d.verdict = STORE_ACCEPT;
		d.refs = &ref;
		d.nrefs = 1;
		cr_assert_eq(store_put(s, &d, err, sizeof(err)), 0, "%s", err);
	}
}

/* Waits up to 10 s for the shipper to have shipped want in all. */
static void
wait_shipped(struct shipper *sh, unsigned long want,
    struct shipper_state *st)
{
	int	 i;

	for (i = 0; i < 200; i++) {
		shipper_state(sh, st);
		if (st->shipped >= want && st->pending == 0)
			return;
		usleep(50000);
	}
	cr_assert_fail("shipped %lu of %lu, %lld pending, pg %s: %s",
	    st->shipped, want, st->pending, shipper_pg_name(st->pg),
	    st->error);
}

static struct shipper *
start(const char *ci, const char *node)
{
	struct shipper_opts	 o;
	struct shipper		*sh;

	memset(&o, 0, sizeof(o));
	o.sqlite_path = path;
	o.conninfo = ci;
	o.node = node;
	o.batch = 100;
	cr_assert_not_null(sh = shipper_start(&o, err, sizeof(err)), "%s",
	    err);
	return sh;
}

Test(shipper, ships_everything_once_and_resumes_from_its_mark)
{
	const char		*ci = conninfo();
	struct store		*s = store_sqlite_open(path, err, sizeof(err));
	struct shipper		*sh;
	struct shipper_state	 st;

	cr_assert_not_null(s, "%s", err);
	put_n(s, "git-01", 450, 1000);
	sh = start(ci, "git-01");
	wait_shipped(sh, 450, &st);
	cr_assert_eq(st.pg, SHIPPER_PG_UP);
	cr_assert_geq(st.batches, 5, "batches of 100: %lu", st.batches);
	put_n(s, "git-01", 5, 5000);
	shipper_kick(sh);
	wait_shipped(sh, 455, &st);
	shipper_stop(sh);
	cr_assert_eq(pg_count("SELECT count(*) FROM revguard_decisions"),
	    455);
	cr_assert_eq(pg_count("SELECT count(*) FROM revguard_refs"), 455);
	/* Restarted: nothing to send again. */
	put_n(s, "git-01", 1, 6000);
	sh = start(ci, "git-01");
	wait_shipped(sh, 1, &st);
	usleep(300000);
	shipper_state(sh, &st);
	cr_assert_eq(st.shipped, 1, "sent again after a restart: %lu",
	    st.shipped);
	shipper_stop(sh);
	cr_assert_eq(pg_count("SELECT count(*) FROM revguard_decisions"),
	    456);
	store_close(s);
}

Test(shipper, an_unreachable_server_is_counted_and_stop_is_prompt)
{
	struct store		*s;
	struct shipper		*sh;
	struct shipper_state	 st;
	struct timespec		 t0, t1;
	int			 i;

	(void)conninfo();
	cr_assert_not_null(s = store_sqlite_open(path, err, sizeof(err)),
	    "%s", err);
	put_n(s, "git-01", 7, 1000);
	sh = start("host=/nonexistent port=1", "git-01");
	for (i = 0; i < 100; i++) {
		shipper_state(sh, &st);
		if (st.pg == SHIPPER_PG_DOWN && st.pending == 7)
			break;
		usleep(50000);
	}
	cr_assert_eq(st.pg, SHIPPER_PG_DOWN, "%s", shipper_pg_name(st.pg));
	cr_assert_eq(st.pending, 7);
	cr_assert_gt(st.lag_ms, 0);
	cr_assert(strstr(st.error, "cannot connect") != NULL, "%s", st.error);
	cr_assert_eq(st.shipped, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	shipper_stop(sh);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 2, "stop waited out a backoff");
	store_close(s);
}

Test(shipper, a_reset_local_log_is_reported_not_dropped)
{
	const char		*ci = conninfo();
	struct store		*s;
	struct shipper		*sh;
	struct shipper_state	 st;
	char			 cmd[512];
	int			 i;

	cr_assert_not_null(s = store_sqlite_open(path, err, sizeof(err)),
	    "%s", err);
	put_n(s, "git-01", 3, 1000);
	sh = start(ci, "git-01");
	wait_shipped(sh, 3, &st);
	shipper_stop(sh);
	store_close(s);
	/* A new, empty log under the same node name. */
	snprintf(cmd, sizeof(cmd), "rm -f '%s' '%s-wal' '%s-shm'", path, path,
	    path);
	cr_assert_eq(system(cmd), 0);
	cr_assert_not_null(s = store_sqlite_open(path, err, sizeof(err)),
	    "%s", err);
	put_n(s, "git-01", 2, 9000);
	sh = start(ci, "git-01");
	for (i = 0; i < 100; i++) {
		shipper_state(sh, &st);
		if (st.pg == SHIPPER_PG_DOWN)
			break;
		usleep(50000);
	}
	shipper_stop(sh);
	cr_assert_eq(st.pg, SHIPPER_PG_DOWN, "%s", shipper_pg_name(st.pg));
	cr_assert(strstr(st.error, "share this name") != NULL, "%s",
	    st.error);
	cr_assert_eq(st.pending, 2);
	cr_assert_eq(pg_count("SELECT count(*) FROM revguard_decisions WHERE "
	    "time_ms >= 9000"), 0);
	cr_assert_eq(pg_count("SELECT count(*) FROM revguard_decisions"), 3);
	store_close(s);
}

Test(shipper, applies_the_retention_to_postgresql_when_idle)
{
	const char		*ci = conninfo();
	struct store		*s;
	struct shipper_opts	 o;
	struct shipper		*sh;
	struct shipper_state	 st;
	int			 i;

	cr_assert_not_null(s = store_sqlite_open(path, err, sizeof(err)),
	    "%s", err);
	put_n(s, "git-01", 20, 1000);
	memset(&o, 0, sizeof(o));
	o.sqlite_path = path;
	o.conninfo = ci;
	o.node = "git-01";
	o.max_rows = 5;
	cr_assert_not_null(sh = shipper_start(&o, err, sizeof(err)), "%s",
	    err);
	wait_shipped(sh, 20, &st);
	for (i = 0; i < 100 && pg_count("SELECT count(*) FROM "
	    "revguard_decisions") != 5; i++)
		usleep(50000);
	shipper_stop(sh);
	cr_assert_eq(pg_count("SELECT count(*) FROM revguard_decisions"), 5);
	cr_assert_eq(pg_count("SELECT min(time_ms) FROM revguard_decisions"),
	    1015, "the newest are kept");
	store_close(s);
}

static size_t
query_count(struct store *s)
{
	struct store_filter	 f = { 0 };
	struct store_page	 p;
	size_t			 n;

	f.limit = 1000;
	cr_assert_eq(store_query(s, &f, &p, err, sizeof(err)), 0, "%s", err);
	n = p.ndecisions;
	store_page_clear(&p);
	return n;
}

Test(shipper, the_api_view_reads_the_fleet_or_the_local_log)
{
	const char		*ci = conninfo();
	struct store		*s, *view, *pg;
	struct shipper		*sh;
	struct shipper_state	 st;
	int			 i;

	cr_assert_not_null(s = store_sqlite_open(path, err, sizeof(err)),
	    "%s", err);
	put_n(s, "git-01", 3, 1000);
	/* Another node's decisions, already in PostgreSQL. */
	cr_assert_not_null(pg = store_pg_open(ci, err, sizeof(err)), "%s",
	    err);
	put_n(pg, "git-02", 4, 2000);
	store_close(pg);
	sh = start(ci, "git-01");
	cr_assert_not_null(view = store_fleet_new(sh, s, ci, err,
	    sizeof(err)), "%s", err);
	wait_shipped(sh, 3, &st);
	cr_assert_eq(query_count(view), 7, "the whole fleet");
	cr_assert_eq(store_put(view, &(struct store_decision){ 0 }, err,
	    sizeof(err)), -1, "the view is read-only");
	store_close(view);
	shipper_stop(sh);
	/* PostgreSQL unreachable: this node's own log answers. */
	sh = start("host=/nonexistent port=1", "git-01");
	cr_assert_not_null(view = store_fleet_new(sh, s,
	    "host=/nonexistent port=1", err, sizeof(err)), "%s", err);
	for (i = 0; i < 100; i++) {
		shipper_state(sh, &st);
		if (st.pg == SHIPPER_PG_DOWN)
			break;
		usleep(50000);
	}
	cr_assert_eq(query_count(view), 3, "the local log");
	store_close(view);
	shipper_stop(sh);
	store_close(s);
}
