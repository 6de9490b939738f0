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
	/* Who pushed (identity_recorded: the identity bypass trusts,
	 * else USER as an account), the variable that said so. */
	const char		*pusher;	/* a value, or NULL */
	const char		*pusher_from;	/* its variable, or NULL */
	int			 pusher_account; /* USER: an account */
	const struct push_result *res;	/* the verdict; NULL: none */
	const char		*error;		/* why there is none */
	enum push_unavailable	 on_unavailable;	/* what the hook does */
	long long		 duration_ms;
	/* The request's ref updates and identities ("NAME=value"), as
	 * the hook sent them; NULL/0 when the request was malformed. */
	const struct push_update *updates;
	size_t			 nupdates;
	const struct strvec	*pushers;
};

struct decision_sink {
	const char	*name;
	void		(*record)(void *ctx, const struct decision *);
	void		*ctx;
	/* A sink whose failure may change the answer (the decision log):
	 * -1 with the reason in err when the decision was not saved.  NULL
	 * for sinks that only record. */
	int		(*commit)(void *ctx, const struct decision *, char *err,
			    size_t errlen);
};

/*
 * Hands the decision to every sink of the NULL-terminated list (record,
 * or commit).  -1 with the first failed commit's reason in err; every
 * sink is called either way.
 */
int	 decision_record(const struct decision_sink *const *sinks,
	    const struct decision *, char *err, size_t errlen);
/* The one line that says what the pusher got, for logs. */
char	*decision_line(const struct decision *);
/* What a hook does when it gets no verdict, as the pusher sees it. */
const char *decision_unavailable_effect(enum push_unavailable);

/* Writes decision_line to the daemon's log (log.h). */
extern const struct decision_sink decision_log_sink;

#endif
