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
/* Logs and exits 1: start-up failures and broken invariants only. */
void	 fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
