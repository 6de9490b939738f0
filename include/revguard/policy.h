/*
 * policy: what the rules enforce (rule severities, patterns, templates,
 * documentation globs, baseline, strictness) and the compiled patterns
 * with the PCRE2 limits every match runs under.  A struct policy owns its
 * strings and compiled patterns; policy_free releases them.
 */
#ifndef REVGUARD_POLICY_H
#define REVGUARD_POLICY_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>

#include "revguard/diag.h"
#include "revguard/strvec.h"

#define POLICY_DEFAULT_REVISION_FORMAT	"^[0-9a-f]{12}$"
#define POLICY_DEFAULT_FILE_TEMPLATE	"%(rev)s_%(slug)s"
#define POLICY_DEFAULT_MERGE_MARKER	"_merge_"

/*
 * Limits for every configured pattern, so that a backtracking pattern
 * such as ^(a|aa)+$ costs at most about a millisecond per revision
 * instead of a tenth of a second.  Revision IDs are short: a sane pattern
 * needs a few hundred steps.  The JIT honours the match limit and has its
 * own 32 KiB stack; the depth and heap limits bound the interpreter.
 * Exceeding any of them is an error diagnostic, never "no match".
 */
#define POLICY_MATCH_LIMIT	100000
#define POLICY_DEPTH_LIMIT	5000
#define POLICY_HEAP_LIMIT_KIB	1024

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

/* Defaults: every rule at its default severity (rules.h's table). */
int	 policy_init(struct policy *);
/*
 * Compiles the patterns.  Returns 0, or -1 with a message naming the
 * field and the offset of the error in err.
 */
int	 policy_compile(struct policy *, char *err, size_t errlen);
void	 policy_free(struct policy *);
/*
 * Matches s against a compiled pattern of p under p's limits: 1 match,
 * 0 no match, < 0 a pcre2 error code (a limit, usually).
 */
int	 policy_match(const struct policy *, const pcre2_code *,
	    pcre2_match_data *, const char *s);

#endif
