/*
 * store.c: the decision log's front door: the dispatch to a backend's
 * store_ops, the _clear functions of what the store hands out, and the
 * cursor every backend uses, so pages look the same from SQLite and
 * PostgreSQL.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "revguard/store.h"

/* A node name in a cursor: host names are at most 255 bytes. */
#define STORE_NODE_MAX		255

int
store_put(struct store *s, struct store_decision *d, char *err,
    size_t errlen)
{
	return s->ops->put(s, d, err, errlen);
}

int
store_query(struct store *s, const struct store_filter *f,
    struct store_page *page, char *err, size_t errlen)
{
	memset(page, 0, sizeof(*page));
	return s->ops->query(s, f, page, err, errlen);
}

int
store_repos(struct store *s, struct store_repo_list *list, char *err,
    size_t errlen)
{
	memset(list, 0, sizeof(*list));
	return s->ops->repos(s, list, err, errlen);
}

long
store_prune(struct store *s, long long now_ms, long long max_age_ms,
    long long max_rows, long budget, char *err, size_t errlen)
{
	if (max_age_ms <= 0 && max_rows <= 0)
		return 0;
	return s->ops->prune(s, now_ms, max_age_ms, max_rows, budget, err,
	    errlen);
}

void
store_close(struct store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

size_t
store_filter_limit(const struct store_filter *f)
{
	if (f->limit == 0)
		return STORE_PAGE_DEFAULT;
	return f->limit > STORE_PAGE_MAX ? STORE_PAGE_MAX : f->limit;
}

void
store_decision_clear(struct store_decision *d)
{
	size_t	 i;

	if (d == NULL)
		return;
	free(d->node);
	free(d->repository);
	free(d->mode);
	free(d->source);
	free(d->pusher);
	free(d->pusher_env);
	free(d->verdict);
	free(d->error);
	free(d->bypass_reason);
	free(d->version);
	free(d->config_digest);
	for (i = 0; i < d->nrefs; i++) {
		free(d->refs[i].ref);
		free(d->refs[i].old_id);
		free(d->refs[i].new_id);
		free(d->refs[i].verdict);
		free(d->refs[i].outcome);
		free(d->refs[i].reason);
	}
	free(d->refs);
	for (i = 0; i < d->ndiags; i++) {
		free(d->diags[i].rule);
		free(d->diags[i].severity);
		free(d->diags[i].file);
		free(d->diags[i].revision);
		free(d->diags[i].message);
	}
	free(d->diags);
	memset(d, 0, sizeof(*d));
}

void
store_page_clear(struct store_page *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < p->ndecisions; i++)
		store_decision_clear(&p->decisions[i]);
	free(p->decisions);
	free(p->next_cursor);
	memset(p, 0, sizeof(*p));
}

void
store_repo_list_clear(struct store_repo_list *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nrepos; i++) {
		free(l->repos[i].repository);
		free(l->repos[i].last_verdict);
	}
	free(l->repos);
	memset(l, 0, sizeof(*l));
}

/* strdup that keeps NULL; *failed is set when memory ran out. */
static char *
dup_or_null(const char *s, int *failed)
{
	char	*d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*failed = 1;
	return d;
}

int
store_decision_copy(struct store_decision *dst,
    const struct store_decision *src)
{
	int	 failed = 0;
	size_t	 i;

	*dst = *src;
	dst->refs = NULL;
	dst->diags = NULL;
	dst->nrefs = dst->ndiags = 0;
	dst->node = dup_or_null(src->node, &failed);
	dst->repository = dup_or_null(src->repository, &failed);
	dst->mode = dup_or_null(src->mode, &failed);
	dst->source = dup_or_null(src->source, &failed);
	dst->pusher = dup_or_null(src->pusher, &failed);
	dst->pusher_env = dup_or_null(src->pusher_env, &failed);
	dst->verdict = dup_or_null(src->verdict, &failed);
	dst->error = dup_or_null(src->error, &failed);
	dst->bypass_reason = dup_or_null(src->bypass_reason, &failed);
	dst->version = dup_or_null(src->version, &failed);
	dst->config_digest = dup_or_null(src->config_digest, &failed);
	if (src->nrefs > 0 && (dst->refs = calloc(src->nrefs,
	    sizeof(*dst->refs))) == NULL)
		failed = 1;
	for (i = 0; dst->refs != NULL && i < src->nrefs; i++, dst->nrefs++) {
		dst->refs[i].ref = dup_or_null(src->refs[i].ref, &failed);
		dst->refs[i].old_id = dup_or_null(src->refs[i].old_id, &failed);
		dst->refs[i].new_id = dup_or_null(src->refs[i].new_id, &failed);
		dst->refs[i].verdict = dup_or_null(src->refs[i].verdict,
		    &failed);
		dst->refs[i].outcome = dup_or_null(src->refs[i].outcome,
		    &failed);
		dst->refs[i].reason = dup_or_null(src->refs[i].reason, &failed);
	}
	if (src->ndiags > 0 && (dst->diags = calloc(src->ndiags,
	    sizeof(*dst->diags))) == NULL)
		failed = 1;
	for (i = 0; dst->diags != NULL && i < src->ndiags; i++,
	    dst->ndiags++) {
		dst->diags[i] = src->diags[i];
		dst->diags[i].rule = dup_or_null(src->diags[i].rule, &failed);
		dst->diags[i].severity = dup_or_null(src->diags[i].severity,
		    &failed);
		dst->diags[i].file = dup_or_null(src->diags[i].file, &failed);
		dst->diags[i].revision = dup_or_null(src->diags[i].revision,
		    &failed);
		dst->diags[i].message = dup_or_null(src->diags[i].message,
		    &failed);
	}
	if (failed) {
		store_decision_clear(dst);
		return -1;
	}
	return 0;
}

