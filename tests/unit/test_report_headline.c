/*
 * test_report_headline.c: the one short line a rejected push starts with
 * on GitHub Enterprise, whose web UI shows the first line: the first
 * error's rule and file, how many more, and nothing for a push that is
 * not rejected.  Escaped like every line the pusher sees.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "revguard/report.h"

#define NEW_ID	"1111111111111111111111111111111111111111"

static struct push_result	 res;
static struct strvec		 lines = STRVEC_INIT;

static void
clear(void)
{
	push_result_clear(&res);
	strvec_clear(&lines);
}

TestSuite(headline, .fini = clear);

static struct push_ref_result *
ref(const char *name, enum push_verdict v, enum push_outcome o,
    const char *reason)
{
	return push_result_add(&res, name, NEW_ID, v, o, reason);
}

Test(headline, first_error_rule_file_and_count)
{
	struct push_ref_result	*r;

	ref("refs/heads/dev", PUSH_ACCEPT, PUSH_CHECKED, "fine");
	r = ref("refs/heads/main", PUSH_REJECT, PUSH_CHECKED, "3 errors");
	diag_add(&r->diags, RULE_HEADER_MISSING, RULE_SEV_WARN, "v/a.py", 1,
	    NULL, "only a warning");
	diag_add(&r->diags, RULE_PLACEHOLDER_ID, RULE_SEV_ERROR, "v/b.py", 9,
	    NULL, "hand-picked");
	diag_add(&r->diags, RULE_HEADER_MISSING, RULE_SEV_ERROR, "v/c.py", 0,
	    NULL, "no header");
	res.reject = 1;
	cr_assert_eq(report_push_headline(&res, "octo/app", &lines), 0);
	cr_assert_eq(lines.len, 1);
	cr_assert_str_eq(lines.items[0], "revguard: octo/app: push rejected: "
	    "error[placeholder-id] in v/b.py:9 on main (and 1 more)");
}

Test(headline, a_refused_ref_and_no_subject)
{
	ref("refs/heads/main", PUSH_REJECT, PUSH_REFUSED, "alembic.ini was "
	    "deleted");
	res.reject = 1;
	cr_assert_eq(report_push_headline(&res, NULL, &lines), 0);
	cr_assert_str_eq(lines.items[0], "revguard: push rejected: "
	    "refs/heads/main: alembic.ini was deleted");
}

Test(headline, nothing_when_not_rejected)
{
	ref("refs/heads/main", PUSH_ACCEPT, PUSH_CHECKED, "fine");
	cr_assert_eq(report_push_headline(&res, "octo/app", &lines), 0);
	cr_assert_eq(lines.len, 0);
}

Test(headline, names_are_escaped)
{
	struct push_ref_result	*r;

	r = ref("refs/heads/main", PUSH_REJECT, PUSH_CHECKED, "1 error");
	diag_add(&r->diags, RULE_PLACEHOLDER_ID, RULE_SEV_ERROR,
	    "v/x\nremote: ok.py", 2, NULL, "hand-picked");
	cr_assert_eq(report_push_headline(&res, "a\nb", &lines), 0);
	cr_assert_eq(lines.len, 1);
	cr_assert_null(strchr(lines.items[0], '\n'));
	cr_assert_str_eq(lines.items[0], "revguard: a\\nb: push rejected: "
	    "error[placeholder-id] in v/x\\nremote: ok.py:2 on main");
}
