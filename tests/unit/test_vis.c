/*
 * test_vis.c: escaping pusher-controlled strings for logs (vis_escape),
 * and the log lines built with it (log.c, foreground, on stderr).
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>

#include "revguard/log.h"
#include "revguard/vis.h"

static char	 out[256];

static const char *
esc(const char *s, size_t len, int flags)
{
	size_t	 n = vis_escape(out, sizeof(out), s, len, flags);

	cr_assert_eq(n, strlen(out), "returned %zu for `%s`", n, out);
	return out;
}

#define ESC(lit)	esc(lit, sizeof(lit) - 1, 0)

Test(vis, plain_text_and_utf8_pass)
{
	cr_assert_str_eq(ESC("refs/heads/main"), "refs/heads/main");
	cr_assert_str_eq(ESC("refs/heads/caf\xc3\xa9-\xe2\x82\xac-"
	    "\xf0\x9f\x98\x80"), "refs/heads/caf\xc3\xa9-\xe2\x82\xac-"
	    "\xf0\x9f\x98\x80");
	cr_assert_str_eq(ESC(""), "");
}

Test(vis, controls_newlines_and_backslashes)
{
	cr_assert_str_eq(ESC("a\nb"), "a\\nb");
	cr_assert_str_eq(ESC("a\r\tb"), "a\\r\\tb");
	cr_assert_str_eq(ESC("\x1b[31mred"), "\\x1b[31mred");
	cr_assert_str_eq(ESC("del\x7f"), "del\\x7f");
	cr_assert_str_eq(ESC("nul\0x"), "nul\\x00x");
	cr_assert_str_eq(ESC("a\\nb"), "a\\\\nb");
	cr_assert_str_eq(esc("a\\n\n", 4, VIS_KEEP_BACKSLASH), "a\\n\\n");
}

Test(vis, invalid_utf8_byte_by_byte)
{
	cr_assert_str_eq(ESC("\xff" "a"), "\\xffa");
	cr_assert_str_eq(ESC("\xc3"), "\\xc3");		/* cut short */
	cr_assert_str_eq(ESC("\xc3" "a"), "\\xc3" "a");
	cr_assert_str_eq(ESC("\xc0\xaf"), "\\xc0\\xaf");	/* overlong / */
	cr_assert_str_eq(ESC("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");
	/* A UTF-16 surrogate. */
	cr_assert_str_eq(ESC("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	cr_assert_str_eq(ESC("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
}

Test(vis, invisible_code_points)
{
	/* U+0085 NEL, U+2028 line separator, U+202E right-to-left override,
	 * U+2066 left-to-right isolate. */
	cr_assert_str_eq(ESC("a\xc2\x85" "b"), "a\\xc2\\x85b");
	cr_assert_str_eq(ESC("\xe2\x80\xa8"), "\\xe2\\x80\\xa8");
	cr_assert_str_eq(ESC("x\xe2\x80\xaey"), "x\\xe2\\x80\\xaey");
	cr_assert_str_eq(ESC("\xe2\x81\xa6"), "\\xe2\\x81\\xa6");
	/* Neighbours stay: U+2027, U+202F, U+00A0. */
	cr_assert_str_eq(ESC("\xe2\x80\xa7\xe2\x80\xaf\xc2\xa0"),
	    "\xe2\x80\xa7\xe2\x80\xaf\xc2\xa0");
}

Test(vis, truncates_like_snprintf_never_mid_escape)
{
	char	 small[6];

	cr_assert_eq(vis_escape(small, sizeof(small), "ab\x1b", 3, 0), 6);
	cr_assert_str_eq(small, "ab");
	cr_assert_eq(vis_escape(small, sizeof(small), "abc\xc3\xa9", 5, 0),
	    5);
	cr_assert_str_eq(small, "abc\xc3\xa9");
	cr_assert_eq(vis_escape(small, sizeof(small), "abcd\xc3\xa9", 6, 0),
	    6);
	cr_assert_str_eq(small, "abcd");
	cr_assert_eq(vis_escape(NULL, 0, "\n", 1, 0), 2);
}

Test(log, untrusted_strings_cannot_forge_lines, .init = cr_redirect_stderr)
{
	log_init("revguardd", 1, 0);
	log_info("push to %s by %s", log_vis("refs/heads/x\nrevguardd: "
	    "accepted"), log_vis("eve\x1b[2K\\"));
	/* Not marked: still one line, no escape byte. */
	log_warnx("ref %s", "a\nb\x1b" "c\\n");
	fflush(stderr);
	cr_assert_stderr_eq_str(
	    "revguardd: push to refs/heads/x\\nrevguardd: accepted by "
	    "eve\\x1b[2K\\\\\n"
	    "revguardd: ref a\\nb\\x1bc\\n\n");
}

Test(log, log_vis_is_bounded_and_handles_null)
{
	char	 big[5000];

	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(strlen(log_vis(big)), 1023);
	cr_assert_str_eq(log_vis(big) + 1020, "...");
	cr_assert_str_eq(log_vis(NULL), "(null)");
}
