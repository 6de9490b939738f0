/*
 * graph: the revision graph of a set of parsed migrations.  Nodes are
 * unique revision IDs (the first file to define an ID owns it; later ones
 * are recorded as duplicates).  Parent edges come from down_revision,
 * dependency edges from depends_on (which may also name a branch label).
 * Every algorithm here is linear in revisions plus edges.  A graph points
 * into the migrations it was built from; they must outlive it.
 */
#ifndef REVGUARD_GRAPH_H
#define REVGUARD_GRAPH_H

#include <stddef.h>
#include <sys/types.h>

#include "revguard/migration.h"

#define GRAPH_NONE	((size_t)-1)

struct graph_dup {
	size_t			 node;	/* the node that owns the ID */
	const struct migration	*m;	/* the later file with the same ID */
};

struct graph_dangling {
	size_t		 node;
	const char	*name;		/* the missing revision */
	int		 is_dependency;	/* from depends_on */
};

struct graph {
	size_t			  n;
	const struct migration	**nodes;
	size_t			 *parent_off, *parents;	/* CSR, n + 1 offsets */
	size_t			 *child_off, *children;
	size_t			 *dep_off, *deps;
	size_t			 *slots;		/* hash of node ids */
	size_t			  nslots;
	const char		**labels;		/* branch labels */
	size_t			 *label_nodes;
	size_t			 *label_slots;
	size_t			  nlabels, nlabel_slots;
	struct graph_dup	 *dups;
	size_t			  ndups, dups_cap;
	struct graph_dangling	 *dangling;
	size_t			  ndangling, dangling_cap;
};

/* A cycle, members in edge order (each member's parent is the next). */
struct graph_cycle {
	size_t	*members;
	size_t	 len;
};

int	 graph_build(struct graph *, const struct migration *, size_t);
/* The node for a revision ID, or GRAPH_NONE. */
size_t	 graph_find(const struct graph *, const char *revision);
size_t	 graph_nparents(const struct graph *, size_t node);
size_t	 graph_nchildren(const struct graph *, size_t node);
/* Heads (no children) and bases (no down_revision), in node order. */
int	 graph_heads(const struct graph *, size_t **out, size_t *n);
int	 graph_bases(const struct graph *, size_t **out, size_t *n);
/* All cycles over parent and dependency edges, one per strongly
 * connected component that has one. */
int	 graph_cycles(const struct graph *, struct graph_cycle **out,
	    size_t *n);
void	 graph_cycles_free(struct graph_cycle *, size_t);
/* reached[i] = 1 when node i can be reached from a base along children. */
int	 graph_reachable(const struct graph *, unsigned char *reached);
void	 graph_free(struct graph *);

#endif
