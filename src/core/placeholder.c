/*
 * placeholder.c: the hand-picked revision ID detector.  See placeholder.h
 * for the families and docs/adr/0001-revision-id-policy.md for their
 * probabilities.  The progression bound holds because, whatever came
 * before, a uniformly random hex digit equals one given character or its
 * single successor (or predecessor) with probability at most 2/16; so a
 * progression's score on a random ID is dominated by Binomial(links, 1/8),
 * whose tail gives the threshold.  At stride 2 the even and the odd
 * places are disjoint, so choosing a direction for each is four
 * progressions, each with that bound.  For 12-character IDs: 9 of 10
 * links at stride 2, 10 of 11 at stride 1.
 */
#include "config.h"

#include <stdio.h>
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

/*
 * Since P(X >= k) >= p^k and (1/8)^7 > 1e-7, no threshold is below 8:
 * IDs with fewer progression links are settled without the tail sum.
 */
#define PLACEHOLDER_MIN_LINKS	8

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
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_letter(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* 1 when a link from a to b follows direction (equal counts both ways). */
static int
link_follows(int a, int b, int direction)
{
	return (is_digit(a) || is_letter(a)) &&
	    (b == a || b == step(a, direction));
}

/*
 * Progressions at one stride.  Stride 1 has one direction for the whole
 * ID; stride 2 takes the better direction for the even and for the odd
 * places separately (f9a8b7c6d5e4: letters up, digits down).
 */
static int
check_progression(const char *id, int len, int stride,
    struct placeholder_match *why)
{
	int	 up[2] = { 0, 0 }, down[2] = { 0, 0 }, dir[2], n, i, ph;
	int	 links;

	n = len - stride;
	for (i = 0; i < n; i++) {
		ph = stride == 2 ? i % 2 : 0;
		up[ph] += link_follows((unsigned char)id[i],
		    (unsigned char)id[i + stride], 1);
		down[ph] += link_follows((unsigned char)id[i],
		    (unsigned char)id[i + stride], -1);
	}
	for (ph = 0; ph < 2; ph++)
		dir[ph] = up[ph] >= down[ph] ? 1 : -1;
	links = (dir[0] > 0 ? up[0] : down[0]) + (dir[1] > 0 ? up[1] : down[1]);
	if (links < PLACEHOLDER_MIN_LINKS || links < placeholder_threshold(n))
		return 0;
	if (why != NULL) {
		why->family = PLACEHOLDER_PROGRESSION;
		why->stride = stride;
		why->direction = dir[0];
		why->direction_odd = stride == 2 ? dir[1] : dir[0];
		why->links = links;
		why->total = n;
		why->probability = placeholder_binomial_tail(n, links,
		    PLACEHOLDER_LINK_P);
	}
	return 1;
}

/*
 * Strict letter/digit alternation with no letter and no digit repeated,
 * and at least two letters followed by their alphabetical successor
 * (e1a2b3c4d5f6, a8f3b2c1d4e5, 6c0e5f8a9b1d).  In random 12-hex IDs the
 * letters of such a shape are a permutation of a-f, and only 146 of the
 * 720 permutations have two successions.
 */
static int
check_alternation(const char *id, int len, int *successions)
{
	unsigned char	 seen[128];
	int		 i, prev_letter = -1, c;

	memset(seen, 0, sizeof(seen));
	*successions = 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)id[i];
		if (!is_digit(c) && !is_letter(c))
			return 0;
		if (i > 0 && is_digit(c) == is_digit((unsigned char)id[i - 1]))
			return 0;
		if (seen[c]++)
			return 0;
		if (is_letter(c)) {
			if (prev_letter != -1 && c == step(prev_letter, 1))
				(*successions)++;
			prev_letter = c;
		}
	}
	return *successions >= 2;
}

/*
 * The letters alone and the digits alone each count in single steps
 * (one direction per class, no repeats): abc123def456, 12ab34cd56ef.
 */
