/*
 * report.c: text, JSON and dot renderings of a check.  The text form is
 * `path:line: severity[rule-id]: message` then an indented `hint:`, the
 * shape compilers use, so editors and CI annotate the right line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/jsonutil.h"
#include "revguard/report.h"
#include "revguard/vis.h"

/* Adds a line for the pusher, shown safely: names and messages come
 * from the push (a file name may hold a newline that forges a line). */
static int
say(struct strvec *lines, char *line)
{
	char	*safe;
	size_t	 n, len;

	if (line == NULL)
		return -1;
	len = strlen(line);
	n = vis_escape(NULL, 0, line, len, VIS_KEEP_BACKSLASH);
	if (n == len)
		return strvec_push_owned(lines, line);
	if ((safe = malloc(n + 1)) != NULL)
		vis_escape(safe, n + 1, line, len, VIS_KEEP_BACKSLASH);
	free(line);
	return safe != NULL ? strvec_push_owned(lines, safe) : -1;
}

int
report_diag_text(const struct diag *d, const char *fallback_path,
    struct strvec *lines)
{
	struct buf	 b = BUF_INIT;
	const char	*path = d->path ? d->path : fallback_path;

	buf_append(&b, "", 0);
	if (path != NULL)
		buf_printf(&b, "%s:", path);
	if (d->line > 0)
		buf_printf(&b, "%d:", d->line);
	buf_printf(&b, " %s[%s]: %s", rule_sev_name(d->severity),
	    rule_name(d->rule), d->message);
	if (b.data == NULL || say(lines, b.data) == -1)
		return -1;
	if (d->hint != NULL && say(lines, xasprintf("    hint: %s",
	    d->hint)) == -1)
		return -1;
	return 0;
}


/*
 * An observed ref that failed its check: one warning line with what
 * enforcing would do, the first error's rule and place, and how many
 * more there are.  The whole list is `revguard check`'s to print.
 */
static int
observed_line(const struct push_ref_result *r, struct strvec *lines)
{
	const struct diag	*first = NULL;
	const char		*path;
	char			 at[16] = "", more[48] = "";
	size_t			 i, errors = 0;

	for (i = 0; i < r->diags.len; i++) {
		if (r->diags.items[i].severity != RULE_SEV_ERROR)
			continue;
		if (errors++ == 0)
			first = &r->diags.items[i];
	}
	if (first == NULL)
		return say(lines, xasprintf("warning: %s: observe mode: "
		    "enforcing would reject this push: %s", r->ref,
		    r->reason ? r->reason : "?"));
	path = first->path ? first->path : r->versions_dir;
	if (first->line > 0)
		snprintf(at, sizeof(at), ":%d", first->line);
	if (errors > 1)
		snprintf(more, sizeof(more), " and %zu more error%s",
		    errors - 1, errors == 2 ? "" : "s");
	return say(lines, xasprintf("warning: %s: observe mode: enforcing "
	    "would reject this push: %s in %s%s%s; `revguard check --rev "
	    "%.12s` lists %s", r->ref, rule_name(first->rule),
	    path ? path : "the migrations", at, more,
	    r->new_id ? r->new_id : "HEAD", errors > 1 ? "them" : "it"));
}

/* A checked ref: new problems in full, old debt that stays a warning in
 * one line. */
static int
checked_lines(const struct push_ref_result *r, int bypassed,
    struct strvec *lines)
{
	const struct diag	*d;
	size_t			 i, summarised = 0;

	for (i = 0; i < r->diags.len; i++)
		summarised += r->diags.items[i].old &&
		    r->diags.items[i].severity != RULE_SEV_ERROR;
	if (summarised == r->diags.len)
		return summarised == 0 ? 0 : say(lines, xasprintf("%s: %zu "
		    "older problem%s %s already on the branch, as warnings; "
		    "`revguard check --rev %.12s` lists them", r->ref,
		    summarised, summarised == 1 ? "" : "s",
		    summarised == 1 ? "was" : "were", r->new_id ?
		    r->new_id : "HEAD"));
	if (say(lines, xasprintf("%s: %s (%s)", r->ref,
	    r->verdict != PUSH_REJECT ? "accepted with warnings" : bypassed ?
	    "would be rejected, let through by an audited bypass" :
	    "rejected", r->reason ? r->reason : "")) == -1)
		return -1;
	for (i = 0; i < r->diags.len; i++) {
		d = &r->diags.items[i];
		if ((!d->old || d->severity == RULE_SEV_ERROR) &&
		    report_diag_text(d, r->versions_dir, lines) == -1)
			return -1;
	}
	if (summarised > 0 && say(lines, xasprintf("%s: and %zu older "
	    "problem%s already on the branch, as warnings; `revguard check "
	    "--rev %.12s` lists them", r->ref, summarised,
	    summarised == 1 ? "" : "s", r->new_id ? r->new_id : "HEAD")) ==
	    -1)
		return -1;
	return 0;
}

