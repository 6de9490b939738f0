/*
 * http.c: the HTTP endpoint, a thin adapter over evhttp (see http.h and
 * docs/api.md).  A request is bounded before it is read (evhttp: the
 * request line and headers within http.max_request_bytes, no body,
 * http.timeout idle), then checked here: method (GET and HEAD only),
 * header count, bearer token, and its target through the pure parser
 * (core/api.c).  The loop thread answers from the stats struct and the
 * decision log; analyses of the object database go to this endpoint's
 * worker pool, through serve.c like a push, and answer when they are
 * done.  Every error is JSON: {"error": {"code": ..., "message": ...}}.
 */
#include "config.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "revguard/clock.h"
#include "revguard/api.h"
#include "revguard/http.h"
#include "revguard/jsonutil.h"
#include "revguard/log.h"
#include "revguard/report.h"
#include "revguard/serve.h"
#include "revguard/store.h"
#include "revguard/worker.h"

/* Analyses waiting for or running on a worker, at most. */
#define HTTP_MAX_JOBS		16
/* Repositories whose default-branch debt is kept. */
#define HTTP_DEBT_CACHE		1024
/* A bearer token file, at most. */
#define HTTP_MAX_TOKEN		4096
/* Connections whose request is timed (a power of two), and the probes
 * of the open-addressed table. */
#define HTTP_TRACK		4096
#define HTTP_TRACK_PROBES	8

/* The page, generated from src/page.html at build time (page_html.c). */
extern const unsigned char http_page_html[];
extern const size_t http_page_html_len;

/* The debt of one repository's default branch at one commit. */
struct debt_entry {
	char		*path;			/* resolved */
	char		 commit[ODB_OID_HEXMAX + 1];
	size_t		 errors, warnings, migrations;
	struct strvec	 baselined;
	char		*ref;
	long long	 used;			/* for eviction */
};

/*
 * When a connection's request started arriving.  Keyed by its
 * bufferevent's address, never dereferenced from here: a slot of a
 * connection evhttp freed is stale until the address is used again
 * (on_new_conn resets it) or evicted.
 */
struct http_track {
	const void	*bev;
	long long	 start_ms;
	int		 reading;
};

struct http {
	struct event_base	*base;
	struct http_track	*track;		/* HTTP_TRACK slots */
	int			 request_ms;	/* a request's head, at most */
	unsigned long		 slow;		/* closed for it */
	struct evhttp		*evh;
	struct evhttp_bound_socket *bound;
	struct store		*store;
	const struct engine_cache *parsed;
	struct odb_tree_cache	*trees;
	struct http_hooks	 hooks;
	struct worker_pool	*pool;
	struct event		*ev_done;
	char			*token;		/* NULL: none */
	int			 max_headers;
	int			 jobs;		/* queued or running */
	int			 stopping;	/* atomic */
	int			 port;
	pthread_mutex_t		 debt_lock;
	struct debt_entry	*debts;
	size_t			 ndebts;
	long long		 debt_clock;
};

enum job_kind {
	JOB_CHAIN,
	JOB_REPOS
};

struct http_job {
	struct worker_job	 wj;		/* first: the pool's view */
	struct http		*h;
	enum job_kind		 kind;
	struct evhttp_request	*req;		/* NULL: the client left */
	void			*cfgref;
	const struct config	*cfg;
	struct api_request	 q;
	int			 dot;
	int			 head;
	long long		 deadline_ms;
	struct engine_deadline	 stop;
	/* repos: the decision log's rows, read on the loop. */
	struct store_repo_list	 repos;
	/* The answer, built in the worker. */
	int			 status;
	const char		*ctype;
	char			*body;
	size_t			 body_len;
};

/* A JSON string of s, with invalid UTF-8 replaced (jansson refuses it). */
static json_t *
jstr(const char *s)
{
	json_t	*j;
	char	*copy, *p;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	if ((copy = strdup(s)) == NULL)
		return json_null();
	for (p = copy; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j ? j : json_null();
}

/* RFC 3339 in UTC with milliseconds. */
static json_t *
jtime(long long ms)
{
	char		 buf[64];
	struct tm	 tm;
	time_t		 t = (time_t)(ms / 1000);

	if (gmtime_r(&t, &tm) == NULL)
		return json_null();
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return json_string(buf);
}

static void
set_common_headers(struct evhttp_request *req, const char *ctype)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);

	evhttp_add_header(out, "Content-Type", ctype);
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
}

/*
 * Every answer goes out here.  A HEAD answer has GET's status and
 * headers, Content-Length of GET's body included, and no body: evhttp
 * would send the body and no length, which a keep-alive client then reads
 * as its next response.
 */
static void
reply(struct evhttp_request *req, int status, const char *ctype,
    const char *body, size_t len)
{
	struct evbuffer	*b = evbuffer_new();
	char		 n[32];

	set_common_headers(req, ctype);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(n, sizeof(n), "%zu", body != NULL ? len : 0);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Length", n);
	} else if (b != NULL && body != NULL)
		evbuffer_add(b, body, len);
	evhttp_send_reply(req, status, NULL, b);
	if (b != NULL)
		evbuffer_free(b);
}

static void
reply_json(struct evhttp_request *req, int status, json_t *j)
{
	static const char	 oom[] = "{\"error\":{\"code\":\"internal\","
				    "\"message\":\"out of memory\"}}";
	char			*s;

	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		reply(req, 500, "application/json", oom, sizeof(oom) - 1);
		return;
	}
	json_decref(j);
	reply(req, status, "application/json", s, strlen(s));
	free(s);
}

