/*
 * store_suite.c: what every decision-log backend must do, whatever it
 * stores in: a decision comes back as it went in, filters and pages
 * (newest first, a cursor that neither skips nor repeats while new
 * decisions arrive), counts per repository, pruning by age and by rows
 * within a budget, clear errors.  The backend's file provides the store.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_suite.h"

static struct store	*st;
static char		 err[1024];

static void
setup(void)
{
	st = suite_store_open();
	if (st == NULL)
		cr_skip_test("no store for this backend here");
}

static void
teardown(void)
{
	store_close(st);
	st = NULL;
	suite_store_cleanup();
}

TestSuite(store, .init = setup, .fini = teardown);

/* A decision with one or two refs and diagnostics; strings are static. */
static struct store_decision
sample(const char *repo, const char *verdict, long long time_ms)
{
	static struct store_ref		 refs[2] = {
		{ "refs/heads/main", "1111", "2222", "reject", "checked",
		    NULL },
		{ "refs/heads/dev", "0000", "3333", "skip", "not-guarded",
		    "not guarded" },
	};
	static struct store_diag	 diags[2] = {
		{ 0, "multiple-heads", "error", "migrations/versions/a.py",
		    7, "abc123", "two heads: abc123 and def456", 0 },
		{ 0, "missing-docstring", "warning", NULL, 0, NULL,
		    "no docstring", 1 },
	};
	struct store_decision	 d;

	memset(&d, 0, sizeof(d));
	d.node = "node-a";
	d.time_ms = time_ms;
	d.repository = (char *)repo;
	d.mode = "enforce";
	d.source = "daemon";
	d.pusher = "alice";
	d.pusher_env = "USER=alice\nGL_USERNAME=alice\n";
	d.verdict = (char *)verdict;
	d.duration_ms = 12;
	d.version = "9.9";
	d.config_digest = "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855";
	d.refs = refs;
	d.nrefs = 2;
	d.diags = diags;
	d.ndiags = 2;
	return d;
}

static void
put(struct store_decision *d)
{
	cr_assert_eq(store_put(st, d, err, sizeof(err)), 0, "%s", err);
}

/* The decision's strings are the caller's; put a copy's seq back. */
static long long
put_sample(const char *repo, const char *verdict, long long t)
{
	struct store_decision	 d = sample(repo, verdict, t);

	put(&d);
	cr_assert_gt(d.seq, 0);
	return d.seq;
}

static void
query(const struct store_filter *f, struct store_page *p)
{
	cr_assert_eq(store_query(st, f, p, err, sizeof(err)), 0, "%s", err);
}

static size_t
count_all(struct store_filter f)
{
	struct store_page	 p;
	size_t			 n = 0;
	char			*cursor = NULL;

	f.limit = STORE_PAGE_MAX;
	do {
		f.cursor = cursor;
		query(&f, &p);
		n += p.ndecisions;
		free(cursor);
		cursor = p.next_cursor ? strdup(p.next_cursor) : NULL;
		store_page_clear(&p);
	} while (cursor != NULL);
	return n;
}

#define STR_EQ(a, b)	cr_assert_str_eq((a) ? (a) : "(null)", \
			    (b) ? (b) : "(null)")

Test(store, round_trip)
{
	struct store_decision	 d = sample("/srv/git/a.git", STORE_REJECT,
				    1700000000000LL);
	struct store_filter	 f = { 0 };
	struct store_page	 p;
	struct store_decision	*g;

	d.error = NULL;
	d.bypass_reason = "hotfix INC-1";
	put(&d);
	cr_assert_gt(d.seq, 0);
	query(&f, &p);
	cr_assert_eq(p.ndecisions, 1);
	cr_assert_null(p.next_cursor);
	g = &p.decisions[0];
	cr_assert_eq(g->seq, d.seq);
	STR_EQ(g->node, "node-a");
	cr_assert_eq(g->time_ms, 1700000000000LL);
	STR_EQ(g->repository, "/srv/git/a.git");
	STR_EQ(g->mode, "enforce");
	STR_EQ(g->source, "daemon");
	STR_EQ(g->pusher, "alice");
	STR_EQ(g->pusher_env, "USER=alice\nGL_USERNAME=alice\n");
	STR_EQ(g->verdict, "reject");
	cr_assert_null(g->error);
	STR_EQ(g->bypass_reason, "hotfix INC-1");
	cr_assert_eq(g->duration_ms, 12);
	STR_EQ(g->version, "9.9");
	STR_EQ(g->config_digest, d.config_digest);
	cr_assert_eq(g->nrefs, 2);
	STR_EQ(g->refs[0].ref, "refs/heads/main");
	STR_EQ(g->refs[0].old_id, "1111");
	STR_EQ(g->refs[0].new_id, "2222");
	STR_EQ(g->refs[0].verdict, "reject");
	STR_EQ(g->refs[0].outcome, "checked");
	cr_assert_null(g->refs[0].reason);
	STR_EQ(g->refs[1].reason, "not guarded");
	cr_assert_eq(g->ndiags, 2);
	STR_EQ(g->diags[0].rule, "multiple-heads");
	STR_EQ(g->diags[0].severity, "error");
	STR_EQ(g->diags[0].file, "migrations/versions/a.py");
	cr_assert_eq(g->diags[0].line, 7);
	STR_EQ(g->diags[0].revision, "abc123");
	STR_EQ(g->diags[0].message, "two heads: abc123 and def456");
	cr_assert_eq(g->diags[0].old, 0);
	cr_assert_null(g->diags[1].file);
	cr_assert_eq(g->diags[1].line, 0);
	cr_assert_eq(g->diags[1].old, 1);
	store_page_clear(&p);
}

