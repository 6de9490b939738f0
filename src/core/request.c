/*
 * request.c: building and freeing the domain's requests and results,
 * and the names their enums have on the wire and in logs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "revguard/request.h"

static const char *const verdict_names[] = { "skip", "accept", "reject" };
static const char *const outcome_names[] = { "not-guarded", "deletion",
	"not-checked", "unchanged", "refused", "checked" };
static const char *const unavailable_names[] = { "unsaid", "reject",
	"accept" };
static const char *const bypass_names[] = { "none", "granted", "refused",
	"unused" };

static int
name_index(const char *const *names, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

int
push_is_null_id(const char *id)
{
	return id[0] != '\0' && strspn(id, "0") == strlen(id);
}

int
push_request_add_update(struct push_request *r, const char *old_id,
    const char *new_id, const char *ref)
{
	struct push_update	*u;

	if ((u = reallocarray(r->updates, r->nupdates + 1,
	    sizeof(*u))) == NULL)
		return -1;
	r->updates = u;
	u = &u[r->nupdates];
	u->old_id = strdup(old_id);
	u->new_id = strdup(new_id);
	u->ref = strdup(ref);
	r->nupdates++;
	return u->old_id && u->new_id && u->ref ? 0 : -1;
}

void
push_request_clear(struct push_request *r)
{
	size_t	 i;

	free(r->repository);
	free(r->quarantine);
	free(r->object_directory);
	strvec_clear(&r->alternates);
	strvec_clear(&r->push_options);
	strvec_clear(&r->pusher);
	for (i = 0; i < r->nupdates; i++) {
		free(r->updates[i].old_id);
		free(r->updates[i].new_id);
		free(r->updates[i].ref);
	}
	free(r->updates);
	memset(r, 0, sizeof(*r));
}

struct push_ref_result *
push_result_add(struct push_result *res, const char *ref,
    const char *new_id, enum push_verdict v, enum push_outcome how,
    const char *reason)
{
	struct push_ref_result	*r;

	if ((r = reallocarray(res->refs, res->nrefs + 1,
	    sizeof(*r))) == NULL)
		return NULL;
	res->refs = r;
	r = &r[res->nrefs++];
	memset(r, 0, sizeof(*r));
	r->verdict = v;
	r->outcome = how;
	if (v == PUSH_REJECT)
		res->reject = 1;
	if ((r->ref = strdup(ref)) == NULL ||
	    (new_id != NULL && (r->new_id = strdup(new_id)) == NULL) ||
	    (reason != NULL && (r->reason = strdup(reason)) == NULL))
		return NULL;
	return r;
}

void
push_result_clear(struct push_result *res)
{
	struct push_ref_result	*r;
	size_t			 i;

	for (i = 0; i < res->nrefs; i++) {
		r = &res->refs[i];
		free(r->ref);
		free(r->new_id);
		free(r->reason);
		free(r->versions_dir);
		diag_list_clear(&r->diags);
		strvec_clear(&r->notes);
		if (r->check != NULL && res->check_free != NULL)
			res->check_free(r->check);
	}
	free(res->refs);
	strvec_clear(&res->notes);
	free(res->bypass_by);
	free(res->bypass_reason);
	memset(res, 0, sizeof(*res));
}

const char *
push_mode_name(enum push_mode m)
{
	return m == PUSH_MODE_OBSERVE ? "observe" : "enforce";
}

int
push_mode_from_name(const char *name, enum push_mode *m)
{
	if (strcmp(name, "enforce") == 0)
		*m = PUSH_MODE_ENFORCE;
	else if (strcmp(name, "observe") == 0)
		*m = PUSH_MODE_OBSERVE;
	else
		return -1;
	return 0;
}

const char *
push_result_verdict(const struct push_result *res)
{
	if (res->reject)
		return "reject";
	if (!res->would_reject)
		return "accept";
	if (res->bypass_reason != NULL)
		return "bypass";
	if (res->mode == PUSH_MODE_OBSERVE)
		return "observe-reject";
	return "accept";
}

const char *
push_ref_verdict(const struct push_result *res,
    const struct push_ref_result *r)
{
	if (r->verdict != PUSH_REJECT)
		return push_verdict_name(r->verdict);
	if (r->mode == PUSH_MODE_OBSERVE)
		return "observe-reject";
	if (!res->reject && res->bypass == PUSH_BYPASS_GRANTED)
		return "bypass";
	return "reject";
}

const char *
push_verdict_name(enum push_verdict v)
{
	return verdict_names[v];
}

int
push_verdict_from_name(const char *name, enum push_verdict *out)
{
	int	 i = name_index(verdict_names, 3, name);

	if (i < 0)
		return -1;
	*out = (enum push_verdict)i;
	return 0;
}

const char *
push_outcome_name(enum push_outcome how)
{
	return outcome_names[how];
}

int
push_outcome_from_name(const char *name, enum push_outcome *out)
{
	int	 i = name_index(outcome_names, 6, name);

	if (i < 0)
		return -1;
	*out = (enum push_outcome)i;
	return 0;
}

const char *
push_unavailable_name(enum push_unavailable u)
{
	return unavailable_names[u];
}

const char *
push_bypass_name(enum push_bypass b)
{
	return bypass_names[b];
}

int
push_bypass_from_name(const char *name, enum push_bypass *out)
{
	int	 i = name_index(bypass_names, 4, name);

	if (i < 0)
		return -1;
	*out = (enum push_bypass)i;
	return 0;
}
