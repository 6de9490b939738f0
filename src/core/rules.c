/*
 * rules.c: pattern rules (one migration at a time) and chain rules (the
 * whole revision graph), then rules_settle, the single place where the
 * configured severities, the baseline and the old-debt policy are applied.
 * Every diagnostic lists the revisions it is about, which is what lets
 * settle tell new problems from grandfathered ones.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/debt.h"
#include "revguard/path.h"
#include "revguard/placeholder.h"
#include "revguard/rules.h"

#define GEN_HINT "generate IDs with `alembic revision` (random hex), not by "  \
	"hand, and rename the file to match"

/* The diagnostic's revisions: up to three IDs, NULL-terminated. */
static struct diag *
with_revs(struct diag *d, const char *a, const char *b)
{
	if (d == NULL)
		return NULL;
	if ((a != NULL && strvec_push(&d->revisions, a) == -1) ||
	    (b != NULL && strvec_push(&d->revisions, b) == -1))
		return NULL;
	return d;
}

/*
 * A pattern that could not be evaluated against a revision: an error
 * under the rule the pattern serves, so the ID is never let through.
 */
static int
match_error(struct diag_list *out, const struct migration *m,
    enum rule_id rule, const char *field, const char *pattern, int rc)
{
	PCRE2_UCHAR	 msg[128];

	if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
		snprintf((char *)msg, sizeof(msg), "error %d", rc);
	return with_revs(diag_add(out, rule, RULE_SEV_ERROR, m->path,
	    m->revision_line, "simplify the pattern in the configuration: "
	    "nested or overlapping repeats such as (a|aa)+ backtrack "
	    "exponentially", "%s `%s` could not be evaluated on revision "
	    "`%s`: %s; the revision is not accepted", field, pattern,
	    m->revision, (char *)msg), m->revision, NULL) ? 0 : -1;
}

enum tfield {
	TFIELD_SLUG,	/* word characters, lowercase, possibly empty */
	TFIELD_DIGITS,	/* a number: epoch, year, ..., or any %d field */
	TFIELD_OTHER	/* anything, at least one character */
};

/*
 * What Alembic 1.8.1 puts in a field (script/base.py, _rev_path): the
 * slug is "_".join(re.findall(r"\w+", message or "")).lower(), so it is
 * empty for `alembic revision` without -m, and consists of word
 * characters (non-ASCII letters are taken as such); the date fields and
 * epoch are numbers.
 */
static enum tfield
tfield_kind(const char *name, size_t n, int conv_d)
{
	static const char *const numeric[] = { "epoch", "year", "month",
		"day", "hour", "minute", "second", NULL };
	size_t	 i;

	if (n == 4 && strncmp(name, "slug", 4) == 0 && !conv_d)
		return TFIELD_SLUG;
	for (i = 0; numeric[i] != NULL; i++)
		if (strlen(numeric[i]) == n && strncmp(name, numeric[i],
		    n) == 0)
			return TFIELD_DIGITS;
	return conv_d ? TFIELD_DIGITS : TFIELD_OTHER;
}

static int
tfield_char(enum tfield kind, unsigned char c)
{
	switch (kind) {
	case TFIELD_SLUG:
		return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c >= 0x80;
	case TFIELD_DIGITS:
		return c >= '0' && c <= '9';
	default:
		return c != '\0';
	}
}

/*
 * Template matching: %(rev)s must be the revision itself, the other
 * fields hold what Alembic would write there (tfield_kind).
 */
static int
tmatch(const char *t, const char *s, const char *rev)
{
	const char	*close, *name;
	enum tfield	 kind;
	size_t		 n, k, min;

	while (*t != '\0') {
		if (t[0] == '%' && t[1] == '%') {
			if (*s != '%')
				return 0;
			t += 2;
			s++;
			continue;
		}
		if (t[0] != '%' || t[1] != '(' ||
		    (close = strchr(t, ')')) == NULL) {
			if (*t != *s)
				return 0;
			t++;
			s++;
			continue;
		}
		name = t + 2;
		n = (size_t)(close - name);
		for (t = close + 1; *t != '\0' && strchr("0123456789-.", *t);
		    t++)
			;
		kind = tfield_kind(name, n, *t == 'd');
		if (*t != '\0')
			t++;
		if (n == 3 && strncmp(name, "rev", 3) == 0) {
			n = strlen(rev);
			if (strncmp(s, rev, n) != 0)
				return 0;
			s += n;
			continue;
		}
		/* A free field: try every length, shortest first. */
		min = kind == TFIELD_SLUG ? 0 : 1;
		for (k = 0; ; k++) {
			if (k >= min && (*t != '\0' || s[k] == '\0') &&
			    tmatch(t, s + k, rev))
				return 1;
			if (s[k] == '\0' ||
			    !tfield_char(kind, (unsigned char)s[k]))
				return 0;
		}
	}
	return *s == '\0';
}

