/*
 * store_sqlite.c: the decision log in a local SQLite database, the
 * default backend.  WAL mode: the daemon writes while `revguard
 * decisions` and the HTTP API read.  Each decision is one transaction
 * (the decision, its refs and its diagnostics), committed before
 * store_put returns; with synchronous=FULL (the default) that commit has
 * reached the disk, with NORMAL it survives a crash of the process but
 * not of the machine (docs/decisions.md says exactly what each keeps).
 *
 * The order of a page, newest first, is (time_ms, node, seq) descending,
 * and the cursor is that triple, so a page never repeats or skips a
 * decision while new ones arrive.  Every filter has an index that ends in
 * that order.  repo_counts keeps the counts by repository and verdict up
 * to date with triggers, so store_repos and pruning by row count never
 * count a million rows.
 */
#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "revguard/store.h"
#include "revguard/store_sqlite.h"

#define SCHEMA_VERSION		1
/* PRAGMA application_id: "RVGD". */
#define APPLICATION_ID		0x52564744
/* How long a writer waits for another one (a second daemon, a prune). */
#define BUSY_TIMEOUT_MS		2000

struct store_sqlite {
	struct store	 store;		/* first */
	sqlite3		*db;
	char		*path;
	sqlite3_stmt	*ins_decision, *ins_ref, *ins_diag, *ins_hit;
	sqlite3_stmt	*sel_refs, *sel_diags;
};

static const char *const schema[] = {
	"CREATE TABLE IF NOT EXISTS meta ("
	"  key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	/* AUTOINCREMENT: a seq is never reused once pruned, so node + seq
	 * stays a key for whoever copied the decision elsewhere. */
	"CREATE TABLE IF NOT EXISTS decisions ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  node TEXT NOT NULL,"
	"  time_ms INTEGER NOT NULL,"
	"  repository TEXT NOT NULL,"
	"  mode TEXT, source TEXT, pusher TEXT, pusher_env TEXT,"
	"  verdict TEXT NOT NULL, error TEXT, bypass_reason TEXT,"
	"  duration_ms INTEGER NOT NULL DEFAULT 0,"
	"  version TEXT, config_digest TEXT)",
	"CREATE INDEX IF NOT EXISTS decisions_time ON decisions"
	"  (time_ms, node, seq)",
	"CREATE INDEX IF NOT EXISTS decisions_repo ON decisions"
	"  (repository, time_ms, node, seq)",
	"CREATE INDEX IF NOT EXISTS decisions_verdict ON decisions"
	"  (verdict, time_ms, node, seq)",
	"CREATE INDEX IF NOT EXISTS decisions_repo_verdict ON decisions"
	"  (repository, verdict, time_ms, node, seq)",
	"CREATE INDEX IF NOT EXISTS decisions_pusher ON decisions"
	"  (pusher, time_ms, node, seq)",
	/* time_ms and node are the decision's, so that a ref or rule
	 * filter walks its own index in page order. */
	"CREATE TABLE IF NOT EXISTS refs ("
	"  decision INTEGER NOT NULL, idx INTEGER NOT NULL,"
	"  ref TEXT NOT NULL, old_id TEXT, new_id TEXT, verdict TEXT,"
	"  outcome TEXT, reason TEXT, time_ms INTEGER NOT NULL,"
	"  node TEXT NOT NULL,"
	"  PRIMARY KEY (decision, idx)) WITHOUT ROWID",
	"CREATE INDEX IF NOT EXISTS refs_ref ON refs"
	"  (ref, time_ms, node, decision)",
	"CREATE TABLE IF NOT EXISTS diags ("
	"  decision INTEGER NOT NULL, idx INTEGER NOT NULL,"
	"  ref_index INTEGER NOT NULL, rule TEXT NOT NULL, severity TEXT,"
	"  file TEXT, line INTEGER, revision TEXT, message TEXT,"
	"  old INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (decision, idx)) WITHOUT ROWID",
	/* Each rule once per decision that has it. */
	"CREATE TABLE IF NOT EXISTS rule_hits ("
	"  rule TEXT NOT NULL, time_ms INTEGER NOT NULL, node TEXT NOT NULL,"
	"  decision INTEGER NOT NULL,"
	"  PRIMARY KEY (rule, time_ms, node, decision)) WITHOUT ROWID",
	"CREATE TABLE IF NOT EXISTS repo_counts ("
	"  repository TEXT NOT NULL, verdict TEXT NOT NULL,"
	"  n INTEGER NOT NULL, last_time_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (repository, verdict)) WITHOUT ROWID",
	"CREATE TRIGGER IF NOT EXISTS decisions_counted AFTER INSERT ON "
	"  decisions BEGIN"
	"  INSERT INTO repo_counts VALUES (new.repository, new.verdict, 1,"
	"    new.time_ms) ON CONFLICT DO UPDATE SET n = n + 1,"
	"    last_time_ms = max(last_time_ms, excluded.last_time_ms);"
	"  END",
	"CREATE TRIGGER IF NOT EXISTS decisions_uncounted AFTER DELETE ON "
	"  decisions BEGIN"
	"  UPDATE repo_counts SET n = n - 1 WHERE repository = old.repository"
	"    AND verdict = old.verdict;"
	"  DELETE FROM repo_counts WHERE repository = old.repository"
	"    AND verdict = old.verdict AND n <= 0;"
	"  DELETE FROM refs WHERE decision = old.seq;"
	/* By its key: the rules are still in diags here. */
	"  DELETE FROM rule_hits WHERE rule IN (SELECT rule FROM diags"
	"    WHERE decision = old.seq) AND time_ms = old.time_ms AND"
	"    node = old.node AND decision = old.seq;"
	"  DELETE FROM diags WHERE decision = old.seq;"
	"  END",
	NULL
};

