/*
 * test_api.c: the HTTP endpoint's request targets (core/api.c): routes,
 * the repository path of the chain endpoints, every decisions parameter
 * and the errors that name the bad one.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/api.h"

#define NOW	1764169445000LL		/* 2025-11-26T15:04:05Z */

static struct api_request	 r;
static struct api_error		 e;

static int
parse(const char *target)
{
	api_request_clear(&r);
	return api_parse(target, NOW, &r, &e);
}

Test(api, routes)
{
	cr_assert_eq(parse("/"), 0);
	cr_assert_eq(r.route, API_PAGE);
	cr_assert_eq(parse("/healthz"), 0);
	cr_assert_eq(r.route, API_HEALTHZ);
	cr_assert_eq(parse("/readyz"), 0);
	cr_assert_eq(parse("/metrics"), 0);
	cr_assert_eq(r.route, API_METRICS);
	cr_assert_eq(parse("/api/v1/repos"), 0);
	cr_assert_eq(r.route, API_REPOS);
	cr_assert_eq(parse("/api/v1/decisions"), 0);
	cr_assert_eq(r.route, API_DECISIONS);
	cr_assert_eq(r.limit, 100);
	cr_assert_eq(parse("/nope"), -1);
	cr_assert_eq(e.status, 404);
	cr_assert_str_eq(e.code, "not_found");
	cr_assert_eq(parse("/healthz/"), -1);
	cr_assert_eq(parse("http://x/healthz"), -1);
	cr_assert_eq(e.status, 400);
	cr_assert_eq(parse("/healthz?x=1"), -1);
	cr_assert_eq(e.status, 400);
	api_request_clear(&r);
}

Test(api, chain_paths)
{
	cr_assert_eq(parse("/api/v1/repos/team%2Fapp.git/chain"), 0);
	cr_assert_eq(r.route, API_CHAIN);
	cr_assert_str_eq(r.repo, "team/app.git");
	cr_assert_null(r.ref);
	cr_assert_eq(parse("/api/v1/repos/team/app.git/chain.dot?ref=main"),
	    0);
	cr_assert_eq(r.route, API_CHAIN_DOT);
	cr_assert_str_eq(r.repo, "team/app.git");
	cr_assert_str_eq(r.ref, "refs/heads/main");
	cr_assert_eq(parse("/api/v1/repos/a.git/chain?ref=refs%2Fheads%2Frelease%2F2.0"), 0);
	cr_assert_str_eq(r.ref, "refs/heads/release/2.0");
	/* Never outside a root, never an echo of the path. */
	static const char *const bad[] = {
		"/api/v1/repos/..%2F..%2Fetc/chain",
		"/api/v1/repos/../x/chain",
		"/api/v1/repos/a/../../b/chain",
		"/api/v1/repos/%2Fetc%2Fpasswd/chain",
		"/api/v1/repos//etc/chain",
		"/api/v1/repos/a%00b/chain",
		"/api/v1/repos/./a/chain",
		"/api/v1/repos/a%5Cb/chain",
		"/api/v1/repos/a%zz/chain",
		"/api/v1/repos/a%2/chain",
		"/api/v1/repos//chain",
		NULL
	};
	for (int i = 0; bad[i] != NULL; i++) {
		cr_expect_eq(parse(bad[i]), -1, "%s", bad[i]);
		cr_expect_eq(e.status, 404, "%s", bad[i]);
		cr_expect_null(strstr(e.message, "etc"), "%s", bad[i]);
	}
	cr_assert_eq(parse("/api/v1/repos/a.git/chain?ref=main..x"), -1);
	cr_assert_eq(e.status, 400);
	cr_assert_eq(parse("/api/v1/repos/a.git/chain?ref=HEAD%7E1"), -1);
	cr_assert_eq(parse("/api/v1/repos/a.git/chain?rev=x"), -1);
	cr_assert(strstr(e.message, "`rev`") != NULL);
	api_request_clear(&r);
}

Test(api, decisions_parameters)
{
	cr_assert_eq(parse("/api/v1/decisions?repo=%2Fsrv%2Fa.git&ref=refs/heads/main&verdict=reject&rule=single-head&pusher=alice+b&mode=observe&since=2025-11-26T14:04:05Z&until=1h&limit=5&cursor=abc"), 0, "%s", e.message);
	cr_assert_str_eq(r.repository, "/srv/a.git");
	cr_assert_str_eq(r.ref, "refs/heads/main");
	cr_assert_str_eq(r.verdict, "reject");
	cr_assert_str_eq(r.rule, "single-head");
	cr_assert_str_eq(r.pusher, "alice b");
	cr_assert_str_eq(r.mode, "observe");
	cr_assert_eq(r.since_ms, NOW - 3600000);
	cr_assert_eq(r.until_ms, NOW - 3600000);
	cr_assert(r.has_since && r.has_until);
	cr_assert_eq(r.limit, 5);
	cr_assert_str_eq(r.cursor, "abc");
	/* Empty values, as a form sends them, do not filter. */
	cr_assert_eq(parse("/api/v1/decisions?repo=&verdict=&limit="), 0);
	cr_assert_null(r.verdict);
	cr_assert_eq(r.limit, 100);
	cr_assert(!r.has_since && !r.has_until, "no time: no time filter");
	api_request_clear(&r);
	/* The epoch is a time like any other, not "no filter". */
	cr_assert_eq(parse("/api/v1/decisions?until=1970-01-01&since="
	    "1970-01-01T00:00:00Z"), 0, "%s", e.message);
	cr_assert_eq(r.until_ms, 0);
	cr_assert_eq(r.since_ms, 0);
	cr_assert(r.has_since && r.has_until);
	api_request_clear(&r);
}

