/*
 * rules_pattern.c: the pattern rules, which judge one migration at a
 * time: its file name against Alembic's file_template, its ID against the
 * configured format and the hand-picked-ID detector, its docstring header
 * against its code, and a merge's name and documentation.  Each rule is
 * one table entry (rules.h) next to its check.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/path.h"
#include "revguard/placeholder.h"
#include "revguard/rules.h"

#define GEN_HINT "generate IDs with `alembic revision` (random hex), not by "  \
	"hand, and rename the file to match"

/*
 * A pattern that could not be evaluated against a revision: an error
 * under the rule the pattern serves, so the ID is never let through.
 */
static int
match_error(struct rules_ctx *ctx, enum rule_id rule, const char *field,
    const char *pattern, int rc)
{
	const struct migration	*m = ctx->migration;
	PCRE2_UCHAR		 msg[128];
	struct diag		*d;

	if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
		snprintf((char *)msg, sizeof(msg), "error %d", rc);
	d = diag_add(ctx->out, rule, RULE_SEV_ERROR, m->path,
	    m->revision_line, "simplify the pattern in the configuration: "
	    "nested or overlapping repeats such as (a|aa)+ backtrack "
	    "exponentially", "%s `%s` could not be evaluated on revision "
	    "`%s`: %s; the revision is not accepted", field, pattern,
	    m->revision, (char *)msg);
	if (d == NULL || strvec_push(&d->revisions, m->revision) == -1)
		return -1;
	return 0;
}

enum tfield {
	TFIELD_SLUG,	/* word characters, lowercase, possibly empty */
	TFIELD_DIGITS,	/* a number: epoch, year, ..., or any %d field */
	TFIELD_OTHER	/* anything, at least one character */
};

/*
 * What Alembic 1.8.1 puts in a field (script/base.py, _rev_path): the
 * slug is "_".join(re.findall(r"\w+", message or "")).lower(), so it is
 * empty for `alembic revision` without -m, and consists of word
 * characters (non-ASCII letters are taken as such); the date fields and
 * epoch are numbers.
 */
static enum tfield
tfield_kind(const char *name, size_t n, int conv_d)
{
	static const char *const numeric[] = { "epoch", "year", "month",
		"day", "hour", "minute", "second", NULL };
	size_t	 i;

	if (n == 4 && strncmp(name, "slug", 4) == 0 && !conv_d)
		return TFIELD_SLUG;
	for (i = 0; numeric[i] != NULL; i++)
		if (strlen(numeric[i]) == n && strncmp(name, numeric[i],
		    n) == 0)
			return TFIELD_DIGITS;
	return conv_d ? TFIELD_DIGITS : TFIELD_OTHER;
}

static int
tfield_char(enum tfield kind, unsigned char c)
{
	switch (kind) {
	case TFIELD_SLUG:
		return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c >= 0x80;
	case TFIELD_DIGITS:
		return c >= '0' && c <= '9';
	default:
		return c != '\0';
	}
}

/*
 * Template matching: %(rev)s must be the revision itself, the other
 * fields hold what Alembic would write there (tfield_kind).
 */
static int
tmatch(const char *t, const char *s, const char *rev)
{
	const char	*close, *name;
	enum tfield	 kind;
	size_t		 n, k, min;

	while (*t != '\0') {
		if (t[0] == '%' && t[1] == '%') {
			if (*s != '%')
				return 0;
			t += 2;
			s++;
			continue;
		}
		if (t[0] != '%' || t[1] != '(' ||
		    (close = strchr(t, ')')) == NULL) {
			if (*t != *s)
				return 0;
			t++;
			s++;
			continue;
		}
		name = t + 2;
		n = (size_t)(close - name);
		for (t = close + 1; *t != '\0' && strchr("0123456789-.", *t);
		    t++)
			;
		kind = tfield_kind(name, n, *t == 'd');
		if (*t != '\0')
			t++;
		if (n == 3 && strncmp(name, "rev", 3) == 0) {
			n = strlen(rev);
			if (strncmp(s, rev, n) != 0)
				return 0;
			s += n;
			continue;
		}
		/* A free field: try every length, shortest first. */
		min = kind == TFIELD_SLUG ? 0 : 1;
		for (k = 0; ; k++) {
			if (k >= min && (*t != '\0' || s[k] == '\0') &&
			    tmatch(t, s + k, rev))
				return 1;
			if (s[k] == '\0' ||
			    !tfield_char(kind, (unsigned char)s[k]))
				return 0;
		}
	}
	return *s == '\0';
}

int
rules_pattern_template_match(const char *tmpl, const char *name,
    const char *rev)
{
	return tmatch(tmpl, name, rev);
}