static void
sq_err(struct store_sqlite *s, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s: %s", s->path, what,
	    sqlite3_errmsg(s->db));
}

static int
exec(struct store_sqlite *s, const char *sql, char *err, size_t errlen)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		sq_err(s, sql, err, errlen);
		return -1;
	}
	return 0;
}

/* One integer from a query; -1 with err on failure. */
static int
query_int(struct store_sqlite *s, const char *sql, long long *out, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_err(s, sql, err, errlen);
		return -1;
	}
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sq_err(s, sql, err, errlen);
		return -1;
	}
	return 0;
}

static int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return v == NULL ? sqlite3_bind_null(st, i) :
	    sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static char *
col_text(sqlite3_stmt *st, int i, int *failed)
{
	const unsigned char	*v = sqlite3_column_text(st, i);
	char			*d;

	if (v == NULL)
		return NULL;
	if ((d = strdup((const char *)v)) == NULL)
		*failed = 1;
	return d;
}

/* Runs a statement that returns no rows; resets it either way. */
static int
step_done(struct store_sqlite *s, sqlite3_stmt *st, const char *what,
    char *err, size_t errlen)
{
	int	 rc = sqlite3_step(st);

	if (rc != SQLITE_DONE) {
		sq_err(s, what, err, errlen);
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

static int
sqlite_put(struct store *store, struct store_decision *d, char *err,
    size_t errlen)
{
	struct store_sqlite	*s = (struct store_sqlite *)store;
	sqlite3_stmt		*st;
	long long		 seq;
	size_t			 i;

	if (d->node == NULL || d->repository == NULL || d->verdict == NULL) {
		snprintf(err, errlen, "%s: a decision needs a node, a "
		    "repository and a verdict", s->path);
		return -1;
	}
	if (exec(s, "BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	st = s->ins_decision;
	if (d->seq > 0)
		sqlite3_bind_int64(st, 1, d->seq);
	else
		sqlite3_bind_null(st, 1);
	bind_text(st, 2, d->node);
	sqlite3_bind_int64(st, 3, d->time_ms);
	bind_text(st, 4, d->repository);
	bind_text(st, 5, d->mode);
	bind_text(st, 6, d->source);
	bind_text(st, 7, d->pusher);
	bind_text(st, 8, d->pusher_env);
	bind_text(st, 9, d->verdict);
	bind_text(st, 10, d->error);
	bind_text(st, 11, d->bypass_reason);
	sqlite3_bind_int64(st, 12, d->duration_ms);
	bind_text(st, 13, d->version);
	bind_text(st, 14, d->config_digest);
	if (step_done(s, st, "recording a decision", err, errlen) == -1)
		goto fail;
	seq = sqlite3_last_insert_rowid(s->db);
	for (i = 0; i < d->nrefs; i++) {
		st = s->ins_ref;
		sqlite3_bind_int64(st, 1, seq);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		bind_text(st, 3, d->refs[i].ref ? d->refs[i].ref : "");
		bind_text(st, 4, d->refs[i].old_id);
		bind_text(st, 5, d->refs[i].new_id);
		bind_text(st, 6, d->refs[i].verdict);
		bind_text(st, 7, d->refs[i].outcome);
		bind_text(st, 8, d->refs[i].reason);
		sqlite3_bind_int64(st, 9, d->time_ms);
		bind_text(st, 10, d->node);
		if (step_done(s, st, "recording a ref", err, errlen) == -1)
			goto fail;
	}
	for (i = 0; i < d->ndiags; i++) {
		st = s->ins_diag;
		sqlite3_bind_int64(st, 1, seq);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)d->diags[i].ref);
		bind_text(st, 4, d->diags[i].rule ? d->diags[i].rule : "");
		bind_text(st, 5, d->diags[i].severity);
		bind_text(st, 6, d->diags[i].file);
		sqlite3_bind_int(st, 7, d->diags[i].line);
		bind_text(st, 8, d->diags[i].revision);
		bind_text(st, 9, d->diags[i].message);
		sqlite3_bind_int(st, 10, d->diags[i].old);
		if (step_done(s, st, "recording a diagnostic", err,
		    errlen) == -1)
			goto fail;
		st = s->ins_hit;
		bind_text(st, 1, d->diags[i].rule ? d->diags[i].rule : "");
		sqlite3_bind_int64(st, 2, d->time_ms);
		bind_text(st, 3, d->node);
		sqlite3_bind_int64(st, 4, seq);
		if (step_done(s, st, "recording a rule", err, errlen) == -1)
			goto fail;
	}
	if (exec(s, "COMMIT", err, errlen) == -1)
		goto fail;
	d->seq = seq;
	return 0;
fail:
	(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
store_sqlite_row(sqlite3_stmt *st, struct store_decision *d)
{
	int	 failed = 0;

	d->seq = sqlite3_column_int64(st, 0);
	d->node = col_text(st, 1, &failed);
	d->time_ms = sqlite3_column_int64(st, 2);
	d->repository = col_text(st, 3, &failed);
	d->mode = col_text(st, 4, &failed);
	d->source = col_text(st, 5, &failed);
	d->pusher = col_text(st, 6, &failed);
	d->pusher_env = col_text(st, 7, &failed);
	d->verdict = col_text(st, 8, &failed);
	d->error = col_text(st, 9, &failed);
	d->bypass_reason = col_text(st, 10, &failed);
	d->duration_ms = sqlite3_column_int64(st, 11);
	d->version = col_text(st, 12, &failed);
	d->config_digest = col_text(st, 13, &failed);
	return failed ? -1 : 0;
}

int
store_sqlite_details(sqlite3_stmt *refs, sqlite3_stmt *diags,
    struct store_decision *d, int *oom)
{
	void	*grown;
	int	 rc, failed = 0;

	*oom = 0;
	sqlite3_bind_int64(refs, 1, d->seq);
	while ((rc = sqlite3_step(refs)) == SQLITE_ROW) {
		struct store_ref	*r;

		if ((grown = reallocarray(d->refs, d->nrefs + 1,
		    sizeof(*d->refs))) == NULL) {
			failed = 1;
			break;
		}
		d->refs = grown;
		r = &d->refs[d->nrefs++];
		memset(r, 0, sizeof(*r));
		r->ref = col_text(refs, 0, &failed);
		r->old_id = col_text(refs, 1, &failed);
		r->new_id = col_text(refs, 2, &failed);
		r->verdict = col_text(refs, 3, &failed);
		r->outcome = col_text(refs, 4, &failed);
		r->reason = col_text(refs, 5, &failed);
	}
	sqlite3_reset(refs);
	if (failed || (rc != SQLITE_ROW && rc != SQLITE_DONE))
		goto fail;
	sqlite3_bind_int64(diags, 1, d->seq);
	while ((rc = sqlite3_step(diags)) == SQLITE_ROW) {
		struct store_diag	*g;

		if ((grown = reallocarray(d->diags, d->ndiags + 1,
		    sizeof(*d->diags))) == NULL) {
			failed = 1;
			break;
		}
		d->diags = grown;
		g = &d->diags[d->ndiags++];
		memset(g, 0, sizeof(*g));
		g->ref = (size_t)sqlite3_column_int64(diags, 0);
		g->rule = col_text(diags, 1, &failed);
		g->severity = col_text(diags, 2, &failed);
		g->file = col_text(diags, 3, &failed);
		g->line = sqlite3_column_int(diags, 4);
		g->revision = col_text(diags, 5, &failed);
		g->message = col_text(diags, 6, &failed);
		g->old = sqlite3_column_int(diags, 7) != 0;
	}
	sqlite3_reset(diags);
	if (failed || (rc != SQLITE_ROW && rc != SQLITE_DONE))
		goto fail;
	return 0;
fail:
	*oom = failed;
	return -1;
}

/* Reads a decision's refs and diagnostics into d. */
static int
load_details(struct store_sqlite *s, struct store_decision *d, char *err,
    size_t errlen)
{
	int	 oom;

	if (store_sqlite_details(s->sel_refs, s->sel_diags, d, &oom) == 0)
		return 0;
	if (oom)
		snprintf(err, errlen, "out of memory");
	else
		sq_err(s, "reading a decision", err, errlen);
	return -1;
}

static int
sqlite_query(struct store *store, const struct store_filter *f,
    struct store_page *page, char *err, size_t errlen)
{
	struct store_sqlite	*s = (struct store_sqlite *)store;
	sqlite3_stmt		*st = NULL;
	char			 sql[2048], node[512];
	const char		*key, *order;
	long long		 c_time = 0, c_seq = 0;
	size_t			 limit = store_filter_limit(f), n = 0;
	int			 rc, i = 0, failed = 0, off;

	if (f->cursor != NULL && store_cursor_decode(f->cursor, &c_time,
	    &c_seq, node, sizeof(node), err, errlen) == -1)
		return -1;
	/*
	 * A ref or rule filter walks that table's index in page order
	 * (k.time_ms, k.node, k.decision) and joins the decision; without
	 * one, the decisions' own indexes do.
	 */
	if (f->ref != NULL)
		key = "refs k JOIN decisions d ON d.seq = k.decision WHERE "
		    "k.ref = :ref";
	else if (f->rule != NULL)
		key = "rule_hits k JOIN decisions d ON d.seq = k.decision "
		    "WHERE k.rule = :rule";
	else
		key = "decisions d WHERE 1";
	order = f->ref != NULL || f->rule != NULL ? "k.time_ms, k.node, "
	    "k.decision" : "d.time_ms, d.node, d.seq";
	off = snprintf(sql, sizeof(sql), "SELECT d.seq, d.node, d.time_ms, "
	    "d.repository, d.mode, d.source, d.pusher, d.pusher_env, "
	    "d.verdict, d.error, d.bypass_reason, d.duration_ms, d.version, "
	    "d.config_digest FROM %s", key);
#define WHERE(cond)	off += snprintf(sql + off, sizeof(sql) - (size_t)off, \
			    " AND " cond)
	if (f->repository != NULL)
		WHERE("d.repository = :repository");
	if (f->verdict != NULL)
		WHERE("d.verdict = :verdict");
	if (f->pusher != NULL)
		WHERE("d.pusher = :pusher");
	if (f->mode != NULL)
		WHERE("d.mode = :mode");
	if (f->has_since)
		WHERE("d.time_ms >= :since");
	if (f->has_until)
		WHERE("d.time_ms < :until");
	if (f->ref != NULL && f->rule != NULL)
		WHERE("EXISTS (SELECT 1 FROM rule_hits h WHERE h.rule = :rule "
		    "AND h.time_ms = d.time_ms AND h.node = d.node AND "
		    "h.decision = d.seq)");
	if (f->cursor != NULL)
		off += snprintf(sql + off, sizeof(sql) - (size_t)off, " AND "
		    "(%s) < (:ctime, :cnode, :cseq)", order);
#undef WHERE
	snprintf(sql + off, sizeof(sql) - (size_t)off, " ORDER BY %s LIMIT "
	    "%zu", f->ref != NULL || f->rule != NULL ? "k.time_ms DESC, "
	    "k.node DESC, k.decision DESC" : "d.time_ms DESC, d.node DESC, "
	    "d.seq DESC", limit + 1);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_err(s, "querying decisions", err, errlen);
		return -1;
	}
#define BIND(name, v)	do { \
		if ((i = sqlite3_bind_parameter_index(st, name)) > 0) \
			bind_text(st, i, v); \
	} while (0)
	BIND(":repository", f->repository);
	BIND(":verdict", f->verdict);
	BIND(":pusher", f->pusher);
	BIND(":mode", f->mode);
	BIND(":ref", f->ref);
	BIND(":rule", f->rule);
	BIND(":cnode", node);
#undef BIND
	if ((i = sqlite3_bind_parameter_index(st, ":since")) > 0)
		sqlite3_bind_int64(st, i, f->since_ms);
	if ((i = sqlite3_bind_parameter_index(st, ":until")) > 0)
		sqlite3_bind_int64(st, i, f->until_ms);
	if ((i = sqlite3_bind_parameter_index(st, ":ctime")) > 0)
		sqlite3_bind_int64(st, i, c_time);
	if ((i = sqlite3_bind_parameter_index(st, ":cseq")) > 0)
		sqlite3_bind_int64(st, i, c_seq);
	if ((page->decisions = calloc(limit, sizeof(*page->decisions))) ==
	    NULL) {
		sqlite3_finalize(st);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_decision	*d;

		if (n == limit) {
			/* One more exists: the page ends at the last kept. */
			if ((page->next_cursor = store_cursor_encode(
			    &page->decisions[n - 1])) == NULL)
				failed = 1;
			break;
		}
		d = &page->decisions[n++];
		page->ndecisions = n;
		if (store_sqlite_row(st, d) == -1) {
			failed = 1;
			break;
		}
	}
	if (!failed && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sq_err(s, "querying decisions", err, errlen);
		sqlite3_finalize(st);
		store_page_clear(page);
		return -1;
	}
	sqlite3_finalize(st);
	for (n = 0; !failed && n < page->ndecisions; n++)
		if (load_details(s, &page->decisions[n], err, errlen) == -1) {
			store_page_clear(page);
			return -1;
		}
	if (failed) {
		snprintf(err, errlen, "out of memory");
		store_page_clear(page);
		return -1;
	}
	return 0;
}

/* Adds n to the repository's counter for verdict. */
static void
repo_count(struct store_repo *r, const char *verdict, unsigned long n)
{
	static const struct {
		const char	*verdict;
		size_t		 offset;
	} counters[] = {
		{ STORE_ACCEPT, offsetof(struct store_repo, accept) },
		{ STORE_REJECT, offsetof(struct store_repo, reject) },
		{ STORE_ERROR, offsetof(struct store_repo, error) },
		{ STORE_FAIL_OPEN, offsetof(struct store_repo, fail_open) },
		{ STORE_FAIL_CLOSED, offsetof(struct store_repo,
		    fail_closed) },
		{ STORE_OBSERVE_REJECT, offsetof(struct store_repo,
		    observe_reject) },
		{ STORE_BYPASS, offsetof(struct store_repo, bypass) },
	};
	size_t	 i;

	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		if (strcmp(counters[i].verdict, verdict) == 0)
			*(unsigned long *)((char *)r + counters[i].offset) += n;
}

static int
sqlite_repos(struct store *store, struct store_repo_list *list, char *err,
    size_t errlen)
{
	struct store_sqlite	*s = (struct store_sqlite *)store;
	sqlite3_stmt		*st = NULL, *last = NULL;
	struct store_repo	*r = NULL;
	void			*grown;
	const char		*repo, *verdict;
	int			 rc, failed = 0;

	/* The counts, then each repository's newest decision by index. */
	if (sqlite3_prepare_v2(s->db, "SELECT repository, verdict, n FROM "
	    "repo_counts ORDER BY repository", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT time_ms, verdict FROM decisions "
	    "WHERE repository = ? ORDER BY time_ms DESC, node DESC, seq DESC "
	    "LIMIT 1", -1, &last, NULL) != SQLITE_OK)
		goto sqlfail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		repo = (const char *)sqlite3_column_text(st, 0);
		verdict = (const char *)sqlite3_column_text(st, 1);
		if (repo == NULL || verdict == NULL)
			continue;
		if (r == NULL || strcmp(r->repository, repo) != 0) {
			if ((grown = reallocarray(list->repos, list->nrepos +
			    1, sizeof(*list->repos))) == NULL) {
				failed = 1;
				break;
			}
			list->repos = grown;
			r = &list->repos[list->nrepos++];
			memset(r, 0, sizeof(*r));
			if ((r->repository = strdup(repo)) == NULL) {
				failed = 1;
				break;
			}
			sqlite3_bind_text(last, 1, repo, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(last) == SQLITE_ROW) {
				r->last_time_ms = sqlite3_column_int64(last, 0);
				r->last_verdict = col_text(last, 1, &failed);
			}
			sqlite3_reset(last);
		}
		repo_count(r, verdict, (unsigned long)sqlite3_column_int64(st,
		    2));
	}
	if (!failed && rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	sqlite3_finalize(last);
	if (failed) {
		store_repo_list_clear(list);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
sqlfail:
	sq_err(s, "listing repositories", err, errlen);
	sqlite3_finalize(st);
	sqlite3_finalize(last);
	store_repo_list_clear(list);
	return -1;
}

/* Deletes the oldest decisions chosen by the WHERE of sql, at most n. */
static long
prune_some(struct store_sqlite *s, const char *where, long long bound,
    long n, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	char		 sql[512];
	long		 deleted;

	snprintf(sql, sizeof(sql), "DELETE FROM decisions WHERE seq IN "
	    "(SELECT seq FROM decisions %s ORDER BY time_ms, node, seq "
	    "LIMIT ?2)", where);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_err(s, "pruning", err, errlen);
		return -1;
	}
	if (sqlite3_bind_parameter_count(st) >= 1 && *where != '\0')
		sqlite3_bind_int64(st, 1, bound);
	sqlite3_bind_int64(st, 2, n);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sq_err(s, "pruning", err, errlen);
		sqlite3_finalize(st);
		return -1;
	}
	deleted = (long)sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return deleted;
}

