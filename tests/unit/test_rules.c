/* Unit tests for every rule (fires, and stays quiet) and for settle. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "revguard/rules.h"
#include "helpers.h"

static struct policy		 pol;
static struct graph		 g;
static struct diag_list		 out;
static struct rules_input	 in;
static struct doc_file		 docs[4];

static void
setup(void)
{
	char	 err[256];

	cr_assert_eq(policy_init(&pol), 0);
	cr_assert_eq(policy_compile(&pol, err, sizeof(err)), 0, "%s", err);
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

TestSuite(rules, .init = setup, .fini = teardown);

static void
run(void)
{
	char	 err[256];

	cr_assert_eq(policy_compile(&pol, err, sizeof(err)), 0, "%s", err);
	graph_free(&g);
	diag_list_clear(&out);
	cr_assert_eq(graph_build(&g, ms, nms), 0);
	in.migrations = ms;
	in.n = nms;
	cr_assert_eq(rules_run(&pol, &in, &g, &out), 0);
	cr_assert_eq(rules_settle(&pol, &in, &out), 0);
}

static size_t
count(enum rule_id id)
{
	size_t	 i, n = 0;

	for (i = 0; i < out.len; i++)
		n += out.items[i].rule == id;
	return n;
}

static const struct diag *
find(enum rule_id id)
{
	size_t	 i;

	for (i = 0; i < out.len; i++)
		if (out.items[i].rule == id)
			return &out.items[i];
	cr_assert_fail("no %s diagnostic", rule_name(id));
	return NULL;
}

/* A clean, realistic chain: nothing fires. */
static void
clean_chain(void)
{
	add("3f2a9c81d4e7", "");
	add("0c1d55e2b8a3", "3f2a9c81d4e7");
	add("e4c1f0a9b27d", "0c1d55e2b8a3");
}

Test(rules, clean_chain_is_clean)
{
	clean_chain();
	run();
	cr_assert_eq(out.len, 0, "first: %s", out.len ?
	    out.items[0].message : "");
}

Test(rules, filename_revision)
{
	add_src("versions/3f2a9c81d4e7_init.py", "\"\"\"Revision ID: "
	    "3f2a9c81d4e7\nRevises:\n\"\"\"\nrevision = '3f2a9c81d4e7'\n"
	    "down_revision = None\n");
	add_src("versions/0c1d55e2b8a3_next.py", "\"\"\"Revision ID: "
	    "9d3f1b7a2c40\nRevises: 3f2a9c81d4e7\n\"\"\"\n"
	    "revision = '9d3f1b7a2c40'\ndown_revision = '3f2a9c81d4e7'\n");
	run();
	cr_assert_eq(count(RULE_FILENAME_REVISION), 1);
	cr_assert_str_eq(find(RULE_FILENAME_REVISION)->path,
	    "versions/0c1d55e2b8a3_next.py");
	cr_assert_eq(find(RULE_FILENAME_REVISION)->line, 4);
	cr_assert_str_eq(find(RULE_FILENAME_REVISION)->message,
	    "file name `0c1d55e2b8a3_next.py` does not carry revision "
	    "`9d3f1b7a2c40` (file_template `%(rev)s_%(slug)s`)");
}

Test(rules, template_matching)
{
	cr_assert(rules_pattern_template_match("%(rev)s_%(slug)s",
	    "abc_add_x", "abc"));
	cr_assert(rules_pattern_template_match("%(rev)s_%(slug)s",
	    "add_oauth_tokens_table_create", "add_oauth_tokens_table"));
	cr_assert(!rules_pattern_template_match("%(rev)s_%(slug)s", "abc",
	    "abc"));
	cr_assert(rules_pattern_template_match("%(year)d_%(month).2d_%(day).2d_"
	    "%(rev)s_%(slug)s", "2024_03_01_abc_init", "abc"));
	cr_assert(!rules_pattern_template_match("%(year)d_%(rev)s_%(slug)s",
	    "20x4_abc_init", "abc"));
	cr_assert(rules_pattern_template_match("%%(rev)s", "%(rev)s", "zzz"));
}

/* What Alembic 1.8.1 writes: `alembic revision` without -m gives an
 * empty slug; slugs are lowercase word characters. */