static json_t *
error_json(const char *code, const char *message)
{
	return json_pack("{s:{s:s, s:o}}", "error", "code", code, "message",
	    jstr(message));
}

static void
reply_error(struct evhttp_request *req, int status, const char *code,
    const char *message)
{
	reply_json(req, status, error_json(code, message));
}

/* --- authentication ------------------------------------------------ */

/* Reads the token: the file's first line, trimmed; at least 16 bytes. */
static char *
read_token(const char *path, char *err, size_t errlen)
{
	char		 buf[HTTP_MAX_TOKEN + 2];
	struct stat	 st;
	size_t		 n;
	FILE		*f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "http.token_file `%s`: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 0077) != 0)
		log_warnx("http.token_file %s is readable by group or others; "
		    "chmod 600 it", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	if (n < 16 || n > HTTP_MAX_TOKEN) {
		snprintf(err, errlen, "http.token_file `%s`: the token must "
		    "be 16 to %d bytes on the first line", path,
		    HTTP_MAX_TOKEN);
		return NULL;
	}
	return strdup(buf);
}

/* Compares in time independent of where they differ. */
static int
token_equal(const char *a, const char *b)
{
	size_t		 la = strlen(a), lb = strlen(b), i;
	unsigned char	 d = la != lb;

	for (i = 0; i < la; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i % (lb ? lb : 1)];
	return d == 0;
}

static int
authorized(struct http *h, struct evhttp_request *req)
{
	const char	*v;

	if (h->token == NULL)
		return 1;
	v = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (v == NULL || strncasecmp(v, "Bearer ", 7) != 0)
		return 0;
	v += 7;
	while (*v == ' ')
		v++;
	return token_equal(v, h->token);
}

/* --- the decision log ---------------------------------------------- */

static json_t *
decision_json(const struct store_decision *d)
{
	json_t	*refs = json_array(), *diags = json_array(), *o;
	size_t	 i;

	for (i = 0; i < d->nrefs; i++) {
		const struct store_ref	*r = &d->refs[i];

		json_array_append_new(refs, json_pack("{s:o, s:o, s:o, s:o, "
		    "s:o, s:o}", "ref", jstr(r->ref), "old", jstr(r->old_id),
		    "new", jstr(r->new_id), "verdict", jstr(r->verdict),
		    "outcome", jstr(r->outcome), "reason", jstr(r->reason)));
	}
	for (i = 0; i < d->ndiags; i++) {
		const struct store_diag	*g = &d->diags[i];

		json_array_append_new(diags, json_pack("{s:o, s:o, s:o, s:o, "
		    "s:o, s:o, s:o, s:b}",
		    "ref", g->ref < d->nrefs ? jstr(d->refs[g->ref].ref) :
		    json_null(),
		    "rule", jstr(g->rule), "severity", jstr(g->severity),
		    "file", jstr(g->file),
		    "line", g->line > 0 ? json_integer(g->line) : json_null(),
		    "revision", jstr(g->revision),
		    "message", jstr(g->message), "old", g->old));
	}
	o = json_pack("{s:I, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:I, s:o, s:o, s:o, s:o}",
	    "seq", (json_int_t)d->seq, "node", jstr(d->node),
	    "time", jtime(d->time_ms), "time_ms", (json_int_t)d->time_ms,
	    "repository", jstr(d->repository), "mode", jstr(d->mode),
	    "source", jstr(d->source), "pusher", jstr(d->pusher),
	    "verdict", jstr(d->verdict), "error", jstr(d->error),
	    "bypass_reason", jstr(d->bypass_reason),
	    "duration_ms", (json_int_t)d->duration_ms,
	    "version", jstr(d->version),
	    "config_digest", jstr(d->config_digest),
	    "refs", refs, "diagnostics", diags);
	return o;
}

static void
serve_decisions(struct http *h, struct evhttp_request *req,
    const struct api_request *q)
{
	struct store_filter	 f;
	struct store_page	 page;
	json_t			*list;
	char			 err[512];
	size_t			 i;

	if (h->store == NULL) {
		reply_error(req, 503, "unavailable", "the decision log is not "
		    "configured on this daemon");
		return;
	}
	memset(&f, 0, sizeof(f));
	memset(&page, 0, sizeof(page));
	f.repository = q->repository;
	f.ref = q->ref;
	f.verdict = q->verdict;
	f.rule = q->rule;
	f.pusher = q->pusher;
	f.mode = q->mode;
	f.since_ms = q->since_ms;
	f.until_ms = q->until_ms;
	f.has_since = q->has_since;
	f.has_until = q->has_until;
	f.limit = q->limit;
	f.cursor = q->cursor;
	if (store_query(h->store, &f, &page, err, sizeof(err)) == -1) {
		log_warnx("http: decisions query: %s", err);
		/* A cursor the store cannot read is the client's error. */
		if (q->cursor != NULL && strstr(err, "cursor") != NULL)
			reply_error(req, 400, "bad_parameter", "parameter "
			    "`cursor` is not a cursor this endpoint gave");
		else
			reply_error(req, 503, "unavailable", "the decision "
			    "log cannot be read now (see the daemon's log)");
		store_page_clear(&page);
		return;
	}
	list = json_array();
	for (i = 0; i < page.ndecisions; i++)
		json_array_append_new(list, decision_json(&page.decisions[i]));
	reply_json(req, 200, json_pack("{s:o, s:o}", "decisions", list,
	    "next_cursor", jstr(page.next_cursor)));
	store_page_clear(&page);
}

/* --- analyses on the worker pool ----------------------------------- */

static int
job_expired(void *arg)
{
	struct http_job	*job = arg;

	return __atomic_load_n(&job->h->stopping, __ATOMIC_RELAXED) ||
	    clock_mono_ms() >= job->deadline_ms;
}

/*
 * The repository rel names under one of the roots: realpath inside a
 * root and a git repository (serve_admit_repository, which a push's
 * repository passes too).  NULL when none admits it.
 */
static char *
find_repository(const struct strvec *roots, const char *rel)
{
	char	 err[512], *path, *real;
	size_t	 i;

	for (i = 0; i < roots->len; i++) {
		if ((path = xasprintf("%s/%s", roots->items[i], rel)) == NULL)
			return NULL;
		real = serve_admit_repository(roots, path, err, sizeof(err));
		free(path);
		if (real != NULL)
			return real;
	}
	return NULL;
}

/* The name of a resolved repository relative to its root, or NULL. */
static char *
relative_name(const struct strvec *roots, const char *real)
{
	char	 root[PATH_MAX];
	size_t	 i, n;

	for (i = 0; i < roots->len; i++) {
		if (realpath(roots->items[i], root) == NULL)
			continue;
		n = strlen(root);
		while (n > 1 && root[n - 1] == '/')
			n--;
		if (strncmp(real, root, n) == 0 && real[n] == '/' &&
		    real[n + 1] != '\0')
			return strdup(real + n + 1);
	}
	return NULL;
}

/* Judges ref of repo on the one road (serve.c), as `revguard check`. */
static int
analyse(struct http_job *job, const char *repo, const char *ref,
    struct push_result *res, char commit[ODB_OID_HEXMAX + 1], char **refout,
    int *status, char *err, size_t errlen)
{
	struct serve_opts	 so;
	struct push_request	 pr;
	struct odb		*db;
	struct odb_snapshot	*snap;
	char			*def = NULL, zero[ODB_OID_HEXMAX + 1];
	int			 rv = -1;

	memset(&pr, 0, sizeof(pr));
	memset(res, 0, sizeof(*res));
	*status = 500;
	if ((db = odb_open(repo, NULL, err, errlen)) == NULL)
		return -1;
	if (ref == NULL && (ref = def = odb_default_branch(db)) == NULL) {
		*status = 404;
		snprintf(err, errlen, "the repository has no default branch");
		goto done;
	}
	if (!odb_ref_exists(db, ref)) {
		*status = 404;
		snprintf(err, errlen, "no such ref in this repository");
		goto done;
	}
	if ((snap = odb_snapshot_open(db, ref, commit, err, errlen)) == NULL)
		goto done;
	odb_snapshot_free(snap);
	snprintf(zero, sizeof(zero), "%0*d", (int)strlen(commit), 0);
	if ((pr.repository = strdup(repo)) == NULL ||
	    push_request_add_update(&pr, zero, commit, ref) == -1 ||
	    (*refout = strdup(ref)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	memset(&so, 0, sizeof(so));
	so.cfg = job->cfg;
	so.roots = &job->cfg->daemon.repo_roots;
	so.parsed = job->h->parsed;
	so.trees = job->h->trees;
	so.deadline = &job->stop;
	so.cli = 1;
	if (serve_request(&so, &pr, res, err, errlen) == -1) {
		if (job_expired(job)) {
			*status = 504;
			snprintf(err, errlen, "the analysis did not finish "
			    "within daemon.job_timeout");
		}
		goto done;
	}
	if (res->nrefs != 1) {
		snprintf(err, errlen, "no result");
		goto done;
	}
	rv = 0;
done:
	push_request_clear(&pr);
	free(def);
	odb_free(db);
	return rv;
}

static json_t *
names_json(const struct graph *g, const size_t *nodes, size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, jstr(g->nodes[nodes[i]]->revision));
	return a;
}

/* The chain as JSON: the check's summary, diagnostics, nodes, edges. */
static json_t *
chain_json(const char *name, const char *ref, const char *commit,
    const struct push_ref_result *r)
{
	const struct engine_result	*c = r->check;
	const struct graph		*g = c ? &c->graph : NULL;
	json_t				*diags = json_array(), *nodes, *edges;
	json_t				*heads, *bases, *merges = json_array();
	size_t				*hn = NULL, *bn = NULL, nh = 0, nb = 0;
	size_t				 i, j, k, viol;

	for (i = 0; i < r->diags.len; i++) {
		json_t	*d = jsonutil_diag(&r->diags.items[i]);

		json_array_append_new(diags, d ? d : json_pack("{s:s}",
		    "message", "(not valid UTF-8)"));
	}
	nodes = json_array();
	edges = json_array();
	if (g != NULL) {
		(void)graph_heads(g, &hn, &nh);
		(void)graph_bases(g, &bn, &nb);
	}
	heads = g ? names_json(g, hn, nh) : json_array();
	bases = g ? names_json(g, bn, nb) : json_array();
	for (i = 0; g != NULL && i < g->n; i++) {
		const struct migration	*m = g->nodes[i];
		int			 head = 0, base = 0;

		for (j = 0; j < nh; j++)
			head |= hn[j] == i;
		for (j = 0; j < nb; j++)
			base |= bn[j] == i;
		for (j = 0, viol = 0; j < r->diags.len; j++)
			for (k = 0; k < r->diags.items[j].revisions.len; k++)
				if (strcmp(r->diags.items[j].revisions.items[k],
				    m->revision) == 0 &&
				    r->diags.items[j].severity ==
				    RULE_SEV_ERROR)
					viol++;
		if (m->down_revisions.len > 1)
			json_array_append_new(merges, jstr(m->revision));
		json_array_append_new(nodes, json_pack("{s:o, s:o, s:o, s:o, "
		    "s:b, s:b, s:b, s:I}", "revision", jstr(m->revision),
		    "path", jstr(m->path),
		    "down_revisions", jsonutil_strvec(&m->down_revisions),
		    "branch_labels", jsonutil_strvec(&m->branch_labels),
		    "head", head, "base", base,
		    "merge", m->down_revisions.len > 1,
		    "errors", (json_int_t)viol));
		for (j = 0; j < m->down_revisions.len; j++)
			json_array_append_new(edges, json_pack("{s:o, s:o, "
			    "s:s}", "from", jstr(m->revision), "to",
			    jstr(m->down_revisions.items[j]), "kind",
			    "down_revision"));
		for (j = 0; j < m->depends_on.len; j++)
			json_array_append_new(edges, json_pack("{s:o, s:o, "
			    "s:s}", "from", jstr(m->revision), "to",
			    jstr(m->depends_on.items[j]), "kind",
			    "depends_on"));
	}
	free(hn);
	free(bn);
	return json_pack("{s:s, s:o, s:o, s:s, s:s, s:s, s:o, s:I, s:I, "
	    "s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "schema", "revguard.chain/1", "repository", jstr(name),
	    "ref", jstr(ref), "commit", commit,
	    "verdict", push_verdict_name(r->verdict),
	    "outcome", push_outcome_name(r->outcome),
	    "reason", jstr(r->reason),
	    "migrations", (json_int_t)r->migrations,
	    "errors", (json_int_t)r->errors,
	    "warnings", (json_int_t)r->warnings,
	    "old_debt", (json_int_t)r->old_debt,
	    "versions_dir", jstr(r->versions_dir),
	    "heads", heads, "bases", bases, "merges", merges,
	    "diagnostics", diags, "nodes", nodes, "edges", edges);
}

static void
job_answer(struct http_job *job, int status, json_t *j)
{
	job->status = status;
	job->ctype = "application/json";
	if (j != NULL)
		job->body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (job->body != NULL)
		job->body_len = strlen(job->body);
}

static void
job_error(struct http_job *job, int status, const char *message)
{
	job_answer(job, status, error_json(status == 404 ? "not_found" :
	    status == 504 ? "timeout" : status == 503 ? "unavailable" :
	    "internal", message));
}

/* In a worker: GET /api/v1/repos/{repo}/chain[.dot]. */
static void
run_chain(struct http_job *job)
{
	struct push_result	 res;
	char			 err[1024] = "", commit[ODB_OID_HEXMAX + 1];
	char			*repo, *ref = NULL;
	int			 status;
	FILE			*f;

	memset(&res, 0, sizeof(res));
	if ((repo = find_repository(&job->cfg->daemon.repo_roots,
	    job->q.repo)) == NULL) {
		job_error(job, 404, "no such repository");
		return;
	}
	if (analyse(job, repo, job->q.ref, &res, commit, &ref, &status, err,
	    sizeof(err)) == -1) {
		if (status == 500)
			log_warnx("http: analysis of %s failed: %s",
			    log_vis(repo), err);
		job_error(job, status, status == 500 ? "the analysis could "
		    "not run (see the daemon's log)" : err);
		goto done;
	}
	if (job->dot && res.refs[0].check != NULL) {
		struct engine_result	 view = *res.refs[0].check;

		view.diags = res.refs[0].diags;
		if ((f = open_memstream(&job->body, &job->body_len)) != NULL) {
			report_graph_dot(f, &view);
			fclose(f);
		}
		job->status = job->body ? 200 : 500;
		job->ctype = "text/vnd.graphviz; charset=utf-8";
	} else if (job->dot)
		job_error(job, 404, res.refs[0].reason ? res.refs[0].reason :
		    "nothing to draw: the ref was not checked");
	else {
		if (res.refs[0].check != NULL)
			res.refs[0].check->diags = res.refs[0].diags;
		job_answer(job, 200, chain_json(job->q.repo, ref, commit,
		    &res.refs[0]));
		if (res.refs[0].check != NULL)
			memset(&res.refs[0].check->diags, 0,
			    sizeof(res.refs[0].check->diags));
	}
done:
	push_result_clear(&res);
	free(repo);
	free(ref);
}

/* The cached debt of path at commit, copied into e; 0 when found. */
static int
debt_lookup(struct http *h, const char *path, const char *commit,
    struct debt_entry *e)
{
	size_t	 i, j;
	int	 rv = -1;

	pthread_mutex_lock(&h->debt_lock);
	for (i = 0; i < h->ndebts; i++) {
		if (strcmp(h->debts[i].path, path) != 0 ||
		    strcmp(h->debts[i].commit, commit) != 0)
			continue;
		h->debts[i].used = ++h->debt_clock;
		*e = h->debts[i];
		e->path = NULL;
		e->ref = NULL;
		memset(&e->baselined, 0, sizeof(e->baselined));
		for (j = 0; j < h->debts[i].baselined.len; j++)
			(void)strvec_push(&e->baselined,
			    h->debts[i].baselined.items[j]);
		rv = 0;
		break;
	}
	pthread_mutex_unlock(&h->debt_lock);
	return rv;
}

static void
debt_entry_clear(struct debt_entry *e)
{
	free(e->path);
	free(e->ref);
	strvec_clear(&e->baselined);
}

/* Keeps e (taking its strings); evicts the least recently used. */
static void
debt_store(struct http *h, struct debt_entry *e)
{
	struct debt_entry	*slot = NULL, *p;
	size_t			 i;

	pthread_mutex_lock(&h->debt_lock);
	for (i = 0; i < h->ndebts; i++)
		if (strcmp(h->debts[i].path, e->path) == 0)
			slot = &h->debts[i];
	if (slot == NULL && h->ndebts < HTTP_DEBT_CACHE &&
	    (p = reallocarray(h->debts, h->ndebts + 1,
	    sizeof(*p))) != NULL) {
		h->debts = p;
		slot = &h->debts[h->ndebts++];
		memset(slot, 0, sizeof(*slot));
	}
	if (slot == NULL)
		for (i = 0; i < h->ndebts; i++)
			if (slot == NULL || h->debts[i].used < slot->used)
				slot = &h->debts[i];
	if (slot != NULL) {
		debt_entry_clear(slot);
		*slot = *e;
		slot->used = ++h->debt_clock;
		memset(e, 0, sizeof(*e));
	}
	pthread_mutex_unlock(&h->debt_lock);
	debt_entry_clear(e);
}

/*
 * The debt of a repository's default branch: errors, warnings and the
 * baselined IDs (the configuration's baseline and the branch's baseline
 * file), judged live and kept per repository until the branch moves.
 */
static json_t *
repo_debt(struct http_job *job, const char *real)
{
	const struct config	*cfg = config_for_repository(job->cfg, real);
	struct debt_entry	 e;
	struct push_result	 res;
	struct odb		*db = NULL;
	struct odb_snapshot	*snap = NULL;
	char			 err[1024], commit[ODB_OID_HEXMAX + 1];
	char			*def = NULL, *ref = NULL;
	json_t			*j = NULL;
	int			 status;
	size_t			 i;

	memset(&e, 0, sizeof(e));
	memset(&res, 0, sizeof(res));
	if ((db = odb_open(real, NULL, err, sizeof(err))) == NULL ||
	    (def = odb_default_branch(db)) == NULL ||
	    !odb_ref_exists(db, def) ||
	    (snap = odb_snapshot_open(db, def, commit, err,
	    sizeof(err))) == NULL) {
		j = json_pack("{s:o, s:s}", "ref", jstr(def), "status",
		    "no default branch");
		goto done;
	}
	if (debt_lookup(job->h, real, commit, &e) == -1) {
		if (analyse(job, real, def, &res, commit, &ref, &status, err,
		    sizeof(err)) == -1) {
			j = json_pack("{s:o, s:s, s:o}", "ref", jstr(def),
			    "status", "not analysed", "reason", jstr(
			    status == 500 ? "the analysis could not run" :
			    err));
			goto done;
		}
		e.errors = res.refs[0].errors;
		e.warnings = res.refs[0].warnings;
		e.migrations = res.refs[0].migrations;
		for (i = 0; i < cfg->policy.baseline.len; i++)
			(void)strvec_push(&e.baselined,
			    cfg->policy.baseline.items[i]);
		(void)engine_read_baseline(cfg->baseline_file,
		    &odb_source_ops, snap, &e.baselined, err, sizeof(err));
		snprintf(e.commit, sizeof(e.commit), "%s", commit);
		e.path = strdup(real);
		j = json_pack("{s:o, s:s, s:s, s:I, s:I, s:I, s:o}",
		    "ref", jstr(def), "commit", commit, "status", "analysed",
		    "migrations", (json_int_t)e.migrations,
		    "errors", (json_int_t)e.errors,
		    "warnings", (json_int_t)e.warnings,
		    "baselined", jsonutil_strvec(&e.baselined));
		if (e.path != NULL)
			debt_store(job->h, &e);
	} else
		j = json_pack("{s:o, s:s, s:s, s:I, s:I, s:I, s:o}",
		    "ref", jstr(def), "commit", commit, "status", "analysed",
		    "migrations", (json_int_t)e.migrations,
		    "errors", (json_int_t)e.errors,
		    "warnings", (json_int_t)e.warnings,
		    "baselined", jsonutil_strvec(&e.baselined));
done:
	debt_entry_clear(&e);
	push_result_clear(&res);
	odb_snapshot_free(snap);
	odb_free(db);
	free(def);
	free(ref);
	return j;
}

/* In a worker: GET /api/v1/repos, the log's rows and each one's debt. */
static void
run_repos(struct http_job *job)
{
	const struct strvec	*roots = &job->cfg->daemon.repo_roots;
	json_t			*list = json_array(), *o;
	char			 err[512], *real, *name;
	size_t			 i;

	for (i = 0; i < job->repos.nrepos; i++) {
		const struct store_repo	*r = &job->repos.repos[i];

		real = job_expired(job) ? NULL :
		    serve_admit_repository(roots, r->repository, err,
		    sizeof(err));
		name = real ? relative_name(roots, real) : NULL;
		o = json_pack("{s:o, s:o, s:o, s:I, s:o, s:{s:I, s:I, s:I, "
		    "s:I, s:I, s:I, s:I}, s:o}",
		    "repository", jstr(r->repository), "name", jstr(name),
		    "last_time", jtime(r->last_time_ms),
		    "last_time_ms", (json_int_t)r->last_time_ms,
		    "last_verdict", jstr(r->last_verdict),
		    "counts", "accept", (json_int_t)r->accept,
		    "reject", (json_int_t)r->reject,
		    "error", (json_int_t)r->error,
		    "fail-open", (json_int_t)r->fail_open,
		    "fail-closed", (json_int_t)r->fail_closed,
		    "observe-reject", (json_int_t)r->observe_reject,
		    "bypass", (json_int_t)r->bypass,
		    "debt", real == NULL ? json_pack("{s:s}", "status",
		    job_expired(job) ? "not analysed: out of time" :
		    "outside repo_roots") : repo_debt(job, real));
		json_array_append_new(list, o);
		free(real);
		free(name);
	}
	job_answer(job, 200, json_pack("{s:o}", "repos", list));
}

static void
job_run(struct worker_job *wj)
{
	struct http_job	*job = (struct http_job *)wj;

	if (job_expired(job))
		job_error(job, 503, "the analysis waited for a worker until "
		    "its deadline");
	else if (job->kind == JOB_CHAIN)
		run_chain(job);
	else
		run_repos(job);
}

static void
job_free(struct http_job *job)
{
	if (job->cfgref != NULL)
		job->h->hooks.config_put(job->cfgref);
	api_request_clear(&job->q);
	store_repo_list_clear(&job->repos);
	free(job->body);
	free(job);
}

/* The client went away: its job's answer goes nowhere. */
static void
on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	struct http_job	*job = arg;

	(void)evcon;
	job->req = NULL;
}

static void
on_jobs_done(evutil_socket_t fd, short what, void *arg)
{
	struct http		*h = arg;
	struct worker_job	*wj, *next;
	struct http_job		*job;

	(void)fd;
	(void)what;
	for (wj = worker_pool_take_done(h->pool); wj != NULL; wj = next) {
		next = wj->next;
		job = (struct http_job *)wj;
		h->jobs--;
		if (job->req != NULL) {
			evhttp_connection_set_closecb(
			    evhttp_request_get_connection(job->req), NULL,
			    NULL);
			if (job->body == NULL)
				reply_error(job->req, 500, "internal",
				    "out of memory");
			else
				reply(job->req, job->status, job->ctype,
				    job->body, job->body_len);
		}
		job_free(job);
	}
}

static void
submit(struct http *h, struct evhttp_request *req, struct http_job *job)
{
	if (h->jobs >= HTTP_MAX_JOBS) {
		reply_error(req, 503, "busy", "too many analyses are running; "
		    "try again");
		job_free(job);
		return;
	}
	job->h = h;
	job->req = req;
	job->wj.run = job_run;
	job->cfg = h->hooks.config_get(h->hooks.ctx, &job->cfgref);
	job->deadline_ms = clock_mono_ms() + job->cfg->daemon.job_timeout_ms;
	job->stop.expired = job_expired;
	job->stop.ctx = job;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    on_conn_close, job);
	h->jobs++;
	worker_pool_submit(h->pool, &job->wj);
}

