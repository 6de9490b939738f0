/*
 * control.c: what the daemon tells operators about itself, read from its
 * one stats struct.  Today a log line (SIGUSR1, and at exit); the HTTP
 * stats and health endpoints render the same struct.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "revguard/stats.h"
#include "revguard/strvec.h"

char *
control_stats_line(const struct daemon_stats *s, long long now_ms)
{
	char	*line, *fleet;

	line = xasprintf("up %lld s: %lu requests, %lu accepted (%lu observe "
	    "rejects, %lu bypasses), %lu rejected, %lu answered without a "
	    "verdict (%lu at a deadline), "
	    "%lu protocol or connection errors, %lu connections dropped; now "
	    "%d connections, %d checks, %d workers; parse cache: %lu hits, "
	    "%lu misses, %zu entries; decision log: %lu write errors",
	    (now_ms - s->started_ms) / 1000,
	    s->requests, s->accepted, s->observe_rejects, s->bypasses,
	    s->rejected, s->unchecked, s->timeouts,
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

const int stats_latency_bounds_ms[STATS_LATENCY_BUCKETS] = {
	5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000
};

static const char *const verdict_names[STATS_NVERDICTS] = {
	[STATS_ACCEPT] = "accept",
	[STATS_REJECT] = "reject",
	[STATS_ERROR] = "error",
	[STATS_FAIL_OPEN] = "fail-open",
	[STATS_FAIL_CLOSED] = "fail-closed",
	[STATS_OBSERVE_REJECT] = "observe-reject",
	[STATS_BYPASS] = "bypass"
};

const char *
control_verdict_name(enum stats_verdict v)
{
	return verdict_names[v];
}

enum stats_verdict
control_verdict(const struct push_result *res, enum push_unavailable u)
{
	const char	*name;
	int		 i;

	if (res == NULL)
		return u == PUSH_UNAVAILABLE_ACCEPT ? STATS_FAIL_OPEN :
		    u == PUSH_UNAVAILABLE_REJECT ? STATS_FAIL_CLOSED :
		    STATS_ERROR;
	name = push_result_verdict(res);
	for (i = 0; i < STATS_NVERDICTS; i++)
		if (strcmp(verdict_names[i], name) == 0)
			return (enum stats_verdict)i;
	return res->reject ? STATS_REJECT : STATS_ACCEPT;
}

void
control_count(struct daemon_stats *s, enum stats_verdict v,
    enum push_mode mode, long long duration_ms,
    const struct push_result *res)
{
	size_t	 i, j;

	s->checks[v][mode == PUSH_MODE_OBSERVE ? 1 : 0]++;
	for (i = 0; i < STATS_LATENCY_BUCKETS; i++)
		if (duration_ms <= stats_latency_bounds_ms[i])
			break;
	s->latency[i]++;
	s->latency_sum_ms += duration_ms > 0 ? duration_ms : 0;
	for (i = 0; res != NULL && i < res->nrefs; i++)
		for (j = 0; j < res->refs[i].diags.len; j++)
			if ((size_t)res->refs[i].diags.items[j].rule <
			    RULE__COUNT)
				s->rule_hits[res->refs[i].diags.items[j].rule]++;
}

/* One metric's HELP and TYPE lines. */
static void
head(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
dep(struct buf *b, const char *name, const char *help, enum stats_dep d)
{
	head(b, name, "gauge", help);
	buf_printf(b, "%s{state=\"none\"} %d\n%s{state=\"ok\"} %d\n"
	    "%s{state=\"failing\"} %d\n", name, d == STATS_DEP_NONE, name,
	    d == STATS_DEP_OK, name, d == STATS_DEP_FAILING);
}

char *
control_metrics(const struct daemon_stats *s, long long now_ms)
{
	static const char *const modes[STATS_NMODES] = { "enforce",
		"observe" };
	struct buf	 b = BUF_INIT;
	unsigned long	 cum = 0, open = 0, closed = 0;
	int		 v, m, i;

	head(&b, "revguard_uptime_seconds", "gauge", "Seconds since "
	    "revguardd started.");
	buf_printf(&b, "revguard_uptime_seconds %lld\n",
	    (now_ms - s->started_ms) / 1000);
	head(&b, "revguard_requests_total", "counter", "Check requests "
	    "handed to a worker.");
	buf_printf(&b, "revguard_requests_total %lu\n", s->requests);
	head(&b, "revguard_checks_total", "counter", "Answered requests by "
	    "overall verdict and mode.");
	for (v = 0; v < STATS_NVERDICTS; v++)
		for (m = 0; m < STATS_NMODES; m++)
			buf_printf(&b, "revguard_checks_total{verdict=\"%s\","
			    "mode=\"%s\"} %lu\n", verdict_names[v], modes[m],
			    s->checks[v][m]);
	for (m = 0; m < STATS_NMODES; m++) {
		open += s->checks[STATS_FAIL_OPEN][m];
		closed += s->checks[STATS_FAIL_CLOSED][m];
	}
	head(&b, "revguard_fail_open_total", "counter", "Pushes let through "
	    "unchecked (on_unavailable: accept).");
	buf_printf(&b, "revguard_fail_open_total %lu\n", open);
	head(&b, "revguard_fail_closed_total", "counter", "Pushes refused "
	    "unchecked (on_unavailable: reject).");
	buf_printf(&b, "revguard_fail_closed_total %lu\n", closed);
	head(&b, "revguard_rule_hits_total", "counter", "Diagnostics "
	    "reported to pushers, by rule.");
	for (i = 0; i < RULE__COUNT; i++)
		buf_printf(&b, "revguard_rule_hits_total{rule=\"%s\"} %lu\n",
		    rule_name((enum rule_id)i), s->rule_hits[i]);
	head(&b, "revguard_check_duration_seconds", "histogram", "Time from "
	    "a request's arrival to its answer.");
	for (i = 0; i <= STATS_LATENCY_BUCKETS; i++) {
		cum += s->latency[i];
		if (i < STATS_LATENCY_BUCKETS)
			buf_printf(&b, "revguard_check_duration_seconds_bucket"
			    "{le=\"%g\"} %lu\n", stats_latency_bounds_ms[i] /
			    1000.0, cum);
		else
			buf_printf(&b, "revguard_check_duration_seconds_bucket"
			    "{le=\"+Inf\"} %lu\n", cum);
	}
	buf_printf(&b, "revguard_check_duration_seconds_sum %.3f\n"
	    "revguard_check_duration_seconds_count %lu\n",
	    s->latency_sum_ms / 1000.0, cum);
	head(&b, "revguard_timeouts_total", "counter", "Checks stopped at a "
	    "deadline.");
	buf_printf(&b, "revguard_timeouts_total %lu\n", s->timeouts);
	head(&b, "revguard_protocol_errors_total", "counter", "Protocol and "
	    "connection errors on the hook socket.");
	buf_printf(&b, "revguard_protocol_errors_total %lu\n", s->errors);
	head(&b, "revguard_connections_dropped_total", "counter", "Hook "
	    "connections dropped or refused at max_connections.");
	buf_printf(&b, "revguard_connections_dropped_total %lu\n", s->dropped);
	head(&b, "revguard_connections", "gauge", "Open hook connections.");
	buf_printf(&b, "revguard_connections %d\n", s->connections);
	head(&b, "revguard_queue_depth", "gauge", "Checks queued for or "
	    "running on a worker.");
	buf_printf(&b, "revguard_queue_depth %d\n", s->inflight);
	head(&b, "revguard_workers", "gauge", "Check threads.");
	buf_printf(&b, "revguard_workers %d\n", s->workers);
	head(&b, "revguard_parse_cache_hits_total", "counter", "Migrations "
	    "found parsed in the cache.");
	buf_printf(&b, "revguard_parse_cache_hits_total %lu\n", s->cache_hits);
	head(&b, "revguard_parse_cache_misses_total", "counter", "Migrations "
	    "parsed afresh.");
	buf_printf(&b, "revguard_parse_cache_misses_total %lu\n",
	    s->cache_misses);
	head(&b, "revguard_parse_cache_entries", "gauge", "Parsed migrations "
	    "kept.");
	buf_printf(&b, "revguard_parse_cache_entries %zu\n", s->cache_entries);
	dep(&b, "revguard_decision_log_state", "The decision log: not "
	    "configured, writing, or failing.", s->log_state);
	head(&b, "revguard_decision_log_write_errors_total", "counter",
	    "Decisions the log failed to write.");
	buf_printf(&b, "revguard_decision_log_write_errors_total %lu\n",
	    s->log_write_errors);
	dep(&b, "revguard_postgresql_state", "The fleet database: not "
	    "configured, reachable, or failing.", s->pg_state);
	head(&b, "revguard_shipper_pending", "gauge", "Decisions not yet "
	    "shipped to PostgreSQL.");
	buf_printf(&b, "revguard_shipper_pending %lu\n", s->shipper_pending);
	head(&b, "revguard_shipper_lag_seconds", "gauge", "Age of the oldest "
	    "decision not yet shipped (0: none).");
	buf_printf(&b, "revguard_shipper_lag_seconds %.3f\n",
	    s->shipper_lag_ms / 1000.0);
	head(&b, "revguard_http_requests_total", "counter", "Requests the "
	    "HTTP endpoint answered.");
	buf_printf(&b, "revguard_http_requests_total %lu\n", s->http_requests);
	return b.data;
}
