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
	/* Keep what the baseline covers (a base's findings, to tell old
	 * debt from new). */
	int			 keep_baselined;
	/* The revisions the base had, and the file of each (parallel);
	 * NULL: no base to compare with. */
	const struct strvec	*base_revisions;
	const struct strvec	*base_paths;
	const struct doc_file	*docs;		/* documentation files */
	size_t			 ndocs;
	/* NULL, or returns 1 when the caller's deadline has passed:
	 * rules_run then stops and returns -1. */
	int			(*expired)(void *ctx);
	void			*expired_ctx;
};

/*
 * What a rule's check sees.  rules_run fills it: pattern rules are called
 * once per migration (migration set), chain rules once per run on the
 * whole graph (migration NULL).
 */
struct rules_ctx {
	const struct policy	*policy;
	const struct rules_input *in;
	const struct graph	*graph;
	const struct migration	*migration;
	pcre2_match_data	*match_data;
	struct diag_list	*out;
	/* The graph's cycles, found once for the cycle and unreachable
	 * rules (rules_chain.c); freed by rules_run. */
	struct graph_cycle	*cycles;
	size_t			 ncycles;
	int			 have_cycles;
};

/*
 * One rule.  The table below is the rule catalogue: diag.c's names,
 * kinds and default severities, rules_run's checks and the documentation
 * test (tests/unit/test_rules_table.c) all read it.  Adding a rule is one
 * entry next to its check, one enum rule_id value, one slot in the table
 * and its tests.
 */
struct rule_entry {
	enum rule_id	 id;
	const char	*name;		/* stable: config, output, baselines */
	enum rule_kind	 kind;
	enum rule_sev	 severity;	/* default */
	/*
	 * Appends what it finds to ctx->out; 0, or -1 when memory ran out.
	 * NULL for file rules, which the parser and the engine report while
	 * they read (rules_file.c).
	 */
	int		(*check)(struct rules_ctx *);
	const char	*hint;		/* the usual fix */
	const char	*summary;	/* what it finds, in one line */
};

/* Indexed by enum rule_id. */
extern const struct rule_entry *const rules_table[RULE__COUNT];

/* The entries, each defined next to its code. */
extern const struct rule_entry rules_file_parse_error;
extern const struct rule_entry rules_file_versions_entry;
extern const struct rule_entry rules_pattern_filename_revision;
extern const struct rule_entry rules_pattern_revision_format;
extern const struct rule_entry rules_pattern_placeholder_id;
extern const struct rule_entry rules_pattern_header_revision_mismatch;
extern const struct rule_entry rules_pattern_header_revises_mismatch;
extern const struct rule_entry rules_pattern_header_missing;
extern const struct rule_entry rules_pattern_merge_naming;
extern const struct rule_entry rules_pattern_merge_documented;
extern const struct rule_entry rules_chain_duplicate_revision;
extern const struct rule_entry rules_chain_single_head;
extern const struct rule_entry rules_chain_single_base;
extern const struct rule_entry rules_chain_stealth_branch;
extern const struct rule_entry rules_chain_dangling_parent;
extern const struct rule_entry rules_chain_cycle;
extern const struct rule_entry rules_chain_unreachable;
extern const struct rule_entry rules_chain_removed_revision;

/* Runs every pattern and chain rule of the table, in table order;
 * diagnostics carry default severities until rules_settle. */
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
/*
 * For checks: appends a diagnostic of rule id at its default severity
 * with its table hint, about revision (may be NULL: the caller adds the
 * revisions).  Returns it, or NULL when memory ran out.
 */
struct diag *rules_report(struct rules_ctx *, enum rule_id, const char *path,
	    int line, const char *revision, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
/* Matches a file name (without ".py") against an Alembic file_template
 * with %(rev)s standing for revision (rules_pattern.c). */
int	 rules_pattern_template_match(const char *tmpl, const char *name,
	    const char *revision);

#endif
