/*
 * identity: who pushes, as far as a git host vouches for it.  The hook
 * forwards the host's variables ("NAME=value", request.h's pusher); an
 * audited bypass (mode.h) trusts only the one variable chosen here.
 * Pure: no I/O, no environment; the caller passes what the hook saw.
 */
#ifndef REVGUARD_IDENTITY_H
#define REVGUARD_IDENTITY_H

#include <stddef.h>

#include "revguard/strvec.h"

/* Longest identity value taken; a longer one is no identity. */
#define IDENTITY_MAX	128

/*
 * The variables git hosts set from their own login are host.h's
 * identity variables (one table, src/core/host.c), tried most specific
 * first: GitHub Enterprise, GitLab, Gitea/Forgejo, smart HTTP behind an
 * authenticating web server.  A plain ssh server with one shared account
 * sets none of them; USER there names the account, not the person, and
 * is never taken unless configured.
 */

/*
 * The pusher's identity from pusher ("NAME=value" items): the value of
 * var when it is given (bypass.identity_var: the one variable an
 * administrator vouches for, e.g. set by an ssh forced command), else of
 * the first host identity variable that is set.  A value that is empty,
 * longer than IDENTITY_MAX or holds anything but printable ASCII and
 * UTF-8 letters counts as unset.  Returns a pointer into pusher (NULL:
 * nobody), *from the variable's name.
 */
const char *identity_pick(const struct strvec *pusher, const char *var,
	    const char **from);
/*
 * 0 when name may be an identity variable: [A-Za-z_][A-Za-z0-9_]*, at
 * most 64 bytes, and not one a pusher can set: GIT_* (push options
 * arrive as GIT_PUSH_OPTION_N), LC_*, LANG (Debian's sshd accepts them
 * from the client).  -1 with a sentence in why otherwise.
 */
int	 identity_var_check(const char *name, char *why, size_t whylen);
/*
 * Who the decision log and the daemon's log line name: identity_pick's
 * person (var first, the same one a bypass trusts; a value a bypass
 * would not take is still named, for the log to escape), else the
 * host identity, else USER with *account set (USER names the login
 * account, a shared `git` on an ssh server).  NULL: none of them; *from
 * the variable's name.
 */
const char *identity_recorded(const struct strvec *pusher, const char *var,
	    const char **from, int *account);

#endif
