/*
 * report: renders a finished check for people (text), for machines
 * (JSON, schema in docs/json-output.md), a judged push as the `remote:`
 * lines its pusher sees, and the revision graph as dot or JSON.
 * Rendering only; no decisions.  The only place results become text.
 */
#ifndef REVGUARD_REPORT_H
#define REVGUARD_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "revguard/engine.h"
#include "revguard/request.h"

struct report_subject {
	const char	*repository;	/* NULL for a working tree */
	const char	*rev;
	const char	*base;		/* --base, or NULL */
	const char	*commit;
	const char	*worktree;	/* NULL for a repository */
};

void	 report_text(FILE *, const struct engine_result *);
/* Appends "path:line: severity[rule]: message" and "    hint: ..." to
 * lines; fallback_path stands in for graph-wide diagnostics. */
int	 report_diag_text(const struct diag *, const char *fallback_path,
	    struct strvec *lines);
json_t	*report_json(const struct engine_result *,
	    const struct report_subject *);
/* The `remote:` lines a pusher sees for a judged push. */
int	 report_push_lines(const struct push_result *, struct strvec *lines);
/*
 * One short line for a rejected push, for web UIs that show the first
 * line (GitHub Enterprise): the first error's rule and file and how many
 * more, after subject (the repository's name, or NULL).  Nothing when
 * the push is not rejected.
 */
int	 report_push_headline(const struct push_result *, const char *subject,
	    struct strvec *lines);
void	 report_heads(FILE *, const struct engine_result *);
void	 report_graph_dot(FILE *, const struct engine_result *);
json_t	*report_graph_json(const struct engine_result *);

#endif
