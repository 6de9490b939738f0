/*
 * test_store_sqlite.c: the shared store suite (store_suite.c) on SQLite,
 * and what only the SQLite backend has: the file, its schema version,
 * WAL, read-only opening, and the cursor and copy helpers of store.c.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_suite.h"

static char	 dir[64], path[128];

struct store *
suite_store_open(void)
{
	char		 err[1024];
	struct store	*s;

	snprintf(dir, sizeof(dir), "/tmp/revguard-store.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/decisions.db", dir);
	s = store_sqlite_open(path, err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	return s;
}

void
suite_store_cleanup(void)
{
	char	 cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static char	 err[1024];

static void
raw_exec(const char *sql)
{
	sqlite3	*db;

	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
}

Test(sqlite, wal_and_schema_version)
{
	struct store	*s = suite_store_open();
	sqlite3		*db;
	sqlite3_stmt	*q;

	store_close(s);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q,
	    NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	sqlite3_close(db);
	/* Opening again keeps what is there. */
	cr_assert_not_null(s = store_sqlite_open(path, err, sizeof(err)),
	    "%s", err);
	store_close(s);
	suite_store_cleanup();
}

Test(sqlite, a_future_schema_is_refused_by_name)
{
	struct store	*s = suite_store_open();

	store_close(s);
	raw_exec("UPDATE meta SET value = '99' WHERE key = 'schema'");
	cr_assert_null(store_sqlite_open(path, err, sizeof(err)));
	cr_assert(strstr(err, path) != NULL, "%s", err);
	cr_assert(strstr(err, "schema version 99") != NULL, "%s", err);
	cr_assert(strstr(err, "upgrade revguard") != NULL, "%s", err);
	suite_store_cleanup();
}

Test(sqlite, not_a_database_or_not_ours)
{
	FILE	*f;

	store_close(suite_store_open());	/* makes dir */
	snprintf(path, sizeof(path), "%s/text", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs("this is not a database, but it is long enough to have a "
	    "header of one hundred bytes or more, surely, yes it does.\n", f);
	fclose(f);
	cr_assert_null(store_sqlite_open(path, err, sizeof(err)));
	cr_assert(strstr(err, path) != NULL, "%s", err);
	snprintf(path, sizeof(path), "%s/other.db", dir);
	raw_exec("CREATE TABLE t (x)");
	cr_assert_null(store_sqlite_open(path, err, sizeof(err)));
	cr_assert(strstr(err, "not a revguard decision log") != NULL, "%s",
	    err);
	suite_store_cleanup();
}

Test(sqlite, readonly_never_creates)
{
	struct store	*s;

	store_close(suite_store_open());
	snprintf(path, sizeof(path), "%s/none.db", dir);
	cr_assert_null(store_sqlite_open_flags(path, STORE_SQLITE_READONLY,
	    err, sizeof(err)));
	cr_assert(strstr(err, "none.db") != NULL, "%s", err);
	cr_assert_neq(access(path, F_OK), 0, "the file was created");
	snprintf(path, sizeof(path), "%s/decisions.db", dir);
	cr_assert_not_null(s = store_sqlite_open_flags(path,
	    STORE_SQLITE_READONLY, err, sizeof(err)), "%s", err);
	store_close(s);
	suite_store_cleanup();
}

Test(sqlite, cursor_round_trip)
{
	struct store_decision	 d = { 0 };
	char			*c, node[300];
	long long		 t, seq;

	d.time_ms = 1700000000123LL;
	d.seq = 42;
	d.node = "git-01.example.com";
	cr_assert_not_null(c = store_cursor_encode(&d));
	cr_assert_eq(store_cursor_decode(c, &t, &seq, node, sizeof(node), err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(t, d.time_ms);
	cr_assert_eq(seq, 42);
	cr_assert_str_eq(node, d.node);
	cr_assert_eq(store_cursor_decode(c, &t, &seq, node, 5, err,
	    sizeof(err)), -1, "a node longer than the buffer");
	free(c);
}

Test(sqlite, copy_and_clear)
{
	struct store_ref	 r = { "refs/heads/main", "1", "2", "accept",
				    "checked", NULL };
	struct store_decision	 d = { 0 }, e;

	d.node = "n";
	d.repository = "/r";
	d.verdict = "accept";
	d.refs = &r;
	d.nrefs = 1;
	cr_assert_eq(store_decision_copy(&e, &d), 0);
	cr_assert_str_eq(e.refs[0].ref, "refs/heads/main");
	cr_assert_neq(e.refs[0].ref, r.ref);
	store_decision_clear(&e);
	store_decision_clear(NULL);
	store_page_clear(NULL);
	store_repo_list_clear(NULL);
}

static long long
raw_count(const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*q;
	long long	 n;

	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

Test(sqlite, prune_leaves_no_orphans)
{
	struct store_ref	 r = { "refs/heads/main", "1", "2", "reject",
				    "checked", NULL };
	struct store_diag	 g[2] = {
		{ 0, "single-head", "error", NULL, 0, NULL, "two heads", 0 },
		{ 0, "single-head", "error", NULL, 0, NULL, "again", 0 },
	};
	struct store_decision	 d = { 0 };
	struct store		*s = suite_store_open();
	int			 i;

	d.node = "n";
	d.repository = "/r";
	d.verdict = "reject";
	d.refs = &r;
	d.nrefs = 1;
	d.diags = g;
	d.ndiags = 2;
	for (i = 0; i < 10; i++) {
		d.seq = 0;
		d.time_ms = i;
		cr_assert_eq(store_put(s, &d, err, sizeof(err)), 0, "%s", err);
	}
	cr_assert_eq(raw_count("SELECT count(*) FROM rule_hits"), 10,
	    "one hit per decision and rule");
	cr_assert_eq(store_prune(s, 100, 95, 0, 100, err, sizeof(err)), 5);
	store_close(s);
	cr_assert_eq(raw_count("SELECT count(*) FROM decisions"), 5);
	cr_assert_eq(raw_count("SELECT count(*) FROM refs"), 5);
	cr_assert_eq(raw_count("SELECT count(*) FROM diags"), 10);
	cr_assert_eq(raw_count("SELECT count(*) FROM rule_hits"), 5);
	cr_assert_eq(raw_count("SELECT sum(n) FROM repo_counts"), 5);
	suite_store_cleanup();
}
