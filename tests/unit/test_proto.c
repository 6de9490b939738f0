/* Unit tests for the wire protocol: headers, requests, alternates. */
#include <criterion/criterion.h>
#include <string.h>

#include "revguard/proto.h"

#define SHA1_A "1111111111111111111111111111111111111111"
#define NULL40 "0000000000000000000000000000000000000000"

Test(proto, header_round_trip)
{
	uint8_t			 h[PROTO_HEADER_LEN];
	struct proto_header	 ph;

	proto_header_encode(h, PROTO_REPLY, 0x01020304);
	cr_assert_eq(memcmp(h, "RVGD\x02\x02\0\0\x01\x02\x03\x04", 12), 0);
	cr_assert_eq(proto_header_decode(h, &ph, 0x7fffffff), PROTO_HEADER_OK);
	cr_assert_eq(ph.type, PROTO_REPLY);
	cr_assert_eq(ph.length, 0x01020304);
}

Test(proto, header_errors)
{
	uint8_t			 h[PROTO_HEADER_LEN];
	struct proto_header	 ph;
	char			 msg[128];

	proto_header_encode(h, PROTO_REQUEST, 100);
	cr_assert_eq(proto_header_decode(h, &ph, 99), PROTO_HEADER_TOO_LONG);
	cr_assert_str_eq(proto_header_error(PROTO_HEADER_TOO_LONG, &ph, 99,
	    msg, sizeof(msg)), "frame of 100 bytes exceeds the limit of 99");
	h[4] = 1;
	cr_assert_eq(proto_header_decode(h, &ph, 1000),
	    PROTO_HEADER_BAD_VERSION);
	cr_assert_str_eq(proto_header_error(PROTO_HEADER_BAD_VERSION, &ph,
	    1000, msg, sizeof(msg)), "unsupported protocol version 1 (this "
	    "side speaks 2)");
	h[4] = 2;
	h[5] = 9;
	cr_assert_eq(proto_header_decode(h, &ph, 1000), PROTO_HEADER_BAD_TYPE);
	memcpy(h, "GET ", 4);
	cr_assert_eq(proto_header_decode(h, &ph, 1000),
	    PROTO_HEADER_BAD_MAGIC);
}

Test(proto, request_round_trip)
{
	struct push_request	 a, b;
	json_t			*j;
	char			 err[256];

	memset(&a, 0, sizeof(a));
	a.repository = strdup("/srv/git/x.git");
	a.quarantine = strdup("/srv/git/x.git/objects/tmp_objdir-incoming-1");
	strvec_push(&a.alternates, "/srv/git/x.git/objects");
	strvec_push(&a.push_options, "ci.skip");
	strvec_push(&a.pusher, "USER=git");
	cr_assert_eq(push_request_add_update(&a, NULL40, SHA1_A, "refs/heads/main"),
	    0);
	j = proto_request_to_json(&a);
	cr_assert_not_null(j);
	cr_assert_eq(proto_request_from_json(j, &b, err, sizeof(err)), 0, "%s",
	    err);
	cr_assert_str_eq(b.repository, a.repository);
	cr_assert_str_eq(b.quarantine, a.quarantine);
	cr_assert_null(b.object_directory);
	cr_assert_str_eq(b.alternates.items[0], "/srv/git/x.git/objects");
	cr_assert_str_eq(b.push_options.items[0], "ci.skip");
	cr_assert_eq(b.nupdates, 1);
	cr_assert_str_eq(b.updates[0].ref, "refs/heads/main");
	json_decref(j);
	push_request_clear(&a);
	push_request_clear(&b);
}

static void
reject(const char *text, const char *want)
{
	struct push_request	 r;
	json_error_t		 jerr;
	json_t			*j = json_loads(text, 0, &jerr);
	char			 err[256];

	cr_assert_not_null(j, "%s", jerr.text);
	cr_assert_eq(proto_request_from_json(j, &r, err, sizeof(err)), -1);
	cr_assert(strstr(err, want) != NULL, "`%s` lacks `%s`", err, want);
	push_request_clear(&r);
	json_decref(j);
}

