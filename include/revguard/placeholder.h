/*
 * placeholder: recognises hand-picked revision IDs such as a1b2c3d4e5f6,
 * f9a8b7c6d5e4, e1a2b3c4d5f6, 6c0e5f8a9b1d or k5e6f7g8h9i0.  An ID is
 * flagged when it belongs to one of a few families of shapes people type
 * (docs/adr/0001-revision-id-policy.md), each so rare among uniformly
 * random IDs that all of them together flag a genuine 12-hex-digit ID
 * with probability below 4e-7 (union bound; 1e-6 is the budget).
 *
 *   progression  each character equals, or is one step after or before,
 *                the character one (stride 1) or two (stride 2) places
 *                earlier; at stride 2 the even and the odd places may
 *                count in different directions; scored against
 *                Binomial(links, 1/8) with a 1e-7 budget per direction
 *   alternation  letters and digits strictly alternate, no letter and no
 *                digit repeats, and at least two letters are followed by
 *                their alphabetical successor (12 characters or more)
 *   class-steps  the letters alone and the digits alone each count up or
 *                down in single steps (at least two of each class)
 *   few-runs     at most three runs of one repeated character
 *   few-chars    at most two distinct characters
 *
 * The last four apply to IDs of 12 characters or more only, where their
 * probability is at most its 12-character value.  Pure: no state, no
 * allocation.
 */
#ifndef REVGUARD_PLACEHOLDER_H
#define REVGUARD_PLACEHOLDER_H

#include <stddef.h>

/* Per-progression false-positive budget; six progressions are tested. */
#define PLACEHOLDER_FP_BUDGET	1e-7
/* Upper bound on one link following a progression in random hex. */
#define PLACEHOLDER_LINK_P	(2.0 / 16.0)
#define PLACEHOLDER_MAX_LEN	128
/* Families other than progressions need this many characters. */
#define PLACEHOLDER_SHAPE_LEN	12

/*
 * Exact probability that a uniformly random 12-hex-digit ID falls in
 * each family (docs/adr/0001-revision-id-policy.md derives them).
 */
#define PLACEHOLDER_P_ALTERNATION	1.5685e-7
#define PLACEHOLDER_P_CLASS_STEPS	7.394e-10
#define PLACEHOLDER_P_FEW_RUNS		7.129e-10
#define PLACEHOLDER_P_FEW_CHARS		1.745e-9
/* All families together (union bound; progressions exact at 12). */
#define PLACEHOLDER_P_BOUND		3.568e-7

enum placeholder_family {
	PLACEHOLDER_PROGRESSION,
	PLACEHOLDER_ALTERNATION,
	PLACEHOLDER_CLASS_STEPS,
	PLACEHOLDER_FEW_RUNS,
	PLACEHOLDER_FEW_CHARS
};

struct placeholder_match {
	enum placeholder_family	 family;
	int	 stride;	/* progression: 1 neighbours, 2 two apart */
	/* progression: +1 counting up, -1 down; at stride 2 direction is
	 * the even places', direction_odd the odd places'. */
	int	 direction;
	int	 direction_odd;
	int	 links;		/* progression: links that follow it */
	int	 total;		/* progression: links examined */
	int	 count;		/* few-runs: runs; few-chars: characters;
				 * alternation: letter successions */
	double	 probability;	/* bound on a random ID being flagged so */
};

/* Returns 1 and fills *why (may be NULL) when id looks hand-picked. */
int	 placeholder_check(const char *id, struct placeholder_match *why);
/* P(X >= k) for X ~ Binomial(n, p). */
double	 placeholder_binomial_tail(int n, int k, double p);
/* Smallest score that flags an ID with n links. */
int	 placeholder_threshold(int n);
/* One sentence saying why a flagged ID looks hand-picked, into buf. */
void	 placeholder_explain(const struct placeholder_match *, char *buf,
	    size_t len);

#endif