/* --- the loop thread's endpoints ----------------------------------- */

static void
serve_health(struct http *h, struct evhttp_request *req)
{
	const struct daemon_stats	*s = h->hooks.stats(h->hooks.ctx);

	reply_json(req, 200, json_pack("{s:s, s:s, s:I}", "status", "ok",
	    "version", PACKAGE_VERSION, "uptime_s",
	    (json_int_t)((clock_mono_ms() - s->started_ms) / 1000)));
}

static const char *
dep_name(enum stats_dep d)
{
	return d == STATS_DEP_NONE ? "not configured" : d == STATS_DEP_OK ?
	    "ok" : "failing";
}

static void
serve_ready(struct http *h, struct evhttp_request *req)
{
	const struct daemon_stats	*s = h->hooks.stats(h->hooks.ctx);
	/*
	 * PostgreSQL failing does not make the node unready: its pushes are
	 * answered and recorded locally, and the shipper catches up later.
	 * Failing readiness there would take every node of a fleet out of
	 * its load balancer at once for an outage that costs nothing.
	 */
	int				 ready = s->log_state != STATS_DEP_FAILING &&
					    !__atomic_load_n(&h->stopping,
					    __ATOMIC_RELAXED);
	int				 degraded = s->pg_state ==
					    STATS_DEP_FAILING;

	reply_json(req, ready ? 200 : 503, json_pack("{s:s, s:{s:s, s:s, "
	    "s:s, s:s}}", "status", !ready ? "not ready" : degraded ?
	    "degraded" : "ready", "checks",
	    "config", "loaded", "decision_log", dep_name(s->log_state),
	    "postgresql", dep_name(s->pg_state), "daemon", h->stopping ?
	    "stopping" : "running"));
}