Test(store, hostile_strings_are_data)
{
	struct store_decision	 d = sample("/srv/git/x'); DROP TABLE "
				    "decisions; --", STORE_ACCEPT, 5);
	struct store_filter	 f = { 0 };
	struct store_page	 p;

	d.pusher = "\xe2\x80\xae" "eve\n\"quoted\"";
	put(&d);
	f.pusher = d.pusher;
	query(&f, &p);
	cr_assert_eq(p.ndecisions, 1);
	STR_EQ(p.decisions[0].repository, d.repository);
	STR_EQ(p.decisions[0].pusher, d.pusher);
	store_page_clear(&p);
}

Test(store, filters)
{
	struct store_decision	 d;
	struct store_filter	 f;

	put_sample("/r/a.git", STORE_ACCEPT, 1000);
	put_sample("/r/a.git", STORE_REJECT, 2000);
	put_sample("/r/b.git", STORE_OBSERVE_REJECT, 3000);
	d = sample("/r/b.git", STORE_FAIL_OPEN, 4000);
	d.pusher = "bob";
	d.mode = "observe";
	d.source = "hook";
	d.nrefs = 1;
	d.ndiags = 0;
	put(&d);

	memset(&f, 0, sizeof(f));
	cr_assert_eq(count_all(f), 4);
	f.repository = "/r/a.git";
	cr_assert_eq(count_all(f), 2);
	memset(&f, 0, sizeof(f));
	f.verdict = STORE_REJECT;
	cr_assert_eq(count_all(f), 1);
	memset(&f, 0, sizeof(f));
	f.pusher = "bob";
	cr_assert_eq(count_all(f), 1);
	memset(&f, 0, sizeof(f));
	f.mode = "observe";
	cr_assert_eq(count_all(f), 1);
	memset(&f, 0, sizeof(f));
	f.ref = "refs/heads/dev";
	cr_assert_eq(count_all(f), 3, "the fourth has only main");
	f.ref = "refs/heads/main";
	cr_assert_eq(count_all(f), 4);
	memset(&f, 0, sizeof(f));
	f.rule = "multiple-heads";
	cr_assert_eq(count_all(f), 3, "the fourth has no diagnostics");
	f.rule = "no-such-rule";
	cr_assert_eq(count_all(f), 0);
	memset(&f, 0, sizeof(f));
	f.since_ms = 2000;
	f.has_since = 1;
	cr_assert_eq(count_all(f), 3, "since is inclusive");
	f.until_ms = 4000;
	f.has_until = 1;
	cr_assert_eq(count_all(f), 2, "until is exclusive");
	f.repository = "/r/b.git";
	f.verdict = STORE_OBSERVE_REJECT;
	cr_assert_eq(count_all(f), 1, "filters combine");
}

/* The epoch is a time like any other: 0 with has_until matches nothing. */
Test(store, the_epoch_filters)
{
	struct store_filter	 f;

	put_sample("/r/a.git", STORE_ACCEPT, 500);
	put_sample("/r/a.git", STORE_REJECT, 1000);
	memset(&f, 0, sizeof(f));
	cr_assert_eq(count_all(f), 2, "no time given: no time filter");
	f.has_until = 1;
	cr_assert_eq(count_all(f), 0, "until the epoch: nothing");
	f.has_until = 0;
	f.has_since = 1;
	cr_assert_eq(count_all(f), 2, "since the epoch: everything");
	f.until_ms = 1000;
	f.has_until = 1;
	cr_assert_eq(count_all(f), 1, "since the epoch until 1000");
}