int
rules_template_match(const char *tmpl, const char *name, const char *rev)
{
	return tmatch(tmpl, name, rev);
}

static int
check_filename(const struct policy *p, const struct migration *m,
    struct diag_list *out)
{
	const char	*base = path_basename(m->path);
	char		*name;
	int		 ok;

	if (strstr(p->file_template, "%(rev)") == NULL)
		return 0;
	if ((name = strdup(base)) == NULL)
		return -1;
	if (strlen(name) > 3 && strcmp(name + strlen(name) - 3, ".py") == 0)
		name[strlen(name) - 3] = '\0';
	ok = tmatch(p->file_template, name, m->revision);
	free(name);
	if (ok)
		return 0;
	return with_revs(diag_add(out, RULE_FILENAME_REVISION, RULE_SEV_ERROR,
	    m->path, m->revision_line, "rename the file so that it carries "
	    "its revision, as `alembic revision` names it",
	    "file name `%s` does not carry revision `%s` (file_template "
	    "`%s`)", base, m->revision, p->file_template),
	    m->revision, NULL) ? 0 : -1;
}

static int
check_placeholder(const struct policy *p, pcre2_match_data *md,
    const struct migration *m, struct diag_list *out)
{
	struct placeholder_match	 why;
	char				 shape[200];
	size_t				 i;

	if (placeholder_check(m->revision, &why)) {
		placeholder_explain(&why, shape, sizeof(shape));
		return with_revs(diag_add(out, RULE_PLACEHOLDER_ID,
		    RULE_SEV_ERROR, m->path, m->revision_line, GEN_HINT,
		    "revision `%s` looks hand-picked: %s (probability for a "
		    "random ID: %.1e)", m->revision, shape, why.probability),
		    m->revision, NULL) ? 0 : -1;
	}
	for (i = 0; i < p->placeholder_patterns.len; i++) {
		char	 field[64];
		int	 rc;

		rc = policy_match(p, p->placeholder_res[i], md, m->revision);
		if (rc < 0) {
			snprintf(field, sizeof(field), "placeholder_patterns "
			    "entry %zu", i + 1);
			return match_error(out, m, RULE_PLACEHOLDER_ID, field,
			    p->placeholder_patterns.items[i], rc);
		}
		if (rc == 0)
			continue;
		return with_revs(diag_add(out, RULE_PLACEHOLDER_ID,
		    RULE_SEV_ERROR, m->path, m->revision_line, GEN_HINT,
		    "revision `%s` matches placeholder pattern `%s`",
		    m->revision, p->placeholder_patterns.items[i]),
		    m->revision, NULL) ? 0 : -1;
	}
	return 0;
}

static int
check_headers(const struct migration *m, struct diag_list *out)
{
	char	*a, *b;
	int	 rv = 0;

	if (m->header_revision == NULL || !m->has_header_revises) {
		return with_revs(diag_add(out, RULE_HEADER_MISSING,
		    RULE_SEV_WARN, m->path, m->has_docstring ?
		    m->docstring_line : 1, "start the module with the "
		    "docstring `alembic revision` writes: `Revision ID: <id>` "
		    "and `Revises: <parents>` lines",
		    "docstring header has no %s line",
		    m->header_revision == NULL && !m->has_header_revises ?
		    "`Revision ID:` or `Revises:`" : m->header_revision ==
		    NULL ? "`Revision ID:`" : "`Revises:`"), m->revision,
		    NULL) ? 0 : -1;
	}
	if (strcmp(m->header_revision, m->revision) != 0 &&
	    with_revs(diag_add(out, RULE_HEADER_REVISION_MISMATCH,
	    RULE_SEV_ERROR, m->path, m->header_revision_line,
	    "make the header and the assignment agree; the assignment is what "
	    "Alembic uses", "header says `Revision ID: %s` but revision = "
	    "`%s` (line %d)", m->header_revision, m->revision,
	    m->revision_line), m->revision, NULL) == NULL)
		return -1;
	if (!strvec_same_set(&m->header_revises, &m->down_revisions)) {
		a = strvec_join(&m->header_revises, ", ");
		b = strvec_join(&m->down_revisions, ", ");
		if (a == NULL || b == NULL || with_revs(diag_add(out,
		    RULE_HEADER_REVISES_MISMATCH, RULE_SEV_ERROR, m->path,
		    m->header_revises_line, "update the `Revises:` line to "
		    "list exactly the down_revision values",
		    "header says `Revises: %s` but down_revision is %s%s%s "
		    "(line %d)", a, *b ? "`" : "", *b ? b : "None",
		    *b ? "`" : "", m->down_revision_line), m->revision,
		    NULL) == NULL)
			rv = -1;
		free(a);
		free(b);
	}
	return rv;
}