static void
serve_metrics(struct http *h, struct evhttp_request *req)
{
	char	*text = control_metrics(h->hooks.stats(h->hooks.ctx),
		    clock_mono_ms());

	if (text == NULL) {
		reply_error(req, 500, "internal", "out of memory");
		return;
	}
	reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", text,
	    strlen(text));
	free(text);
}

static void
serve_page(struct evhttp_request *req)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Security-Policy", "default-src 'none'; script-src "
	    "'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
	    "img-src data:; base-uri 'none'; form-action 'none'");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "X-Frame-Options", "DENY");
	reply(req, 200, "text/html; charset=utf-8",
	    (const char *)http_page_html, http_page_html_len);
}

static int
header_count(struct evhttp_request *req)
{
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct evkeyval		*kv;
	int			 n = 0;

	TAILQ_FOREACH(kv, in, next)
		n++;
	return n;
}

/* The endpoint, for evbuffer callbacks, which carry one pointer. */
static struct http	*http_self;

static struct http_track *
track_slot(struct http *h, const void *bev, int create)
{
	size_t			 i = ((uintptr_t)bev >> 4) & (HTTP_TRACK - 1);
	struct http_track	*oldest = NULL;
	int			 n;

	for (n = 0; n < HTTP_TRACK_PROBES; n++, i = (i + 1) &
	    (HTTP_TRACK - 1)) {
		if (h->track[i].bev == bev)
			return &h->track[i];
		if (oldest == NULL || h->track[i].bev == NULL ||
		    (oldest->bev != NULL &&
		    h->track[i].start_ms < oldest->start_ms))
			oldest = &h->track[i];
	}
	if (!create)
		return NULL;
	oldest->bev = bev;
	oldest->start_ms = clock_mono_ms();
	oldest->reading = 1;
	return oldest;
}

