/*
 * migration.c: the migration module parser.  It tokenizes the module,
 * finds module-level assignments to revision, down_revision,
 * branch_labels and depends_on (plain or annotated), reads their literal
 * values, and reads the docstring header that `alembic revision` writes.
 * Whatever it cannot read with certainty becomes a parse-error naming the
 * line, because a guessed revision graph is worse than none.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "revguard/migration.h"
#include "revguard/pytoken.h"

enum value_kind {
	VALUE_NONE,
	VALUE_STRING,
	VALUE_SEQUENCE
};

struct parse {
	const char		*path;
	struct migration	*m;
	struct diag_list	*diags;
	int			 failed;
};

static int
parse_fail(struct parse *p, int line, const char *hint, const char *msg)
{
	if (!p->failed && diag_add(p->diags, RULE_PARSE_ERROR, RULE_SEV_ERROR,
	    p->path, line, hint, "%s", msg) == NULL)
		return -1;
	p->failed = 1;
	return -1;
}

/* 1-based line number of byte offset off. */
static int
line_of(const char *d, size_t off)
{
	const char	*p = d, *end = d + off;
	int		 line = 1;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		line++;
		p++;
	}
	return line;
}

/* Finds the first line of a merge conflict marker, or 0. */
static int
find_conflict_marker(const char *d, size_t len)
{
	const char	*p = d, *end = d + len, *nl;
	char		 c;

	while (p < end) {
		if (end - p >= 7 && (*p == '<' || *p == '=' || *p == '>' ||
		    *p == '|') && memcmp(p, "<<<<<<<", 7) * memcmp(p,
		    "=======", 7) * memcmp(p, ">>>>>>>", 7) * memcmp(p,
		    "|||||||", 7) == 0) {
			c = end - p > 7 ? p[7] : '\n';
			if (c == ' ' || c == '\n' || c == '\r')
				return line_of(d, (size_t)(p - d));
		}
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

/* Returns the line of the first invalid UTF-8 sequence, or 0. */
static int
find_bad_utf8(const unsigned char *d, size_t len)
{
	size_t		 pos = 0, n, i;
	unsigned int	 cp;

	while (pos < len) {
		if (d[pos] < 0x80) {
			pos++;
			continue;
		}
		if ((d[pos] & 0xe0) == 0xc0) {
			n = 1;
			cp = d[pos] & 0x1f;
		} else if ((d[pos] & 0xf0) == 0xe0) {
			n = 2;
			cp = d[pos] & 0x0f;
		} else if ((d[pos] & 0xf8) == 0xf0) {
			n = 3;
			cp = d[pos] & 0x07;
		} else
			goto bad;
		if (pos + n >= len)
			goto bad;
		for (i = 1; i <= n; i++) {
			if ((d[pos + i] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (d[pos + i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		pos += n + 1;
	}
	return 0;
bad:
	return line_of((const char *)d, pos);
}

static int
is_target(const struct pytok *t, const char *name)
{
	return pytok_is(t, PYTOK_NAME, name);
}

/*
 * Reads a literal value from tokens [s, e): None, a string (implicit
 * concatenation allowed), or a tuple/list of strings, bracketed or bare.
 */
static int
parse_value(struct parse *p, const char *name, const struct pytok *s,
    const struct pytok *e, enum value_kind *kind, struct strvec *out)
{
	const struct pytok	*t = s;
	struct buf		 b = BUF_INIT;
	char			*msg;
	int			 is_list = 0, items = 0, commas = 0;

	if (s == e) {
		msg = xasprintf("%s has no value", name);
		parse_fail(p, s->line, NULL, msg ? msg : name);
		free(msg);
		return -1;
	}
	if (e - s == 1 && pytok_is(s, PYTOK_NAME, "None")) {
		*kind = VALUE_NONE;
		return 0;
	}
	if (pytok_is(s, PYTOK_OP, "(") || pytok_is(s, PYTOK_OP, "[")) {
		if (!(pytok_is(e - 1, PYTOK_OP, pytok_is(s, PYTOK_OP, "(") ?
		    ")" : "]")))
			goto unsupported;
		/* ("a") is a string, ["a"] a list, ("a",) a tuple. */
		is_list = pytok_is(s, PYTOK_OP, "[");
		t = s + 1;
		e = e - 1;
	}
	while (t < e) {
		if (t->type != PYTOK_STRING || (t->flags & PYTOK_F_BYTES) ||
		    ((t->flags & PYTOK_F_FSTRING) &&
		    memchr(t->value, '{', t->valuelen) != NULL))
			goto unsupported;
		b.len = 0;
		while (t < e && t->type == PYTOK_STRING) {
			if ((t->flags & PYTOK_F_BYTES) ||
			    ((t->flags & PYTOK_F_FSTRING) &&
			    memchr(t->value, '{', t->valuelen) != NULL))
				goto unsupported;
			if (buf_append(&b, t->value, t->valuelen) == -1)
				goto nomem;
			t++;
		}
		if (b.len == 0) {
			buf_clear(&b);
			msg = xasprintf("%s contains an empty string; use None "
			    "for a migration without one", name);
			parse_fail(p, s->line, NULL, msg ? msg : name);
			free(msg);
			return -1;
		}
		if (strvec_pushn(out, b.data, b.len) == -1)
			goto nomem;
		items++;
		if (t < e) {
			if (!pytok_is(t, PYTOK_OP, ","))
				goto unsupported;
			commas++;
			t++;
		}
	}
	buf_clear(&b);
	*kind = (items == 1 && commas == 0 && !is_list) ? VALUE_STRING :
	    VALUE_SEQUENCE;
	return 0;
unsupported:
	buf_clear(&b);
	msg = xasprintf("%s is assigned a value revguard cannot read "
	    "statically: `%.*s`", name,
	    (int)((e[-1].text + e[-1].textlen) - s->text > 80 ? 80 :
	    (e[-1].text + e[-1].textlen) - s->text), s->text);
	parse_fail(p, s->line, "write it as a string literal, None, or a "
	    "tuple of string literals, as `alembic revision` does",
	    msg ? msg : name);
	free(msg);
	return -1;
nomem:
	buf_clear(&b);
	return parse_fail(p, s->line, NULL, "out of memory");
}

/* Handles one module-level statement [s, e). */
static int
parse_statement(struct parse *p, const struct pytok *s, const struct pytok *e)
{
	static const char *const names[] = { "revision", "down_revision",
		"branch_labels", "depends_on", NULL };
	struct migration	*m = p->m;
	const struct pytok	*t, *eq = NULL;
	struct strvec		 vals = STRVEC_INIT, *dst;
	enum value_kind		 kind;
	int			 i, depth = 0, *line;
	char			*msg;

	if (s->type != PYTOK_NAME || e - s < 2)
		return 0;
	for (i = 0; names[i] != NULL; i++)
		if (is_target(s, names[i]))
			break;
	if (names[i] == NULL)
		return 0;
	if (pytok_is(s + 1, PYTOK_OP, "="))
		eq = s + 1;
	else if (pytok_is(s + 1, PYTOK_OP, ":")) {
		/* Annotated: skip the annotation to the '=' at depth 0. */
		for (t = s + 2; t < e; t++) {
			if (pytok_is(t, PYTOK_OP, "(") ||
			    pytok_is(t, PYTOK_OP, "[") ||
			    pytok_is(t, PYTOK_OP, "{"))
				depth++;
			else if (pytok_is(t, PYTOK_OP, ")") ||
			    pytok_is(t, PYTOK_OP, "]") ||
			    pytok_is(t, PYTOK_OP, "}"))
				depth--;
			else if (depth == 0 && pytok_is(t, PYTOK_OP, "=")) {
				eq = t;
				break;
			}
		}
		if (eq == NULL)
			return 0;	/* a bare annotation assigns nothing */
	} else
		return 0;
	for (t = eq + 1; t < e; t++) {
		if (pytok_is(t, PYTOK_OP, "=")) {
			msg = xasprintf("chained assignment to %s is not "
			    "supported", names[i]);
			parse_fail(p, s->line, "assign the literal directly",
			    msg ? msg : names[i]);
			free(msg);
			return -1;
		}
	}
	if (parse_value(p, names[i], eq + 1, e, &kind, &vals) == -1) {
		strvec_clear(&vals);
		return -1;
	}
	if (i == 0) {
		if (kind != VALUE_STRING) {
			strvec_clear(&vals);
			return parse_fail(p, s->line, "set revision to the "
			    "migration's own ID as one string literal",
			    kind == VALUE_NONE ? "revision is None" :
			    "revision must be a single string, not a sequence");
		}
		free(m->revision);
		m->revision = vals.items[0];
		vals.items[0] = NULL;
		vals.len = 0;
		strvec_clear(&vals);
		m->revision_line = s->line;
		return 0;
	}
	switch (i) {
	case 1:
		dst = &m->down_revisions;
		line = &m->down_revision_line;
		m->has_down_revision = 1;
		break;
	case 2:
		dst = &m->branch_labels;
		line = &m->branch_labels_line;
		break;
	default:
		dst = &m->depends_on;
		line = &m->depends_on_line;
		break;
	}
	strvec_clear(dst);
	*dst = vals;
	*line = s->line;
	return 0;
}

static void
trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t' || **s == '\r'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' ||
	    (*e)[-1] == '\r'))
		(*e)--;
}

int
migration_split_revises(const char *value, struct strvec *out)
{
	const char	*p = value, *start;

	for (;;) {
		while (*p != '\0' && strchr(" \t,()[]'\"", *p) != NULL)
			p++;
		if (*p == '\0')
			return 0;
		start = p;
		while (*p != '\0' && strchr(" \t,()[]'\"", *p) == NULL)
			p++;
		if ((size_t)(p - start) == 4 && memcmp(start, "None", 4) == 0)
			continue;
		if (strvec_pushn(out, start, (size_t)(p - start)) == -1)
			return -1;
	}
}

/*
 * When the trimmed line [*vs, *ve) starts with key, moves *vs to the
 * trimmed value after it and returns 1.
 */
static int
take_key(const char **vs, const char **ve, const char *key)
{
	size_t	 n = strlen(key);

	if ((size_t)(*ve - *vs) < n || memcmp(*vs, key, n) != 0)
		return 0;
	*vs += n;
	trim(vs, ve);
	return 1;
}

/* Reads "Revision ID:", "Revises:" and "Create Date:" from the docstring. */
static int
parse_header(struct parse *p, const struct pytok *doc)
{
	struct migration	*m = p->m;
	const char		*s = doc->value;
	const char		*end = doc->value + doc->valuelen;
	const char		*eol, *vs, *ve;
	char			*value;
	int			 line = doc->line;

	m->has_docstring = 1;
	m->docstring_line = doc->line;
	while (s < end) {
		if ((eol = memchr(s, '\n', (size_t)(end - s))) == NULL)
			eol = end;
		vs = s;
		ve = eol;
		trim(&vs, &ve);
		if (take_key(&vs, &ve, "Revision ID:")) {
			if (m->header_revision == NULL) {
				m->header_revision = xstrndup(vs,
				    (size_t)(ve - vs));
				m->header_revision_line = line;
			}
		} else if (take_key(&vs, &ve, "Revises:")) {
			if (!m->has_header_revises) {
				m->has_header_revises = 1;
				m->header_revises_line = line;
				value = xstrndup(vs, (size_t)(ve - vs));
				if (value == NULL || migration_split_revises(
				    value, &m->header_revises) == -1) {
					free(value);
					return parse_fail(p, line, NULL,
					    "out of memory");
				}
				free(value);
			}
		} else if (take_key(&vs, &ve, "Create Date:")) {
			if (m->create_date == NULL) {
				m->create_date = xstrndup(vs, (size_t)(ve - vs));
				m->create_date_line = line;
			}
		}
		s = eol + 1;
		line++;
	}
	return 0;
}

int
migration_parse(const char *path, const char *data, size_t len,
    struct migration *m, struct diag_list *diags)
{
	struct pytok_list	 toks = PYTOK_LIST_INIT;
	struct parse		 p;
	const struct pytok	*t, *s, *end;
	const void		*nul;
	char			*err_msg = NULL;
	int			 err_line = 0, line, first = 1;

	memset(m, 0, sizeof(*m));
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.m = m;
	p.diags = diags;
	if ((m->path = strdup(path)) == NULL)
		return parse_fail(&p, 0, NULL, "out of memory");

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if ((nul = memchr(data, '\0', len)) != NULL) {
		line = line_of(data, (size_t)((const char *)nul - data));
		return parse_fail(&p, line, "migrations must be Python "
		    "source text", "binary file: contains a NUL byte");
	}
	if ((line = find_bad_utf8((const unsigned char *)data, len)) != 0)
		return parse_fail(&p, line, "save the file as UTF-8",
		    "not valid UTF-8");
	if ((line = find_conflict_marker(data, len)) != 0)
		return parse_fail(&p, line, "resolve the merge conflict and "
		    "commit the result", "unresolved merge conflict marker");
	if (pytoken_scan(data, len, &toks, &err_line, &err_msg) == -1) {
		parse_fail(&p, err_line, "fix the Python syntax error",
		    err_msg ? err_msg : "cannot tokenize");
		free(err_msg);
		goto done;
	}

	end = toks.items + toks.len;
	for (t = toks.items; t < end && t->type != PYTOK_END; ) {
		/* One logical line: [t, newline). */
		const struct pytok	*nl = t;
		int			 module_level = t->line_start &&
					     t->indent == 0;

		while (nl->type != PYTOK_NEWLINE && nl->type != PYTOK_END)
			nl++;
		for (s = t; s < nl; ) {
			const struct pytok	*se = s;

			while (se < nl && !pytok_is(se, PYTOK_OP, ";"))
				se++;
			if (module_level && se > s) {
				if (first && s->type == PYTOK_STRING &&
				    !(s->flags & PYTOK_F_BYTES) &&
				    !(s->flags & PYTOK_F_FSTRING)) {
					const struct pytok	*x = s;

					while (x < se && x->type == PYTOK_STRING)
						x++;
					if (x == se && parse_header(&p, s) == -1)
						goto done;
				}
				first = 0;
				if (parse_statement(&p, s, se) == -1)
					goto done;
			} else if (se > s)
				first = 0;
			s = se < nl ? se + 1 : se;
		}
		t = nl->type == PYTOK_NEWLINE ? nl + 1 : nl;
	}
	if (m->revision == NULL)
		parse_fail(&p, 1, "every migration module needs "
		    "`revision = \"<id>\"` at module level",
		    "no module-level `revision = ...` assignment");
	else if (!m->has_down_revision)
		parse_fail(&p, m->revision_line, "add `down_revision = None` "
		    "for a base, or the parent's revision ID",
		    "no module-level `down_revision = ...` assignment");
done:
	pytok_list_clear(&toks);
	return p.failed ? -1 : 0;
}

void
migration_clear(struct migration *m)
{
	free(m->path);
	free(m->revision);
	strvec_clear(&m->down_revisions);
	strvec_clear(&m->branch_labels);
	strvec_clear(&m->depends_on);
	free(m->header_revision);
	strvec_clear(&m->header_revises);
	free(m->create_date);
	memset(m, 0, sizeof(*m));
}
