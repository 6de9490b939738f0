/*
 * store_sink.c: from a decision (the answer a pusher is about to get) to
 * a row in the decision log, committed before the answer is sent.  The
 * daemon decides what a failed commit means for the push
 * (decisions.on_error); this file only reports it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "revguard/clock.h"
#include "revguard/store_sink.h"
#include "revguard/strvec.h"

struct store_sink {
	struct decision_sink	 sink;
	struct store		*store;
	char			*node;
	char			*digest;
};

const char *
store_sink_hostname(void)
{
	static char	 name[256];

	if (name[0] == '\0' && (gethostname(name, sizeof(name) - 1) == -1 ||
	    name[0] == '\0'))
		snprintf(name, sizeof(name), "localhost");
	return name;
}

int
store_sink_off(const char *path)
{
	return path == NULL || path[0] == '\0' || strcmp(path, "off") == 0;
}

static char *
xstrdup_or(const char *s, int *failed)
{
	char	*d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*failed = 1;
	return d;
}

/* The result's ref for an update, by name; NULL when it has none. */
static const struct push_ref_result *
result_ref(const struct push_result *res, const char *ref, size_t hint)
{
	size_t	 i;

	if (hint < res->nrefs && strcmp(res->refs[hint].ref, ref) == 0)
		return &res->refs[hint];
	for (i = 0; i < res->nrefs; i++)
		if (strcmp(res->refs[i].ref, ref) == 0)
			return &res->refs[i];
	return NULL;
}

/* A ref's verdict as the log names it. */
static const char *
ref_verdict(const struct push_result *res, const struct push_ref_result *r,
    const char *overall)
{
	/* A failed ref that did not refuse the push (observe, bypass) is
	 * shown as what happened to it. */
	if (r->verdict == PUSH_REJECT && !res->reject)
		return overall;
	return push_verdict_name(r->verdict);
}

/* Appends the store_diags of one ref result. */
static int
add_diags(struct store_decision *out, const struct push_ref_result *r,
    size_t ref_index)
{
	struct store_diag	*g;
	struct buf		 revs = BUF_INIT;
	void			*grown;
	size_t			 i, j;
	int			 failed = 0;

	if (r->diags.len == 0)
		return 0;
	if ((grown = reallocarray(out->diags, out->ndiags + r->diags.len,
	    sizeof(*out->diags))) == NULL)
		return -1;
	out->diags = grown;
	for (i = 0; i < r->diags.len; i++) {
		const struct diag	*dg = &r->diags.items[i];

		g = &out->diags[out->ndiags++];
		memset(g, 0, sizeof(*g));
		g->ref = ref_index;
		g->rule = xstrdup_or(rule_name(dg->rule), &failed);
		g->severity = xstrdup_or(rule_sev_name(dg->severity), &failed);
		g->file = xstrdup_or(dg->path, &failed);
		g->line = dg->line;
		g->message = xstrdup_or(dg->message ? dg->message : "",
		    &failed);
		g->old = dg->old;
		for (j = 0; j < dg->revisions.len; j++)
			if (buf_printf(&revs, "%s%s", j ? " " : "",
			    dg->revisions.items[j]) == -1)
				failed = 1;
		if (revs.data != NULL) {
			g->revision = revs.data;
			revs = (struct buf)BUF_INIT;
		}
	}
	return failed ? -1 : 0;
}

