/*
 * store_pg.c: the decision log in PostgreSQL (libpq), shared by a fleet.
 * Each node writes its own SQLite log first; its shipper (shipper.c)
 * copies the decisions here in batches, keyed by (node, seq), so a batch
 * sent twice after a lost answer stores every decision once.  The API of
 * any node then reads the whole fleet from here.
 *
 * The schema lives in tables named revguard_* and carries its version in
 * revguard_schema; opening creates or migrates it under an advisory lock,
 * so nodes starting together do not race.  Every statement is
 * parameterised; every string is made valid UTF-8 on the way in (a
 * pusher controls refs and paths, and one bad byte must not wedge the
 * shipper on a batch the server refuses forever).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "revguard/store.h"
#include "revguard/store_pg.h"
#include "revguard/strvec.h"

/* pg_advisory_xact_lock key of schema changes: "rgsc" */
#define PG_SCHEMA_LOCK		"1919378275"
#define PG_MAX_NODE		255

struct store_pg {
	struct store	 store;		/* first: the caller's view */
	char		*conninfo;
	PGconn		*conn;
	int		 ready;		/* connected and schema checked */
};

static const struct store_ops store_pg_ops;

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 n;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* libpq's messages span lines; a log line must not. */
	for (n = 0; err[n] != '\0'; n++)
		if (err[n] == '\n' || err[n] == '\t')
			err[n] = ' ';
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
}

/* Length of the well-formed UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s, size_t left)
{
	size_t		 n, i;
	uint32_t	 c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return n;
}

/*
 * s as PostgreSQL takes text: bytes that are not well-formed UTF-8
 * become \xNN.  The same string is returned when it already is; else a
 * copy in *owned, which the caller frees.  NULL stays NULL.
 */
static const char *
pg_text(const char *s, char **owned)
{
	const unsigned char	*p = (const unsigned char *)s;
	struct buf		 b = BUF_INIT;
	size_t			 len, i, n;

	*owned = NULL;
	if (s == NULL)
		return NULL;
	len = strlen(s);
	for (i = 0; i < len; i += n)
		if ((n = utf8_len(p + i, len - i)) == 0)
			break;
	if (i == len)
		return s;
	for (i = 0; i < len; i += n) {
		if ((n = utf8_len(p + i, len - i)) == 0) {
			if (buf_printf(&b, "\\x%02x", p[i]) == -1)
				goto fail;
			n = 1;
		} else if (buf_append(&b, s + i, n) == -1)
			goto fail;
	}
	if (buf_append(&b, "", 1) == -1)
		goto fail;
	*owned = b.data;
	return b.data;
fail:
	buf_clear(&b);
	return NULL;
}

/* The parameters of one statement, strings owned when made valid. */
#define PG_MAX_PARAMS	32
struct params {
	const char	*v[PG_MAX_PARAMS];
	char		*owned[PG_MAX_PARAMS];
	char		 num[PG_MAX_PARAMS][24];
	int		 n;
	int		 oom;
};

static void
params_clear(struct params *p)
{
	int	 i;

	for (i = 0; i < p->n; i++)
		free(p->owned[i]);
	p->n = 0;
	p->oom = 0;
}

static void
param_str(struct params *p, const char *s)
{
	if (p->n >= PG_MAX_PARAMS) {
		p->oom = 1;
		return;
	}
	p->v[p->n] = pg_text(s, &p->owned[p->n]);
	if (s != NULL && p->v[p->n] == NULL)
		p->oom = 1;
	p->n++;
}

static void
param_ll(struct params *p, long long v)
{
	if (p->n >= PG_MAX_PARAMS) {
		p->oom = 1;
		return;
	}
	snprintf(p->num[p->n], sizeof(p->num[p->n]), "%lld", v);
	p->owned[p->n] = NULL;
	p->v[p->n] = p->num[p->n];
	p->n++;
}

static int
pg_result_ok(PGresult *r, char *err, size_t errlen, const char *what)
{
	ExecStatusType	 st = r != NULL ? PQresultStatus(r) :
			    PGRES_FATAL_ERROR;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return 0;
	seterr(err, errlen, "PostgreSQL: %s: %s", what, r != NULL ?
	    PQresultErrorMessage(r) : "out of memory");
	return -1;
}

