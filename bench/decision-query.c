/*
 * decision-query: the decision log at scale.  Fills an SQLite log with N
 * decisions through store_put (the daemon's own write path, one
 * transaction each, synchronous=NORMAL to keep the fill short) unless it
 * holds them already, then times store_query for one page of 100, newest
 * first, with each filter and deep in the cursor chain: the API's and
 * `revguard decisions`' query.  Target: under 50 ms at 1,000,000.
 *
 *   make bench/decision-query && bench/decision-query DB [N [BUDGET]]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "revguard/store.h"

#define REPS	21

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
fill(struct store *st, long n)
{
	static const char *const verdicts[] = { "accept", "accept", "accept",
		"accept", "accept", "accept", "reject", "observe-reject",
		"fail-open", "accept" };
	static const char *const rules[] = { "single-head", "placeholder-id",
		"stealth-branch", "header-missing" };
	struct store_ref	 ref = { "refs/heads/main",
				    "1111111111111111111111111111111111111111",
				    "2222222222222222222222222222222222222222",
				    NULL, "checked", NULL };
	struct store_diag	 diag = { 0, NULL, "error",
				    "migrations/versions/abc_x.py", 10,
				    "abcdef123456", "a finding", 0 };
	struct store_decision	 d;
	char			 repo[64], pusher[32], err[1024];
	long long		 t0 = 1700000000000LL;
	double			 start = now();
	long			 i;

	memset(&d, 0, sizeof(d));
	d.node = "bench-node";
	d.mode = "enforce";
	d.source = "daemon";
	d.version = PACKAGE_VERSION;
	d.config_digest = "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef";
	d.refs = &ref;
	d.nrefs = 1;
	d.diags = &diag;
	for (i = 0; i < n; i++) {
		snprintf(repo, sizeof(repo), "/srv/git/team%ld/app%ld.git",
		    i % 7, i % 200);
		snprintf(pusher, sizeof(pusher), "user%ld", i % 500);
		d.seq = 0;
		d.time_ms = t0 + i * 250;	/* a push every 250 ms */
		d.repository = repo;
		d.pusher = pusher;
		d.verdict = (char *)verdicts[i % 10];
		ref.verdict = d.verdict;
		d.ndiags = strcmp(d.verdict, "accept") != 0;
		diag.rule = (char *)rules[i % 4];
		d.duration_ms = 3;
		if (store_put(st, &d, err, sizeof(err)) == -1) {
			fprintf(stderr, "put %ld: %s\n", i, err);
			exit(1);
		}
		if (i % 100000 == 99999)
			fprintf(stderr, "filled %ld (%.0f puts/s)\n", i + 1,
			    (i + 1) / ((now() - start) / 1e3));
	}
	printf("fill: %ld decisions through store_put in %.1f s (%.0f "
	    "puts/s, %.3f ms each, synchronous=NORMAL)\n", n,
	    (now() - start) / 1e3, n / ((now() - start) / 1e3),
	    (now() - start) / n);
}

/* Median and worst ms of REPS page queries. */
static void
bench(struct store *st, const char *what, struct store_filter f)
{
	struct store_page	 p;
	double			 t[REPS], t0;
	char			 err[1024];
	size_t			 got = 0;
	int			 i;

	for (i = 0; i < REPS; i++) {
		t0 = now();
		if (store_query(st, &f, &p, err, sizeof(err)) == -1) {
			fprintf(stderr, "%s: %s\n", what, err);
			exit(1);
		}
		t[i] = now() - t0;
		got = p.ndecisions;
		store_page_clear(&p);
	}
	qsort(t, REPS, sizeof(t[0]), cmp_double);
	printf("%-40s %5zu %9.2f %9.2f\n", what, got, t[REPS / 2],
	    t[REPS - 1]);
}

int
main(int argc, char **argv)
{
	struct store_filter	 f;
	struct store_page	 p;
	struct store		*st;
	char			 err[1024], *cursor = NULL;
	long			 n = argc > 2 ? atol(argv[2]) : 1000000;
	int			 i;

	if (argc < 2) {
		fprintf(stderr, "usage: decision-query DB [N]\n");
		return 2;
	}
	if ((st = store_sqlite_open_flags(argv[1], STORE_SQLITE_NORMAL, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	memset(&f, 0, sizeof(f));
	f.limit = 1;
	if (store_query(st, &f, &p, err, sizeof(err)) == 0 &&
	    p.ndecisions == 0)
		fill(st, n);
	store_page_clear(&p);
	printf("%-40s %5s %9s %9s\n", "page of 100, newest first", "rows",
	    "p50 ms", "max ms");
	memset(&f, 0, sizeof(f));
	f.limit = 100;
	bench(st, "no filter (first page)", f);
	/* 2,000 pages in: the cursor chain of a long scroll. */
	for (i = 0; i < 2000; i++) {
		f.cursor = cursor;
		if (store_query(st, &f, &p, err, sizeof(err)) == -1)
			return 1;
		free(cursor);
		cursor = p.next_cursor;
		p.next_cursor = NULL;
		store_page_clear(&p);
	}
	f.cursor = cursor;
	bench(st, "no filter, 2,000 pages deep (cursor)", f);
	f.cursor = NULL;
	f.verdict = "reject";
	bench(st, "verdict=reject", f);
	f.verdict = NULL;
	f.repository = "/srv/git/team3/app17.git";
	bench(st, "repo (1 of 200)", f);
	f.repository = NULL;
	f.pusher = "user42";
	bench(st, "pusher (1 of 500)", f);
	f.pusher = NULL;
	f.rule = "single-head";
	bench(st, "rule=single-head", f);
	f.rule = NULL;
	f.ref = "refs/heads/main";
	bench(st, "ref=refs/heads/main", f);
	f.ref = NULL;
	f.since_ms = 1700000000000LL + (long long)n * 250 - 86400000;
	bench(st, "since: the last day", f);
	f.since_ms = 0;
	f.verdict = "observe-reject";
	f.repository = "/srv/git/team3/app17.git";
	bench(st, "repo + verdict=observe-reject", f);
	free(cursor);
	{
		struct store_repo_list	 l;
		double			 t0 = now();
		long			 pruned;

		if (store_repos(st, &l, err, sizeof(err)) == -1)
			return 1;
		printf("store_repos: %zu repositories in %.2f ms\n", l.nrepos,
		    now() - t0);
		store_repo_list_clear(&l);
		/* One prune batch, as the daemon's timer runs it. */
		t0 = now();
		pruned = store_prune(st, 0, 0, n - 3000, argc > 3 ?
		    atol(argv[3]) : 100, err, sizeof(err));
		printf("prune: %ld oldest decisions (one batch, by rows) in "
		    "%.2f ms\n", pruned, now() - t0);
	}
	store_close(st);
	return 0;
}