char *
store_cursor_encode(const struct store_decision *d)
{
	static const char	 hex[] = "0123456789abcdef";
	const char		*node = d->node ? d->node : "";
	size_t			 n = strlen(node), i, off;
	char			*out;

	if (n > STORE_NODE_MAX)
		n = STORE_NODE_MAX;
	if ((out = malloc(2 * 21 + 2 + 2 * n + 1)) == NULL)
		return NULL;
	off = (size_t)sprintf(out, "%lld.%lld.", d->time_ms, d->seq);
	for (i = 0; i < n; i++) {
		out[off++] = hex[(unsigned char)node[i] >> 4];
		out[off++] = hex[(unsigned char)node[i] & 15];
	}
	out[off] = '\0';
	return out;
}

/* A decimal number up to the next '.', no sign; -1 if there is none. */
static int
cursor_number(const char **p, long long *out)
{
	char		*end;
	long long	 v;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	v = strtoll(*p, &end, 10);
	if (errno != 0 || *end != '.')
		return -1;
	*out = v;
	*p = end + 1;
	return 0;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
store_cursor_decode(const char *cursor, long long *time_ms, long long *seq,
    char *node, size_t nodelen, char *err, size_t errlen)
{
	const char	*p = cursor;
	size_t		 n = 0;
	int		 hi, lo;

	if (strlen(cursor) > 2 * 21 + 2 + 2 * STORE_NODE_MAX ||
	    cursor_number(&p, time_ms) == -1 || cursor_number(&p, seq) == -1)
		goto bad;
	for (; p[0] != '\0'; p += 2) {
		if ((hi = hex_value(p[0])) == -1 || (lo = hex_value(p[1])) ==
		    -1 || n + 1 >= nodelen || (hi == 0 && lo == 0))
			goto bad;
		node[n++] = (char)(hi << 4 | lo);
	}
	node[n] = '\0';
	return 0;
bad:
	snprintf(err, errlen, "cursor: not one this server handed out; "
	    "start again without it");
	return -1;
}

/* A string or JSON null. */
static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *
store_decision_json(const struct store_decision *d)
{
	json_t	*refs = json_array(), *diags = json_array(), *j;
	char	*cursor = store_cursor_encode(d);
	size_t	 i;

	for (i = 0; i < d->nrefs; i++)
		json_array_append_new(refs, json_pack("{s:o, s:o, s:o, s:o, "
		    "s:o, s:o}", "ref", str_or_null(d->refs[i].ref), "old",
		    str_or_null(d->refs[i].old_id), "new",
		    str_or_null(d->refs[i].new_id), "verdict",
		    str_or_null(d->refs[i].verdict), "outcome",
		    str_or_null(d->refs[i].outcome), "reason",
		    str_or_null(d->refs[i].reason)));
	for (i = 0; i < d->ndiags; i++)
		json_array_append_new(diags, json_pack("{s:o, s:I, s:o, s:o, "
		    "s:o, s:I, s:o, s:o, s:b}", "ref", d->diags[i].ref <
		    d->nrefs ? str_or_null(d->refs[d->diags[i].ref].ref) :
		    json_null(), "ref_index", (json_int_t)d->diags[i].ref,
		    "rule", str_or_null(d->diags[i].rule), "severity",
		    str_or_null(d->diags[i].severity), "file",
		    str_or_null(d->diags[i].file), "line",
		    (json_int_t)d->diags[i].line, "revision",
		    str_or_null(d->diags[i].revision), "message",
		    str_or_null(d->diags[i].message), "old", d->diags[i].old));
	j = json_pack("{s:o, s:I, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:o, s:I, s:o, s:o, s:o, s:o}",
	    "cursor", str_or_null(cursor), "seq", (json_int_t)d->seq,
	    "node", str_or_null(d->node), "time_ms", (json_int_t)d->time_ms,
	    "repository", str_or_null(d->repository),
	    "mode", str_or_null(d->mode), "source", str_or_null(d->source),
	    "pusher", str_or_null(d->pusher),
	    "pusher_env", str_or_null(d->pusher_env),
	    "verdict", str_or_null(d->verdict), "error", str_or_null(d->error),
	    "bypass_reason", str_or_null(d->bypass_reason),
	    "duration_ms", (json_int_t)d->duration_ms,
	    "version", str_or_null(d->version),
	    "config_digest", str_or_null(d->config_digest),
	    "refs", refs, "diagnostics", diags);
	free(cursor);
	return j;
}
