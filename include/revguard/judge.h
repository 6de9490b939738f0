/*
 * judge: one commit judged against its base, the way a push to a guarded
 * branch is judged.  It decides where the migrations are at each commit
 * (versions_path, alembic.ini, a repository's own .revguard.yaml read
 * from the base, or the one alembic.ini found below the root), refuses a
 * commit that makes migrations disappear, takes the shortcut when nothing
 * under the versions directories changed, and otherwise checks the new
 * commit with every problem the base already had marked as old debt.
 * Shared by the daemon, `revguard hook --in-process` and `revguard check
 * --base`.  The caller owns the result and frees it with judge_free.
 */
#ifndef REVGUARD_JUDGE_H
#define REVGUARD_JUDGE_H

#include "revguard/config.h"
#include "revguard/engine.h"
#include "revguard/source.h"

/* How deep below the root an alembic.ini is looked for, and how many
 * directories the search may list. */
#define JUDGE_FIND_DEPTH	3
#define JUDGE_FIND_DIRS		256

enum judge_verdict {
	JUDGE_CHECKED,		/* result holds the diagnostics */
	JUDGE_UNCHANGED,	/* the versions directories equal the base's */
	JUDGE_NOT_CHECKED,	/* nothing to check; reason says why */
	JUDGE_REFUSED		/* the commit itself is wrong; reason says why */
};

struct judge_opts {
	const struct config	*cfg;
	const struct source_ops	*ops;
	void			*head;
	void			*base;		/* NULL: everything is new */
	/*
	 * With no base: 1 when the head is trusted (a CLI run on one's own
	 * tree), so its .revguard.yaml and baseline file count.  A push
	 * never trusts what it pushes.
	 */
	int			 trust_head;
	int			 full;		/* never take the shortcut */
	/* Template for the engine: policy, cache, deadline.  The judge
	 * fills in where the migrations are, the baseline and the debt. */
	struct engine_opts	 engine;
};

struct judge_result {
	enum judge_verdict	 verdict;
	char			*reason;	/* NULL when CHECKED */
	char			*alembic_ini;	/* used, or NULL */
	struct strvec		 notes;		/* things the pusher should know */
	struct engine_result	 check;		/* valid when CHECKED */
	size_t			 old_debt;	/* diagnostics the base had */
};

/* Returns 0 with the verdict in res, or -1 when the judgement could not
 * run (err says why; the caller applies its fail policy). */
int	 judge_run(const struct judge_opts *, struct judge_result *res,
	    char *err, size_t errlen);
void	 judge_free(struct judge_result *);

#endif
