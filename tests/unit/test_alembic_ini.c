/*
 * Unit tests for reading alembic.ini as Alembic 1.8.1 does through
 * Python's configparser: one test per rule.  tests/ini_differential.py
 * checks the same against Alembic itself on generated files.
 */
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

static enum alembic_ini_status
read_at(const char *path, const char *ini, size_t len)
{
	strvec_clear(&dirs);
	diag_list_clear(&diags);
	return alembic_ini_read(path, ini, len, &dirs, &diags);
}

static enum alembic_ini_status
rd(const char *ini)
{
	return read_at("alembic.ini", ini, strlen(ini));
}

static int
parse(const char *path, const char *ini)
{
	strvec_clear(&dirs);
	diag_list_clear(&diags);
	return alembic_ini_versions(path, ini, strlen(ini), &dirs, &diags);
}

/* Reads ini at the root and expects one directory. */
static void
expect_dir(const char *ini, const char *dir)
{
	cr_assert_eq(rd(ini), ALEMBIC_INI_OK, "%s: %s", ini,
	    diags.len ? diags.items[0].message : "");
	cr_assert_eq(dirs.len, 1, "%s", ini);
	cr_assert_str_eq(dirs.items[0], dir, "%s", ini);
}

static void
expect_error(const char *ini, enum alembic_ini_status st, int line,
    const char *words)
{
	cr_assert_eq(rd(ini), st, "%s", ini);
	cr_assert_eq(dirs.len, 0);
	cr_assert_eq(diags.len, 1);
	cr_assert_eq(diags.items[0].line, line, "%s: line %d", ini,
	    diags.items[0].line);
	cr_assert(strstr(diags.items[0].message, words) != NULL, "%s: %s",
	    ini, diags.items[0].message);
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
	/* Relative paths resolve against the ini's directory. */
	cr_assert_eq(parse("backend/alembic.ini", "[alembic]\n"
	    "script_location = %(here)s/../shared/m\n"), 0);
	cr_assert_str_eq(dirs.items[0], "shared/m/versions");
}

/* SECTCRE `\[(?P<header>.+)\]` is greedy: `[alembic]x]` is the section
 * "alembic]x", so its script_location is not Alembic's (issue 6). */
Test(alembic_ini, header_regex_is_greedy)
{
	expect_dir("[alembic]\nscript_location = real\n[alembic]x]\n"
	    "script_location = decoy\n", "real/versions");
	expect_dir("[alembic]x]\nscript_location = decoy\n[alembic]\n"
	    "script_location = real\n", "real/versions");
	expect_dir("[alembic]]\nscript_location = decoy\n[alembic]\n"
	    "script_location = real\n", "real/versions");
	/* Text after the last `]` is ignored. */
	expect_dir("[alembic] ; not a comment\nscript_location = real\n",
	    "real/versions");
	/* Section names are not case-folded or stripped inside. */
	expect_error("[ALEMBIC]\nscript_location = m\n", ALEMBIC_INI_ALEMBIC,
	    0, "no [alembic] section");
	expect_error("[ alembic ]\nscript_location = m\n",
	    ALEMBIC_INI_ALEMBIC, 0, "no [alembic] section");
	/* `[]` is no header: an option line without a delimiter. */
	expect_error("[alembic]\nscript_location = m\n[]\n",
	    ALEMBIC_INI_SYNTAX, 3, "neither a section header");
}

Test(alembic_ini, repeated_section_is_an_error)
{
	expect_error("[alembic]\nscript_location = a\n\n[alembic]\n"
	    "script_location = b\n", ALEMBIC_INI_SYNTAX, 4,
	    "section [alembic] is repeated");
	expect_error("[loggers]\n[alembic]\nscript_location = a\n"
	    "[loggers]\n", ALEMBIC_INI_SYNTAX, 4, "[loggers] is repeated");
	cr_assert_eq(parse("alembic.ini", "[alembic]\nscript_location = a\n"
	    "[alembic]\n"), -1);
	/* DEFAULT may come back. */
	expect_dir("[DEFAULT]\na = 1\n[alembic]\nscript_location = m\n"
	    "[DEFAULT]\nb = 2\n", "m/versions");
}

