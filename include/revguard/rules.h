/*
 * rules: the rule engine that turns parsed migrations and their graph
 * into diagnostics under a policy (policy.h).
 */
#ifndef REVGUARD_RULES_H
#define REVGUARD_RULES_H

#include <stddef.h>

#include "revguard/debt.h"
#include "revguard/diag.h"
#include "revguard/graph.h"
#include "revguard/migration.h"
#include "revguard/policy.h"
#include "revguard/strvec.h"

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
	const struct doc_file	*docs;		/* documentation files */
	size_t			 ndocs;
	/* NULL, or returns 1 when the caller's deadline has passed:
	 * rules_run then stops and returns -1. */
	int			(*expired)(void *ctx);
	void			*expired_ctx;
};

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