/* Runs sql with the parameters; the result, or NULL with err set. */
static PGresult *
pg_run(struct store_pg *s, const char *sql, struct params *p,
    const char *what, char *err, size_t errlen)
{
	PGresult	*r;

	if (p != NULL && p->oom) {
		seterr(err, errlen, "PostgreSQL: %s: out of memory", what);
		return NULL;
	}
	r = PQexecParams(s->conn, sql, p != NULL ? p->n : 0, NULL,
	    p != NULL ? p->v : NULL, NULL, NULL, 0);
	if (pg_result_ok(r, err, errlen, what) == -1) {
		if (r == NULL || PQstatus(s->conn) != CONNECTION_OK)
			s->ready = 0;
		PQclear(r);
		return NULL;
	}
	return r;
}

static int
pg_cmd(struct store_pg *s, const char *sql, struct params *p,
    const char *what, char *err, size_t errlen)
{
	PGresult	*r = pg_run(s, sql, p, what, err, errlen);

	PQclear(r);
	return r != NULL ? 0 : -1;
}

static void
pg_rollback(struct store_pg *s)
{
	if (s->conn != NULL && PQstatus(s->conn) == CONNECTION_OK &&
	    PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		PQclear(PQexec(s->conn, "ROLLBACK"));
}

/* Version 1: decisions, their refs and diagnostics, shipped marks. */
static const char *const schema_v1[] = {
	"CREATE TABLE revguard_decisions ("
	" node text COLLATE \"C\" NOT NULL,"
	" seq bigint NOT NULL,"
	" time_ms bigint NOT NULL,"
	" repository text NOT NULL,"
	" mode text,"
	" source text,"
	" pusher text,"
	" pusher_env text,"
	" verdict text NOT NULL,"
	" error text,"
	" bypass_reason text,"
	" duration_ms bigint NOT NULL DEFAULT 0,"
	" version text,"
	" config_digest text,"
	" stored_at timestamptz NOT NULL DEFAULT now(),"
	" PRIMARY KEY (node, seq))",
	"CREATE INDEX revguard_decisions_newest ON revguard_decisions"
	" (time_ms DESC, node DESC, seq DESC)",
	"CREATE INDEX revguard_decisions_repository ON revguard_decisions"
	" (repository, time_ms DESC)",
	"CREATE TABLE revguard_refs ("
	" node text COLLATE \"C\" NOT NULL,"
	" seq bigint NOT NULL,"
	" idx integer NOT NULL,"
	" ref text,"
	" old_id text,"
	" new_id text,"
	" verdict text,"
	" outcome text,"
	" reason text,"
	" PRIMARY KEY (node, seq, idx),"
	" FOREIGN KEY (node, seq) REFERENCES revguard_decisions"
	" ON DELETE CASCADE)",
	"CREATE INDEX revguard_refs_ref ON revguard_refs (ref)",
	"CREATE TABLE revguard_diags ("
	" node text COLLATE \"C\" NOT NULL,"
	" seq bigint NOT NULL,"
	" idx integer NOT NULL,"
	" ref_idx bigint NOT NULL,"
	" rule text,"
	" severity text,"
	" file text,"
	" line integer NOT NULL DEFAULT 0,"
	" revision text,"
	" message text,"
	" old boolean NOT NULL DEFAULT false,"
	" PRIMARY KEY (node, seq, idx),"
	" FOREIGN KEY (node, seq) REFERENCES revguard_decisions"
	" ON DELETE CASCADE)",
	"CREATE INDEX revguard_diags_rule ON revguard_diags (rule)",
	/* What each node's shipper has sent: survives pruning. */
	"CREATE TABLE revguard_nodes ("
	" node text COLLATE \"C\" PRIMARY KEY,"
	" shipped_seq bigint NOT NULL,"
	" shipped_at timestamptz NOT NULL DEFAULT now())",
	NULL
};

/* Each version's statements; index v - 1 takes the schema to v. */
static const char *const *const schema_steps[STORE_PG_SCHEMA] = {
	schema_v1
};

/* Creates the schema, or migrates it to STORE_PG_SCHEMA, atomically. */
static int
pg_schema(struct store_pg *s, char *err, size_t errlen)
{
	PGresult	*r = NULL;
	struct params	 p = { 0 };
	long long	 have;
	int		 v, i;

	if (pg_cmd(s, "BEGIN", NULL, "begin", err, errlen) == -1 ||
	    pg_cmd(s, "SELECT pg_advisory_xact_lock(" PG_SCHEMA_LOCK ")",
	    NULL, "schema lock", err, errlen) == -1 ||
	    (r = pg_run(s, "SELECT to_regclass('revguard_schema') IS NULL",
	    NULL, "look for the schema", err, errlen)) == NULL)
		goto fail;
	/* Only the first node creates: the others need no CREATE right. */
	if (strcmp(PQgetvalue(r, 0, 0), "t") == 0 && pg_cmd(s, "CREATE TABLE "
	    "revguard_schema (version integer NOT NULL)", NULL, "schema "
	    "version table", err, errlen) == -1)
		goto fail;
	PQclear(r);
	r = NULL;
	if ((r = pg_run(s, "SELECT coalesce(max(version), 0) FROM "
	    "revguard_schema", NULL, "schema version", err, errlen)) == NULL)
		goto fail;
	have = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	r = NULL;
	if (have > STORE_PG_SCHEMA) {
		seterr(err, errlen, "PostgreSQL: the database has revguard "
		    "schema version %lld, newer than this revguard knows "
		    "(%d): upgrade revguard on this node", have,
		    STORE_PG_SCHEMA);
		goto fail;
	}
	for (v = (int)have; v < STORE_PG_SCHEMA; v++)
		for (i = 0; schema_steps[v][i] != NULL; i++)
			if (pg_cmd(s, schema_steps[v][i], NULL, "create the "
			    "schema", err, errlen) == -1)
				goto fail;
	if (have < STORE_PG_SCHEMA) {
		param_ll(&p, STORE_PG_SCHEMA);
		if (pg_cmd(s, "DELETE FROM revguard_schema", NULL, "schema "
		    "version", err, errlen) == -1 || pg_cmd(s, "INSERT INTO "
		    "revguard_schema (version) VALUES ($1)", &p, "schema "
		    "version", err, errlen) == -1)
			goto fail;
	}
	if (pg_cmd(s, "COMMIT", NULL, "commit the schema", err, errlen) == -1)
		goto fail;
	params_clear(&p);
	return 0;
fail:
	params_clear(&p);
	PQclear(r);
	pg_rollback(s);
	return -1;
}

/*
 * Connects (again) when not ready.  Unless the conninfo says otherwise,
 * a connection attempt gives up after 5 s, a statement after 30 s, and
 * over TCP a peer that stopped answering is given up after about 30 s,
 * so nothing waits long on a server that went away without a word.
 */
static int
pg_ready(struct store_pg *s, char *err, size_t errlen)
{
	static const char *const keys[] = {
		"connect_timeout", "application_name", "options",
		"keepalives_idle", "keepalives_interval", "keepalives_count",
		"tcp_user_timeout", "dbname", NULL
	};
	const char	*values[] = {
		"5", "revguard", "-c statement_timeout=30000", "10", "5", "3",
		"30000", s->conninfo, NULL
	};

	if (s->ready && s->conn != NULL && PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	s->ready = 0;
	if (s->conn != NULL)
		PQfinish(s->conn);
	/* Later keys win: the conninfo's own settings override these. */
	s->conn = PQconnectdbParams(keys, values, 1);
	if (s->conn == NULL) {
		seterr(err, errlen, "PostgreSQL: out of memory");
		return -1;
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		seterr(err, errlen, "PostgreSQL: cannot connect: %s",
		    PQerrorMessage(s->conn));
		return -1;
	}
	if (PQsetClientEncoding(s->conn, "UTF8") != 0) {
		seterr(err, errlen, "PostgreSQL: cannot use UTF8: %s",
		    PQerrorMessage(s->conn));
		return -1;
	}
	if (pg_schema(s, err, errlen) == -1)
		return -1;
	s->ready = 1;
	return 0;
}

/*
 * A conninfo that holds a password puts a secret in the configuration
 * file, which many people may read: refused; a passfile (passfile=, or
 * PGPASSFILE) keeps it apart with its own permissions.
 */
int
store_pg_check_conninfo(const char *conninfo, char *err, size_t errlen)
{
	PQconninfoOption	*opts, *o;
	char			*perr = NULL;
	int			 bad = 0;

	if ((opts = PQconninfoParse(conninfo, &perr)) == NULL) {
		seterr(err, errlen, "PostgreSQL connection string: %s",
		    perr != NULL ? perr : "out of memory");
		PQfreemem(perr);
		return -1;
	}
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL &&
		    o->val[0] != '\0')
			bad = 1;
	PQconninfoFree(opts);
	if (bad) {
		seterr(err, errlen, "PostgreSQL connection string holds a "
		    "password: put it in a password file (passfile=FILE in "
		    "the string, or PGPASSFILE) instead");
		return -1;
	}
	return 0;
}

struct store *
store_pg_open_lazy(const char *conninfo, char *err, size_t errlen)
{
	struct store_pg	*s;

	if (store_pg_check_conninfo(conninfo, err, errlen) == -1)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->conninfo = strdup(conninfo)) == NULL) {
		free(s);
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	s->store.ops = &store_pg_ops;
	return &s->store;
}

