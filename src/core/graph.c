/*
 * graph.c: builds the revision graph (hash table of IDs, CSR adjacency in
 * both directions) and runs the chain algorithms on it: heads, bases,
 * Tarjan's strongly connected components for cycles, and a breadth-first
 * reachability pass from the bases.  No recursion, so a 100,000-deep
 * chain cannot overflow the stack.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/graph.h"
#include "revguard/hash.h"
#include "revguard/strvec.h"

size_t
graph_find(const struct graph *g, const char *revision)
{
	size_t	 i, mask = g->nslots - 1, node;

	if (g->nslots == 0)
		return GRAPH_NONE;
	for (i = hash_str(revision) & mask; (node = g->slots[i]) != GRAPH_NONE;
	    i = (i + 1) & mask)
		if (strcmp(g->nodes[node]->revision, revision) == 0)
			return node;
	return GRAPH_NONE;
}

/* Finds the node carrying branch label name, or GRAPH_NONE. */
static size_t
find_label(const struct graph *g, const char *name)
{
	size_t	 i, mask = g->nlabel_slots - 1, k;

	if (g->nlabel_slots == 0)
		return GRAPH_NONE;
	for (i = hash_str(name) & mask; (k = g->label_slots[i]) != GRAPH_NONE;
	    i = (i + 1) & mask)
		if (strcmp(g->labels[k], name) == 0)
			return g->label_nodes[k];
	return GRAPH_NONE;
}

/* Indexes every branch label; the first node to carry a label owns it. */
static int
build_labels(struct graph *g)
{
	size_t	 i, j, total = 0, slot, mask;

	for (i = 0; i < g->n; i++)
		total += g->nodes[i]->branch_labels.len;
	if (total == 0)
		return 0;
	for (g->nlabel_slots = 16; g->nlabel_slots < 2 * total;
	    g->nlabel_slots *= 2)
		;
	g->labels = calloc(total, sizeof(*g->labels));
	g->label_nodes = calloc(total, sizeof(*g->label_nodes));
	g->label_slots = malloc(g->nlabel_slots * sizeof(size_t));
	if (!g->labels || !g->label_nodes || !g->label_slots)
		return -1;
	memset(g->label_slots, 0xff, g->nlabel_slots * sizeof(size_t));
	mask = g->nlabel_slots - 1;
	for (i = 0; i < g->n; i++) {
		const struct strvec *v = &g->nodes[i]->branch_labels;

		for (j = 0; j < v->len; j++) {
			if (find_label(g, v->items[j]) != GRAPH_NONE)
				continue;
			for (slot = hash_str(v->items[j]) & mask;
			    g->label_slots[slot] != GRAPH_NONE;
			    slot = (slot + 1) & mask)
				;
			g->labels[g->nlabels] = v->items[j];
			g->label_nodes[g->nlabels] = i;
			g->label_slots[slot] = g->nlabels++;
		}
	}
	return 0;
}

static int
add_dangling(struct graph *g, size_t node, const char *name, int dep)
{
	struct graph_dangling	*n;

	if (xgrow(&g->dangling, &g->dangling_cap, g->ndangling + 1,
	    sizeof(*n)) == -1)
		return -1;
	n = g->dangling;
	n[g->ndangling].node = node;
	n[g->ndangling].name = name;
	n[g->ndangling].is_dependency = dep;
	g->ndangling++;
	return 0;
}

/*
 * Fills a CSR edge list for every node from strvec field vecs(node),
 * resolving names with the hash; unresolved names become dangling.
 */
static int
build_edges(struct graph *g, int dependency, size_t **off_out,
    size_t **edges_out)
{
	const struct strvec	*v;
	size_t			*off, *edges, i, j, k, x, total = 0, target;

	if ((off = calloc(g->n + 1, sizeof(*off))) == NULL)
		return -1;
	for (i = 0; i < g->n; i++) {
		v = dependency ? &g->nodes[i]->depends_on :
		    &g->nodes[i]->down_revisions;
		total += v->len;
	}
	if ((edges = calloc(total + 1, sizeof(*edges))) == NULL) {
		free(off);
		return -1;
	}
	for (i = 0, k = 0; i < g->n; i++) {
		off[i] = k;
		v = dependency ? &g->nodes[i]->depends_on :
		    &g->nodes[i]->down_revisions;
		for (j = 0; j < v->len; j++) {
			target = graph_find(g, v->items[j]);
			if (target == GRAPH_NONE && dependency)
				target = find_label(g, v->items[j]);
			if (target == GRAPH_NONE) {
				if (add_dangling(g, i, v->items[j],
				    dependency) == -1)
					goto fail;
				continue;
			}
			/* ('a', 'a') names one parent, not two. */
			for (x = off[i]; x < k; x++)
				if (edges[x] == target)
					break;
			if (x == k)
				edges[k++] = target;
		}
	}
	off[g->n] = k;
	*off_out = off;
	*edges_out = edges;
	return 0;
fail:
	free(off);
	free(edges);
	return -1;
}

