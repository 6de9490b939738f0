/*
 * serve: the one road of a push.  A request goes in at one door
 * (serve_request): its repository and object directories are admitted,
 * the configuration for that repository is chosen, every guarded ref is
 * judged at its new commit against its base (judge.h), and a structured
 * result comes out, rendered only at the edges (report.h).  The daemon's
 * workers, `revguard hook --in-process` and `revguard check --rev/--base`
 * all come through here.
 */
#ifndef REVGUARD_SERVE_H
#define REVGUARD_SERVE_H

#include "revguard/config.h"
#include "revguard/engine.h"
#include "revguard/odb.h"
#include "revguard/request.h"
#include "revguard/strvec.h"

struct serve_opts {
	const struct config	*cfg;	/* the whole file: serve picks the
					 * `repositories:` entry */
	/* Where repositories may be opened; NULL trusts the request's
	 * paths (the hook's own process, the CLI). */
	const struct strvec	*roots;
	const struct engine_cache *parsed;	/* by blob ID, may be NULL */
	struct odb_tree_cache	*trees;		/* by tree ID, may be NULL */
	const struct engine_deadline *deadline;	/* may be NULL */
	/* revguard check: every update is judged, guarded or not; a null
	 * old ID means no base (not the default branch), and then the
	 * head's own .revguard.yaml and baseline count; never the
	 * unchanged shortcut; each ref keeps its whole check. */
	int			 cli;
};

/*
 * Resolves path against the configured roots: realpath, inside a root,
 * and a git repository, and what libgit2 would follow from it (objects,
 * refs, packed-refs, HEAD, config, commondir, links among the object
 * entries and packs, objects/info/alternates as libgit2 walks them) is
 * inside a root too; err never says where a refused link leads.
 * Returns the resolved path or NULL with err.  The push road and the
 * HTTP API both admit through here.
 */
char	*serve_admit_repository(const struct strvec *roots, const char *path,
	    char *err, size_t errlen);
/*
 * Keeps only object directories a request may add: the quarantine must be
 * inside repo/objects; other entries inside one of roots (the repository's
 * own objects directory is dropped, it is there already).  NULL roots
 * trusts everything.  -1 with err on a bad quarantine.
 */
int	 serve_admit_objects(const struct strvec *roots, const char *repo,
	    const struct push_request *, struct strvec *dirs, char *err,
	    size_t errlen);
/* 1 when ref is guarded; def is the default branch (NULL: none). */
int	 serve_is_guarded(const struct config *, const char *ref,
	    const char *def);
/*
 * Judges a request.  Returns 0 with the verdict in res, or -1 when the
 * check could not run (err says why; the caller applies the fail
 * policy).  res is the caller's to clear either way.
 */
int	 serve_request(const struct serve_opts *, const struct push_request *,
	    struct push_result *res, char *err, size_t errlen);

#endif