static int
check_filename(struct rules_ctx *ctx)
{
	const struct policy	*p = ctx->policy;
	const struct migration	*m = ctx->migration;
	const char		*base = path_basename(m->path);
	char			*name;
	int			 ok;

	if (strstr(p->file_template, "%(rev)") == NULL)
		return 0;
	if ((name = strdup(base)) == NULL)
		return -1;
	if (strlen(name) > 3 && strcmp(name + strlen(name) - 3, ".py") == 0)
		name[strlen(name) - 3] = '\0';
	ok = tmatch(p->file_template, name, m->revision);
	free(name);
	if (ok)
		return 0;
	return rules_report(ctx, RULE_FILENAME_REVISION, m->path,
	    m->revision_line, m->revision, "file name `%s` does not carry "
	    "revision `%s` (file_template `%s`)", base, m->revision,
	    p->file_template) ? 0 : -1;
}

const struct rule_entry rules_pattern_filename_revision = {
	RULE_FILENAME_REVISION, "filename-revision", RULE_KIND_PATTERN,
	RULE_SEV_ERROR, check_filename,
	"rename the file so that it carries its revision, as `alembic "
	"revision` names it",
	"the file name does not match file_template with its revision"
};

static int
check_format(struct rules_ctx *ctx)
{
	const struct policy	*p = ctx->policy;
	const struct migration	*m = ctx->migration;
	int			 rc;

	rc = policy_match(p, p->revision_format_re, ctx->match_data,
	    m->revision);
	if (rc < 0)
		return match_error(ctx, RULE_REVISION_FORMAT,
		    "revision_format", p->revision_format, rc);
	if (rc == 0)
		return rules_report(ctx, RULE_REVISION_FORMAT, m->path,
		    m->revision_line, m->revision, "revision `%s` does not "
		    "match revision_format `%s`", m->revision,
		    p->revision_format) ? 0 : -1;
	return 0;
}

const struct rule_entry rules_pattern_revision_format = {
	RULE_REVISION_FORMAT, "revision-format", RULE_KIND_PATTERN,
	RULE_SEV_ERROR, check_format, GEN_HINT,
	"the revision ID does not match revision_format"
};

static int
check_placeholder(struct rules_ctx *ctx)
{
	const struct policy		*p = ctx->policy;
	const struct migration		*m = ctx->migration;
	struct placeholder_match	 why;
	char				 shape[200], field[64];
	size_t				 i;
	int				 rc;

	if (placeholder_check(m->revision, &why)) {
		placeholder_explain(&why, shape, sizeof(shape));
		return rules_report(ctx, RULE_PLACEHOLDER_ID, m->path,
		    m->revision_line, m->revision, "revision `%s` looks "
		    "hand-picked: %s (probability for a random ID: %.1e)",
		    m->revision, shape, why.probability) ? 0 : -1;
	}
	for (i = 0; i < p->placeholder_patterns.len; i++) {
		rc = policy_match(p, p->placeholder_res[i], ctx->match_data,
		    m->revision);
		if (rc < 0) {
			snprintf(field, sizeof(field), "placeholder_patterns "
			    "entry %zu", i + 1);
			return match_error(ctx, RULE_PLACEHOLDER_ID, field,
			    p->placeholder_patterns.items[i], rc);
		}
		if (rc == 0)
			continue;
		return rules_report(ctx, RULE_PLACEHOLDER_ID, m->path,
		    m->revision_line, m->revision, "revision `%s` matches "
		    "placeholder pattern `%s`", m->revision,
		    p->placeholder_patterns.items[i]) ? 0 : -1;
	}
	return 0;
}

const struct rule_entry rules_pattern_placeholder_id = {
	RULE_PLACEHOLDER_ID, "placeholder-id", RULE_KIND_PATTERN,
	RULE_SEV_ERROR, check_placeholder, GEN_HINT,
	"the revision ID looks hand-picked or matches placeholder_patterns"
};

/* Both header lines are there: the mismatch rules can compare them. */
static int
has_header(const struct migration *m)
{
	return m->header_revision != NULL && m->has_header_revises;
}

static int
check_header_revision(struct rules_ctx *ctx)
{
	const struct migration	*m = ctx->migration;

	if (!has_header(m) || strcmp(m->header_revision, m->revision) == 0)
		return 0;
	return rules_report(ctx, RULE_HEADER_REVISION_MISMATCH, m->path,
	    m->header_revision_line, m->revision, "header says `Revision ID: "
	    "%s` but revision = `%s` (line %d)", m->header_revision,
	    m->revision, m->revision_line) ? 0 : -1;
}

