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
	cr_assert_eq(memcmp(h, "RVGD\x01\x02\0\0\x01\x02\x03\x04", 12), 0);
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
	h[4] = 2;
	cr_assert_eq(proto_header_decode(h, &ph, 1000),
	    PROTO_HEADER_BAD_VERSION);
	cr_assert_str_eq(proto_header_error(PROTO_HEADER_BAD_VERSION, &ph,
	    1000, msg, sizeof(msg)), "unsupported protocol version 2 (this "
	    "side speaks 1)");
	h[4] = 1;
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
	cr_assert_eq(proto_add_update(&a, NULL40, SHA1_A, "refs/heads/main"),
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
	proto_request_clear(&a);
	proto_request_clear(&b);
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
	proto_request_clear(&r);
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
	cr_assert(proto_is_null_id(NULL40));
	cr_assert(proto_is_null_id("00000000000000000000000000000000000000000"
	    "00000000000000000000000"));
	cr_assert(!proto_is_null_id(SHA1_A));
	cr_assert(!proto_is_null_id(""));
}
