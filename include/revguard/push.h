/*
 * push: the pre-receive decision.  Given the ref updates of one push and
 * the repository (with its quarantine), checks every guarded ref at its
 * new commit and says accept or reject, with the lines the pusher sees.
 * Shared by revguardd's workers and `revguard hook --in-process`.
 */
#ifndef REVGUARD_PUSH_H
#define REVGUARD_PUSH_H

#include "revguard/config.h"
#include "revguard/engine.h"
#include "revguard/odb.h"
#include "revguard/proto.h"
#include "revguard/strvec.h"

/*
 * Resolves path against the configured roots: realpath, inside a root,
 * and a git repository.  Returns the resolved path or NULL with err.
 */
char	*push_resolve_repository(const struct strvec *roots, const char *path,
	    char *err, size_t errlen);
/*
 * Keeps only object directories a request may add: the quarantine must be
 * inside repo/objects; other entries inside one of roots (the repository's
 * own objects directory is dropped, it is there already).  NULL roots
 * trusts everything (in-process hook).  -1 with err on a bad quarantine.
 */
int	 push_object_dirs(const struct strvec *roots, const char *repo,
	    const struct push_request *, struct strvec *dirs, char *err,
	    size_t errlen);
/* 1 when ref is guarded; def is the default branch (NULL: none). */
int	 push_is_guarded(const struct config *, const char *ref,
	    const char *def);
/*
 * Runs the check.  Returns 0 with the verdict in res, or -1 when the
 * check could not run (err says why; the caller decides fail-open).
 */
/* What the daemon keeps between pushes, and the check's deadline; any
 * member may be NULL. */
struct push_caches {
	const struct engine_cache	*parsed;	/* by blob ID */
	struct odb_tree_cache		*trees;		/* by tree ID */
	const struct engine_deadline	*deadline;	/* stops the check */
};

int	 push_check(const struct config *, const char *repo,
	    const struct strvec *object_dirs, const struct push_request *,
	    const struct push_caches *caches, struct push_result *res,
	    char *err, size_t errlen);

#endif