/*
 * Bytes arrived on a connection: the request they belong to must be
 * whole within http.timeout of its first byte, however slowly it
 * trickles (evhttp's own timeout is the idle time between reads).  Past
 * it the socket is shut down; evhttp sees the end of the stream and
 * frees the connection on its own path.
 */
static void
on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct http		*h = http_self;
	struct bufferevent	*bev = arg;
	struct http_track	*t;
	evutil_socket_t		 fd;
	long long		 now;

	(void)buf;
	if (info->n_added == 0 || h == NULL)
		return;
	now = clock_mono_ms();
	t = track_slot(h, bev, 1);
	if (!t->reading) {
		t->reading = 1;
		t->start_ms = now;
		return;
	}
	if (now - t->start_ms <= h->request_ms ||
	    (fd = bufferevent_getfd(bev)) < 0)
		return;
	if (h->slow++ % 100 == 0)
		log_info("http: closed a connection whose request took over "
		    "http.timeout (%d ms) to arrive (%lu so far)",
		    h->request_ms, h->slow);
	(void)shutdown(fd, SHUT_RDWR);
	t->bev = NULL;
}

/* evhttp's new connection: its bufferevent, with the clock on it. */
static struct bufferevent *
on_new_conn(struct event_base *base, void *arg)
{
	struct http		*h = arg;
	struct bufferevent	*bev;
	struct http_track	*t;

	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return NULL;
	t = track_slot(h, bev, 1);
	t->start_ms = clock_mono_ms();
	t->reading = 1;
	if (evbuffer_add_cb(bufferevent_get_input(bev), on_input,
	    bev) == NULL) {
		bufferevent_free(bev);
		return NULL;
	}
	return bev;
}

