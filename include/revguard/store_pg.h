/*
 * store_pg: what the PostgreSQL backend of store.h offers beyond
 * store_ops, for the shipper (shipper.c): a batch of one node's
 * decisions in one transaction together with the node's shipped mark,
 * and that mark read back.  The key of a decision is (node, seq): a
 * decision put twice is stored once, and a different decision under a
 * key already taken is an error, never silently dropped.
 *
 * Ownership: as store.h.  A PostgreSQL store is used by one thread at a
 * time; each thread that needs one opens its own (one connection each).
 */
#ifndef REVGUARD_STORE_PG_H
#define REVGUARD_STORE_PG_H

#include <stddef.h>

#include "revguard/store.h"

/* The schema version this build creates and reads. */
#define STORE_PG_SCHEMA		1

/*
 * Like store_pg_open, but a server that is down is not an error: the
 * store connects (and creates or migrates the schema) on first use and
 * again after the connection broke.  NULL only for a bad conninfo.
 */
struct store	*store_pg_open_lazy(const char *conninfo, char *err,
		    size_t errlen);
/*
 * -1 when libpq cannot parse conninfo, or it holds a password (which
 * belongs in a passfile, not in a configuration file); never connects.
 */
int		 store_pg_check_conninfo(const char *conninfo, char *err,
		    size_t errlen);
/* 1 when the last use of the store reached the server, else 0. */
int		 store_pg_connected(struct store *);
/*
 * Puts n decisions of one node (each with its seq set) and raises the
 * node's shipped mark to the highest seq, in one transaction: all or
 * nothing.  Decisions already stored are skipped.
 */
int		 store_pg_put_batch(struct store *, struct store_decision *,
		    size_t n, char *err, size_t errlen);
/* The highest seq shipped for node (0: none yet), or -1. */
int		 store_pg_shipped(struct store *, const char *node,
		    long long *seq, char *err, size_t errlen);

#endif