static int
doc_mentions(const struct rules_input *in, const char *revision)
{
	size_t	 i, n = strlen(revision);

	for (i = 0; i < in->ndocs; i++)
		if (in->docs[i].len >= n && memmem(in->docs[i].data,
		    in->docs[i].len, revision, n) != NULL)
			return 1;
	return 0;
}

static int
check_merge(const struct policy *p, const struct rules_input *in,
    const struct migration *m, struct diag_list *out)
{
	char	*globs;
	int	 rv = 0;

	if (m->down_revisions.len < 2)
		return 0;
	if (strstr(path_basename(m->path), p->merge_marker) == NULL &&
	    with_revs(diag_add(out, RULE_MERGE_NAMING, RULE_SEV_ERROR, m->path,
	    m->down_revision_line, "name merge migrations like "
	    "`alembic merge -m \"merge heads\"` does",
	    "merge revision `%s` has %zu parents but its file name has no "
	    "`%s`", m->revision, m->down_revisions.len, p->merge_marker),
	    m->revision, NULL) == NULL)
		return -1;
	if (!doc_mentions(in, m->revision)) {
		if ((globs = strvec_join(&p->documentation, ", ")) == NULL)
			return -1;
		if (with_revs(diag_add(out, RULE_MERGE_DOCUMENTED,
		    RULE_SEV_ERROR, m->path, m->down_revision_line,
		    "say in the changelog why the branches were merged, "
		    "naming the merge revision",
		    "merge revision `%s` is not mentioned in the "
		    "documentation (%s)", m->revision, globs), m->revision,
		    NULL) == NULL)
			rv = -1;
		free(globs);
	}
	return rv;
}

int
rules_has_merge(const struct rules_input *in)
{
	size_t	 i;

	for (i = 0; i < in->n; i++)
		if (in->migrations[i].down_revisions.len >= 2)
			return 1;
	return 0;
}

static int
check_ends(const struct graph *g, int heads, struct diag_list *out)
{
	size_t		*nodes, n, i;
	struct diag	*d;
	struct buf	 b = BUF_INIT;
	int		 rv = -1;

	if ((heads ? graph_heads(g, &nodes, &n) : graph_bases(g, &nodes,
	    &n)) == -1)
		return -1;
	if (n < 2) {
		free(nodes);
		return 0;
	}
	buf_append(&b, "", 0);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s (%s)", i ? ", " : "",
		    g->nodes[nodes[i]]->revision, g->nodes[nodes[i]]->path);
	d = diag_add(out, heads ? RULE_SINGLE_HEAD : RULE_SINGLE_BASE,
	    RULE_SEV_ERROR, NULL, 0, heads ? "set your migration's "
	    "down_revision to the current head, or add a merge migration "
	    "(`alembic merge heads`)" : "only the first migration may have "
	    "down_revision = None; point the others at their parent",
	    "%zu %s: %s", n, heads ? "heads" : "bases", b.data);
	if (d == NULL)
		goto done;
	for (i = 0; i < n; i++)
		if (strvec_push(&d->revisions, g->nodes[nodes[i]]->revision))
			goto done;
	rv = 0;
done:
	buf_clear(&b);
	free(nodes);
	return rv;
}

static int
cmp_rev(const void *a, const void *b, void *gp)
{
	const struct graph	*g = gp;

	return strcmp(g->nodes[*(const size_t *)a]->revision,
	    g->nodes[*(const size_t *)b]->revision);
}

static size_t
uf_find(size_t *up, size_t x)
{
	while (up[x] != x)
		x = up[x] = up[up[x]];
	return x;
}

