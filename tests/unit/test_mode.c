/*
 * test_mode.c: observe mode and the audited bypass on a judged push
 * (mode_settle), the bypass option and reason checks, the identity a
 * bypass trusts (identity_pick), and the UTF-8 cleaning the hook gives
 * push options.  Pure: results are built by hand.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/identity.h"
#include "revguard/mode.h"
#include "revguard/vis.h"

#define SHA1_A "1111111111111111111111111111111111111111"

static struct push_request	 req;
static struct push_result	 res;
static struct strvec		 observe = STRVEC_INIT, allow = STRVEC_INIT;
static struct mode_policy	 pol;

static void
setup(void)
{
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	memset(&pol, 0, sizeof(pol));
	pol.observe_refs = &observe;
	pol.bypass_allow = &allow;
	strvec_push(&observe, "refs/heads/exp/*");
	strvec_push(&allow, "alice");
}

static void
teardown(void)
{
	push_request_clear(&req);
	push_result_clear(&res);
	strvec_clear(&observe);
	strvec_clear(&allow);
}

TestSuite(mode, .init = setup, .fini = teardown);

/* A ref that failed its check with one error. */
static void
failed(const char *ref)
{
	struct push_ref_result	*r;

	cr_assert_not_null(r = push_result_add(&res, ref, SHA1_A,
	    PUSH_REJECT, PUSH_CHECKED, "1 error"));
	r->errors = 1;
}

static void
passed(const char *ref)
{
	cr_assert_not_null(push_result_add(&res, ref, SHA1_A, PUSH_ACCEPT,
	    PUSH_CHECKED, "0 errors"));
}

static const char *
last_note(void)
{
	cr_assert_gt(res.notes.len, 0);
	return res.notes.items[res.notes.len - 1];
}

Test(mode, enforce_rejects_and_sets_would_reject)
{
	failed("refs/heads/main");
	cr_assert_eq(mode_settle(&pol, &req, &res), 0);
	cr_assert(res.reject);
	cr_assert(res.would_reject);
	cr_assert_eq(res.mode, PUSH_MODE_ENFORCE);
	cr_assert_str_eq(push_result_verdict(&res), "reject");
	cr_assert_eq(res.bypass, PUSH_BYPASS_NONE);
}

Test(mode, clean_push_would_not_reject)
{
	passed("refs/heads/main");
	res.would_reject = 1;	/* stale: settle recomputes */
	cr_assert_eq(mode_settle(&pol, &req, &res), 0);
	cr_assert(!res.reject);
	cr_assert(!res.would_reject);
	cr_assert_str_eq(push_result_verdict(&res), "accept");
	cr_assert_str_eq(push_ref_verdict(&res, &res.refs[0]), "accept");
}

Test(mode, observe_repository_never_rejects)
{
	pol.mode = PUSH_MODE_OBSERVE;
	failed("refs/heads/main");
	passed("refs/heads/release/1");
	cr_assert_eq(mode_settle(&pol, &req, &res), 0);
	cr_assert(!res.reject);
	cr_assert(res.would_reject);
	cr_assert_eq(res.mode, PUSH_MODE_OBSERVE);
	cr_assert_eq(res.refs[0].mode, PUSH_MODE_OBSERVE);
	cr_assert_eq(res.refs[0].verdict, PUSH_REJECT, "the judgement stays");
	cr_assert_str_eq(push_result_verdict(&res), "observe-reject");
}

Test(mode, observed_ref_glob)
{
	failed("refs/heads/exp/a/b");
	cr_assert_eq(mode_settle(&pol, &req, &res), 0);
	cr_assert(!res.reject);
	cr_assert(res.would_reject);
	cr_assert_eq(res.mode, PUSH_MODE_OBSERVE);
	cr_assert_str_eq(push_result_verdict(&res), "observe-reject");
	cr_assert(mode_ref_observed(&observe, "refs/heads/exp/x"));
	cr_assert(!mode_ref_observed(&observe, "refs/heads/main"));
	cr_assert(!mode_ref_observed(NULL, "refs/heads/exp/x"));
}

Test(mode, enforced_ref_beside_an_observed_one_rejects)
{
	failed("refs/heads/exp/x");
	failed("refs/heads/main");
	cr_assert_eq(mode_settle(&pol, &req, &res), 0);
	cr_assert(res.reject);
	cr_assert_eq(res.mode, PUSH_MODE_ENFORCE);
	cr_assert_eq(res.refs[0].mode, PUSH_MODE_OBSERVE);
	cr_assert_eq(res.refs[1].mode, PUSH_MODE_ENFORCE);
	cr_assert_str_eq(push_ref_verdict(&res, &res.refs[0]),
	    "observe-reject");
	cr_assert_str_eq(push_ref_verdict(&res, &res.refs[1]), "reject");
}

