/*
 * shipper: the thread that copies a node's decisions from its local
 * SQLite log to the fleet's PostgreSQL database.  A push never waits for
 * it: the daemon commits each decision locally (the store sink) and
 * answers; the shipper reads what is newer than the last decision
 * shipped, on its own SQLite connection, and sends it in batches, one
 * transaction each, keyed by (node, seq) so a batch sent twice stores
 * nothing twice.  While PostgreSQL is down it retries with backoff; the
 * decisions wait in the local log.
 *
 * Ownership: shipper_start's caller owns the shipper and frees it with
 * shipper_stop.  shipper_kick and shipper_state may be called from any
 * thread; neither waits on I/O.
 */
#ifndef REVGUARD_SHIPPER_H
#define REVGUARD_SHIPPER_H

#include <stddef.h>

struct shipper_opts {
	const char	*sqlite_path;	/* the node's local log */
	const char	*conninfo;	/* PostgreSQL */
	const char	*node;		/* this node's name: its shipped mark */
	size_t		 batch;		/* decisions per transaction; 0: 200 */
	long long	 max_age_ms;	/* retention in PostgreSQL; 0: none */
	long long	 max_rows;
};

/* PostgreSQL as the shipper last found it. */
enum shipper_pg {
	SHIPPER_PG_OFF,		/* not configured */
	SHIPPER_PG_CONNECTING,	/* not tried yet */
	SHIPPER_PG_UP,
	SHIPPER_PG_DOWN		/* unreachable or refusing: retrying */
};

struct shipper_state {
	enum shipper_pg	 pg;
	long long	 pending;	/* local decisions not shipped yet */
	long long	 lag_ms;	/* age of the oldest of them; 0: none */
	unsigned long	 shipped;	/* decisions sent since start */
	unsigned long	 batches, failures;
	char		 error[256];	/* the last failure, or "" */
};

struct shipper;

struct shipper	*shipper_start(const struct shipper_opts *, char *err,
		    size_t errlen);
/* A decision was committed locally: ship soon. */
void		 shipper_kick(struct shipper *);
void		 shipper_state(struct shipper *, struct shipper_state *);
/* Stops the thread (after the batch in flight) and frees; NULL is fine. */
void		 shipper_stop(struct shipper *);
const char	*shipper_pg_name(enum shipper_pg);

/*
 * The store the API reads on a fleet node (store_fleet.c): PostgreSQL,
 * for the whole fleet, while the shipper finds it up; the node's own
 * log (local, borrowed) while it does not, so a request never waits on
 * a server known to be down.  Read-only: put fails, prune does nothing.
 * Its PostgreSQL connection is its own: use it on one thread.  Closing
 * it leaves local and the shipper alone.
 */
struct store	*store_fleet_new(struct shipper *, struct store *local,
		    const char *conninfo, char *err, size_t errlen);

#endif