Test(rules, template_slug_as_alembic_writes_it)
{
	const char	*t = "%(rev)s_%(slug)s";

	cr_assert(rules_pattern_template_match(t, "3f2a9c81d4e7_",
	    "3f2a9c81d4e7"));
	cr_assert(rules_pattern_template_match(t, "3f2a9c81d4e7_add_users_",
	    "3f2a9c81d4e7"), "truncated slug ends in _");
	cr_assert(rules_pattern_template_match(t, "3f2a9c81d4e7_caf\xc3\xa9",
	    "3f2a9c81d4e7"), "non-ASCII word characters");
	cr_assert(!rules_pattern_template_match(t, "3f2a9c81d4e7",
	    "3f2a9c81d4e7"));
	cr_assert(!rules_pattern_template_match(t, "3f2a9c81d4e7_Add_users",
	    "3f2a9c81d4e7"), "Alembic lowercases the slug");
	cr_assert(!rules_pattern_template_match(t, "3f2a9c81d4e7_add-users",
	    "3f2a9c81d4e7"), "- is no word character");
	cr_assert(rules_pattern_template_match(
	    "%(year)d_%(month).2d_%(rev)s_%(slug)s", "2024_03_3f2a9c81d4e7_",
	    "3f2a9c81d4e7"));
	cr_assert(rules_pattern_template_match("%(epoch)s-%(rev)s_%(slug)s",
	    "1717200000-3f2a9c81d4e7_x", "3f2a9c81d4e7"));
	cr_assert(!rules_pattern_template_match("%(epoch)s-%(rev)s_%(slug)s",
	    "17x-3f2a9c81d4e7_x", "3f2a9c81d4e7"));
}

Test(rules, filename_without_message_is_valid)
{
	add("3f2a9c81d4e7", "");
	add_full("0c1d55e2b8a3", "3f2a9c81d4e7", "", NULL);
	cr_assert_str_eq(ms[1].path, "versions/0c1d55e2b8a3_.py");
	run();
	cr_assert_eq(count(RULE_FILENAME_REVISION), 0, "%s",
	    out.len ? out.items[0].message : "");
}

Test(rules, revision_format_and_legacy_ids)
{
	add_full("add_oauth_tokens_table", "", "init", NULL);
	run();
	cr_assert_eq(count(RULE_REVISION_FORMAT), 1);
	cr_assert_eq(count(RULE_PLACEHOLDER_ID), 0);
	cr_assert_eq(count(RULE_FILENAME_REVISION), 0);
	pol.revision_format = (free(pol.revision_format),
	    strdup("^([0-9a-f]{12}|[a-z_]+)$"));
	run();
	cr_assert_eq(count(RULE_REVISION_FORMAT), 0);
}

Test(rules, placeholder_id_and_user_patterns)
{
	add("a1b2c3d4e5f6", "");
	add("c0ffee1a2f9d", "a1b2c3d4e5f6");
	run();
	cr_assert_eq(count(RULE_PLACEHOLDER_ID), 1);
	cr_assert_str_eq(find(RULE_PLACEHOLDER_ID)->revisions.items[0],
	    "a1b2c3d4e5f6");
	strvec_push(&pol.placeholder_patterns, "^c0ffee");
	run();
	cr_assert_eq(count(RULE_PLACEHOLDER_ID), 2);
}

Test(rules, duplicate_revision)
{
	add_full("3f2a9c81d4e7", "", "one", NULL);
	add_full("3f2a9c81d4e7", "", "two", NULL);
	run();
	cr_assert_eq(count(RULE_DUPLICATE_REVISION), 1);
	cr_assert_str_eq(find(RULE_DUPLICATE_REVISION)->message,
	    "revision `3f2a9c81d4e7` is defined twice: "
	    "versions/3f2a9c81d4e7_one.py and versions/3f2a9c81d4e7_two.py; "
	    "Alembic loads whichever of the two os.listdir yields last "
	    "(file-system order, not sorted) and silently never runs the "
	    "other");
}