Test(mode, bypass_granted)
{
	failed("refs/heads/main");
	strvec_push(&req.push_options, "ci.skip");
	strvec_push(&req.push_options, "revguard.bypass=incident 42");
	strvec_push(&req.pusher, "USER=git");
	strvec_push(&req.pusher, "GL_USERNAME=alice");
	cr_assert_eq(mode_settle(&pol, &req, &res), 0);
	cr_assert(!res.reject);
	cr_assert(res.would_reject);
	cr_assert_eq(res.bypass, PUSH_BYPASS_GRANTED);
	cr_assert_str_eq(res.bypass_by, "alice");
	cr_assert_str_eq(res.bypass_reason, "incident 42");
	cr_assert_str_eq(push_result_verdict(&res), "bypass");
	cr_assert_eq(res.refs[0].verdict, PUSH_REJECT, "the judgement stays");
	cr_assert_str_eq(push_ref_verdict(&res, &res.refs[0]), "bypass");
}

Test(mode, bypass_refused_for_others)
{
	failed("refs/heads/main");
	strvec_push(&req.push_options, "revguard.bypass=please");
	strvec_push(&req.pusher, "GL_USERNAME=mallory");
	cr_assert_eq(mode_settle(&pol, &req, &res), 0);
	cr_assert(res.reject);
	cr_assert_eq(res.bypass, PUSH_BYPASS_REFUSED);
	cr_assert_null(res.bypass_by);
	cr_assert_str_eq(last_note(), "revguard.bypass=\"please\" refused: "
	    "bypass is not allowed for `mallory` (from GL_USERNAME): only the "
	    "identities in bypass.allow may bypass");
}

Test(mode, bypass_refused_without_reason_or_identity)
{
	failed("refs/heads/main");
	strvec_push(&req.push_options, "revguard.bypass");
	strvec_push(&req.pusher, "GITEA_PUSHER_NAME=alice");
	cr_assert_eq(mode_settle(&pol, &req, &res), 0);
	cr_assert(res.reject);
	cr_assert_str_eq(last_note(), "revguard.bypass refused: a bypass "
	    "needs a reason: push with -o revguard.bypass=\"why this cannot "
	    "wait\"");

	push_result_clear(&res);
	failed("refs/heads/main");
	strvec_clear(&req.pusher);
	strvec_push(&req.pusher, "USER=alice");	/* the shared account */
	strvec_clear(&req.push_options);
	strvec_push(&req.push_options, "revguard.bypass=x");
	cr_assert_eq(mode_settle(&pol, &req, &res), 0);
	cr_assert(res.reject);
	cr_assert(strstr(last_note(), "this server does not say who pushes"));

	push_result_clear(&res);
	failed("refs/heads/main");
	strvec_clear(&allow);
	strvec_push(&req.pusher, "GL_USERNAME=alice");
	cr_assert_eq(mode_settle(&pol, &req, &res), 0);
	cr_assert(res.reject);
	cr_assert(strstr(last_note(), "bypass.allow lists nobody"));
}

Test(mode, bypass_with_identity_var)
{
	pol.identity_var = "REVGUARD_PUSHER";
	failed("refs/heads/main");
	strvec_push(&req.push_options, "revguard.bypass=train");
	strvec_push(&req.pusher, "GL_USERNAME=alice");
	cr_assert_eq(mode_settle(&pol, &req, &res), 0);
	cr_assert(res.reject, "only the configured variable counts");
	cr_assert(strstr(last_note(), "REVGUARD_PUSHER, which names the "
	    "pusher here, is not set"));

	push_result_clear(&res);
	failed("refs/heads/main");
	strvec_push(&req.pusher, "REVGUARD_PUSHER=alice");
	cr_assert_eq(mode_settle(&pol, &req, &res), 0);
	cr_assert(!res.reject);
	cr_assert_str_eq(res.bypass_by, "alice");
}

Test(mode, hostile_reason_is_refused_and_shown_escaped)
{
	failed("refs/heads/main");
	strvec_push(&req.push_options, "revguard.bypass=a\nremote: ok\x1b[0m"
	    "\\n");
	strvec_push(&req.pusher, "GL_USERNAME=alice");
	cr_assert_eq(mode_settle(&pol, &req, &res), 0);
	cr_assert(res.reject);
	cr_assert_str_eq(last_note(), "revguard.bypass=\"a\\nremote: ok"
	    "\\x1b[0m\\\\n\" refused: the bypass reason holds a control "
	    "character, a line break, a bidirectional override or bytes that "
	    "are not UTF-8");
	cr_assert_null(strchr(last_note(), '\n'));
}

