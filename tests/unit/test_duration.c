/*
 * test_duration.c: the one duration parser (config and command lines).
 */
#include <criterion/criterion.h>

#include "revguard/duration.h"

static int
ms_of(const char *s)
{
	int	 ms = -7;

	if (duration_parse(s, &ms) == -1)
		return -1;
	return ms;
}

Test(duration, units)
{
	cr_assert_eq(ms_of("4"), 4000);
	cr_assert_eq(ms_of("4s"), 4000);
	cr_assert_eq(ms_of("500ms"), 500);
	cr_assert_eq(ms_of("2m"), 120000);
	cr_assert_eq(ms_of("1.5s"), 1500);
	cr_assert_eq(ms_of("0.25"), 250);
	cr_assert_eq(ms_of("0.5ms"), 0);
	cr_assert_eq(ms_of("0"), 0);
	cr_assert_eq(ms_of(".5"), 500);
	cr_assert_eq(ms_of("5."), 5000);
	cr_assert_eq(ms_of("0.001m"), 60);
	cr_assert_eq(ms_of("1440m"), 86400000);
	cr_assert_eq(ms_of("86400"), 86400000);
}

Test(duration, rejects)
{
	static const char *const bad[] = { "", ".", "s", "ms", "-1", "+1",
	    " 1", "1 ", "1e3", "0x10", "inf", "nan", "NaN", "1h", "1sec",
	    "1.2.3", "1S", "86400.001", "1441m", "99999999999999999999",
	    NULL };
	int	 i, ms = 42;

	for (i = 0; bad[i] != NULL; i++) {
		cr_assert_eq(duration_parse(bad[i], &ms), -1, "`%s`", bad[i]);
		cr_assert_eq(ms, 42, "`%s` touched the output", bad[i]);
	}
	cr_assert_eq(duration_parse(NULL, &ms), -1);
}

Test(duration, long_durations_for_retention_and_queries)
{
	static const char *const bad[] = { "", "d", "-1d", "1.5d", "1 d",
		"1y", "1dd", "99999999999999999999", "36600000d", "+1h" };
	long long	 ms = -7;
	size_t		 i;

	cr_assert_eq(duration_parse_long("90d", &ms), 0);
	cr_assert_eq(ms, 90LL * 86400000);
	cr_assert_eq(duration_parse_long("2w", &ms), 0);
	cr_assert_eq(ms, 14LL * 86400000);
	cr_assert_eq(duration_parse_long("1h", &ms), 0);
	cr_assert_eq(ms, 3600000);
	cr_assert_eq(duration_parse_long("30", &ms), 0);
	cr_assert_eq(ms, 30000, "a bare number is seconds");
	cr_assert_eq(duration_parse_long("250ms", &ms), 0);
	cr_assert_eq(ms, 250);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = -7;
		cr_assert_eq(duration_parse_long(bad[i], &ms), -1, "`%s`",
		    bad[i]);
		cr_assert_eq(ms, -7);
	}
	cr_assert_eq(duration_parse_long(NULL, &ms), -1);
}
