/*
 * daemon: revguardd's event loop.  One event_base in the main thread owns
 * the listening socket, every connection, timer and signal; checks run on
 * the worker pool.  The configuration is reference-counted so SIGHUP can
 * swap it while checks that started under the old one finish.
 */
#ifndef REVGUARD_DAEMON_H
#define REVGUARD_DAEMON_H

#include "revguard/config.h"

struct daemon_opts {
	const char	*config_path;	/* NULL: built-in defaults */
	const char	*socket;	/* overrides daemon.socket */
	struct strvec	 roots;		/* added to daemon.repo_roots */
	int		 foreground;
	int		 verbose;
};

/* Loads the configuration and applies the command-line overrides. */
int	 daemon_load_config(const struct daemon_opts *, struct config *,
	    char *err, size_t errlen);
struct daemon;
struct store;
/* The decision log the API reads: with decisions.postgresql, the
 * fleet's (store_fleet_new); NULL without a log. */
struct store	*daemon_decisions_store(struct daemon *);
/* Runs until SIGTERM/SIGINT; returns the exit status. */
int	 daemon_run(const struct daemon_opts *);

#endif
