/*
 * rules_chain.c: the chain rules, which judge the whole revision graph:
 * duplicate IDs, one head, one base, forks no merge joins, parents that
 * name nothing, cycles, and revisions cut off from every base.  Each rule
 * is one table entry (rules.h) next to its check.  Every algorithm here
 * is linear in revisions plus edges and uses no recursion.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/rules.h"

static int
check_duplicates(struct rules_ctx *ctx)
{
	const struct graph	*g = ctx->graph;
	size_t			 i;

	for (i = 0; i < g->ndups; i++) {
		const struct migration	*first = g->nodes[g->dups[i].node];
		const struct migration	*m = g->dups[i].m;

		if (rules_report(ctx, RULE_DUPLICATE_REVISION, m->path,
		    m->revision_line, m->revision, "revision `%s` is defined "
		    "twice: %s and %s; Alembic loads whichever of the two "
		    "os.listdir yields last (file-system order, not sorted) "
		    "and silently never runs the other", m->revision,
		    first->path, m->path) == NULL)
			return -1;
	}
	return 0;
}

const struct rule_entry rules_chain_duplicate_revision = {
	RULE_DUPLICATE_REVISION, "duplicate-revision", RULE_KIND_CHAIN,
	RULE_SEV_ERROR, check_duplicates,
	"give one of the migrations a new ID from `alembic revision` and "
	"re-point its children",
	"two files define one revision ID"
};

/* More than one head (heads) or base (!heads): one diagnostic lists all. */
static int
check_ends(struct rules_ctx *ctx, int heads)
{
	const struct graph	*g = ctx->graph;
	size_t			*nodes, n, i;
	struct diag		*d;
	struct buf		 b = BUF_INIT;
	int			 rv = -1;

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
	d = rules_report(ctx, heads ? RULE_SINGLE_HEAD : RULE_SINGLE_BASE,
	    NULL, 0, NULL, "%zu %s: %s", n, heads ? "heads" : "bases", b.data);
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
check_heads(struct rules_ctx *ctx)
{
	return check_ends(ctx, 1);
}

const struct rule_entry rules_chain_single_head = {
	RULE_SINGLE_HEAD, "single-head", RULE_KIND_CHAIN, RULE_SEV_ERROR,
	check_heads,
	"set your migration's down_revision to the current head, or add a "
	"merge migration (`alembic merge heads`)",
	"more than one head; all are listed"
};

static int
check_bases(struct rules_ctx *ctx)
{
	return check_ends(ctx, 0);
}

const struct rule_entry rules_chain_single_base = {
	RULE_SINGLE_BASE, "single-base", RULE_KIND_CHAIN, RULE_SEV_ERROR,
	check_bases,
	"only the first migration may have down_revision = None; point the "
	"others at their parent",
	"more than one base; all are listed"
};

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
check_stealth(struct rules_ctx *ctx)
{
	const struct graph	*g = ctx->graph;
	size_t			 i, j, c, k, *kids, *stamp, *label, *queue, *up;
	struct diag		*d;
	struct buf		 b = BUF_INIT;
	int			 rv = -1;

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
		d = rules_report(ctx, RULE_STEALTH_BRANCH,
		    g->nodes[kids[k - 1]]->path,
		    g->nodes[kids[k - 1]]->down_revision_line,
		    g->nodes[i]->revision,
		    "non-merge revisions sharing parent %s: %s",
		    g->nodes[i]->revision, b.data ? b.data : "");
		if (d == NULL)
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

const struct rule_entry rules_chain_stealth_branch = {
	RULE_STEALTH_BRANCH, "stealth-branch", RULE_KIND_CHAIN, RULE_SEV_ERROR,
	check_stealth,
	"chain the migrations one after another (set one's down_revision to "
	"the other), or merge them with `alembic merge`",
	"non-merge revisions share a parent and no merge joins them"
};

static int
check_dangling(struct rules_ctx *ctx)
{
	const struct graph	*g = ctx->graph;
	size_t			 i;

	for (i = 0; i < g->ndangling; i++) {
		const struct graph_dangling	*dg = &g->dangling[i];
		const struct migration		*m = g->nodes[dg->node];

		if (rules_report(ctx, RULE_DANGLING_PARENT, m->path,
		    dg->is_dependency ? m->depends_on_line :
		    m->down_revision_line, m->revision, "%s of `%s` names "
		    "`%s`, which is no revision here", dg->is_dependency ?
		    "depends_on" : "down_revision", m->revision,
		    dg->name) == NULL)
			return -1;
	}
	return 0;
}

const struct rule_entry rules_chain_dangling_parent = {
	RULE_DANGLING_PARENT, "dangling-parent", RULE_KIND_CHAIN,
	RULE_SEV_ERROR, check_dangling,
	"fix the ID, or add the missing migration to this commit",
	"a down_revision or depends_on names no revision"
};

/* The graph's cycles, found once per run for both rules below. */
static int
cycles(struct rules_ctx *ctx)
{
	if (ctx->have_cycles)
		return 0;
	if (graph_cycles(ctx->graph, &ctx->cycles, &ctx->ncycles) == -1)
		return -1;
	ctx->have_cycles = 1;
	return 0;
}

static int
check_cycles(struct rules_ctx *ctx)
{
	const struct graph	*g = ctx->graph;
	const struct graph_cycle *cy;
	size_t			 i, j, c;
	struct diag		*d;
	struct buf		 b = BUF_INIT;
	int			 rv = -1;

	if (cycles(ctx) == -1)
		return -1;
	for (i = 0; i < ctx->ncycles; i++) {
		cy = &ctx->cycles[i];
		b.len = 0;
		buf_append(&b, "", 0);
		for (j = 0; j <= cy->len; j++)
			buf_printf(&b, "%s%s", j ? " -> " : "",
			    g->nodes[cy->members[j % cy->len]]->revision);
		c = cy->members[0];
		d = rules_report(ctx, RULE_CYCLE, g->nodes[c]->path,
		    g->nodes[c]->down_revision_line, NULL,
		    "revision cycle: %s", b.data);
		if (d == NULL)
			goto done;
		for (j = 0; j < cy->len; j++)
			if (strvec_push(&d->revisions,
			    g->nodes[cy->members[j]]->revision) == -1)
				goto done;
	}
	rv = 0;
done:
	buf_clear(&b);
	return rv;
}

const struct rule_entry rules_chain_cycle = {
	RULE_CYCLE, "cycle", RULE_KIND_CHAIN, RULE_SEV_ERROR, check_cycles,
	"break the cycle: one of these must point at an older revision",
	"the revisions form a cycle; members are printed in order"
};

/*
 * Every revision that cannot be reached from a base descends from a
 * dangling reference or a cycle; one diagnostic per such cause lists the
 * revisions it cuts off.
 */
static int
check_unreachable(struct rules_ctx *ctx)
{
	const struct graph	*g = ctx->graph;
	size_t			 i, j, *cause = NULL, *queue = NULL;
	size_t			 head = 0, tail = 0, c, v;
	unsigned char		*reached = NULL;
	struct diag		*d;
	struct buf		 b = BUF_INIT;
	int			 rv = -1;

	if (cycles(ctx) == -1)
		return -1;
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
	for (i = 0; i < ctx->ncycles; i++) {
		for (j = 0; j < ctx->cycles[i].len; j++) {
			v = ctx->cycles[i].members[j];
			if (!reached[v] && cause[v] == GRAPH_NONE) {
				cause[v] = ctx->cycles[i].members[0];
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
		for (j = 0; j < tail; j++) {
			v = queue[j];
			if (cause[v] != src || v == src)
				continue;
			buf_printf(&b, "%s%s", n++ ? ", " : "",
			    g->nodes[v]->revision);
		}
		d = rules_report(ctx, RULE_UNREACHABLE, g->nodes[src]->path,
		    g->nodes[src]->down_revision_line, g->nodes[src]->revision,
		    "%zu revision%s not on any path from a base to a head, "
		    "cut off at `%s`%s%s", n + 1, n ? "s are" : " is",
		    g->nodes[src]->revision, n ? ": " : "", b.data);
		if (d == NULL)
			goto done;
	}
	rv = 0;
done:
	buf_clear(&b);
	free(reached);
	free(cause);
	free(queue);
	return rv;
}

const struct rule_entry rules_chain_unreachable = {
	RULE_UNREACHABLE, "unreachable", RULE_KIND_CHAIN, RULE_SEV_ERROR,
	check_unreachable,
	"fix the broken link first; these revisions will then join the chain",
	"revisions on no path from a base to a head, one diagnostic per cause"
};

/*
 * A revision the base had that the new commit lacks: a database that
 * already ran it (on a guarded branch, it was deployable) has a version
 * Alembic no longer knows, and neither upgrade nor downgrade starts
 * from there.  A force push that drops or renumbers a migration is the
 * usual way.  It is never old debt, so no baseline excuses it; squashing
 * on purpose is what `rules: removed-revision: off` (for a repository)
 * is for.
 */
static int
check_removed(struct rules_ctx *ctx)
{
	const struct strvec	*revs = ctx->in->base_revisions;
	const struct strvec	*paths = ctx->in->base_paths;
	struct strset		 broken = STRSET_INIT;
	size_t			 i;
	int			 rv = -1;

	if (revs == NULL || revs->len == 0)
		return 0;
	/* A file that no longer parses lost its revision to the parser:
	 * parse-error says so already. */
	if (strset_init(&broken, ctx->out->len) == -1)
		return -1;
	for (i = 0; i < ctx->out->len; i++)
		if (ctx->out->items[i].rule == RULE_PARSE_ERROR &&
		    ctx->out->items[i].path != NULL)
			(void)strset_add(&broken, ctx->out->items[i].path);
	for (i = 0; i < revs->len; i++) {
		if (graph_find(ctx->graph, revs->items[i]) != GRAPH_NONE ||
		    (paths != NULL && i < paths->len &&
		    strset_has(&broken, paths->items[i])))
			continue;
		if (rules_report(ctx, RULE_REMOVED_REVISION, paths != NULL &&
		    i < paths->len ? paths->items[i] : NULL, 0,
		    revs->items[i], "revision `%s` (%s) was on this branch and "
		    "this commit removes it: a database already at `%s` can "
		    "no longer be upgraded or downgraded by Alembic",
		    revs->items[i], paths != NULL && i < paths->len ?
		    paths->items[i] : "?", revs->items[i]) == NULL)
			goto done;
	}
	rv = 0;
done:
	strset_clear(&broken);
	return rv;
}

const struct rule_entry rules_chain_removed_revision = {
	RULE_REMOVED_REVISION, "removed-revision", RULE_KIND_CHAIN,
	RULE_SEV_ERROR, check_removed,
	"restore the migration file; a deliberate squash needs "
	"removed-revision: off for the repository (an administrator's call)",
	"a revision the base had is gone from the new commit",
};
