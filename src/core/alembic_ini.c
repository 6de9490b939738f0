/*
 * alembic_ini.c: the part of configparser that alembic.ini needs:
 * sections, `key = value` and `key: value`, indented continuation lines,
 * `#` and `;` comments, and `%(here)s` interpolation.  script_location
 * gives <location>/versions unless version_locations lists directories,
 * split by version_path_separator as Alembic 1.8 does.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/alembic_ini.h"
#include "revguard/path.h"

struct ini_value {
	char	*value;
	int	 line;
};

static void
rtrim(struct buf *b)
{
	while (b->len > 0 && strchr(" \t\r\n", b->data[b->len - 1]) != NULL)
		b->data[--b->len] = '\0';
}

/* Replaces %(here)s by dir; other interpolations are an error. */
static char *
interpolate(const char *value, const char *dir, int *bad)
{
	struct buf	 b = BUF_INIT;
	const char	*p = value, *q;

	*bad = 0;
	buf_append(&b, "", 0);
	while ((q = strstr(p, "%(")) != NULL) {
		buf_append(&b, p, (size_t)(q - p));
		if (strncmp(q, "%(here)s", 8) != 0) {
			*bad = 1;
			buf_clear(&b);
			return NULL;
		}
		buf_append(&b, dir[0] ? dir : ".", strlen(dir[0] ? dir : "."));
		p = q + 8;
	}
	buf_append(&b, p, strlen(p));
	/* configparser turns "%%" into "%". */
	for (q = b.data; q != NULL && (q = strstr(q, "%%")) != NULL; q++)
		memmove((char *)q, q + 1, strlen(q));
	return b.data;
}

static int
split_locations(const char *value, const char *sep, struct strvec *out)
{
	const char	*p = value, *set;
	size_t		 n;

	if (sep == NULL)
		set = " ,";		/* legacy: spaces or commas */
	else if (strcmp(sep, "space") == 0)
		set = " ";
	else if (strcmp(sep, "os") == 0 || strcmp(sep, "colon") == 0)
		set = ":";
	else if (strcmp(sep, "semicolon") == 0)
		set = ";";
	else if (strcmp(sep, "newline") == 0)
		set = "\n";
	else
		return -1;
	while (*p != '\0') {
		n = strcspn(p, set);
		while (n > 0 && strchr(" \t\n", *p) != NULL) {
			p++;
			n--;
		}
		while (n > 0 && strchr(" \t\n", p[n - 1]) != NULL)
			n--;
		if (n > 0 && strvec_pushn(out, p, n) == -1)
			return -1;
		p += strcspn(p, set);
		if (*p != '\0')
			p++;
	}
	return 0;
}

static int __attribute__((format(printf, 5, 6)))
ini_fail(struct diag_list *diags, const char *path, int line,
    const char *hint, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	diag_addv(diags, RULE_PARSE_ERROR, RULE_SEV_ERROR, path, line, hint,
	    fmt, ap);
	va_end(ap);
	return -1;
}

/* Resolves one location (already interpolated) against the ini's dir. */
static int
add_location(struct strvec *out, const char *dir, const char *loc,
    const char *suffix, const char *ini_path, int line,
    struct diag_list *diags)
{
	char	*base, *full;

	if (strchr(loc, ':') != NULL && loc[0] != '/' )
		return ini_fail(diags, ini_path, line, "give the location as "
		    "a path inside the repository, or set versions_path in "
		    "the revguard configuration",
		    "package resource location `%s` cannot be resolved "
		    "without Python", loc);
	if ((base = path_join(dir, loc)) == NULL)
		return ini_fail(diags, ini_path, line, "use a path relative "
		    "to the ini file or %(here)s", "location `%s` is outside "
		    "the repository", loc);
	full = suffix ? path_join(base, suffix) : strdup(base);
	free(base);
	return strvec_push_owned(out, full);
}

int
alembic_ini_versions(const char *ini_path, const char *data, size_t len,
    struct strvec *out, struct diag_list *diags)
{
	struct ini_value	 script = { NULL, 0 }, versions = { NULL, 0 };
	struct ini_value	 sep = { NULL, 0 }, *cur = NULL;
	struct buf		 line_buf = BUF_INIT;
	const char		*p = data, *end = data + len, *eol, *s, *e;
	const char		*sepr;
	char			*dir, *value, *section = NULL;
	struct strvec		 locs = STRVEC_INIT;
	int			 line = 0, rv = -1, bad;
	size_t			 i, klen;

