/*
 * push.c: one push, ref by ref.  An unguarded ref passes; a guarded ref is
 * judged at its new commit against its base (the old tip, or the default
 * branch for a new branch) by judge.c: problems the base already had are
 * old debt (warnings unless strict), problems the push creates are
 * errors.  Whenever a guarded ref is not checked, the pusher is told why
 * in a `remote:` line.  The baseline file and the repository's own
 * .revguard.yaml are read from the base, so a push cannot grandfather
 * its own problems or move the guard.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "revguard/glob.h"
#include "revguard/judge.h"
#include "revguard/odb.h"
#include "revguard/push.h"
#include "revguard/report.h"

/* 1 when path is root or inside it (both resolved). */
static int
path_inside(const char *path, const char *root)
{
	size_t	 n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	return strncmp(path, root, n) == 0 &&
	    (path[n] == '/' || path[n] == '\0' || (n == 1 && root[0] == '/'));
}

static int
inside_any(const struct strvec *roots, const char *path)
{
	char	 real[PATH_MAX];
	size_t	 i;

	for (i = 0; i < roots->len; i++)
		if (realpath(roots->items[i], real) != NULL &&
		    path_inside(path, real))
			return 1;
	return 0;
}

char *
push_resolve_repository(const struct strvec *roots, const char *path,
    char *err, size_t errlen)
{
	char		 real[PATH_MAX], probe[PATH_MAX + 16];
	struct stat	 st;

	if (roots->len == 0) {
		snprintf(err, errlen, "no repo_roots are configured; the "
		    "daemon opens no repository");
		return NULL;
	}
	if (strstr(path, "/../") != NULL || strncmp(path, "../", 3) == 0 ||
	    (strlen(path) >= 3 && strcmp(path + strlen(path) - 3,
	    "/..") == 0)) {
		snprintf(err, errlen, "repository path `%s` contains `..`",
		    path);
		return NULL;
	}
	if (path[0] != '/') {
		snprintf(err, errlen, "repository path `%s` is not absolute",
		    path);
		return NULL;
	}
	if (realpath(path, real) == NULL) {
		snprintf(err, errlen, "repository `%s`: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (!inside_any(roots, real)) {
		snprintf(err, errlen, "repository `%s` is outside the "
		    "configured repo_roots", path);
		return NULL;
	}
	snprintf(probe, sizeof(probe), "%s/objects", real);
	if (stat(probe, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(probe, sizeof(probe), "%s/.git/objects", real);
		if (stat(probe, &st) == -1 || !S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "`%s` is not a git repository",
			    path);
			return NULL;
		}
	}
	return strdup(real);
}

int
push_object_dirs(const struct strvec *roots, const char *repo,
    const struct push_request *req, struct strvec *dirs, char *err,
    size_t errlen)
{
	char	 real[PATH_MAX], objects[PATH_MAX + 16], own[PATH_MAX];
	size_t	 i;

	snprintf(objects, sizeof(objects), "%s/objects", repo);
	if (realpath(objects, own) == NULL)
		own[0] = '\0';
	if (req->quarantine != NULL) {
		if (realpath(req->quarantine, real) == NULL) {
			snprintf(err, errlen, "quarantine `%s`: %s",
			    req->quarantine, strerror(errno));
			return -1;
		}
		if (roots != NULL && (own[0] == '\0' ||
		    !path_inside(real, own) || strcmp(real, own) == 0)) {
			snprintf(err, errlen, "quarantine `%s` is not inside "
			    "the repository's objects directory",
			    req->quarantine);
			return -1;
		}
		if (strvec_push(dirs, real) == -1)
			return -1;
	}
	for (i = 0; i < req->alternates.len; i++) {
		if (realpath(req->alternates.items[i], real) == NULL ||
		    strcmp(real, own) == 0 || strvec_contains(dirs, real))
			continue;
		if (roots != NULL && !inside_any(roots, real))
			continue;	/* never read outside the roots */
		if (strvec_push(dirs, real) == -1)
			return -1;
	}
	return 0;
}

int
push_is_guarded(const struct config *cfg, const char *ref, const char *def)
{
	size_t	 i;

	for (i = 0; i < cfg->guarded_refs.len; i++) {
		const char	*g = cfg->guarded_refs.items[i];

		if (strcmp(g, CONFIG_DEFAULT_BRANCH) == 0) {
			if (def != NULL && strcmp(ref, def) == 0)
				return 1;
		} else if (glob_match(g, ref))
			return 1;
	}
	return 0;
}

static int
add_ref(struct push_result *res, const char *ref, enum push_verdict v,
    const char *reason)
{
	struct push_ref_result	*r;

	r = realloc(res->refs, (res->nrefs + 1) * sizeof(*r));
	if (r == NULL)
		return -1;
	res->refs = r;
	r = &r[res->nrefs++];
	memset(r, 0, sizeof(*r));
	r->ref = strdup(ref);
	r->verdict = v;
	r->reason = strdup(reason);
	if (v == PUSH_REJECT)
		res->reject = 1;
	return r->ref && r->reason ? 0 : -1;
}

struct ref_check {
	const struct config	*cfg;
	const struct engine_cache *cache;
	const struct engine_deadline *deadline;
	struct odb		*db;
	const char		*default_ref;	/* NULL: unborn or detached */
	struct push_result	*res;
	char			*err;
	size_t			 errlen;
};

/* One `remote:` line for the pusher. */
static int
say(struct push_result *res, char *line)
{
	return line != NULL ? strvec_push_owned(&res->messages, line) : -1;
}

/* The pusher's lines for a checked ref: new problems in full, old debt
 * that stays a warning in one line. */
static int
report_checked(struct push_result *res, const struct push_update *u,
    const struct judge_result *j, const char *reason, int reject)
{
	const struct engine_result *r = &j->check;
	size_t			 i, summarised = 0;

	for (i = 0; i < r->diags.len; i++)
		summarised += r->diags.items[i].old &&
		    r->diags.items[i].severity != RULE_SEV_ERROR;
	if (summarised == r->diags.len)
		return summarised == 0 ? 0 : say(res, xasprintf("%s: %zu "
		    "older problem%s %s already on the branch, as warnings; "
		    "`revguard check --rev %.12s` lists them", u->ref,
		    summarised, summarised == 1 ? "" : "s",
		    summarised == 1 ? "was" : "were", u->new_id));
	if (say(res, xasprintf("%s: %s (%s)", u->ref, reject ? "rejected" :
	    "accepted with warnings", reason)) == -1)
		return -1;
	for (i = 0; i < r->diags.len; i++)
		if ((!r->diags.items[i].old || r->diags.items[i].severity ==
		    RULE_SEV_ERROR) && report_diag_text(&r->diags.items[i],
		    r->versions_dirs.len ? r->versions_dirs.items[0] : NULL,
		    &res->messages) == -1)
			return -1;
	if (summarised > 0 && say(res, xasprintf("%s: and %zu older "
	    "problem%s already on the branch, as warnings; `revguard check "
	    "--rev %.12s` lists them", u->ref, summarised,
	    summarised == 1 ? "" : "s", u->new_id)) == -1)
		return -1;
	return 0;
}

/* Checks one guarded ref; -1 when the check could not run. */
static int
check_ref(struct ref_check *rc, const struct push_update *u)
{
	struct odb_snapshot	*head = NULL, *base = NULL;
	struct judge_opts	 jo;
	struct judge_result	 j;
	struct push_ref_result	*ref;
	const struct engine_result *r = &j.check;
	char			 reason[256];
	size_t			 i, errors;
	int			 rv = -1;

	memset(&j, 0, sizeof(j));
	memset(&jo, 0, sizeof(jo));
	jo.cfg = rc->cfg;
	jo.ops = &odb_source_ops;
	jo.engine.policy = &rc->cfg->policy;
	jo.engine.cache = rc->cache;
	jo.engine.deadline = rc->deadline;

	if ((head = odb_snapshot_open(rc->db, u->new_id, NULL, rc->err,
	    rc->errlen)) == NULL)
		goto done;
	if (!proto_is_null_id(u->old_id)) {
		if ((base = odb_snapshot_open(rc->db, u->old_id, NULL,
		    rc->err, rc->errlen)) == NULL)
			goto done;
	} else if (rc->default_ref != NULL && strcmp(u->ref,
	    rc->default_ref) != 0 && odb_ref_exists(rc->db, rc->default_ref))
		/* A new branch is judged against the default branch. */
		if ((base = odb_snapshot_open(rc->db, rc->default_ref, NULL,
		    rc->err, rc->errlen)) == NULL)
			goto done;
	jo.head = head;
	jo.base = base;
	if (judge_run(&jo, &j, rc->err, rc->errlen) == -1)
		goto done;
	for (i = 0; i < j.notes.len; i++)
		if (say(rc->res, xasprintf("%s: note: %s", u->ref,
		    j.notes.items[i])) == -1)
			goto done;
	switch (j.verdict) {
	case JUDGE_UNCHANGED:
		rv = add_ref(rc->res, u->ref, PUSH_ACCEPT, j.reason);
		goto done;
	case JUDGE_NOT_CHECKED:
		if ((rv = add_ref(rc->res, u->ref, PUSH_SKIP, j.reason)) == 0)
			rv = say(rc->res, xasprintf("%s: not checked: %s",
			    u->ref, j.reason));
		goto done;
	case JUDGE_REFUSED:
		if ((rv = add_ref(rc->res, u->ref, PUSH_REJECT,
		    j.reason)) == 0)
			rv = say(rc->res, xasprintf("%s: error: %s", u->ref,
			    j.reason));
		goto done;
	case JUDGE_CHECKED:
		break;
	}
	errors = diag_count(&r->diags, RULE_SEV_ERROR);
	snprintf(reason, sizeof(reason), "%zu migration%s, %zu error%s, %zu "
	    "warning%s", r->n, r->n == 1 ? "" : "s", errors,
	    errors == 1 ? "" : "s", diag_count(&r->diags, RULE_SEV_WARN),
	    diag_count(&r->diags, RULE_SEV_WARN) == 1 ? "" : "s");
	if (add_ref(rc->res, u->ref, errors ? PUSH_REJECT : PUSH_ACCEPT,
	    reason) == -1)
		goto done;
	ref = &rc->res->refs[rc->res->nrefs - 1];
	ref->migrations = r->n;
	ref->errors = errors;
	ref->warnings = diag_count(&r->diags, RULE_SEV_WARN);
	rv = report_checked(rc->res, u, &j, reason, errors > 0);
done:
	judge_free(&j);
	odb_snapshot_free(head);
	odb_snapshot_free(base);
	return rv;
}

/*
 * The branch @default stands for.  HEAD may name a branch that does not
 * exist (`git init --bare` says master; the team pushes main).  In an
 * empty repository the first branch this push creates becomes the default
 * (as hosts make it); otherwise every pushed branch is guarded until HEAD
 * is fixed, and the pusher is told.
 */
static char *
default_branch(const struct config *cfg, struct odb *db,
    const struct push_request *req, struct push_result *res,
    int *guard_all)
{
	char	*def = odb_default_branch(db);
	size_t	 i;

	*guard_all = 0;
	if (!strvec_contains(&cfg->guarded_refs, CONFIG_DEFAULT_BRANCH) ||
	    (def != NULL && odb_ref_exists(db, def)))
		return def;
	if (!odb_has_branches(db)) {
		for (i = 0; i < req->nupdates; i++)
			if (strncmp(req->updates[i].ref, "refs/heads/",
			    11) == 0 &&
			    !proto_is_null_id(req->updates[i].new_id)) {
				free(def);
				return strdup(req->updates[i].ref);
			}
		return def;
	}
	*guard_all = 1;
	if (say(res, xasprintf("note: HEAD names %s, which does not exist, "
	    "so revguard cannot tell the default branch and guards every "
	    "branch; fix it on the server with `git symbolic-ref HEAD "
	    "refs/heads/<default>`", def != NULL ? def : "no branch")) == -1) {
		free(def);
		return NULL;
	}
	return def;
}

int
push_check(const struct config *cfg, const char *repo,
    const struct strvec *object_dirs, const struct push_request *req,
    const struct push_caches *caches, struct push_result *res, char *err,
    size_t errlen)
{
	struct ref_check	 rc;
	const char		**extra = NULL;
	char			*def = NULL;
	size_t			 i;
	int			 rv = -1, guard_all;

	memset(res, 0, sizeof(*res));
	memset(&rc, 0, sizeof(rc));
	err[0] = '\0';
	if ((extra = calloc(object_dirs->len + 1, sizeof(*extra))) == NULL)
		goto done;
	for (i = 0; i < object_dirs->len; i++)
		extra[i] = object_dirs->items[i];
	rc.cfg = cfg;
	rc.cache = caches ? caches->parsed : NULL;
	rc.deadline = caches ? caches->deadline : NULL;
	rc.res = res;
	rc.err = err;
	rc.errlen = errlen;
	if ((rc.db = odb_open(repo, extra, err, errlen)) == NULL)
		goto done;
	if (caches != NULL && caches->trees != NULL)
		odb_set_tree_cache(rc.db, caches->trees);
	def = default_branch(cfg, rc.db, req, res, &guard_all);
	rc.default_ref = def != NULL && odb_ref_exists(rc.db, def) ? def :
	    NULL;
	for (i = 0; i < req->nupdates; i++) {
		const struct push_update	*u = &req->updates[i];
		int				 guarded;

		if (engine_deadline_passed(rc.deadline)) {
			snprintf(err, errlen, "the check was stopped at its "
			    "deadline after %zu of %zu ref updates", i,
			    req->nupdates);
			rv = -1;
			goto done;
		}
		guarded = push_is_guarded(cfg, u->ref, def) || (guard_all &&
		    strncmp(u->ref, "refs/heads/", 11) == 0);
		if (!guarded)
			rv = add_ref(res, u->ref, PUSH_SKIP, "not guarded");
		else if (proto_is_null_id(u->new_id)) {
			rv = add_ref(res, u->ref, PUSH_SKIP, "deletion");
			if (rv == 0)
				rv = say(res, xasprintf("%s: not checked: the "
				    "push deletes this guarded ref", u->ref));
		} else
			rv = check_ref(&rc, u);
		if (rv == -1)
			goto done;
	}
	if (res->reject && strvec_push(&res->messages, "push rejected by "
	    "revguard: fix the errors above and push again") == -1)
		rv = -1;
done:
	if (rv == -1 && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	free(def);
	free(extra);
	odb_free(rc.db);
	return rv;
}
