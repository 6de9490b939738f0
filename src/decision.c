/*
 * decision.c: handing decisions to their sinks, and the log sink: one
 * line per answered request, saying what the pusher got.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/decision.h"
#include "revguard/log.h"
#include "revguard/vis.h"

/* Violations a bypass names in the log line; the rest are counted. */
#define DECISION_MAX_WAVED	20

int
decision_record(const struct decision_sink *const *sinks,
    const struct decision *dec, char *err, size_t errlen)
{
	char	 why[1024];
	int	 rv = 0;

	for (; *sinks != NULL; sinks++) {
		if ((*sinks)->record != NULL)
			(*sinks)->record((*sinks)->ctx, dec);
		if ((*sinks)->commit != NULL && (*sinks)->commit((*sinks)->ctx,
		    dec, why, sizeof(why)) == -1 && rv == 0) {
			snprintf(err, errlen, "%s", why);
			rv = -1;
		}
	}
	return rv;
}

const char *
decision_unavailable_effect(enum push_unavailable u)
{
	switch (u) {
	case PUSH_UNAVAILABLE_ACCEPT:
		return "the hook accepts the push unchecked (on_unavailable: "
		    "accept)";
	case PUSH_UNAVAILABLE_REJECT:
		return "the hook rejects the push (on_unavailable: reject)";
	default:
		return "the hook applies its on_unavailable policy";
	}
}

/* What became of a revguard.bypass option: who, why, and each
 * violation a granted one waved through. */
static void
bypass_text(struct buf *b, const struct push_result *res)
{
	const struct push_ref_result	*r;
	const struct diag		*d;
	char				 reason[4 * 256 + 1];
	size_t				 i, j, n = 0;

	switch (res->bypass) {
	case PUSH_BYPASS_NONE:
		return;
	case PUSH_BYPASS_REFUSED:
		buf_printf(b, "; bypass asked for and refused");
		return;
	case PUSH_BYPASS_UNUSED:
		buf_printf(b, "; bypass asked for, nothing to bypass");
		return;
	case PUSH_BYPASS_GRANTED:
		break;
	}
	/* Backslashes doubled: the reason cannot fake an escape. */
	vis_escape(reason, sizeof(reason), res->bypass_reason ?
	    res->bypass_reason : "", res->bypass_reason ?
	    strlen(res->bypass_reason) : 0, 0);
	buf_printf(b, "; BYPASS by %.128s, reason \"%s\", waved through:",
	    res->bypass_by ? res->bypass_by : "?", reason);
	for (i = 0; i < res->nrefs; i++) {
		r = &res->refs[i];
		if (r->verdict != PUSH_REJECT || r->mode != PUSH_MODE_ENFORCE)
			continue;
		if (r->outcome != PUSH_CHECKED && n++ < DECISION_MAX_WAVED)
			buf_printf(b, " %.300s: %.300s;", r->ref,
			    r->reason ? r->reason : "?");
		for (j = 0; j < r->diags.len; j++) {
			d = &r->diags.items[j];
			if (d->severity != RULE_SEV_ERROR ||
			    n++ >= DECISION_MAX_WAVED)
				continue;
			buf_printf(b, " %.300s %s %.300s%s%.0d;", r->ref,
			    rule_name(d->rule), d->path ? d->path :
			    r->versions_dir ? r->versions_dir : "-",
			    d->line > 0 ? ":" : "", d->line);
		}
	}
	if (n > DECISION_MAX_WAVED)
		buf_printf(b, " and %zu more", n - DECISION_MAX_WAVED);
}

char *
decision_line(const struct decision *dec)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	buf_printf(&b, "%.300s", dec->repository ? dec->repository : "?");
	if (dec->pusher != NULL)
		buf_printf(&b, " by %.100s (%.64s%s)", dec->pusher,
		    dec->pusher_from ? dec->pusher_from : "?",
		    dec->pusher_account ? ", an account" : "");
	if (dec->res == NULL) {
		buf_printf(&b, ": not checked: %s; %s", dec->error ?
		    dec->error : "?", decision_unavailable_effect(
		    dec->on_unavailable));
		return b.data;
	}
	buf_printf(&b, " %s:", dec->res->reject ? "rejected" : "accepted");
	for (i = 0; i < dec->res->nrefs; i++)
		buf_printf(&b, " %.300s=%s (%s)", dec->res->refs[i].ref,
		    push_verdict_name(dec->res->refs[i].verdict),
		    dec->res->refs[i].reason ? dec->res->refs[i].reason : "");
	if (dec->res->would_reject && !dec->res->reject &&
	    dec->res->bypass != PUSH_BYPASS_GRANTED)
		buf_printf(&b, "; observe: enforcing would have rejected it");
	bypass_text(&b, dec->res);
	buf_printf(&b, " (%lld ms)", dec->duration_ms);
	return b.data;
}

static void
log_record(void *ctx, const struct decision *dec)
{
	char	*line = decision_line(dec);

	(void)ctx;
	if (line == NULL)
		log_warnx("out of memory logging a decision");
	else if (dec->res == NULL || dec->res->bypass == PUSH_BYPASS_GRANTED)
		log_warnx("%s", line);
	else
		log_info("%s", line);
	free(line);
}

const struct decision_sink decision_log_sink = {
	"log", log_record, NULL, NULL
};
