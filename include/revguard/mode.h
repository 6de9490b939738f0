/*
 * mode: how a judged push's rejections are applied.  In observe mode (a
 * repository's `mode: observe`, or a ref matching `observe_refs`) a
 * failed check is recorded and shown as one warning, never refused.  An
 * audited bypass (`git push -o revguard.bypass="reason"`) lets an
 * enforced rejection through for the identities in `bypass.allow`, with
 * a reason.  mode_settle runs after every ref is judged, on the one road
 * (serve.c), so the daemon, the in-process hook and `revguard check`
 * agree.  Pure: no I/O.
 */
#ifndef REVGUARD_MODE_H
#define REVGUARD_MODE_H

#include <stddef.h>

#include "revguard/request.h"
#include "revguard/strvec.h"

#define MODE_BYPASS_OPTION	"revguard.bypass"
/* Longest bypass reason, in bytes. */
#define MODE_REASON_MAX		200

struct mode_policy {
	enum push_mode		 mode;		/* the repository's */
	const struct strvec	*observe_refs;	/* ref globs; may be NULL */
	const struct strvec	*bypass_allow;	/* identities; may be NULL */
	const char		*identity_var;	/* NULL: the host's */
};

/*
 * Sets each ref's mode and the result's reject, would_reject and mode
 * from the refs' verdicts, then applies a `revguard.bypass` push option:
 * granted (bypass_by, bypass_reason; reject cleared), refused or unused
 * (a note says why).  -1 when memory ran out.
 */
int	 mode_settle(const struct mode_policy *, const struct push_request *,
	    struct push_result *);
/*
 * Finds the bypass option: 0 when absent, 1 with *reason (the text after
 * `=`, "" when there is none), 2 when it is given more than once.
 */
int	 mode_bypass_option(const struct strvec *push_options,
	    const char **reason);
/*
 * 0 when reason may justify a bypass: 1 to MODE_REASON_MAX bytes, not
 * only spaces, printable UTF-8 (no control character, no line break, no
 * bidirectional override).  -1 with a sentence in why otherwise.
 */
int	 mode_reason_check(const char *reason, char *why, size_t whylen);
/* 1 when ref matches one of the globs (`*` crosses `/`, as git's
 * refspecs and guarded_refs). */
int	 mode_ref_observed(const struct strvec *observe_refs, const char *ref);

#endif
