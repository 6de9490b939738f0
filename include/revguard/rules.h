/*
 * rules: the policy (rule severities, patterns, templates) and the rule
 * engine that turns parsed migrations and their graph into diagnostics.
 * A struct policy owns its strings and compiled patterns.
 */
#ifndef REVGUARD_RULES_H
#define REVGUARD_RULES_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>

#include "revguard/debt.h"
#include "revguard/diag.h"
#include "revguard/graph.h"
#include "revguard/migration.h"
#include "revguard/strvec.h"

#define RULES_DEFAULT_REVISION_FORMAT	"^[0-9a-f]{12}$"
#define RULES_DEFAULT_FILE_TEMPLATE	"%(rev)s_%(slug)s"
#define RULES_DEFAULT_MERGE_MARKER	"_merge_"

/*
 * Limits for every configured pattern, so that a backtracking pattern
 * such as ^(a|aa)+$ costs at most about a millisecond per revision
 * instead of a tenth of a second.  Revision IDs are short: a sane pattern
 * needs a few hundred steps.  The JIT honours the match limit and has its
 * own 32 KiB stack; the depth and heap limits bound the interpreter.
 * Exceeding any of them is an error diagnostic, never "no match".
 */
#define RULES_MATCH_LIMIT	100000
#define RULES_DEPTH_LIMIT	5000
#define RULES_HEAP_LIMIT_KIB	1024

struct policy {
	enum rule_sev	 severity[RULE__COUNT];
	char		*revision_format;	/* pcre2 source */
	char		*file_template;		/* Alembic's file_template */
	char		*merge_marker;
	struct strvec	 placeholder_patterns;	/* extra pcre2 sources */
	struct strvec	 documentation;		/* globs */
	struct strvec	 baseline;		/* grandfathered revisions */
	int		 strict;		/* old debt stays an error */

	/* Filled by policy_compile. */
	pcre2_code	*revision_format_re;
	pcre2_code	**placeholder_res;
	pcre2_match_context *match_ctx;		/* the limits above */
};

struct doc_file {
	const char	*path;
	const char	*data;
	size_t		 len;
};

struct rules_input {
	const struct migration	*migrations;	/* parsed successfully */
	size_t			 n;
	/* What the base already had wrong; NULL: everything is new. */
	const struct debt	*old_debt;
	const struct strvec	*extra_baseline;	/* may be NULL */
	/* Keep what the baseline covers (a base's findings, to tell old
	 * debt from new). */
	int			 keep_baselined;
	const struct doc_file	*docs;		/* documentation files */
	size_t			 ndocs;
	/* NULL, or returns 1 when the caller's deadline has passed:
	 * rules_run then stops and returns -1. */
	int			(*expired)(void *ctx);
	void			*expired_ctx;
};

int	 policy_init(struct policy *);
/*
 * Compiles the patterns.  Returns 0, or -1 with a message naming the
 * field and the offset of the error in err.
 */
int	 policy_compile(struct policy *, char *err, size_t errlen);
void	 policy_free(struct policy *);

/* Runs every pattern and chain rule; diagnostics carry default
 * severities until rules_settle. */
int	 rules_run(const struct policy *, const struct rules_input *,
	    const struct graph *, struct diag_list *);
/*
 * Applies the policy to a finished list: configured severities (off
 * drops), the baseline (drops diagnostics whose revisions are all
 * grandfathered) and old debt (marked old, and an error becomes a
 * warning unless strict), then sorts.
 */
int	 rules_settle(const struct policy *, const struct rules_input *,
	    struct diag_list *);
/* 1 when the merge revision needs documenting (has a merge). */
int	 rules_has_merge(const struct rules_input *);
/* Matches a file name (without ".py") against an Alembic file_template
 * with %(rev)s standing for revision. */
int	 rules_template_match(const char *tmpl, const char *name,
	    const char *revision);

#endif
