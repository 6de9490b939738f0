/*
 * stats: the daemon's runtime counters, in one struct that the control
 * module reads (the log on SIGUSR1 and at exit today; the stats and
 * health endpoints later).  Updated only on the daemon's loop thread.
 */
#ifndef REVGUARD_STATS_H
#define REVGUARD_STATS_H

#include <stddef.h>

/* A dependency's state, for /readyz and /metrics. */
enum stats_dep {
	STATS_DEP_NONE,		/* not configured */
	STATS_DEP_OK,
	STATS_DEP_FAILING
};

struct daemon_stats {
	long long	 started_ms;	/* monotonic */
	unsigned long	 requests;	/* handed to a worker */
	unsigned long	 accepted, rejected;
	unsigned long	 unchecked;	/* answered without a verdict */
	unsigned long	 timeouts;	/* of those: stopped at a deadline */
	unsigned long	 errors;	/* protocol and connection errors */
	unsigned long	 dropped;	/* connections dropped or refused */
	int		 connections;	/* open now */
	int		 inflight;	/* checks running or queued now */
	int		 workers;
	/* Filled by the PostgreSQL shipper. */
	enum stats_dep	 pg_state;
	unsigned long	 shipper_pending;	/* decisions not shipped */
	long long	 shipper_lag_ms;	/* age of the oldest */
	unsigned long	 cache_hits, cache_misses;	/* parsed blobs */
	size_t		 cache_entries;
	/* Decisions the log could not save (decisions.on_error applied),
	 * and spool imports that failed. */
	unsigned long	 log_write_errors;
};

/* One line of every counter, for logs; uptime from now_ms. */
char	*control_stats_line(const struct daemon_stats *, long long now_ms);

#endif