Test(rules, header_rules)
{
	add_src("versions/3f2a9c81d4e7_a.py", "\"\"\"Revision ID: "
	    "3f2a9c81d4e7\nRevises:\n\"\"\"\nrevision = '3f2a9c81d4e7'\n"
	    "down_revision = None\n");
	add_src("versions/0c1d55e2b8a3_b.py", "\"\"\"Revision ID: "
	    "0c1d55e2b8a4\nRevises: 9d3f1b7a2c40\n\"\"\"\n"
	    "revision = '0c1d55e2b8a3'\ndown_revision = '3f2a9c81d4e7'\n");
	add_src("versions/e4c1f0a9b27d_c.py", "\"\"\"no header\"\"\"\n"
	    "revision = 'e4c1f0a9b27d'\ndown_revision = '0c1d55e2b8a3'\n");
	run();
	cr_assert_eq(count(RULE_HEADER_REVISION_MISMATCH), 1);
	cr_assert_eq(find(RULE_HEADER_REVISION_MISMATCH)->line, 1);
	cr_assert_eq(count(RULE_HEADER_REVISES_MISMATCH), 1);
	cr_assert_str_eq(find(RULE_HEADER_REVISES_MISMATCH)->message,
	    "header says `Revises: 9d3f1b7a2c40` but down_revision is "
	    "`3f2a9c81d4e7` (line 5)");
	cr_assert_eq(count(RULE_HEADER_MISSING), 1);
	cr_assert_eq(find(RULE_HEADER_MISSING)->severity, RULE_SEV_WARN);
}

Test(rules, revises_compares_as_sets)
{
	add("3f2a9c81d4e7", "");
	add("0c1d55e2b8a3", "3f2a9c81d4e7");
	add("9d3f1b7a2c40", "3f2a9c81d4e7");
	add_src("versions/e4c1f0a9b27d_merge_heads.py", "\"\"\"Revision ID: "
	    "e4c1f0a9b27d\nRevises: 9d3f1b7a2c40, 0c1d55e2b8a3\n\"\"\"\n"
	    "revision = 'e4c1f0a9b27d'\ndown_revision = ('0c1d55e2b8a3', "
	    "'9d3f1b7a2c40')\n");
	run();
	cr_assert_eq(count(RULE_HEADER_REVISES_MISMATCH), 0);
}

Test(rules, single_head_and_base)
{
	add("3f2a9c81d4e7", "");
	add("0c1d55e2b8a3", "");
	add("9d3f1b7a2c40", "3f2a9c81d4e7");
	run();
	cr_assert_eq(count(RULE_SINGLE_HEAD), 1);
	cr_assert_eq(count(RULE_SINGLE_BASE), 1);
	cr_assert_str_eq(find(RULE_SINGLE_HEAD)->message, "2 heads: "
	    "0c1d55e2b8a3 (versions/0c1d55e2b8a3_step.py), 9d3f1b7a2c40 "
	    "(versions/9d3f1b7a2c40_step.py)");
	cr_assert_eq(find(RULE_SINGLE_BASE)->revisions.len, 2);
}

Test(rules, stealth_branch_message_form)
{
	add("3f2a9c81d4e7", "");
	add("e4c1f0a9b27d", "3f2a9c81d4e7");
	add("0c1d55e2b8a3", "3f2a9c81d4e7");
	run();
	cr_assert_eq(count(RULE_STEALTH_BRANCH), 1);
	cr_assert_str_eq(find(RULE_STEALTH_BRANCH)->message,
	    "non-merge revisions sharing parent 3f2a9c81d4e7: 0c1d55e2b8a3, "
	    "e4c1f0a9b27d");
}

Test(rules, merged_fork_is_no_stealth_branch)
{
	add("3f2a9c81d4e7", "");
	add("e4c1f0a9b27d", "3f2a9c81d4e7");
	add("9d3f1b7a2c40", "3f2a9c81d4e7,e4c1f0a9b27d");
	docs[0].path = "CHANGELOG.md";
	docs[0].data = "merged in 9d3f1b7a2c40";
	docs[0].len = strlen(docs[0].data);
	in.docs = docs;
	in.ndocs = 1;
	run();
	cr_assert_eq(out.len, 0, "%s", out.len ? out.items[0].message : "");
}

