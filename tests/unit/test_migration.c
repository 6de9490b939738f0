/*
 * Unit tests for the migration parser.  Golden cases live in
 * fixtures/parser as NAME.in (a migration module) and NAME.expected (the
 * record it must produce, or the parse error); add a pair to add a case.
 * Byte-level cases (CRLF, BOM, NUL, bad UTF-8) are written inline.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/migration.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*d;
	long	 n;

	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	d = malloc((size_t)n + 1);
	cr_assert_eq(fread(d, 1, (size_t)n, f), (size_t)n);
	d[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return d;
}

static void
dump_vec(struct buf *b, const char *key, const struct strvec *v, int line)
{
	size_t	 i;

	buf_printf(b, "%s: [", key);
	for (i = 0; i < v->len; i++)
		buf_printf(b, "%s%s", i ? ", " : "", v->items[i]);
	buf_printf(b, "] @%d\n", line);
}

/* Renders a parse result in the .expected format. */
static char *
dump(const char *data, size_t len)
{
	struct migration	 m;
	struct diag_list	 diags = DIAG_LIST_INIT;
	struct buf		 b = BUF_INIT;

	buf_append(&b, "", 0);
	if (migration_parse("x.py", data, len, &m, &diags) == -1) {
		cr_assert_eq(diags.len, 1);
		cr_assert_eq(diags.items[0].rule, RULE_PARSE_ERROR);
		cr_assert_str_eq(diags.items[0].path, "x.py");
		buf_printf(&b, "parse-error @%d: %s\n", diags.items[0].line,
		    diags.items[0].message);
	} else {
		cr_assert_eq(diags.len, 0);
		buf_printf(&b, "revision: %s @%d\n", m.revision,
		    m.revision_line);
		if (m.down_revisions.len == 0)
			buf_printf(&b, "down_revisions: None @%d\n",
			    m.down_revision_line);
		else
			dump_vec(&b, "down_revisions", &m.down_revisions,
			    m.down_revision_line);
		dump_vec(&b, "branch_labels", &m.branch_labels,
		    m.branch_labels_line);
		dump_vec(&b, "depends_on", &m.depends_on, m.depends_on_line);
		if (m.header_revision)
			buf_printf(&b, "header_revision: %s @%d\n",
			    m.header_revision, m.header_revision_line);
		if (m.has_header_revises)
			dump_vec(&b, "header_revises", &m.header_revises,
			    m.header_revises_line);
		if (m.create_date)
			buf_printf(&b, "create_date: %s @%d\n", m.create_date,
			    m.create_date_line);
	}
	migration_clear(&m);
	diag_list_clear(&diags);
	return b.data;
}

Test(migration, golden_fixtures)
{
	DIR		*dir = opendir(FIXTURES "/parser");
	struct dirent	*de;
	char		 in[4096], exp[4096], *data, *want, *got;
	size_t		 len, n = 0;

	cr_assert_not_null(dir);
	while ((de = readdir(dir)) != NULL) {
		size_t	 l = strlen(de->d_name);

		if (l < 4 || strcmp(de->d_name + l - 3, ".in") != 0)
			continue;
		snprintf(in, sizeof(in), "%s/parser/%s", FIXTURES, de->d_name);
		snprintf(exp, sizeof(exp), "%s/parser/%.*s.expected", FIXTURES,
		    (int)(l - 3), de->d_name);
		data = slurp(in, &len);
		want = slurp(exp, NULL);
		got = dump(data, len);
		cr_expect_str_eq(got, want, "%s:\n--- got\n%s--- want\n%s",
		    de->d_name, got, want);
		free(data);
		free(want);
		free(got);
		n++;
	}
	closedir(dir);
	cr_assert_geq(n, 10, "only %zu golden fixtures found", n);
}

static char *
dump_str(const char *s)
{
	return dump(s, strlen(s));
}

Test(migration, crlf_line_ends)
{
	char	*got = dump_str("\"\"\"x\r\n\r\nRevision ID: 0a9b8c7d6e5f\r\n"
	    "Revises: None\r\n\"\"\"\r\nrevision = '0a9b8c7d6e5f'\r\n"
	    "down_revision = None\r\n");

	cr_assert_str_eq(got, "revision: 0a9b8c7d6e5f @6\n"
	    "down_revisions: None @7\nbranch_labels: [] @0\n"
	    "depends_on: [] @0\nheader_revision: 0a9b8c7d6e5f @3\n"
	    "header_revises: [] @4\n");
	free(got);
}

