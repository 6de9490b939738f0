/*
 * api.c: the HTTP endpoint's request targets, read without I/O (see
 * api.h).  Everything here is bounded by the target's length, which
 * the HTTP adapter caps (http.max_request_bytes); every parameter is
 * checked before it reaches the store or the object database, and an
 * error names the parameter, not the value, for a repository.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/api.h"
#include "revguard/diag.h"

#define API_PREFIX	"/api/v1/"

static int __attribute__((format(printf, 4, 5)))
api_fail(struct api_error *e, int status, const char *code,
    const char *fmt, ...)
{
	va_list	 ap;

	e->status = status;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
api_decode(const char *s, size_t len, int plus)
{
	char	*out, *o;
	size_t	 i;
	int	 hi, lo;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < len; i++) {
		if (s[i] == '%') {
			if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0 || (hi | lo) == 0)
				goto bad;
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '\0')
			goto bad;
		else
			*o++ = plus && s[i] == '+' ? ' ' : s[i];
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

int
api_check_repo(const char *p)
{
	const char	*c;
	size_t		 n;

	if (p[0] == '\0' || p[0] == '/' || strlen(p) > 4096)
		return -1;
	for (c = p; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '\\')
			return -1;
	for (c = p; ; c += n + 1) {
		n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return -1;
		if (c[n] == '\0')
			return 0;
	}
}

int
api_check_ref(const char *r)
{
	const char	*c;
	size_t		 n = strlen(r);

	if (n == 0 || n > API_MAX_REF || r[0] == '/' || r[n - 1] == '/' ||
	    r[n - 1] == '.' || strstr(r, "..") != NULL ||
	    strstr(r, "//") != NULL || strstr(r, "@{") != NULL ||
	    strcmp(r, "@") == 0 || strstr(r, "/.") != NULL || r[0] == '.' ||
	    (n >= 5 && strcmp(r + n - 5, ".lock") == 0) ||
	    strstr(r, ".lock/") != NULL)
		return -1;
	for (c = r; *c != '\0'; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f ||
		    strchr("~^:?*[\\", *c) != NULL)
			return -1;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long long
days_from_civil(long long y, int m, int d)
{
	long long	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* n digits at s into *out; -1 unless they are all digits. */
static int
digits(const char *s, int n, int *out)
{
	int	 i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
parse_age(const char *s, long long now_ms, long long *out)
{
	static const struct {
		char		 unit;
		long long	 ms;
	} units[] = {
		{ 's', 1000LL }, { 'm', 60000LL }, { 'h', 3600000LL },
		{ 'd', 86400000LL }, { 'w', 604800000LL }
	};
	long long	 n = 0;
	size_t		 i, len = strlen(s);

	if (len < 2 || len > 9)
		return -1;
	for (i = 0; i + 1 < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (s[len - 1] == units[i].unit) {
			*out = now_ms - n * units[i].ms;
			return 0;
		}
	return -1;
}

int
api_parse_time(const char *s, long long now_ms, long long *out)
{
	int		 y, mo, d, h = 0, mi = 0, sec = 0, oh, om, ms = 0, k;
	long long	 t, off = 0;
	size_t		 len = strlen(s);
	const char	*p;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };

	if (parse_age(s, now_ms, out) == 0)
		return 0;
	if (len < 10 || digits(s, 4, &y) == -1 || s[4] != '-' ||
	    digits(s + 5, 2, &mo) == -1 || s[7] != '-' ||
	    digits(s + 8, 2, &d) == -1 || y < 1970 || mo < 1 || mo > 12 ||
	    d < 1 || d > mdays[mo - 1])
		return -1;
	p = s + 10;
	if (*p != '\0') {
		if ((*p != 'T' && *p != 't' && *p != ' ') ||
		    digits(p + 1, 2, &h) == -1 || p[3] != ':' ||
		    digits(p + 4, 2, &mi) == -1 || p[6] != ':' ||
		    digits(p + 7, 2, &sec) == -1 || h > 23 || mi > 59 ||
		    sec > 60)
			return -1;
		p += 9;
		if (*p == '.') {
			for (p++, k = 0; *p >= '0' && *p <= '9'; p++, k++)
				if (k < 3)
					ms = ms * 10 + (*p - '0');
			if (k == 0)
				return -1;
			for (; k < 3; k++)
				ms *= 10;
		}
		if (*p == 'Z' || *p == 'z')
			p++;
		else if (*p == '+' || *p == '-') {
			if (digits(p + 1, 2, &oh) == -1 || p[3] != ':' ||
			    digits(p + 4, 2, &om) == -1 || oh > 23 || om > 59)
				return -1;
			off = (oh * 60LL + om) * 60000LL;
			if (*p == '+')
				off = -off;
			p += 6;
		} else
			return -1;
		if (*p != '\0')
			return -1;
	}
	t = days_from_civil(y, mo, d) * 86400000LL + h * 3600000LL +
	    mi * 60000LL + sec * 1000LL + ms + off;
	*out = t;
	return 0;
}

static const char *const verdicts[] = { "accept", "reject", "error",
	"fail-open", "fail-closed", "observe-reject", "bypass", NULL };

static int
one_of(const char *const *list, const char *v)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, v) == 0)
			return 1;
	return 0;
}

