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
 * 200,000 problems the base already had and one new one: telling them
 * apart is one hash lookup each, not a search (the old new-paths
 * search did 2 * 10^10 string compares at this size); the limit is
 * generous for a sanitizer build on a busy machine.
 */
Test(strset, settle_is_linear_in_old_debt, .timeout = 20)
{
	enum { N = 200000 };
	struct policy		 pol;
	struct rules_input	 in;
	struct diag_list	 base = DIAG_LIST_INIT, l = DIAG_LIST_INIT;
	struct debt		 debt = DEBT_INIT;
	struct diag		*d;
	char			 err[256], rev[16];
	size_t			 i, old = 0;

	cr_assert_eq(policy_init(&pol), 0);
	cr_assert_eq(policy_compile(&pol, err, sizeof(err)), 0, "%s", err);
	/* N problems at the base, the same N and one more at the head. */
	for (i = 0; i <= N; i++) {
		snprintf(rev, sizeof(rev), "%012zx", i);
		if (i < N) {
			cr_assert_not_null(d = diag_add(&base,
			    RULE_PLACEHOLDER_ID, RULE_SEV_ERROR, "x.py", 1,
			    NULL, "at the base"));
			cr_assert_eq(strvec_push(&d->revisions, rev), 0);
		}
		cr_assert_not_null(d = diag_add(&l, RULE_PLACEHOLDER_ID,
		    RULE_SEV_ERROR, "x.py", 1, NULL, "at the head"));
		cr_assert_eq(strvec_push(&d->revisions, rev), 0);
	}
	cr_assert_eq(debt_add_list(&debt, &base), 0);
	memset(&in, 0, sizeof(in));
	in.old_debt = &debt;
	cr_assert_eq(rules_settle(&pol, &in, &l), 0);
	cr_assert_eq(l.len, N + 1);
	/* Old debt is a warning, the new problem stays an error. */
	for (i = 0; i < l.len; i++) {
		old += l.items[i].old;
		cr_assert_eq(l.items[i].severity, l.items[i].old ?
		    RULE_SEV_WARN : RULE_SEV_ERROR);
	}
	cr_assert_eq(old, N);
	debt_clear(&debt);
	diag_list_clear(&base);
	diag_list_clear(&l);
	policy_free(&pol);
}
