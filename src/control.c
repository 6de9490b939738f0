/*
 * control.c: what the daemon tells operators about itself, read from its
 * one stats struct.  Today a log line (SIGUSR1, and at exit); the HTTP
 * stats and health endpoints render the same struct.
 */
#include "config.h"

#include <stdlib.h>

#include "revguard/stats.h"
#include "revguard/strvec.h"

char *
control_stats_line(const struct daemon_stats *s, long long now_ms)
{
	char	*line, *fleet;

	line = xasprintf("up %lld s: %lu requests, %lu accepted, %lu "
	    "rejected, %lu answered without a verdict (%lu at a deadline), "
	    "%lu protocol or connection errors, %lu connections dropped; now "
	    "%d connections, %d checks, %d workers; parse cache: %lu hits, "
	    "%lu misses, %zu entries; decision log: %lu write errors",
	    (now_ms - s->started_ms) / 1000,
	    s->requests, s->accepted, s->rejected, s->unchecked, s->timeouts,
	    s->errors, s->dropped, s->connections, s->inflight, s->workers,
	    s->cache_hits, s->cache_misses, s->cache_entries,
	    s->log_write_errors);
	/* A fleet node: PostgreSQL, and what waits to be shipped to it. */
	if (line == NULL || s->pg_state == STATS_DEP_NONE)
		return line;
	fleet = xasprintf("%s; postgresql %s, %lu decisions not shipped (the "
	    "oldest %lld ms old)", line, s->pg_state == STATS_DEP_OK ? "up" :
	    "down", s->shipper_pending, s->shipper_lag_ms);
	free(line);
	return fleet;
}