/* Reads one decoded parameter of the decisions query. */
static int
decisions_param(struct api_request *r, const char *key, char **vp,
    long long now_ms, struct api_error *e)
{
	char		*value = *vp;
	static const char *const modes[] = { "enforce", "observe", NULL };
	char		**slot = NULL;
	enum rule_id	 id;
	char		*end;
	long		 n;

	if (strcmp(key, "repo") == 0)
		slot = &r->repository;
	else if (strcmp(key, "ref") == 0) {
		if (api_check_ref(value) == -1)
			return api_fail(e, 400, "bad_parameter", "parameter "
			    "`ref` is not a valid ref name%s", "");
		slot = &r->ref;
	} else if (strcmp(key, "verdict") == 0) {
		if (!one_of(verdicts, value))
			return api_fail(e, 400, "bad_parameter", "parameter "
			    "`verdict` must be one of accept, reject, error, "
			    "fail-open, fail-closed, observe-reject, bypass%s",
			    "");
		slot = &r->verdict;
	} else if (strcmp(key, "rule") == 0) {
		if (rule_from_name(value, &id) == -1)
			return api_fail(e, 400, "bad_parameter", "parameter "
			    "`rule`: no rule is named `%.100s`", value);
		slot = &r->rule;
	} else if (strcmp(key, "pusher") == 0)
		slot = &r->pusher;
	else if (strcmp(key, "mode") == 0) {
		if (!one_of(modes, value))
			return api_fail(e, 400, "bad_parameter", "parameter "
			    "`mode` must be enforce or observe%s", "");
		slot = &r->mode;
	} else if (strcmp(key, "cursor") == 0) {
		for (end = value; *end != '\0'; end++)
			if ((unsigned char)*end <= 0x20 ||
			    (unsigned char)*end >= 0x7f)
				return api_fail(e, 400, "bad_parameter",
				    "parameter `cursor` is not a cursor this "
				    "endpoint gave%s", "");
		slot = &r->cursor;
	} else if (strcmp(key, "since") == 0 || strcmp(key, "until") == 0) {
		if (api_parse_time(value, now_ms, key[0] == 's' ?
		    &r->since_ms : &r->until_ms) == -1)
			return api_fail(e, 400, "bad_parameter", key[0] ==
			    's' ? "parameter `since` must be a time such as "
			    "2026-11-26T15:04:05Z, 2026-11-26 or an age such "
			    "as 1h or 30d%s" : "parameter `until` must be a "
			    "time such as 2026-11-26T15:04:05Z, 2026-11-26 or "
			    "an age such as 1h or 30d%s", "");
		if (key[0] == 's')
			r->has_since = 1;
		else
			r->has_until = 1;
		return 0;
	} else if (strcmp(key, "limit") == 0) {
		n = strtol(value, &end, 10);
		if (end == value || *end != '\0' || n < 1 ||
		    n > API_MAX_LIMIT)
			return api_fail(e, 400, "bad_parameter", "parameter "
			    "`limit` must be a whole number from 1 to 1000%s",
			    "");
		r->limit = (size_t)n;
		return 0;
	} else
		return api_fail(e, 400, "bad_parameter", "unknown parameter "
		    "`%.64s`", key);
	*slot = value;
	*vp = NULL;
	return 0;
}

/* The chain endpoints take ref= only; a short name is a branch. */
static int
chain_param(struct api_request *r, const char *key, char **vp,
    struct api_error *e)
{
	char	*full;

	if (strcmp(key, "ref") != 0)
		return api_fail(e, 400, "bad_parameter", "unknown parameter "
		    "`%.64s`", key);
	full = strncmp(*vp, "refs/", 5) == 0 ? strdup(*vp) :
	    malloc(strlen(*vp) + 12);
	if (full == NULL)
		return api_fail(e, 500, "internal", "out of memory%s", "");
	if (strncmp(*vp, "refs/", 5) != 0)
		snprintf(full, strlen(*vp) + 12, "refs/heads/%s", *vp);
	if (api_check_ref(full) == -1) {
		free(full);
		return api_fail(e, 400, "bad_parameter", "parameter `ref` is "
		    "not a valid ref name%s", "");
	}
	free(r->ref);
	r->ref = full;
	return 0;
}

/* Splits and reads the query string; each parameter at most once. */
static int
parse_query(struct api_request *r, const char *q, long long now_ms,
    struct api_error *e)
{
	char		 seen[API_MAX_PARAMS][16];
	char		*key, *value;
	const char	*amp, *eq;
	size_t		 n, nseen = 0, i;
	int		 rv;