/* The fix the stealth-branch hint gives (`alembic merge`) must pass. */
Test(rules, fork_joined_by_a_merge_is_no_stealth_branch)
{
	add("3f2a9c81d4e7", "");
	add("e4c1f0a9b27d", "3f2a9c81d4e7");
	add("0c1d55e2b8a3", "3f2a9c81d4e7");
	add("5b8e0d2f7a19", "0c1d55e2b8a3");
	add_full("9d3f1b7a2c40", "e4c1f0a9b27d,5b8e0d2f7a19", "merge_heads",
	    NULL);
	add("71c0e9d4b2a8", "9d3f1b7a2c40");
	docs[0].path = "CHANGELOG.md";
	docs[0].data = "9d3f1b7a2c40 merges the billing and search branches";
	docs[0].len = strlen(docs[0].data);
	in.docs = docs;
	in.ndocs = 1;
	run();
	cr_assert_eq(out.len, 0, "%s", out.len ? out.items[0].message : "");
}

/* A merge that joins two of three branches leaves the third stealth. */
Test(rules, fork_partly_joined_stays_stealth)
{
	add("3f2a9c81d4e7", "");
	add("e4c1f0a9b27d", "3f2a9c81d4e7");
	add("0c1d55e2b8a3", "3f2a9c81d4e7");
	add("5b8e0d2f7a19", "3f2a9c81d4e7");
	add_full("9d3f1b7a2c40", "e4c1f0a9b27d,0c1d55e2b8a3", "merge_heads",
	    NULL);
	run();
	cr_assert_eq(count(RULE_STEALTH_BRANCH), 1);
	cr_assert_str_eq(find(RULE_STEALTH_BRANCH)->message,
	    "non-merge revisions sharing parent 3f2a9c81d4e7: 0c1d55e2b8a3, "
	    "5b8e0d2f7a19, e4c1f0a9b27d");
	cr_assert_eq(count(RULE_SINGLE_HEAD), 1);
}

Test(rules, merge_naming_and_documented)
{
	clean_chain();
	add("9d3f1b7a2c40", "3f2a9c81d4e7");
	add_full("7b1e2d9c4a60", "e4c1f0a9b27d,9d3f1b7a2c40", "join", NULL);
	run();
	cr_assert_eq(count(RULE_MERGE_NAMING), 1);
	cr_assert_eq(count(RULE_MERGE_DOCUMENTED), 1);
	cr_assert(strstr(find(RULE_MERGE_DOCUMENTED)->message,
	    "(CHANGELOG.md, docs/**/*.md)"));
	docs[0].path = "docs/db/history.md";
	docs[0].data = "## 7b1e2d9c4a60 joins the billing branch";
	docs[0].len = strlen(docs[0].data);
	in.docs = docs;
	in.ndocs = 1;
	run();
	cr_assert_eq(count(RULE_MERGE_DOCUMENTED), 0);
}

Test(rules, dangling_parent_and_unreachable)
{
	clean_chain();
	add("9d3f1b7a2c40", "ffffffffffff");
	add("7b1e2d9c4a60", "9d3f1b7a2c40");
	add_full("5a6b7c8d9e0f", "e4c1f0a9b27d,7b1e2d9c4a60", "merge_x",
	    "depends_on = 'nothere'\n");
	run();
	cr_assert_eq(count(RULE_DANGLING_PARENT), 2);
	cr_assert_eq(count(RULE_UNREACHABLE), 1);
	/* 5a6b7c8d9e0f also merges e4c1f0a9b27d, so it is reachable. */
	cr_assert_str_eq(find(RULE_UNREACHABLE)->message, "2 revisions are "
	    "not on any path from a base to a head, cut off at "
	    "`9d3f1b7a2c40`: 7b1e2d9c4a60");
}

Test(rules, cycle_lists_members_in_order)
{
	clean_chain();
	add("c0c1c2c3c4c5", "9d3f1b7a2c40");
	add("9d3f1b7a2c40", "7b1e2d9c4a60");
	add("7b1e2d9c4a60", "c0c1c2c3c4c5");
	pol.severity[RULE_PLACEHOLDER_ID] = RULE_SEV_OFF;
	run();
	cr_assert_eq(count(RULE_CYCLE), 1);
	cr_assert_str_eq(find(RULE_CYCLE)->message, "revision cycle: "
	    "c0c1c2c3c4c5 -> 9d3f1b7a2c40 -> 7b1e2d9c4a60 -> c0c1c2c3c4c5");
	cr_assert_eq(count(RULE_UNREACHABLE), 1);
}