int
graph_build(struct graph *g, const struct migration *ms, size_t n)
{
	size_t			 i, slot, mask, node, *count = NULL;
	struct graph_dup	*d;

	memset(g, 0, sizeof(*g));
	if ((g->nodes = calloc(n + 1, sizeof(*g->nodes))) == NULL)
		return -1;
	for (g->nslots = 16; g->nslots < 2 * n; g->nslots *= 2)
		;
	if ((g->slots = malloc(g->nslots * sizeof(*g->slots))) == NULL)
		goto fail;
	memset(g->slots, 0xff, g->nslots * sizeof(*g->slots));
	mask = g->nslots - 1;
	for (i = 0; i < n; i++) {
		for (slot = hash_str(ms[i].revision) & mask;
		    (node = g->slots[slot]) != GRAPH_NONE;
		    slot = (slot + 1) & mask)
			if (strcmp(g->nodes[node]->revision,
			    ms[i].revision) == 0)
				break;
		if (node != GRAPH_NONE) {
			if (xgrow(&g->dups, &g->dups_cap, g->ndups + 1,
			    sizeof(*d)) == -1)
				goto fail;
			d = g->dups;
			d[g->ndups].node = node;
			d[g->ndups].m = &ms[i];
			g->ndups++;
			continue;
		}
		g->slots[slot] = g->n;
		g->nodes[g->n++] = &ms[i];
	}
	if (build_labels(g) == -1 ||
	    build_edges(g, 0, &g->parent_off, &g->parents) == -1 ||
	    build_edges(g, 1, &g->dep_off, &g->deps) == -1)
		goto fail;

	/* Children: the parent lists transposed. */
	if ((g->child_off = calloc(g->n + 1, sizeof(size_t))) == NULL ||
	    (g->children = calloc(g->parent_off[g->n] + 1,
	    sizeof(size_t))) == NULL ||
	    (count = calloc(g->n + 1, sizeof(size_t))) == NULL)
		goto fail;
	for (i = 0; i < g->parent_off[g->n]; i++)
		g->child_off[g->parents[i] + 1]++;
	for (i = 0; i < g->n; i++)
		g->child_off[i + 1] += g->child_off[i];
	for (i = 0; i < g->n; i++) {
		size_t	 j;

		for (j = g->parent_off[i]; j < g->parent_off[i + 1]; j++) {
			node = g->parents[j];
			g->children[g->child_off[node] + count[node]++] = i;
		}
	}
	free(count);
	return 0;
fail:
	free(count);
	graph_free(g);
	return -1;
}

size_t
graph_nparents(const struct graph *g, size_t node)
{
	return g->parent_off[node + 1] - g->parent_off[node];
}

size_t
graph_nchildren(const struct graph *g, size_t node)
{
	return g->child_off[node + 1] - g->child_off[node];
}

