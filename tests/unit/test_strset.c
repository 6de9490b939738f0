/*
 * Unit tests for struct strset, and for rules_settle staying linear when
 * a push brings every migration of a long chain (it looked each one up
 * in the changed paths with a linear search: quadratic).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/rules.h"
#include "revguard/strvec.h"

Test(strset, add_has_room)
{
	struct strset	 s = STRSET_INIT;

	cr_assert_eq(strset_has(&s, "a"), 0);	/* an empty set answers */
	cr_assert_eq(strset_init(&s, 2), 0);
	cr_assert_eq(strset_has(&s, "a"), 0);
	cr_assert_eq(strset_add(&s, "a"), 0);
	cr_assert_eq(strset_add(&s, "a"), 0);	/* a duplicate takes no room */
	cr_assert_eq(strset_add(&s, "b"), 0);
	cr_assert_eq(strset_add(&s, "c"), -1);	/* room for two only */
	cr_assert(strset_has(&s, "a") && strset_has(&s, "b"));
	cr_assert_eq(strset_has(&s, "c"), 0);
	cr_assert_eq(strset_has(&s, ""), 0);
	strset_clear(&s);
	cr_assert_eq(strset_has(&s, "a"), 0);
}

Test(strset, many_with_shared_prefixes)
{
	struct strvec	 v = STRVEC_INIT;
	struct strset	 s = STRSET_INIT;
	char		 buf[64];
	size_t		 i;

	for (i = 0; i < 5000; i++)
		cr_assert_eq(strvec_push_owned(&v, xasprintf(
		    "migrations/versions/%012zx_step.py", i * 7919)), 0);
	cr_assert_eq(strset_init(&s, v.len), 0);
	cr_assert_eq(strset_add_all(&s, &v), 0);
	cr_assert_eq(s.len, 5000);
	for (i = 0; i < 10000; i++) {
		snprintf(buf, sizeof(buf), "migrations/versions/%012zx_step.py",
		    i * 7919);
		cr_assert_eq(strset_has(&s, buf), i < 5000, "%s", buf);
	}
	strset_clear(&s);
	strvec_clear(&v);
}

/*
 * 200,000 new migrations and one old one with a problem: the old
 * code did 2 * 10^10 string compares here (minutes); the limit is
 * generous for a sanitizer build on a busy machine.
 */
Test(strset, settle_is_linear_in_new_paths, .timeout = 20)
{
	enum { N = 200000 };
	struct policy		 pol;
	struct migration	*ms;
	struct strvec		 new_paths = STRVEC_INIT;
	struct rules_input	 in;
	struct diag_list	 l = DIAG_LIST_INIT;
	char			 err[256];
	size_t			 i;

	cr_assert_eq(policy_init(&pol), 0);
	cr_assert_eq(policy_compile(&pol, err, sizeof(err)), 0, "%s", err);
	cr_assert_not_null(ms = calloc(N, sizeof(*ms)));
	for (i = 0; i < N; i++) {
		ms[i].revision = xasprintf("%012zx", i);
		ms[i].path = xasprintf("migrations/versions/%012zx_step.py", i);
		if (i > 0)
			cr_assert_eq(strvec_push(&new_paths, ms[i].path), 0);
	}
	cr_assert_not_null(diag_add(&l, RULE_SINGLE_HEAD, RULE_SEV_ERROR,
	    ms[0].path, 1, "hint", "old debt"));
	cr_assert_not_null(diag_add(&l, RULE_SINGLE_HEAD, RULE_SEV_ERROR,
	    ms[N - 1].path, 1, "hint", "new problem"));
	memset(&in, 0, sizeof(in));
	in.migrations = ms;
	in.n = N;
	in.new_paths = &new_paths;
	cr_assert_eq(rules_settle(&pol, &in, &l), 0);
	cr_assert_eq(l.len, 2);
	/* Old debt is a warning, the new problem stays an error. */
	for (i = 0; i < l.len; i++)
		cr_assert_eq(l.items[i].severity, strcmp(l.items[i].path,
		    ms[0].path) == 0 ? RULE_SEV_WARN : RULE_SEV_ERROR);
	diag_list_clear(&l);
	for (i = 0; i < N; i++) {
		free(ms[i].revision);
		free(ms[i].path);
	}
	free(ms);
	strvec_clear(&new_paths);
	policy_free(&pol);
}
