/*
 * Unit tests for the hand-picked revision ID detector, including the
 * false-positive bound measured on 10,000,000 IDs from a seeded
 * generator, so the test gives the same answer every run (with 6.35
 * flags expected, a bound checked on fresh randomness would fail by
 * chance in about one run of 17).
 * The same measurement on /dev/urandom, with a per-family breakdown:
 * bench/placeholder-fp.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "revguard/placeholder.h"

#define SAMPLE		10000000

/* SplitMix64 (Steele, Lea, Flood 2014): a seeded stream whose top bytes
 * pass BigCrush, standing in for uuid4's randomness. */
static uint64_t
splitmix64(uint64_t *s)
{
	uint64_t	 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
#define BATCH		100000

Test(placeholder, flags_every_known_shape)
{
	static const char	*ids[] = { "a1b2c3d4e5f6", "aa1b2c3d4e5f",
		"w7x8y9z0a1b2", "k5e6f7g8h9i0", "b2c3d4e5f6g7", "c1c2c3c4c5c6",
		"1a2b3c4d5e6f", "f6e5d4c3b2a1", "abcdef123456", "000000000000",
		"123456789abc", "a0a0a0a0a0a0", NULL };
	struct placeholder_match why;
	int			 i;

	for (i = 0; ids[i] != NULL; i++)
		cr_expect(placeholder_check(ids[i], &why), "%s not flagged",
		    ids[i]);
	cr_assert(placeholder_check("a1b2c3d4e5f6", &why));
	cr_assert_eq(why.stride, 2);
	cr_assert_eq(why.direction, 1);
	cr_assert_eq(why.links, 10);
	cr_assert_eq(why.total, 10);
	cr_assert(placeholder_check("k5e6f7g8h9i0", &why));
	cr_assert_eq(why.links, 9);
}

/* Shapes from a real project that the stride/direction-wide progression
 * missed: per-class directions, and alternations of distinct characters. */
Test(placeholder, flags_mixed_directions_and_alternations)
{
	struct placeholder_match why;
	char			 msg[200];

	cr_assert(placeholder_check("f9a8b7c6d5e4", &why));
	cr_assert_eq(why.family, PLACEHOLDER_PROGRESSION);
	cr_assert_eq(why.stride, 2);
	cr_assert_eq(why.direction, 1, "letters count up");
	cr_assert_eq(why.direction_odd, -1, "digits count down");
	cr_assert_eq(why.links, 9);
	placeholder_explain(&why, msg, sizeof(msg));
	cr_assert(strstr(msg, "up in the even places and down in the odd")
	    != NULL, "%s", msg);
	cr_assert(placeholder_check("4e5d6c7b8a9f", &why), "mirror image");

	cr_assert(placeholder_check("e1a2b3c4d5f6", &why));
	cr_assert_eq(why.family, PLACEHOLDER_ALTERNATION);
	cr_assert_eq(why.count, 3);
	cr_assert(placeholder_check("a8f3b2c1d4e5", &why));
	cr_assert_eq(why.family, PLACEHOLDER_ALTERNATION);
	cr_assert(placeholder_check("6c0e5f8a9b1d", &why));
	cr_assert_eq(why.family, PLACEHOLDER_ALTERNATION);
	cr_assert_eq(why.count, 2);
	cr_assert_leq(why.probability, 2e-7);
	placeholder_explain(&why, msg, sizeof(msg));
	cr_assert(strstr(msg, "alternate") != NULL, "%s", msg);
}

Test(placeholder, flags_class_steps_and_low_entropy)
{
	struct placeholder_match why;

	cr_assert(placeholder_check("abc123def456", &why));
	cr_assert_eq(why.family, PLACEHOLDER_CLASS_STEPS);
	cr_assert(placeholder_check("12ab34cd56ef", &why));
	cr_assert(placeholder_check("aaaa1111bbbb", &why));
	cr_assert_eq(why.family, PLACEHOLDER_FEW_RUNS);
	cr_assert_eq(why.count, 3);
	cr_assert(placeholder_check("0f0ff0f00ff0", &why));
	cr_assert_eq(why.family, PLACEHOLDER_FEW_CHARS);
}

/* IDs a red-team typed that the families above missed, with the family
 * that now catches each and a phrase its explanation must contain. */
static const struct {
	const char			*id;
	enum placeholder_family		 family;
	const char			*phrase;
} red_team[] = {
	{ "123123123123", PLACEHOLDER_PERIODIC, "repeats 123 every 3" },
	{ "abcabcabcabc", PLACEHOLDER_PERIODIC, "repeats abc every 3" },
	{ "abcdabcdabcd", PLACEHOLDER_PERIODIC, "repeats abcd every 4" },
	{ "beefbeefbeef", PLACEHOLDER_PERIODIC, "repeats beef every 4" },
	{ "ab12ab12ab12", PLACEHOLDER_PERIODIC, "repeats ab12 every 4" },
	{ "a1b2c3a1b2c3", PLACEHOLDER_PERIODIC, "repeats a1b2c3 every 6" },
	{ "abc123abc123", PLACEHOLDER_PERIODIC, "repeats abc123 every 6" },
	{ "000100020003", PLACEHOLDER_COUNTER, "0001, 0002, 0003" },
	{ "1234abcd1234", PLACEHOLDER_PIECES, "3 pieces" },
	{ "13579bdf2468", PLACEHOLDER_PIECES,
	    "13579bdf (counting up by 2 along 0-9a-f)" },
	{ "02468ace1357", PLACEHOLDER_PIECES, "1357 (counting up by 2)" },
	{ "a2b4c6d8e0f2", PLACEHOLDER_INTERLEAVED,
	    "even places count up by 1 and those in the odd places count "
	    "up by 2" },
	{ "aa11bb22cc33", PLACEHOLDER_DOUBLED, "typed twice" },
	{ "a1c3e5b2d4f6", PLACEHOLDER_SHUFFLED, "letters (a-f) and the "
	    "digits (1-6)" },
	{ "b1a2d3c4f5e6", PLACEHOLDER_SHUFFLED, "shuffled run" },
	{ "deadbeefcafe", PLACEHOLDER_WORD, "hex word deadbeef" },
	{ "deadbeef0001", PLACEHOLDER_WORD, "hex word deadbeef" },
	{ "cafe01234567", PLACEHOLDER_PIECES, "cafe (a hex word)" },
	{ "c0ffee123456", PLACEHOLDER_PIECES, "c0ffee (a hex word)" },
	{ "feedface0000", PLACEHOLDER_WORD, "hex word feedface" },
	{ "20240601abcd", PLACEHOLDER_DATE, "20240601 (a date)" },
	{ "202406011200", PLACEHOLDER_DATE, "1200 (a time of day)" },
	/* siblings */
	{ "9f3a9f3a9f3a", PLACEHOLDER_PERIODIC, "every 4" },
	{ "001002003004", PLACEHOLDER_COUNTER, "blocks of 3" },
	{ "009901000101", PLACEHOLDER_COUNTER, "decimal" },
	{ "0009000a000b", PLACEHOLDER_COUNTER, "as hex numbers" },
	{ "fdb97531eca8", PLACEHOLDER_PIECES, "counting down by 2" },
	{ "f2e4d6c8b0a2", PLACEHOLDER_INTERLEAVED, "count down by 1" },
	{ "f6d4b2e5c3a1", PLACEHOLDER_SHUFFLED, "alternate" },
	{ "1234deadbeef", PLACEHOLDER_WORD, "deadbeef" },
	{ "beefcafe0000", PLACEHOLDER_PIECES, "0000 (one character "
	    "repeated)" },
	{ "decadefacade", PLACEHOLDER_PIECES, "facade (a hex word)" },
	{ "000100020004", PLACEHOLDER_PIECES, "0004 (a small number)" },
	{ "abcd20240601", PLACEHOLDER_DATE, "abcd (counting up by 1)" },
	{ "20240229beef", PLACEHOLDER_DATE, "beef (a hex word)" },
	{ "203912312355", PLACEHOLDER_DATE, "2355 (a time of day)" },
	{ NULL, 0, NULL }
};

/* Every red-team ID passed the detector before these families. */
Test(placeholder, flags_red_team_shapes)
{
	struct placeholder_match why;
	char			 msg[300];
	int			 i;

	for (i = 0; red_team[i].id != NULL; i++) {
		cr_assert(placeholder_check(red_team[i].id, &why),
		    "%s not flagged", red_team[i].id);
		placeholder_explain(&why, msg, sizeof(msg));
		cr_expect_eq(why.family, red_team[i].family,
		    "%s: family %s, expected %s (%s)", red_team[i].id,
		    placeholder_family_name(why.family),
		    placeholder_family_name(red_team[i].family), msg);
		cr_expect(strstr(msg, red_team[i].phrase) != NULL,
		    "%s: \"%s\" lacks \"%s\"", red_team[i].id, msg,
		    red_team[i].phrase);
		cr_expect_gt(why.probability, 0.0);
		cr_expect_leq(why.probability, 1e-7, "%s: %g",
		    red_team[i].id, why.probability);
	}
}

/* Near misses of the new families, each one character off, and the
 * parts that are too likely alone (a date, a 6-character word). */
Test(placeholder, red_team_near_misses_pass)
{
	static const char	*ids[] = {
		"123123123124",	/* period broken in the last place */
		"aa11bb22cc34",	/* one pair broken */
		"a1c3e5b2d4f7",	/* digits 1-7 with 6 missing: no run */
		"13579bdf2469",	/* second piece does not count */
		"1234abcd1243",
		"abcd1234abce",
		"deadbeaf0001",	/* not the word */
		"20241301abcd",	/* month 13 */
		"20230229abcd",	/* 2023 is no leap year */
		"19990601abcd",	/* before 2000 */
		"20240601a9c3",	/* a date alone is too likely (4e-6) */
		"202406011201",	/* minutes not a multiple of 5 */
		"c0ffee1a2f9d",	/* a 6-character word alone (4e-7) */
		"cafe3f8a1d9e",	/* a 4-character word alone */
		NULL };
	int			 i;

	for (i = 0; ids[i] != NULL; i++)
		cr_expect(!placeholder_check(ids[i], NULL), "%s flagged",
		    ids[i]);
}

/* Every family has a name, and their probabilities add up to the
 * bound the ADR derives. */
Test(placeholder, family_probabilities_add_up)
{
	double	 sum = 1.839e-7 + 1.287e-8 + PLACEHOLDER_P_ALTERNATION +
	    PLACEHOLDER_P_CLASS_STEPS + PLACEHOLDER_P_FEW_RUNS +
	    PLACEHOLDER_P_FEW_CHARS + PLACEHOLDER_P_PERIODIC +
	    PLACEHOLDER_P_DOUBLED + PLACEHOLDER_P_COUNTER +
	    PLACEHOLDER_P_INTERLEAVED + PLACEHOLDER_P_SHUFFLED +
	    PLACEHOLDER_P_WORD + PLACEHOLDER_P_PIECES + PLACEHOLDER_P_DATE;
	int	 f;

	cr_assert_lt(fabs(sum - PLACEHOLDER_P_BOUND), 0.002e-7, "%g", sum);
	cr_assert_leq(PLACEHOLDER_P_BOUND, 1e-6);
	for (f = 0; f < PLACEHOLDER_FAMILIES; f++)
		cr_assert_str_neq(placeholder_family_name(
		    (enum placeholder_family)f), "unknown");
}

/* Near misses: each breaks the family it resembles. */
Test(placeholder, near_misses_pass)
{
	static const char	*ids[] = {
		"e1a2b3c4d5e9",	/* alternation, but e repeats */
		"e1a2b3c4d5f1",	/* alternation, but 1 repeats */
		"c6e0a5f8b9d1",	/* alternation without two successions */
		"e1a2b3c4d5f",	/* 11 characters: too short to tell */
		NULL };
	int			 i;

	for (i = 0; ids[i] != NULL; i++)
		cr_expect(!placeholder_check(ids[i], NULL), "%s flagged",
		    ids[i]);
}

Test(placeholder, leaves_real_ids_alone)
{
	static const char	*ids[] = { "3f2a9c81d4e7", "0c1d55e2b8a3",
		"8d1e0b6c2f94", "add_oauth_tokens_table", "ab", "",
		"2024_01_15_add_users", "e4c1f0a9b27d",
		/* uuid4().hex[-12:] draws, kept as a regression set */
		"9c3e71b0a5d2", "51f0d8e3c9a7", "b07e2a94c61f", "d6a1503f8e2c",
		"2fe9c0147b8d", "70a3be59d1c4",
		/* flagged by no family: fresh draws of uuid4().hex[-12:] */
		"8293c9bf3180", "e29fc6be1318", "f5074d89a960", "fbd9455a175e",
		"b1e1236f9a6f", "ae7b4e9e2551", NULL };
	int			 i;

	for (i = 0; ids[i] != NULL; i++)
		cr_expect(!placeholder_check(ids[i], NULL), "%s flagged",
		    ids[i]);
}

Test(placeholder, thresholds_follow_the_binomial_bound)
{
	cr_assert_eq(placeholder_threshold(10), 9);
	cr_assert_eq(placeholder_threshold(11), 10);
	cr_assert_gt(placeholder_threshold(4), 4, "4 links cannot tell");
	cr_assert_lt(fabs(placeholder_binomial_tail(10, 9, 0.125) - 6.6e-8),
	    0.1e-8);
	cr_assert_leq(placeholder_binomial_tail(10, 9, 0.125),
	    PLACEHOLDER_FP_BUDGET);
	cr_assert_gt(placeholder_binomial_tail(10, 8, 0.125),
	    PLACEHOLDER_FP_BUDGET);
	cr_assert_eq(placeholder_binomial_tail(5, 0, 0.5), 1.0);
}

/* The naive rule from the issue: alternating letter-digit runs plus
 * "diagonal" substrings such as 0a1b, 1b2c. */
static int
naive_rule(const char *id)
{
	static const char	*diags[] = { "0a1b", "1b2c", "2c3d", "3d4e",
		"4e5f", "5f6g", "6g7h", "7h8i", "8i9j", NULL };
	int			 i, run = 0;

	for (i = 0; id[i] != '\0' && id[i + 1] != '\0'; i += 2) {
		if (id[i] >= 'a' && id[i] <= 'z' && id[i + 1] >= '0' &&
		    id[i + 1] <= '9')
			run++;
		else
			break;
	}
	if (run >= 5 && (id[2 * run] == '\0' || (id[2 * run + 1] == '\0' &&
	    id[2 * run] >= 'a' && id[2 * run] <= 'z')))
		return 1;
	for (i = 0; diags[i] != NULL; i++)
		if (strstr(id, diags[i]) != NULL)
			return 1;
	return 0;
}

Test(placeholder, false_positive_rate_on_random_ids, .timeout = 120)
{
	static unsigned char	 bytes[BATCH * 6];
	static const char	 hex[] = "0123456789abcdef";
	char			 id[13];
	long			 flagged = 0, naive = 0, n, i;
	uint64_t		 state = 0x5265766775617264ULL;
	size_t			 b;

	for (n = 0; n < SAMPLE; n += BATCH) {
		for (b = 0; b < sizeof(bytes); b++)
			bytes[b] = (unsigned char)(splitmix64(&state) >> 56);
		for (i = 0; i < BATCH; i++) {
			int	 k;

			for (k = 0; k < 6; k++) {
				id[2 * k] = hex[bytes[i * 6 + k] >> 4];
				id[2 * k + 1] = hex[bytes[i * 6 + k] & 15];
			}
			id[12] = '\0';
			flagged += placeholder_check(id, NULL);
			naive += naive_rule(id);
		}
	}
	cr_log_info("placeholder-id: %ld of %d random IDs flagged (%.2e); "
	    "naive rule: %ld (1 in %.0f)", flagged, SAMPLE,
	    (double)flagged / SAMPLE, naive,
	    naive ? (double)SAMPLE / (double)naive : 0.0);
	printf("# placeholder-id false positives: %ld of %d (rate %.2e); "
	    "naive rule %ld (1 in %.0f)\n", flagged, SAMPLE,
	    (double)flagged / SAMPLE, naive,
	    naive ? (double)SAMPLE / (double)naive : 0.0);
	cr_assert_leq((double)flagged / SAMPLE, 1e-6,
	    "false-positive rate %.2e exceeds 1e-6",
	    (double)flagged / SAMPLE);
	/* The comparison is meaningful: the naive rule really is noisy. */
	cr_assert_gt(naive, SAMPLE / 5000);
}
