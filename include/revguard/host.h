/*
 * host: the git host a pre-receive hook runs under (plain git, GitHub
 * Enterprise, GitLab, Gitea or Forgejo) and what each host tells a hook
 * in its environment: who pushes, which repository, whether the push is
 * a web merge.  One table (src/core/host.c) holds every host's variable
 * names; detection, identity (audited bypass matches it) and the
 * repository's display name all read it.  Pure: the environment comes in
 * through a lookup function, so the daemon can ask the same questions
 * of the "NAME=value" list a request carries.
 */
#ifndef REVGUARD_HOST_H
#define REVGUARD_HOST_H

#include <stddef.h>

#include "revguard/strvec.h"

enum host_kind {
	HOST_GIT,	/* a plain bare repository (ssh, git daemon, http) */
	HOST_GITHUB,	/* GitHub Enterprise Server */
	HOST_GITLAB,	/* GitLab (Gitaly) server hooks */
	HOST_GITEA,	/* Gitea and Forgejo (which keeps the GITEA_ names) */
	HOST_COUNT
};

/* Looks a variable up: getenv, or a request's pusher list. */
typedef const char *(*host_lookup_fn)(const char *name, void *arg);

/* "git", "github", "gitlab", "gitea"; NULL past the last. */
const char	*host_name(enum host_kind);
/* By name ("forgejo" is gitea); -1 for a name no host has. */
int		 host_from_name(const char *, enum host_kind *);
/*
 * The host whose own variables are set: GitLab (GL_ID, GL_USERNAME,
 * GL_PROJECT_PATH, GL_PROTOCOL, GL_REPOSITORY), Gitea (GITEA_REPO_NAME,
 * GITEA_PUSHER_NAME, ...), GitHub Enterprise (GITHUB_USER_LOGIN,
 * GITHUB_REPO_NAME, GITHUB_VIA, ...), else plain git.  First match in
 * that order.
 */
enum host_kind	 host_detect(host_lookup_fn, void *arg);
/*
 * The variables of a host's table entry that identify the pusher, in the
 * order they are tried (GL_USERNAME; GITEA_PUSHER_NAME;
 * GITHUB_USER_LOGIN; REMOTE_USER for plain git, never USER, which on a
 * shared ssh account names the account),
 * NULL-terminated.
 */
const char *const *host_identity_vars(enum host_kind);
/* The first identity variable that is set and not empty, or NULL. */
const char	*host_identity(enum host_kind, host_lookup_fn, void *arg);
/*
 * The repository as the host names it ("group/project",
 * "owner/name"), in buf; NULL when the host does not say (plain git).
 */
const char	*host_repo_name(enum host_kind, host_lookup_fn, void *arg,
		    char *buf, size_t len);
/*
 * Every variable a hook forwards to the daemon, identity first, for the
 * decision log and bypass (NULL-terminated; the host's own, then the
 * others' so a misdetected host loses nothing).
 */
const char *const *host_forward_vars(enum host_kind);
/* Output shows in a web UI (merge buttons, web edits) as well. */
int		 host_has_web_ui(enum host_kind);
/* A lookup over a "NAME=value" list (a request's pusher field). */
const char	*host_lookup_strvec(const char *name, void *strvec);

#endif
