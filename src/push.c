/*
 * push.c: one push, ref by ref.  A deletion, a tag or an unguarded ref is
 * skipped; a guarded ref is checked at its new commit against the whole
 * post-push graph, with pattern rules strict only for migrations the push
 * adds or changes (compared with the old tip, or with the default branch
 * for a new branch).  A push whose versions directories are unchanged
 * costs a tree lookup per directory.  The baseline file is read from the
 * base commit, so a push cannot grandfather its own problems.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "revguard/engine.h"
#include "revguard/glob.h"
#include "revguard/odb.h"
#include "revguard/push.h"
#include "revguard/report.h"

#define PUSH_MAX_BASELINE	(4 * 1024 * 1024)

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

static int
is_guarded(const struct config *cfg, const char *ref, const char *def)
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
	struct odb		*db;
	const char		*default_ref;
	struct push_result	*res;
	char			*err;
	size_t			 errlen;
};

/* Checks one guarded ref; -1 when the check could not run. */
static int
check_ref(struct ref_check *rc, const struct push_update *u)
{
	const struct config	*cfg = rc->cfg;
	struct odb_snapshot	*head = NULL, *base = NULL;
	struct engine_opts	 o;
	struct engine_result	 r;
	struct strvec		 dirs = STRVEC_INIT, changed = STRVEC_INIT;
	struct strvec		 baseline = STRVEC_INIT;
	struct push_ref_result	*ref;
	char			 a[ODB_OID_HEXMAX + 1], b[ODB_OID_HEXMAX + 1];
	char			 reason[256];
	size_t			 i, same = 0;
	int			 rv = -1, found;

	memset(&r, 0, sizeof(r));
	memset(&o, 0, sizeof(o));
	o.policy = &cfg->policy;
	o.versions_paths = &cfg->versions_paths;
	o.alembic_ini = cfg->alembic_ini;
	o.cache = rc->cache;

	if ((head = odb_snapshot_open(rc->db, u->new_id, NULL, rc->err,
	    rc->errlen)) == NULL)
		goto done;
	if (!proto_is_null_id(u->old_id))
		base = odb_snapshot_open(rc->db, u->old_id, NULL, rc->err,
		    rc->errlen);
	else if (rc->default_ref != NULL && strcmp(u->ref,
	    rc->default_ref) != 0)
		base = odb_snapshot_open(rc->db, rc->default_ref, NULL,
		    rc->err, rc->errlen);	/* NULL when unborn */
	if (!proto_is_null_id(u->old_id) && base == NULL)
		goto done;

	found = engine_versions_dirs(&o, &odb_source_ops, head, &dirs,
	    rc->err, rc->errlen);
	if (found == 1) {
		rv = add_ref(rc->res, u->ref, PUSH_SKIP, "no alembic.ini and "
		    "no versions_path: not an Alembic project");
		goto done;
	}
	if (found == -1) {
		/* A broken alembic.ini in the push is the pusher's to fix. */
		rv = add_ref(rc->res, u->ref, PUSH_REJECT, rc->err);
		if (rv == 0)
			rv = strvec_push_owned(&rc->res->messages, xasprintf(
			    "%s: error: %s", u->ref, rc->err));
		goto done;
	}
	/* The fast path: nothing under the versions directories changed. */
	for (i = 0; base != NULL && i < dirs.len; i++)
		if (odb_snapshot_path_id(head, dirs.items[i], a) == 0 &&
		    odb_snapshot_path_id(base, dirs.items[i], b) == 0 &&
		    strcmp(a, b) == 0)
			same++;	/* a corrupt tree is never "unchanged" */
	if (base != NULL && same == dirs.len) {
		rv = add_ref(rc->res, u->ref, PUSH_ACCEPT,
		    "versions directory unchanged");
		goto done;
	}
	for (i = 0; base != NULL && i < dirs.len; i++)
		if (odb_snapshot_changed(base, head, dirs.items[i], &changed,
		    rc->err, rc->errlen) == -1)
			goto done;
	if (base != NULL && engine_read_baseline(cfg->baseline_file,
	    &odb_source_ops, base, &baseline, rc->err, rc->errlen) == -1)
		goto done;
	o.new_paths = base != NULL ? &changed : NULL;
	o.extra_baseline = &baseline;
	if (engine_check(&o, &odb_source_ops, head, &r, rc->err,
	    rc->errlen) == -1) {
		if (r.no_versions_dir) {
			rv = add_ref(rc->res, u->ref, PUSH_SKIP,
			    "no versions directory");
			goto done;
		}
		goto done;
	}
	snprintf(reason, sizeof(reason), "%zu migration%s, %zu error%s, %zu "
	    "warning%s", r.n, r.n == 1 ? "" : "s",
	    diag_count(&r.diags, RULE_SEV_ERROR),
	    diag_count(&r.diags, RULE_SEV_ERROR) == 1 ? "" : "s",
	    diag_count(&r.diags, RULE_SEV_WARN),
	    diag_count(&r.diags, RULE_SEV_WARN) == 1 ? "" : "s");
	if (add_ref(rc->res, u->ref, diag_count(&r.diags, RULE_SEV_ERROR) ?
	    PUSH_REJECT : PUSH_ACCEPT, reason) == -1)
		goto done;
	ref = &rc->res->refs[rc->res->nrefs - 1];
	ref->migrations = r.n;
	ref->errors = diag_count(&r.diags, RULE_SEV_ERROR);
	ref->warnings = diag_count(&r.diags, RULE_SEV_WARN);
	if (r.diags.len > 0 && strvec_push_owned(&rc->res->messages,
	    xasprintf("%s: %s (%s)", u->ref, ref->verdict == PUSH_REJECT ?
	    "rejected" : "accepted with warnings", reason)) == -1)
		goto done;
	for (i = 0; i < r.diags.len; i++)
		if (report_diag_text(&r.diags.items[i], dirs.len ?
		    dirs.items[0] : NULL, &rc->res->messages) == -1)
			goto done;
	rv = 0;
done:
	engine_result_free(&r);
	strvec_clear(&dirs);
	strvec_clear(&changed);
	strvec_clear(&baseline);
	odb_snapshot_free(head);
	odb_snapshot_free(base);
	return rv;
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
	int			 rv = -1;

	memset(res, 0, sizeof(*res));
	memset(&rc, 0, sizeof(rc));
	err[0] = '\0';
	if ((extra = calloc(object_dirs->len + 1, sizeof(*extra))) == NULL)
		goto done;
	for (i = 0; i < object_dirs->len; i++)
		extra[i] = object_dirs->items[i];
	rc.cfg = cfg;
	rc.cache = caches ? caches->parsed : NULL;
	rc.res = res;
	rc.err = err;
	rc.errlen = errlen;
	if ((rc.db = odb_open(repo, extra, err, errlen)) == NULL)
		goto done;
	if (caches != NULL && caches->trees != NULL)
		odb_set_tree_cache(rc.db, caches->trees);
	rc.default_ref = def = odb_default_branch(rc.db);
	for (i = 0; i < req->nupdates; i++) {
		const struct push_update	*u = &req->updates[i];

		if (proto_is_null_id(u->new_id))
			rv = add_ref(res, u->ref, PUSH_SKIP, "deletion");
		else if (strncmp(u->ref, "refs/heads/", 11) != 0)
			rv = add_ref(res, u->ref, PUSH_SKIP, "not a branch");
		else if (!is_guarded(cfg, u->ref, def))
			rv = add_ref(res, u->ref, PUSH_SKIP, "not guarded");
		else
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
