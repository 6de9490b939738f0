/*
 * libFuzzer harness: what the daemon does with bytes from a socket
 * (header check, JSON request validation), what the hook does with a
 * reply (structured results, then the lines it prints), the
 * alternates splitter, and what the hook makes of a push option (cleaned
 * UTF-8, bounded; cleaning twice changes nothing) and of a bypass
 * reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "revguard/mode.h"
#include "revguard/proto.h"
#include "revguard/report.h"
#include "revguard/vis.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct proto_header	 h;
	struct push_request	 r;
	struct push_result	 res;
	struct strvec		 alts = STRVEC_INIT, lines = STRVEC_INIT;
	json_error_t		 jerr;
	json_t			*j;
	char			 err[512], *s, *c1, *c2;

	if (len >= PROTO_HEADER_LEN)
		(void)proto_header_decode(data, &h, 1 << 20);
	if ((j = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES,
	    &jerr)) != NULL) {
		if (proto_request_from_json(j, &r, err, sizeof(err)) == 0 &&
		    (r.repository == NULL || r.nupdates == 0))
			__builtin_trap();
		push_request_clear(&r);
		if (proto_result_from_json(j, &res) == 0) {
			(void)report_push_lines(&res, &lines);
			strvec_clear(&lines);
			push_result_clear(&res);
		}
		json_decref(j);
	}
	if ((s = strndup((const char *)data, len)) != NULL) {
		(void)proto_split_alternates(s, &alts);
		strvec_clear(&alts);
		(void)mode_reason_check(s, err, sizeof(err));
		if ((c1 = vis_utf8_clean(s, 64)) != NULL &&
		    (c2 = vis_utf8_clean(c1, 64)) != NULL) {
			if (strlen(c1) > 64 || strcmp(c1, c2) != 0)
				__builtin_trap();
			free(c2);
		}
		free(c1);
		free(s);
	}
	return 0;
}