struct store *
store_pg_open(const char *conninfo, char *err, size_t errlen)
{
	struct store	*st = store_pg_open_lazy(conninfo, err, errlen);

	if (st != NULL && pg_ready((struct store_pg *)st, err, errlen) == -1) {
		st->ops->close(st);
		return NULL;
	}
	return st;
}

int
store_pg_connected(struct store *st)
{
	struct store_pg	*s = (struct store_pg *)st;

	return s->ready && s->conn != NULL && PQstatus(s->conn) ==
	    CONNECTION_OK;
}

static void
pg_close(struct store *st)
{
	struct store_pg	*s = (struct store_pg *)st;

	if (s == NULL)
		return;
	if (s->conn != NULL)
		PQfinish(s->conn);
	free(s->conninfo);
	free(s);
}

/*
 * Another decision already holds (node, seq): the same one sent again
 * (fine), or a different one: two nodes share a name, or a node's local
 * log was reset.  That is refused, never dropped in silence.
 */
static int
pg_same_decision(struct store_pg *s, const struct store_decision *d,
    char *err, size_t errlen)
{
	struct params	 p = { 0 };
	PGresult	*r;
	long long	 t;

	param_str(&p, d->node);
	param_ll(&p, d->seq);
	r = pg_run(s, "SELECT time_ms FROM revguard_decisions WHERE node = "
	    "$1 AND seq = $2", &p, "compare a decision", err, errlen);
	params_clear(&p);
	if (r == NULL)
		return -1;
	t = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
	PQclear(r);
	if (t != d->time_ms) {
		seterr(err, errlen, "PostgreSQL already holds another "
		    "decision of node `%.255s` with seq %lld: two nodes share "
		    "this name, or this node's local log was reset (give it "
		    "another decisions.node)", d->node, d->seq);
		return -1;
	}
	return 0;
}