/*
 * Groups a fork's children by common descendants: two children share one
 * exactly when a merge migration joins their branches (children come from
 * down_revision only, so paths from two children can only meet at a node
 * with two parents).  One breadth-first walk per child, each node expanded
 * once per fork: O(revisions + edges) per fork.  Returns the number of
 * groups, or -1 on allocation failure.
 */
static long
fork_groups(const struct graph *g, size_t fork, const size_t *kids,
    size_t k, size_t *stamp, size_t *label, size_t *queue, size_t *up)
{
	size_t	 j, e, v, c, head, tail;
	long	 groups;

	for (j = 0; j < k; j++)
		up[j] = j;
	for (j = 0; j < k; j++) {
		head = tail = 0;
		if (stamp[kids[j]] == fork) {
			up[uf_find(up, j)] = uf_find(up, label[kids[j]]);
			continue;
		}
		stamp[kids[j]] = fork;
		label[kids[j]] = j;
		queue[tail++] = kids[j];
		while (head < tail) {
			v = queue[head++];
			for (e = g->child_off[v]; e < g->child_off[v + 1];
			    e++) {
				c = g->children[e];
				if (stamp[c] == fork) {
					up[uf_find(up, label[c])] =
					    uf_find(up, j);
					continue;
				}
				stamp[c] = fork;
				label[c] = j;
				queue[tail++] = c;
			}
		}
	}
	for (j = 0, groups = 0; j < k; j++)
		groups += uf_find(up, j) == j;
	return groups;
}

/*
 * A fork (two non-merge children of one parent) is a stealth branch only
 * while no merge joins its branches; once `alembic merge` joined them,
 * merge-naming and merge-documented judge the merge instead.
 */
static int
check_stealth(const struct graph *g, struct diag_list *out)
{
	size_t		 i, j, c, k, *kids, *stamp, *label, *queue, *up;
	struct diag	*d;
	struct buf	 b = BUF_INIT;
	int		 rv = -1;

	kids = malloc((g->n + 1) * sizeof(*kids));
	stamp = malloc((g->n + 1) * sizeof(*stamp));
	label = malloc((g->n + 1) * sizeof(*label));
	queue = malloc((g->n + 1) * sizeof(*queue));
	up = malloc((g->n + 1) * sizeof(*up));
	if (!kids || !stamp || !label || !queue || !up)
		goto fail;
	for (i = 0; i < g->n; i++)
		stamp[i] = GRAPH_NONE;
	for (i = 0; i < g->n; i++) {
		for (j = g->child_off[i], k = 0; j < g->child_off[i + 1]; j++) {
			c = g->children[j];
			if (g->nodes[c]->down_revisions.len == 1)
				kids[k++] = c;
		}
		if (k < 2 || fork_groups(g, i, kids, k, stamp, label, queue,
		    up) < 2)
			continue;
		qsort_r(kids, k, sizeof(*kids), cmp_rev, (void *)g);
		b.len = 0;
		buf_append(&b, "", 0);
		for (j = 0; j < k; j++)
			buf_printf(&b, "%s%s", j ? ", " : "",
			    g->nodes[kids[j]]->revision);
		d = diag_add(out, RULE_STEALTH_BRANCH, RULE_SEV_ERROR,
		    g->nodes[kids[k - 1]]->path,
		    g->nodes[kids[k - 1]]->down_revision_line,
		    "chain the migrations one after another (set one's "
		    "down_revision to the other), or merge them with "
		    "`alembic merge`",
		    "non-merge revisions sharing parent %s: %s",
		    g->nodes[i]->revision, b.data ? b.data : "");
		if (d == NULL || strvec_push(&d->revisions,
		    g->nodes[i]->revision) == -1)
			goto fail;
		for (j = 0; j < k; j++)
			if (strvec_push(&d->revisions,
			    g->nodes[kids[j]]->revision) == -1)
				goto fail;
	}
	rv = 0;
fail:
	buf_clear(&b);
	free(kids);
	free(stamp);
	free(label);
	free(queue);
	free(up);
	return rv;
}