	if ((dir = strdup(ini_path)) == NULL)
		return -1;
	*(char *)path_basename(dir) = '\0';
	if (dir[0] != '\0')
		dir[strlen(dir) - 1] = '\0';

	while (p < end) {
		line++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		s = p;
		e = eol;
		p = eol + 1;
		while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (s == e)
			continue;
		if (*s == ' ' || *s == '\t') {
			/* Continuation of the previous value. */
			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
			if (cur != NULL && *s != '#' && *s != ';') {
				line_buf.len = 0;
				buf_append(&line_buf, cur->value,
				    strlen(cur->value));
				buf_append(&line_buf, "\n", 1);
				buf_append(&line_buf, s, (size_t)(e - s));
				free(cur->value);
				cur->value = strdup(line_buf.data);
			}
			continue;
		}
		cur = NULL;
		if (*s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			free(section);
			section = xstrndup(s + 1, (size_t)(e - s - 1));
			if (section && strchr(section, ']'))
				*strchr(section, ']') = '\0';
			continue;
		}
		if (section == NULL || strcmp(section, "alembic") != 0)
			continue;
		/* The line is not NUL-terminated: stay inside [s, e). */
		for (sepr = s; sepr < e && *sepr != '=' && *sepr != ':'; sepr++)
			;
		if (sepr >= e)
			continue;
		klen = (size_t)(sepr - s);
		while (klen > 0 && (s[klen - 1] == ' ' || s[klen - 1] == '\t'))
			klen--;
		if (klen == 15 && memcmp(s, "script_location", 15) == 0)
			cur = &script;
		else if (klen == 17 && memcmp(s, "version_locations", 17) == 0)
			cur = &versions;
		else if (klen == 22 &&
		    memcmp(s, "version_path_separator", 22) == 0)
			cur = &sep;
		else
			continue;
		s = sepr + 1;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		free(cur->value);
		cur->value = xstrndup(s, (size_t)(e - s));
		cur->line = line;
	}

	if (script.value == NULL) {
		ini_fail(diags, ini_path, 0, "add script_location to the "
		    "[alembic] section, or set versions_path in the revguard "
		    "configuration", "no script_location in the [alembic] "
		    "section");
		goto done;
	}
	if (versions.value != NULL) {
		line_buf.len = 0;
		buf_append(&line_buf, versions.value, strlen(versions.value));
		rtrim(&line_buf);
		if (split_locations(line_buf.data, sep.value, &locs) == -1) {
			ini_fail(diags, ini_path, sep.line, "use one of os, "
			    "space, colon, semicolon or newline",
			    "unknown version_path_separator `%s`", sep.value);
			goto done;
		}
		for (i = 0; i < locs.len; i++) {
			if ((value = interpolate(locs.items[i], dir,
			    &bad)) == NULL) {
				ini_fail(diags, ini_path, versions.line,
				    "only %(here)s can be resolved",
				    "cannot interpolate `%s`", locs.items[i]);
				goto done;
			}
			if (add_location(out, strstr(locs.items[i],
			    "%(here)s") ? "" : dir, value, NULL, ini_path,
			    versions.line, diags) == -1) {
				free(value);
				goto done;
			}
			free(value);
		}
		if (locs.len > 0) {
			rv = 0;
			goto done;
		}
	}
	if ((value = interpolate(script.value, dir, &bad)) == NULL) {
		ini_fail(diags, ini_path, script.line, "only %(here)s can be "
		    "resolved", "cannot interpolate `%s`", script.value);
		goto done;
	}
	rv = add_location(out, dir[0] && strstr(script.value, "%(here)s") ==
	    NULL ? dir : "", value, "versions", ini_path, script.line, diags);
	free(value);
done:
	free(dir);
	free(section);
	free(script.value);
	free(versions.value);
	free(sep.value);
	buf_clear(&line_buf);
	strvec_clear(&locs);
	return rv;
}
