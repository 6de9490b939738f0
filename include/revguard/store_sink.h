/*
 * store_sink: the decision sink that writes each answered push to the
 * decision log (store.h) before its answer is sent, so that an answer
 * the hook got is an answer the log has.  It also keeps the log: pruning
 * in bounded batches and importing the hook's spool, on the daemon's
 * timer.  Used on the daemon's loop thread only.
 */
#ifndef REVGUARD_STORE_SINK_H
#define REVGUARD_STORE_SINK_H

#include "revguard/decision.h"
#include "revguard/store.h"

struct store_sink;

/* Takes the store; node and digest are copied.  NULL: out of memory. */
struct store_sink *store_sink_new(struct store *, const char *node,
	    const char *config_digest);
void	 store_sink_free(struct store_sink *);
/* The decision_sink to put in the daemon's list. */
const struct decision_sink *store_sink_sink(struct store_sink *);
struct store	*store_sink_store(struct store_sink *);
/* After a reload: the new configuration's digest. */
void	 store_sink_set_digest(struct store_sink *, const char *);

/*
 * The store_decision for a decision (strings copied), as the sink
 * records it: node, wall-clock time, each ref with its IDs and verdict,
 * each diagnostic.  -1: out of memory.
 */
int	 store_sink_build(const struct decision *, const char *node,
	    const char *config_digest, long long time_ms,
	    struct store_decision *out);

/* The host name, or "localhost" when there is none; static storage. */
const char *store_sink_hostname(void);
/* 1 when a path setting means "none": NULL, "" or "off". */
int	 store_sink_off(const char *path);

#endif