/* The last line of a push let through by an audited bypass; the
 * reason is the pusher's: backslashes doubled, nothing unescaped. */
static int
bypass_line(const struct push_result *res, struct strvec *lines)
{
	char	 reason[4 * 256 + 1];
	size_t	 i, errors = 0;

	for (i = 0; i < res->nrefs; i++)
		if (res->refs[i].verdict == PUSH_REJECT &&
		    res->refs[i].mode == PUSH_MODE_ENFORCE)
			errors += res->refs[i].errors > 0 ?
			    res->refs[i].errors : 1;
	vis_escape(reason, sizeof(reason), res->bypass_reason ?
	    res->bypass_reason : "", res->bypass_reason ?
	    strlen(res->bypass_reason) : 0, 0);
	return say(lines, xasprintf("push accepted by an audited bypass: %s "
	    "gave the reason \"%s\"; %zu error%s above %s waved through, and "
	    "the bypass is logged", res->bypass_by ? res->bypass_by : "?",
	    reason, errors, errors == 1 ? "" : "s", errors == 1 ? "was" :
	    "were"));
}

int
report_push_lines(const struct push_result *res, struct strvec *lines)
{
	const struct push_ref_result	*r;
	size_t				 i, j;
	int				 rv = 0;

	for (i = 0; rv == 0 && i < res->notes.len; i++)
		rv = say(lines, xasprintf("note: %s", res->notes.items[i]));
	for (i = 0; rv == 0 && i < res->nrefs; i++) {
		r = &res->refs[i];
		for (j = 0; rv == 0 && j < r->notes.len; j++)
			rv = say(lines, xasprintf("%s: note: %s", r->ref,
			    r->notes.items[j]));
		if (rv == -1)
			break;
		if (r->verdict == PUSH_REJECT && r->mode == PUSH_MODE_OBSERVE) {
			rv = observed_line(r, lines);
			continue;
		}
		switch (r->outcome) {
		case PUSH_NOT_GUARDED:
		case PUSH_UNCHANGED:
			break;
		case PUSH_DELETION:
		case PUSH_NOT_CHECKED:
			rv = say(lines, xasprintf("%s: not checked: %s",
			    r->ref, r->reason ? r->reason : "?"));
			break;
		case PUSH_REFUSED:
			rv = say(lines, xasprintf("%s: error: %s", r->ref,
			    r->reason ? r->reason : "?"));
			break;
		case PUSH_CHECKED:
			rv = checked_lines(r, res->bypass ==
			    PUSH_BYPASS_GRANTED, lines);
			break;
		}
	}
	if (rv == 0 && res->reject)
		rv = say(lines, xasprintf("push rejected by revguard: fix the "
		    "errors above and push again"));
	else if (rv == 0 && res->bypass == PUSH_BYPASS_GRANTED)
		rv = bypass_line(res, lines);
	return rv;
}

/* "refs/heads/main" is "main" in a merge box; other refs stay whole. */
static const char *
short_ref(const char *ref)
{
	return strncmp(ref, "refs/heads/", 11) == 0 ? ref + 11 : ref;
}

/*
 * The short first line of a refusal, for web UIs that show the first
 * line: "revguard: SUBJECT: WHAT rejected: error[rule] in path:line on
 * branch (and N more)", or the refused ref's reason when it has no
 * diagnostic.
 */
