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

/* Where the lines will show: the host and what it said about the push. */
struct report_host {
	enum host_kind	 host;
	const char	*repo_name;	/* host_repo_name, or NULL */
	const char	*pr_id;		/* GITEA_PR_ID, or NULL */
	const char	*via;		/* GITHUB_VIA, or NULL */
};

/*
 * The lines for a judged push as the host shows them.  Plain git gets
 * report_push_lines.  A host with a web UI gets, when the push is
 * refused, one short first line first (what was refused, the first rule
 * and file, how many more) for the merge box, then the same details.
 * GitLab's web UI shows only lines that start with `GL-HOOK-ERR: `, and
 * only when the hook refuses: every line of a refusal carries it.
 */
int	 report_host_push_lines(const struct report_host *,
	    const struct push_result *, struct strvec *lines);
/*
 * The hook's own message text (several lines) as the host shows it;
 * refused: the exit will refuse the push (GitLab prefixes the lines).
 */
int	 report_host_message(const struct report_host *, int refused,
	    const char *text, struct strvec *lines);
/* The prefix GitLab's web UI looks for on the lines it shows. */
#define REPORT_GITLAB_PREFIX	"GL-HOOK-ERR: "
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