/* Inserts one decision inside the caller's transaction. */
static int
pg_put_one(struct store_pg *s, struct store_decision *d, char *err,
    size_t errlen)
{
	struct params	 p = { 0 };
	PGresult	*r;
	size_t		 i;
	int		 inserted;

	if (d->node == NULL || d->node[0] == '\0' ||
	    strlen(d->node) > PG_MAX_NODE) {
		seterr(err, errlen, "a decision needs a node name of 1 to %d "
		    "bytes", PG_MAX_NODE);
		return -1;
	}
	if (d->repository == NULL || d->verdict == NULL) {
		seterr(err, errlen, "a decision needs a repository and a "
		    "verdict");
		return -1;
	}
	if (d->seq <= 0) {
		/*
		 * Numbered here, after the node's mark (which a prune never
		 * lowers, so a seq is never reused); the row lock makes
		 * concurrent writers of one node take turns.
		 */
		param_str(&p, d->node);
		if ((r = pg_run(s, "INSERT INTO revguard_nodes (node, "
		    "shipped_seq) VALUES ($1, 1) ON CONFLICT (node) DO UPDATE "
		    "SET shipped_seq = revguard_nodes.shipped_seq + 1 "
		    "RETURNING shipped_seq", &p, "number a decision", err,
		    errlen)) == NULL)
			goto fail;
		d->seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		params_clear(&p);
	}
	param_str(&p, d->node);
	param_ll(&p, d->seq);
	param_ll(&p, d->time_ms);
	param_str(&p, d->repository);
	param_str(&p, d->mode);
	param_str(&p, d->source);
	param_str(&p, d->pusher);
	param_str(&p, d->pusher_env);
	param_str(&p, d->verdict);
	param_str(&p, d->error);
	param_str(&p, d->bypass_reason);
	param_ll(&p, d->duration_ms);
	param_str(&p, d->version);
	param_str(&p, d->config_digest);
	if ((r = pg_run(s, "INSERT INTO revguard_decisions (node, seq, "
	    "time_ms, repository, mode, source, pusher, pusher_env, verdict, "
	    "error, bypass_reason, duration_ms, version, config_digest) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
	    "$14) ON CONFLICT (node, seq) DO NOTHING", &p, "store a decision",
	    err, errlen)) == NULL)
		goto fail;
	inserted = strcmp(PQcmdTuples(r), "1") == 0;
	PQclear(r);
	params_clear(&p);
	if (!inserted)
		return pg_same_decision(s, d, err, errlen);
	for (i = 0; i < d->nrefs; i++) {
		const struct store_ref	*rf = &d->refs[i];

		param_str(&p, d->node);
		param_ll(&p, d->seq);
		param_ll(&p, (long long)i);
		param_str(&p, rf->ref);
		param_str(&p, rf->old_id);
		param_str(&p, rf->new_id);
		param_str(&p, rf->verdict);
		param_str(&p, rf->outcome);
		param_str(&p, rf->reason);
		if (pg_cmd(s, "INSERT INTO revguard_refs (node, seq, idx, ref, "
		    "old_id, new_id, verdict, outcome, reason) VALUES ($1, $2, "
		    "$3, $4, $5, $6, $7, $8, $9)", &p, "store a ref", err,
		    errlen) == -1)
			goto fail;
		params_clear(&p);
	}
	for (i = 0; i < d->ndiags; i++) {
		const struct store_diag	*dg = &d->diags[i];

		param_str(&p, d->node);
		param_ll(&p, d->seq);
		param_ll(&p, (long long)i);
		param_ll(&p, (long long)dg->ref);
		param_str(&p, dg->rule);
		param_str(&p, dg->severity);
		param_str(&p, dg->file);
		param_ll(&p, dg->line);
		param_str(&p, dg->revision);
		param_str(&p, dg->message);
		param_str(&p, dg->old ? "true" : "false");
		if (pg_cmd(s, "INSERT INTO revguard_diags (node, seq, idx, "
		    "ref_idx, rule, severity, file, line, revision, message, "
		    "old) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
		    "$11)", &p, "store a diagnostic", err, errlen) == -1)
			goto fail;
		params_clear(&p);
	}
	return 0;
fail:
	params_clear(&p);
	return -1;
}

