/*
 * log: the daemon's logging.  In the foreground (-d) lines go to stderr;
 * otherwise to syslog, which journald collects.  Safe to call from any
 * thread.
 */
#ifndef REVGUARD_LOG_H
#define REVGUARD_LOG_H

void	 log_init(const char *ident, int foreground, int verbose);
/* log_warn appends strerror(errno); log_warnx does not. */
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * A string a pusher controls (ref name, repository path, identity, push
 * option), escaped for a log line: log_info("ref %s", log_vis(ref)).
 * Backslashes, control bytes, invalid UTF-8 and bidirectional overrides
 * become \\, \n, \x1b ...; cut at about 1 KiB with "...".  The result
 * lives in a per-thread ring: use at most 8 in one call.  Lines are
 * escaped anyway (control bytes and invalid UTF-8, not backslashes), so
 * a field without log_vis cannot break a line, only be ambiguous.
 */
const char *log_vis(const char *);
/* Logs and exits 1: start-up failures and broken invariants only. */
void	 fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