const struct rule_entry rules_pattern_header_revision_mismatch = {
	RULE_HEADER_REVISION_MISMATCH, "header-revision-mismatch",
	RULE_KIND_PATTERN, RULE_SEV_ERROR, check_header_revision,
	"make the header and the assignment agree; the assignment is what "
	"Alembic uses",
	"the docstring's `Revision ID:` differs from `revision`"
};

static int
check_header_revises(struct rules_ctx *ctx)
{
	const struct migration	*m = ctx->migration;
	char			*a, *b;
	int			 rv = 0;

	if (!has_header(m) ||
	    strvec_same_set(&m->header_revises, &m->down_revisions))
		return 0;
	a = strvec_join(&m->header_revises, ", ");
	b = strvec_join(&m->down_revisions, ", ");
	if (a == NULL || b == NULL || rules_report(ctx,
	    RULE_HEADER_REVISES_MISMATCH, m->path, m->header_revises_line,
	    m->revision, "header says `Revises: %s` but down_revision is "
	    "%s%s%s (line %d)", a, *b ? "`" : "", *b ? b : "None",
	    *b ? "`" : "", m->down_revision_line) == NULL)
		rv = -1;
	free(a);
	free(b);
	return rv;
}

const struct rule_entry rules_pattern_header_revises_mismatch = {
	RULE_HEADER_REVISES_MISMATCH, "header-revises-mismatch",
	RULE_KIND_PATTERN, RULE_SEV_ERROR, check_header_revises,
	"update the `Revises:` line to list exactly the down_revision values",
	"the docstring's `Revises:` differs from `down_revision` (as sets)"
};

static int
check_header_missing(struct rules_ctx *ctx)
{
	const struct migration	*m = ctx->migration;

	if (has_header(m))
		return 0;
	return rules_report(ctx, RULE_HEADER_MISSING, m->path,
	    m->has_docstring ? m->docstring_line : 1, m->revision,
	    "docstring header has no %s line",
	    m->header_revision == NULL && !m->has_header_revises ?
	    "`Revision ID:` or `Revises:`" : m->header_revision == NULL ?
	    "`Revision ID:`" : "`Revises:`") ? 0 : -1;
}

const struct rule_entry rules_pattern_header_missing = {
	RULE_HEADER_MISSING, "header-missing", RULE_KIND_PATTERN,
	RULE_SEV_WARN, check_header_missing,
	"start the module with the docstring `alembic revision` writes: "
	"`Revision ID: <id>` and `Revises: <parents>` lines",
	"the module docstring has no `Revision ID:` or no `Revises:` line"
};

static int
check_merge_naming(struct rules_ctx *ctx)
{
	const struct policy	*p = ctx->policy;
	const struct migration	*m = ctx->migration;

	if (m->down_revisions.len < 2 ||
	    strstr(path_basename(m->path), p->merge_marker) != NULL)
		return 0;
	return rules_report(ctx, RULE_MERGE_NAMING, m->path,
	    m->down_revision_line, m->revision, "merge revision `%s` has %zu "
	    "parents but its file name has no `%s`", m->revision,
	    m->down_revisions.len, p->merge_marker) ? 0 : -1;
}

const struct rule_entry rules_pattern_merge_naming = {
	RULE_MERGE_NAMING, "merge-naming", RULE_KIND_PATTERN, RULE_SEV_ERROR,
	check_merge_naming,
	"name merge migrations like `alembic merge -m \"merge heads\"` does",
	"a merge revision's file name has no merge_marker"
};

static int
doc_mentions(const struct rules_input *in, const char *revision)
{
	size_t	 i, n = strlen(revision);

	for (i = 0; i < in->ndocs; i++)
		if (in->docs[i].len >= n && memmem(in->docs[i].data,
		    in->docs[i].len, revision, n) != NULL)
			return 1;
	return 0;
}

static int
check_merge_documented(struct rules_ctx *ctx)
{
	const struct migration	*m = ctx->migration;
	char			*globs;
	int			 rv = 0;

	if (m->down_revisions.len < 2 || doc_mentions(ctx->in, m->revision))
		return 0;
	if ((globs = strvec_join(&ctx->policy->documentation, ", ")) == NULL)
		return -1;
	if (rules_report(ctx, RULE_MERGE_DOCUMENTED, m->path,
	    m->down_revision_line, m->revision, "merge revision `%s` is not "
	    "mentioned in the documentation (%s)", m->revision,
	    globs) == NULL)
		rv = -1;
	free(globs);
	return rv;
}

const struct rule_entry rules_pattern_merge_documented = {
	RULE_MERGE_DOCUMENTED, "merge-documented", RULE_KIND_PATTERN,
	RULE_SEV_ERROR, check_merge_documented,
	"say in the changelog why the branches were merged, naming the merge "
	"revision",
	"a merge revision's ID appears in none of the documentation files"
};
