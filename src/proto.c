/*
 * proto.c: frame headers, request encoding and validation, and git's
 * alternates quoting.  Everything a peer sends is checked here before the
 * daemon looks at it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/jsonutil.h"
#include "revguard/proto.h"


void
proto_header_encode(uint8_t out[PROTO_HEADER_LEN], enum proto_type type,
    uint32_t len)
{
	memcpy(out, PROTO_MAGIC, 4);
	out[4] = PROTO_VERSION;
	out[5] = (uint8_t)type;
	out[6] = out[7] = 0;
	out[8] = (uint8_t)(len >> 24);
	out[9] = (uint8_t)(len >> 16);
	out[10] = (uint8_t)(len >> 8);
	out[11] = (uint8_t)len;
}

enum proto_header_status
proto_header_decode(const uint8_t *in, struct proto_header *h,
    uint32_t max_len)
{
	h->version = in[4];
	h->type = in[5];
	h->length = (uint32_t)in[8] << 24 | (uint32_t)in[9] << 16 |
	    (uint32_t)in[10] << 8 | in[11];
	if (memcmp(in, PROTO_MAGIC, 4) != 0)
		return PROTO_HEADER_BAD_MAGIC;
	if (h->version != PROTO_VERSION)
		return PROTO_HEADER_BAD_VERSION;
	if (h->type < PROTO_REQUEST || h->type > PROTO_ERROR)
		return PROTO_HEADER_BAD_TYPE;
	if (h->length > max_len)
		return PROTO_HEADER_TOO_LONG;
	return PROTO_HEADER_OK;
}

const char *
proto_header_error(enum proto_header_status st, const struct proto_header *h,
    uint32_t max_len, char *buf, size_t buflen)
{
	switch (st) {
	case PROTO_HEADER_OK:
		snprintf(buf, buflen, "no error");
		break;
	case PROTO_HEADER_BAD_MAGIC:
		snprintf(buf, buflen, "malformed frame: not a revguard "
		    "protocol header");
		break;
	case PROTO_HEADER_BAD_VERSION:
		snprintf(buf, buflen, "unsupported protocol version %u (this "
		    "side speaks %d)", h->version, PROTO_VERSION);
		break;
	case PROTO_HEADER_BAD_TYPE:
		snprintf(buf, buflen, "malformed frame: unknown type %u",
		    h->type);
		break;
	case PROTO_HEADER_TOO_LONG:
		snprintf(buf, buflen, "frame of %u bytes exceeds the limit of "
		    "%u", h->length, max_len);
		break;
	}
	return buf;
}

int
proto_frame(enum proto_type type, json_t *j, char **out, size_t *len)
{
	char	*body, *frame;
	size_t	 n;

	if ((body = json_dumps(j, JSON_COMPACT)) == NULL)
		return -1;
	n = strlen(body);
	if ((frame = malloc(PROTO_HEADER_LEN + n)) == NULL) {
		free(body);
		return -1;
	}
	proto_header_encode((uint8_t *)frame, type, (uint32_t)n);
	memcpy(frame + PROTO_HEADER_LEN, body, n);
	free(body);
	*out = frame;
	*len = PROTO_HEADER_LEN + n;
	return 0;
}

json_t *
proto_request_to_json(const struct push_request *r)
{
	json_t	*updates = json_array();
	size_t	 i;

	json_t	*j;

	for (i = 0; i < r->nupdates; i++)
		json_array_append_new(updates, json_pack("{s:s, s:s, s:s}",
		    "old", r->updates[i].old_id, "new", r->updates[i].new_id,
		    "ref", r->updates[i].ref));
	j = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "repository", r->repository,
	    "quarantine", r->quarantine ? json_string(r->quarantine) :
	    json_null(),
	    "object_directory", r->object_directory ?
	    json_string(r->object_directory) : json_null(),
	    "alternates", jsonutil_strvec(&r->alternates),
	    "push_options", jsonutil_strvec(&r->push_options),
	    "pusher", jsonutil_strvec(&r->pusher),
	    "updates", updates);
	/* Optional fields an older daemon ignores: no new version. */
	if (j != NULL && r->timeout_ms > 0)
		json_object_set_new(j, "timeout_ms",
		    json_integer(r->timeout_ms));
	if (j != NULL && r->on_unavailable != PUSH_UNAVAILABLE_UNSAID)
		json_object_set_new(j, "on_unavailable", json_string(
		    push_unavailable_name(r->on_unavailable)));
	if (j != NULL && r->host != HOST_GIT)
		json_object_set_new(j, "host", json_string(
		    host_name(r->host)));
	return j;
}

