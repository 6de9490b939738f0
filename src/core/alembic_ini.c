/*
 * alembic_ini.c: reads alembic.ini the way Alembic 1.8.1 reads it, so a
 * push cannot show revguard one versions directory and Alembic another.
 *
 * Alembic builds configparser.ConfigParser({"here": <ini dir>}) and
 * calls read(): strict mode (a repeated section or option is an error),
 * `=` and `:` delimiters, `#` and `;` full-line comments only, indented
 * continuation lines, empty lines kept inside values, keys lower-cased,
 * the greedy header regex `\[(?P<header>.+)\]`, a DEFAULT section under
 * every other, and BasicInterpolation (`%(name)s`, `%%`) when a value is
 * read.  The file is decoded as UTF-8 with universal newlines, and
 * "whitespace" is Python's str.isspace().  ScriptDirectory.from_config
 * then reads the options below and splits version_locations.
 *
 * Python's `here` is an absolute path that depends on where the checkout
 * lives.  Here it is "/" HERE_MARK "/<dir>": the mark byte cannot occur in
 * valid UTF-8, so a resolved path that starts with it is inside the
 * repository, and one that has it anywhere else depends on the checkout's
 * location and is refused.  Relative locations are resolved against the
 * ini's directory (Alembic runs there).
 *
 * Option names with non-ASCII characters are refused: Python folds them
 * with full Unicode case mapping, which this file does not carry.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/alembic_ini.h"
#include "revguard/path.h"

#define INI_DEPTH_MAX	10		/* configparser.MAX_INTERPOLATION_DEPTH */
#define INI_EXPAND_MAX	(1u << 20)	/* bytes one value may expand to */
#define INI_STEPS_MAX	(1u << 20)	/* references one value may follow */
#define HERE_MARK	'\xff'
#define SECT_DEFAULT	0
#define SLOT_SECTION	(-1)

struct ini_opt {
	char		*key;		/* lower-cased ASCII */
	size_t		 klen;
	struct buf	 value;
	int		 line;
	int		 from_file;	/* 0 for the `here` default */
};

struct ini_sect {
	char		*name;
	size_t		 nlen;
	struct ini_opt	*opts;
	size_t		 n, cap;
};

struct ini_slot {
	int		 sect;		/* SLOT_SECTION, or the owner */
	size_t		 idx;
	int		 used;
};

struct ini {
	struct ini_sect		*sects;	/* [SECT_DEFAULT] is DEFAULT */
	size_t			 n, cap;
	struct ini_slot		*slots;	/* sections and options by name */
	size_t			 nslots, used;
	const char		*path;
	struct diag_list	*diags;
	enum alembic_ini_status	 status;
};

struct interp {
	struct ini	*ini;
	int		 sect;
	size_t		 steps;
	struct buf	*out;
	struct buf	 name;		/* scratch: a folded reference */
};

static enum alembic_ini_status __attribute__((format(printf, 5, 6)))
ini_fail(struct ini *ini, enum alembic_ini_status st, int line,
    const char *hint, const char *fmt, ...)
{
	va_list	 ap;

	if (ini->status != ALEMBIC_INI_OK)
		return ini->status;
	va_start(ap, fmt);
	if (diag_addv(ini->diags, RULE_PARSE_ERROR, RULE_SEV_ERROR, ini->path,
	    line, hint, fmt, ap) == NULL)
		st = ALEMBIC_INI_NOMEM;
	va_end(ap);
	ini->status = st;
	return st;
}

static enum alembic_ini_status
ini_nomem(struct ini *ini)
{
	if (ini->status == ALEMBIC_INI_OK)
		ini->status = ALEMBIC_INI_NOMEM;
	return ini->status;
}

/* A pusher's name made safe for a message: printable ASCII, cut short. */
static void
printable(char *dst, size_t cap, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && i + 4 < cap; i++)
		dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (i < n) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
}