Test(api, bad_parameters_are_named)
{
	static const struct {
		const char	*target, *name;
	} cases[] = {
		{ "/api/v1/decisions?since=yesterday", "`since`" },
		{ "/api/v1/decisions?since=2025-13-01", "`since`" },
		{ "/api/v1/decisions?since=2025-02-30T00:00:00Z", "`since`" },
		{ "/api/v1/decisions?until=2025-11-26T25:00:00Z", "`until`" },
		{ "/api/v1/decisions?until=-1h", "`until`" },
		{ "/api/v1/decisions?limit=0", "`limit`" },
		{ "/api/v1/decisions?limit=1001", "`limit`" },
		{ "/api/v1/decisions?limit=9x", "`limit`" },
		{ "/api/v1/decisions?verdict=maybe", "`verdict`" },
		{ "/api/v1/decisions?mode=loud", "`mode`" },
		{ "/api/v1/decisions?rule=no-such-rule", "`rule`" },
		{ "/api/v1/decisions?cursor=a%0Ab", "`cursor`" },
		{ "/api/v1/decisions?colour=red", "`colour`" },
		{ "/api/v1/decisions?limit=1&limit=2", "`limit`" },
		{ "/api/v1/decisions?ref=a..b", "`ref`" },
		{ NULL, NULL }
	};

	for (int i = 0; cases[i].target != NULL; i++) {
		cr_expect_eq(parse(cases[i].target), -1, "%s", cases[i].target);
		cr_expect_eq(e.status, 400, "%s", cases[i].target);
		cr_expect(strstr(e.message, cases[i].name) != NULL, "%s: %s",
		    cases[i].target, e.message);
	}
	api_request_clear(&r);
}

Test(api, too_many_parameters)
{
	char	 t[512] = "/api/v1/decisions?";

	for (int i = 0; i < 17; i++)
		snprintf(t + strlen(t), sizeof(t) - strlen(t), "p%d=&", i);
	cr_assert_eq(parse(t), -1);
	cr_assert(strstr(e.message, "16") != NULL, "%s", e.message);
	api_request_clear(&r);
}

Test(api, times)
{
	long long	 t;

	cr_assert_eq(api_parse_time("1970-01-01T00:00:00Z", NOW, &t), 0);
	cr_assert_eq(t, 0);
	cr_assert_eq(api_parse_time("2025-11-26T15:04:05Z", 0, &t), 0);
	cr_assert_eq(t, NOW);
	cr_assert_eq(api_parse_time("2025-11-26T15:04:05.250Z", 0, &t), 0);
	cr_assert_eq(t, NOW + 250);
	cr_assert_eq(api_parse_time("2025-11-26T16:04:05+01:00", 0, &t), 0);
	cr_assert_eq(t, NOW);
	cr_assert_eq(api_parse_time("2025-11-26", 0, &t), 0);
	cr_assert_eq(t, NOW - (15 * 3600 + 4 * 60 + 5) * 1000LL);
	cr_assert_eq(api_parse_time("2024-02-29", 0, &t), 0);
	cr_assert_eq(api_parse_time("30d", NOW, &t), 0);
	cr_assert_eq(t, NOW - 30 * 86400000LL);
	cr_assert_eq(api_parse_time("2w", NOW, &t), 0);
	cr_assert_eq(api_parse_time("", NOW, &t), -1);
	cr_assert_eq(api_parse_time("h", NOW, &t), -1);
	cr_assert_eq(api_parse_time("99999999999d", NOW, &t), -1);
	cr_assert_eq(api_parse_time("2025-11-26T15:04:05", NOW, &t), -1);
	cr_assert_eq(api_parse_time("2025-11-26T15:04:05Zjunk", NOW, &t), -1);
	cr_assert_eq(api_parse_time("2025-11-26T15:04:05.Z", NOW, &t), -1);
}

Test(api, refs)
{
	cr_assert_eq(api_check_ref("refs/heads/main"), 0);
	cr_assert_eq(api_check_ref("refs/heads/release/2.0"), 0);
	cr_assert_eq(api_check_ref("refs/heads/a b"), -1);
	cr_assert_eq(api_check_ref("refs/heads/x.lock"), -1);
	cr_assert_eq(api_check_ref("refs/heads/@{1}"), -1);
	cr_assert_eq(api_check_ref("refs/heads/.hidden"), -1);
	cr_assert_eq(api_check_ref("refs/heads/"), -1);
	cr_assert_eq(api_check_ref("refs//heads"), -1);
	cr_assert_eq(api_check_ref(""), -1);
}
