/* Unit tests for the Python tokenizer. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/pytoken.h"

static struct pytok_list toks;

static void
scan_ok(const char *src)
{
	int	 line = 0;
	char	*msg = NULL;

	pytok_list_clear(&toks);
	cr_assert_eq(pytoken_scan(src, strlen(src), &toks, &line, &msg), 0,
	    "unexpected error at line %d: %s", line, msg ? msg : "");
}

static void
scan_err(const char *src, int want_line, const char *want_msg)
{
	int	 line = 0;
	char	*msg = NULL;

	pytok_list_clear(&toks);
	cr_assert_eq(pytoken_scan(src, strlen(src), &toks, &line, &msg), -1);
	cr_assert_eq(line, want_line, "error line %d, want %d (%s)", line,
	    want_line, msg);
	cr_assert(strstr(msg, want_msg) != NULL, "message `%s` lacks `%s`",
	    msg, want_msg);
	free(msg);
}

static void
teardown(void)
{
	pytok_list_clear(&toks);
}

TestSuite(pytoken, .fini = teardown);

Test(pytoken, assignment_and_newlines)
{
	scan_ok("revision = 'abc'\ndown_revision = None\n");
	cr_assert_eq(toks.len, 9);	/* 3 + NL, 3 + NL, END */
	cr_assert(pytok_is(&toks.items[0], PYTOK_NAME, "revision"));
	cr_assert(toks.items[0].line_start);
	cr_assert(pytok_is(&toks.items[1], PYTOK_OP, "="));
	cr_assert_eq(toks.items[2].type, PYTOK_STRING);
	cr_assert_str_eq(toks.items[2].value, "abc");
	cr_assert_eq(toks.items[3].type, PYTOK_NEWLINE);
	cr_assert_eq(toks.items[4].line, 2);
	cr_assert_eq(toks.items[8].type, PYTOK_END);
}

Test(pytoken, string_prefixes_and_escapes)
{
	scan_ok("a = r'\\d' b'x' u'\\u00e9' f'{x}' 'a\\'b' \"\\x41\\n\"\n");
	cr_assert_str_eq(toks.items[2].value, "\\d");
	cr_assert(toks.items[3].flags & PYTOK_F_BYTES);
	cr_assert_str_eq(toks.items[4].value, "\xc3\xa9");
	cr_assert(toks.items[5].flags & PYTOK_F_FSTRING);
	cr_assert_str_eq(toks.items[6].value, "a'b");
	cr_assert_str_eq(toks.items[7].value, "A\n");
}

Test(pytoken, triple_quoted_spans_lines)
{
	scan_ok("\"\"\"one\ntwo 'x' \"\" three\n\"\"\"\nx = 1\n");
	cr_assert(toks.items[0].flags & PYTOK_F_TRIPLE);
	cr_assert_str_eq(toks.items[0].value, "one\ntwo 'x' \"\" three\n");
	cr_assert_eq(toks.items[2].line, 4);
}

Test(pytoken, crlf_and_cr_line_ends)
{
	scan_ok("a = 1\r\nb = '''x\r\ny'''\rc = 2");
	cr_assert_str_eq(toks.items[6].value, "x\ny");
	cr_assert(pytok_is(&toks.items[8], PYTOK_NAME, "c"));
	cr_assert_eq(toks.items[8].line, 4);
}

Test(pytoken, brackets_join_lines_and_comments_vanish)
{
	scan_ok("x = (  # comment ( not a bracket\n  'a',\n  'b',\n)\ny = 2\n");
	/* x = ( 'a' , 'b' , ) NEWLINE */
	cr_assert_eq(toks.items[8].type, PYTOK_NEWLINE);
	cr_assert(pytok_is(&toks.items[9], PYTOK_NAME, "y"));
	cr_assert(toks.items[9].line_start);
}

Test(pytoken, backslash_continuation)
{
	scan_ok("x = \\\n  'a'\nif x:\n    y = 1\n");
	cr_assert_eq(toks.items[2].type, PYTOK_STRING);
	cr_assert_eq(toks.items[3].type, PYTOK_NEWLINE);
	/* The indented statement starts a logical line at column 4. */
	cr_assert(pytok_is(&toks.items[8], PYTOK_NAME, "y"));
	cr_assert(toks.items[8].line_start);
	cr_assert_eq(toks.items[8].indent, 4);
}

Test(pytoken, multi_char_operators)
{
	scan_ok("a == b != c -> d := e ** f\n");
	cr_assert(pytok_is(&toks.items[1], PYTOK_OP, "=="));
	cr_assert(pytok_is(&toks.items[3], PYTOK_OP, "!="));
	cr_assert(pytok_is(&toks.items[5], PYTOK_OP, "->"));
	cr_assert(pytok_is(&toks.items[7], PYTOK_OP, ":="));
	cr_assert(pytok_is(&toks.items[9], PYTOK_OP, "**"));
}

Test(pytoken, numbers)
{
	scan_ok("x = 1_000 + 0x1F + 1.5e-3 + .5j\n");
	cr_assert(pytok_is(&toks.items[2], PYTOK_NUMBER, "1_000"));
	cr_assert(pytok_is(&toks.items[4], PYTOK_NUMBER, "0x1F"));
	cr_assert(pytok_is(&toks.items[6], PYTOK_NUMBER, "1.5e-3"));
	cr_assert(pytok_is(&toks.items[8], PYTOK_NUMBER, ".5j"));
}

Test(pytoken, unterminated_strings)
{
	scan_err("a = 1\nb = 'abc\n", 2, "unterminated quoted string");
	scan_err("a = 1\n\"\"\"doc\nmore\n", 2, "unterminated triple-quoted");
}

Test(pytoken, bracket_errors)
{
	scan_err("x = (1,\n 2\n", 1, "never closed");
	scan_err("x = [1)\n", 1, "does not match '['");
	scan_err("x = 1)\n", 1, "unmatched ')'");
}

Test(pytoken, stray_characters)
{
	scan_err("x = 1\ny = $\n", 2, "invalid character '$'");
	scan_err("x = 1 \\ 2\n", 1, "unexpected backslash");
}
