/*
 * revguardd.c: the daemon's entry point: options, configuration check
 * (-n), then the event loop in daemon.c.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "revguard/daemon.h"
#include "revguard/log.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: revguardd [-dnv] [-f config] [-s socket] "
	    "[-R repo-root]...\n"
	    "       revguardd --help | --version\n"
	    "\n"
	    "The revguard daemon: answers the pre-receive hooks of the "
	    "repositories under\n"
	    "its repository roots.  See revguardd(8) and revguard.yaml(5).\n"
	    "\n"
	    "  -d            stay in the foreground, log to standard error\n"
	    "  -f FILE       configuration (default " CONFIG_DEFAULT_FILE
	    ",\n"
	    "                built-in defaults when it does not exist)\n"
	    "  -n            check the configuration, print it is OK, and "
	    "exit\n"
	    "  -R DIR        a repository root (repeatable; adds to "
	    "daemon.repo_roots)\n"
	    "  -s PATH       the socket (daemon.socket)\n"
	    "  -v            log more\n"
	    "  -h, --help    this help\n"
	    "  -V, --version print the version\n"
	    "\n"
	    "Exit status: 0 done, 1 bad configuration or failure, 2 usage "
	    "error.\n");
}

int
main(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct daemon_opts	 o;
	struct config		 cfg;
	char			 err[1024];
	int			 ch, check_only = 0, explicit_config = 0, status;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, "df:hnR:s:vV", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'd': o.foreground = 1; break;
		case 'f': o.config_path = optarg; explicit_config = 1; break;
		case 'n': check_only = 1; break;
		case 'R': strvec_push(&o.roots, optarg); break;
		case 's': o.socket = optarg; break;
		case 'v': o.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("revguardd %s\n", PACKAGE_VERSION); return 0;
		default: goto bad;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "revguardd: unexpected argument `%s`\n",
		    argv[optind]);
		goto bad;
	}
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
bad:
	strvec_clear(&o.roots);
	usage(stderr);
	return 2;
}