Test(alembic_ini, repeated_option_is_an_error)
{
	expect_error("[alembic]\nscript_location = a\nscript_location = b\n",
	    ALEMBIC_INI_SYNTAX, 3, "option `script_location` is repeated");
	/* optionxform lower-cases, and strips around the name. */
	expect_error("[alembic]\n  SCRIPT_Location:b\nscript_location = a\n",
	    ALEMBIC_INI_SYNTAX, 3, "first on line 2");
	expect_error("[DEFAULT]\nx = 1\n[DEFAULT]\nX = 2\n",
	    ALEMBIC_INI_SYNTAX, 4, "is repeated in section [DEFAULT]");
	/* The same name in two sections is fine. */
	expect_dir("[DEFAULT]\nscript_location = d\n[alembic]\n"
	    "script_location = a\n", "a/versions");
	/* `here` from Alembic may be overridden once, in DEFAULT. */
	expect_dir("[DEFAULT]\nhere = elsewhere\n[alembic]\n"
	    "script_location = %(here)s/m\n", "elsewhere/m/versions");
}

Test(alembic_ini, keys_fold_case_and_strip)
{
	expect_dir("[alembic]\n  Script_Location   =   m  \n", "m/versions");
	expect_dir("[alembic]\nSCRIPT_LOCATION\t:\tm\n", "m/versions");
	/* U+00A0 and U+3000 are whitespace to str.strip(). */
	expect_dir("[alembic]\nscript_location\xc2\xa0=\xc2\xa0m\xe3\x80\x80\n",
	    "m/versions");
	/* The Kelvin sign lower-cases to `k`: ok = Ok. */
	expect_error("[alembic]\nscript_location = m\nok = 1\no\xe2\x84\xaa = 2\n",
	    ALEMBIC_INI_SYNTAX, 4, "repeated");
	/* Other non-ASCII names need Unicode case folding: refused. */
	expect_error("[loggers]\n\xc3\x84 = 1\n[alembic]\nscript_location = m\n",
	    ALEMBIC_INI_UNSUPPORTED, 2, "non-ASCII");
}

Test(alembic_ini, first_delimiter_wins)
{
	expect_dir("[alembic]\nscript_location: a=b\n", "a=b/versions");
	expect_dir("[alembic]\nscript_location = m\nversion_locations = "
	    "x\nversion_locations_x = 1\n", "x");
	expect_error("[alembic]\nscript_location = m\n= value\n",
	    ALEMBIC_INI_SYNTAX, 3, "neither a section header");
	expect_error("[alembic]\nscript_location = m\njust words\n",
	    ALEMBIC_INI_SYNTAX, 3, "neither a section header");
}

Test(alembic_ini, comments_are_full_lines_only)
{
	expect_dir("# c\n; c\n[alembic]\n  # indented\n\t; too\n"
	    "script_location = m\n", "m/versions");
	/* No inline_comment_prefixes in Alembic's ConfigParser. */
	expect_dir("[alembic]\nscript_location = m # c\n", "m # c/versions");
	expect_dir("[alembic]\nscript_location = m ; c\n", "m ; c/versions");
}

Test(alembic_ini, continuation_and_empty_lines)
{
	/* Deeper indentation continues a value; joined with "\n". */
	cr_assert_eq(rd("[alembic]\nscript_location = m\n"
	    "version_path_separator = :\nversion_locations = a\n  :b\n"),
	    ALEMBIC_INI_OK);
	cr_assert_eq(dirs.len, 2);
	cr_assert_str_eq(dirs.items[0], "a\n");
	cr_assert_str_eq(dirs.items[1], "b");
	/* Comment lines inside a value are dropped (an indented `;b` too),
	 * empty lines kept, trailing ones stripped. */
	cr_assert_eq(rd("[alembic]\nscript_location = m\n"
	    "version_path_separator = :\nversion_locations = a\n# c\n  :b\n\n"
	    "  ;x\n  :c\n\n\n"), ALEMBIC_INI_OK);
	cr_assert_eq(dirs.len, 3);
	cr_assert_str_eq(dirs.items[1], "b\n\n");
	cr_assert_str_eq(dirs.items[2], "c");
	/* Not deeper than the option line: a new option. */
	expect_dir("  [alembic]\n  script_location = m\n  x = 1\n",
	    "m/versions");
	/* A value whose first line is empty starts with "\n": Alembic's
	 * path would not exist either. */
	cr_assert_eq(rd("[alembic]\nscript_location =\n  m\n"),
	    ALEMBIC_INI_OK);
	cr_assert_str_eq(dirs.items[0], "\nm/versions");
	/* A section header line takes no continuation. */
	expect_error("[alembic]\n  x\nscript_location = m\n",
	    ALEMBIC_INI_SYNTAX, 2, "neither");
}