static int
check_duplicates(const struct graph *g, struct diag_list *out)
{
	size_t	 i;

	for (i = 0; i < g->ndups; i++) {
		const struct migration	*first = g->nodes[g->dups[i].node];
		const struct migration	*m = g->dups[i].m;

		if (with_revs(diag_add(out, RULE_DUPLICATE_REVISION,
		    RULE_SEV_ERROR, m->path, m->revision_line,
		    "give one of the migrations a new ID from `alembic "
		    "revision` and re-point its children",
		    "revision `%s` is defined twice: %s and %s; Alembic "
		    "loads whichever of the two os.listdir yields last "
		    "(file-system order, not sorted) and silently never runs "
		    "the other", m->revision, first->path, m->path),
		    m->revision, NULL) == NULL)
			return -1;
	}
	return 0;
}

static int
check_dangling(const struct graph *g, struct diag_list *out)
{
	size_t	 i;

	for (i = 0; i < g->ndangling; i++) {
		const struct graph_dangling	*dg = &g->dangling[i];
		const struct migration		*m = g->nodes[dg->node];

		if (with_revs(diag_add(out, RULE_DANGLING_PARENT,
		    RULE_SEV_ERROR, m->path, dg->is_dependency ?
		    m->depends_on_line : m->down_revision_line,
		    "fix the ID, or add the missing migration to this commit",
		    "%s of `%s` names `%s`, which is no revision here",
		    dg->is_dependency ? "depends_on" : "down_revision",
		    m->revision, dg->name), m->revision, NULL) == NULL)
			return -1;
	}
	return 0;
}

/*
 * Cycles and unreachable revisions.  Every revision that cannot be
 * reached from a base descends from a dangling reference or a cycle; one
 * diagnostic per such cause lists the revisions it cuts off.
 */
static int
check_cycles_reach(const struct graph *g, struct diag_list *out)
{
	struct graph_cycle	*cycles = NULL;
	size_t			 ncycles = 0, i, j, *cause = NULL, *queue = NULL;
	size_t			 head = 0, tail = 0, c, v;
	unsigned char		*reached = NULL;
	struct diag		*d;
	struct buf		 b = BUF_INIT;
	int			 rv = -1;

	if (graph_cycles(g, &cycles, &ncycles) == -1)
		return -1;
	for (i = 0; i < ncycles; i++) {
		b.len = 0;
		buf_append(&b, "", 0);
		for (j = 0; j <= cycles[i].len; j++)
			buf_printf(&b, "%s%s", j ? " -> " : "",
			    g->nodes[cycles[i].members[j % cycles[i].len]]->
			    revision);
		c = cycles[i].members[0];
		d = diag_add(out, RULE_CYCLE, RULE_SEV_ERROR, g->nodes[c]->path,
		    g->nodes[c]->down_revision_line, "break the cycle: one of "
		    "these must point at an older revision",
		    "revision cycle: %s", b.data);
		if (d == NULL)
			goto done;
		for (j = 0; j < cycles[i].len; j++)
			if (strvec_push(&d->revisions,
			    g->nodes[cycles[i].members[j]]->revision) == -1)
				goto done;
	}

	reached = malloc(g->n + 1);
	cause = malloc((g->n + 1) * sizeof(*cause));
	queue = malloc((g->n + 1) * sizeof(*queue));
	if (!reached || !cause || !queue || graph_reachable(g, reached) == -1)
		goto done;
	for (i = 0; i < g->n; i++)
		cause[i] = GRAPH_NONE;
	/* Sources: nodes with a dangling parent, then cycle members. */
	for (i = 0; i < g->ndangling; i++) {
		v = g->dangling[i].node;
		if (!g->dangling[i].is_dependency && !reached[v] &&
		    cause[v] == GRAPH_NONE) {
			cause[v] = v;
			queue[tail++] = v;
		}
	}
	for (i = 0; i < ncycles; i++) {
		for (j = 0; j < cycles[i].len; j++) {
			v = cycles[i].members[j];
			if (!reached[v] && cause[v] == GRAPH_NONE) {
				cause[v] = cycles[i].members[0];
				queue[tail++] = v;
			}
		}
	}
	while (head < tail) {
		v = queue[head++];
		for (j = g->child_off[v]; j < g->child_off[v + 1]; j++) {
			c = g->children[j];
			if (!reached[c] && cause[c] == GRAPH_NONE) {
				cause[c] = cause[v];
				queue[tail++] = c;
			}
		}
	}
	/* One diagnostic per cause, listing what it cuts off (in order). */
	for (i = 0; i < tail; i++) {
		size_t	 src = queue[i], n = 0;

		if (cause[src] != src)
			continue;
		b.len = 0;
		buf_append(&b, "", 0);
		d = NULL;
		for (j = 0; j < tail; j++) {
			v = queue[j];
			if (cause[v] != src || v == src)
				continue;
			buf_printf(&b, "%s%s", n++ ? ", " : "",
			    g->nodes[v]->revision);
		}
		d = diag_add(out, RULE_UNREACHABLE, RULE_SEV_ERROR,
		    g->nodes[src]->path, g->nodes[src]->down_revision_line,
		    "fix the broken link first; these revisions will then "
		    "join the chain",
		    "%zu revision%s not on any path from a base to a head, "
		    "cut off at `%s`%s%s", n + 1, n ? "s are" : " is",
		    g->nodes[src]->revision, n ? ": " : "", b.data);
		if (d == NULL || strvec_push(&d->revisions,
		    g->nodes[src]->revision) == -1)
			goto done;
	}
	rv = 0;
done:
	buf_clear(&b);
	graph_cycles_free(cycles, ncycles);
	free(reached);
	free(cause);
	free(queue);
	return rv;
}