/* A whole request arrived: the next one is timed from its first byte. */
static void
request_arrived(struct http *h, struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	struct http_track		*t;

	if ((evcon = evhttp_request_get_connection(req)) != NULL &&
	    (bev = evhttp_connection_get_bufferevent(evcon)) != NULL &&
	    (t = track_slot(h, bev, 0)) != NULL)
		t->reading = 0;
}

/*
 * A page of decisions goes out in several segments; without this, the
 * last waits for the client's delayed ACK (40 ms on Linux) whenever
 * the client keeps the connection open.
 */
static void
no_delay(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	evutil_socket_t			 fd;
	int				 one = 1;

	if ((evcon = evhttp_request_get_connection(req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    (fd = bufferevent_getfd(bev)) < 0)
		return;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct http		*h = arg;
	enum evhttp_cmd_type	 method = evhttp_request_get_command(req);
	struct api_request	 q;
	struct api_error	 e;
	struct http_job		*job;
	struct store_repo_list	 repos;
	char			 err[512];

	h->hooks.stats(h->hooks.ctx)->http_requests++;
	no_delay(req);
	request_arrived(h, req);
	if (__atomic_load_n(&h->stopping, __ATOMIC_RELAXED)) {
		reply_error(req, 503, "unavailable", "the daemon is stopping");
		return;
	}
	if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		reply_error(req, 405, "method_not_allowed", "this endpoint is "
		    "read-only: GET and HEAD only");
		return;
	}
	if (header_count(req) > h->max_headers) {
		reply_error(req, 431, "too_many_headers", "more headers than "
		    "http.max_headers allows");
		return;
	}
	if (api_parse(evhttp_request_get_uri(req), clock_wall_ms(), &q, &e) == -1) {
		api_request_clear(&q);
		/* The page needs no token; anything else is told 401
		 * first, so a stranger learns nothing from a 404. */
		if (!authorized(h, req))
			goto unauthorized;
		reply_error(req, e.status, e.code, e.message);
		return;
	}
	if (q.route != API_PAGE && q.route != API_HEALTHZ &&
	    !authorized(h, req)) {
		api_request_clear(&q);
		goto unauthorized;
	}
	switch (q.route) {
	case API_PAGE:
		serve_page(req);
		break;
	case API_HEALTHZ:
		serve_health(h, req);
		break;
	case API_READYZ:
		serve_ready(h, req);
		break;
	case API_METRICS:
		serve_metrics(h, req);
		break;
	case API_DECISIONS:
		serve_decisions(h, req, &q);
		break;
	case API_REPOS:
		if (h->store == NULL) {
			reply_error(req, 503, "unavailable", "the decision "
			    "log is not configured on this daemon");
			break;
		}
		memset(&repos, 0, sizeof(repos));
		if (store_repos(h->store, &repos, err, sizeof(err)) == -1) {
			log_warnx("http: repos query: %s", err);
			store_repo_list_clear(&repos);
			reply_error(req, 503, "unavailable", "the decision "
			    "log cannot be read now (see the daemon's log)");
			break;
		}
		if ((job = calloc(1, sizeof(*job))) == NULL) {
			store_repo_list_clear(&repos);
			reply_error(req, 500, "internal", "out of memory");
			break;
		}
		job->kind = JOB_REPOS;
		job->repos = repos;
		submit(h, req, job);
		break;
	case API_CHAIN:
	case API_CHAIN_DOT:
		if ((job = calloc(1, sizeof(*job))) == NULL) {
			reply_error(req, 500, "internal", "out of memory");
			break;
		}
		job->kind = JOB_CHAIN;
		job->dot = q.route == API_CHAIN_DOT;
		job->q = q;
		memset(&q, 0, sizeof(q));
		submit(h, req, job);
		break;
	}
	api_request_clear(&q);
	return;
unauthorized:
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "WWW-Authenticate", "Bearer realm=\"revguard\"");
	reply_error(req, 401, "unauthorized", "a valid bearer token is "
	    "required (Authorization: Bearer ...)");
}