static int
read_budget(json_t *j, int *timeout_ms, enum push_unavailable *u,
    char *err, size_t errlen)
{
	json_t		*t = json_object_get(j, "timeout_ms");
	const char	*s = json_string_value(json_object_get(j,
			    "on_unavailable"));

	*timeout_ms = 0;
	*u = PUSH_UNAVAILABLE_UNSAID;
	if (t != NULL && !json_is_null(t)) {
		if (!json_is_integer(t) || json_integer_value(t) < 1 ||
		    json_integer_value(t) > PROTO_MAX_TIMEOUT_MS) {
			snprintf(err, errlen, "field `timeout_ms` must be a "
			    "whole number from 1 to %d", PROTO_MAX_TIMEOUT_MS);
			return -1;
		}
		*timeout_ms = (int)json_integer_value(t);
	}
	if (json_object_get(j, "on_unavailable") != NULL) {
		if (s != NULL && strcmp(s, "accept") == 0)
			*u = PUSH_UNAVAILABLE_ACCEPT;
		else if (s != NULL && strcmp(s, "reject") == 0)
			*u = PUSH_UNAVAILABLE_REJECT;
		else {
			snprintf(err, errlen, "field `on_unavailable` must be "
			    "`accept` or `reject`");
			return -1;
		}
	}
	return 0;
}

void
proto_request_budget(json_t *j, int *timeout_ms, enum push_unavailable *u)
{
	char	 err[8];

	if (read_budget(j, timeout_ms, u, err, sizeof(err)) == -1) {
		*timeout_ms = 0;
		*u = PUSH_UNAVAILABLE_UNSAID;
	}
}

/* An optional string field: absent or null leaves *out NULL. */
static int
opt_string(json_t *o, const char *key, char **out, char *err, size_t errlen)
{
	json_t	*v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > PROTO_MAX_FIELD ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(err, errlen, "field `%s` must be a non-empty string "
		    "of at most %d bytes", key, PROTO_MAX_FIELD);
		return -1;
	}
	return (*out = strdup(json_string_value(v))) == NULL ? -1 : 0;
}

static int
opt_strings(json_t *o, const char *key, struct strvec *out, char *err,
    size_t errlen)
{
	json_t	*v = json_object_get(o, key), *item;
	size_t	 i;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) > 1000)
		goto bad;
	json_array_foreach(v, i, item) {
		if (!json_is_string(item) ||
		    json_string_length(item) > PROTO_MAX_FIELD ||
		    strvec_push(out, json_string_value(item)) == -1)
			goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "field `%s` must be a list of strings", key);
	return -1;
}

/* An older hook says no host: the variables it forwarded tell. */
static int
read_host(json_t *j, struct push_request *r, char *err, size_t errlen)
{
	json_t	*h = json_object_get(j, "host");

	if (h == NULL || json_is_null(h)) {
		r->host = host_detect(host_lookup_strvec, &r->pusher);
		return 0;
	}
	if (!json_is_string(h) || host_from_name(json_string_value(h),
	    &r->host) == -1) {
		snprintf(err, errlen, "field `host` must be git, github, "
		    "gitlab or gitea");
		return -1;
	}
	return 0;
}

static int
is_object_id(const char *s)
{
	size_t	 n = strspn(s, "0123456789abcdef");

	return s[n] == '\0' && (n == 40 || n == 64);
}

