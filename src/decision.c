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

char *
decision_line(const struct decision *dec)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	buf_printf(&b, "%.300s%s%.100s", dec->repository ? dec->repository :
	    "?", dec->pusher ? " by " : "", dec->pusher ? dec->pusher : "");
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
	else if (dec->res == NULL)
		log_warnx("%s", line);
	else
		log_info("%s", line);
	free(line);
}

const struct decision_sink decision_log_sink = {
	"log", log_record, NULL, NULL
};
