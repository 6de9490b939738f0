/*
 * Unit tests for the hand-picked revision ID detector, including the
 * false-positive bound measured on 10,000,000 IDs from the kernel CSPRNG
 * (the same construction as Alembic's uuid4().hex[-12:]).
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "revguard/placeholder.h"

#define SAMPLE		10000000
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

Test(placeholder, leaves_real_ids_alone)
{
	static const char	*ids[] = { "3f2a9c81d4e7", "0c1d55e2b8a3",
		"8d1e0b6c2f94", "add_oauth_tokens_table", "ab", "",
		"2024_01_15_add_users", "e4c1f0a9b27d", NULL };
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
	long			 flagged = 0, naive = 0, n, i, off;
	ssize_t			 got;

	for (n = 0; n < SAMPLE; n += BATCH) {
		for (off = 0; off < (long)sizeof(bytes); off += got) {
			got = getrandom(bytes + off, sizeof(bytes) -
			    (size_t)off, 0);
			cr_assert_gt(got, 0);
		}
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
