/*
 * glob.c: a small path glob matcher with `**`.  Recursion depth is bounded
 * by the number of `**` components, and each `**` tries at most one
 * position per remaining path component, so matching stays polynomial.
 */
#include "config.h"

#include <string.h>

#include "revguard/glob.h"

/* Matches one class at *pp against c; advances *pp past the class. */
static int
match_class(const char **pp, char c)
{
	const char	*p = *pp + 1;
	int		 negate = 0, matched = 0;

	if (*p == '!' || *p == '^') {
		negate = 1;
		p++;
	}
	if (*p == ']') {
		matched = c == ']';
		p++;
	}
	while (*p != '\0' && *p != ']') {
		if (p[1] == '-' && p[2] != '\0' && p[2] != ']') {
			if (c >= p[0] && c <= p[2])
				matched = 1;
			p += 3;
		} else {
			if (c == *p)
				matched = 1;
			p++;
		}
	}
	if (*p != ']')
		return -1;	/* unterminated: treat '[' literally */
	*pp = p + 1;
	return matched != negate;
}

static int
match(const char *p, const char *s)
{
	const char	*cls;
	int		 m;

	while (*p != '\0') {
		if (p[0] == '*' && p[1] == '*' &&
		    (p[2] == '/' || p[2] == '\0')) {
			p += 2;
			if (*p == '\0')
				return 1;
			p++;		/* "**\/": zero or more components */
			for (;;) {
				if (match(p, s))
					return 1;
				if ((s = strchr(s, '/')) == NULL)
					return 0;
				s++;
			}
		}
		switch (*p) {
		case '*':
			p++;
			for (;;) {
				if (match(p, s))
					return 1;
				if (*s == '\0' || *s == '/')
					return 0;
				s++;
			}
		case '?':
			if (*s == '\0' || *s == '/')
				return 0;
			p++;
			s++;
			break;
		case '[':
			cls = p;
			if (*s != '\0' && *s != '/' &&
			    (m = match_class(&cls, *s)) != -1) {
				if (!m)
					return 0;
				p = cls;
				s++;
				break;
			}
			/* FALLTHROUGH */
		default:
			if (*p != *s)
				return 0;
			p++;
			s++;
			break;
		}
	}
	return *s == '\0';
}

int
glob_match(const char *pattern, const char *path)
{
	return match(pattern, path);
}

int
glob_is_literal(const char *pattern)
{
	return strpbrk(pattern, "*?[") == NULL;
}

size_t
glob_literal_dir(const char *pattern)
{
	const char	*wild = strpbrk(pattern, "*?[");
	const char	*slash;

	if (wild == NULL)
		wild = pattern + strlen(pattern);
	for (slash = wild; slash > pattern && slash[-1] != '/'; slash--)
		;
	return slash > pattern ? (size_t)(slash - pattern - 1) : 0;
}