Test(migration, utf8_bom_is_skipped)
{
	char	*got = dump_str("\xef\xbb\xbf\"\"\"Revision ID: 0a9b8c7d6e5f\n"
	    "Revises:\n\"\"\"\nrevision = '0a9b8c7d6e5f'\n"
	    "down_revision = None\n");

	cr_assert(strstr(got, "revision: 0a9b8c7d6e5f @4\n") == got, "%s",
	    got);
	cr_assert(strstr(got, "header_revision: 0a9b8c7d6e5f @1\n"), "%s", got);
	free(got);
}

Test(migration, binary_file)
{
	char	 src[] = "revision = 'a'\ndown_revision = None\n\0\0\x01";
	char	*got = dump(src, sizeof(src) - 1);

	cr_assert_str_eq(got, "parse-error @3: binary file: contains a NUL "
	    "byte\n");
	free(got);
}

Test(migration, invalid_utf8)
{
	char	*got = dump_str("revision = 'a'\n# caf\xe9\ndown_revision = "
	    "None\n");

	cr_assert_str_eq(got, "parse-error @2: not valid UTF-8\n");
	free(got);
}

Test(migration, fstring_and_bytes_are_not_literals)
{
	char	*got = dump_str("revision = f'{x}abc'\ndown_revision = None\n");

	cr_assert(strstr(got, "parse-error @1: revision is assigned a value "
	    "revguard cannot read statically"), "%s", got);
	free(got);
	got = dump_str("revision = b'abc'\ndown_revision = None\n");
	cr_assert(strstr(got, "parse-error @1:"), "%s", got);
	free(got);
}

Test(migration, implicit_concatenation_is_one_string)
{
	char	*got = dump_str("revision = ('0a9b8c'\n    '7d6e5f')\n"
	    "down_revision = None\n");

	cr_assert(strstr(got, "revision: 0a9b8c7d6e5f @1\n") == got, "%s",
	    got);
	free(got);
}

Test(migration, list_of_one_is_not_a_string)
{
	char	*got = dump_str("revision = ['abc']\ndown_revision = None\n");

	cr_assert_str_eq(got, "parse-error @1: revision must be a single "
	    "string, not a sequence\n");
	free(got);
	got = dump_str("revision = ('abc')\ndown_revision = None\n");
	cr_assert(strstr(got, "revision: abc @1\n") == got, "%s", got);
	free(got);
}

Test(migration, revision_must_be_one_string)
{
	char	*got = dump_str("revision = ('a', 'b')\ndown_revision = None\n");

	cr_assert_str_eq(got, "parse-error @1: revision must be a single "
	    "string, not a sequence\n");
	free(got);
	got = dump_str("revision = None\ndown_revision = None\n");
	cr_assert_str_eq(got, "parse-error @1: revision is None\n");
	free(got);
}

Test(migration, empty_string_is_an_error)
{
	char	*got = dump_str("revision = 'abc'\ndown_revision = ''\n");

	cr_assert(strstr(got, "parse-error @2: down_revision contains an "
	    "empty string"), "%s", got);
	free(got);
}

Test(migration, later_assignment_wins)
{
	char	*got = dump_str("revision = 'old'\ndown_revision = None\n"
	    "revision = 'new'\n");

	cr_assert(strstr(got, "revision: new @3\n") == got, "%s", got);
	free(got);
}

Test(migration, docstring_must_be_first_statement)
{
	char	*got = dump_str("import os\n\"\"\"Revision ID: abc\nRevises:\n"
	    "\"\"\"\nrevision = 'abc'\ndown_revision = None\n");

	cr_assert(strstr(got, "header_revision") == NULL, "%s", got);
	free(got);
}

Test(migration, split_revises)
{
	struct strvec	 v = STRVEC_INIT;

	cr_assert_eq(migration_split_revises("('a1', 'b2'), c3  None", &v), 0);
	cr_assert_eq(v.len, 3);
	cr_assert_str_eq(v.items[0], "a1");
	cr_assert_str_eq(v.items[2], "c3");
	strvec_clear(&v);
}