Test(store, newest_first_with_ties)
{
	struct store_filter	 f = { 0 };
	struct store_page	 p;
	struct store_decision	 d;
	long long		 a, b;

	a = put_sample("/r/a.git", STORE_ACCEPT, 500);
	b = put_sample("/r/a.git", STORE_ACCEPT, 500);
	put_sample("/r/a.git", STORE_ACCEPT, 100);
	d = sample("/r/a.git", STORE_ACCEPT, 500);
	d.node = "node-b";
	put(&d);
	put_sample("/r/a.git", STORE_ACCEPT, 900);
	query(&f, &p);
	cr_assert_eq(p.ndecisions, 5);
	cr_assert_eq(p.decisions[0].time_ms, 900);
	/* Equal times: node, then seq, descending. */
	STR_EQ(p.decisions[1].node, "node-b");
	cr_assert_eq(p.decisions[2].seq, b);
	cr_assert_eq(p.decisions[3].seq, a);
	cr_assert_eq(p.decisions[4].time_ms, 100);
	store_page_clear(&p);
}

Test(store, cursor_is_stable_while_decisions_arrive)
{
	struct store_filter	 f = { 0 };
	struct store_page	 p;
	char			*cursor = NULL;
	int			 seen[260] = { 0 };
	long long		 first_seq = 0, seq;
	size_t			 i, pages = 0, total = 0;

	/* 250 decisions, many sharing a millisecond. */
	for (i = 0; i < 250; i++) {
		seq = put_sample("/r/a.git", STORE_ACCEPT, 1000 + (long long)
		    (i / 7));
		if (i == 0)
			first_seq = seq;
	}
	f.limit = 40;
	do {
		f.cursor = cursor;
		query(&f, &p);
		for (i = 0; i < p.ndecisions; i++) {
			seq = p.decisions[i].seq - first_seq;
			if (seq >= 0 && seq < 250) {
				cr_assert_eq(seen[seq], 0, "seq %lld twice",
				    seq);
				seen[seq] = 1;
				total++;
			}
		}
		free(cursor);
		cursor = p.next_cursor ? strdup(p.next_cursor) : NULL;
		store_page_clear(&p);
		/* New decisions arrive between pages, newer and within
		 * the millisecond of the last page. */
		put_sample("/r/a.git", STORE_ACCEPT, 5000 + (long long)pages);
		put_sample("/r/a.git", STORE_ACCEPT, 1000);
		pages++;
	} while (cursor != NULL && pages < 100);
	cr_assert_eq(total, 250, "every old decision once, got %zu", total);
}

Test(store, limits_and_bad_cursors)
{
	struct store_filter	 f = { 0 };
	struct store_page	 p;
	int			 i;

	for (i = 0; i < 120; i++)
		put_sample("/r/a.git", STORE_ACCEPT, i);
	query(&f, &p);
	cr_assert_eq(p.ndecisions, STORE_PAGE_DEFAULT);
	cr_assert_not_null(p.next_cursor);
	store_page_clear(&p);
	f.limit = 1000000;
	query(&f, &p);
	cr_assert_eq(p.ndecisions, 120);
	cr_assert_null(p.next_cursor);
	store_page_clear(&p);
	for (i = 0; i < 5; i++) {
		static const char *const bad[] = { "x", "1.2", "1.2.zz",
			"-1.2.61", "1.2.6" };

		f.cursor = bad[i];
		cr_assert_eq(store_query(st, &f, &p, err, sizeof(err)), -1,
		    "cursor %s", bad[i]);
		cr_assert(strstr(err, "cursor") != NULL, "%s", err);
	}
}

Test(store, put_needs_the_key_fields)
{
	struct store_decision	 d = sample("/r/a.git", STORE_ACCEPT, 1);

	d.verdict = NULL;
	cr_assert_eq(store_put(st, &d, err, sizeof(err)), -1);
	cr_assert(strlen(err) > 0);
	d = sample(NULL, STORE_ACCEPT, 1);
	cr_assert_eq(store_put(st, &d, err, sizeof(err)), -1);
}