static int
pg_put(struct store *st, struct store_decision *d, char *err, size_t errlen)
{
	return store_pg_put_batch(st, d, 1, err, errlen);
}

int
store_pg_put_batch(struct store *st, struct store_decision *ds, size_t n,
    char *err, size_t errlen)
{
	struct store_pg	*s = (struct store_pg *)st;
	struct params	 p = { 0 };
	long long	 high = 0;
	size_t		 i;

	if (n == 0)
		return 0;
	if (pg_ready(s, err, errlen) == -1)
		return -1;
	if (pg_cmd(s, "BEGIN", NULL, "begin", err, errlen) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		if (i > 0 && (ds[i].node == NULL || ds[0].node == NULL ||
		    strcmp(ds[i].node, ds[0].node) != 0)) {
			seterr(err, errlen, "a batch holds one node's "
			    "decisions");
			goto fail;
		}
		if (pg_put_one(s, &ds[i], err, errlen) == -1)
			goto fail;
		if (ds[i].seq > high)
			high = ds[i].seq;
	}
	param_str(&p, ds[0].node);
	param_ll(&p, high);
	if (pg_cmd(s, "INSERT INTO revguard_nodes (node, shipped_seq) VALUES "
	    "($1, $2) ON CONFLICT (node) DO UPDATE SET shipped_seq = "
	    "greatest(revguard_nodes.shipped_seq, excluded.shipped_seq), "
	    "shipped_at = now()", &p, "mark shipped", err, errlen) == -1 ||
	    pg_cmd(s, "COMMIT", NULL, "commit", err, errlen) == -1)
		goto fail;
	params_clear(&p);
	return 0;
fail:
	params_clear(&p);
	pg_rollback(s);
	return -1;
}

int
store_pg_shipped(struct store *st, const char *node, long long *seq,
    char *err, size_t errlen)
{
	struct store_pg	*s = (struct store_pg *)st;
	struct params	 p = { 0 };
	PGresult	*r;

	if (pg_ready(s, err, errlen) == -1)
		return -1;
	param_str(&p, node);
	r = pg_run(s, "SELECT shipped_seq FROM revguard_nodes WHERE node = $1",
	    &p, "read the shipped mark", err, errlen);
	params_clear(&p);
	if (r == NULL)
		return -1;
	*seq = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	return 0;
}

/* A copy of a result field, NULL for SQL NULL; -1 when out of memory. */
static int
field_dup(PGresult *r, int row, int col, char **out)
{
	*out = NULL;
	if (PQgetisnull(r, row, col))
		return 0;
	return (*out = strdup(PQgetvalue(r, row, col))) != NULL ? 0 : -1;
}

static int
json_dup(json_t *a, size_t i, char **out)
{
	json_t	*v = json_array_get(a, i);

	*out = NULL;
	if (v == NULL || !json_is_string(v))
		return 0;
	return (*out = strdup(json_string_value(v))) != NULL ? 0 : -1;
}