Test(alembic_ini, universal_newlines)
{
	expect_dir("[alembic]\rscript_location = m\r", "m/versions");
	expect_dir("[alembic]\r\nscript_location = m\r\n", "m/versions");
	expect_error("[alembic]\r\rscript_location = a\r\nscript_location = "
	    "b\n", ALEMBIC_INI_SYNTAX, 4, "repeated");
	/* U+2028 and \v are not line ends in a file read. */
	expect_dir("[alembic]\nscript_location = a\xe2\x80\xa8" "b\n",
	    "a\xe2\x80\xa8" "b/versions");
}

Test(alembic_ini, missing_header_and_bad_utf8)
{
	expect_error("script_location = m\n[alembic]\n", ALEMBIC_INI_SYNTAX, 1,
	    "before the first section header");
	expect_error("\xef\xbb\xbf[alembic]\nscript_location = m\n",
	    ALEMBIC_INI_SYNTAX, 1, "before the first section header");
	expect_error("[alembic]\nscript_location = m\n# caf\xe9\n",
	    ALEMBIC_INI_SYNTAX, 3, "not valid UTF-8");
	expect_error("[alembic]\nscript_location = \xed\xa0\x80\n",
	    ALEMBIC_INI_SYNTAX, 2, "not valid UTF-8");
}

Test(alembic_ini, default_section_is_inherited)
{
	expect_dir("[DEFAULT]\nscript_location = d\n[alembic]\nx = 1\n",
	    "d/versions");
	expect_dir("[DEFAULT]\nroot = %(here)s/db\n[alembic]\n"
	    "script_location = %(root)s\n", "db/versions");
	/* References resolve in the reading section first. */
	expect_dir("[DEFAULT]\nroot = d\nloc = %(root)s\n[alembic]\n"
	    "root = a\nscript_location = %(loc)s\n", "a/versions");
	/* Another section is not visible. */
	expect_error("[other]\nroot = d\n[alembic]\n"
	    "script_location = %(root)s\n", ALEMBIC_INI_ALEMBIC, 4,
	    "names no option");
}

Test(alembic_ini, basic_interpolation)
{
	expect_dir("[alembic]\nscript_location = 100%%\n", "100%/versions");
	expect_dir("[alembic]\nscript_location = %(HERE)s/m\n", "m/versions");
	expect_error("[alembic]\nscript_location = 100%\n",
	    ALEMBIC_INI_ALEMBIC, 2, "must be followed by");
	expect_error("[alembic]\nscript_location = %(x)d\nx = 1\n",
	    ALEMBIC_INI_ALEMBIC, 2, "bad %(name)s");
	expect_error("[alembic]\nscript_location = %()s\n",
	    ALEMBIC_INI_ALEMBIC, 2, "bad %(name)s");
	expect_error("[alembic]\nscript_location = %(nope)s\n",
	    ALEMBIC_INI_ALEMBIC, 2, "names no option");
	expect_error("[alembic]\nscript_location = %(a)s\na = %(b)s\n"
	    "b = %(a)s\n", ALEMBIC_INI_ALEMBIC, 2, "nested more than 10");
	/* Bad values that Alembic never reads do not matter. */
	expect_dir("[alembic]\nscript_location = m\nsqlalchemy.url = 100%\n"
	    "[loggers]\nkeys = %(nope)s\n", "m/versions");
}

