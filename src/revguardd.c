/*
 * revguardd.c: the daemon's entry point: options, configuration check
 * (-n), then the event loop in daemon.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "revguard/daemon.h"
#include "revguard/log.h"

static void
usage(void)
{
	fprintf(stderr, "usage: revguardd [-dnv] [-f config] [-s socket] "
	    "[-R repo-root]...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct daemon_opts	 o;
	struct config		 cfg;
	char			 err[1024];
	int			 ch, check_only = 0, explicit_config = 0, status;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt(argc, argv, "df:nR:s:v")) != -1) {
		switch (ch) {
		case 'd': o.foreground = 1; break;
		case 'f': o.config_path = optarg; explicit_config = 1; break;
		case 'n': check_only = 1; break;
		case 'R': strvec_push(&o.roots, optarg); break;
		case 's': o.socket = optarg; break;
		case 'v': o.verbose = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (!explicit_config && access(CONFIG_DEFAULT_FILE, R_OK) == 0)
		o.config_path = CONFIG_DEFAULT_FILE;
	if (check_only) {
		if (daemon_load_config(&o, &cfg, err, sizeof(err)) == -1) {
			fprintf(stderr, "revguardd: %s\n", err);
			return 1;
		}
		config_free(&cfg);
		strvec_clear(&o.roots);
		printf("revguardd: configuration %s OK\n", o.config_path ?
		    o.config_path : "(built-in defaults)");
		return 0;
	}
	log_init("revguardd", o.foreground, o.verbose);
	status = daemon_run(&o);
	strvec_clear(&o.roots);
	return status;
}