/* 1 when [p, e) is UTF-8 that Python's strict decoder accepts. */
static int
utf8_valid(const unsigned char *p, const unsigned char *e)
{
	size_t	 n, i;
	unsigned char lo, hi;

	while (p < e) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 1;
		else if (*p >= 0xe0 && *p <= 0xef) {
			n = 2;
			if (*p == 0xe0)
				lo = 0xa0;
			else if (*p == 0xed)
				hi = 0x9f;	/* no surrogates */
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3;
			if (*p == 0xf0)
				lo = 0x90;
			else if (*p == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		if ((size_t)(e - p) <= n || p[1] < lo || p[1] > hi)
			return 0;
		for (i = 2; i <= n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += n + 1;
	}
	return 1;
}

/* Bytes of the str.isspace() character at p (valid UTF-8), or 0. */
static size_t
ws_len(const unsigned char *p, const unsigned char *e)
{
	if ((*p >= 0x09 && *p <= 0x0d) || (*p >= 0x1c && *p <= 0x20))
		return 1;
	if (*p == 0xc2 && e - p >= 2 && (p[1] == 0x85 || p[1] == 0xa0))
		return 2;
	if (e - p < 3)
		return 0;
	if ((p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80) ||
	    (p[0] == 0xe2 && p[1] == 0x80 && (p[2] <= 0x8a || p[2] == 0xa8 ||
	    p[2] == 0xa9 || p[2] == 0xaf)) ||
	    (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f) ||
	    (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80))
		return 3;
	return 0;
}

/* Bytes of the whitespace character that ends at e (after s), or 0. */
static size_t
ws_rlen(const unsigned char *s, const unsigned char *e)
{
	const unsigned char	*t = e - 1;

	while (t > s && (*t & 0xc0) == 0x80 && e - t < 4)
		t--;
	return ws_len(t, e) == (size_t)(e - t) ? (size_t)(e - t) : 0;
}

static const char *
rstrip(const char *s, const char *e)
{
	size_t	 k;

	while (e > s && (k = ws_rlen((const unsigned char *)s,
	    (const unsigned char *)e)) > 0)
		e -= k;
	return e;
}

static uint64_t
slot_hash(int sect, const char *k, size_t n)
{
	uint64_t	 h = 14695981039346656037ULL;
	size_t		 i;

	h = (h ^ (uint64_t)(uint32_t)sect) * 1099511628211ULL;
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 1099511628211ULL;
	return h;
}

static int
slot_is(const struct ini *ini, const struct ini_slot *sl, int sect,
    const char *k, size_t n)
{
	const struct ini_sect	*s;
	const struct ini_opt	*o;

	if (!sl->used || sl->sect != sect)
		return 0;
	if (sect == SLOT_SECTION) {
		s = &ini->sects[sl->idx];
		return s->nlen == n && memcmp(s->name, k, n) == 0;
	}
	o = &ini->sects[sect].opts[sl->idx];
	return o->klen == n && memcmp(o->key, k, n) == 0;
}

/* The slot holding (sect, k), or the empty slot where it would go. */
static struct ini_slot *
slot_find(struct ini *ini, int sect, const char *k, size_t n)
{
	size_t	 i = (size_t)slot_hash(sect, k, n) & (ini->nslots - 1);

	while (ini->slots[i].used && !slot_is(ini, &ini->slots[i], sect, k, n))
		i = (i + 1) & (ini->nslots - 1);
	return &ini->slots[i];
}

static int
slot_add(struct ini *ini, int sect, const char *k, size_t n, size_t idx)
{
	struct ini_slot	*old = ini->slots, *sl;
	size_t		 oldn = ini->nslots, i;
	const char	*name;
	size_t		 len;

	if ((ini->used + 1) * 2 > ini->nslots) {
		ini->nslots = oldn ? oldn * 2 : 64;
		if ((ini->slots = calloc(ini->nslots, sizeof(*sl))) == NULL) {
			ini->slots = old;
			ini->nslots = oldn;
			return -1;
		}
		for (i = 0; i < oldn; i++) {
			if (!old[i].used)
				continue;
			if (old[i].sect == SLOT_SECTION) {
				name = ini->sects[old[i].idx].name;
				len = ini->sects[old[i].idx].nlen;
			} else {
				name = ini->sects[old[i].sect].opts[old[i].idx].key;
				len = ini->sects[old[i].sect].opts[old[i].idx].klen;
			}
			*slot_find(ini, old[i].sect, name, len) = old[i];
		}
		free(old);
	}
	sl = slot_find(ini, sect, k, n);
	sl->sect = sect;
	sl->idx = idx;
	sl->used = 1;
	ini->used++;
	return 0;
}

static int
sect_add(struct ini *ini, const char *name, size_t n)
{
	struct ini_sect	*v;

	if (xgrow(&ini->sects, &ini->cap, ini->n + 1, sizeof(*v)) == -1)
		return -1;
	v = &ini->sects[ini->n];
	memset(v, 0, sizeof(*v));
	if ((v->name = xstrndup(name, n)) == NULL)
		return -1;
	v->nlen = n;
	if (ini->n > SECT_DEFAULT && slot_add(ini, SLOT_SECTION, name, n,
	    ini->n) == -1) {
		free(v->name);
		return -1;
	}
	return (int)ini->n++;
}

/* Index of the option key (already lower-cased) in sect, or -1. */
static long
opt_find(struct ini *ini, int sect, const char *key, size_t n)
{
	struct ini_slot	*sl = slot_find(ini, sect, key, n);

	return sl->used ? (long)sl->idx : -1;
}

static long
opt_add(struct ini *ini, int sect, const char *key, size_t n, int line)
{
	struct ini_sect	*s = &ini->sects[sect];
	struct ini_opt	*v;

	if (xgrow(&s->opts, &s->cap, s->n + 1, sizeof(*v)) == -1)
		return -1;
	v = &s->opts[s->n];
	memset(v, 0, sizeof(*v));
	if ((v->key = xstrndup(key, n)) == NULL)
		return -1;
	v->klen = n;
	v->line = line;
	if (slot_add(ini, sect, key, n, s->n) == -1) {
		free(v->key);
		return -1;
	}
	return (long)s->n++;
}

static void
ini_clear(struct ini *ini)
{
	size_t	 i, j;

	for (i = 0; i < ini->n; i++) {
		for (j = 0; j < ini->sects[i].n; j++) {
			free(ini->sects[i].opts[j].key);
			buf_clear(&ini->sects[i].opts[j].value);
		}
		free(ini->sects[i].opts);
		free(ini->sects[i].name);
	}
	free(ini->sects);
	free(ini->slots);
}

/*
 * optionxform (str.lower) of a name: 0, -1 out of memory, or 1 when a
 * non-ASCII character is left (of all of them only U+212A, the Kelvin
 * sign, lower-cases to ASCII).
 */
static int
fold_name(struct buf *name, const char *p, const char *q)
{
	char	 c;

	name->len = 0;
	if (buf_append(name, "", 0) == -1)
		return -1;
	while (p < q) {
		if (q - p >= 3 && memcmp(p, "\xe2\x84\xaa", 3) == 0) {
			c = 'k';
			p += 3;
		} else if ((unsigned char)*p >= 0x80)
			return 1;	/* cannot name an (ASCII) option */
		else {
			c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') :
			    *p;
			p++;
		}
		if (buf_append(name, &c, 1) == -1)
			return -1;
	}
	return 0;
}

/* One `key = value` line in section sect (configparser's OPTCRE). */
static enum alembic_ini_status
parse_option(struct ini *ini, int sect, const char *s, const char *e,
    int line, long *opt, int *bad_line)
{
	const char	*d, *ke;
	struct buf	 folded = BUF_INIT;
	char		*key, kname[48], sname[48];
	size_t		 klen, k;
	long		 idx;
	int		 rv;

	for (d = s; d < e && *d != '=' && *d != ':'; d++)
		;
	if (d == e) {
		/* ParsingError, raised at the end; the option stays open. */
		if (*bad_line == 0)
			*bad_line = line;
		return ALEMBIC_INI_OK;
	}
	ke = rstrip(s, d);
	klen = (size_t)(ke - s);
	if (klen == 0 && *bad_line == 0)
		*bad_line = line;
	if ((rv = fold_name(&folded, s, s + klen)) == -1) {
		buf_clear(&folded);
		return ini_nomem(ini);
	}
	if (rv == 1) {
		buf_clear(&folded);
		return ini_fail(ini, ALEMBIC_INI_UNSUPPORTED, line,
		    "use ASCII option names", "option name has non-ASCII "
		    "characters, which Python's configparser case-folds "
		    "by Unicode rules revguard does not follow");
	}
	key = folded.data;
	klen = folded.len;
	idx = opt_find(ini, sect, key, klen);
	if (idx >= 0 && ini->sects[sect].opts[idx].from_file) {
		buf_clear(&folded);
		printable(kname, sizeof(kname), s, (size_t)(ke - s));
		printable(sname, sizeof(sname), ini->sects[sect].name,
		    ini->sects[sect].nlen);
		return ini_fail(ini, ALEMBIC_INI_SYNTAX, line, "remove one of "
		    "the two; Python's configparser refuses the file, so "
		    "Alembic cannot run", "option `%s` is repeated in "
		    "section [%s] (first on line %d)", kname, sname,
		    ini->sects[sect].opts[idx].line);
	}
	idx = idx < 0 ? opt_add(ini, sect, key, klen, line) : idx;
	buf_clear(&folded);
	if (idx < 0)
		return ini_nomem(ini);
	d++;
	while (d < e && (k = ws_len((const unsigned char *)d,
	    (const unsigned char *)e)) > 0)
		d += k;
	ini->sects[sect].opts[idx].from_file = 1;
	ini->sects[sect].opts[idx].line = line;
	ini->sects[sect].opts[idx].value.len = 0;
	if (buf_append(&ini->sects[sect].opts[idx].value, d,
	    (size_t)(e - d)) == -1)
		return ini_nomem(ini);
	*opt = klen > 0 ? idx : -1;	/* an empty name takes no continuation */
	return ALEMBIC_INI_OK;
}

/* configparser's RawConfigParser._read, line by line. */
static enum alembic_ini_status
ini_parse(struct ini *ini, const char *data, size_t len)
{
	const char	*p = data, *end = data + len, *eol, *s, *e, *q;
	size_t		 indent, indent_level = 0, k;
	int		 line = 0, sect = -1, bad_line = 0;
	long		 opt = -1;
	char		 name[48];
	struct buf	*v;

	while (p < end) {
		line++;
		for (eol = p; eol < end && *eol != '\n' && *eol != '\r'; eol++)
			;
		s = p;
		e = eol;
		p = eol < end ? eol + 1 : end;
		if (eol < end && *eol == '\r' && p < end && *p == '\n')
			p++;
		if (!utf8_valid((const unsigned char *)s,
		    (const unsigned char *)e))
			return ini_fail(ini, ALEMBIC_INI_SYNTAX, line, "save "
			    "the file as UTF-8", "the line is not valid UTF-8; "
			    "Python cannot decode the file, so Alembic cannot "
			    "run");
		for (indent = 0; s < e && (k = ws_len((const unsigned char *)s,
		    (const unsigned char *)e)) > 0; indent++)
			s += k;
		e = rstrip(s, e);
		if (s < e && (*s == '#' || *s == ';'))
			continue;
		if (s == e) {
			/* empty_lines_in_values: an empty line joins the value */
			if (sect >= 0 && opt >= 0 && buf_append(
			    &ini->sects[sect].opts[opt].value, "\n", 1) == -1)
				return ini_nomem(ini);
			continue;
		}
		if (sect >= 0 && opt >= 0 && indent > indent_level) {
			v = &ini->sects[sect].opts[opt].value;
			if (buf_append(v, "\n", 1) == -1 ||
			    buf_append(v, s, (size_t)(e - s)) == -1)
				return ini_nomem(ini);
			continue;
		}
		indent_level = indent;
		/* `\[(?P<header>.+)\]` matches up to the last `]`. */
		for (q = e - 1; *s == '[' && q > s + 1 && *q != ']'; q--)
			;
		if (*s == '[' && q > s + 1) {
			opt = -1;
			k = (size_t)(q - s - 1);
			if (k == 7 && memcmp(s + 1, "DEFAULT", 7) == 0) {
				sect = SECT_DEFAULT;
				continue;
			}
			if (slot_find(ini, SLOT_SECTION, s + 1, k)->used) {
				printable(name, sizeof(name), s + 1, k);
				return ini_fail(ini, ALEMBIC_INI_SYNTAX, line,
				    "merge the two sections; Python's "
				    "configparser refuses the file, so Alembic "
				    "cannot run", "section [%s] is repeated",
				    name);
			}
			if ((sect = sect_add(ini, s + 1, k)) < 0)
				return ini_nomem(ini);
			continue;
		}
		if (sect < 0)
			return ini_fail(ini, ALEMBIC_INI_SYNTAX, line, "start "
			    "the file with a section header such as [alembic]",
			    "text before the first section header");
		if (parse_option(ini, sect, s, e, line, &opt, &bad_line) !=
		    ALEMBIC_INI_OK)
			return ini->status;
	}
	/* _join_multiline_values: strip what empty lines left at the end. */
	for (k = 0; k < ini->n; k++) {
		size_t	 j;

		for (j = 0; j < ini->sects[k].n; j++) {
			v = &ini->sects[k].opts[j].value;
			if (!ini->sects[k].opts[j].from_file)
				continue;	/* `here` is a str, not a list */
			v->len = (size_t)(rstrip(v->data, v->data + v->len) -
			    v->data);
			v->data[v->len] = '\0';
		}
	}
	if (bad_line > 0)
		return ini_fail(ini, ALEMBIC_INI_SYNTAX, bad_line, "write "
		    "`name = value`, indent continuation lines, or start "
		    "comments with # or ;", "the line is neither a section "
		    "header, an option with a name, a continuation nor a "
		    "comment; Python's configparser refuses the file");
	return ALEMBIC_INI_OK;
}

static int
interp_append(struct interp *st, const char *s, size_t n)
{
	if (st->out->len + n > INI_EXPAND_MAX)
		return -2;
	return buf_append(st->out, s, n);
}

/*
 * BasicInterpolation._interpolate_some: 0, -1 out of memory, or -2
 * (*why says why when it is not the size limit).
 */
static int
interp(struct interp *st, const char *v, size_t n, int depth,
    const char **why)
{
	const char	*p, *q, *val;
	struct ini_opt	*o;
	long		 idx;
	int		 rv;

	if (depth > INI_DEPTH_MAX) {
		*why = "references are nested more than 10 deep";
		return -2;
	}
	while (n > 0) {
		if ((p = memchr(v, '%', n)) == NULL)
			return interp_append(st, v, n);
		if ((rv = interp_append(st, v, (size_t)(p - v))) != 0)
			return rv;
		n -= (size_t)(p - v);
		v = p;
		if (n >= 2 && v[1] == '%') {
			if ((rv = interp_append(st, "%", 1)) != 0)
				return rv;
			v += 2;
			n -= 2;
			continue;
		}
		if (n < 2 || v[1] != '(') {
			*why = "'%' must be followed by '%' or '('";
			return -2;
		}
		q = memchr(v + 2, ')', n - 2);
		if (q == NULL || q == v + 2 || (size_t)(q - v) + 1 >= n ||
		    q[1] != 's') {
			*why = "bad %(name)s reference";
			return -2;
		}
		if (++st->steps > INI_STEPS_MAX) {
			*why = "too many references to expand";
			return -2;
		}
		if ((rv = fold_name(&st->name, v + 2, q)) == -1)
			return -1;
		o = NULL;
		if (rv == 0) {
			if ((idx = opt_find(st->ini, st->sect, st->name.data,
			    st->name.len)) >= 0)
				o = &st->ini->sects[st->sect].opts[idx];
			else if ((idx = opt_find(st->ini, SECT_DEFAULT,
			    st->name.data, st->name.len)) >= 0)
				o = &st->ini->sects[SECT_DEFAULT].opts[idx];
		}
		if (o == NULL) {
			*why = "a %(name)s reference names no option";
			return -2;
		}
		val = o->value.data ? o->value.data : "";
		if (memchr(val, '%', o->value.len) != NULL)
			rv = interp(st, val, o->value.len, depth + 1, why);
		else
			rv = interp_append(st, val, o->value.len);
		if (rv != 0)
			return rv;
		n -= (size_t)(q + 2 - v);
		v = q + 2;
	}
	return 0;
}

/*
 * ConfigParser.get(section, key) with interpolation: 1 when the key is
 * in neither the section nor DEFAULT, 0 with *out filled, or -1.
 */
static int
ini_get(struct ini *ini, int sect, const char *key, size_t klen,
    struct buf *out, int *line)
{
	struct interp	 st = { ini, sect, 0, out, BUF_INIT };
	struct ini_opt	*o;
	const char	*why = NULL;
	char		 name[48];
	long		 idx;
	int		 rv;

	out->len = 0;
	if (buf_append(out, "", 0) == -1)
		return ini_nomem(ini), -1;
	if ((idx = opt_find(ini, sect, key, klen)) >= 0)
		o = &ini->sects[sect].opts[idx];
	else if ((idx = opt_find(ini, SECT_DEFAULT, key, klen)) >= 0)
		o = &ini->sects[SECT_DEFAULT].opts[idx];
	else
		return 1;
	*line = o->line;
	rv = interp(&st, o->value.data ? o->value.data : "", o->value.len, 1,
	    &why);
	buf_clear(&st.name);
	if (rv == -1)
		return ini_nomem(ini), -1;
	if (rv == -2) {
		printable(name, sizeof(name), key, klen);
		ini_fail(ini, ALEMBIC_INI_ALEMBIC, o->line, "write a literal "
		    "%% as %%%%, and refer only to options of the same section "
		    "or [DEFAULT]", "cannot interpolate option `%s`: %s; "
		    "Alembic stops here", name, why ? why : "the value "
		    "expands to more than 1 MiB");
		return -1;
	}
	return 0;
}

/* int(s) in Python, for ASCII digits (anything else is refused). */
static int
py_int_ok(const char *s, size_t n)
{
	const char	*e = rstrip(s, s + n), *p = s;
	size_t		 k;
	int		 digits = 0;

	while (p < e && (k = ws_len((const unsigned char *)p,
	    (const unsigned char *)e)) > 0)
		p += k;
	if (p < e && (*p == '+' || *p == '-'))
		p++;
	for (; p < e; p++) {
		if (*p >= '0' && *p <= '9')
			digits = 1;
		else if (*p == '_' && digits && p + 1 < e && p[1] >= '0' &&
		    p[1] <= '9')
			;
		else
			return 0;
	}
	return digits;
}

/*
 * Where Alembic's os.path.abspath(loc) lands, relative to the repository
 * root, with the ini's directory as the working directory.
 */
static enum alembic_ini_status
resolve(struct ini *ini, const char *dir, const char *loc, size_t n,
    const char *suffix, int line, const char *key, char **out)
{
	struct buf	 full = BUF_INIT;
	struct strvec	 parts = STRVEC_INIT;
	const char	*c, *hint = "use a path inside the repository, "
			    "relative to the ini file or under %(here)s, or "
			    "set versions_path in the revguard configuration";
	char		 mark[3] = { '/', HERE_MARK, '\0' }, name[48];
	size_t		 m, i;
	enum alembic_ini_status st = ALEMBIC_INI_OK;

	*out = NULL;
	if (memchr(loc, '\0', n) != NULL)
		return ini_fail(ini, ALEMBIC_INI_UNSUPPORTED, line, hint,
		    "%s has a NUL character", key);
	if (loc[0] != '/' && memchr(loc, ':', n) != NULL) {
		printable(name, sizeof(name), loc, n);
		return ini_fail(ini, ALEMBIC_INI_UNSUPPORTED, line, hint,
		    "%s `%s` is a package resource, which cannot be "
		    "resolved without Python", key, name);
	}
	if (n == 0 || loc[0] != '/') {
		if (buf_append(&full, mark, 2) == -1 ||
		    (dir[0] != '\0' && (buf_append(&full, "/", 1) == -1 ||
		    buf_append(&full, dir, strlen(dir)) == -1)) ||
		    buf_append(&full, "/", 1) == -1)
			goto nomem;
	}
	if (buf_append(&full, loc, n) == -1 || (suffix != NULL &&
	    (buf_append(&full, "/", 1) == -1 ||
	    buf_append(&full, suffix, strlen(suffix)) == -1)))
		goto nomem;
	for (m = 0, i = 0; i < full.len; i++)
		m += full.data[i] == HERE_MARK;
	if (m != 1 || memcmp(full.data, mark, 2) != 0 ||
	    (full.data[2] != '/' && full.data[2] != '\0')) {
		st = ini_fail(ini, ALEMBIC_INI_UNSUPPORTED, line, hint, m == 0 ?
		    "%s is an absolute path outside the repository" :
		    "%s uses %%(here)s inside a path, which depends on where "
		    "the repository is checked out", key);
		goto done;
	}
	/* posixpath.normpath: "..", "." and empty components, lexically. */
	for (c = full.data + 1; *c != '\0'; c += *c == '/') {
		m = strcspn(c, "/");
		if (m == 0 || (m == 1 && c[0] == '.'))
			;
		else if (m == 2 && c[0] == '.' && c[1] == '.') {
			if (parts.len > 0)
				free(parts.items[--parts.len]);
		} else if (strvec_pushn(&parts, c, m) == -1)
			goto nomem;
		c += m;
	}
	if (parts.len == 0 || strcmp(parts.items[0], mark + 1) != 0) {
		st = ini_fail(ini, ALEMBIC_INI_UNSUPPORTED, line, hint,
		    "%s leaves the repository", key);
		goto done;
	}
	free(parts.items[0]);
	memmove(parts.items, parts.items + 1, --parts.len * sizeof(char *));
	if ((*out = strvec_join(&parts, "/")) == NULL)
		goto nomem;
	goto done;
nomem:
	st = ini_nomem(ini);
done:
	buf_clear(&full);
	strvec_clear(&parts);
	return st;
}

static enum alembic_ini_status
add_dir(struct ini *ini, struct strvec *out, const char *dir, const char *loc,
    size_t n, const char *suffix, int line, const char *key)
{
	char	*path;

	if (resolve(ini, dir, loc, n, suffix, line, key, &path) !=
	    ALEMBIC_INI_OK)
		return ini->status;
	/* Alembic loads a file twice only once ("loaded twice! ignoring"). */
	if (strvec_contains(out, path)) {
		free(path);
		return ALEMBIC_INI_OK;
	}
	if (strvec_push_owned(out, path) == -1)
		return ini_nomem(ini);
	return ALEMBIC_INI_OK;
}

/* The legacy split, re.split(r", *|(?: +)", s): empty pieces are kept. */
static enum alembic_ini_status
split_legacy(struct ini *ini, const char *s, size_t n, struct strvec *out)
{
	size_t	 i = 0, start = 0;

	for (;;) {
		if (i < n && s[i] != ',' && s[i] != ' ') {
			i++;
			continue;
		}
		if (strvec_pushn(out, s + start, i - start) == -1)
			return ini_nomem(ini);
		if (i == n)
			return ALEMBIC_INI_OK;
		if (s[i] == ',')
			i++;
		while (i < n && s[i] == ' ')
			i++;
		start = i;
	}
}

/* str.split(c) without the empty pieces. */
static enum alembic_ini_status
split_char(struct ini *ini, const char *s, size_t n, char c,
    struct strvec *out)
{
	size_t	 i, start = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != c)
			continue;
		if (i > start && strvec_pushn(out, s + start, i - start) == -1)
			return ini_nomem(ini);
		start = i + 1;
	}
	return ALEMBIC_INI_OK;
}

