/*
 * libFuzzer harness: the HTTP endpoint's request targets (core/api.c),
 * as a client sends them: the route, the repository path of the chain
 * endpoints and every query parameter.  A target that parses must hand
 * on only checked values; one that does not must get a 4xx with a code,
 * and a 404 must not echo the path.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/api.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct api_request	 r;
	struct api_error	 e;
	long long		 t;
	char			*s, *d;

	if ((s = malloc(len + 1)) == NULL)
		return 0;
	memcpy(s, data, len);
	s[len] = '\0';
	if (api_parse(s, 1764169445000LL, &r, &e) == 0) {
		if (r.repo != NULL && api_check_repo(r.repo) != 0)
			__builtin_trap();
		if (r.ref != NULL && api_check_ref(r.ref) != 0)
			__builtin_trap();
		if (r.limit < 1 || r.limit > API_MAX_LIMIT)
			__builtin_trap();
	} else {
		if (e.code == NULL || (e.status != 400 && e.status != 404 &&
		    e.status != 500))
			__builtin_trap();
		if (e.status == 404 && strcmp(e.message, "no such endpoint") !=
		    0 && strcmp(e.message, "no such repository") != 0)
			__builtin_trap();
	}
	api_request_clear(&r);
	(void)api_parse_time(s, 0, &t);
	(void)api_check_ref(s);
	(void)api_check_repo(s);
	if ((d = api_decode(s, strlen(s), 1)) != NULL) {
		if (strlen(d) > strlen(s))
			__builtin_trap();
		free(d);
	}
	free(s);
	return 0;
}