/* The refs and diagnostics of a row, from their JSON aggregates. */
static int
pg_children(struct store_decision *d, const char *refs, const char *diags)
{
	json_t	*ra = NULL, *da = NULL, *e;
	size_t	 i;

	if (refs != NULL && (ra = json_loads(refs, 0, NULL)) == NULL)
		goto fail;
	if (diags != NULL && (da = json_loads(diags, 0, NULL)) == NULL)
		goto fail;
	if (json_array_size(ra) > 0) {
		if ((d->refs = calloc(json_array_size(ra),
		    sizeof(*d->refs))) == NULL)
			goto fail;
		json_array_foreach(ra, i, e) {
			struct store_ref	*rf = &d->refs[i];

			d->nrefs++;
			if (json_dup(e, 0, &rf->ref) == -1 ||
			    json_dup(e, 1, &rf->old_id) == -1 ||
			    json_dup(e, 2, &rf->new_id) == -1 ||
			    json_dup(e, 3, &rf->verdict) == -1 ||
			    json_dup(e, 4, &rf->outcome) == -1 ||
			    json_dup(e, 5, &rf->reason) == -1)
				goto fail;
		}
	}
	if (json_array_size(da) > 0) {
		if ((d->diags = calloc(json_array_size(da),
		    sizeof(*d->diags))) == NULL)
			goto fail;
		json_array_foreach(da, i, e) {
			struct store_diag	*dg = &d->diags[i];

			d->ndiags++;
			dg->ref = (size_t)json_integer_value(
			    json_array_get(e, 0));
			dg->line = (int)json_integer_value(
			    json_array_get(e, 5));
			dg->old = json_is_true(json_array_get(e, 7));
			if (json_dup(e, 1, &dg->rule) == -1 ||
			    json_dup(e, 2, &dg->severity) == -1 ||
			    json_dup(e, 3, &dg->file) == -1 ||
			    json_dup(e, 4, &dg->revision) == -1 ||
			    json_dup(e, 6, &dg->message) == -1)
				goto fail;
		}
	}
	json_decref(ra);
	json_decref(da);
	return 0;
fail:
	json_decref(ra);
	json_decref(da);
	return -1;
}

#define PG_COLUMNS \
	"d.node, d.seq, d.time_ms, d.repository, d.mode, d.source, " \
	"d.pusher, d.pusher_env, d.verdict, d.error, d.bypass_reason, " \
	"d.duration_ms, d.version, d.config_digest, " \
	"(SELECT json_agg(json_build_array(r.ref, r.old_id, r.new_id, " \
	"r.verdict, r.outcome, r.reason) ORDER BY r.idx) FROM revguard_refs " \
	"r WHERE r.node = d.node AND r.seq = d.seq), " \
	"(SELECT json_agg(json_build_array(g.ref_idx, g.rule, g.severity, " \
	"g.file, g.revision, g.line, g.message, g.old) ORDER BY " \
	"g.idx) FROM revguard_diags g WHERE g.node = d.node AND g.seq = " \
	"d.seq)"

static int
pg_row(PGresult *r, int row, struct store_decision *d)
{
	char	*refs = NULL, *diags = NULL;
	int	 rc = -1;

	memset(d, 0, sizeof(*d));
	d->seq = strtoll(PQgetvalue(r, row, 1), NULL, 10);
	d->time_ms = strtoll(PQgetvalue(r, row, 2), NULL, 10);
	d->duration_ms = strtoll(PQgetvalue(r, row, 11), NULL, 10);
	if (field_dup(r, row, 0, &d->node) == -1 ||
	    field_dup(r, row, 3, &d->repository) == -1 ||
	    field_dup(r, row, 4, &d->mode) == -1 ||
	    field_dup(r, row, 5, &d->source) == -1 ||
	    field_dup(r, row, 6, &d->pusher) == -1 ||
	    field_dup(r, row, 7, &d->pusher_env) == -1 ||
	    field_dup(r, row, 8, &d->verdict) == -1 ||
	    field_dup(r, row, 9, &d->error) == -1 ||
	    field_dup(r, row, 10, &d->bypass_reason) == -1 ||
	    field_dup(r, row, 12, &d->version) == -1 ||
	    field_dup(r, row, 13, &d->config_digest) == -1 ||
	    field_dup(r, row, 14, &refs) == -1 ||
	    field_dup(r, row, 15, &diags) == -1 ||
	    pg_children(d, refs, diags) == -1)
		goto done;
	rc = 0;
done:
	free(refs);
	free(diags);
	return rc;
}

/* Appends " AND <before>$n<after>", $n the value's parameter. */
static void
where(struct buf *sql, struct params *p, const char *before, const char *v,
    const char *after)
{
	param_str(p, v);
	buf_printf(sql, " AND %s$%d%s", before, p->n, after);
}

