/*
 * pytoken: a tokenizer for the subset of Python lexical structure that a
 * migration module can contain.  It never executes anything; it only
 * splits bytes into names, numbers, strings (decoded), operators and
 * logical-line ends, tracking brackets and line numbers.  A pytok_list
 * owns the decoded string values.
 */
#ifndef REVGUARD_PYTOKEN_H
#define REVGUARD_PYTOKEN_H

#include <stddef.h>

enum pytok_type {
	PYTOK_NAME,
	PYTOK_NUMBER,
	PYTOK_STRING,
	PYTOK_OP,
	PYTOK_NEWLINE,		/* end of a logical line */
	PYTOK_END
};

#define PYTOK_F_FSTRING	0x01	/* f-prefixed: value may not be literal */
#define PYTOK_F_BYTES	0x02
#define PYTOK_F_TRIPLE	0x04
#define PYTOK_F_NAMED	0x08	/* has a \N{...} escape, kept undecoded */

struct pytok {
	enum pytok_type	 type;
	int		 line;		/* 1-based line of the first byte */
	int		 col;		/* 0-based byte column */
	int		 line_start;	/* first token of a logical line */
	int		 indent;	/* column of the logical line */
	const char	*text;		/* source span (not NUL-terminated) */
	size_t		 textlen;
	char		*value;		/* decoded string value, strings only */
	size_t		 valuelen;
	int		 flags;
};

struct pytok_list {
	struct pytok	*items;
	size_t		 len;
	size_t		 cap;
};

#define PYTOK_LIST_INIT { NULL, 0, 0 }

/*
 * Tokenizes len bytes (no BOM).  Returns 0, or -1 with *err_line and a
 * newly allocated *err_msg describing the first lexical error.
 */
int	 pytoken_scan(const char *data, size_t len, struct pytok_list *,
	    int *err_line, char **err_msg);
/* True when the token is the operator or name spelled s. */
int	 pytok_is(const struct pytok *, enum pytok_type, const char *s);
void	 pytok_list_clear(struct pytok_list *);

#endif
