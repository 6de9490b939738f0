/*
 * rules.c: the rule table and the two passes over it.  rules_run walks the
 * table: pattern rules (rules_pattern.c) once per migration, then chain
 * rules (rules_chain.c) once on the graph; file rules (rules_file.c) are
 * reported while the tree is read.  rules_settle is then the single place
 * where the configured severities, the baseline and the old-debt policy
 * are applied.  Every diagnostic lists the revisions it is about, which
 * is what lets settle tell new problems from grandfathered ones.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/debt.h"
#include "revguard/rules.h"

/* In enum rule_id order, which is also the order checks run in. */
const struct rule_entry *const rules_table[RULE__COUNT] = {
	[RULE_PARSE_ERROR] = &rules_file_parse_error,
	[RULE_VERSIONS_ENTRY] = &rules_file_versions_entry,
	[RULE_FILENAME_REVISION] = &rules_pattern_filename_revision,
	[RULE_REVISION_FORMAT] = &rules_pattern_revision_format,
	[RULE_PLACEHOLDER_ID] = &rules_pattern_placeholder_id,
	[RULE_DUPLICATE_REVISION] = &rules_chain_duplicate_revision,
	[RULE_HEADER_REVISION_MISMATCH] =
	    &rules_pattern_header_revision_mismatch,
	[RULE_HEADER_REVISES_MISMATCH] =
	    &rules_pattern_header_revises_mismatch,
	[RULE_HEADER_MISSING] = &rules_pattern_header_missing,
	[RULE_SINGLE_HEAD] = &rules_chain_single_head,
	[RULE_SINGLE_BASE] = &rules_chain_single_base,
	[RULE_STEALTH_BRANCH] = &rules_chain_stealth_branch,
	[RULE_MERGE_NAMING] = &rules_pattern_merge_naming,
	[RULE_MERGE_DOCUMENTED] = &rules_pattern_merge_documented,
	[RULE_DANGLING_PARENT] = &rules_chain_dangling_parent,
	[RULE_CYCLE] = &rules_chain_cycle,
	[RULE_UNREACHABLE] = &rules_chain_unreachable,
	[RULE_REMOVED_REVISION] = &rules_chain_removed_revision,
};

struct diag *
rules_report(struct rules_ctx *ctx, enum rule_id id, const char *path,
    int line, const char *revision, const char *fmt, ...)
{
	const struct rule_entry	*e = rules_table[id];
	struct diag		*d;
	va_list			 ap;

	va_start(ap, fmt);
	d = diag_addv(ctx->out, id, e->severity, path, line, e->hint, fmt,
	    ap);
	va_end(ap);
	if (d == NULL)
		return NULL;
	if (revision != NULL && strvec_push(&d->revisions, revision) == -1)
		return NULL;
	return d;
}

int
rules_has_merge(const struct rules_input *in)
{
	size_t	 i;

	for (i = 0; i < in->n; i++)
		if (in->migrations[i].down_revisions.len >= 2)
			return 1;
	return 0;
}

int
rules_run(const struct policy *p, const struct rules_input *in,
    const struct graph *g, struct diag_list *out)
{
	struct rules_ctx	 ctx;
	const struct rule_entry	*e;
	size_t			 i, r;
	int			 rv = -1;

	memset(&ctx, 0, sizeof(ctx));
	ctx.policy = p;
	ctx.in = in;
	ctx.graph = g;
	ctx.out = out;
	if ((ctx.match_data = pcre2_match_data_create(4, NULL)) == NULL)
		return -1;
	for (i = 0; i < in->n; i++) {
		/* A pattern may backtrack for milliseconds per revision. */
		if (in->expired != NULL && in->expired(in->expired_ctx))
			goto done;
		ctx.migration = &in->migrations[i];
		for (r = 0; r < RULE__COUNT; r++) {
			e = rules_table[r];
			if (e->kind == RULE_KIND_PATTERN &&
			    e->check(&ctx) == -1)
				goto done;
		}
	}
	ctx.migration = NULL;
	for (r = 0; r < RULE__COUNT; r++) {
		e = rules_table[r];
		if (e->kind == RULE_KIND_CHAIN && e->check(&ctx) == -1)
			goto done;
	}
	rv = 0;
done:
	graph_cycles_free(ctx.cycles, ctx.ncycles);
	pcre2_match_data_free(ctx.match_data);
	return rv;
}

static int
all_baselined(const struct diag *d, const struct strset *baseline)
{
	size_t	 i;

	if (d->revisions.len == 0)
		return 0;
	for (i = 0; i < d->revisions.len; i++)
		if (!strset_has(baseline, d->revisions.items[i]))
			return 0;
	return 1;
}

int
rules_settle(const struct policy *p, const struct rules_input *in,
    struct diag_list *l)
{
	struct strset	 baseline = STRSET_INIT;
	struct diag	*d;
	size_t		 i, keep = 0;
	int		 rv = -1;

	if (strset_init(&baseline, p->baseline.len + (in->extra_baseline ?
	    in->extra_baseline->len : 0)) == -1 ||
	    strset_add_all(&baseline, &p->baseline) == -1 ||
	    strset_add_all(&baseline, in->extra_baseline) == -1)
		goto done;
	for (i = 0; i < l->len; i++) {
		d = &l->items[i];
		d->severity = p->severity[d->rule];
		if (d->severity != RULE_SEV_OFF && in->old_debt != NULL)
			d->old = debt_contains(in->old_debt, d);
		/* The baseline grandfathers what was there; it never hides
		 * a problem the change creates. */
		if (d->severity != RULE_SEV_OFF && !in->keep_baselined &&
		    (in->old_debt == NULL || d->old) &&
		    all_baselined(d, &baseline))
			d->severity = RULE_SEV_OFF;
		if (d->severity == RULE_SEV_ERROR && d->old && !p->strict)
			d->severity = RULE_SEV_WARN;
		if (d->severity == RULE_SEV_OFF) {
			free(d->path);
			free(d->message);
			free(d->hint);
			strvec_clear(&d->revisions);
			continue;
		}
		l->items[keep++] = *d;
	}
	l->len = keep;
	diag_sort(l);
	rv = 0;
done:
	strset_clear(&baseline);
	return rv;
}
