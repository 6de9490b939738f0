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

/*
 * Bindings of the four names that Python honours and a reader of plain
 * `name = literal` lines would not see (red-team findings): each must be
 * a parse-error naming the line where the hidden binding is.
 */
#define BYPASS_HEAD "revision = 'a1f3c9e2b7d4'\ndown_revision = None\n"
static const struct bypass {
	const char	*name;
	const char	*src;
	int		 line;
} bypasses[] = {
	{ "tuple", "revision, down_revision = 'a1f3c9e2b7d4', 'b2'\n", 3 },
	{ "if", "if True:\n    down_revision = 'b2'\n", 4 },
	{ "if_else", "if False:\n    pass\nelse:\n    down_revision = 'b2'\n",
	    6 },
	{ "try", "try:\n    down_revision = 'b2'\nexcept Exception:\n"
	    "    pass\n", 4 },
	{ "for", "for _ in [1]:\n    down_revision = 'b2'\n", 4 },
	{ "while", "while True:\n    down_revision = 'b2'\n    break\n", 4 },
	{ "with", "import contextlib\nwith contextlib.suppress():\n"
	    "    down_revision = 'b2'\n", 5 },
	{ "walrus", "[down_revision := 'b2']\n", 3 },
	{ "augmented", "revision += 'ff'\n", 3 },
	{ "del", "del down_revision\n", 3 },
	{ "globals", "globals()['down_revision'] = 'b2'\n", 3 },
	{ "globals_update", "globals().update(down_revision='b2')\n", 3 },
	{ "vars", "vars()['down_revision'] = 'b2'\n", 3 },
	{ "locals", "locals()['down_revision'] = 'b2'\n", 3 },
	{ "exec", "exec(\"down_revision = 'b2'\")\n", 3 },
	{ "eval", "eval(compile('down_revision = 1', 'x', 'exec'))\n", 3 },
	{ "setattr", "import sys\nsetattr(sys.modules[__name__], "
	    "'down_revision', 'b2')\n", 4 },
	{ "sys_modules", "import sys\nsys.modules[__name__].down_revision = "
	    "'b2'\n", 4 },
	{ "import_star", "from somewhere import *\n", 3 },
	{ "import_as", "import string as revision\n", 3 },
	{ "from_import", "from somewhere import down_revision\n", 3 },
	{ "from_import_paren", "from somewhere import (a,\n"
	    "    depends_on)\n", 4 },
	{ "for_target", "for down_revision in ['b2']:\n    pass\n", 3 },
	{ "with_as", "import contextlib\nwith contextlib.nullcontext('b2') "
	    "as down_revision:\n    pass\n", 4 },
	{ "def", "def down_revision():\n    pass\n", 3 },
	{ "class", "class depends_on:\n    pass\n", 3 },
	{ "global_in_function", "def f():\n    global down_revision\n"
	    "    down_revision = 'b2'\n\n\nf()\n", 4 },
	{ "nonlocal", "def f():\n    def g():\n        nonlocal revision\n"
	    "    return g\n", 5 },
	{ "semicolon_after_if", "if False: pass; down_revision = 'b2'\n", 3 },
	{ "star_target", "*down_revision, = ['b2']\n", 3 },
	{ "subscript_target", "depends_on = ['b2']\ndepends_on[0] = 'c3'\n",
	    4 },
	{ "decorator", "@(lambda f: f)\ndef branch_labels():\n    pass\n", 4 },
	{ "default_walrus", "def f(x=(down_revision := 'b2')):\n    pass\n",
	    3 },
	{ "passed_on", "depends_on = ['b2']\nappend_to(depends_on)\n", 4 },
	{ "list_mutated_in_function", "depends_on = ['b2']\n\n\ndef f():\n"
	    "    depends_on.append('c3')\n\n\nf()\n", 7 },
	{ "module_getattr", "def __getattr__(name):\n    return 'b2'\n", 3 },
	{ "getattr", "import sys\ngetattr(sys, '_getframe')(0)\n", 4 },
	{ "getattr_computed", "def f(o, n):\n    return getattr(o, n)\n", 4 },
	{ "getattr_dunder", "def f(o):\n    return getattr(o, '__dict__')\n",
	    4 },
	{ "frame_globals", "import sys\nsys._getframe(0).f_globals\n", 4 },
	{ "function_globals", "def f():\n    pass\n\n\nf.__globals__\n", 7 },
	{ "getargvalues", "import traceback\nfrom inspect import "
	    "getargvalues\n", 4 },
	{ "pdb", "import pdb\n", 3 },
	{ "gc", "import gc\n", 3 },
	{ "builtins", "import builtins\n", 3 },
	{ "dunder_import", "__import__('sys')\n", 3 },
	{ "importlib", "import importlib\n", 3 },
	{ "globals_write_in_def", "def upgrade():\n"
	    "    globals()['down_revision'] = 'b2'\n", 4 },
	{ "globals_call_at_module_level", "globals()['f']()\n", 3 },
	{ "fstring_walrus", "x = f\"{(down_revision := 'b2')}\"\n", 3 },
	{ "fstring_dynamic", "f'''\n{globals().update(down_revision=1)}'''\n",
	    4 },
	{ "fstring_nfkc", "f'{\xef\xbd\x87lobals()}'\n", 3 },
	/* Python 3.12 (PEP 701) ends this f-string at the last quote and
	 * runs the assignment; 3.11 rules end it at the second one. */
	{ "fstring_reused_quote", "x = f\"{\"#\"}\"; down_revision = 'b2'\n",
	    3 },
	/* 3.12: the '#' starts a comment that runs to the end of the line,
	 * so the string does not end here and nothing is assigned. */
	{ "fstring_comment", "x = f'''{1 # }'''; down_revision = 'b2'\n",
	    3 },
	{ "fstring_backslash", "x = f'{chr(10)!r:\\>4}'\n", 3 },
	/* Values the tokenizer does not decode as Python does. */
	{ "named_escape", "down_revision = 'b2\\N{DIGIT THREE}'\n", 3 },
	{ "fstring_double_brace", "down_revision = f'b2}}'\n", 3 },
	{ "nfkc_name", "\xef\xbd\x84own_revision = 'b2'\n", 3 },
};