static int
headline(const struct push_result *res, const char *subject,
    const char *what, struct strvec *lines)
{
	const struct push_ref_result	*r, *first = NULL, *at_ref = NULL;
	const struct diag		*d = NULL;
	const char			*path;
	char				 at[32] = "", more[48] = "";
	size_t				 i, j, errors = 0;

	for (i = 0; i < res->nrefs; i++) {
		r = &res->refs[i];
		if (r->verdict != PUSH_REJECT)
			continue;
		if (first == NULL)
			first = r;
		for (j = 0; j < r->diags.len; j++) {
			if (r->diags.items[j].severity != RULE_SEV_ERROR)
				continue;
			if (d == NULL) {
				d = &r->diags.items[j];
				at_ref = r;
			}
			errors++;
		}
		if (r->outcome == PUSH_REFUSED)
			errors++;
	}
	if (first == NULL)
		return 0;
	if (subject == NULL)
		subject = "";
	if (d == NULL)
		return say(lines, xasprintf("revguard: %s%s%s rejected: %s: %s",
		    subject, *subject ? ": " : "", what, first->ref,
		    first->reason ? first->reason : "?"));
	path = d->path ? d->path : at_ref->versions_dir ?
	    at_ref->versions_dir : "?";
	if (d->line > 0)
		snprintf(at, sizeof(at), ":%d", d->line);
	if (errors > 1)
		snprintf(more, sizeof(more), " (and %zu more)", errors - 1);
	return say(lines, xasprintf("revguard: %s%s%s rejected: %s[%s] in "
	    "%s%s on %s%s", subject, *subject ? ": " : "", what,
	    rule_sev_name(d->severity), rule_name(d->rule), path, at,
	    short_ref(at_ref->ref), more));
}

int
report_push_headline(const struct push_result *res, const char *subject,
    struct strvec *lines)
{
	return headline(res, subject, "push", lines);
}

/* What was refused: a push, or Gitea's web merge of a pull request. */
static char *
refused_what(const struct report_host *rh)
{
	/* Gitea's database ID of the pull request, not its #number; 0 on
	 * ordinary pushes. */
	if (rh->host == HOST_GITEA && rh->pr_id != NULL &&
	    rh->pr_id[0] != '\0' &&
	    strspn(rh->pr_id, "0123456789") == strlen(rh->pr_id) &&
	    strspn(rh->pr_id, "0") != strlen(rh->pr_id) &&
	    strlen(rh->pr_id) <= 20)
		return xasprintf("merge of pull request id %s", rh->pr_id);
	return xasprintf("push");
}

/* Prefixes every line for GitLab's web UI; the lines are escaped. */
static int
gitlab_prefix(struct strvec *lines, size_t from)
{
	char	*p;
	size_t	 i;

	for (i = from; i < lines->len; i++) {
		if ((p = xasprintf("%s%s", REPORT_GITLAB_PREFIX,
		    lines->items[i])) == NULL)
			return -1;
		free(lines->items[i]);
		lines->items[i] = p;
	}
	return 0;
}

int
report_host_push_lines(const struct report_host *rh,
    const struct push_result *res, struct strvec *lines)
{
	size_t	 from = lines->len;
	char	*what;
	int	 rv = 0;

	if (host_has_web_ui(rh->host) && res->reject) {
		if ((what = refused_what(rh)) == NULL)
			return -1;
		rv = headline(res, rh->repo_name, what, lines);
		free(what);
		if (rv == -1)
			return -1;
	}
	if (report_push_lines(res, lines) == -1)
		return -1;
	return rh->host == HOST_GITLAB && res->reject ?
	    gitlab_prefix(lines, from) : 0;
}

int
report_host_message(const struct report_host *rh, int refused,
    const char *text, struct strvec *lines)
{
	size_t		 from = lines->len, n;
	const char	*p;

	for (p = text; *p != '\0'; p += n + (p[n] == '\n')) {
		n = strcspn(p, "\n");
		if (n == 0 && p[n] == '\0')
			break;
		if (say(lines, xstrndup(p, n)) == -1)
			return -1;
	}
	return rh->host == HOST_GITLAB && refused ?
	    gitlab_prefix(lines, from) : 0;
}

void
report_text(FILE *f, const struct engine_result *r)
{
	struct strvec	 lines = STRVEC_INIT;
	size_t		 i, errors, warnings;

	for (i = 0; i < r->diags.len; i++)
		report_diag_text(&r->diags.items[i], r->versions_dirs.len > 0 ?
		    r->versions_dirs.items[0] : NULL, &lines);
	for (i = 0; i < lines.len; i++)
		fprintf(f, "%s\n", lines.items[i]);
	strvec_clear(&lines);
	errors = diag_count(&r->diags, RULE_SEV_ERROR);
	warnings = diag_count(&r->diags, RULE_SEV_WARN);
	fprintf(f, "revguard: %zu migration%s, %zu error%s, %zu warning%s\n",
	    r->n, r->n == 1 ? "" : "s", errors, errors == 1 ? "" : "s",
	    warnings, warnings == 1 ? "" : "s");
}

