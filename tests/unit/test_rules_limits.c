/*
 * Unit tests for the pattern limits: a configured pattern that backtracks
 * catastrophically finishes fast and yields an error diagnostic naming
 * the configuration field and the file, never a silent "no match".
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <time.h>

#include "revguard/rules.h"
#include "helpers.h"

static struct policy		 pol;
static struct graph		 g;
static struct diag_list		 out;
static struct rules_input	 in;

static void
setup(void)
{
	cr_assert_eq(policy_init(&pol), 0);
	memset(&in, 0, sizeof(in));
}

static void
teardown(void)
{
	graph_free(&g);
	diag_list_clear(&out);
	policy_free(&pol);
	clear_all();
}

TestSuite(limits, .init = setup, .fini = teardown);

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs the rules; returns the seconds rules_run took. */
static double
run(void)
{
	char	 err[256];
	double	 t0;

	cr_assert_eq(policy_compile(&pol, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(graph_build(&g, ms, nms), 0);
	in.migrations = ms;
	in.n = nms;
	t0 = now();
	cr_assert_eq(rules_run(&pol, &in, &g, &out), 0);
	return now() - t0;
}

static size_t
count_with(enum rule_id id, const char *text)
{
	size_t	 i, n = 0;

	for (i = 0; i < out.len; i++)
		n += out.items[i].rule == id &&
		    out.items[i].severity == RULE_SEV_ERROR &&
		    strstr(out.items[i].message, text) != NULL;
	return n;
}

/* 200 chained migrations whose IDs are long runs of a, then b. */
static void
add_a_chain(size_t n)
{
	char	 rev[64], parent[64];
	size_t	 i;

	parent[0] = '\0';
	for (i = 0; i < n; i++) {
		snprintf(rev, sizeof(rev), "%.*sb%03zu", 40, "aaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", i);
		add_full(rev, parent, "step", NULL);
		snprintf(parent, sizeof(parent), "%s", rev);
	}
}

Test(limits, catastrophic_revision_format_is_fast_and_an_error)
{
	double	 secs;

	free(pol.revision_format);
	pol.revision_format = strdup("^(a|aa)+$");
	add_a_chain(200);
	secs = run();
	cr_assert_lt(secs, 2.0, "200 revisions took %.2f s", secs);
	cr_assert_eq(count_with(RULE_REVISION_FORMAT, "revision_format "
	    "`^(a|aa)+$` could not be evaluated on revision"), 200,
	    "%s", out.len ? out.items[0].message : "none");
	cr_assert(strstr(out.items[0].path, "versions/aaaa") != NULL);
	cr_assert_str_eq(out.items[0].path, ms[0].path);
}

/*
 * Before the limits a match error counted as "no match": a placeholder
 * pattern that should have caught the ID let it through.
 */
Test(limits, placeholder_pattern_error_is_no_pass)
{
	free(pol.revision_format);
	pol.revision_format = strdup("^[0-9a-f]{12,40}$");
	cr_assert_eq(strvec_push(&pol.placeholder_patterns, "^deadbeef"), 0);
	cr_assert_eq(strvec_push(&pol.placeholder_patterns,
	    "^(?:(\\w|\\w\\w)+!|[0-9a-f]{40})$"), 0);
	add_full("9c3e71b0a5d251f0d8e3c9a7b07e2a94c61fd6a1", "", "init",
	    NULL);
	(void)run();
	cr_assert_eq(count_with(RULE_PLACEHOLDER_ID, "placeholder_patterns "
	    "entry 2 `^(?:(\\w|\\w\\w)+!|[0-9a-f]{40})$` could not be "
	    "evaluated"), 1, "%s", out.len ? out.items[0].message : "none");
	cr_assert_str_eq(out.items[0].path,
	    "versions/9c3e71b0a5d251f0d8e3c9a7b07e2a94c61fd6a1_init.py");
}

/* The limits leave ordinary patterns alone. */
Test(limits, sane_patterns_still_match)
{
	cr_assert_eq(strvec_push(&pol.placeholder_patterns,
	    "^(?:[0-9a-f]{2})*ff$"), 0);
	add_full("9c3e71b0a5ff", "", "init", NULL);
	add_full("51f0d8e3c9a7", "9c3e71b0a5ff", "next", NULL);
	(void)run();
	cr_assert_eq(count_with(RULE_PLACEHOLDER_ID, "matches placeholder "
	    "pattern"), 1);
	cr_assert_eq(out.len, 1, "%s", out.items[out.len - 1].message);
}