Test(migration, other_bindings_are_parse_errors)
{
	char	*src, *got, want[64];
	size_t	 i;

	for (i = 0; i < sizeof(bypasses) / sizeof(bypasses[0]); i++) {
		src = xasprintf("%s%s", BYPASS_HEAD, bypasses[i].src);
		got = dump_str(src);
		snprintf(want, sizeof(want), "parse-error @%d: ",
		    bypasses[i].line);
		cr_expect(strncmp(got, want, strlen(want)) == 0,
			    "%s: want %s..., got %s", bypasses[i].name, want,
			    got);
		free(got);
		free(src);
	}
}

/* After "def f(): pass;" the rest of the line is the function's body. */
Test(migration, one_line_def_body_is_not_module_level)
{
	char	*got = dump_str(BYPASS_HEAD
	    "def f(): pass; down_revision = 'b2c3d4e5f6a7'\n");

	cr_expect(strstr(got, "down_revisions: None @2") != NULL, "%s", got);
	free(got);
}

/* CPython resets the indentation column at a form feed. */
Test(migration, form_feed_resets_indentation)
{
	char	*got = dump_str(BYPASS_HEAD
	    "def f():\n    pass\n\fdown_revision = 'b2c3d4e5f6a7'\n");

	cr_expect(strstr(got, "down_revisions: [b2c3d4e5f6a7] @5") != NULL,
	    "%s", got);
	free(got);
}