Test(proto, request_validation)
{
	reject("[]", "must be a JSON object");
	reject("{\"updates\": []}", "`repository` is required");
	reject("{\"repository\": 5}", "`repository` must be a non-empty");
	reject("{\"repository\": \"/x\", \"updates\": []}", "`updates`");
	reject("{\"repository\": \"/x\", \"updates\": [{\"old\": \"xyz\", "
	    "\"new\": \"" SHA1_A "\", \"ref\": \"refs/heads/a\"}]}",
	    "updates[0]");
	reject("{\"repository\": \"/x\", \"updates\": [{\"old\": \"" NULL40
	    "\", \"new\": \"" SHA1_A "\", \"ref\": \"main\"}]}", "updates[0]");
	reject("{\"repository\": \"/x\", \"alternates\": \"a:b\", "
	    "\"updates\": []}", "`alternates` must be a list");
}

Test(proto, alternates_quoting)
{
	struct strvec	 v = STRVEC_INIT;

	cr_assert_eq(proto_split_alternates("/a/objects:/b/objects", &v), 0);
	cr_assert_eq(v.len, 2);
	cr_assert_str_eq(v.items[1], "/b/objects");
	strvec_clear(&v);
	cr_assert_eq(proto_split_alternates("\"/with:colon/o\\\"q\":/plain",
	    &v), 0);
	cr_assert_eq(v.len, 2);
	cr_assert_str_eq(v.items[0], "/with:colon/o\"q");
	cr_assert_str_eq(v.items[1], "/plain");
	strvec_clear(&v);
	cr_assert_eq(proto_split_alternates("\"/oct\\072al\"", &v), 0);
	cr_assert_str_eq(v.items[0], "/oct:al");
	strvec_clear(&v);
	cr_assert_eq(proto_split_alternates("\"/unterminated", &v), -1);
	strvec_clear(&v);
	cr_assert_eq(proto_split_alternates("", &v), 0);
	cr_assert_eq(v.len, 0);
}

Test(proto, null_ids_of_any_length)
{
	cr_assert(push_is_null_id(NULL40));
	cr_assert(push_is_null_id("00000000000000000000000000000000000000000"
	    "00000000000000000000000"));
	cr_assert(!push_is_null_id(SHA1_A));
	cr_assert(!push_is_null_id(""));
}

/* A reply carries every ref with its structured diagnostics and notes,
 * and reads back the same: the hook renders exactly what was judged. */
Test(proto, result_round_trip)
{
	struct push_result	 res, back;
	struct push_ref_result	*r;
	struct diag		*d;
	json_t			*j;

	memset(&res, 0, sizeof(res));
	cr_assert_eq(strvec_push(&res.notes, "HEAD names master"), 0);
	cr_assert_not_null(r = push_result_add(&res, "refs/heads/main", SHA1_A,
	    PUSH_REJECT, PUSH_CHECKED, "3 migrations, 1 error, 1 warning"));
	r->migrations = 3;
	r->errors = r->warnings = r->old_debt = 1;
	cr_assert_not_null(r->versions_dir = strdup("migrations/versions"));
	cr_assert_not_null(d = diag_add(&r->diags, RULE_PLACEHOLDER_ID,
	    RULE_SEV_ERROR, "migrations/versions/a1_x.py", 9, "a hint",
	    "revision `a1` looks hand-picked"));
	cr_assert_eq(strvec_push(&d->revisions, "a1"), 0);
	cr_assert_not_null(d = diag_add(&r->diags, RULE_SINGLE_HEAD,
	    RULE_SEV_WARN, NULL, 0, NULL, "2 heads"));
	d->old = 1;
	cr_assert_not_null(push_result_add(&res, "refs/heads/topic", NULL,
	    PUSH_SKIP, PUSH_NOT_GUARDED, "not guarded"));
	cr_assert_not_null(j = proto_result_to_json(&res));
	cr_assert_eq(proto_result_from_json(j, &back), 0);
	json_decref(j);
	cr_assert(back.reject);
	cr_assert_eq(back.nrefs, 2);
	cr_assert_str_eq(back.notes.items[0], "HEAD names master");
	r = &back.refs[0];
	cr_assert_str_eq(r->new_id, SHA1_A);
	cr_assert_eq(r->outcome, PUSH_CHECKED);
	cr_assert_eq(r->verdict, PUSH_REJECT);
	cr_assert_eq(r->migrations, 3);
	cr_assert_eq(r->old_debt, 1);
	cr_assert_str_eq(r->versions_dir, "migrations/versions");
	cr_assert_eq(r->diags.len, 2);
	cr_assert_eq(r->diags.items[0].rule, RULE_PLACEHOLDER_ID);
	cr_assert_eq(r->diags.items[0].line, 9);
	cr_assert_str_eq(r->diags.items[0].hint, "a hint");
	cr_assert_str_eq(r->diags.items[0].revisions.items[0], "a1");
	cr_assert(!r->diags.items[0].old);
	cr_assert_null(r->diags.items[1].path);
	cr_assert(r->diags.items[1].old);
	cr_assert_eq(back.refs[1].outcome, PUSH_NOT_GUARDED);
	cr_assert_null(back.refs[1].new_id);
	push_result_clear(&res);
	push_result_clear(&back);
}