static int
collect(const struct graph *g, int heads, size_t **out, size_t *n)
{
	size_t	 i, k = 0, *v;

	if ((v = calloc(g->n + 1, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < g->n; i++) {
		if (heads ? graph_nchildren(g, i) == 0 :
		    g->nodes[i]->down_revisions.len == 0)
			v[k++] = i;
	}
	*out = v;
	*n = k;
	return 0;
}

int
graph_heads(const struct graph *g, size_t **out, size_t *n)
{
	return collect(g, 1, out, n);
}

int
graph_bases(const struct graph *g, size_t **out, size_t *n)
{
	return collect(g, 0, out, n);
}

/* The i-th outgoing edge (parents first, then dependencies) of node. */
static size_t
out_degree(const struct graph *g, size_t node)
{
	return graph_nparents(g, node) +
	    (g->dep_off[node + 1] - g->dep_off[node]);
}

static size_t
out_edge(const struct graph *g, size_t node, size_t i)
{
	size_t	 np = graph_nparents(g, node);

	return i < np ? g->parents[g->parent_off[node] + i] :
	    g->deps[g->dep_off[node] + i - np];
}

/*
 * Orders one component's members along a cycle: walk edges that stay in
 * the component from its first member until a node repeats.
 */
static int
extract_cycle(const struct graph *g, const size_t *comp, size_t compid,
    size_t start, size_t *pos, struct graph_cycle *c)
{
	size_t	 node = start, i, next, len = 0, *path;

	if ((path = malloc((g->n + 1) * sizeof(*path))) == NULL)
		return -1;
	while (pos[node] == GRAPH_NONE) {
		pos[node] = len;
		path[len++] = node;
		for (i = 0, next = GRAPH_NONE; i < out_degree(g, node); i++) {
			next = out_edge(g, node, i);
			if (comp[next] == compid)
				break;
			next = GRAPH_NONE;
		}
		if (next == GRAPH_NONE)
			break;	/* cannot happen in a cyclic component */
		node = next;
	}
	c->len = len - pos[node];
	memmove(path, path + pos[node], c->len * sizeof(*path));
	c->members = path;
	for (i = 0; i < len; i++)
		pos[path[i]] = GRAPH_NONE;
	return 0;
}

int
graph_cycles(const struct graph *g, struct graph_cycle **out, size_t *nout)
{
	size_t			*index = NULL, *low = NULL, *stack = NULL;
	size_t			*comp = NULL, *pos = NULL, *cs = NULL;
	size_t			*ce = NULL, counter = 0, sp = 0, csp, ncomp = 0;
	unsigned char		*on = NULL;
	struct graph_cycle	*cycles = NULL;
	size_t			 ncycles = 0, cycles_cap = 0, root, v, w, i;
	size_t			 size;
	int			 rv = -1, self;

	*out = NULL;
	*nout = 0;
	if (g->n == 0)
		return 0;
	index = malloc(g->n * sizeof(size_t));
	low = malloc(g->n * sizeof(size_t));
	stack = malloc(g->n * sizeof(size_t));
	comp = malloc(g->n * sizeof(size_t));
	pos = malloc(g->n * sizeof(size_t));
	cs = malloc(g->n * sizeof(size_t));	/* DFS call stack: node */
	ce = malloc(g->n * sizeof(size_t));	/* and its next edge */
	on = calloc(g->n, 1);
	if (!index || !low || !stack || !comp || !pos || !cs || !ce || !on)
		goto done;
	memset(index, 0xff, g->n * sizeof(size_t));
	memset(comp, 0xff, g->n * sizeof(size_t));
	memset(pos, 0xff, g->n * sizeof(size_t));

	for (root = 0; root < g->n; root++) {
		if (index[root] != GRAPH_NONE)
			continue;
		csp = 0;
		cs[csp] = root;
		ce[csp++] = 0;
		index[root] = low[root] = counter++;
		stack[sp++] = root;
		on[root] = 1;
		while (csp > 0) {
			v = cs[csp - 1];
			if (ce[csp - 1] < out_degree(g, v)) {
				w = out_edge(g, v, ce[csp - 1]++);
				if (index[w] == GRAPH_NONE) {
					index[w] = low[w] = counter++;
					stack[sp++] = w;
					on[w] = 1;
					cs[csp] = w;
					ce[csp++] = 0;
				} else if (on[w] && index[w] < low[v])
					low[v] = index[w];
				continue;
			}
			csp--;
			if (csp > 0 && low[v] < low[cs[csp - 1]])
				low[cs[csp - 1]] = low[v];
			if (low[v] != index[v])
				continue;
			/* v roots a component: pop it. */
			size = 0;
			do {
				w = stack[--sp];
				on[w] = 0;
				comp[w] = ncomp;
				size++;
			} while (w != v);
			self = 0;
			for (i = 0; size == 1 && i < out_degree(g, v); i++)
				if (out_edge(g, v, i) == v)
					self = 1;
			if (size > 1 || self) {
				if (xgrow(&cycles, &cycles_cap, ncycles + 1,
				    sizeof(*cycles)) == -1)
					goto done;
				if (extract_cycle(g, comp, ncomp, v, pos,
				    &cycles[ncycles]) == -1)
					goto done;
				ncycles++;
			}
			ncomp++;
		}
	}
	*out = cycles;
	*nout = ncycles;
	cycles = NULL;
	rv = 0;
done:
	graph_cycles_free(cycles, ncycles);
	free(index);
	free(low);
	free(stack);
	free(comp);
	free(pos);
	free(cs);
	free(ce);
	free(on);
	return rv;
}

void
graph_cycles_free(struct graph_cycle *c, size_t n)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < n; i++)
		free(c[i].members);
	free(c);
}

int
graph_reachable(const struct graph *g, unsigned char *reached)
{
	size_t	*queue, head = 0, tail = 0, i, j, c;

	memset(reached, 0, g->n);
	if ((queue = malloc((g->n + 1) * sizeof(*queue))) == NULL)
		return -1;
	for (i = 0; i < g->n; i++) {
		if (g->nodes[i]->down_revisions.len == 0) {
			reached[i] = 1;
			queue[tail++] = i;
		}
	}
	while (head < tail) {
		i = queue[head++];
		for (j = g->child_off[i]; j < g->child_off[i + 1]; j++) {
			c = g->children[j];
			if (!reached[c]) {
				reached[c] = 1;
				queue[tail++] = c;
			}
		}
	}
	free(queue);
	return 0;
}

void
graph_free(struct graph *g)
{
	free(g->nodes);
	free(g->parent_off);
	free(g->parents);
	free(g->child_off);
	free(g->children);
	free(g->dep_off);
	free(g->deps);
	free(g->slots);
	free(g->dups);
	free(g->dangling);
	free(g->labels);
	free(g->label_nodes);
	free(g->label_slots);
	memset(g, 0, sizeof(*g));
}
