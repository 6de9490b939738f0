/* Unit tests for path globs. */
#include <criterion/criterion.h>

#include "revguard/glob.h"
#include "revguard/path.h"

Test(glob, star_stays_in_one_component)
{
	cr_assert(glob_match("*.md", "CHANGELOG.md"));
	cr_assert(!glob_match("*.md", "docs/a.md"));
	cr_assert(glob_match("refs/heads/release/*", "refs/heads/release/1.2"));
	cr_assert(!glob_match("refs/heads/release/*",
	    "refs/heads/release/1.2/x"));
}

Test(glob, double_star_spans_components)
{
	cr_assert(glob_match("docs/**/*.md", "docs/a.md"));
	cr_assert(glob_match("docs/**/*.md", "docs/x/y/a.md"));
	cr_assert(!glob_match("docs/**/*.md", "other/a.md"));
	cr_assert(glob_match("**", "any/thing"));
	cr_assert(glob_match("**/CHANGES", "a/b/CHANGES"));
}

Test(glob, classes_and_question_mark)
{
	cr_assert(glob_match("v[0-9].?", "v1.x"));
	cr_assert(!glob_match("v[!0-9]", "v1"));
	cr_assert(glob_match("[unclosed", "[unclosed"));
}

Test(glob, literal_prefix)
{
	cr_assert_eq(glob_literal_dir("docs/**/*.md"), 4);
	cr_assert_eq(glob_literal_dir("a/b/c*.md"), 3);
	cr_assert_eq(glob_literal_dir("*.md"), 0);
	cr_assert(glob_is_literal("CHANGELOG.md"));
	cr_assert(!glob_is_literal("docs/*.md"));
}

Test(path, join_and_normalise)
{
	char	*p;

	p = path_join("migrations", "./versions/");
	cr_assert_str_eq(p, "migrations/versions");
	free(p);
	p = path_join("a/b", "../c");
	cr_assert_str_eq(p, "a/c");
	free(p);
	cr_assert_null(path_join("", "../x"));
	cr_assert_null(path_join("a", "/etc"));
	cr_assert_str_eq(path_basename("a/b/c.py"), "c.py");
}