Test(mode, long_reason_is_cut_when_shown)
{
	char	 opt[5100];

	failed("refs/heads/main");
	snprintf(opt, sizeof(opt), "revguard.bypass=%04990d", 0);
	strvec_push(&req.push_options, opt);
	strvec_push(&req.pusher, "GL_USERNAME=alice");
	cr_assert_eq(mode_settle(&pol, &req, &res), 0);
	cr_assert(res.reject);
	cr_assert(strstr(last_note(), "4990 bytes, more than the 200"));
	cr_assert_lt(strlen(last_note()), 400);
}

Test(mode, nothing_to_bypass)
{
	passed("refs/heads/main");
	strvec_push(&req.push_options, "revguard.bypass=just in case");
	strvec_push(&req.pusher, "GL_USERNAME=alice");
	cr_assert_eq(mode_settle(&pol, &req, &res), 0);
	cr_assert(!res.reject);
	cr_assert_eq(res.bypass, PUSH_BYPASS_UNUSED);
	cr_assert_null(res.bypass_reason);
	cr_assert_str_eq(push_result_verdict(&res), "accept");
	cr_assert(strstr(last_note(), "nothing to bypass"));
}

Test(mode, bypass_option_lookup)
{
	struct strvec	 o = STRVEC_INIT;
	const char	*r;

	cr_assert_eq(mode_bypass_option(&o, &r), 0);
	strvec_push(&o, "revguard.bypassed=x");
	strvec_push(&o, "xrevguard.bypass=x");
	cr_assert_eq(mode_bypass_option(&o, &r), 0);
	strvec_push(&o, "revguard.bypass=a=b");
	cr_assert_eq(mode_bypass_option(&o, &r), 1);
	cr_assert_str_eq(r, "a=b");
	strvec_push(&o, "revguard.bypass");
	cr_assert_eq(mode_bypass_option(&o, &r), 2);
	strvec_clear(&o);
}

Test(mode, reason_check)
{
	char	 why[256];

	cr_assert_eq(mode_reason_check("incident 42: db down", why,
	    sizeof(why)), 0);
	cr_assert_eq(mode_reason_check("caf\xc3\xa9 \\ \"quoted\"", why,
	    sizeof(why)), 0);
	cr_assert_eq(mode_reason_check("", why, sizeof(why)), -1);
	cr_assert_eq(mode_reason_check("   ", why, sizeof(why)), -1);
	cr_assert_eq(mode_reason_check("a\tb", why, sizeof(why)), -1);
	cr_assert_eq(mode_reason_check("a\x7f", why, sizeof(why)), -1);
	cr_assert_eq(mode_reason_check("a\xe2\x80\xae" "b", why,
	    sizeof(why)), -1, "a bidirectional override");
	cr_assert_eq(mode_reason_check("a\xef\xbf\xbd", why, sizeof(why)),
	    -1, "the hook's stand-in for bytes that were not UTF-8");
	cr_assert_eq(mode_reason_check("\xff", why, sizeof(why)), -1);
}

Test(identity, host_variables_in_order)
{
	struct strvec	 p = STRVEC_INIT;
	const char	*from;

	strvec_push(&p, "USER=git");
	cr_assert_null(identity_pick(&p, NULL, &from), "USER is the account");
	cr_assert_null(from);
	strvec_push(&p, "REMOTE_USER=web");
	strvec_push(&p, "GL_USERNAME=gl");
	cr_assert_str_eq(identity_pick(&p, NULL, &from), "gl");
	cr_assert_str_eq(from, "GL_USERNAME");
	strvec_push(&p, "GITHUB_USER_LOGIN=octo");
	cr_assert_str_eq(identity_pick(&p, NULL, &from), "octo");
	cr_assert_str_eq(identity_pick(&p, "USER", &from), "git");
	cr_assert_str_eq(from, "USER");
	cr_assert_null(identity_pick(&p, "NOPE", &from));
	cr_assert_str_eq(from, "NOPE");
	strvec_clear(&p);
}

