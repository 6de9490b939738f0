/*
 * store: the decision log.  Every answered push (and every push the hook
 * could not get checked, imported from its spool) becomes one
 * store_decision: who pushed what to which repository, the verdict per
 * ref and overall, every diagnostic, how long it took, and which daemon
 * and configuration decided it.  Backends implement store_ops: SQLite on
 * each node (store_sqlite.c, the default), PostgreSQL for a fleet
 * (store_pg.c), which a shipper fills from the node's SQLite log.  One
 * shared test suite runs against every backend.
 *
 * Ownership: a store_decision and a store_page own every string and
 * array in them (store_decision_clear / store_page_clear).  A store is
 * used by one thread at a time unless its backend says otherwise.
 */
#ifndef REVGUARD_STORE_H
#define REVGUARD_STORE_H

#include <jansson.h>
#include <stddef.h>

/* Overall and per-ref verdicts, as stored and as the API shows them. */
#define STORE_ACCEPT		"accept"
#define STORE_REJECT		"reject"
#define STORE_ERROR		"error"		/* the check could not run */
#define STORE_FAIL_OPEN		"fail-open"	/* unchecked, let through */
#define STORE_FAIL_CLOSED	"fail-closed"	/* unchecked, refused */
#define STORE_OBSERVE_REJECT	"observe-reject" /* would reject; observe */
#define STORE_BYPASS		"bypass"	/* would reject; waved */
#define STORE_SKIP		"skip"		/* per ref: nothing judged */

struct store_ref {
	char		*ref;
	char		*old_id;
	char		*new_id;
	char		*verdict;	/* STORE_* */
	char		*outcome;	/* push_outcome_name */
	char		*reason;	/* or NULL */
};

struct store_diag {
	size_t		 ref;		/* index into refs */
	char		*rule;
	char		*severity;	/* "error", "warning" */
	char		*file;		/* or NULL */
	int		 line;		/* 0: none */
	char		*revision;	/* or NULL */
	char		*message;
	int		 old;		/* debt the base already had */
};

struct store_decision {
	long long	 seq;		/* per node, assigned by store_put */
	char		*node;		/* host name of the deciding node */
	long long	 time_ms;	/* wall clock, ms since the epoch */
	char		*repository;
	char		*mode;		/* "enforce", "observe" */
	char		*source;	/* "daemon", "hook", "in-process" */
	char		*pusher;	/* the host's identity, or NULL */
	char		*pusher_env;	/* "NAME=value\n" lines, or NULL */
	char		*verdict;	/* overall, STORE_* */
	char		*error;		/* why unchecked, or NULL */
	char		*bypass_reason;	/* or NULL */
	long long	 duration_ms;
	char		*version;	/* PACKAGE_VERSION */
	char		*config_digest;	/* sha256 hex of the config */
	struct store_ref	*refs;
	size_t		 nrefs;
	struct store_diag	*diags;
	size_t		 ndiags;
};

/*
 * A query: NULL or 0 fields do not filter.  Newest first.  The times
 * filter only when has_since / has_until say so: the epoch itself is a
 * time a client may ask for (until=1970-01-01 matches nothing).
 */
struct store_filter {
	const char	*repository;
	const char	*ref;		/* any of the decision's refs */
	const char	*verdict;	/* overall */
	const char	*rule;		/* any of its diagnostics */
	const char	*pusher;
	const char	*mode;
	long long	 since_ms, until_ms;	/* [since, until) */
	int		 has_since, has_until;
	size_t		 limit;		/* 0: 100; at most 1000 */
	const char	*cursor;	/* from a previous page, or NULL */
};

struct store_page {
	struct store_decision	*decisions;
	size_t			 ndecisions;
	char			*next_cursor;	/* NULL: no more */
};

/* One row per repository seen. */
struct store_repo {
	char		*repository;
	long long	 last_time_ms;
	char		*last_verdict;
	unsigned long	 accept, reject, error, fail_open, fail_closed,
			 observe_reject, bypass;
};

struct store_repo_list {
	struct store_repo	*repos;
	size_t			 nrepos;
};

struct store;

struct store_ops {
	const char	*name;		/* "sqlite", "postgresql" */
	/* Durable before it returns (see the backend for how durable);
	 * fills d->seq when it is 0. */
	int	(*put)(struct store *, struct store_decision *d, char *err,
		    size_t errlen);
	int	(*query)(struct store *, const struct store_filter *,
		    struct store_page *, char *err, size_t errlen);
	int	(*repos)(struct store *, struct store_repo_list *, char *err,
		    size_t errlen);
	/* Deletes at most budget decisions older than max_age_ms or beyond
	 * max_rows (0: no limit); the number deleted, or -1. */
	long	(*prune)(struct store *, long long now_ms,
		    long long max_age_ms, long long max_rows, long budget,
		    char *err, size_t errlen);
	void	(*close)(struct store *);
};

struct store {
	const struct store_ops	*ops;
};

/* Creates the file and its schema if needed; synchronous=FULL. */
struct store	*store_sqlite_open(const char *path, char *err, size_t errlen);
/* STORE_SQLITE_READONLY: never creates or changes anything (the CLI);
 * STORE_SQLITE_NORMAL: synchronous=NORMAL (docs/decisions.md). */
#define STORE_SQLITE_READONLY	0x01
#define STORE_SQLITE_NORMAL	0x02
struct store	*store_sqlite_open_flags(const char *path, int flags,
		    char *err, size_t errlen);
struct store	*store_pg_open(const char *conninfo, char *err, size_t errlen);

int	 store_put(struct store *, struct store_decision *, char *err,
	    size_t errlen);
int	 store_query(struct store *, const struct store_filter *,
	    struct store_page *, char *err, size_t errlen);
int	 store_repos(struct store *, struct store_repo_list *, char *err,
	    size_t errlen);
long	 store_prune(struct store *, long long now_ms, long long max_age_ms,
	    long long max_rows, long budget, char *err, size_t errlen);
void	 store_close(struct store *);

void	 store_decision_clear(struct store_decision *);
/* A free-standing copy (every string duplicated); -1: out of memory. */
int	 store_decision_copy(struct store_decision *dst,
	    const struct store_decision *src);
/*
 * The opaque cursor after decision d: "<time_ms>.<seq>.<node in hex>",
 * which every backend orders the same way (time_ms, node, seq), newest
 * first.  NULL when memory ran out.
 */
char	*store_cursor_encode(const struct store_decision *d);
/* -1 (with a reason) for a cursor this revguard did not make; the node
 * is written to node (at most nodelen bytes with its NUL). */
int	 store_cursor_decode(const char *cursor, long long *time_ms,
	    long long *seq, char *node, size_t nodelen, char *err,
	    size_t errlen);
/* Page sizes: limit 0 means STORE_PAGE_DEFAULT; at most STORE_PAGE_MAX. */
#define STORE_PAGE_DEFAULT	100
#define STORE_PAGE_MAX		1000
size_t	 store_filter_limit(const struct store_filter *);
/* A decision as JSON (docs/decisions.md), with its cursor: for the CLI
 * and the API.  NULL when memory ran out. */
json_t	*store_decision_json(const struct store_decision *);
void	 store_page_clear(struct store_page *);
void	 store_repo_list_clear(struct store_repo_list *);

#endif
