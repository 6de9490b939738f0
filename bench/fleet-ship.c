/*
 * fleet-ship: how fast the shipper catches up after an outage.  Fills a
 * local SQLite log with N decisions (one ref, two diagnostics each, as a
 * rejected push has), starts a shipper to the PostgreSQL server named by
 * the conninfo, and prints how long it takes to ship them all.  Run by
 * bench/fleet-ship.sh, which starts a throwaway server.
 *
 *   bench/fleet-ship CONNINFO DB N
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "revguard/shipper.h"
#include "revguard/store.h"

static long long
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	struct store_ref	 ref = { "refs/heads/main",
				    "1111111111111111111111111111111111111111",
				    "2222222222222222222222222222222222222222",
				    "reject", "checked", NULL };
	struct store_diag	 diags[2] = {
		{ 0, "multiple-heads", "error", "migrations/versions/a.py", 7,
		    "abc123", "two heads: abc123 and def456", 0 },
		{ 0, "missing-docstring", "warning", NULL, 0, NULL,
		    "no docstring", 1 },
	};
	struct shipper_opts	 o;
	struct shipper_state	 st;
	struct shipper		*sh;
	struct store		*s;
	char			 err[1024];
	long long		 t0, dt;
	int			 i, n;

	if (argc != 4 || (n = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: fleet-ship CONNINFO DB N\n");
		return 2;
	}
	if ((s = store_sqlite_open_flags(argv[2], STORE_SQLITE_NORMAL, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "fleet-ship: %s\n", err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct store_decision	 d;

		memset(&d, 0, sizeof(d));
		d.node = "bench";
		d.time_ms = 1700000000000LL + i;
		d.repository = "/srv/git/app.git";
		d.verdict = STORE_REJECT;
		d.mode = "enforce";
		d.source = "daemon";
		d.pusher = "alice";
		d.version = PACKAGE_VERSION;
		d.config_digest = "0";
		d.refs = &ref;
		d.nrefs = 1;
		d.diags = diags;
		d.ndiags = 2;
		if (store_put(s, &d, err, sizeof(err)) == -1) {
			fprintf(stderr, "fleet-ship: %s\n", err);
			return 1;
		}
	}
	memset(&o, 0, sizeof(o));
	o.sqlite_path = argv[2];
	o.conninfo = argv[1];
	o.node = "bench";
	t0 = mono_ms();
	if ((sh = shipper_start(&o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fleet-ship: %s\n", err);
		return 1;
	}
	do {
		usleep(10000);
		shipper_state(sh, &st);
	} while (st.shipped < (unsigned long)n && mono_ms() - t0 < 600000);
	dt = mono_ms() - t0;
	printf("shipped %lu of %d decisions in %lld ms: %.0f a second, %lu "
	    "batches\n", st.shipped, n, dt, dt > 0 ? st.shipped * 1000.0 /
	    dt : 0, st.batches);
	shipper_stop(sh);
	store_close(s);
	return st.shipped == (unsigned long)n ? 0 : 1;
}
