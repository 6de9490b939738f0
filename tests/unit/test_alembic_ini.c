/* Unit tests for finding versions directories in alembic.ini. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/alembic_ini.h"

static struct strvec		 dirs;
static struct diag_list		 diags;

static void
teardown(void)
{
	strvec_clear(&dirs);
	diag_list_clear(&diags);
}

TestSuite(alembic_ini, .fini = teardown);

static int
parse(const char *path, const char *ini)
{
	strvec_clear(&dirs);
	diag_list_clear(&diags);
	return alembic_ini_versions(path, ini, strlen(ini), &dirs, &diags);
}

Test(alembic_ini, script_location_gives_versions)
{
	cr_assert_eq(parse("alembic.ini", "[alembic]\n"
	    "script_location = migrations\nsqlalchemy.url = x\n"), 0);
	cr_assert_eq(dirs.len, 1);
	cr_assert_str_eq(dirs.items[0], "migrations/versions");
}

Test(alembic_ini, here_and_subdirectory)
{
	cr_assert_eq(parse("backend/alembic.ini", "[loggers]\nkeys = root\n"
	    "[alembic]\r\nscript_location = %(here)s/db/alembic\r\n"), 0);
	cr_assert_str_eq(dirs.items[0], "backend/db/alembic/versions");
	cr_assert_eq(parse("backend/alembic.ini", "[alembic]\n"
	    "script_location: db\n"), 0);
	cr_assert_str_eq(dirs.items[0], "backend/db/versions");
}

Test(alembic_ini, version_locations_with_separators)
{
	cr_assert_eq(parse("alembic.ini", "[alembic]\nscript_location = m\n"
	    "version_locations = %(here)s/m/v1 %(here)s/m/v2\n"), 0);
	cr_assert_eq(dirs.len, 2);
	cr_assert_str_eq(dirs.items[1], "m/v2");
	cr_assert_eq(parse("alembic.ini", "[alembic]\nscript_location = m\n"
	    "version_path_separator = os\n"
	    "version_locations = a/v:b/v\n"), 0);
	cr_assert_eq(dirs.len, 2);
	cr_assert_str_eq(dirs.items[0], "a/v");
	cr_assert_eq(parse("alembic.ini", "[alembic]\nscript_location = m\n"
	    "version_path_separator = newline\nversion_locations =\n"
	    "    one/v\n    two/v\n"), 0);
	cr_assert_eq(dirs.len, 2);
	cr_assert_str_eq(dirs.items[1], "two/v");
}

Test(alembic_ini, errors_name_the_line)
{
	cr_assert_eq(parse("alembic.ini", "[alembic]\nsqlalchemy.url = x\n"),
	    -1);
	cr_assert(strstr(diags.items[0].message, "no script_location"));
	cr_assert_eq(parse("alembic.ini", "[alembic]\n\nscript_location = "
	    "myapp:migrations\n"), -1);
	cr_assert_eq(diags.items[0].line, 3);
	cr_assert(strstr(diags.items[0].message, "package resource"));
	cr_assert_eq(parse("alembic.ini", "[alembic]\nscript_location = "
	    "../outside\n"), -1);
	cr_assert(strstr(diags.items[0].message, "outside the repository"));
	cr_assert_eq(parse("alembic.ini", "[alembic]\nscript_location = "
	    "%(root)s/m\n"), -1);
	cr_assert(strstr(diags.items[0].message, "cannot interpolate"));
}

/* Found by fuzz/fuzz_alembic_ini: a last line with neither '=' nor ':'
 * and no newline made the key search run past the buffer. */
Test(alembic_ini, last_line_without_separator_stays_in_bounds)
{
	static const char	 ini[] = "[alembic]\nscript_location = m\n"
	    "version_loca %(here)s em";
	char			*copy = malloc(sizeof(ini) - 1);

	memcpy(copy, ini, sizeof(ini) - 1);	/* no NUL after the data */
	strvec_clear(&dirs);
	diag_list_clear(&diags);
	cr_assert_eq(alembic_ini_versions("alembic.ini", copy, sizeof(ini) - 1,
	    &dirs, &diags), 0);
	cr_assert_str_eq(dirs.items[0], "m/versions");
	free(copy);
}