static json_t *
nodes_json(const struct engine_result *r, int heads)
{
	json_t	*a = json_array();
	size_t	*nodes = NULL, n = 0, i;

	if ((heads ? graph_heads(&r->graph, &nodes, &n) :
	    graph_bases(&r->graph, &nodes, &n)) == -1)
		return a;
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(
		    r->graph.nodes[nodes[i]]->revision));
	free(nodes);
	return a;
}

json_t *
report_json(const struct engine_result *r, const struct report_subject *s)
{
	json_t	*o, *diags;
	size_t	 i;

	diags = json_array();
	for (i = 0; i < r->diags.len; i++)
		json_array_append_new(diags,
		    jsonutil_diag(&r->diags.items[i]));
	o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, "
	    "s:I, s:I, s:o}",
	    "schema", "revguard.check/1",
	    "repository", s->repository ? json_string(s->repository) :
	    json_null(),
	    "rev", s->rev ? json_string(s->rev) : json_null(),
	    "base", s->base ? json_string(s->base) : json_null(),
	    "commit", s->commit ? json_string(s->commit) : json_null(),
	    "worktree", s->worktree ? json_string(s->worktree) : json_null(),
	    "versions_dirs", jsonutil_strvec(&r->versions_dirs),
	    "migrations", (json_int_t)r->n,
	    "heads", nodes_json(r, 1),
	    "bases", nodes_json(r, 0),
	    "errors", (json_int_t)diag_count(&r->diags, RULE_SEV_ERROR),
	    "warnings", (json_int_t)diag_count(&r->diags, RULE_SEV_WARN),
	    "diagnostics", diags);
	return o;
}

void
report_heads(FILE *f, const struct engine_result *r)
{
	size_t	*nodes = NULL, n = 0, i;

	if (graph_heads(&r->graph, &nodes, &n) == -1)
		return;
	for (i = 0; i < n; i++)
		fprintf(f, "%s %s\n", r->graph.nodes[nodes[i]]->revision,
		    r->graph.nodes[nodes[i]]->path);
	free(nodes);
}

/* Writes s as a dot double-quoted string body. */
static void
dot_quote(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

void
report_graph_dot(FILE *f, const struct engine_result *r)
{
	const struct graph	*g = &r->graph;
	size_t			 i, j;

	fprintf(f, "digraph revisions {\n\trankdir=BT;\n"
	    "\tnode [shape=box, fontname=monospace];\n");
	for (i = 0; i < g->n; i++) {
		fputs("\t\"", f);
		dot_quote(f, g->nodes[i]->revision);
		fputs("\" [label=\"", f);
		dot_quote(f, g->nodes[i]->revision);
		fputs("\\n", f);
		dot_quote(f, g->nodes[i]->path);
		fprintf(f, "\"%s];\n", graph_nchildren(g, i) == 0 ?
		    ", style=bold" : "");
	}
	for (i = 0; i < g->n; i++) {
		for (j = 0; j < g->nodes[i]->down_revisions.len; j++) {
			fputs("\t\"", f);
			dot_quote(f, g->nodes[i]->revision);
			fputs("\" -> \"", f);
			dot_quote(f, g->nodes[i]->down_revisions.items[j]);
			fputs("\";\n", f);
		}
		for (j = 0; j < g->nodes[i]->depends_on.len; j++) {
			fputs("\t\"", f);
			dot_quote(f, g->nodes[i]->revision);
			fputs("\" -> \"", f);
			dot_quote(f, g->nodes[i]->depends_on.items[j]);
			fputs("\" [style=dashed];\n", f);
		}
	}
	fputs("}\n", f);
}

json_t *
report_graph_json(const struct engine_result *r)
{
	const struct graph	*g = &r->graph;
	json_t			*revs = json_array();
	size_t			 i;

	for (i = 0; i < g->n; i++) {
		const struct migration	*m = g->nodes[i];

		json_array_append_new(revs, json_pack(
		    "{s:s, s:s, s:o, s:o, s:o}",
		    "revision", m->revision, "path", m->path,
		    "down_revisions", jsonutil_strvec(&m->down_revisions),
		    "depends_on", jsonutil_strvec(&m->depends_on),
		    "branch_labels", jsonutil_strvec(&m->branch_labels)));
	}
	return json_pack("{s:s, s:o, s:o, s:o}",
	    "schema", "revguard.graph/1",
	    "revisions", revs,
	    "heads", nodes_json(r, 1),
	    "bases", nodes_json(r, 0));
}
