/*
 * migration.c: the migration module parser.  It tokenizes the module,
 * finds module-level assignments to revision, down_revision,
 * branch_labels and depends_on (plain or annotated), reads their literal
 * values, and reads the docstring header that `alembic revision` writes.
 * Whatever it cannot read with certainty becomes a parse-error naming the
 * line, because a guessed revision graph is worse than none.
 */
#include "config.h"

#include <stdarg.h>
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
	int			 is_list[4];	/* last value: a list */
	int			 inner_ref[4];	/* first use in a body */
};

/* The module attributes Alembic reads, in struct migration order. */
static const char *const binding_names[] = { "revision", "down_revision",
	"branch_labels", "depends_on", NULL };

/*
 * Names through which a module can reach its own namespace, or run code
 * that does: with any of them a module can bind revision & co. in ways
 * no reading of the text can follow.  `alembic revision` never writes
 * them.  getattr, attrgetter and methodcaller reach attributes named by
 * computed strings; __getattr__ at module level answers for attributes
 * the module does not assign (Alembic uses getattr on the module);
 * a frame is easy to get (signal handlers, traceback.walk_stack), so
 * what turns one into the namespace is listed: f_globals, f_locals,
 * inspect.getargvalues, pdb and bdb (which run code in a frame's
 * globals); gc.get_referrers(f) finds the namespace too.  sqlalchemy's
 * inspect() stays usable.  The list cannot be complete against
 * arbitrary code run at import time; it covers the known ways.
 */
static const char *const dynamic_names[] = { "globals", "locals", "vars",
	"exec", "eval", "setattr", "delattr", "getattr", "__import__",
	"__dict__", "modules", "importlib", "__builtins__", "builtins",
	"__globals__", "f_globals", "f_locals", "f_back", "_getframe",
	"currentframe", "tb_frame", "__getattr__", "__getattribute__",
	"attrgetter", "methodcaller", "get_type_hints", "pickle", "marshal",
	"ctypes", "getargvalues", "pdb", "Pdb", "bdb", "Bdb", "gc",
	"get_referrers", "get_referents", "get_objects", "_current_frames",
	NULL };

/* Keywords that start a compound statement (a body may follow ':'). */
static const char *const compound_keywords[] = { "if", "elif", "else",
	"while", "for", "try", "except", "finally", "with", "def", "class",
	"async", NULL };

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
 * True when the token is a str literal whose decoded value is the one
 * Python sees: not bytes, no \N{...} escape, and if an f-string, no
 * braces (fields, or "{{" and "}}", which the tokenizer keeps as is).
 */