/* --- life cycle ------------------------------------------------------ */

struct http *
http_new(const struct http_opts *o, char *err, size_t errlen)
{
	const struct config_http	*c = &o->cfg->http;
	struct http			*h;
	struct timeval			 tv;
	char				 host[64];
	int				 port;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&h->debt_lock, NULL);
	if ((h->track = calloc(HTTP_TRACK, sizeof(*h->track))) == NULL) {
		free(h);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->request_ms = c->timeout_ms;
	h->base = o->base;
	h->store = o->store;
	h->parsed = o->parsed;
	h->trees = o->trees;
	h->hooks = o->hooks;
	h->max_headers = c->max_headers;
	if (c->listen == NULL || config_http_address(c->listen, host,
	    sizeof(host), &port, NULL) == -1) {
		snprintf(err, errlen, "http.listen is not an address");
		goto fail;
	}
	if (c->token_file != NULL && (h->token = read_token(c->token_file,
	    err, errlen)) == NULL)
		goto fail;
	if ((h->pool = worker_pool_new(o->workers > 0 ? o->workers :
	    1)) == NULL) {
		snprintf(err, errlen, "cannot start the endpoint's workers: "
		    "%s", strerror(errno));
		goto fail;
	}
	if ((h->ev_done = event_new(h->base, worker_pool_fd(h->pool),
	    EV_READ | EV_PERSIST, on_jobs_done, h)) == NULL ||
	    event_add(h->ev_done, NULL) == -1 ||
	    (h->evh = evhttp_new(h->base)) == NULL) {
		snprintf(err, errlen, "cannot set up the HTTP endpoint");
		goto fail;
	}
	/* Bounded before a byte reaches a callback. */
	evhttp_set_max_headers_size(h->evh, c->max_request_bytes);
	evhttp_set_max_body_size(h->evh, 0);
	tv.tv_sec = c->timeout_ms / 1000;
	tv.tv_usec = (c->timeout_ms % 1000) * 1000;
	evhttp_set_timeout_tv(h->evh, &tv);
	/* Every method reaches on_request, which answers 405 in JSON. */
	evhttp_set_allowed_methods(h->evh, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->evh, on_request, h);
	evhttp_set_bevcb(h->evh, on_new_conn, h);
	http_self = h;
	if ((h->bound = evhttp_bind_socket_with_handle(h->evh, host,
	    (ev_uint16_t)port)) == NULL) {
		snprintf(err, errlen, "http.listen %s: cannot bind: %s (the "
		    "shipped systemd unit allows no network: see docs/api.md "
		    "for the drop-in)", c->listen, strerror(errno));
		goto fail;
	}
	h->port = port;
	log_info("http: listening on %s%s", c->listen, h->token ?
	    " (bearer token required)" : "");
	return h;
fail:
	http_free(h, 0);
	return NULL;
}