int
rules_run(const struct policy *p, const struct rules_input *in,
    const struct graph *g, struct diag_list *out)
{
	pcre2_match_data	*md;
	const struct migration	*m;
	size_t			 i;
	int			 rv = -1, rc;

	if ((md = pcre2_match_data_create(4, NULL)) == NULL)
		return -1;
	for (i = 0; i < in->n; i++) {
		/* A pattern may backtrack for milliseconds per revision. */
		if (in->expired != NULL && in->expired(in->expired_ctx))
			goto done;
		m = &in->migrations[i];
		if (check_filename(p, m, out) == -1)
			goto done;
		rc = policy_match(p, p->revision_format_re, md, m->revision);
		if (rc < 0 && match_error(out, m, RULE_REVISION_FORMAT,
		    "revision_format", p->revision_format, rc) == -1)
			goto done;
		if (rc == 0 && with_revs(diag_add(out, RULE_REVISION_FORMAT,
		    RULE_SEV_ERROR, m->path, m->revision_line, GEN_HINT,
		    "revision `%s` does not match revision_format `%s`",
		    m->revision, p->revision_format), m->revision,
		    NULL) == NULL)
			goto done;
		if (check_placeholder(p, md, m, out) == -1 ||
		    check_headers(m, out) == -1 ||
		    check_merge(p, in, m, out) == -1)
			goto done;
	}
	if (check_duplicates(g, out) == -1 ||
	    check_ends(g, 1, out) == -1 ||
	    check_ends(g, 0, out) == -1 ||
	    check_stealth(g, out) == -1 ||
	    check_dangling(g, out) == -1 ||
	    check_cycles_reach(g, out) == -1)
		goto done;
	rv = 0;
done:
	pcre2_match_data_free(md);
	return rv;
}

static int
all_baselined(const struct diag *d, const struct strset *baseline)
{
	size_t	 i;

	if (d->revisions.len == 0)
		return 0;
	for (i = 0; i < d->revisions.len; i++)
		if (!strset_has(baseline, d->revisions.items[i]))
			return 0;
	return 1;
}

int
rules_settle(const struct policy *p, const struct rules_input *in,
    struct diag_list *l)
{
	struct strset	 baseline = STRSET_INIT;
	struct diag	*d;
	size_t		 i, keep = 0;
	int		 rv = -1;

	if (strset_init(&baseline, p->baseline.len + (in->extra_baseline ?
	    in->extra_baseline->len : 0)) == -1 ||
	    strset_add_all(&baseline, &p->baseline) == -1 ||
	    strset_add_all(&baseline, in->extra_baseline) == -1)
		goto done;
	for (i = 0; i < l->len; i++) {
		d = &l->items[i];
		d->severity = p->severity[d->rule];
		if (d->severity != RULE_SEV_OFF && all_baselined(d, &baseline))
			d->severity = RULE_SEV_OFF;
		if (d->severity != RULE_SEV_OFF && in->old_debt != NULL)
			d->old = debt_contains(in->old_debt, d);
		if (d->severity == RULE_SEV_ERROR && d->old && !p->strict)
			d->severity = RULE_SEV_WARN;
		if (d->severity == RULE_SEV_OFF) {
			free(d->path);
			free(d->message);
			free(d->hint);
			strvec_clear(&d->revisions);
			continue;
		}
		l->items[keep++] = *d;
	}
	l->len = keep;
	diag_sort(l);
	rv = 0;
done:
	strset_clear(&baseline);
	return rv;
}
