/*
 * api: what an HTTP request to revguardd's endpoint asks, read from its
 * target (path and query string) alone.  Pure: the raw target in, a
 * route with checked, decoded parameters out, or the error to answer
 * (status, code and a message that names the bad parameter and never
 * echoes a repository path).  http.c does the I/O; this is what the
 * fuzz harness and the unit tests drive.  An api_request owns its
 * strings (api_request_clear).
 */
#ifndef REVGUARD_API_H
#define REVGUARD_API_H

#include <stddef.h>

/* Bounds on what a target may carry. */
#define API_MAX_PARAMS		16
#define API_MAX_VALUE		1024
#define API_MAX_REF		255
#define API_MAX_LIMIT		1000
#define API_DEFAULT_LIMIT	100

enum api_route {
	API_PAGE,		/* GET / */
	API_HEALTHZ,
	API_READYZ,
	API_METRICS,
	API_DECISIONS,		/* /api/v1/decisions */
	API_REPOS,		/* /api/v1/repos */
	API_CHAIN,		/* /api/v1/repos/{repo}/chain */
	API_CHAIN_DOT		/* /api/v1/repos/{repo}/chain.dot */
};

struct api_error {
	int		 status;	/* 400, 404 ... */
	const char	*code;		/* "bad_parameter", "not_found" ... */
	char		 message[256];
};

struct api_request {
	enum api_route	 route;
	/* chain: the repository, relative to a repo_root, and the ref
	 * (a full name; NULL: the default branch). */
	char		*repo;
	char		*ref;
	/* decisions: NULL or 0 do not filter (store.h's store_filter);
	 * the times only when has_since / has_until are set. */
	char		*repository;
	char		*verdict;
	char		*rule;
	char		*pusher;
	char		*mode;
	char		*cursor;
	long long	 since_ms, until_ms;
	int		 has_since, has_until;
	size_t		 limit;
};

/*
 * Reads a request target ("/api/v1/decisions?since=1h").  now_ms is the
 * wall clock, for relative times.  0, or -1 with e filled.
 */
int	 api_parse(const char *target, long long now_ms, struct api_request *,
	    struct api_error *e);
void	 api_request_clear(struct api_request *);
/*
 * A time: RFC 3339 (2026-11-26T15:04:05Z, fractions and +hh:mm allowed),
 * a date (2026-11-26, midnight UTC), or an age (90s, 15m, 1h, 30d, 2w)
 * before now_ms.  Milliseconds since the epoch in *out; -1 when bad.
 */
int	 api_parse_time(const char *, long long now_ms, long long *out);
/*
 * A repository path relative to a repo_root: not empty, not absolute,
 * no empty, `.` or `..` component, no control byte or backslash.
 */
int	 api_check_repo(const char *);
/* A ref name as git allows it (git check-ref-format), at most
 * API_MAX_REF bytes. */
int	 api_check_ref(const char *);
/* Decodes %XX (and + as space when plus) into a new string; NULL on a
 * bad escape or an encoded NUL. */
char	*api_decode(const char *s, size_t len, int plus);

#endif
