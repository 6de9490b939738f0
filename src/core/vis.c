/*
 * vis.c: escaping of untrusted bytes for logs.  A ref name is any bytes
 * git allows, which includes ESC and, through the protocol, anything
 * else: logged raw it could recolour a terminal, forge a second log line
 * or hide text with a bidirectional override.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/vis.h"

/*
 * Length of the well-formed UTF-8 character at s (at most n bytes), or
 * 0 when the bytes there are not one (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF).  *cp gets the code point.
 */
static size_t
utf8_char(const unsigned char *s, size_t n, unsigned long *cp)
{
	unsigned long	 c, min;
	size_t		 len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Code points that move or hide text although they are valid UTF-8. */
static int
is_invisible(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||		/* C1 controls */
	    cp == 0x2028 || cp == 0x2029 ||		/* line, paragraph */
	    (cp >= 0x202a && cp <= 0x202e) ||		/* bidi embeddings */
	    (cp >= 0x2066 && cp <= 0x2069);		/* bidi isolates */
}

size_t
vis_escape(char *dst, size_t size, const char *src, size_t len, int flags)
{
	const unsigned char	*s = (const unsigned char *)src;
	char			 esc[4 * 4 + 1];
	size_t			 i = 0, n, k, out = 0, room;
	unsigned long		 cp;
	int			 full = 0;

	room = size > 0 ? size - 1 : 0;
	while (i < len) {
		n = utf8_char(s + i, len - i, &cp);
		if (n == 1 && s[i] == '\\' && !(flags & VIS_KEEP_BACKSLASH)) {
			memcpy(esc, "\\\\", 3);
			k = 2;
		} else if (n == 1 && (s[i] == '\n' || s[i] == '\r' ||
		    s[i] == '\t')) {
			esc[0] = '\\';
			esc[1] = s[i] == '\n' ? 'n' : s[i] == '\r' ? 'r' : 't';
			k = 2;
		} else if (n == 1 && (s[i] < 0x20 || s[i] == 0x7f)) {
			k = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
		} else if (n == 0 || is_invisible(cp)) {
			/* One byte at a time: the rest may be fine. */
			if (n == 0)
				n = 1;
			for (k = 0; k < n; k++)
				snprintf(esc + 4 * k, sizeof(esc) - 4 * k,
				    "\\x%02x", s[i + k]);
			k = 4 * n;
		} else {
			memcpy(esc, s + i, n);
			k = n;
		}
		if (!full && out + k <= room)
			memcpy(dst + out, esc, k);
		else if (!full) {
			full = 1;
			if (size > 0)
				dst[out] = '\0';
		}
		out += k;
		i += n;
	}
	if (!full && size > 0)
		dst[out] = '\0';
	return out;
}

char *
vis_utf8_clean(const char *src, size_t max)
{
	const unsigned char	*s = (const unsigned char *)src;
	size_t			 len = strlen(src), i = 0, out = 0, n;
	unsigned long		 cp;
	char			*dst;

	/* Each byte becomes at most 3 (U+FFFD); never more than max. */
	if ((dst = malloc((len < max ? len : max) * 3 + 1)) == NULL)
		return NULL;
	while (i < len) {
		n = utf8_char(s + i, len - i, &cp);
		if ((n == 0 ? 3 : n) > max - out)
			break;
		if (n == 0) {
			memcpy(dst + out, "\xef\xbf\xbd", 3);
			out += 3;
			i++;
		} else {
			memcpy(dst + out, s + i, n);
			out += n;
			i += n;
		}
	}
	dst[out] = '\0';
	return dst;
}