int
store_sink_build(const struct decision *dec, const char *node,
    const char *digest, long long time_ms, struct store_decision *out)
{
	const struct push_result	*res = dec->res;
	const struct push_ref_result	*r;
	struct buf			 env = BUF_INIT;
	const char			*overall;
	size_t				 i;
	int				 failed = 0;

	memset(out, 0, sizeof(*out));
	if (res != NULL)
		overall = push_result_verdict(res);
	else if (dec->on_unavailable == PUSH_UNAVAILABLE_ACCEPT)
		overall = STORE_FAIL_OPEN;
	else if (dec->on_unavailable == PUSH_UNAVAILABLE_REJECT)
		overall = STORE_FAIL_CLOSED;
	else
		overall = STORE_ERROR;
	out->node = xstrdup_or(node, &failed);
	out->time_ms = time_ms;
	out->repository = xstrdup_or(dec->repository ? dec->repository :
	    "(unknown)", &failed);
	out->mode = xstrdup_or(res ? push_mode_name(res->mode) : NULL,
	    &failed);
	out->source = xstrdup_or("daemon", &failed);
	/* The pusher is the identity the decision names; every forwarded
	 * variable goes in pusher_env. */
	out->pusher = xstrdup_or(dec->pusher, &failed);
	for (i = 0; dec->pushers != NULL && i < dec->pushers->len; i++)
		if (buf_printf(&env, "%s\n", dec->pushers->items[i]) == -1)
			failed = 1;
	out->pusher_env = env.data;
	out->verdict = xstrdup_or(overall, &failed);
	out->error = xstrdup_or(res ? NULL : dec->error ? dec->error :
	    "no answer", &failed);
	if (res != NULL && res->bypass_reason != NULL) {
		struct buf	 b = BUF_INIT;

		if (buf_printf(&b, "%s%s%s", res->bypass_by ? res->bypass_by :
		    "", res->bypass_by ? ": " : "", res->bypass_reason) == -1)
			failed = 1;
		out->bypass_reason = b.data;
	}
	out->duration_ms = dec->duration_ms;
	out->version = xstrdup_or(PACKAGE_VERSION, &failed);
	out->config_digest = xstrdup_or(digest, &failed);
	if (dec->nupdates > 0 && (out->refs = calloc(dec->nupdates,
	    sizeof(*out->refs))) == NULL)
		failed = 1;
	for (i = 0; out->refs != NULL && i < dec->nupdates; i++) {
		struct store_ref	*sr = &out->refs[out->nrefs++];

		sr->ref = xstrdup_or(dec->updates[i].ref, &failed);
		sr->old_id = xstrdup_or(dec->updates[i].old_id, &failed);
		sr->new_id = xstrdup_or(dec->updates[i].new_id, &failed);
		r = res ? result_ref(res, dec->updates[i].ref, i) : NULL;
		if (r == NULL) {
			sr->verdict = xstrdup_or(res ? STORE_SKIP : overall,
			    &failed);
			continue;
		}
		sr->verdict = xstrdup_or(ref_verdict(res, r, overall),
		    &failed);
		sr->outcome = xstrdup_or(push_outcome_name(r->outcome),
		    &failed);
		sr->reason = xstrdup_or(r->reason, &failed);
		if (add_diags(out, r, i) == -1)
			failed = 1;
	}
	if (failed) {
		store_decision_clear(out);
		return -1;
	}
	return 0;
}

static int
sink_commit(void *ctx, const struct decision *dec, char *err, size_t errlen)
{
	struct store_sink	*s = ctx;
	struct store_decision	 d;
	int			 rv;

	if (store_sink_build(dec, s->node, s->digest, clock_wall_ms(), &d) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rv = store_put(s->store, &d, err, errlen);
	store_decision_clear(&d);
	return rv;
}

struct store_sink *
store_sink_new(struct store *store, const char *node, const char *digest)
{
	struct store_sink	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->store = store;
	if ((s->node = strdup(node)) == NULL ||
	    (s->digest = strdup(digest ? digest : "")) == NULL) {
		free(s->node);
		free(s);
		return NULL;
	}
	s->sink.name = "decisions";
	s->sink.ctx = s;
	s->sink.commit = sink_commit;
	return s;
}

void
store_sink_set_digest(struct store_sink *s, const char *digest)
{
	char	*d = strdup(digest ? digest : "");

	if (d != NULL) {
		free(s->digest);
		s->digest = d;
	}
}

const struct decision_sink *
store_sink_sink(struct store_sink *s)
{
	return &s->sink;
}

struct store *
store_sink_store(struct store_sink *s)
{
	return s->store;
}

void
store_sink_free(struct store_sink *s)
{
	if (s == NULL)
		return;
	store_close(s->store);
	free(s->node);
	free(s->digest);
	free(s);
}