Test(store, repos)
{
	struct store_repo_list	 l;

	put_sample("/r/b.git", STORE_ACCEPT, 10);
	put_sample("/r/a.git", STORE_REJECT, 20);
	put_sample("/r/a.git", STORE_ACCEPT, 30);
	put_sample("/r/a.git", STORE_FAIL_OPEN, 25);
	put_sample("/r/a.git", STORE_OBSERVE_REJECT, 5);
	put_sample("/r/a.git", STORE_FAIL_CLOSED, 6);
	put_sample("/r/a.git", STORE_ERROR, 7);
	put_sample("/r/a.git", STORE_BYPASS, 8);
	cr_assert_eq(store_repos(st, &l, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(l.nrepos, 2);
	STR_EQ(l.repos[0].repository, "/r/a.git");
	cr_assert_eq(l.repos[0].last_time_ms, 30);
	STR_EQ(l.repos[0].last_verdict, "accept");
	cr_assert_eq(l.repos[0].accept, 1);
	cr_assert_eq(l.repos[0].reject, 1);
	cr_assert_eq(l.repos[0].fail_open, 1);
	cr_assert_eq(l.repos[0].fail_closed, 1);
	cr_assert_eq(l.repos[0].observe_reject, 1);
	cr_assert_eq(l.repos[0].error, 1);
	cr_assert_eq(l.repos[0].bypass, 1);
	STR_EQ(l.repos[1].repository, "/r/b.git");
	cr_assert_eq(l.repos[1].accept, 1);
	cr_assert_eq(l.repos[1].reject, 0);
	store_repo_list_clear(&l);
}

Test(store, prune_by_age_within_budget)
{
	struct store_filter	 f = { 0 };
	struct store_repo_list	 l;
	long			 n;
	int			 i;

	for (i = 0; i < 30; i++)
		put_sample("/r/old.git", STORE_ACCEPT, 1000 + i);
	for (i = 0; i < 5; i++)
		put_sample("/r/new.git", STORE_REJECT, 100000 + i);
	/* now 101000, max age 50000: everything before 51000 goes. */
	n = store_prune(st, 101000, 50000, 0, 12, err, sizeof(err));
	cr_assert_eq(n, 12, "the budget bounds one call (%ld: %s)", n, err);
	cr_assert_eq(count_all(f), 23);
	n = store_prune(st, 101000, 50000, 0, 100, err, sizeof(err));
	cr_assert_eq(n, 18);
	cr_assert_eq(store_prune(st, 101000, 50000, 0, 100, err,
	    sizeof(err)), 0);
	cr_assert_eq(count_all(f), 5);
	f.repository = "/r/old.git";
	cr_assert_eq(count_all(f), 0);
	f.repository = NULL;
	f.rule = "multiple-heads";
	cr_assert_eq(count_all(f), 5, "pruned decisions take their diags");
	cr_assert_eq(store_repos(st, &l, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(l.nrepos, 1, "a repository with nothing left goes");
	STR_EQ(l.repos[0].repository, "/r/new.git");
	cr_assert_eq(l.repos[0].reject, 5);
	store_repo_list_clear(&l);
}

Test(store, prune_by_rows_keeps_the_newest)
{
	struct store_filter	 f = { 0 };
	struct store_page	 p;
	int			 i;

	for (i = 0; i < 50; i++)
		put_sample("/r/a.git", STORE_ACCEPT, 1000 + i);
	cr_assert_eq(store_prune(st, 2000, 0, 20, 10, err, sizeof(err)), 10);
	cr_assert_eq(store_prune(st, 2000, 0, 20, 1000, err, sizeof(err)),
	    20);
	cr_assert_eq(store_prune(st, 2000, 0, 20, 1000, err, sizeof(err)), 0);
	f.limit = 1000;
	query(&f, &p);
	cr_assert_eq(p.ndecisions, 20);
	cr_assert_eq(p.decisions[0].time_ms, 1049);
	cr_assert_eq(p.decisions[19].time_ms, 1030);
	store_page_clear(&p);
	/* No limits: nothing to do. */
	cr_assert_eq(store_prune(st, 2000, 0, 0, 1000, err, sizeof(err)), 0);
}

Test(store, seq_is_never_reused)
{
	long long	 a, b;

	a = put_sample("/r/a.git", STORE_ACCEPT, 1);
	cr_assert_eq(store_prune(st, 10, 1, 0, 10, err, sizeof(err)), 1);
	b = put_sample("/r/a.git", STORE_ACCEPT, 20);
	cr_assert_gt(b, a, "a pruned seq came back (%lld after %lld)", b, a);
}
