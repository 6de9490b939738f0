/*
 * stats: the daemon's runtime counters, in one struct that the control
 * module reads (the log on SIGUSR1 and at exit; GET /metrics, /readyz).
 * Updated only on the daemon's loop thread.  Every field is a series of
 * docs/api.md's /metrics table; the decision log (store) and the
 * PostgreSQL shipper fill theirs through the same struct.
 */
#ifndef REVGUARD_STATS_H
#define REVGUARD_STATS_H

#include <stddef.h>

#include "revguard/diag.h"
#include "revguard/request.h"

/* Overall verdicts as the decision log names them (store.h). */
enum stats_verdict {
	STATS_ACCEPT,
	STATS_REJECT,
	STATS_ERROR,		/* unchecked; the hook did not say its policy */
	STATS_FAIL_OPEN,	/* unchecked, let through */
	STATS_FAIL_CLOSED,	/* unchecked, refused */
	STATS_OBSERVE_REJECT,
	STATS_BYPASS,
	STATS_NVERDICTS
};
#define STATS_NMODES		2	/* enum push_mode */
/* Upper bounds of the check latency histogram, in ms (then +Inf). */
#define STATS_LATENCY_BUCKETS	12
extern const int stats_latency_bounds_ms[STATS_LATENCY_BUCKETS];

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
	/* Of the accepted: would have been rejected in enforce mode
	 * (observe), or were let through by an audited bypass. */
	unsigned long	 observe_rejects, bypasses;
	unsigned long	 unchecked;	/* answered without a verdict */
	unsigned long	 timeouts;	/* of those: stopped at a deadline */
	unsigned long	 errors;	/* protocol and connection errors */
	unsigned long	 dropped;	/* connections dropped or refused */
	int		 connections;	/* open now */
	int		 inflight;	/* checks running or queued now */
	int		 workers;
	unsigned long	 cache_hits, cache_misses;	/* parsed blobs */
	size_t		 cache_entries;
	/* Answered requests by overall verdict and mode. */
	unsigned long	 checks[STATS_NVERDICTS][STATS_NMODES];
	unsigned long	 rule_hits[RULE__COUNT];	/* diagnostics */
	/* Check latency (request to answer), per bucket, not cumulative;
	 * the last is past the largest bound. */
	unsigned long	 latency[STATS_LATENCY_BUCKETS + 1];
	long long	 latency_sum_ms;
	/* Filled by the decision log: its state. */
	enum stats_dep	 log_state;
	/* Filled by the PostgreSQL shipper. */
	enum stats_dep	 pg_state;
	unsigned long	 shipper_pending;	/* decisions not shipped */
	long long	 shipper_lag_ms;	/* age of the oldest */
	unsigned long	 http_requests;		/* served by http.c */
	/* Decisions the log could not save (decisions.on_error applied),
	 * and spool imports that failed. */
	unsigned long	 log_write_errors;
};

/* One line of every counter, for logs; uptime from now_ms. */
char	*control_stats_line(const struct daemon_stats *, long long now_ms);
/*
 * Counts one answered request: verdict (a STATS_* index, see
 * control_verdict), mode, latency, and the rules of res's diagnostics
 * (res may be NULL: unchecked).
 */
void	 control_count(struct daemon_stats *, enum stats_verdict,
	    enum push_mode, long long duration_ms, const struct push_result *);
/* The verdict of an answer: res's, or what the hook does without one. */
enum stats_verdict control_verdict(const struct push_result *res,
	    enum push_unavailable);
const char *control_verdict_name(enum stats_verdict);
/* The Prometheus text exposition (version 0.0.4) of every counter. */
char	*control_metrics(const struct daemon_stats *, long long now_ms);

#endif
