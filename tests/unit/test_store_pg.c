/*
 * test_store_pg.c: the shared store suite (store_suite.c) on PostgreSQL,
 * and what only this backend has: the (node, seq) key that makes a
 * batch sent twice store nothing twice, a different decision under a
 * taken key refused by name, the shipped mark, the schema version, and
 * no password in the connection string.  REVGUARD_TEST_PG is the
 * conninfo of a throwaway server (tests/integration/19-postgres.sh
 * starts one); each test starts from an empty database.
 */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/store_pg.h"
#include "store_suite.h"

static char	 err[1024];

/* Runs sql on a connection of its own; the first value or NULL. */
static char *
raw(const char *sql)
{
	const char	*ci = getenv("REVGUARD_TEST_PG");
	PGconn		*c = PQconnectdb(ci);
	PGresult	*r;
	char		*v = NULL;

	cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
	r = PQexec(c, sql);
	cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
	    PQresultErrorMessage(r));
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
		v = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return v;
}

static void
drop_all(void)
{
	raw("DROP TABLE IF EXISTS revguard_diags, revguard_refs, "
	    "revguard_decisions, revguard_nodes, revguard_schema CASCADE");
}

struct store *
suite_store_open(void)
{
	const char	*ci = getenv("REVGUARD_TEST_PG");
	struct store	*s;

	if (ci == NULL || *ci == '\0')
		return NULL;
	drop_all();
	s = store_pg_open(ci, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	return s;
}

void
suite_store_cleanup(void)
{
}

static struct store *
open_or_skip(void)
{
	struct store	*s = suite_store_open();

	if (s == NULL)
		cr_skip_test("REVGUARD_TEST_PG is not set");
	return s;
}

static struct store_decision
one(const char *node, long long seq, long long time_ms)
{
	static struct store_ref		 ref = { "refs/heads/main", "1", "2",
					    "accept", "checked", NULL };
	static struct store_diag	 diag = { 0, "multiple-heads", "error",
					    "a.py", 3, "abc", "two heads", 0 };
	struct store_decision		 d;

	memset(&d, 0, sizeof(d));
	d.node = (char *)node;
	d.seq = seq;
	d.time_ms = time_ms;
	d.repository = "/srv/git/a.git";
	d.verdict = STORE_ACCEPT;
	d.mode = "enforce";
	d.refs = &ref;
	d.nrefs = 1;
	d.diags = &diag;
	d.ndiags = 1;
	return d;
}

static long long
count(const char *sql)
{
	char		*v = raw(sql);
	long long	 n = v != NULL ? strtoll(v, NULL, 10) : -1;

	free(v);
	return n;
}

Test(pg, a_batch_sent_twice_is_stored_once)
{
	struct store		*s = open_or_skip();
	struct store_decision	 ds[3];
	long long		 mark;
	int			 i;

	for (i = 0; i < 3; i++)
		ds[i] = one("git-01", 10 + i, 1000 + i);
	cr_assert_eq(store_pg_put_batch(s, ds, 3, err, sizeof(err)), 0, "%s",
	    err);
	/* The answer was lost: the shipper sends it all again. */
	cr_assert_eq(store_pg_put_batch(s, ds, 3, err, sizeof(err)), 0, "%s",
	    err);
	cr_assert_eq(count("SELECT count(*) FROM revguard_decisions"), 3);
	cr_assert_eq(count("SELECT count(*) FROM revguard_refs"), 3);
	cr_assert_eq(count("SELECT count(*) FROM revguard_diags"), 3);
	cr_assert_eq(store_pg_shipped(s, "git-01", &mark, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(mark, 12);
	cr_assert_eq(store_pg_shipped(s, "git-02", &mark, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(mark, 0);
	/* Another node's seq 10 is another decision. */
	ds[0] = one("git-02", 10, 1000);
	cr_assert_eq(store_put(s, &ds[0], err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(count("SELECT count(*) FROM revguard_decisions"), 4);
	store_close(s);
}

Test(pg, a_different_decision_under_a_taken_key_is_refused)
{
	struct store		*s = open_or_skip();
	struct store_decision	 d = one("git-01", 7, 1000);

	cr_assert_eq(store_put(s, &d, err, sizeof(err)), 0, "%s", err);
	d = one("git-01", 7, 2000);
	cr_assert_eq(store_put(s, &d, err, sizeof(err)), -1);
	cr_assert(strstr(err, "`git-01`") != NULL && strstr(err, "seq 7") !=
	    NULL && strstr(err, "share this name") != NULL, "%s", err);
	cr_assert_eq(count("SELECT time_ms FROM revguard_decisions"), 1000);
	store_close(s);
}

Test(pg, a_failed_batch_stores_nothing)
{
	struct store		*s = open_or_skip();
	struct store_decision	 ds[3];
	long long		 mark;

	ds[0] = one("git-01", 1, 1000);
	cr_assert_eq(store_put(s, &ds[0], err, sizeof(err)), 0, "%s", err);
	ds[0] = one("git-01", 2, 1001);
	ds[1] = one("git-01", 3, 1002);
	ds[2] = one("git-01", 1, 9999);		/* the conflict */
	cr_assert_eq(store_pg_put_batch(s, ds, 3, err, sizeof(err)), -1);
	cr_assert_eq(count("SELECT count(*) FROM revguard_decisions"), 1);
	cr_assert_eq(store_pg_shipped(s, "git-01", &mark, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(mark, 1, "the mark moved with a failed batch");
	/* The store is still usable. */
	cr_assert_eq(store_pg_put_batch(s, ds, 2, err, sizeof(err)), 0, "%s",
	    err);
	cr_assert_eq(count("SELECT count(*) FROM revguard_decisions"), 3);
	store_close(s);
}

Test(pg, invalid_utf8_is_stored_escaped_not_refused)
{
	struct store		*s = open_or_skip();
	struct store_decision	 d = one("git-01", 0, 1000);
	struct store_filter	 f = { 0 };
	struct store_page	 p;

	d.pusher = "eve\xff\xfe";
	d.repository = "/srv/git/\xc3(.git";
	cr_assert_eq(store_put(s, &d, err, sizeof(err)), 0, "%s", err);
	f.pusher = d.pusher;	/* the filter is escaped the same way */
	cr_assert_eq(store_query(s, &f, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(p.ndecisions, 1);
	cr_assert_str_eq(p.decisions[0].pusher, "eve\\xff\\xfe");
	cr_assert_str_eq(p.decisions[0].repository, "/srv/git/\\xc3(.git");
	store_page_clear(&p);
	store_close(s);
}

Test(pg, schema_version_is_recorded_and_a_newer_one_refused)
{
	struct store	*s = open_or_skip();

	store_close(s);
	cr_assert_eq(count("SELECT version FROM revguard_schema"),
	    STORE_PG_SCHEMA);
	/* Opening again keeps what is there. */
	cr_assert_not_null(s = store_pg_open(getenv("REVGUARD_TEST_PG"), err,
	    sizeof(err)), "%s", err);
	store_close(s);
	cr_assert_eq(count("SELECT count(*) FROM revguard_schema"), 1);
	free(raw("UPDATE revguard_schema SET version = 99"));
	cr_assert_null(store_pg_open(getenv("REVGUARD_TEST_PG"), err,
	    sizeof(err)));
	cr_assert(strstr(err, "schema version 99") != NULL && strstr(err,
	    "upgrade revguard") != NULL, "%s", err);
}

Test(pg, a_password_in_the_conninfo_is_refused)
{
	cr_assert_null(store_pg_open("host=/nonexistent password=hunter2",
	    err, sizeof(err)));
	cr_assert(strstr(err, "passfile") != NULL, "%s", err);
	cr_assert(strstr(err, "hunter2") == NULL, "the error shows it: %s",
	    err);
	cr_assert_null(store_pg_open("postgresql://u:hunter2@/db", err,
	    sizeof(err)));
	cr_assert(strstr(err, "passfile") != NULL, "%s", err);
	cr_assert_null(store_pg_open("host='unterminated", err, sizeof(err)));
	cr_assert(strstr(err, "connection string") != NULL, "%s", err);
}

Test(pg, a_server_that_is_down_is_an_error_then_lazy_store_recovers)
{
	struct store		*s;
	struct store_decision	 d = one("git-01", 1, 1000);

	cr_assert_null(store_pg_open("host=/nonexistent port=1 "
	    "connect_timeout=2", err, sizeof(err)));
	cr_assert(strstr(err, "cannot connect") != NULL, "%s", err);
	cr_assert_not_null(s = store_pg_open_lazy("host=/nonexistent port=1",
	    err, sizeof(err)), "%s", err);
	cr_assert_eq(store_put(s, &d, err, sizeof(err)), -1);
	cr_assert_eq(store_pg_connected(s), 0);
	store_close(s);
}

Test(pg, a_read_after_the_connection_broke_reconnects)
{
	struct store		*s = open_or_skip();
	struct store_decision	 d = one("git-01", 1, 1000);
	struct store_filter	 f = { 0 };
	struct store_page	 p;
	struct store_repo_list	 l;

	cr_assert_eq(store_put(s, &d, err, sizeof(err)), 0, "%s", err);
	/* As a server restart does to every open connection. */
	free(raw("SELECT count(pg_terminate_backend(pid)) FROM "
	    "pg_stat_activity WHERE application_name = 'revguard'"));
	cr_assert_eq(store_query(s, &f, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(p.ndecisions, 1);
	store_page_clear(&p);
	free(raw("SELECT count(pg_terminate_backend(pid)) FROM "
	    "pg_stat_activity WHERE application_name = 'revguard'"));
	cr_assert_eq(store_repos(s, &l, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(l.nrepos, 1);
	store_repo_list_clear(&l);
	store_close(s);
}

Test(pg, a_user_without_create_rights_uses_an_existing_schema)
{
	struct store		*s = open_or_skip();
	struct store_decision	 d = one("git-01", 0, 1000);
	char			 ci[1024];

	store_close(s);
	free(raw("DROP ROLE IF EXISTS rg_limited"));
	free(raw("CREATE ROLE rg_limited"));
	free(raw("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN "
	    "SCHEMA public TO rg_limited"));
	/* The session runs as that role: what a node's own user would be. */
	snprintf(ci, sizeof(ci), "%s options='-c role=rg_limited'",
	    getenv("REVGUARD_TEST_PG"));
	s = store_pg_open(ci, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	cr_assert_eq(store_put(s, &d, err, sizeof(err)), 0, "%s", err);
	store_close(s);
	free(raw("DROP OWNED BY rg_limited"));
	free(raw("DROP ROLE rg_limited"));
}