Test(rules, severities_from_policy)
{
	add("a1b2c3d4e5f6", "");
	pol.severity[RULE_PLACEHOLDER_ID] = RULE_SEV_WARN;
	run();
	cr_assert_eq(find(RULE_PLACEHOLDER_ID)->severity, RULE_SEV_WARN);
	pol.severity[RULE_PLACEHOLDER_ID] = RULE_SEV_OFF;
	run();
	cr_assert_eq(count(RULE_PLACEHOLDER_ID), 0);
}

Test(rules, old_debt_is_a_warning_unless_strict)
{
	struct diag_list	 base = DIAG_LIST_INIT;
	struct debt		 debt = DEBT_INIT;
	struct diag		*d;

	add("a1b2c3d4e5f6", "");			/* old debt */
	add("b2c3d4e5f6a7", "a1b2c3d4e5f6");		/* new */
	d = diag_add(&base, RULE_PLACEHOLDER_ID, RULE_SEV_ERROR,
	    "versions/a1b2c3d4e5f6_step.py", 1, NULL, "at the base");
	strvec_push(&d->revisions, "a1b2c3d4e5f6");
	cr_assert_eq(debt_add_list(&debt, &base), 0);
	in.old_debt = &debt;
	run();
	cr_assert_eq(count(RULE_PLACEHOLDER_ID), 2);
	cr_assert_eq(out.items[0].severity, RULE_SEV_WARN);
	cr_assert(out.items[0].old);
	cr_assert_str_eq(out.items[0].revisions.items[0], "a1b2c3d4e5f6");
	cr_assert_eq(out.items[1].severity, RULE_SEV_ERROR);
	cr_assert(!out.items[1].old);
	pol.strict = 1;
	run();
	cr_assert_eq(out.items[0].severity, RULE_SEV_ERROR);
	cr_assert(out.items[0].old);
	debt_clear(&debt);
	diag_list_clear(&base);
}

Test(rules, a_problem_the_change_creates_is_new_in_any_file)
{
	struct diag_list	 base = DIAG_LIST_INIT;
	struct debt		 debt = DEBT_INIT;

	/* The base was a clean chain; the change deleted its middle, so
	 * the untouched child now names a missing parent. */
	add("9d3f1b7a2c40", "");
	add("c81d4e73f2a9", "5b0e6a2d9c17");
	cr_assert_eq(debt_add_list(&debt, &base), 0);
	in.old_debt = &debt;
	pol.severity[RULE_PLACEHOLDER_ID] = RULE_SEV_OFF;
	run();
	cr_assert_eq(count(RULE_DANGLING_PARENT), 1);
	cr_assert_eq(find(RULE_DANGLING_PARENT)->severity, RULE_SEV_ERROR);
	cr_assert(!find(RULE_DANGLING_PARENT)->old);
	debt_clear(&debt);
}

Test(rules, baseline_silences_only_known_debt)
{
	add("a1b2c3d4e5f6", "");
	add("b2c3d4e5f6a7", "a1b2c3d4e5f6");
	add("3f2a9c81d4e7", "a1b2c3d4e5f6");
	strvec_push(&pol.baseline, "a1b2c3d4e5f6");
	run();
	/* Only the new placeholder stays; the stealth branch names a new
	 * revision, so the baseline cannot hide it. */
	cr_assert_eq(count(RULE_PLACEHOLDER_ID), 1);
	cr_assert_str_eq(find(RULE_PLACEHOLDER_ID)->revisions.items[0],
	    "b2c3d4e5f6a7");
	cr_assert_eq(count(RULE_STEALTH_BRANCH), 1);
}

Test(rules, bad_pattern_names_the_field)
{
	char	 err[256];

	strvec_push(&pol.placeholder_patterns, "([unclosed");
	cr_assert_eq(policy_compile(&pol, err, sizeof(err)), -1);
	cr_assert(strstr(err, "placeholder_patterns: invalid pattern "
	    "`([unclosed` at offset"), "%s", err);
}