Test(identity, unusable_values_are_nobody)
{
	struct strvec	 p = STRVEC_INIT;
	const char	*from;
	char		 big[IDENTITY_MAX + 20];

	strvec_push(&p, "GITHUB_USER_LOGIN=");
	strvec_push(&p, "GL_USERNAME=alice");
	cr_assert_null(identity_pick(&p, NULL, &from),
	    "an empty host variable does not fall through to another");
	cr_assert_str_eq(from, "GITHUB_USER_LOGIN");
	strvec_clear(&p);
	strvec_push(&p, "GL_USERNAME=al ice");
	cr_assert_null(identity_pick(&p, NULL, &from));
	strvec_clear(&p);
	strvec_push(&p, "GL_USERNAME=al\nice");
	cr_assert_null(identity_pick(&p, NULL, &from));
	strvec_clear(&p);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "GL_USERNAME=", 12);
	strvec_push(&p, big);
	cr_assert_null(identity_pick(&p, NULL, &from));
	strvec_clear(&p);
	strvec_push(&p, "GL_USERNAME=j\xc3\xb6rg");
	cr_assert_str_eq(identity_pick(&p, NULL, &from), "j\xc3\xb6rg");
	strvec_clear(&p);
}

Test(identity, variable_names)
{
	char	 why[256];

	cr_assert_eq(identity_var_check("REVGUARD_PUSHER", why, sizeof(why)),
	    0);
	cr_assert_eq(identity_var_check("USER", why, sizeof(why)), 0);
	cr_assert_eq(identity_var_check("GIT_PUSH_OPTION_0", why,
	    sizeof(why)), -1);
	cr_assert(strstr(why, "can be set by the pusher"));
	cr_assert_eq(identity_var_check("LC_ALL", why, sizeof(why)), -1);
	cr_assert_eq(identity_var_check("LANG", why, sizeof(why)), -1);
	cr_assert_eq(identity_var_check("1X", why, sizeof(why)), -1);
	cr_assert_eq(identity_var_check("A-B", why, sizeof(why)), -1);
	cr_assert_eq(identity_var_check("", why, sizeof(why)), -1);
}

Test(vis, utf8_clean)
{
	char	*s;

	s = vis_utf8_clean("plain caf\xc3\xa9", 100);
	cr_assert_str_eq(s, "plain caf\xc3\xa9");
	free(s);
	s = vis_utf8_clean("a\xff" "b\xc3", 100);
	cr_assert_str_eq(s, "a\xef\xbf\xbd" "b\xef\xbf\xbd");
	free(s);
	s = vis_utf8_clean("ab\xc3\xa9", 3);
	cr_assert_str_eq(s, "ab", "never half a character");
	free(s);
	s = vis_utf8_clean("\xff\xff", 4);
	cr_assert_str_eq(s, "\xef\xbf\xbd");
	free(s);
	s = vis_utf8_clean("line\nbreak", 100);
	cr_assert_str_eq(s, "line\nbreak", "controls are the reason check's");
	free(s);
}

/* The decision log names the identity a bypass trusts; USER only last,
 * as an account (red-team finding 7). */
Test(mode, identity_recorded)
{
	struct strvec	 p = STRVEC_INIT;
	const char	*from, *who;
	int		 account;

	strvec_push(&p, "USER=git");
	strvec_push(&p, "REMOTE_USER=carol");
	strvec_push(&p, "REVGUARD_PUSHER=alice");
	who = identity_recorded(&p, "REVGUARD_PUSHER", &from, &account);
	cr_assert_str_eq(who, "alice");
	cr_assert_str_eq(from, "REVGUARD_PUSHER");
	cr_assert_eq(account, 0);
	/* identity_var unset: the host's identity, not the account. */
	who = identity_recorded(&p, "SSH_PUSHER", &from, &account);
	cr_assert_str_eq(who, "carol");
	cr_assert_str_eq(from, "REMOTE_USER");
	strvec_clear(&p);
	strvec_push(&p, "USER=git");
	who = identity_recorded(&p, "REVGUARD_PUSHER", &from, &account);
	cr_assert_str_eq(who, "git");
	cr_assert_str_eq(from, "USER");
	cr_assert_eq(account, 1);
	/* A host identity a bypass would not take is still named. */
	strvec_push(&p, "GL_USERNAME=eve\x1b[31m");
	who = identity_recorded(&p, NULL, &from, &account);
	cr_assert_str_eq(who, "eve\x1b[31m");
	cr_assert_str_eq(from, "GL_USERNAME");
	cr_assert_eq(account, 0);
	strvec_clear(&p);
	cr_assert_null(identity_recorded(&p, NULL, &from, &account));
	cr_assert_null(from);
}
