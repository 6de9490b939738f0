/*
 * Unit tests for bounded work: the rules stop when the caller's deadline
 * callback says so (the core reads no clock), the request carries the
 * hook's budget, and the worker pool gives up waiting for a stuck job.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "revguard/proto.h"
#include "revguard/rules.h"
#include "revguard/worker.h"

#define SHA1_A "1111111111111111111111111111111111111111"
#define NULL40 "0000000000000000000000000000000000000000"

/* Says "expired" after `left` looks. */
static int
countdown(void *ctx)
{
	int	*left = ctx;

	return (*left)-- <= 0;
}

Test(deadline, rules_stop_when_expired)
{
	struct policy		 pol;
	struct rules_input	 in;
	struct diag_list	 out = DIAG_LIST_INIT;
	struct graph		 g;
	char			 err[256], rev[16];
	int			 i, left = 3;

	for (i = 0; i < 50; i++) {
		snprintf(rev, sizeof(rev), "%012x", 0x3a7c91 * (i + 1));
		add(rev, "");
	}
	cr_assert_eq(policy_init(&pol), 0);
	cr_assert_eq(policy_compile(&pol, err, sizeof(err)), 0, "%s", err);
	memset(&g, 0, sizeof(g));
	cr_assert_eq(graph_build(&g, ms, nms), 0);
	memset(&in, 0, sizeof(in));
	in.migrations = ms;
	in.n = nms;
	in.expired = countdown;
	in.expired_ctx = &left;
	cr_assert_eq(rules_run(&pol, &in, &g, &out), -1);
	cr_assert_lt(left, 0, "looked at the deadline %d times", 3 - left);
	cr_assert_gt(left, -3, "kept going after the deadline");
	diag_list_clear(&out);
	/* Without a deadline the same input runs to the end. */
	in.expired = NULL;
	cr_assert_eq(rules_run(&pol, &in, &g, &out), 0);
	diag_list_clear(&out);
	graph_free(&g);
	policy_free(&pol);
	clear_all();
}

Test(deadline, request_budget_round_trip)
{
	struct push_request	 req, back;
	enum push_unavailable	 u;
	char			 err[256];
	json_t			*j;
	int			 budget;

	memset(&req, 0, sizeof(req));
	req.repository = strdup("/srv/git/a.git");
	cr_assert_eq(push_request_add_update(&req, NULL40, SHA1_A,
	    "refs/heads/main"), 0);
	/* Not said: no fields, and the daemon reads "not said". */
	j = proto_request_to_json(&req);
	cr_assert_null(json_object_get(j, "timeout_ms"));
	proto_request_budget(j, &budget, &u);
	cr_assert_eq(budget, 0);
	cr_assert_eq(u, PUSH_UNAVAILABLE_UNSAID);
	json_decref(j);

	req.timeout_ms = 3750;
	req.on_unavailable = PUSH_UNAVAILABLE_ACCEPT;
	j = proto_request_to_json(&req);
	proto_request_budget(j, &budget, &u);
	cr_assert_eq(budget, 3750);
	cr_assert_eq(u, PUSH_UNAVAILABLE_ACCEPT);
	cr_assert_eq(proto_request_from_json(j, &back, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(back.timeout_ms, 3750);
	cr_assert_eq(back.on_unavailable, PUSH_UNAVAILABLE_ACCEPT);
	push_request_clear(&back);

	/* Bad values: the full parse names the field; the budget reader
	 * falls back to "not said". */
	json_object_set_new(j, "timeout_ms", json_integer(-5));
	proto_request_budget(j, &budget, &u);
	cr_assert_eq(budget, 0);
	cr_assert_eq(proto_request_from_json(j, &back, err, sizeof(err)), -1);
	cr_assert(strstr(err, "`timeout_ms`") != NULL, "%s", err);
	push_request_clear(&back);
	json_object_set_new(j, "timeout_ms", json_integer(100));
	json_object_set_new(j, "on_unavailable", json_string("maybe"));
	cr_assert_eq(proto_request_from_json(j, &back, err, sizeof(err)), -1);
	cr_assert(strstr(err, "`on_unavailable`") != NULL, "%s", err);
	push_request_clear(&back);
	json_decref(j);
	push_request_clear(&req);
}

static volatile int	 release_job;

static void
stuck_run(struct worker_job *j)
{
	(void)j;
	while (!release_job)
		usleep(1000);
}

Test(deadline, pool_stop_gives_up_on_a_stuck_job)
{
	struct worker_pool	*p = worker_pool_new(1);
	struct worker_job	 job = { NULL, stuck_run };

	cr_assert_not_null(p);
	worker_pool_submit(p, &job);
	usleep(20000);
	cr_assert_eq(worker_pool_stop(p, 50), -1);
	release_job = 1;
	cr_assert_eq(worker_pool_stop(p, 2000), 0);
	(void)worker_pool_free(p);
}
