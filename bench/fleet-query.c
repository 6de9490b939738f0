/*
 * fleet-query: a page of 100 decisions from the fleet's PostgreSQL
 * store, newest first, unfiltered and with each filter; the best of 5
 * runs each, through store_query as the API calls it.  Run by
 * bench/fleet-query.sh, which fills 1,000,000 decisions first.
 *
 *   bench/fleet-query CONNINFO
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "revguard/store.h"

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int
run(struct store *s, const char *name, const struct store_filter *f)
{
	struct store_page	 p;
	char			 err[1024];
	double			 t0, dt, best = 1e9;
	size_t			 n = 0;
	int			 i;

	for (i = 0; i < 5; i++) {
		t0 = now_ms();
		if (store_query(s, f, &p, err, sizeof(err)) == -1) {
			fprintf(stderr, "fleet-query: %s: %s\n", name, err);
			return -1;
		}
		dt = now_ms() - t0;
		best = dt < best ? dt : best;
		n = p.ndecisions;
		store_page_clear(&p);
	}
	printf("%-24s %4zu decisions %7.1f ms\n", name, n, best);
	return 0;
}

int
main(int argc, char **argv)
{
	struct store_filter	 f;
	struct store		*s;
	char			 err[1024];
	int			 rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: fleet-query CONNINFO\n");
		return 2;
	}
	if ((s = store_pg_open(argv[1], err, sizeof(err))) == NULL) {
		fprintf(stderr, "fleet-query: %s\n", err);
		return 1;
	}
	memset(&f, 0, sizeof(f));
	f.limit = 100;
	rc |= run(s, "newest", &f);
	f.verdict = STORE_REJECT;
	rc |= run(s, "verdict=reject", &f);
	f.verdict = NULL;
	f.repository = "/srv/git/r7.git";
	rc |= run(s, "one repository", &f);
	f.repository = NULL;
	f.rule = "single-head";
	rc |= run(s, "rule=single-head", &f);
	f.rule = "rare-rule";
	rc |= run(s, "rule=rare-rule (20)", &f);
	f.rule = NULL;
	f.ref = "refs/heads/release/3";
	rc |= run(s, "ref=release/3", &f);
	f.ref = NULL;
	f.pusher = "u3";
	rc |= run(s, "one pusher", &f);
	store_close(s);
	return rc != 0;
}
