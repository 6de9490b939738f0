/*
 * push: the pre-receive decision.  Given the ref updates of one push and
 * the repository (with its quarantine), checks every guarded ref at its
 * new commit and says accept or reject, with the lines the pusher sees.
 * Shared by revguardd's workers and `revguard hook --in-process`.
 */
#ifndef REVGUARD_PUSH_H
#define REVGUARD_PUSH_H

#include <jansson.h>

#include "revguard/config.h"
#include "revguard/proto.h"
#include "revguard/strvec.h"

enum push_verdict {
	PUSH_SKIP,	/* not ours to judge: deletion, tag, unguarded */
	PUSH_ACCEPT,
	PUSH_REJECT
};

struct push_ref_result {
	char			*ref;
	enum push_verdict	 verdict;
	char			*reason;
	size_t			 migrations, errors, warnings;
};

struct push_result {
	int			 reject;
	struct push_ref_result	*refs;
	size_t			 nrefs;
	struct strvec		 messages;	/* shown as remote: lines */
};

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
/*
 * Runs the check.  Returns 0 with the verdict in res, or -1 when the
 * check could not run (err says why; the caller decides fail-open).
 */
int	 push_check(const struct config *, const char *repo,
	    const struct strvec *object_dirs, const struct push_request *,
	    struct push_result *res, char *err, size_t errlen);
void	 push_result_clear(struct push_result *);

json_t	*push_result_to_json(const struct push_result *);
/* Reads a reply; -1 when it is not a well-formed reply. */
int	 push_result_from_json(json_t *, struct push_result *);
const char *push_verdict_name(enum push_verdict);

#endif