/* What migrations legitimately do with the names stays readable. */
Test(migration, legal_uses_still_parse)
{
	static const char	*legal[] = {
		"def upgrade():\n    revision = 'x'\n"
		    "    op.execute(revision)\n",
		"def upgrade():\n    for revision in rows:\n        pass\n",
		"def upgrade():\n    op.f(revision=1, x=y.down_revision)\n",
		"x = ctx.revision\nconfigure(revision=1, depends_on=2)\n",
		"def f(revision, *depends_on, down_revision=None) -> None:\n"
		    "    return revision\n",
		"class C(Base):\n    revision = 'b2'\n    depends_on = []\n",
		"def upgrade(): return revision\n",
		"down_revision: Union[str, None] = None\n",
		"revision = 'b2c3d4e5f6a7'; depends_on = ('x',)\n",
		"if TYPE_CHECKING:\n    import sqlalchemy\n",
		"def downgrade() -> None:\n    op.execute('select globals()')\n"
		    "    # exec(revision = 'x')\n",
		"def upgrade():\n    op.execute(f\"select {revision!r:>4}\")\n",
		"x = f\"{{literal}} {1 + 2:>4} caf\xc3\xa9 {'}'} {d['k']}\"\n",
		"x = rf'''\n{1e5}\\d {0x1f}'''\n",
		"from sqlalchemy import inspect\n\n\ndef upgrade():\n"
		    "    if 't' in sa.inspect(op.get_bind()).get_table_names():"
		    "\n        inspect(op.get_bind())\n",
		/* Data migrations read attributes by name. */
		"def upgrade():\n    for row in rows:\n"
		    "        x = getattr(row, 'revision', None)\n"
		    "        y = getattr(row, \"name\")\n",
		/* Alembic's multidb template. */
		"def upgrade(engine_name: str) -> None:\n"
		    "    globals()[\"upgrade_%s\" % engine_name]()\n",
		"def upgrade():\n    down_revision = ('z',)\n"
		    "    depends_on.count('x')\n",
	};
	char	*src, *got;
	size_t	 i;

	for (i = 0; i < sizeof(legal) / sizeof(legal[0]); i++) {
		src = xasprintf("%s%s", BYPASS_HEAD, legal[i]);
		got = dump_str(src);
		cr_expect(strncmp(got, "revision: ", 10) == 0, "case %zu: %s",
		    i, got);
		free(got);
		free(src);
	}
}

/* PEP 263: Python decodes with the cookie's encoding (lines 1-2). */
Test(migration, coding_cookie)
{
	static const struct {
		const char	*src;
		const char	*want;
	} cases[] = {
		{ "# -*- coding: utf-7 -*-\n# +AAo-down_revision = 'b2'\n",
		    "parse-error @1: coding cookie names encoding `utf-7`" },
		{ "#!/usr/bin/env python\n# vim: set fileencoding=utf_16 :\n",
		    "parse-error @2: coding cookie names encoding `utf_16`" },
		{ "\n#coding=cp1252\n", "parse-error @2: " },
		{ "# comment\r#coding:shift_jis\r", "parse-error @2: " },
		{ "# coding: latin-1\n# caf\xc3\xa9\n", "parse-error @1: " },
		{ "# coding: utf-8\n", "revision: " },
		{ "# -*- coding: UTF8 -*-\n", "revision: " },
		{ "# coding=utf-8-sig\n", "revision: " },
		{ "#!/usr/bin/python\n# coding: ascii\n", "revision: " },
		{ "# coding: iso-8859-1\n", "revision: " },
		{ "import os\n# coding: utf-7\n", "revision: " },
		{ "x = 1  # coding: utf-7\n", "revision: " },
	};
	char	*src, *got;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		src = xasprintf("%s%s", cases[i].src, BYPASS_HEAD);
		got = dump_str(src);
		cr_expect(strncmp(got, cases[i].want, strlen(cases[i].want))
		    == 0, "case %zu: want %s, got %s", i, cases[i].want, got);
		free(got);
		free(src);
	}
}