static void
where_ll(struct buf *sql, struct params *p, const char *before, long long v)
{
	param_ll(p, v);
	buf_printf(sql, " AND %s$%d", before, p->n);
}

static int
pg_query_once(struct store *st, const struct store_filter *f,
    struct store_page *page, char *err, size_t errlen)
{
	struct store_pg	*s = (struct store_pg *)st;
	struct params	 p = { 0 };
	struct buf	 sql = BUF_INIT;
	PGresult	*r = NULL;
	char		 cnode[PG_MAX_NODE + 1];
	long long	 ct, cseq;
	size_t		 limit = store_filter_limit(f);
	int		 i, n;

	memset(page, 0, sizeof(*page));
	if (f->cursor != NULL && store_cursor_decode(f->cursor, &ct, &cseq,
	    cnode, sizeof(cnode), err, errlen) == -1)
		return -1;
	if (pg_ready(s, err, errlen) == -1)
		return -1;
	buf_printf(&sql, "SELECT " PG_COLUMNS " FROM revguard_decisions d "
	    "WHERE true");
	if (f->repository != NULL)
		where(&sql, &p, "d.repository = ", f->repository, "");
	if (f->ref != NULL)
		where(&sql, &p, "EXISTS (SELECT 1 FROM revguard_refs x WHERE "
		    "x.node = d.node AND x.seq = d.seq AND x.ref = ", f->ref,
		    ")");
	if (f->verdict != NULL)
		where(&sql, &p, "d.verdict = ", f->verdict, "");
	if (f->rule != NULL)
		where(&sql, &p, "EXISTS (SELECT 1 FROM revguard_diags x WHERE "
		    "x.node = d.node AND x.seq = d.seq AND x.rule = ", f->rule,
		    ")");
	if (f->pusher != NULL)
		where(&sql, &p, "d.pusher = ", f->pusher, "");
	if (f->mode != NULL)
		where(&sql, &p, "d.mode = ", f->mode, "");
	if (f->has_since)
		where_ll(&sql, &p, "d.time_ms >= ", f->since_ms);
	if (f->has_until)
		where_ll(&sql, &p, "d.time_ms < ", f->until_ms);
	if (f->cursor != NULL) {
		param_ll(&p, ct);
		param_str(&p, cnode);
		param_ll(&p, cseq);
		buf_printf(&sql, " AND (d.time_ms, d.node, d.seq) < ($%d, "
		    "$%d, $%d)", p.n - 2, p.n - 1, p.n);
	}
	buf_printf(&sql, " ORDER BY d.time_ms DESC, d.node DESC, d.seq DESC "
	    "LIMIT %zu", limit + 1);
	if (buf_append(&sql, "", 1) == -1) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	if ((r = pg_run(s, sql.data, &p, "query decisions", err, errlen)) ==
	    NULL)
		goto fail;
	n = PQntuples(r);
	if (n > 0 && (page->decisions = calloc(n, sizeof(*page->decisions))) ==
	    NULL)
		goto oom;
	for (i = 0; i < n && (size_t)i < limit; i++) {
		page->ndecisions++;
		if (pg_row(r, i, &page->decisions[i]) == -1)
			goto oom;
	}
	if ((size_t)n > limit && (page->next_cursor = store_cursor_encode(
	    &page->decisions[limit - 1])) == NULL)
		goto oom;
	PQclear(r);
	params_clear(&p);
	buf_clear(&sql);
	return 0;
oom:
	seterr(err, errlen, "out of memory");
fail:
	PQclear(r);
	params_clear(&p);
	buf_clear(&sql);
	store_page_clear(page);
	return -1;
}

