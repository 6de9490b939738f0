/*
 * diag: the rule catalogue (stable ids, default severities) and the
 * diagnostics every part of the core reports through.  A diag_list owns
 * its diagnostics and every string in them.
 */
#ifndef REVGUARD_DIAG_H
#define REVGUARD_DIAG_H

#include <stdarg.h>
#include <stddef.h>

#include "revguard/strvec.h"

enum rule_id {
	RULE_PARSE_ERROR,
	RULE_VERSIONS_ENTRY,
	RULE_FILENAME_REVISION,
	RULE_REVISION_FORMAT,
	RULE_PLACEHOLDER_ID,
	RULE_DUPLICATE_REVISION,
	RULE_HEADER_REVISION_MISMATCH,
	RULE_HEADER_REVISES_MISMATCH,
	RULE_HEADER_MISSING,
	RULE_SINGLE_HEAD,
	RULE_SINGLE_BASE,
	RULE_STEALTH_BRANCH,
	RULE_MERGE_NAMING,
	RULE_MERGE_DOCUMENTED,
	RULE_DANGLING_PARENT,
	RULE_CYCLE,
	RULE_UNREACHABLE,
	RULE_REMOVED_REVISION,
	RULE__COUNT
};

enum rule_sev {
	RULE_SEV_OFF,
	RULE_SEV_WARN,
	RULE_SEV_ERROR
};

/* Pattern rules look at one file; chain rules at the whole graph. */
enum rule_kind {
	RULE_KIND_FILE,
	RULE_KIND_PATTERN,
	RULE_KIND_CHAIN
};

struct diag {
	enum rule_id	 rule;
	enum rule_sev	 severity;
	char		*path;		/* NULL when not about one file */
	int		 line;		/* 0 when unknown */
	char		*message;
	char		*hint;		/* NULL when there is none */
	struct strvec	 revisions;	/* the revisions involved */
	int		 old;		/* the base had it too (debt.h) */
	/* Content ID of the file a file-level finding is about ("" when
	 * unknown): a changed file's problem is a new one. */
	char		 content[65];
};

struct diag_list {
	struct diag	*items;
	size_t		 len;
	size_t		 cap;
};

#define DIAG_LIST_INIT { NULL, 0, 0 }

const char	*rule_name(enum rule_id);
int		 rule_from_name(const char *, enum rule_id *);
enum rule_kind	 rule_kind(enum rule_id);
enum rule_sev	 rule_default_severity(enum rule_id);
const char	*rule_sev_name(enum rule_sev);
int		 rule_sev_from_name(const char *, enum rule_sev *);

/*
 * Appends a diagnostic; returns it (so callers can add revisions) or NULL
 * when memory ran out.  path and hint may be NULL.
 */
struct diag	*diag_add(struct diag_list *, enum rule_id, enum rule_sev,
		    const char *path, int line, const char *hint,
		    const char *fmt, ...) __attribute__((format(printf, 7, 8)));
struct diag	*diag_addv(struct diag_list *, enum rule_id, enum rule_sev,
		    const char *path, int line, const char *hint,
		    const char *fmt, va_list)
		    __attribute__((format(printf, 7, 0)));
size_t		 diag_count(const struct diag_list *, enum rule_sev);
/* Orders by path (graph-wide ones last), then line, then rule. */
void		 diag_sort(struct diag_list *);
void		 diag_list_clear(struct diag_list *);

#endif
