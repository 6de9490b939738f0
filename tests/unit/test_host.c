/*
 * test_host.c: the host table: detection from a host's variables (and
 * the order when several hosts' variables are set), names, identity and
 * the repository's display name, over a "NAME=value" list as the daemon
 * sees a request's pusher field.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "revguard/host.h"

static struct strvec
env(const char *const *pairs)
{
	struct strvec	 v = STRVEC_INIT;

	for (; *pairs != NULL; pairs++)
		cr_assert_eq(strvec_push(&v, *pairs), 0);
	return v;
}

static enum host_kind
detect(const char *const *pairs)
{
	struct strvec	 v = env(pairs);
	enum host_kind	 h = host_detect(host_lookup_strvec, &v);

	strvec_clear(&v);
	return h;
}

Test(host, detects_each_host)
{
	const char *const gl[] = { "USER=git", "GL_PROTOCOL=web", NULL };
	const char *const gt[] = { "GITEA_PUSHER_NAME=bob", NULL };
	const char *const gh[] = { "GITHUB_VIA=blob#save", NULL };
	const char *const git[] = { "USER=git", "REMOTE_USER=x", NULL };
	const char *const empty[] = { "GL_USERNAME=", NULL };

	cr_assert_eq(detect(gl), HOST_GITLAB);
	cr_assert_eq(detect(gt), HOST_GITEA);
	cr_assert_eq(detect(gh), HOST_GITHUB);
	cr_assert_eq(detect(git), HOST_GIT);
	cr_assert_eq(detect(empty), HOST_GIT, "an empty variable is unset");
}

Test(host, gitlab_and_gitea_win_over_github)
{
	const char *const both[] = { "GITHUB_REPO_NAME=a/b", "GL_ID=user-1",
		NULL };
	const char *const gt[] = { "GITHUB_USER_LOGIN=x",
		"GITEA_REPO_NAME=r", NULL };

	cr_assert_eq(detect(both), HOST_GITLAB);
	cr_assert_eq(detect(gt), HOST_GITEA);
}

Test(host, names_round_trip)
{
	enum host_kind	 h;
	int		 i;

	for (i = 0; i < HOST_COUNT; i++) {
		cr_assert_eq(host_from_name(host_name(i), &h), 0);
		cr_assert_eq((int)h, i);
	}
	cr_assert_eq(host_from_name("forgejo", &h), 0);
	cr_assert_eq(h, HOST_GITEA);
	cr_assert_eq(host_from_name("bitbucket", &h), -1);
	cr_assert_eq(host_from_name("GitLab", &h), -1);
	cr_assert_null(host_name(HOST_COUNT));
}

Test(host, identity_and_repository_name)
{
	const char *const p[] = { "USER=git", "GL_USERNAME=alice",
		"GL_PROJECT_PATH=acme/billing", "GITEA_REPO_USER_NAME=acme",
		"GITEA_REPO_NAME=billing", "GITEA_PUSHER_NAME=bob", NULL };
	struct strvec	 v = env(p);
	char		 buf[64];

	cr_assert_str_eq(host_identity(HOST_GITLAB, host_lookup_strvec, &v),
	    "alice");
	cr_assert_str_eq(host_identity(HOST_GITEA, host_lookup_strvec, &v),
	    "bob");
	cr_assert_null(host_identity(HOST_GIT, host_lookup_strvec, &v),
	    "USER names a shared account, not a person");
	cr_assert_null(host_identity(HOST_GITHUB, host_lookup_strvec, &v));
	cr_assert_str_eq(host_identity_vars(HOST_GITLAB)[0], "GL_USERNAME");
	cr_assert_str_eq(host_repo_name(HOST_GITLAB, host_lookup_strvec, &v,
	    buf, sizeof(buf)), "acme/billing");
	cr_assert_str_eq(host_repo_name(HOST_GITEA, host_lookup_strvec, &v,
	    buf, sizeof(buf)), "acme/billing");
	cr_assert_null(host_repo_name(HOST_GIT, host_lookup_strvec, &v, buf,
	    sizeof(buf)));
	cr_assert_null(host_repo_name(HOST_GITLAB, host_lookup_strvec, &v,
	    buf, 5), "a name that does not fit is no name");
	strvec_clear(&v);
}

Test(host, lookup_matches_whole_names)
{
	const char *const p[] = { "GL_USERNAME_X=no", "GL_USERNAME=yes",
		NULL };
	struct strvec	 v = env(p);

	cr_assert_str_eq(host_lookup_strvec("GL_USERNAME", &v), "yes");
	cr_assert_null(host_lookup_strvec("GL_USER", &v));
	strvec_clear(&v);
}