static int
pg_repos_once(struct store *st, struct store_repo_list *list, char *err,
    size_t errlen)
{
	struct store_pg	*s = (struct store_pg *)st;
	PGresult	*r;
	int		 i, n;

	memset(list, 0, sizeof(*list));
	if (pg_ready(s, err, errlen) == -1)
		return -1;
	r = pg_run(s, "SELECT d.repository, max(d.time_ms), "
	    "(SELECT l.verdict FROM revguard_decisions l WHERE l.repository = "
	    "d.repository ORDER BY l.time_ms DESC, l.node DESC, l.seq DESC "
	    "LIMIT 1), "
	    "count(*) FILTER (WHERE d.verdict = '" STORE_ACCEPT "'), "
	    "count(*) FILTER (WHERE d.verdict = '" STORE_REJECT "'), "
	    "count(*) FILTER (WHERE d.verdict = '" STORE_ERROR "'), "
	    "count(*) FILTER (WHERE d.verdict = '" STORE_FAIL_OPEN "'), "
	    "count(*) FILTER (WHERE d.verdict = '" STORE_FAIL_CLOSED "'), "
	    "count(*) FILTER (WHERE d.verdict = '" STORE_OBSERVE_REJECT "'), "
	    "count(*) FILTER (WHERE d.verdict = '" STORE_BYPASS "') "
	    "FROM revguard_decisions d WHERE d.repository IS NOT NULL "
	    "GROUP BY d.repository ORDER BY d.repository", NULL,
	    "list repositories", err, errlen);
	if (r == NULL)
		return -1;
	n = PQntuples(r);
	if (n > 0 && (list->repos = calloc(n, sizeof(*list->repos))) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		struct store_repo	*rp = &list->repos[i];

		list->nrepos++;
		rp->last_time_ms = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		rp->accept = strtoul(PQgetvalue(r, i, 3), NULL, 10);
		rp->reject = strtoul(PQgetvalue(r, i, 4), NULL, 10);
		rp->error = strtoul(PQgetvalue(r, i, 5), NULL, 10);
		rp->fail_open = strtoul(PQgetvalue(r, i, 6), NULL, 10);
		rp->fail_closed = strtoul(PQgetvalue(r, i, 7), NULL, 10);
		rp->observe_reject = strtoul(PQgetvalue(r, i, 8), NULL, 10);
		rp->bypass = strtoul(PQgetvalue(r, i, 9), NULL, 10);
		if (field_dup(r, i, 0, &rp->repository) == -1 ||
		    field_dup(r, i, 2, &rp->last_verdict) == -1)
			goto oom;
	}
	PQclear(r);
	return 0;
oom:
	seterr(err, errlen, "out of memory");
	PQclear(r);
	store_repo_list_clear(list);
	return -1;
}

/*
 * Reads change nothing: when the connection broke since its last use
 * (the server restarted), they are tried once more on a new one, so the
 * first request after an outage does not fail.
 */
static int
pg_query(struct store *st, const struct store_filter *f,
    struct store_page *page, char *err, size_t errlen)
{
	struct store_pg	*s = (struct store_pg *)st;
	int		 was_ready = s->ready;

	if (pg_query_once(st, f, page, err, errlen) == 0)
		return 0;
	return was_ready && !s->ready ? pg_query_once(st, f, page, err,
	    errlen) : -1;
}

static int
pg_repos(struct store *st, struct store_repo_list *list, char *err,
    size_t errlen)
{
	struct store_pg	*s = (struct store_pg *)st;
	int		 was_ready = s->ready;

	if (pg_repos_once(st, list, err, errlen) == 0)
		return 0;
	return was_ready && !s->ready ? pg_repos_once(st, list, err,
	    errlen) : -1;
}

static long
pg_prune(struct store *st, long long now_ms, long long max_age_ms,
    long long max_rows, long budget, char *err, size_t errlen)
{
	struct store_pg	*s = (struct store_pg *)st;
	struct params	 p = { 0 };
	PGresult	*r;
	long		 deleted = 0;

	if (budget <= 0)
		return 0;
	if (pg_ready(s, err, errlen) == -1)
		return -1;
	if (max_age_ms > 0) {
		param_ll(&p, now_ms - max_age_ms);
		param_ll(&p, budget);
		r = pg_run(s, "DELETE FROM revguard_decisions WHERE (node, "
		    "seq) IN (SELECT node, seq FROM revguard_decisions WHERE "
		    "time_ms < $1 ORDER BY time_ms LIMIT $2)", &p, "prune by "
		    "age", err, errlen);
		params_clear(&p);
		if (r == NULL)
			return -1;
		deleted += strtol(PQcmdTuples(r), NULL, 10);
		PQclear(r);
	}
	if (max_rows > 0 && deleted < budget) {
		param_ll(&p, max_rows);
		param_ll(&p, budget - deleted);
		r = pg_run(s, "DELETE FROM revguard_decisions WHERE (node, "
		    "seq) IN (SELECT node, seq FROM revguard_decisions "
		    "ORDER BY time_ms DESC, node DESC, seq DESC OFFSET $1 "
		    "LIMIT $2)", &p, "prune by rows", err, errlen);
		params_clear(&p);
		if (r == NULL)
			return -1;
		deleted += strtol(PQcmdTuples(r), NULL, 10);
		PQclear(r);
	}
	return deleted;
}

static const struct store_ops store_pg_ops = {
	"postgresql",
	pg_put,
	pg_query,
	pg_repos,
	pg_prune,
	pg_close
};
