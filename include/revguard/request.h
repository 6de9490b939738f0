/*
 * request: the domain of a push, whoever carries it.  A push_request is
 * what git hands a pre-receive hook (the repository, its quarantine, the
 * ref updates, who pushes); a push_result is the judgement, ref by ref,
 * with every diagnostic in structured form.  The wire (proto.h) encodes
 * them, serve.h produces results, report.h renders them.  Pure: no I/O.
 * A request and a result own every string and list in them.
 */
#ifndef REVGUARD_REQUEST_H
#define REVGUARD_REQUEST_H

#include <stddef.h>

#include "revguard/diag.h"
#include "revguard/host.h"
#include "revguard/strvec.h"

struct engine_result;

struct push_update {
	char		*old_id;
	char		*new_id;
	char		*ref;
};

/* What the hook does when the check cannot run (hook.on_unavailable). */
enum push_unavailable {
	PUSH_UNAVAILABLE_UNSAID,	/* an older hook did not say */
	PUSH_UNAVAILABLE_REJECT,
	PUSH_UNAVAILABLE_ACCEPT
};

struct push_request {
	char			*repository;	/* GIT_DIR, absolute */
	char			*quarantine;	/* GIT_QUARANTINE_PATH or NULL */
	char			*object_directory;
	struct strvec		 alternates;	/* unquoted entries */
	struct strvec		 push_options;
	struct strvec		 pusher;	/* "NAME=value" */
	struct push_update	*updates;
	size_t			 nupdates;
	/* Milliseconds the hook will still wait for the answer when it
	 * sends the request; 0: not said. */
	int			 timeout_ms;
	enum push_unavailable	 on_unavailable;
	/* The git host the hook runs under (host.h): whose variable in
	 * pusher names the pusher. */
	enum host_kind		 host;
};

enum push_verdict {
	PUSH_SKIP,	/* nothing judged: unguarded, deleted, not checked */
	PUSH_ACCEPT,
	PUSH_REJECT
};

/* How a ref was judged, which decides how it is shown. */
enum push_outcome {
	PUSH_NOT_GUARDED,	/* no guarded_refs entry matches */
	PUSH_DELETION,		/* a guarded ref deleted: nothing to check */
	PUSH_NOT_CHECKED,	/* guarded, nothing to check; reason says why */
	PUSH_UNCHANGED,		/* the versions directories equal the base's */
	PUSH_REFUSED,		/* the commit is wrong as a whole; reason */
	PUSH_CHECKED		/* diags hold the findings */
};

/* How a request's rejections are applied (config `mode`). */
enum push_mode {
	PUSH_MODE_ENFORCE,	/* a failed check refuses the push */
	PUSH_MODE_OBSERVE	/* judged and recorded, never refused */
};

/* What became of a `revguard.bypass` push option (mode.h). */
enum push_bypass {
	PUSH_BYPASS_NONE,	/* not asked for */
	PUSH_BYPASS_GRANTED,	/* a would-be rejection let through */
	PUSH_BYPASS_REFUSED,	/* not allowed; the notes say why */
	PUSH_BYPASS_UNUSED	/* nothing to bypass: judged as usual */
};

struct push_ref_result {
	char			*ref;
	char			*new_id;
	enum push_verdict	 verdict;
	enum push_outcome	 outcome;
	/* OBSERVE: a PUSH_REJECT here does not refuse the push (the
	 * repository's mode, or the ref matches observe_refs). */
	enum push_mode		 mode;
	char			*reason;
	size_t			 migrations, errors, warnings;
	size_t			 old_debt;	/* diags the base had too */
	char			*versions_dir;	/* for diags about no file */
	struct diag_list	 diags;		/* settled, sorted */
	struct strvec		 notes;		/* what the pusher should know */
	/* The whole check with its graph (its diags moved to diags above),
	 * in the process that ran it, never on the wire; NULL otherwise. */
	struct engine_result	*check;
};

struct push_result {
	int			 reject;	/* the pusher is refused */
	/* Some ref failed its check, whether or not that refuses the push
	 * (observe mode, an audited bypass). */
	int			 would_reject;
	enum push_mode		 mode;
	/* An audited bypass let a would-be rejection through: who asked
	 * (the host's identity) and why; NULL otherwise. */
	char			*bypass_by;
	char			*bypass_reason;
	enum push_bypass	 bypass;
	struct push_ref_result	*refs;
	size_t			 nrefs;
	struct strvec		 notes;		/* about the whole push */
	/* Frees a ref's check; set by whoever filled one in. */
	void			(*check_free)(struct engine_result *);
};

/* "All zeroes" of any length is git's null object ID. */
int	 push_is_null_id(const char *);
int	 push_request_add_update(struct push_request *, const char *old_id,
	    const char *new_id, const char *ref);
void	 push_request_clear(struct push_request *);
/* Appends a ref result (strings copied); NULL when memory ran out. */
struct push_ref_result *push_result_add(struct push_result *,
	    const char *ref, const char *new_id, enum push_verdict,
	    enum push_outcome, const char *reason);
void	 push_result_clear(struct push_result *);
const char *push_verdict_name(enum push_verdict);
int	 push_verdict_from_name(const char *, enum push_verdict *);
const char *push_outcome_name(enum push_outcome);
int	 push_outcome_from_name(const char *, enum push_outcome *);
const char *push_unavailable_name(enum push_unavailable);
const char *push_bypass_name(enum push_bypass);
int	 push_bypass_from_name(const char *, enum push_bypass *);
const char *push_mode_name(enum push_mode);
int	 push_mode_from_name(const char *, enum push_mode *);
/* The overall verdict as the decision log names it: "accept", "reject",
 * "observe-reject" or "bypass" (store.h's STORE_*). */
const char *push_result_verdict(const struct push_result *);
/* A ref's verdict as the decision log names it: "skip", "accept",
 * "reject", "observe-reject" (an observed ref that failed) or "bypass"
 * (an enforced ref that failed, let through by an audited bypass). */
const char *push_ref_verdict(const struct push_result *,
	    const struct push_ref_result *);

#endif