static int
check_class_steps(const char *id, int len)
{
	int	 last[2] = { -1, -1 }, dir[2] = { 0, 0 }, count[2] = { 0, 0 };
	int	 i, c, k, d;

	for (i = 0; i < len; i++) {
		c = (unsigned char)id[i];
		if (!is_digit(c) && !is_letter(c))
			return 0;
		k = is_digit(c);
		if (last[k] != -1) {
			d = c == step(last[k], 1) ? 1 :
			    c == step(last[k], -1) ? -1 : 0;
			if (d == 0 || (dir[k] != 0 && d != dir[k]))
				return 0;
			dir[k] = d;
		}
		last[k] = c;
		count[k]++;
	}
	return count[0] >= 2 && count[1] >= 2;
}

/* Runs of one repeated character (aaaa1111bbbb has 3). */
static int
count_runs(const char *id, int len)
{
	int	 i, runs = len > 0;

	for (i = 1; i < len; i++)
		runs += id[i] != id[i - 1];
	return runs;
}

static int
count_distinct(const char *id, int len)
{
	unsigned char	 seen[256];
	int		 i, n = 0;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < len; i++)
		if (!seen[(unsigned char)id[i]]++)
			n++;
	return n;
}

static void
set_shape(struct placeholder_match *why, enum placeholder_family family,
    int count, double probability)
{
	if (why == NULL)
		return;
	memset(why, 0, sizeof(*why));
	why->family = family;
	why->count = count;
	why->probability = probability;
}

int
placeholder_check(const char *id, struct placeholder_match *why)
{
	size_t	 len = strlen(id);
	int	 n;

	if (len < 3 || len > PLACEHOLDER_MAX_LEN)
		return 0;
	if (check_progression(id, (int)len, 2, why) ||
	    check_progression(id, (int)len, 1, why))
		return 1;
	if (len < PLACEHOLDER_SHAPE_LEN)
		return 0;
	if (check_alternation(id, (int)len, &n)) {
		set_shape(why, PLACEHOLDER_ALTERNATION, n,
		    PLACEHOLDER_P_ALTERNATION);
		return 1;
	}
	if (check_class_steps(id, (int)len)) {
		set_shape(why, PLACEHOLDER_CLASS_STEPS, 0,
		    PLACEHOLDER_P_CLASS_STEPS);
		return 1;
	}
	if ((n = count_runs(id, (int)len)) <= 3) {
		set_shape(why, PLACEHOLDER_FEW_RUNS, n,
		    PLACEHOLDER_P_FEW_RUNS);
		return 1;
	}
	if ((n = count_distinct(id, (int)len)) <= 2) {
		set_shape(why, PLACEHOLDER_FEW_CHARS, n,
		    PLACEHOLDER_P_FEW_CHARS);
		return 1;
	}
	return 0;
}

static const char *
direction_word(int direction)
{
	return direction > 0 ? "up" : "down";
}

void
placeholder_explain(const struct placeholder_match *why, char *buf,
    size_t len)
{
	switch (why->family) {
	case PLACEHOLDER_PROGRESSION:
		if (why->stride == 1 || why->direction == why->direction_odd)
			snprintf(buf, len, "in %d of %d places, %s repeat or "
			    "count %s", why->links, why->total,
			    why->stride == 1 ? "neighbouring characters" :
			    "characters two apart",
			    direction_word(why->direction));
		else
			snprintf(buf, len, "in %d of %d places, characters "
			    "two apart repeat or count %s in the even places "
			    "and %s in the odd ones", why->links, why->total,
			    direction_word(why->direction),
			    direction_word(why->direction_odd));
		break;
	case PLACEHOLDER_ALTERNATION:
		snprintf(buf, len, "letters and digits alternate, none "
		    "repeats, and %d times a letter is followed by the next "
		    "letter of the alphabet", why->count);
		break;
	case PLACEHOLDER_CLASS_STEPS:
		snprintf(buf, len, "its letters and its digits each count in "
		    "single steps");
		break;
	case PLACEHOLDER_FEW_RUNS:
		snprintf(buf, len, "it is only %d run%s of one repeated "
		    "character", why->count, why->count == 1 ? "" : "s");
		break;
	case PLACEHOLDER_FEW_CHARS:
		snprintf(buf, len, "it uses only %d distinct characters",
		    why->count);
		break;
	}
}
