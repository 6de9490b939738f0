/*
 * pytoken.c: a Python tokenizer for migration modules.  It follows the
 * language's lexical rules closely enough that module-level statements
 * are found exactly where Python would find them: strings (all prefixes,
 * triple quotes, escapes), comments, backslash continuations, implicit
 * continuation inside brackets, CRLF and CR line ends.  Anything it
 * cannot lex is an error with a line number, never a guess.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/pytoken.h"
#include "revguard/strvec.h"

#define PYTOK_FIRST_CAP		256

#define PYTOKEN_MAX_DEPTH	200

struct lexer {
	const char		*data;
	size_t			 len;
	size_t			 pos;
	int			 line;
	size_t			 line_pos;	/* offset of the line's start */
	struct pytok_list	*out;
	int			 err_line;
	char			*err_msg;
	char			 stack[PYTOKEN_MAX_DEPTH];
	int			 stack_line[PYTOKEN_MAX_DEPTH];
	int			 depth;
	int			 named;		/* \N{...} in this string */
};

static const char *const ops3[] = { "**=", "//=", ">>=", "<<=", "...", NULL };
static const char *const ops2[] = { "==", "!=", "<=", ">=", "->", ":=", "**",
	"//", "<<", ">>", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
	"@=", NULL };

static int __attribute__((format(printf, 3, 4)))
lex_error(struct lexer *lx, int line, const char *fmt, ...)
{
	va_list	 ap;

	if (lx->err_msg == NULL) {
		lx->err_line = line;
		va_start(ap, fmt);
		lx->err_msg = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

static struct pytok *
lex_push(struct lexer *lx, enum pytok_type type, size_t start, size_t end,
    int line, size_t line_pos)
{
	struct pytok_list	*l = lx->out;
	struct pytok		*t;

	/* A migration has hundreds of tokens: start with room for them. */
	if (xgrow(&l->items, &l->cap, l->len < PYTOK_FIRST_CAP ?
	    PYTOK_FIRST_CAP : l->len + 1, sizeof(*l->items)) == -1)
		return NULL;
	t = &l->items[l->len++];
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->line = line;
	t->col = (int)(start - line_pos);
	t->text = lx->data + start;
	t->textlen = end - start;
	return t;
}

/* Length of the line end at p (1 or 2), or 0 when p is not one. */
static size_t
eol_len(const struct lexer *lx, size_t p)
{
	if (p >= lx->len)
		return 0;
	if (lx->data[p] == '\n')
		return 1;
	if (lx->data[p] == '\r')
		return (p + 1 < lx->len && lx->data[p + 1] == '\n') ? 2 : 1;
	return 0;
}

static void
lex_newline(struct lexer *lx, size_t n)
{
	lx->pos += n;
	lx->line++;
	lx->line_pos = lx->pos;
}

static int
is_name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c >= 0x80;
}

static int
is_name_char(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static int
is_prefix_char(char c)
{
	switch (c) {
	case 'r': case 'R': case 'b': case 'B':
	case 'u': case 'U': case 'f': case 'F':
		return 1;
	default:
		return 0;
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
put_utf8(struct buf *b, uint32_t cp)
{
	char	 u[4];
	size_t	 n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_append(b, u, n);
}

/*
 * Decodes the escape after a backslash at lx->pos (which points past the
 * backslash).  Unknown escapes stay verbatim, as in Python.
 */
static int
lex_escape(struct lexer *lx, struct buf *b, int bytes)
{
	const char	*d = lx->data;
	char		 c = d[lx->pos];
	uint32_t	 cp = 0;
	int		 i, n, v;
	size_t		 nl;

	if ((nl = eol_len(lx, lx->pos)) > 0) {
		lex_newline(lx, nl);	/* escaped line end: joins lines */
		return 0;
	}
	lx->pos++;
	switch (c) {
	case 'n': return buf_append(b, "\n", 1);
	case 't': return buf_append(b, "\t", 1);
	case 'r': return buf_append(b, "\r", 1);
	case 'a': return buf_append(b, "\a", 1);
	case 'b': return buf_append(b, "\b", 1);
	case 'f': return buf_append(b, "\f", 1);
	case 'v': return buf_append(b, "\v", 1);
	case '\\': case '\'': case '"':
		return buf_append(b, &c, 1);
	case 'x': case 'u': case 'U':
		n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
		if (bytes && c != 'x')
			break;
		for (i = 0; i < n; i++) {
			if (lx->pos + i >= lx->len ||
			    (v = hexval(d[lx->pos + i])) == -1)
				return lex_error(lx, lx->line,
				    "truncated \\%c escape in string", c);
			cp = cp * 16 + (uint32_t)v;
		}
		lx->pos += (size_t)n;
		if (c == 'x' && bytes) {
			char	 byte = (char)cp;
			return buf_append(b, &byte, 1);
		}
		if (cp > 0x10ffff)
			return lex_error(lx, lx->line,
			    "invalid code point in \\U escape");
		return put_utf8(b, cp);
	case 'N':
		/* Named characters are not decoded: the value is marked
		 * so that no reader takes it for what Python sees. */
		if (!bytes)
			lx->named = 1;
		break;
	default:
		if (c >= '0' && c <= '7') {
			cp = (uint32_t)(c - '0');
			for (i = 0; i < 2 && lx->pos < lx->len &&
			    d[lx->pos] >= '0' && d[lx->pos] <= '7'; i++)
				cp = cp * 8 + (uint32_t)(d[lx->pos++] - '0');
			return put_utf8(b, cp);
		}
		break;
	}
	/* Not an escape Python knows: keep backslash and character. */
	if (buf_append(b, "\\", 1) == -1)
		return -1;
	return buf_append(b, &c, 1);
}

/* Scans a string whose prefix starts at start; lx->pos is at the quote. */
static int
lex_string(struct lexer *lx, size_t start, const char *prefix, size_t plen)
{
	const char	*d = lx->data;
	struct buf	 b = BUF_INIT;
	struct pytok	*t;
	char		 q = d[lx->pos];
	int		 raw = 0, bytes = 0, fstr = 0, triple = 0;
	int		 line = lx->line;
	size_t		 line_pos = lx->line_pos, i, nl;

	for (i = 0; i < plen; i++) {
		switch (prefix[i]) {
		case 'r': case 'R': raw = 1; break;
		case 'b': case 'B': bytes = 1; break;
		case 'f': case 'F': fstr = 1; break;
		default: break;
		}
	}
	if (lx->pos + 2 < lx->len && d[lx->pos + 1] == q && d[lx->pos + 2] == q)
		triple = 1;
	lx->pos += triple ? 3 : 1;
	lx->named = 0;
	if (buf_append(&b, "", 0) == -1)
		return -1;
	for (;;) {
		if (lx->pos >= lx->len) {
			buf_clear(&b);
			return lex_error(lx, line,
			    "unterminated %s string starting at line %d",
			    triple ? "triple-quoted" : "quoted", line);
		}
		if (d[lx->pos] == q && (!triple || (lx->pos + 2 < lx->len &&
		    d[lx->pos + 1] == q && d[lx->pos + 2] == q))) {
			lx->pos += triple ? 3 : 1;
			break;
		}
		if ((nl = eol_len(lx, lx->pos)) > 0) {
			if (!triple) {
				buf_clear(&b);
				return lex_error(lx, line,
				    "unterminated quoted string starting at "
				    "line %d", line);
			}
			if (buf_append(&b, "\n", 1) == -1)
				goto nomem;
			lex_newline(lx, nl);
			continue;
		}
		if (d[lx->pos] == '\\' && lx->pos + 1 < lx->len) {
			lx->pos++;
			if (raw) {
				/* Raw strings keep the backslash and the
				 * escaped character, which cannot end them. */
				if (buf_append(&b, "\\", 1) == -1)
					goto nomem;
				if ((nl = eol_len(lx, lx->pos)) > 0) {
					if (buf_append(&b, "\n", 1) == -1)
						goto nomem;
					lex_newline(lx, nl);
					continue;
				}
				if (buf_append(&b, d + lx->pos, 1) == -1)
					goto nomem;
				lx->pos++;
				continue;
			}
			if (lex_escape(lx, &b, bytes) == -1) {
				buf_clear(&b);
				return -1;
			}
			continue;
		}
		/* A run of ordinary characters is copied in one go. */
		for (i = lx->pos + 1; i < lx->len && d[i] != q && d[i] != '\\' &&
		    d[i] != '\n' && d[i] != '\r'; i++)
			;
		if (buf_append(&b, d + lx->pos, i - lx->pos) == -1)
			goto nomem;
		lx->pos = i;
	}
	if ((t = lex_push(lx, PYTOK_STRING, start, lx->pos, line,
	    line_pos)) == NULL)
		goto nomem;
	t->value = b.data;
	t->valuelen = b.len;
	t->flags = (fstr ? PYTOK_F_FSTRING : 0) | (bytes ? PYTOK_F_BYTES : 0) |
	    (triple ? PYTOK_F_TRIPLE : 0) | (lx->named ? PYTOK_F_NAMED : 0);
	return 0;
nomem:
	buf_clear(&b);
	return lex_error(lx, lx->line, "out of memory");
}

static int
lex_number(struct lexer *lx, size_t start)
{
	const char	*d = lx->data;
	char		 c, prev = 0;

	while (lx->pos < lx->len) {
		c = d[lx->pos];
		if (is_name_char((unsigned char)c) || c == '.' ||
		    ((c == '+' || c == '-') && (prev == 'e' || prev == 'E') &&
		    !(d[start] == '0' && start + 1 < lx->len &&
		    (d[start + 1] == 'x' || d[start + 1] == 'X')))) {
			prev = c;
			lx->pos++;
		} else
			break;
	}
	return lex_push(lx, PYTOK_NUMBER, start, lx->pos, lx->line,
	    lx->line_pos) == NULL ? -1 : 0;
}

static int
lex_bracket(struct lexer *lx, char c)
{
	static const char	*open = "([{", *close = ")]}";
	const char		*p;
	char			 want[2] = { 0, 0 };

	if (strchr(open, c) != NULL) {
		if (lx->depth == PYTOKEN_MAX_DEPTH)
			return lex_error(lx, lx->line,
			    "brackets nested too deeply");
		lx->stack[lx->depth] = c;
		lx->stack_line[lx->depth++] = lx->line;
		return 0;
	}
	p = strchr(close, c);
	want[0] = c;
	if (lx->depth == 0)
		return lex_error(lx, lx->line, "unmatched '%c'", c);
	if (open[p - close] != lx->stack[lx->depth - 1]) {
		want[0] = lx->stack[lx->depth - 1];
		return lex_error(lx, lx->line,
		    "closing bracket does not match '%s' opened at line %d",
		    want, lx->stack_line[lx->depth - 1]);
	}
	lx->depth--;
	return 0;
}

/* Skips indentation; returns 1 when the physical line holds a token. */
static int
lex_line_start(struct lexer *lx, int *indent)
{
	const char	*d = lx->data;
	int		 col = 0;

	/* As CPython's tokenizer: a form feed resets the column, so a
	 * line "\fx = 1" is at module level however many bytes precede. */
	while (lx->pos < lx->len && (d[lx->pos] == ' ' || d[lx->pos] == '\t' ||
	    d[lx->pos] == '\f')) {
		if (d[lx->pos] == '\f')
			col = 0;
		else
			col = d[lx->pos] == '\t' ? (col / 8 + 1) * 8 : col + 1;
		lx->pos++;
	}
	*indent = col;
	if (lx->pos >= lx->len || d[lx->pos] == '#' || eol_len(lx, lx->pos))
		return 0;
	return 1;
}

int
pytoken_scan(const char *data, size_t len, struct pytok_list *out,
    int *err_line, char **err_msg)
{
	struct lexer	 lx;
	struct pytok	*t;
	const char	*d = data;
	size_t		 start, nl, plen, i;
	int		 at_line_start = 1, in_logical = 0, indent = 0;
	int		 next_first = 0, cur_indent = 0;
	char		 c, want[2] = { 0, 0 };

	memset(&lx, 0, sizeof(lx));
	lx.data = data;
	lx.len = len;
	lx.line = 1;
	lx.out = out;

	while (lx.pos < len) {
		if (at_line_start) {
			at_line_start = 0;
			if (!in_logical && lex_line_start(&lx, &indent)) {
				next_first = 1;
				cur_indent = indent;
			}
			continue;
		}
		c = d[lx.pos];
		start = lx.pos;
		if (c == ' ' || c == '\t' || c == '\f') {
			while (++lx.pos < len && (d[lx.pos] == ' ' ||
			    d[lx.pos] == '\t' || d[lx.pos] == '\f'))
				;
			continue;
		}
		if (c == '#') {
			while (lx.pos < len && d[lx.pos] != '\n' &&
			    d[lx.pos] != '\r')
				lx.pos++;
			continue;
		}
		if ((nl = eol_len(&lx, lx.pos)) > 0) {
			if (in_logical && lx.depth == 0) {
				if (lex_push(&lx, PYTOK_NEWLINE, start, start,
				    lx.line, lx.line_pos) == NULL)
					goto nomem;
				in_logical = 0;
			}
			lex_newline(&lx, nl);
			at_line_start = 1;
			continue;
		}
		if (c == '\\') {
			if ((nl = eol_len(&lx, lx.pos + 1)) == 0) {
				lex_error(&lx, lx.line,
				    "unexpected backslash outside a string");
				goto fail;
			}
			lx.pos++;
			lex_newline(&lx, nl);
			continue;
		}
		/* String prefixes: up to two letters of rbuf. */
		plen = 0;
		while (plen < 2 && lx.pos + plen < len &&
		    is_prefix_char(d[lx.pos + plen]))
			plen++;
		for (i = plen; i > 0; i--) {
			if (lx.pos + i < len &&
			    (d[lx.pos + i] == '\'' || d[lx.pos + i] == '"'))
				break;
		}
		if (c == '\'' || c == '"' || i > 0) {
			lx.pos += i;
			if (lex_string(&lx, start, d + start, i) == -1)
				goto fail;
		} else if (is_name_start((unsigned char)c)) {
			while (lx.pos < len &&
			    is_name_char((unsigned char)d[lx.pos]))
				lx.pos++;
			if (lex_push(&lx, PYTOK_NAME, start, lx.pos, lx.line,
			    lx.line_pos) == NULL)
				goto nomem;
		} else if ((c >= '0' && c <= '9') || (c == '.' &&
		    lx.pos + 1 < len && d[lx.pos + 1] >= '0' &&
		    d[lx.pos + 1] <= '9')) {
			if (lex_number(&lx, start) == -1)
				goto nomem;
		} else {
			size_t	 oplen = 1;

			/* Every longer operator has one of these second. */
			if (lx.pos + 1 < len &&
			    strchr("=<>*/.", d[lx.pos + 1]) != NULL) {
				for (i = 0; ops3[i] != NULL; i++)
					if (lx.pos + 3 <= len &&
					    memcmp(d + lx.pos, ops3[i], 3) == 0)
						oplen = 3;
				for (i = 0; oplen == 1 && ops2[i] != NULL; i++)
					if (memcmp(d + lx.pos, ops2[i], 2) == 0)
						oplen = 2;
			}
			if (oplen == 1 && strchr("()[]{}", c) != NULL &&
			    lex_bracket(&lx, c) == -1)
				goto fail;
			if (oplen == 1 && (c == '$' || c == '?' || c == '`' ||
			    c == '\0')) {
				if (c == '\0')
					lex_error(&lx, lx.line,
					    "NUL byte in source");
				else
					lex_error(&lx, lx.line, "invalid "
					    "character '%c' in source", c);
				goto fail;
			}
			lx.pos += oplen;
			if (lex_push(&lx, PYTOK_OP, start, lx.pos, lx.line,
			    lx.line_pos) == NULL)
				goto nomem;
		}
		t = &out->items[out->len - 1];
		if (!in_logical) {
			t->line_start = next_first;
			in_logical = 1;
		}
		next_first = 0;
		t->indent = cur_indent;
	}
	if (lx.depth > 0) {
		want[0] = lx.stack[lx.depth - 1];
		lex_error(&lx, lx.stack_line[lx.depth - 1],
		    "'%s' opened at line %d is never closed", want,
		    lx.stack_line[lx.depth - 1]);
		goto fail;
	}
	if (in_logical && lex_push(&lx, PYTOK_NEWLINE, len, len, lx.line,
	    lx.line_pos) == NULL)
		goto nomem;
	if (lex_push(&lx, PYTOK_END, len, len, lx.line, lx.line_pos) == NULL)
		goto nomem;
	return 0;
nomem:
	lex_error(&lx, lx.line, "out of memory");
fail:
	*err_line = lx.err_line;
	*err_msg = lx.err_msg;
	return -1;
}

int
pytok_is(const struct pytok *t, enum pytok_type type, const char *s)
{
	return t->type == type && t->text[0] == s[0] &&
	    t->textlen == strlen(s) && memcmp(t->text, s, t->textlen) == 0;
}

void
pytok_list_clear(struct pytok_list *l)
{
	size_t	 i;

	for (i = 0; i < l->len; i++)
		free(l->items[i].value);
	free(l->items);
	l->items = NULL;
	l->len = l->cap = 0;
}
