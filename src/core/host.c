/*
 * host.c: the git hosts a hook runs under, one table entry each: the
 * variables that give the host away, who pushes, the repository's name,
 * and everything else worth forwarding.  Detection, identity (audited
 * bypass matches it) and display names read this table only, so a new
 * host, or a variable a host renames, is one entry.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "revguard/host.h"

struct host_entry {
	const char		*name;
	/* Any of these set (and not empty) means this host. */
	const char *const	*detect;
	/* Who pushes, the first that is set. */
	const char *const	*identity;
	/* The repository's name: the values joined with '/'. */
	const char *const	*repo_name;
	/* Forwarded to the daemon, identity first. */
	const char *const	*forward;
	int			 web_ui;
};

/* USER on a shared ssh account names the account, not a person. */
static const char *const git_identity[] = { "REMOTE_USER", NULL };
static const char *const git_forward[] = { "REMOTE_USER", "USER", NULL };
static const char *const none[] = { NULL };

/* GitHub Enterprise Server's pre-receive environment. */
static const char *const github_detect[] = { "GITHUB_USER_LOGIN",
	"GITHUB_REPO_NAME", "GITHUB_VIA", "GITHUB_USER_ID",
	"GITHUB_REPO_PUBLIC", "GITHUB_PULL_REQUEST_HEAD", NULL };
static const char *const github_identity[] = { "GITHUB_USER_LOGIN", NULL };
static const char *const github_repo[] = { "GITHUB_REPO_NAME", NULL };
static const char *const github_forward[] = { "GITHUB_USER_LOGIN",
	"GITHUB_REPO_NAME", "GITHUB_VIA", "GITHUB_PULL_REQUEST_HEAD",
	"GITHUB_PULL_REQUEST_BASE", NULL };

/* Gitaly's server hook environment (GitLab 13.2 and later). */
static const char *const gitlab_detect[] = { "GL_ID", "GL_USERNAME",
	"GL_PROJECT_PATH", "GL_PROTOCOL", "GL_REPOSITORY", NULL };
static const char *const gitlab_identity[] = { "GL_USERNAME", NULL };
static const char *const gitlab_repo[] = { "GL_PROJECT_PATH", NULL };
static const char *const gitlab_forward[] = { "GL_USERNAME", "GL_ID",
	"GL_PROJECT_PATH", "GL_PROTOCOL", "GL_REPOSITORY", NULL };

/* Gitea's (and Forgejo's, which kept the names) modules/repository. */
static const char *const gitea_detect[] = { "GITEA_REPO_NAME",
	"GITEA_REPO_USER_NAME", "GITEA_PUSHER_NAME", "GITEA_PUSHER_ID",
	"GITEA_REPO_ID", NULL };
static const char *const gitea_identity[] = { "GITEA_PUSHER_NAME", NULL };
static const char *const gitea_repo[] = { "GITEA_REPO_USER_NAME",
	"GITEA_REPO_NAME", NULL };
static const char *const gitea_forward[] = { "GITEA_PUSHER_NAME",
	"GITEA_PUSHER_EMAIL", "GITEA_REPO_USER_NAME", "GITEA_REPO_NAME",
	"GITEA_PR_ID", "GITEA_PUSH_TRIGGER", NULL };

static const struct host_entry hosts[HOST_COUNT] = {
	[HOST_GIT] = { "git", none, git_identity, none, git_forward, 0 },
	[HOST_GITHUB] = { "github", github_detect, github_identity,
	    github_repo, github_forward, 1 },
	[HOST_GITLAB] = { "gitlab", gitlab_detect, gitlab_identity,
	    gitlab_repo, gitlab_forward, 1 },
	[HOST_GITEA] = { "gitea", gitea_detect, gitea_identity, gitea_repo,
	    gitea_forward, 1 },
};

/* The order detection tries: GitLab and Gitea before GitHub, whose
 * variables a CI runner on the same machine might leak. */
static const enum host_kind detect_order[] = { HOST_GITLAB, HOST_GITEA,
	HOST_GITHUB };

const char *
host_name(enum host_kind h)
{
	return (unsigned)h < HOST_COUNT ? hosts[h].name : NULL;
}

int
host_from_name(const char *name, enum host_kind *out)
{
	size_t	 i;

	if (name == NULL)
		return -1;
	if (strcmp(name, "forgejo") == 0) {
		*out = HOST_GITEA;
		return 0;
	}
	for (i = 0; i < HOST_COUNT; i++)
		if (strcmp(hosts[i].name, name) == 0) {
			*out = (enum host_kind)i;
			return 0;
		}
	return -1;
}

static int
is_set(host_lookup_fn get, void *arg, const char *name)
{
	const char	*v = get(name, arg);

	return v != NULL && v[0] != '\0';
}

enum host_kind
host_detect(host_lookup_fn get, void *arg)
{
	size_t	 i, j;

	for (i = 0; i < sizeof(detect_order) / sizeof(detect_order[0]); i++)
		for (j = 0; hosts[detect_order[i]].detect[j] != NULL; j++)
			if (is_set(get, arg, hosts[detect_order[i]].detect[j]))
				return detect_order[i];
	return HOST_GIT;
}

const char *const *
host_identity_vars(enum host_kind h)
{
	return (unsigned)h < HOST_COUNT ? hosts[h].identity : none;
}

const char *
host_identity(enum host_kind h, host_lookup_fn get, void *arg)
{
	const char *const	*v = host_identity_vars(h);

	for (; *v != NULL; v++)
		if (is_set(get, arg, *v))
			return get(*v, arg);
	return NULL;
}

const char *
host_repo_name(enum host_kind h, host_lookup_fn get, void *arg, char *buf,
    size_t len)
{
	const char *const	*v;
	size_t			 n = 0;
	int			 w;

	if ((unsigned)h >= HOST_COUNT || len == 0 ||
	    hosts[h].repo_name[0] == NULL)
		return NULL;
	buf[0] = '\0';
	for (v = hosts[h].repo_name; *v != NULL; v++) {
		if (!is_set(get, arg, *v))
			return NULL;	/* half a name names nothing */
		w = snprintf(buf + n, len - n, "%s%s", n ? "/" : "",
		    get(*v, arg));
		if (w < 0 || (size_t)w >= len - n)
			return NULL;
		n += (size_t)w;
	}
	return buf;
}

const char *const *
host_forward_vars(enum host_kind h)
{
	return (unsigned)h < HOST_COUNT ? hosts[h].forward : none;
}

int
host_has_web_ui(enum host_kind h)
{
	return (unsigned)h < HOST_COUNT && hosts[h].web_ui;
}

const char *
host_lookup_strvec(const char *name, void *arg)
{
	const struct strvec	*v = arg;
	size_t			 i, n = strlen(name);

	for (i = 0; v != NULL && i < v->len; i++)
		if (strncmp(v->items[i], name, n) == 0 &&
		    v->items[i][n] == '=')
			return v->items[i] + n + 1;
	return NULL;
}
