/*
 * log.c: stderr or syslog, chosen once at start-up.  Every line is
 * escaped on its way out (vis_escape, backslashes kept), so no argument,
 * trusted or not, can break a line or send a terminal escape; log_vis
 * escapes a pusher's string fully, backslashes too, so the log shows
 * exactly which bytes it held.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "revguard/log.h"
#include "revguard/vis.h"

static int	 log_foreground = 1;
static int	 log_verbose;
static const char *log_ident = "revguardd";

void
log_init(const char *ident, int foreground, int verbose)
{
	log_ident = ident;
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* log_vis buffers per thread; one log call may use this many. */
#define LOG_VIS_SLOTS	8
#define LOG_VIS_SIZE	1024

const char *
log_vis(const char *s)
{
	static _Thread_local char	 ring[LOG_VIS_SLOTS][LOG_VIS_SIZE];
	static _Thread_local unsigned	 next;
	char				*buf = ring[next++ % LOG_VIS_SLOTS];

	if (s == NULL)
		return "(null)";
	if (vis_escape(buf, LOG_VIS_SIZE, s, strlen(s), 0) >= LOG_VIS_SIZE)
		memcpy(buf + LOG_VIS_SIZE - 4, "...", 4);
	return buf;
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char	 raw[2048], msg[2048 * 4];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	vis_escape(msg, sizeof(msg), raw, strlen(raw), VIS_KEEP_BACKSLASH);
	if (log_foreground)
		fprintf(stderr, "%s: %s%s%s\n", log_ident, msg,
		    suffix ? ": " : "", suffix ? suffix : "");
	else
		syslog(pri, "%s%s%s", msg, suffix ? ": " : "",
		    suffix ? suffix : "");
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	char	 e[256];

	snprintf(e, sizeof(e), "%s", strerror(errno));
	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, e);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	char	 e[256];

	snprintf(e, sizeof(e), "%s", strerror(errno));
	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, e);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
