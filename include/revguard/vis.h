/*
 * vis: strings a pusher controls (ref names, repository paths, pusher
 * identities, push options) made safe to log, in the spirit of OpenBSD's
 * stravis(3): one line, no terminal escapes, no invalid UTF-8.
 */
#ifndef REVGUARD_VIS_H
#define REVGUARD_VIS_H

#include <stddef.h>

/* Leave backslashes alone: for a whole line whose fields were escaped. */
#define VIS_KEEP_BACKSLASH	0x01

/*
 * Writes src[0..len) to dst escaped: \n \r \t, \\ for a backslash,
 * \xNN for other control bytes (C0, DEL), for each byte of a C1 control,
 * a line or paragraph separator or a bidirectional override (U+2028,
 * U+2029, U+202A-U+202E, U+2066-U+2069) and for bytes that are not
 * well-formed UTF-8.  Other UTF-8 and printable ASCII stay as they are.
 * Like snprintf: returns the length the whole result needs; writes at
 * most size - 1 bytes and a NUL when size > 0, never half an escape or
 * half a character.
 */
size_t	 vis_escape(char *dst, size_t size, const char *src, size_t len,
	    int flags);

/*
 * A copy of src that is well-formed UTF-8 of at most max bytes: each
 * byte that is not part of a well-formed character becomes U+FFFD, and
 * the copy ends before a character that would not fit.  For strings
 * that must travel as JSON (push options).  NULL when memory ran out.
 */
char	*vis_utf8_clean(const char *src, size_t max);

#endif