static int
literal_string(const struct pytok *t)
{
	if (t->type != PYTOK_STRING ||
	    (t->flags & (PYTOK_F_BYTES | PYTOK_F_NAMED)))
		return 0;
	return !(t->flags & PYTOK_F_FSTRING) || (memchr(t->value, '{',
	    t->valuelen) == NULL && memchr(t->value, '}', t->valuelen) == NULL);
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
		if (!literal_string(t))
			goto unsupported;
		b.len = 0;
		while (t < e && t->type == PYTOK_STRING) {
			if (!literal_string(t))
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
	const char *const	*names = binding_names;
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
	/* A list can be changed in place by code revguard does not read. */
	p->is_list[i] = eq + 1 < e && pytok_is(eq + 1, PYTOK_OP, "[");
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

/* Adds a parse-error whose message is formatted. */
static int __attribute__((format(printf, 4, 5)))
parse_failf(struct parse *p, int line, const char *hint, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	parse_fail(p, line, hint, msg ? msg : "out of memory");
	free(msg);
	return -1;
}

/* Index of the name t spells in list, or -1. */
static int
name_in(const struct pytok *t, const char *const *list)
{
	int	 i;

	if (t->type != PYTOK_NAME)
		return -1;
	/* Called for every name: compare the first byte inline. */
	for (i = 0; list[i] != NULL; i++)
		if (list[i][0] == t->text[0] &&
		    strncmp(list[i], t->text, t->textlen) == 0 &&
		    list[i][t->textlen] == '\0')
			return i;
	return -1;
}

/* Up to 60 bytes of the source from t to the end of its logical line. */
static int
snippet_len(const struct pytok *t, const struct pytok *e)
{
	size_t	 n = (size_t)((e[-1].text + e[-1].textlen) - t->text);

	return n > 60 ? 60 : (int)n;
}

/*
 * True for `globals()[key](` at t: a function looked up by name and
 * called, which reads the namespace and cannot change it.  Alembic's
 * multidb template writes it in upgrade() and downgrade().
 */
static int
is_globals_call(const struct pytok *t, const struct pytok *e)
{
	int	 depth = 0;

	if (e - t < 6 || !pytok_is(t, PYTOK_NAME, "globals") ||
	    !pytok_is(t + 1, PYTOK_OP, "(") ||
	    !pytok_is(t + 2, PYTOK_OP, ")") ||
	    !pytok_is(t + 3, PYTOK_OP, "["))
		return 0;
	for (t += 3; t < e; t++) {
		if (t->type == PYTOK_OP && t->textlen == 1 &&
		    strchr("([{", t->text[0]) != NULL)
			depth++;
		else if (t->type == PYTOK_OP && t->textlen == 1 &&
		    strchr(")]}", t->text[0]) != NULL && --depth == 0)
			return t + 1 < e && pytok_is(t + 1, PYTOK_OP, "(");
	}
	return 0;
}

/* Index of the name spelled by the n bytes at s in list, or -1. */
static int
word_in(const char *s, size_t n, const char *const *list)
{
	int	 i;

	for (i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == n && memcmp(s, list[i], n) == 0)
			return i;
	return -1;
}

/*
 * getattr(obj, 'name') and getattr(obj, 'name', default) with a plain
 * string naming nothing on the dynamic list (and no dunder) only read an
 * attribute, as data migrations do with rows; obj's own tokens are still
 * checked.  A computed name could reach a frame, so it stays an error.
 */
static int
is_literal_getattr(const struct pytok *t, const struct pytok *e)
{
	const struct pytok	*u;
	char			 name[64];
	int			 depth = 0;

	if (!pytok_is(t, PYTOK_NAME, "getattr") || t + 1 >= e ||
	    !pytok_is(t + 1, PYTOK_OP, "("))
		return 0;
	for (u = t + 1; u < e; u++) {
		if (pytok_is(u, PYTOK_OP, "(") || pytok_is(u, PYTOK_OP, "[") ||
		    pytok_is(u, PYTOK_OP, "{"))
			depth++;
		else if (pytok_is(u, PYTOK_OP, ")") ||
		    pytok_is(u, PYTOK_OP, "]") || pytok_is(u, PYTOK_OP, "}")) {
			if (--depth == 0)
				return 0;	/* no second argument */
		} else if (depth == 1 && pytok_is(u, PYTOK_OP, ","))
			break;
	}
	if (u + 2 >= e || u[1].type != PYTOK_STRING || u[1].flags != 0 ||
	    !(pytok_is(u + 2, PYTOK_OP, ",") || pytok_is(u + 2, PYTOK_OP,
	    ")")) || u[1].valuelen == 0 || u[1].valuelen >= sizeof(name) ||
	    memchr(u[1].value, '\0', u[1].valuelen) != NULL)
		return 0;
	memcpy(name, u[1].value, u[1].valuelen);
	name[u[1].valuelen] = '\0';
	return strncmp(name, "__", 2) != 0 && strncmp(name, "f_", 2) != 0 &&
	    strncmp(name, "tb_", 3) != 0 && word_in(name, strlen(name),
	    dynamic_names) == -1;
}


/*
 * Checks the code inside an f-string's replacement fields, which the
 * tokenizer keeps as string text: the same names as in code, and
 * braces that close.  A field that does not close is how Python 3.12,
 * whose f-strings may reuse the outer quote, would read a different
 * string (and different code after it) than revguard: an error too.
 */
static int
check_fstring(struct parse *p, const struct pytok *t, int inner)
{
	const char	*s = t->text, *e = t->text + t->textlen, *w;
	const char	*hint = "write the f-string without revision, "
			    "down_revision, branch_labels, depends_on or "
			    "namespace access in its fields";
	char		 q;
	int		 depth = 0, line = t->line, k;
	size_t		 ql;

	while (s < e && *s != '\'' && *s != '"')
		s++;	/* the prefix */
	if (s == e)
		return 0;
	ql = (t->flags & PYTOK_F_TRIPLE) ? 3 : 1;
	if ((size_t)(e - s) < 2 * ql)
		return 0;
	s += ql;
	e -= ql;
	for (; s < e; s++) {
		if (*s == '\n' || (*s == '\r' && !(s + 1 < e && s[1] == '\n')))
			line++;
		if (depth == 0) {
			if ((*s == '{' || *s == '}') && s + 1 < e && s[1] == *s)
				s++;	/* {{ or }}: a literal brace */
			else if (*s == '{')
				depth = 1;
			else if (*s == '}')
				goto unbalanced;
			continue;
		}
		if (*s == '#' || *s == '\\')
			goto unbalanced;	/* 3.12: a comment, an escape */
		if (*s == '{' || *s == '(' || *s == '[')
			depth++;
		else if (*s == '}' || *s == ')' || *s == ']')
			depth--;
		else if (*s == '\'' || *s == '"') {
			q = *s;
			while (++s < e && *s != q)
				if (*s == '\n')
					line++;
			if (s == e)
				goto unbalanced;
		} else if (*s == '_' || (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z') || (unsigned char)*s >= 0x80) {
			for (w = s; w < e && (*w == '_' || (*w >= 'a' &&
			    *w <= 'z') || (*w >= 'A' && *w <= 'Z') ||
			    (*w >= '0' && *w <= '9') ||
			    (unsigned char)*w >= 0x80); w++)
				if ((unsigned char)*w >= 0x80)
					return parse_failf(p, line, hint,
					    "non-ASCII identifier in an "
					    "f-string field: Python "
					    "normalises it (NFKC)");
			if ((k = word_in(s, (size_t)(w - s), dynamic_names))
			    != -1)
				return parse_failf(p, line, hint, "`%s` in an "
				    "f-string field can rebind module names "
				    "at import time", dynamic_names[k]);
			if ((k = word_in(s, (size_t)(w - s), binding_names))
			    != -1) {
				if (!inner)
					return parse_failf(p, line, hint,
					    "%s is used in an f-string field "
					    "at module level, where revguard "
					    "cannot follow it",
					    binding_names[k]);
				if (p->inner_ref[k] == 0)
					p->inner_ref[k] = line;
			}
			s = w - 1;
		} else if (*s >= '0' && *s <= '9') {
			while (s + 1 < e && (s[1] == '_' || (s[1] >= '0' &&
			    s[1] <= '9') || (s[1] >= 'a' && s[1] <= 'z') ||
			    (s[1] >= 'A' && s[1] <= 'Z')))
				s++;	/* 1e5, 0x1f: no names */
		}
	}
	if (depth == 0)
		return 0;
unbalanced:
	return parse_failf(p, t->line, "close every replacement field, use "
	    "another quote character inside it, and no '#' or backslash",
	    "f-string with an unbalanced replacement field, or '#' or a "
	    "backslash in one: Python versions read it differently");
}

/*
 * Checks that hold in every scope: identifiers are ASCII (Python
 * NFKC-normalises the others, so "ｒevision" binds revision), nothing
 * reaches the namespace dynamically, and no global or nonlocal statement
 * lets a function rebind one of the four names.
 */
static int
check_anywhere(struct parse *p, const struct pytok *s, const struct pytok *e,
    int inner)
{
	const struct pytok	*t, *u;
	size_t			 i;
	int			 k;

	for (t = s; t < e; t++) {
		if (t->type == PYTOK_STRING && (t->flags & PYTOK_F_FSTRING) &&
		    check_fstring(p, t, inner) == -1)
			return -1;
		if (t->type != PYTOK_NAME)
			continue;
		for (i = 0; i < t->textlen; i++)
			if ((unsigned char)t->text[i] >= 0x80)
				return parse_failf(p, t->line, "use ASCII "
				    "identifiers; other characters may "
				    "stay in strings and comments",
				    "non-ASCII identifier `%.*s`: Python "
				    "normalises it (NFKC), so it may name "
				    "revision or a builtin under another "
				    "spelling", (int)t->textlen, t->text);
		if (inner && is_globals_call(t, e))
			continue;
		if (is_literal_getattr(t, e))
			continue;
		if ((k = name_in(t, dynamic_names)) != -1)
			return parse_failf(p, t->line, "assign revision, "
			    "down_revision, branch_labels and depends_on as "
			    "plain literals, and do not reach the module "
			    "namespace at run time",
			    "`%s` can rebind module names at import time, "
			    "so revguard cannot know the revision graph",
			    dynamic_names[k]);
		if (!pytok_is(t, PYTOK_NAME, "global") &&
		    !pytok_is(t, PYTOK_NAME, "nonlocal"))
			continue;
		for (u = t + 1; u < e && !pytok_is(u, PYTOK_OP, ";"); u++)
			if ((k = name_in(u, binding_names)) != -1)
				return parse_failf(p, t->line, "remove it; "
				    "assign the value only at module level as "
				    "`name = <literal>`",
				    "`%.*s` lets a function rebind %s when it "
				    "runs", snippet_len(t, e), t->text,
				    binding_names[k]);
	}
	return 0;
}

/* True when the logical line [s, e) starts a def or class statement. */
static int
is_def_or_class(const struct pytok *s, const struct pytok *e)
{
	if (pytok_is(s, PYTOK_NAME, "async") && s + 1 < e)
		s++;
	return pytok_is(s, PYTOK_NAME, "def") || pytok_is(s, PYTOK_NAME,
	    "class");
}

/*
 * Checks module-scope tokens [s, e) of one logical line.  The only
 * accepted occurrence of the four names is the target of a plain or
 * annotated assignment that starts a simple statement at indentation 0
 * (simple: the line is no compound statement).  Elsewhere they may be
 * an attribute (x.revision), a keyword argument (f(revision=...)) or a
 * parameter of a def; any other occurrence binds, deletes, imports,
 * passes on or loops over the name in ways revguard does not follow.
 */
static int
check_module_scope(struct parse *p, const struct pytok *s,
    const struct pytok *e, int simple, int in_def)
{
	const struct pytok	*t, *prev, *next;
	char			 stack[256];
	int			 depth = 0, k, in_params = 0;
	int			 params_done = 0;

	for (t = s; t < e; t++) {
		prev = t > s ? t - 1 : NULL;
		next = t + 1 < e ? t + 1 : NULL;
		if (t->type == PYTOK_OP && t->textlen == 1 &&
		    strchr("([{", t->text[0]) != NULL) {
			if (in_def && depth == 0 && !params_done &&
			    t->text[0] == '(')
				in_params = 1;
			if (depth < (int)sizeof(stack))
				stack[depth] = t->text[0];
			depth++;
			continue;
		}
		if (t->type == PYTOK_OP && t->textlen == 1 &&
		    strchr(")]}", t->text[0]) != NULL) {
			if (depth > 0 && --depth == 0 && in_params) {
				in_params = 0;
				params_done = 1;
			}
			continue;
		}
		if (pytok_is(t, PYTOK_OP, "*") && prev != NULL &&
		    pytok_is(prev, PYTOK_NAME, "import"))
			return parse_failf(p, t->line, "import the names the "
			    "module uses one by one",
			    "`%.*s` may bind revision and the other names "
			    "revguard reads", snippet_len(s, e), s->text);
		if ((k = name_in(t, binding_names)) == -1)
			continue;
		if (simple && depth == 0 && (prev == NULL ||
		    pytok_is(prev, PYTOK_OP, ";")) && next != NULL &&
		    (pytok_is(next, PYTOK_OP, "=") ||
		    pytok_is(next, PYTOK_OP, ":")))
			continue;	/* read by parse_statement */
		if (prev != NULL && pytok_is(prev, PYTOK_OP, "."))
			continue;	/* an attribute of another object */
		if (prev != NULL && (pytok_is(prev, PYTOK_OP, "(") ||
		    pytok_is(prev, PYTOK_OP, ",")) && next != NULL &&
		    pytok_is(next, PYTOK_OP, "=") && depth > 0 &&
		    depth <= (int)sizeof(stack) && stack[depth - 1] == '(')
			continue;	/* keyword argument or parameter */
		if (in_params && depth == 1 && prev != NULL &&
		    (pytok_is(prev, PYTOK_OP, "(") ||
		    pytok_is(prev, PYTOK_OP, ",") ||
		    pytok_is(prev, PYTOK_OP, "*") ||
		    pytok_is(prev, PYTOK_OP, "**")))
			continue;	/* a parameter: local to the def */
		return parse_failf(p, t->line, "assign it only as "
		    "`name = <literal>` at the top level of the module, "
		    "outside if/try/for/while/with blocks; do not import, "
		    "delete, unpack, loop over or otherwise rebind or use it "
		    "at module level",
		    "%s is bound or used where revguard cannot follow it "
		    "(only a top-level `%s = <literal>` counts): `%.*s`",
		    binding_names[k], binding_names[k], snippet_len(s, e),
		    s->text);
	}
	return 0;
}

/* Notes uses of the four names inside def and class bodies. */
static void
note_inner_refs(struct parse *p, const struct pytok *s, const struct pytok *e)
{
	const struct pytok	*t;
	int			 k;

	for (t = s; t < e; t++)
		if ((k = name_in(t, binding_names)) != -1 && p->inner_ref[k] ==
		    0 && !(t > s && pytok_is(t - 1, PYTOK_OP, ".")))
			p->inner_ref[k] = t->line;
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

/*
 * Finds a PEP 263 coding cookie in the line [s, e) as CPython does: the
 * line is blank up to a '#', and the first "coding" followed by ':' or
 * '=', blanks, and a name of [-\w.] characters gives the encoding.
 * Returns 1 with the name in [*ns, *ne), or 0.
 */
static int
find_cookie(const char *s, const char *e, const char **ns, const char **ne)
{
	const char	*c, *q;

	while (s < e && (*s == ' ' || *s == '\t' || *s == '\f'))
		s++;
	if (s == e || *s != '#')
		return 0;
	for (c = s; e - c >= 7; c++) {
		if (memcmp(c, "coding", 6) != 0 || (c[6] != ':' && c[6] != '='))
			continue;
		for (q = c + 7; q < e && (*q == ' ' || *q == '\t'); q++)
			;
		*ns = q;
		while (q < e && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' &&
		    *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '-' ||
		    *q == '_' || *q == '.'))
			q++;
		if (q > *ns) {
			*ne = q;
			return 1;
		}
	}
	return 0;
}

/*
 * What a cookie's encoding means for revguard, which reads UTF-8: 0 for
 * UTF-8 and its aliases (CPython maps "utf-8-*" to UTF-8 too), 1 for
 * ASCII, 2 for Latin-1 (both equal to UTF-8 on ASCII text), -1 else.
 */
static int
cookie_kind(const char *s, size_t n)
{
	static const char *const utf8[] = { "utf-8", "utf8", "u8", "utf",
		"cp65001", "utf8-ucs2", "utf8-ucs4", NULL };
	static const char *const ascii[] = { "ascii", "us-ascii", "us",
		"646", "cp367", "ibm367", "csascii", "iso646-us", NULL };
	static const char *const latin1[] = { "latin-1", "iso-8859-1",
		"iso-latin-1", "latin1", "l1", "latin", "iso8859-1", "8859",
		"cp819", "ibm819", "iso-ir-100", "csisolatin1", NULL };
	char	 b[64];
	size_t	 i;

	if (n >= sizeof(b))
		return -1;
	for (i = 0; i < n; i++)
		b[i] = s[i] == '_' ? '-' : (s[i] >= 'A' && s[i] <= 'Z') ?
		    (char)(s[i] - 'A' + 'a') : s[i];
	b[n] = '\0';
	if (strncmp(b, "utf-8-", 6) == 0)
		return 0;
	for (i = 0; utf8[i] != NULL; i++)
		if (strcmp(b, utf8[i]) == 0)
			return 0;
	for (i = 0; ascii[i] != NULL; i++)
		if (strcmp(b, ascii[i]) == 0)
			return 1;
	if (strncmp(b, "latin-1-", 8) == 0 ||
	    strncmp(b, "iso-8859-1-", 11) == 0 ||
	    strncmp(b, "iso-latin-1-", 12) == 0)
		return 2;
	for (i = 0; latin1[i] != NULL; i++)
		if (strcmp(b, latin1[i]) == 0)
			return 2;
	return -1;
}

/*
 * Python decodes the module with the encoding a coding cookie on line 1
 * or 2 names (line 2 only when line 1 is blank or a comment; CR, LF and
 * CRLF all end lines).  Under utf-7, "+AAo-" in a comment is a newline:
 * a file means something else to Python than to revguard unless the
 * cookie names an encoding that decodes it as revguard reads it.
 */
static int
check_cookie(struct parse *p, const char *d, size_t len, int bom)
{
	const char	*s = d, *e, *end = d + len, *ns, *ne;
	int		 line, kind;
	size_t		 i;

	for (line = 1; line <= 2 && s < end; line++) {
		for (e = s; e < end && *e != '\n' && *e != '\r'; e++)
			;
		if (find_cookie(s, e, &ns, &ne)) {
			kind = cookie_kind(ns, (size_t)(ne - ns));
			for (i = 0; kind > 0 && i < len; i++)
				if ((unsigned char)d[i] >= 0x80)
					kind = -1;
			if (kind > 0 && bom)
				kind = -1;
			if (kind >= 0)
				return 0;
			return parse_failf(p, line, "remove the coding line "
			    "or write `# -*- coding: utf-8 -*-`, and save the "
			    "file as UTF-8",
			    "coding cookie names encoding `%.*s`: Python "
			    "would decode the file differently from revguard, "
			    "which reads UTF-8", (int)(ne - ns), ns);
		}
		while (s < e && (*s == ' ' || *s == '\t' || *s == '\f'))
			s++;
		if (s < e && *s != '#')
			return 0;	/* code: line 2 is not looked at */
		if (e < end && *e == '\r' && e + 1 < end && e[1] == '\n')
			e++;
		s = e + 1;
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
	int			 err_line = 0, line, first = 1, i;
	int			 inner_indent = -1, bom = 0;
	const struct pytok	*t_next;

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
		bom = 1;
	}
	if ((nul = memchr(data, '\0', len)) != NULL) {
		line = line_of(data, (size_t)((const char *)nul - data));
		return parse_fail(&p, line, "migrations must be Python "
		    "source text", "binary file: contains a NUL byte");
	}
	if (check_cookie(&p, data, len, bom) == -1)
		goto done;
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
		const struct pytok	*nl = t, *hdr_end, *x;
		int			 indent = t->indent, simple;
		int			 inner, depth = 0;

		while (nl->type != PYTOK_NEWLINE && nl->type != PYTOK_END)
			nl++;
		t_next = nl->type == PYTOK_NEWLINE ? nl + 1 : nl;
		inner = inner_indent >= 0 && indent > inner_indent;
		if (check_anywhere(&p, t, nl, inner) == -1)
			goto done;
		if (inner) {
			/* A def or class body: its own namespace. */
			note_inner_refs(&p, t, nl);
			first = 0;
			t = t_next;
			continue;
		}
		inner_indent = -1;
		/* Module scope, though perhaps inside an if/try/for block.
		 * A def or class header is module scope up to its last ':'
		 * at depth 0 (the header's own); what follows is the body. */
		hdr_end = nl;
		if (is_def_or_class(t, nl)) {
			for (x = t; x < nl; x++) {
				if (x->type == PYTOK_OP && x->textlen == 1 &&
				    strchr("([{", x->text[0]) != NULL)
					depth++;
				else if (x->type == PYTOK_OP &&
				    x->textlen == 1 &&
				    strchr(")]}", x->text[0]) != NULL)
					depth--;
				else if (depth == 0 && pytok_is(x, PYTOK_OP,
				    ":"))
					hdr_end = x;
			}
			if (hdr_end < nl)
				note_inner_refs(&p, hdr_end + 1, nl);
			if (hdr_end + 1 >= nl)
				inner_indent = indent;
		}
		simple = indent == 0 && name_in(t, compound_keywords) == -1;
		if (check_module_scope(&p, t, hdr_end, simple,
		    is_def_or_class(t, nl) && !pytok_is(t, PYTOK_NAME,
		    "class")) == -1)
			goto done;
		for (s = t; s < hdr_end; ) {
			const struct pytok	*se = s;

			while (se < hdr_end && !pytok_is(se, PYTOK_OP, ";"))
				se++;
			if (simple && se > s) {
				if (first && s->type == PYTOK_STRING &&
				    !(s->flags & PYTOK_F_BYTES) &&
				    !(s->flags & PYTOK_F_FSTRING)) {
					x = s;
					while (x < se &&
					    x->type == PYTOK_STRING)
						x++;
					if (x == se &&
					    parse_header(&p, s) == -1)
						goto done;
				}
				first = 0;
				if (parse_statement(&p, s, se) == -1)
					goto done;
			} else if (se > s)
				first = 0;
			s = se < hdr_end ? se + 1 : se;
		}
		t = t_next;
	}
	/* A list value can be changed in place by a function or class body
	 * that refers to it (append, extend, an alias): tuples cannot. */
	for (i = 0; i < 4; i++)
		if (p.is_list[i] && p.inner_ref[i] != 0) {
			parse_failf(&p, p.inner_ref[i], "write the value as a "
			    "tuple, as `alembic revision` does, or do not "
			    "refer to it in functions and classes",
			    "%s is a list, and this def or class body "
			    "refers to it, so it may change it in place",
			    binding_names[i]);
			goto done;
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
