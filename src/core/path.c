/*
 * path.c: repository-relative path arithmetic, lexical only.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "revguard/path.h"
#include "revguard/strvec.h"

static int
push_components(struct strvec *parts, const char *s)
{
	const char	*e;
	size_t		 n;

	while (*s != '\0') {
		e = strchr(s, '/');
		n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0 || (n == 1 && s[0] == '.'))
			;
		else if (n == 2 && s[0] == '.' && s[1] == '.') {
			if (parts->len == 0)
				return -1;
			free(parts->items[--parts->len]);
		} else if (strvec_pushn(parts, s, n) == -1)
			return -1;
		s += n;
		if (*s == '/')
			s++;
	}
	return 0;
}

/* 1 when s needs no normalising: no empty, "." or ".." components. */
static int
is_clean(const char *s)
{
	const char	*c = s;

	if (*s == '\0')
		return 1;
	for (;;) {
		size_t	 n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (c[n] == '\0')
			return 1;
		c += n + 1;
	}
}

char *
path_join(const char *dir, const char *rel)
{
	struct strvec	 parts = STRVEC_INIT;
	char		*out = NULL;
	size_t		 a, b;

	if (rel[0] == '/')
		return NULL;
	if (is_clean(dir) && is_clean(rel)) {
		/* The common case: two clean paths, one slash between. */
		a = strlen(dir);
		b = strlen(rel);
		if ((out = malloc(a + b + 2)) == NULL)
			return NULL;
		memcpy(out, dir, a);
		if (a > 0 && b > 0)
			out[a++] = '/';
		memcpy(out + a, rel, b + 1);
		return out;
	}
	if (push_components(&parts, dir) == 0 &&
	    push_components(&parts, rel) == 0)
		out = strvec_join(&parts, "/");
	strvec_clear(&parts);
	return out;
}

const char *
path_basename(const char *path)
{
	const char	*s = strrchr(path, '/');

	return s ? s + 1 : path;
}