#define GET(sect, key, out, line) \
	ini_get(ini, (sect), (key), sizeof(key) - 1, (out), (line))

/* 1 when s (n bytes) is the literal lit. */
static int
is(const struct buf *b, const char *lit)
{
	return b->len == strlen(lit) && memcmp(b->data, lit, b->len) == 0;
}

/* The options ScriptDirectory.from_config reads, in its order. */
static enum alembic_ini_status
read_alembic(struct ini *ini, const char *dir, struct strvec *out)
{
	static const char *const others[] = { "file_template",
	    "sourceless", "output_encoding", "timezone" };
	struct buf	 script = BUF_INIT, vers = BUF_INIT, sep = BUF_INIT;
	struct buf	 tmp = BUF_INIT;
	struct strvec	 locs = STRVEC_INIT;
	struct ini_slot	*sl;
	struct ini_opt	*o;
	char		*unused = NULL;
	int		 sect, hooks, script_line = 0, vers_line = 0, line;
	int		 sep_line = 0, rv, sepc = 0;
	size_t		 i;

	sl = slot_find(ini, SLOT_SECTION, "alembic", 7);
	if (!sl->used)
		return ini_fail(ini, ALEMBIC_INI_ALEMBIC, 0, "add an [alembic] "
		    "section with script_location, or set versions_path in "
		    "the revguard configuration", "no [alembic] section");
	sect = (int)sl->idx;
	if ((rv = GET(sect, "script_location", &script, &script_line)) == 1)
		ini_fail(ini, ALEMBIC_INI_ALEMBIC, 0, "add script_location to "
		    "the [alembic] section, or set versions_path in the "
		    "revguard configuration", "no script_location in the "
		    "[alembic] section");
	if (rv != 0)
		goto done;
	if ((rv = GET(sect, "truncate_slug_length", &tmp, &line)) == -1)
		goto done;
	if (rv == 0 && !py_int_ok(tmp.data, tmp.len)) {
		ini_fail(ini, ALEMBIC_INI_ALEMBIC, line, "give a whole number "
		    "in ASCII digits", "truncate_slug_length is not an "
		    "integer; Alembic stops here");
		goto done;
	}
	if ((rv = GET(sect, "version_locations", &vers, &vers_line)) == -1)
		goto done;
	if (rv == 0 && vers.len > 0) {
		if ((rv = GET(sect, "version_path_separator", &sep,
		    &sep_line)) == -1)
			goto done;
		if (rv == 1)
			sepc = 0;	/* legacy: spaces and commas */
		else if (is(&sep, "space"))
			sepc = ' ';
		else if (is(&sep, "os") || is(&sep, ":"))
			sepc = ':';
		else if (is(&sep, ";"))
			sepc = ';';
		else {
			ini_fail(ini, ALEMBIC_INI_ALEMBIC, sep_line, "use "
			    "space, os, : or ; (Alembic 1.8)", "unknown "
			    "version_path_separator; Alembic stops here");
			goto done;
		}
		if ((sepc == 0 ? split_legacy(ini, vers.data, vers.len,
		    &locs) : split_char(ini, vers.data, vers.len, (char)sepc,
		    &locs)) != ALEMBIC_INI_OK)
			goto done;
	}
	if (GET(sect, "prepend_sys_path", &tmp, &line) == -1)
		goto done;
	/* ScriptDirectory(coerce_resource_to_filename(script_location), */
	if (memchr(script.data, '\0', script.len) != NULL ||
	    (script.data[0] != '/' && memchr(script.data, ':',
	    script.len) != NULL)) {
		resolve(ini, dir, script.data, script.len, NULL, script_line,
		    "script_location", &unused);
		goto done;
	}
	/* file_template=..., hook_config=get_section("post_write_hooks")) */
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		if ((rv = ini_get(ini, sect, others[i], strlen(others[i]),
		    &tmp, &line)) == -1)
			goto done;
		/* Alembic then runs compiled .pyc files: no source to read. */
		if (rv == 0 && i == 1 && is(&tmp, "true")) {
			ini_fail(ini, ALEMBIC_INI_UNSUPPORTED, line, "remove "
			    "it and commit the .py sources", "sourceless = "
			    "true: Alembic runs compiled .pyc migrations, "
			    "which revguard cannot read");
			goto done;
		}
	}
	/* Alembic 1.10 and later also read the sub-directories of each
	 * version location; revguard reads them as 1.8.1 does. */
	if ((rv = GET(sect, "recursive_version_locations", &tmp,
	    &line)) == -1)
		goto done;
	if (rv == 0 && is(&tmp, "true")) {
		ini_fail(ini, ALEMBIC_INI_UNSUPPORTED, line, "list each "
		    "directory in version_locations instead", "recursive_"
		    "version_locations = true: Alembic 1.10+ then runs "
		    "migrations in sub-directories, which revguard (following "
		    "Alembic 1.8.1) does not read");
		goto done;
	}
	sl = slot_find(ini, SLOT_SECTION, "post_write_hooks", 16);
	if (sl->used) {
		hooks = (int)sl->idx;
		for (i = 0; i < ini->sects[SECT_DEFAULT].n; i++) {
			o = &ini->sects[SECT_DEFAULT].opts[i];
			if (ini_get(ini, hooks, o->key, o->klen, &tmp,
			    &line) == -1)
				goto done;
		}
		for (i = 0; i < ini->sects[hooks].n; i++) {
			o = &ini->sects[hooks].opts[i];
			if (ini_get(ini, hooks, o->key, o->klen, &tmp,
			    &line) == -1)
				goto done;
		}
	}
	/* ScriptDirectory.__init__: os.access(dir, os.F_OK) */
	if (script.len == 0) {
		ini_fail(ini, ALEMBIC_INI_ALEMBIC, script_line, "give the "
		    "directory that holds env.py and versions/",
		    "script_location is empty; Alembic stops with \"Path "
		    "doesn't exist\"");
		goto done;
	}
	if (locs.len == 0) {
		add_dir(ini, out, dir, script.data, script.len, "versions",
		    script_line, "script_location");
		goto done;
	}
	if (memchr(vers.data, '\0', vers.len) != NULL) {
		ini_fail(ini, ALEMBIC_INI_UNSUPPORTED, vers_line, "remove it",
		    "version_locations has a NUL character");
		goto done;
	}
	for (i = 0; i < locs.len; i++)
		if (add_dir(ini, out, dir, locs.items[i],
		    strlen(locs.items[i]), NULL, vers_line,
		    "version_locations") != ALEMBIC_INI_OK)
			goto done;
