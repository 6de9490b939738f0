/*
 * identity.c: which of the pusher's variables names the person, for an
 * audited bypass.  Only a variable the host sets from its own login
 * counts; anything a pusher can send along (push options, ssh's
 * AcceptEnv LANG and LC_*) never does.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "revguard/host.h"
#include "revguard/identity.h"
#include "revguard/vis.h"

/*
 * The hosts whose identity variables (host.c's one table) are tried, most
 * specific first: GitHub Enterprise (GITHUB_USER_LOGIN), GitLab
 * (GL_USERNAME), Gitea and Forgejo (GITEA_PUSHER_NAME), then smart HTTP
 * behind web server auth (REMOTE_USER).
 */
static const enum host_kind identity_order[] = { HOST_GITHUB, HOST_GITLAB,
	HOST_GITEA, HOST_GIT };

/* The value of NAME in "NAME=value" items, or NULL. */
static const char *
lookup(const struct strvec *pusher, const char *name)
{
	size_t	 i, n = strlen(name);

	for (i = 0; i < pusher->len; i++)
		if (strncmp(pusher->items[i], name, n) == 0 &&
		    pusher->items[i][n] == '=')
			return pusher->items[i] + n + 1;
	return NULL;
}

/* A usable identity: 1 to IDENTITY_MAX bytes that need no escaping
 * and no space (an identity is shown and logged as one word). */
static int
usable(const char *v)
{
	size_t	 n = strlen(v);

	return n > 0 && n <= IDENTITY_MAX && strchr(v, ' ') == NULL &&
	    strchr(v, '\\') == NULL && vis_escape(NULL, 0, v, n, 0) == n;
}

const char *
identity_pick(const struct strvec *pusher, const char *var,
    const char **from)
{
	const char *const	*vars;
	const char		*v;
	size_t			 i;

	*from = NULL;
	if (var != NULL) {
		v = lookup(pusher, var);
		*from = var;
		return v != NULL && usable(v) ? v : NULL;
	}
	for (i = 0; i < sizeof(identity_order) / sizeof(identity_order[0]);
	    i++)
		for (vars = host_identity_vars(identity_order[i]); *vars != NULL;
		    vars++) {
			if ((v = lookup(pusher, *vars)) == NULL)
				continue;
			*from = *vars;
			return usable(v) ? v : NULL;
		}
	return NULL;
}

const char *
identity_recorded(const struct strvec *pusher, const char *var,
    const char **from, int *account)
{
	const char	*v;

	*account = 0;
	if ((v = identity_pick(pusher, var, from)) != NULL ||
	    (*from != NULL && (v = lookup(pusher, *from)) != NULL))
		return v;	/* unusable for a bypass, logged escaped */
	if (var != NULL && ((v = identity_pick(pusher, NULL, from)) != NULL ||
	    (*from != NULL && (v = lookup(pusher, *from)) != NULL)))
		return v;
	/* USER names at best the login account (a shared `git`). */
	if ((v = lookup(pusher, "USER")) != NULL && usable(v)) {
		*account = 1;
		*from = "USER";
		return v;
	}
	*from = NULL;
	return NULL;
}

int
identity_var_check(const char *name, char *why, size_t whylen)
{
	size_t	 n = strlen(name);

	if (n == 0 || n > 64 || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_") != n ||
	    (name[0] >= '0' && name[0] <= '9')) {
		snprintf(why, whylen, "an identity variable is a name of 1 to "
		    "64 letters, digits and underscores, not starting with a "
		    "digit");
		return -1;
	}
	if (strncmp(name, "GIT_", 4) == 0 || strncmp(name, "LC_", 3) == 0 ||
	    strcmp(name, "LANG") == 0) {
		snprintf(why, whylen, "`%s` can be set by the pusher (git's "
		    "GIT_* push options, ssh's AcceptEnv LANG LC_*), so it "
		    "cannot vouch for an identity", name);
		return -1;
	}
	return 0;
}
