/*
 * placeholder.c: the hand-picked revision ID detector.  See placeholder.h
 * for the model.  The per-link bound holds because, whatever came before,
 * a uniformly random hex digit equals one given character or its single
 * successor (or predecessor) with probability at most 2/16; so the score
 * of a random ID is dominated by Binomial(links, 1/8), whose tail gives
 * the threshold.  For 12-character IDs: 9 of 10 links at stride 2, 10 of
 * 11 at stride 1.
 */
#include "config.h"

#include <string.h>

#include "revguard/placeholder.h"

double
placeholder_binomial_tail(int n, int k, double p)
{
	double	 sum = 0.0, term;
	int	 j, i;

	if (k <= 0)
		return 1.0;
	for (j = k; j <= n; j++) {
		term = 1.0;
		/* C(n, j) p^j (1-p)^(n-j), built multiplicatively. */
		for (i = 1; i <= j; i++)
			term *= (double)(n - j + i) / (double)i * p;
		for (i = 0; i < n - j; i++)
			term *= 1.0 - p;
		sum += term;
	}
	return sum;
}

/*
 * Walks the tail down from P(X = n), adding one term at a time, so the
 * threshold costs O(n) on the per-ID path.
 */
int
placeholder_threshold(int n)
{
	const double	 p = PLACEHOLDER_LINK_P;
	double		 term = 1.0, sum;
	int		 j;

	for (j = 0; j < n; j++)
		term *= p;
	sum = term;
	if (n <= 0 || sum > PLACEHOLDER_FP_BUDGET)
		return n + 1;	/* too short to tell */
	for (j = n; j > 1; j--) {
		/* term(j-1) = term(j) * j / (n - j + 1) * (1 - p) / p */
		term *= (double)j / (double)(n - j + 1) * (1.0 - p) / p;
		if (sum + term > PLACEHOLDER_FP_BUDGET)
			return j;
		sum += term;
	}
	return 1;
}

/* Steps c by direction within its class (digit, lower, upper), wrapping. */
static int
step(int c, int direction)
{
	if (c >= '0' && c <= '9')
		return '0' + (c - '0' + 10 + direction) % 10;
	if (c >= 'a' && c <= 'z')
		return 'a' + (c - 'a' + 26 + direction) % 26;
	if (c >= 'A' && c <= 'Z')
		return 'A' + (c - 'A' + 26 + direction) % 26;
	return -1;
}

static int
is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/*
 * Since P(X >= k) >= p^k and (1/8)^7 > 1e-7, no threshold is below 8:
 * IDs with fewer progression links are settled without the tail sum.
 */
#define PLACEHOLDER_MIN_LINKS	8

int
placeholder_check(const char *id, struct placeholder_match *why)
{
	static const int	 strides[] = { 2, 1 };
	size_t			 len = strlen(id);
	int			 s, i, n, up, down, links, a, b;

	if (len < 3 || len > PLACEHOLDER_MAX_LEN)
		return 0;
	for (s = 0; s < 2; s++) {
		n = (int)len - strides[s];
		up = down = 0;
		for (i = 0; i < n; i++) {
			/* Stop once neither count can reach the minimum. */
			if ((up > down ? up : down) + (n - i) <
			    PLACEHOLDER_MIN_LINKS)
				break;
			a = (unsigned char)id[i];
			b = (unsigned char)id[i + strides[s]];
			if (!is_alnum(a))
				continue;
			up += b == a || b == step(a, 1);
			down += b == a || b == step(a, -1);
		}
		links = up >= down ? up : down;
		if (links < PLACEHOLDER_MIN_LINKS ||
		    links < placeholder_threshold(n))
			continue;
		if (why != NULL) {
			why->stride = strides[s];
			why->direction = up >= down ? 1 : -1;
			why->links = links;
			why->total = n;
			why->probability = placeholder_binomial_tail(n, links,
			    PLACEHOLDER_LINK_P);
		}
		return 1;
	}
	return 0;
}