	for (; q != NULL && *q != '\0'; q = *amp ? amp + 1 : amp) {
		amp = q + strcspn(q, "&");
		if (amp == q)
			continue;
		if (nseen == API_MAX_PARAMS)
			return api_fail(e, 400, "bad_request", "more than 16 "
			    "query parameters%s", "");
		eq = memchr(q, '=', (size_t)(amp - q));
		n = eq ? (size_t)(eq - q) : (size_t)(amp - q);
		if ((key = api_decode(q, n, 1)) == NULL)
			return api_fail(e, 400, "bad_request", "a query "
			    "parameter name has a bad %%-escape%s", "");
		if (strlen(key) >= sizeof(seen[0])) {
			free(key);
			return api_fail(e, 400, "bad_parameter", "unknown "
			    "parameter%s", "");
		}
		for (i = 0; i < nseen; i++)
			if (strcmp(seen[i], key) == 0) {
				api_fail(e, 400, "bad_parameter", "parameter "
				    "`%s` is given more than once", key);
				free(key);
				return -1;
			}
		snprintf(seen[nseen++], sizeof(seen[0]), "%s", key);
		if (eq != NULL && (size_t)(amp - eq - 1) > API_MAX_VALUE * 3) {
			api_fail(e, 400, "bad_parameter", "parameter `%s` is "
			    "too long", key);
			free(key);
			return -1;
		}
		value = eq ? api_decode(eq + 1, (size_t)(amp - eq - 1), 1) :
		    strdup("");
		if (value == NULL || strlen(value) > API_MAX_VALUE) {
			api_fail(e, 400, "bad_parameter", "parameter `%s` has "
			    "a bad %%-escape or is too long", key);
			free(value);
			free(key);
			return -1;
		}
		if (value[0] == '\0') {		/* as a form sends it */
			free(value);
			free(key);
			continue;
		}
		if (r->route == API_DECISIONS)
			rv = decisions_param(r, key, &value, now_ms, e);
		else if (r->route == API_CHAIN || r->route == API_CHAIN_DOT)
			rv = chain_param(r, key, &value, e);
		else
			rv = api_fail(e, 400, "bad_parameter", "unknown "
			    "parameter `%.64s`", key);
		free(value);
		free(key);
		if (rv == -1)
			return -1;
	}
	return 0;
}

int
api_parse(const char *target, long long now_ms, struct api_request *r,
    struct api_error *e)
{
	const char	*q = strchr(target, '?'), *rest, *end;
	size_t		 plen = q ? (size_t)(q - target) : strlen(target);
	size_t		 n;

	memset(r, 0, sizeof(*r));
	memset(e, 0, sizeof(*e));
	r->limit = API_DEFAULT_LIMIT;
	if (target[0] != '/')
		return api_fail(e, 400, "bad_request", "the request target "
		    "must be a path%s", "");
#define IS(s)	(plen == strlen(s) && strncmp(target, s, plen) == 0)
	if (IS("/") || IS("/index.html"))
		r->route = API_PAGE;
	else if (IS("/healthz"))
		r->route = API_HEALTHZ;
	else if (IS("/readyz"))
		r->route = API_READYZ;
	else if (IS("/metrics"))
		r->route = API_METRICS;
	else if (IS(API_PREFIX "decisions"))
		r->route = API_DECISIONS;
	else if (IS(API_PREFIX "repos"))
		r->route = API_REPOS;
	else if (plen > strlen(API_PREFIX "repos/") &&
	    strncmp(target, API_PREFIX "repos/",
	    strlen(API_PREFIX "repos/")) == 0) {
		rest = target + strlen(API_PREFIX "repos/");
		end = target + plen;
		if ((size_t)(end - rest) > strlen("/chain.dot") &&
		    strncmp(end - 10, "/chain.dot", 10) == 0) {
			r->route = API_CHAIN_DOT;
			n = (size_t)(end - 10 - rest);
		} else if ((size_t)(end - rest) > strlen("/chain") &&
		    strncmp(end - 6, "/chain", 6) == 0) {
			r->route = API_CHAIN;
			n = (size_t)(end - 6 - rest);
		} else
			return api_fail(e, 404, "not_found", "no such "
			    "endpoint%s", "");
		/* Never echoed: a 404 names no path. */
		if ((r->repo = api_decode(rest, n, 0)) == NULL ||
		    api_check_repo(r->repo) == -1)
			return api_fail(e, 404, "not_found", "no such "
			    "repository%s", "");
	} else
		return api_fail(e, 404, "not_found", "no such endpoint%s", "");
#undef IS
	if (q != NULL && parse_query(r, q + 1, now_ms, e) == -1)
		return -1;
	return 0;
}

void
api_request_clear(struct api_request *r)
{
	free(r->repo);
	free(r->ref);
	free(r->repository);
	free(r->verdict);
	free(r->rule);
	free(r->pusher);
	free(r->mode);
	free(r->cursor);
	memset(r, 0, sizeof(*r));
}
