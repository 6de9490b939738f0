/*
 * test_xgrow.c: the one growth helper for arrays (strvec.c), and the
 * growing arrays built on it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/strvec.h"

struct pair {
	int	 a, b;
};

Test(xgrow, grows_geometrically_and_keeps_contents)
{
	struct pair	*v = NULL;
	size_t		 cap = 0, i, reallocs = 0, last = 0;

	for (i = 0; i < 100000; i++) {
		cr_assert_eq(xgrow(&v, &cap, i + 1, sizeof(*v)), 0);
		cr_assert_geq(cap, i + 1);
		if (cap != last)
			reallocs++;
		last = cap;
		v[i].a = (int)i;
		v[i].b = -(int)i;
	}
	for (i = 0; i < 100000; i++)
		cr_assert_eq(v[i].a + v[i].b, 0);
	cr_assert_leq(reallocs, 20, "%zu reallocations", reallocs);
	/* Asking for no more than the capacity changes nothing. */
	cr_assert_eq(xgrow(&v, &cap, 5, sizeof(*v)), 0);
	cr_assert_eq(cap, last);
	free(v);
}

Test(xgrow, jumps_to_a_large_need)
{
	char	*v = NULL;
	size_t	 cap = 0;

	cr_assert_eq(xgrow(&v, &cap, 1000, 1), 0);
	cr_assert_geq(cap, 1000);
	memset(v, 'x', 1000);
	free(v);
}

Test(xgrow, overflow_is_an_error_and_changes_nothing)
{
	struct pair	*v = NULL;
	size_t		 cap = 0;

	cr_assert_eq(xgrow(&v, &cap, 4, sizeof(*v)), 0);
	v[3].a = 7;
	errno = 0;
	cr_assert_eq(xgrow(&v, &cap, SIZE_MAX / 4, sizeof(*v)), -1);
	cr_assert_eq(errno, EOVERFLOW);
	cr_assert_eq(cap, 8);
	cr_assert_eq(v[3].a, 7);
	cr_assert_eq(xgrow(&v, &cap, SIZE_MAX, 1), -1);
	cr_assert_eq(xgrow(&v, &cap, (size_t)PTRDIFF_MAX + 1, 1), -1);
	cr_assert_eq(xgrow(&v, &cap, 9, 0), -1);
	free(v);
}

Test(xgrow, strvec_and_buf)
{
	struct strvec	 v = STRVEC_INIT;
	struct buf	 b = BUF_INIT;
	char		 s[16];
	int		 i;

	for (i = 0; i < 1000; i++) {
		snprintf(s, sizeof(s), "%d", i);
		cr_assert_eq(strvec_push(&v, s), 0);
		cr_assert_eq(buf_append(&b, s, strlen(s)), 0);
	}
	cr_assert_eq(v.len, 1000);
	cr_assert_str_eq(v.items[999], "999");
	cr_assert_eq(b.len, strlen(b.data));
	cr_assert_eq(strncmp(b.data, "0123456789101112", 16), 0);
	cr_assert_eq(buf_append(&b, "x", SIZE_MAX - 1), -1);
	strvec_clear(&v);
	buf_clear(&b);
}
