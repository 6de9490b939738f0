/*
 * decision: where a judged request goes once its verdict is known and
 * before its reply is sent.  A decision is the answer the pusher gets:
 * the structured result, or why there is none (then the hook applies its
 * on_unavailable policy).  Sinks record it: today the daemon's log line;
 * the decision log (issue 8) plugs in beside it.  Sinks are called on
 * the daemon's loop thread, once per request that got an answer.
 */
#ifndef REVGUARD_DECISION_H
#define REVGUARD_DECISION_H

#include "revguard/request.h"

struct decision {
	const char		*repository;	/* as the request named it */
	const char		*pusher;	/* first identity, or NULL */
	const struct push_result *res;	/* the verdict; NULL: none */
	const char		*error;		/* why there is none */
	enum push_unavailable	 on_unavailable;	/* what the hook does */
	long long		 duration_ms;
};

struct decision_sink {
	const char	*name;
	void		(*record)(void *ctx, const struct decision *);
	void		*ctx;
};

/* Hands the decision to every sink of the NULL-terminated list. */
void	 decision_record(const struct decision_sink *const *sinks,
	    const struct decision *);
/* The one line that says what the pusher got, for logs. */
char	*decision_line(const struct decision *);
/* What a hook does when it gets no verdict, as the pusher sees it. */
const char *decision_unavailable_effect(enum push_unavailable);

/* Writes decision_line to the daemon's log (log.h). */
extern const struct decision_sink decision_log_sink;

#endif