Test(alembic_ini, interpolation_cannot_blow_up)
{
	struct buf	 b = BUF_INIT;
	int		 i;

	/* Eight levels of ten-fold references: 10^8 expansions. */
	buf_printf(&b, "[alembic]\nscript_location = %%(a0)s\n");
	for (i = 0; i < 8; i++)
		buf_printf(&b, "a%d = %%(a%d)s%%(a%d)s%%(a%d)s%%(a%d)s%%(a%d)s"
		    "%%(a%d)s%%(a%d)s%%(a%d)s%%(a%d)s%%(a%d)s\n", i, i + 1,
		    i + 1, i + 1, i + 1, i + 1, i + 1, i + 1, i + 1, i + 1,
		    i + 1);
	buf_printf(&b, "a8 =\n");
	cr_assert_eq(read_at("alembic.ini", b.data, b.len),
	    ALEMBIC_INI_ALEMBIC);
	cr_assert(strstr(diags.items[0].message, "too many references"));
	buf_clear(&b);
}

Test(alembic_ini, options_alembic_reads_must_be_valid)
{
	expect_error("[alembic]\nscript_location = m\n"
	    "truncate_slug_length = ten\n", ALEMBIC_INI_ALEMBIC, 3,
	    "not an integer");
	expect_dir("[alembic]\nscript_location = m\n"
	    "truncate_slug_length = \t-1_0 \n", "m/versions");
	expect_error("[alembic]\nscript_location = m\nfile_template = %(rev)s\n",
	    ALEMBIC_INI_ALEMBIC, 3, "`file_template`");
	expect_error("[alembic]\nscript_location = m\n[post_write_hooks]\n"
	    "hooks = %\n", ALEMBIC_INI_ALEMBIC, 4, "`hooks`");
	expect_error("[alembic]\nscript_location =\n", ALEMBIC_INI_ALEMBIC, 2,
	    "script_location is empty");
	expect_error("[alembic]\nsqlalchemy.url = x\n", ALEMBIC_INI_ALEMBIC, 0,
	    "no script_location");
	expect_error("", ALEMBIC_INI_ALEMBIC, 0, "no [alembic] section");
}

Test(alembic_ini, version_locations_legacy_split)
{
	/* re.split(r", *|(?: +)"): an empty piece is the working dir. */
	static const char	 ini[] = "[alembic]\nscript_location = m\n"
	    "version_locations = a  b,c ,d, e\n";

	cr_assert_eq(read_at("backend/alembic.ini", ini, sizeof(ini) - 1),
	    ALEMBIC_INI_OK);
	cr_assert_eq(dirs.len, 6);
	cr_assert_str_eq(dirs.items[0], "backend/a");
	cr_assert_str_eq(dirs.items[2], "backend/c");
	cr_assert_str_eq(dirs.items[3], "backend");
	cr_assert_str_eq(dirs.items[5], "backend/e");
	/* Tabs are not separators; repeated locations are read once. */
	cr_assert_eq(rd("[alembic]\nscript_location = m\n"
	    "version_locations = a\tb a a\n"), ALEMBIC_INI_OK);
	cr_assert_eq(dirs.len, 2);
	cr_assert_str_eq(dirs.items[0], "a\tb");
	/* An empty value means script_location/versions. */
	expect_dir("[alembic]\nscript_location = m\nversion_locations =\n",
	    "m/versions");
}

Test(alembic_ini, version_path_separator)
{
	cr_assert_eq(rd("[alembic]\nscript_location = m\n"
	    "version_path_separator = os\nversion_locations = a/v: b/v\n"),
	    ALEMBIC_INI_OK);
	cr_assert_eq(dirs.len, 2);
	cr_assert_str_eq(dirs.items[0], "a/v");
	cr_assert_str_eq(dirs.items[1], " b/v");	/* not stripped */
	cr_assert_eq(rd("[alembic]\nscript_location = m\n"
	    "version_path_separator = space\nversion_locations = a,b  c\n"),
	    ALEMBIC_INI_OK);
	cr_assert_eq(dirs.len, 2);
	cr_assert_str_eq(dirs.items[0], "a,b");
	cr_assert_eq(rd("[alembic]\nscript_location = m\n"
	    "version_path_separator = ;\nversion_locations = a;b c\n"),
	    ALEMBIC_INI_OK);
	cr_assert_str_eq(dirs.items[1], "b c");
	/* Only separators give no list: script_location/versions. */
	expect_dir("[alembic]\nscript_location = m\nversion_path_separator = "
	    ":\nversion_locations = ::\n", "m/versions");
	/* Alembic 1.8.1 knows space, os, : and ; only. */
	expect_error("[alembic]\nscript_location = m\n"
	    "version_path_separator = newline\nversion_locations = a\n",
	    ALEMBIC_INI_ALEMBIC, 3, "unknown version_path_separator");
	/* ...and reads it only when there are version_locations. */
	expect_dir("[alembic]\nscript_location = m\n"
	    "version_path_separator = newline\n", "m/versions");
}

