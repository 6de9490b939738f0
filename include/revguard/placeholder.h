/*
 * placeholder: recognises hand-picked revision IDs such as a1b2c3d4e5f6,
 * c1c2c3c4c5c6 or k5e6f7g8h9i0.  It scores how much of an ID follows a
 * progression (each character equal to, or one step after or before, the
 * character one or two places earlier; letters and digits wrap) and flags
 * an ID when a genuinely random 12-hex-digit ID would score that high
 * with probability at most PLACEHOLDER_FP_BUDGET per progression tested.
 * Pure: no state, no allocation.
 */
#ifndef REVGUARD_PLACEHOLDER_H
#define REVGUARD_PLACEHOLDER_H

/* Per-progression false-positive budget; four progressions are tested. */
#define PLACEHOLDER_FP_BUDGET	1e-7
/* Upper bound on one link following a progression in random hex. */
#define PLACEHOLDER_LINK_P	(2.0 / 16.0)
#define PLACEHOLDER_MAX_LEN	128

struct placeholder_match {
	int	 stride;	/* 1: neighbours, 2: every second character */
	int	 direction;	/* +1 counting up, -1 counting down */
	int	 links;		/* links that follow the progression */
	int	 total;		/* links examined */
	double	 probability;	/* bound on a random ID scoring as high */
};

/* Returns 1 and fills *why (may be NULL) when id looks hand-picked. */
int	 placeholder_check(const char *id, struct placeholder_match *why);
/* P(X >= k) for X ~ Binomial(n, p). */
double	 placeholder_binomial_tail(int n, int k, double p);
/* Smallest score that flags an ID with n links. */
int	 placeholder_threshold(int n);

#endif
