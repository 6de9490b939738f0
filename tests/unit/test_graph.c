/* Unit tests for the revision graph and its algorithms. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "revguard/graph.h"
#include "helpers.h"

static struct graph g;

static void
build(void)
{
	cr_assert_eq(graph_build(&g, ms, nms), 0);
}

static void
teardown(void)
{
	graph_free(&g);
	clear_all();
}

TestSuite(graph, .fini = teardown);

static const char *
rev(size_t node)
{
	return g.nodes[node]->revision;
}

Test(graph, linear_chain_has_one_head_and_base)
{
	size_t	*v, n;

	add("0f1e2d3c4b5a", "");
	add("9e8d7c6b5a49", "0f1e2d3c4b5a");
	add("38d7c6b5a49f", "9e8d7c6b5a49");
	build();
	cr_assert_eq(g.n, 3);
	cr_assert_eq(graph_heads(&g, &v, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(rev(v[0]), "38d7c6b5a49f");
	free(v);
	cr_assert_eq(graph_bases(&g, &v, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(rev(v[0]), "0f1e2d3c4b5a");
	free(v);
	cr_assert_eq(graph_find(&g, "9e8d7c6b5a49"), 1);
	cr_assert_eq(graph_find(&g, "nope"), GRAPH_NONE);
}

Test(graph, fork_and_merge)
{
	size_t	*v, n;

	add("r0", "");
	add("ra", "r0");
	add("rb", "r0");
	build();
	cr_assert_eq(graph_heads(&g, &v, &n), 0);
	cr_assert_eq(n, 2);
	free(v);
	graph_free(&g);
	add("rm", "ra,rb");
	build();
	cr_assert_eq(graph_heads(&g, &v, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(rev(v[0]), "rm");
	free(v);
	cr_assert_eq(graph_nparents(&g, graph_find(&g, "rm")), 2);
	cr_assert_eq(graph_nchildren(&g, graph_find(&g, "r0")), 2);
}

Test(graph, repeated_parent_counts_once)
{
	add("r0", "");
	add("r1", "r0,r0");
	build();
	cr_assert_eq(graph_nparents(&g, 1), 1);
	cr_assert_eq(graph_nchildren(&g, 0), 1);
}

Test(graph, duplicates_and_dangling)
{
	add("r0", "");
	add_full("r1", "r0", "first", NULL);
	add_full("r1", "r0", "second", NULL);
	add("r2", "missing");
	add_full("r3", "r1", "dep", "depends_on = ('r2', 'nolabel')\n");
	build();
	cr_assert_eq(g.n, 4);
	cr_assert_eq(g.ndups, 1);
	cr_assert_str_eq(g.dups[0].m->path, "versions/r1_second.py");
	cr_assert_eq(g.ndangling, 2);
	cr_assert_str_eq(g.dangling[0].name, "missing");
	cr_assert_eq(g.dangling[0].is_dependency, 0);
	cr_assert_str_eq(g.dangling[1].name, "nolabel");
	cr_assert_eq(g.dangling[1].is_dependency, 1);
}

Test(graph, depends_on_may_name_a_branch_label)
{
	add_full("r0", "", "base", "branch_labels = ('billing',)\n");
	add_full("r1", "r0", "x", "depends_on = 'billing'\n");
	build();
	cr_assert_eq(g.ndangling, 0);
	cr_assert_eq(g.dep_off[2] - g.dep_off[1], 1);
	cr_assert_eq(g.deps[g.dep_off[1]], 0);
}

Test(graph, cycles_in_order)
{
	struct graph_cycle	*c;
	size_t			 n;

	add("r0", "");
	add("ca", "cc");
	add("cb", "ca");
	add("cc", "cb");
	add("self", "self");
	build();
	cr_assert_eq(graph_cycles(&g, &c, &n), 0);
	cr_assert_eq(n, 2);
	/* Each member's parent is the next member. */
	cr_assert_eq(c[0].len, 3);
	cr_assert_str_eq(rev(c[0].members[0]), "ca");
	cr_assert_str_eq(rev(c[0].members[1]), "cc");
	cr_assert_str_eq(rev(c[0].members[2]), "cb");
	cr_assert_eq(c[1].len, 1);
	cr_assert_str_eq(rev(c[1].members[0]), "self");
	graph_cycles_free(c, n);
}

Test(graph, dependency_edges_close_cycles)
{
	struct graph_cycle	*c;
	size_t			 n;

	add("r0", "");
	add_full("r1", "r0", "x", "depends_on = 'r2'\n");
	add("r2", "r1");
	build();
	cr_assert_eq(graph_cycles(&g, &c, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(c[0].len, 2);
	graph_cycles_free(c, n);
}

Test(graph, reachability_from_bases)
{
	unsigned char	 reached[8];

	add("r0", "");
	add("r1", "r0");
	add("o1", "gone");
	add("o2", "o1");
	build();
	cr_assert_eq(graph_reachable(&g, reached), 0);
	cr_assert_eq(reached[0] + reached[1], 2);
	cr_assert_eq(reached[2] + reached[3], 0);
}

Test(graph, deep_chain_needs_no_recursion, .timeout = 30)
{
	static struct migration	 chain[200000];
	struct graph_cycle	*c;
	unsigned char		*reached;
	char			 name[32];
	size_t			 i, n, *v;

	for (i = 0; i < 200000; i++) {
		snprintf(name, sizeof(name), "r%zu", i);
		chain[i].revision = strdup(name);
		chain[i].path = strdup(name);
		if (i > 0) {
			snprintf(name, sizeof(name), "r%zu", i - 1);
			strvec_push(&chain[i].down_revisions, name);
		}
	}
	cr_assert_eq(graph_build(&g, chain, 200000), 0);
	cr_assert_eq(graph_cycles(&g, &c, &n), 0);
	cr_assert_eq(n, 0);
	reached = malloc(200000);
	cr_assert_eq(graph_reachable(&g, reached), 0);
	cr_assert_eq(reached[199999], 1);
	cr_assert_eq(graph_heads(&g, &v, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(v[0], 199999);
	free(v);
	free(reached);
	for (i = 0; i < 200000; i++)
		migration_clear(&chain[i]);
}