Test(alembic_ini, locations_revguard_cannot_follow)
{
	static const char	 nul[] = "[alembic]\nscript_location = a\0b\n";

	expect_error("[alembic]\n\nscript_location = myapp:migrations\n",
	    ALEMBIC_INI_UNSUPPORTED, 3, "package resource");
	expect_error("[alembic]\nscript_location = m\n"
	    "version_locations = pkg:v\n", ALEMBIC_INI_UNSUPPORTED, 3,
	    "package resource");
	expect_error("[alembic]\nscript_location = ../outside\n",
	    ALEMBIC_INI_UNSUPPORTED, 2, "leaves the repository");
	expect_error("[alembic]\nscript_location = /srv/app/m\n",
	    ALEMBIC_INI_UNSUPPORTED, 2, "absolute path outside");
	/* Where these land depends on where the checkout lives. */
	expect_error("[alembic]\nscript_location = x%(here)s\n",
	    ALEMBIC_INI_UNSUPPORTED, 2, "%(here)s inside a path");
	expect_error("[alembic]\nscript_location = %(here)s/..%(here)s\n",
	    ALEMBIC_INI_UNSUPPORTED, 2, "%(here)s inside a path");
	expect_error("[alembic]\nscript_location = /%(here)s\n",
	    ALEMBIC_INI_UNSUPPORTED, 2, "%(here)s inside a path");
	cr_assert_eq(read_at("alembic.ini", nul, sizeof(nul) - 1),
	    ALEMBIC_INI_UNSUPPORTED);
	cr_assert_eq(parse("alembic.ini", "[alembic]\nscript_location = "
	    "%(root)s/m\n"), -1);
}

/* Found by fuzz/fuzz_alembic_ini: a last line with neither '=' nor ':'
 * and no newline made the key search run past the buffer. */
Test(alembic_ini, last_line_without_separator_stays_in_bounds)
{
	static const char	 ini[] = "[alembic]\nscript_location = m\n"
	    "version_loca %(here)s em";
	char			*copy = malloc(sizeof(ini) - 1);

	memcpy(copy, ini, sizeof(ini) - 1);	/* no NUL after the data */
	cr_assert_eq(read_at("alembic.ini", copy, sizeof(ini) - 1),
	    ALEMBIC_INI_SYNTAX);
	cr_assert_eq(diags.items[0].line, 3);
	memcpy(copy, "[alembic]\nscript_location = m\n#", 32);
	cr_assert_eq(read_at("alembic.ini", copy, 31), ALEMBIC_INI_OK);
	cr_assert_str_eq(dirs.items[0], "m/versions");
	free(copy);
}

/* Alembic would run what revguard cannot read: compiled files, or the
 * sub-directories newer Alembic reads.  Never a silent pass. */
Test(alembic_ini, sourceless_and_recursive_are_refused)
{
	static const char *const inis[] = {
		"[alembic]\nscript_location = m\nsourceless = true\n",
		"[alembic]\nscript_location = m\n"
		    "recursive_version_locations = true\n",
		NULL
	};
	struct strvec		 out = STRVEC_INIT;
	struct diag_list	 d = DIAG_LIST_INIT;
	int			 i;

	for (i = 0; inis[i] != NULL; i++) {
		cr_assert_eq(alembic_ini_read("alembic.ini", inis[i],
		    strlen(inis[i]), &out, &d), ALEMBIC_INI_UNSUPPORTED,
		    "%s", inis[i]);
		cr_assert_eq(d.items[d.len - 1].line, 3);
		strvec_clear(&out);
	}
	i = (int)strlen(inis[0]);
	cr_assert_eq(alembic_ini_read("alembic.ini",
	    "[alembic]\nscript_location = m\nsourceless = tru\n",
	    (size_t)i - 1, &out, &d), ALEMBIC_INI_OK);
	strvec_clear(&out);
	diag_list_clear(&d);
}