done:
	free(unused);
	buf_clear(&script);
	buf_clear(&vers);
	buf_clear(&sep);
	buf_clear(&tmp);
	strvec_clear(&locs);
	return ini->status;
}

enum alembic_ini_status
alembic_ini_read(const char *ini_path, const char *data, size_t len,
    struct strvec *out, struct diag_list *diags)
{
	struct ini	 ini;
	char		*dir = NULL, *here = NULL;
	long		 idx;
	enum alembic_ini_status st;

	memset(&ini, 0, sizeof(ini));
	ini.path = ini_path;
	ini.diags = diags;
	if ((dir = strdup(ini_path)) == NULL)
		return ALEMBIC_INI_NOMEM;
	*(char *)path_basename(dir) = '\0';
	if (dir[0] != '\0')
		dir[strlen(dir) - 1] = '\0';
	/* ConfigParser({"here": os.path.abspath(os.path.dirname(ini))}) */
	here = xasprintf("/%c%s%s", HERE_MARK, dir[0] ? "/" : "", dir);
	if (here == NULL || sect_add(&ini, "DEFAULT", 7) < 0 ||
	    (idx = opt_add(&ini, SECT_DEFAULT, "here", 4, 0)) < 0 ||
	    buf_append(&ini.sects[SECT_DEFAULT].opts[idx].value, here,
	    strlen(here)) == -1) {
		st = ALEMBIC_INI_NOMEM;
		goto done;
	}
	if ((st = ini_parse(&ini, data, len)) == ALEMBIC_INI_OK)
		st = read_alembic(&ini, dir, out);
done:
	if (st != ALEMBIC_INI_OK)
		strvec_clear(out);
	ini_clear(&ini);
	free(here);
	free(dir);
	return st;
}

int
alembic_ini_versions(const char *ini_path, const char *data, size_t len,
    struct strvec *out, struct diag_list *diags)
{
	return alembic_ini_read(ini_path, data, len, out, diags) ==
	    ALEMBIC_INI_OK ? 0 : -1;
}