Test(proto, result_rejects_unknown_names)
{
	struct push_result	 back;
	json_t			*j;

	j = json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "verdict", "accept",
	    "refs", "ref", "refs/heads/main", "verdict", "accept", "outcome",
	    "mystery");
	cr_assert_eq(proto_result_from_json(j, &back), -1);
	json_decref(j);
	j = json_pack("{s:s, s:[{s:s, s:s, s:s, s:[{s:s, s:s, s:s}]}]}",
	    "verdict", "reject", "refs", "ref", "refs/heads/main", "verdict",
	    "reject", "outcome", "checked", "diagnostics", "rule", "no-such",
	    "severity", "error", "message", "m");
	cr_assert_eq(proto_result_from_json(j, &back), -1);
	json_decref(j);
}

/* The host travels by name; an older hook's request is told by its
 * pusher variables; a name no host has is refused. */
Test(proto, request_host)
{
	struct push_request	 a, b;
	json_t			*j;
	char			 err[256];

	memset(&a, 0, sizeof(a));
	a.repository = strdup("/srv/git/x.git");
	a.host = HOST_GITEA;
	cr_assert_eq(push_request_add_update(&a, NULL40, SHA1_A,
	    "refs/heads/main"), 0);
	cr_assert_not_null(j = proto_request_to_json(&a));
	cr_assert_str_eq(json_string_value(json_object_get(j, "host")),
	    "gitea");
	cr_assert_eq(proto_request_from_json(j, &b, err, sizeof(err)), 0);
	cr_assert_eq(b.host, HOST_GITEA);
	push_request_clear(&b);
	json_object_del(j, "host");
	json_object_set_new(j, "pusher", json_pack("[s]",
	    "GL_USERNAME=alice"));
	cr_assert_eq(proto_request_from_json(j, &b, err, sizeof(err)), 0);
	cr_assert_eq(b.host, HOST_GITLAB);
	push_request_clear(&b);
	json_object_set_new(j, "host", json_string("bitbucket"));
	cr_assert_eq(proto_request_from_json(j, &b, err, sizeof(err)), -1);
	cr_assert(strstr(err, "`host` must be") != NULL, "%s", err);
	push_request_clear(&b);
	json_decref(j);
	push_request_clear(&a);
}

/* Observe mode and bypass on the wire.  `verdict` stays what the hook
 * does, which is all a hook that predates these fields reads. */