void
http_set_store(struct http *h, struct store *s)
{
	h->store = s;
}

int
http_port(const struct http *h)
{
	return h ? h->port : -1;
}

void
http_stop(struct http *h)
{
	if (h == NULL)
		return;
	__atomic_store_n(&h->stopping, 1, __ATOMIC_RELAXED);
	if (h->bound != NULL) {
		evhttp_del_accept_socket(h->evh, h->bound);
		h->bound = NULL;
	}
}

void
http_free(struct http *h, int timeout_ms)
{
	struct worker_job	*wj, *next;
	size_t			 i;
	int			 stuck = 0;

	if (h == NULL)
		return;
	http_stop(h);
	if (h->evh != NULL)
		evhttp_free(h->evh);	/* closes every connection */
	if (http_self == h)
		http_self = NULL;
	if (h->pool != NULL) {
		if (worker_pool_stop(h->pool, timeout_ms) == -1) {
			log_warnx("http: an analysis did not stop; leaving it");
			stuck = 1;
		} else {
			for (wj = worker_pool_free(h->pool); wj != NULL;
			    wj = next) {
				next = wj->next;
				((struct http_job *)wj)->req = NULL;
				job_free((struct http_job *)wj);
			}
		}
	}
	if (h->ev_done != NULL)
		event_free(h->ev_done);
	if (stuck)
		return;		/* the running analysis still uses h */
	for (i = 0; i < h->ndebts; i++)
		debt_entry_clear(&h->debts[i]);
	free(h->debts);
	free(h->track);
	free(h->token);
	pthread_mutex_destroy(&h->debt_lock);
	free(h);
}

