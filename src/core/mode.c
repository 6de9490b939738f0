/*
 * mode.c: observe mode and the audited bypass, applied to a judged
 * push (mode.h).  The judgement itself never changes here: a ref that
 * failed its check keeps PUSH_REJECT; what changes is whether that
 * refuses the push.  Everything a push option holds is attacker
 * controlled: it is bounded and escaped before it is shown.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/identity.h"
#include "revguard/mode.h"
#include "revguard/vis.h"

/* How much of a refused reason is shown back, escaped. */
#define MODE_SHOW_MAX		(MODE_REASON_MAX + 40)

int
mode_ref_observed(const struct strvec *observe_refs, const char *ref)
{
	size_t	 i;

	for (i = 0; observe_refs != NULL && i < observe_refs->len; i++)
		if (fnmatch(observe_refs->items[i], ref, 0) == 0)
			return 1;
	return 0;
}

int
mode_bypass_option(const struct strvec *push_options, const char **reason)
{
	size_t		 i, n = strlen(MODE_BYPASS_OPTION);
	const char	*o;
	int		 found = 0;

	*reason = NULL;
	for (i = 0; i < push_options->len; i++) {
		o = push_options->items[i];
		if (strncmp(o, MODE_BYPASS_OPTION, n) != 0 ||
		    (o[n] != '\0' && o[n] != '='))
			continue;
		if (found++)
			return 2;
		*reason = o[n] == '=' ? o + n + 1 : "";
	}
	return found;
}

int
mode_reason_check(const char *reason, char *why, size_t whylen)
{
	size_t	 n = strlen(reason);

	if (strspn(reason, " ") == n) {
		snprintf(why, whylen, "a bypass needs a reason: push with "
		    "-o %s=\"why this cannot wait\"", MODE_BYPASS_OPTION);
		return -1;
	}
	if (n > MODE_REASON_MAX) {
		snprintf(why, whylen, "the bypass reason is %zu bytes, more "
		    "than the %d allowed", n, MODE_REASON_MAX);
		return -1;
	}
	/* U+FFFD: the hook's stand-in for bytes that were not UTF-8. */
	if (vis_escape(NULL, 0, reason, n, VIS_KEEP_BACKSLASH) != n ||
	    strstr(reason, "\xef\xbf\xbd") != NULL) {
		snprintf(why, whylen, "the bypass reason holds a control "
		    "character, a line break, a bidirectional override or "
		    "bytes that are not UTF-8");
		return -1;
	}
	return 0;
}

/* s escaped with backslashes doubled, cut at MODE_SHOW_MAX: safe to
 * show in quotes on one line. */
static char *
shown(const char *s)
{
	char	 buf[MODE_SHOW_MAX + 1];
	size_t	 n = vis_escape(buf, sizeof(buf), s, strlen(s), 0);

	return xasprintf("%s%s", buf, n > MODE_SHOW_MAX ? "..." : "");
}

/* -1 with why when the bypass cannot be granted; *who the pusher. */
static int
refusal(const struct mode_policy *p, const struct push_request *req,
    int found, const char *reason, const char **who, char *why,
    size_t whylen)
{
	const char	*from;
	size_t		 i;

	*who = identity_pick(&req->pusher, p->identity_var, &from);
	if (found == 2) {
		snprintf(why, whylen, "give -o %s once, not several times",
		    MODE_BYPASS_OPTION);
		return -1;
	}
	if (p->bypass_allow == NULL || p->bypass_allow->len == 0) {
		snprintf(why, whylen, "bypass is not allowed on this "
		    "repository: bypass.allow lists nobody");
		return -1;
	}
	if (*who == NULL && from != NULL) {
		snprintf(why, whylen, "bypass is not allowed for you: %s, "
		    "which names the pusher here, is not set, or not a "
		    "usable name, for this push", from);
		return -1;
	}
	if (*who == NULL) {
		snprintf(why, whylen, "bypass is not allowed for you: this "
		    "server does not say who pushes (none of "
		    "GITHUB_USER_LOGIN, GL_USERNAME, GITEA_PUSHER_NAME, "
		    "REMOTE_USER is set; an administrator can name the "
		    "variable in bypass.identity_var)");
		return -1;
	}
	for (i = 0; i < p->bypass_allow->len; i++)
		if (strcmp(p->bypass_allow->items[i], *who) == 0)
			break;
	if (i == p->bypass_allow->len) {
		snprintf(why, whylen, "bypass is not allowed for `%s` (from "
		    "%s): only the identities in bypass.allow may bypass",
		    *who, from);
		return -1;
	}
	return mode_reason_check(reason, why, whylen);
}

static int
note(struct push_result *res, char *text)
{
	return strvec_push_owned(&res->notes, text);
}

int
mode_settle(const struct mode_policy *p, const struct push_request *req,
    struct push_result *res)
{
	struct push_ref_result	*r;
	const char		*reason, *who;
	char			 why[512], *s;
	size_t			 i;
	int			 found, rv;

	res->mode = p->mode;
	res->reject = res->would_reject = 0;
	for (i = 0; i < res->nrefs; i++) {
		r = &res->refs[i];
		r->mode = p->mode == PUSH_MODE_OBSERVE ||
		    mode_ref_observed(p->observe_refs, r->ref) ?
		    PUSH_MODE_OBSERVE : PUSH_MODE_ENFORCE;
		if (r->verdict != PUSH_REJECT)
			continue;
		res->would_reject = 1;
		if (r->mode == PUSH_MODE_ENFORCE)
			res->reject = 1;
	}
	/* Only observed refs would reject: the push is observed. */
	if (res->would_reject && !res->reject)
		res->mode = PUSH_MODE_OBSERVE;

	found = mode_bypass_option(&req->push_options, &reason);
	if (found == 0)
		return 0;
	if (!res->reject) {
		res->bypass = PUSH_BYPASS_UNUSED;
		return note(res, xasprintf("-o %s was given, but there is "
		    "nothing to bypass: %s", MODE_BYPASS_OPTION,
		    res->would_reject ? "observe mode refuses no push" :
		    "the push passes its checks"));
	}
	if (refusal(p, req, found, found == 1 ? reason : "", &who, why,
	    sizeof(why)) == -1) {
		res->bypass = PUSH_BYPASS_REFUSED;
		if (found != 1 || reason[0] == '\0')
			return note(res, xasprintf("%s refused: %s",
			    MODE_BYPASS_OPTION, why));
		if ((s = shown(reason)) == NULL)
			return -1;
		rv = note(res, xasprintf("%s=\"%s\" refused: %s",
		    MODE_BYPASS_OPTION, s, why));
		free(s);
		return rv;
	}
	if ((res->bypass_by = strdup(who)) == NULL ||
	    (res->bypass_reason = strdup(reason)) == NULL)
		return -1;
	res->bypass = PUSH_BYPASS_GRANTED;
	res->reject = 0;
	return 0;
}