static long
sqlite_prune(struct store *store, long long now_ms, long long max_age_ms,
    long long max_rows, long budget, char *err, size_t errlen)
{
	struct store_sqlite	*s = (struct store_sqlite *)store;
	long long		 total;
	long			 done = 0, r;

	if (budget <= 0)
		return 0;
	/* One short transaction: a push waits at most for this batch. */
	if (exec(s, "BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	if (max_age_ms > 0) {
		if ((r = prune_some(s, "WHERE time_ms < ?1", now_ms -
		    max_age_ms, budget, err, errlen)) == -1)
			goto fail;
		done += r;
	}
	if (max_rows > 0 && done < budget) {
		if (query_int(s, "SELECT coalesce(sum(n), 0) FROM repo_counts",
		    &total, err, errlen) == -1)
			goto fail;
		if (total > max_rows) {
			r = total - max_rows < budget - done ?
			    (long)(total - max_rows) : budget - done;
			if ((r = prune_some(s, "WHERE ?1 = ?1", 0, r, err,
			    errlen)) == -1)
				goto fail;
			done += r;
		}
	}
	if (exec(s, "COMMIT", err, errlen) == -1)
		goto fail;
	return done;
fail:
	(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static void
sqlite_close(struct store *store)
{
	struct store_sqlite	*s = (struct store_sqlite *)store;

	sqlite3_finalize(s->ins_decision);
	sqlite3_finalize(s->ins_ref);
	sqlite3_finalize(s->ins_diag);
	sqlite3_finalize(s->ins_hit);
	sqlite3_finalize(s->sel_refs);
	sqlite3_finalize(s->sel_diags);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

static const struct store_ops sqlite_ops = {
	"sqlite", sqlite_put, sqlite_query, sqlite_repos, sqlite_prune,
	sqlite_close
};

/* Creates or checks the schema; a newer one is an error naming it. */
static int
open_schema(struct store_sqlite *s, int readonly, char *err, size_t errlen)
{
	long long	 app, version, tables;
	char		 sql[128];
	size_t		 i;

	if (query_int(s, "PRAGMA application_id", &app, err, errlen) == -1)
		return -1;
	if (query_int(s, "SELECT count(*) FROM sqlite_master", &tables, err,
	    errlen) == -1)
		return -1;
	if (app != APPLICATION_ID && (app != 0 || tables != 0)) {
		snprintf(err, errlen, "%s: not a revguard decision log (an "
		    "SQLite database of another program); set "
		    "decisions.path to another file", s->path);
		return -1;
	}
	if (tables != 0) {
		if (query_int(s, "SELECT coalesce((SELECT CAST(value AS "
		    "INTEGER) FROM meta WHERE key = 'schema'), 0)", &version,
		    err, errlen) == -1)
			return -1;
		if (version > SCHEMA_VERSION) {
			snprintf(err, errlen, "%s: decision log schema "
			    "version %lld is newer than this revguard "
			    "understands (%d); upgrade revguard, or set "
			    "decisions.path to another file", s->path,
			    version, SCHEMA_VERSION);
			return -1;
		}
		if (version == SCHEMA_VERSION)
			return 0;
	}
	if (readonly) {
		snprintf(err, errlen, "%s: no decisions recorded yet (an empty "
		    "database)", s->path);
		return -1;
	}
	if (exec(s, "BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	for (i = 0; schema[i] != NULL; i++)
		if (exec(s, schema[i], err, errlen) == -1)
			goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d",
	    APPLICATION_ID);
	if (exec(s, sql, err, errlen) == -1)
		goto fail;
	snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO meta VALUES "
	    "('schema', '%d')", SCHEMA_VERSION);
	if (exec(s, sql, err, errlen) == -1 ||
	    exec(s, "COMMIT", err, errlen) == -1)
		goto fail;
	return 0;
fail:
	(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

struct store *
store_sqlite_open_flags(const char *path, int flags, char *err,
    size_t errlen)
{
	struct store_sqlite	*s;
	struct stat		 sb;
	long long		 ignored;
	int			 readonly = flags & STORE_SQLITE_READONLY;
	int			 oflags = SQLITE_OPEN_NOMUTEX;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = strdup(path)) == NULL) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->store.ops = &sqlite_ops;
	if (readonly && stat(path, &sb) == -1) {
		snprintf(err, errlen, "%s: no decision log here (%m)", path);
		goto fail;
	}
	oflags |= readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
		sq_err(s, "cannot open", err, errlen);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(s->db, 1);
	/* Reading the header tells a database from another file. */
	if (query_int(s, "PRAGMA schema_version", &ignored, err, errlen) == -1)
		goto fail;
	if (!readonly) {
		if (query_int(s, "PRAGMA journal_mode = WAL", &ignored, err,
		    errlen) == -1 || exec(s, (flags & STORE_SQLITE_NORMAL) ?
		    "PRAGMA synchronous = NORMAL" :
		    "PRAGMA synchronous = FULL", err, errlen) == -1)
			goto fail;
	}
	if (open_schema(s, readonly, err, errlen) == -1)
		goto fail;
	if (!readonly && (sqlite3_prepare_v2(s->db, "INSERT INTO decisions "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14)", -1, &s->ins_decision, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO refs VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?8, ?9, ?10)", -1, &s->ins_ref, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO rule_hits VALUES "
	    "(?1, ?2, ?3, ?4)", -1, &s->ins_hit, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO diags VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?8, ?9, ?10)", -1, &s->ins_diag, NULL) !=
	    SQLITE_OK)) {
		sq_err(s, "preparing", err, errlen);
		goto fail;
	}
	if (sqlite3_prepare_v2(s->db, STORE_SQLITE_SELECT_REFS, -1,
	    &s->sel_refs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, STORE_SQLITE_SELECT_DIAGS, -1,
	    &s->sel_diags, NULL) != SQLITE_OK) {
		sq_err(s, "preparing", err, errlen);
		goto fail;
	}
	return &s->store;
fail:
	sqlite_close(&s->store);
	return NULL;
}

struct store *
store_sqlite_open(const char *path, char *err, size_t errlen)
{
	return store_sqlite_open_flags(path, 0, err, errlen);
}
