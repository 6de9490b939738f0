/*
 * http: revguardd's read-only HTTP endpoint (libevent's evhttp): health,
 * readiness, Prometheus metrics, the decision log's API, live chain
 * analyses and the embedded page (docs/api.md).  Off unless http.listen
 * is set.  Requests are answered on the loop thread, except analyses of
 * the object database (a ref's chain, the debt of each repository),
 * which run on the endpoint's own worker pool so a slow one never
 * stalls the loop or takes a push's worker.  The endpoint owns its pool
 * and its listening socket; the daemon owns the store, the caches and
 * the configuration it lends.
 */
#ifndef REVGUARD_HTTP_H
#define REVGUARD_HTTP_H

#include <stddef.h>

#include "revguard/config.h"
#include "revguard/engine.h"
#include "revguard/odb.h"
#include "revguard/stats.h"

struct event_base;
struct store;

struct http_hooks {
	void	*ctx;
	/* The configuration now, kept valid until config_put (for a
	 * worker that outlives a SIGHUP). */
	const struct config *(*config_get)(void *ctx, void **ref);
	void	(*config_put)(void *ref);
	/* The counters with their gauges read now (loop thread). */
	struct daemon_stats *(*stats)(void *ctx);
};

struct http_opts {
	struct event_base	*base;
	const struct config	*cfg;		/* http: at start-up */
	struct store		*store;		/* NULL: no decision log */
	const struct engine_cache *parsed;	/* the daemon's caches */
	struct odb_tree_cache	*trees;
	int			 workers;	/* analysis threads */
	struct http_hooks	 hooks;
};

struct http;

/* Binds http.listen and reads the token; NULL with err on failure. */
struct http	*http_new(const struct http_opts *, char *err, size_t errlen);
/* Replaces the store (NULL: none), e.g. once the decision log opens. */
void		 http_set_store(struct http *, struct store *);
/* Stops listening and answering; running analyses are told to stop. */
void		 http_stop(struct http *);
/* Frees everything; waits up to timeout_ms for running analyses. */
void		 http_free(struct http *, int timeout_ms);
/* The bound port (for a listen port of 0 in tests), or -1. */
int		 http_port(const struct http *);

#endif