int
proto_request_from_json(json_t *j, struct push_request *r, char *err,
    size_t errlen)
{
	json_t	*updates, *u;
	size_t	 i;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(j)) {
		snprintf(err, errlen, "request must be a JSON object");
		return -1;
	}
	if (opt_string(j, "repository", &r->repository, err, errlen) == -1 ||
	    opt_string(j, "quarantine", &r->quarantine, err, errlen) == -1 ||
	    opt_string(j, "object_directory", &r->object_directory, err,
	    errlen) == -1 ||
	    opt_strings(j, "alternates", &r->alternates, err, errlen) == -1 ||
	    opt_strings(j, "push_options", &r->push_options, err,
	    errlen) == -1 ||
	    opt_strings(j, "pusher", &r->pusher, err, errlen) == -1 ||
	    read_budget(j, &r->timeout_ms, &r->on_unavailable, err,
	    errlen) == -1)
		return -1;

	if (r->repository == NULL) {
		snprintf(err, errlen, "field `repository` is required");
		return -1;
	}
	if (read_host(j, r, err, errlen) == -1)
		return -1;
	updates = json_object_get(j, "updates");
	if (!json_is_array(updates) || json_array_size(updates) == 0 ||
	    json_array_size(updates) > PROTO_MAX_UPDATES) {
		snprintf(err, errlen, "field `updates` must be a list of 1 to "
		    "%d ref updates", PROTO_MAX_UPDATES);
		return -1;
	}
	json_array_foreach(updates, i, u) {
		const char	*o = json_string_value(json_object_get(u, "old"));
		const char	*n = json_string_value(json_object_get(u, "new"));
		const char	*ref = json_string_value(json_object_get(u,
				    "ref"));

		if (o == NULL || n == NULL || ref == NULL ||
		    !is_object_id(o) || !is_object_id(n) ||
		    strncmp(ref, "refs/", 5) != 0 ||
		    strlen(ref) > PROTO_MAX_FIELD) {
			snprintf(err, errlen, "updates[%zu] must have `old` and "
			    "`new` object IDs and a `ref` under refs/ of at "
			    "most %d bytes", i, PROTO_MAX_FIELD);
			return -1;
		}
		if (push_request_add_update(r, o, n, ref) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

int
proto_split_alternates(const char *s, struct strvec *out)
{
	struct buf	 b = BUF_INIT;
	int		 i;

	while (*s != '\0') {
		b.len = 0;
		buf_append(&b, "", 0);
		if (*s == '"') {
			for (s++; *s != '"'; s++) {
				char	 c = *s;

				if (c == '\0')
					goto bad;
				if (c == '\\') {
					c = *++s;
					if (c >= '0' && c <= '7') {
						int	 v = 0;

						for (i = 0; i < 3 && *s >= '0' &&
						    *s <= '7'; i++, s++)
							v = v * 8 + (*s - '0');
						s--;
						c = (char)v;
					} else if (c == 'n')
						c = '\n';
					else if (c == 't')
						c = '\t';
					else if (c == '\0')
						goto bad;
				}
				buf_append(&b, &c, 1);
			}
			s++;
			if (*s != ':' && *s != '\0')
				goto bad;
		} else {
			size_t	 n = strcspn(s, ":");

			buf_append(&b, s, n);
			s += n;
		}
		if (b.len > 0 && strvec_push(out, b.data) == -1)
			goto bad;
		if (*s == ':')
			s++;
	}
	buf_clear(&b);
	return 0;
bad:
	buf_clear(&b);
	return -1;
}

static json_t *
ref_to_json(const struct push_ref_result *r)
{
	json_t	*diags = json_array();
	size_t	 i;

	for (i = 0; i < r->diags.len; i++)
		json_array_append_new(diags, jsonutil_diag(&r->diags.items[i]));
	return json_pack("{s:s, s:o, s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:I, "
	    "s:o, s:o, s:o}",
	    "ref", r->ref,
	    "new", r->new_id ? json_string(r->new_id) : json_null(),
	    "verdict", push_verdict_name(r->verdict),
	    "mode", push_mode_name(r->mode),
	    "outcome", push_outcome_name(r->outcome),
	    "reason", r->reason ? json_string(r->reason) : json_null(),
	    "migrations", (json_int_t)r->migrations,
	    "errors", (json_int_t)r->errors,
	    "warnings", (json_int_t)r->warnings,
	    "old_debt", (json_int_t)r->old_debt,
	    "versions_dir", r->versions_dir ? json_string(r->versions_dir) :
	    json_null(),
	    "notes", jsonutil_strvec(&r->notes),
	    "diagnostics", diags);
}

json_t *
proto_result_to_json(const struct push_result *res)
{
	json_t	*refs = json_array();
	size_t	 i;

	json_t	*j;

	for (i = 0; i < res->nrefs; i++)
		json_array_append_new(refs, ref_to_json(&res->refs[i]));
	/* `verdict` stays what the hook does, so a hook that predates
	 * mode, would_reject and bypass still accepts an observed or
	 * bypassed push and rejects an enforced one. */
	j = json_pack("{s:s, s:s, s:b, s:o, s:o}", "verdict", res->reject ?
	    "reject" : "accept", "mode", push_mode_name(res->mode),
	    "would_reject", res->would_reject || res->reject, "notes",
	    jsonutil_strvec(&res->notes), "refs", refs);
	if (j != NULL && res->bypass != PUSH_BYPASS_NONE)
		json_object_set_new(j, "bypass", json_pack("{s:s, s:o, s:o}",
		    "state", push_bypass_name(res->bypass),
		    "by", res->bypass_by ? json_string(res->bypass_by) :
		    json_null(), "reason", res->bypass_reason ?
		    json_string(res->bypass_reason) : json_null()));
	return j;
}

/* Copies a JSON array of strings; -1 unless it is one (or absent). */
static int
strings_from_json(json_t *a, struct strvec *out)
{
	json_t	*v;
	size_t	 i;

	if (a == NULL)
		return 0;
	if (!json_is_array(a))
		return -1;
	json_array_foreach(a, i, v)
		if (!json_is_string(v) || strvec_push(out,
		    json_string_value(v)) == -1)
			return -1;
	return 0;
}

/* NULL for JSON null or absent, the string, or "" for anything else
 * (which the caller rejects). */
static const char *
opt_str(json_t *o, const char *key, int *bad)
{
	json_t	*v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

static int
diag_from_json(json_t *j, struct diag_list *l)
{
	const char	*rule = json_string_value(json_object_get(j, "rule"));
	const char	*sev = json_string_value(json_object_get(j,
			    "severity"));
	const char	*msg = json_string_value(json_object_get(j,
			    "message"));
	json_t		*line = json_object_get(j, "line");
	enum rule_id	 id;
	enum rule_sev	 severity;
	struct diag	*d;
	int		 bad = 0;
	const char	*path = opt_str(j, "path", &bad);
	const char	*hint = opt_str(j, "hint", &bad);

	if (bad || rule == NULL || sev == NULL || msg == NULL ||
	    rule_from_name(rule, &id) == -1 ||
	    rule_sev_from_name(sev, &severity) == -1 ||
	    (line != NULL && !json_is_null(line) && !json_is_integer(line)))
		return -1;
	if ((d = diag_add(l, id, severity, path, json_is_integer(line) ?
	    (int)json_integer_value(line) : 0, hint, "%s", msg)) == NULL)
		return -1;
	d->old = json_is_true(json_object_get(j, "old"));
	return strings_from_json(json_object_get(j, "revisions"),
	    &d->revisions);
}

static int
ref_from_json(json_t *j, struct push_result *res)
{
	const char		*verdict = json_string_value(json_object_get(j,
				    "verdict"));
	const char		*outcome = json_string_value(json_object_get(j,
				    "outcome"));
	const char		*ref = json_string_value(json_object_get(j,
				    "ref"));
	struct push_ref_result	*r;
	enum push_verdict	 v;
	enum push_outcome	 how;
	json_t			*d;
	size_t			 i;
	int			 bad = 0;
	const char		*new_id = opt_str(j, "new", &bad);
	const char		*reason = opt_str(j, "reason", &bad);
	const char		*dir = opt_str(j, "versions_dir", &bad);

	const char		*mode = opt_str(j, "mode", &bad);

	if (bad || ref == NULL || verdict == NULL || outcome == NULL ||
	    push_verdict_from_name(verdict, &v) == -1 ||
	    push_outcome_from_name(outcome, &how) == -1 ||
	    (r = push_result_add(res, ref, new_id, v, how, reason)) == NULL)
		return -1;
	if (mode != NULL && push_mode_from_name(mode, &r->mode) == -1)
		r->mode = PUSH_MODE_ENFORCE;
	r->migrations = (size_t)json_integer_value(json_object_get(j,
	    "migrations"));
	r->errors = (size_t)json_integer_value(json_object_get(j, "errors"));
	r->warnings = (size_t)json_integer_value(json_object_get(j,
	    "warnings"));
	r->old_debt = (size_t)json_integer_value(json_object_get(j,
	    "old_debt"));
	if ((dir != NULL && (r->versions_dir = strdup(dir)) == NULL) ||
	    strings_from_json(json_object_get(j, "notes"), &r->notes) == -1)
		return -1;
	d = json_object_get(j, "diagnostics");
	if (d != NULL && !json_is_array(d))
		return -1;
	for (i = 0; d != NULL && i < json_array_size(d); i++)
		if (diag_from_json(json_array_get(d, i), &r->diags) == -1)
			return -1;
	return 0;
}

/* The mode, would_reject and bypass fields (absent from an older
 * daemon's reply: enforce, and would_reject as the verdict). */
static int
settled_from_json(json_t *j, struct push_result *res)
{
	json_t		*b = json_object_get(j, "bypass");
	json_t		*w = json_object_get(j, "would_reject");
	const char	*m = json_string_value(json_object_get(j, "mode"));
	const char	*state, *by, *reason;
	int		 bad = 0;

	/* A mode this hook does not know changes nothing: `verdict`
	 * alone decides. */
	if (m != NULL && push_mode_from_name(m, &res->mode) == -1)
		res->mode = PUSH_MODE_ENFORCE;
	if (w != NULL && !json_is_boolean(w))
		return -1;
	res->would_reject = res->reject || json_is_true(w);
	if (b == NULL || json_is_null(b))
		return 0;
	state = json_string_value(json_object_get(b, "state"));
	by = opt_str(b, "by", &bad);
	reason = opt_str(b, "reason", &bad);
	if (bad || state == NULL || push_bypass_from_name(state,
	    &res->bypass) == -1 ||
	    (by != NULL && (res->bypass_by = strdup(by)) == NULL) ||
	    (reason != NULL && (res->bypass_reason = strdup(reason)) == NULL))
		return -1;
	return 0;
}

int
proto_result_from_json(json_t *j, struct push_result *res)
{
	const char	*verdict = json_string_value(json_object_get(j,
			    "verdict"));
	json_t		*refs = json_object_get(j, "refs"), *r;
	size_t		 i;

	memset(res, 0, sizeof(*res));
	if (verdict == NULL || (strcmp(verdict, "accept") != 0 &&
	    strcmp(verdict, "reject") != 0) || !json_is_array(refs) ||
	    strings_from_json(json_object_get(j, "notes"),
	    &res->notes) == -1)
		goto bad;
	json_array_foreach(refs, i, r)
		if (!json_is_object(r) || ref_from_json(r, res) == -1)
			goto bad;
	/* The overall verdict is the daemon's, whatever the refs say. */
	res->reject = strcmp(verdict, "reject") == 0;
	if (settled_from_json(j, res) == -1)
		goto bad;
	return 0;
bad:
	push_result_clear(res);
	return -1;
}