Test(proto, result_modes_round_trip)
{
	struct push_result	 res, back;
	struct push_ref_result	*r;
	json_t			*j;

	memset(&res, 0, sizeof(res));
	cr_assert_not_null(r = push_result_add(&res, "refs/heads/main", SHA1_A,
	    PUSH_REJECT, PUSH_CHECKED, "1 error"));
	r->mode = PUSH_MODE_OBSERVE;
	res.reject = 0;
	res.would_reject = 1;
	res.mode = PUSH_MODE_OBSERVE;
	cr_assert_not_null(j = proto_result_to_json(&res));
	cr_assert_str_eq(json_string_value(json_object_get(j, "verdict")),
	    "accept", "an older hook accepts an observed push");
	cr_assert(json_is_true(json_object_get(j, "would_reject")));
	cr_assert_null(json_object_get(j, "bypass"));
	cr_assert_eq(proto_result_from_json(j, &back), 0);
	json_decref(j);
	cr_assert(!back.reject);
	cr_assert(back.would_reject);
	cr_assert_eq(back.mode, PUSH_MODE_OBSERVE);
	cr_assert_eq(back.refs[0].mode, PUSH_MODE_OBSERVE);
	cr_assert_eq(back.refs[0].verdict, PUSH_REJECT);
	cr_assert_str_eq(push_result_verdict(&back), "observe-reject");
	push_result_clear(&back);

	res.mode = PUSH_MODE_ENFORCE;
	r->mode = PUSH_MODE_ENFORCE;
	res.bypass = PUSH_BYPASS_GRANTED;
	res.bypass_by = strdup("alice");
	res.bypass_reason = strdup("incident \"42\"");
	cr_assert_not_null(j = proto_result_to_json(&res));
	cr_assert_str_eq(json_string_value(json_object_get(j, "verdict")),
	    "accept");
	cr_assert_eq(proto_result_from_json(j, &back), 0);
	json_decref(j);
	cr_assert_eq(back.bypass, PUSH_BYPASS_GRANTED);
	cr_assert_str_eq(back.bypass_by, "alice");
	cr_assert_str_eq(back.bypass_reason, "incident \"42\"");
	cr_assert_str_eq(push_result_verdict(&back), "bypass");
	push_result_clear(&back);

	/* An enforced rejection: `reject` for old and new hooks alike. */
	res.reject = 1;
	res.bypass = PUSH_BYPASS_REFUSED;
	free(res.bypass_by);
	free(res.bypass_reason);
	res.bypass_by = res.bypass_reason = NULL;
	cr_assert_not_null(j = proto_result_to_json(&res));
	cr_assert_str_eq(json_string_value(json_object_get(j, "verdict")),
	    "reject");
	cr_assert_eq(proto_result_from_json(j, &back), 0);
	json_decref(j);
	cr_assert(back.reject);
	cr_assert_eq(back.bypass, PUSH_BYPASS_REFUSED);
	push_result_clear(&back);
	push_result_clear(&res);
}

/* A reply from a daemon that predates the fields, or from a newer one
 * with a mode this hook does not know: `verdict` decides. */
Test(proto, result_modes_from_other_versions)
{
	struct push_result	 back;
	json_t			*j;

	j = json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "verdict", "reject",
	    "refs", "ref", "refs/heads/main", "verdict", "reject", "outcome",
	    "checked");
	cr_assert_eq(proto_result_from_json(j, &back), 0);
	json_decref(j);
	cr_assert(back.reject);
	cr_assert(back.would_reject);
	cr_assert_eq(back.mode, PUSH_MODE_ENFORCE);
	push_result_clear(&back);

	j = json_pack("{s:s, s:s, s:b, s:[{s:s, s:s, s:s, s:s}]}", "verdict",
	    "accept", "mode", "audit", "would_reject", 1, "refs", "ref",
	    "refs/heads/main", "verdict", "reject", "mode", "audit",
	    "outcome", "checked");
	cr_assert_eq(proto_result_from_json(j, &back), 0);
	json_decref(j);
	cr_assert(!back.reject, "the verdict says accept");
	cr_assert(back.would_reject);
	push_result_clear(&back);

	j = json_pack("{s:s, s:s, s:[], s:{s:s}}", "verdict", "accept",
	    "would_reject", "yes", "refs", "bypass", "state", "granted");
	cr_assert_eq(proto_result_from_json(j, &back), -1,
	    "would_reject must be a boolean");
	json_decref(j);
	j = json_pack("{s:s, s:[], s:{s:s}}", "verdict", "accept", "refs",
	    "bypass", "state", "sneaky");
	cr_assert_eq(proto_result_from_json(j, &back), -1);
	json_decref(j);
}
