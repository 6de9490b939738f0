/*
 * install.c: `revguard install-hook`.  Writes the pre-receive hook where
 * git will actually run it (core.hooksPath included, as git resolves it
 * for a push), and refuses hook options the hook could not use: unknown
 * options, or a configuration the hook cannot read.  Both are found out
 * as the hook will see them: in a child process running as the owner of
 * the repository (the user a git server runs hooks as) with that user's
 * HOME, so git reads the same global configuration.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "revguard/config.h"
#include "revguard/duration.h"
#include "revguard/hook.h"
#include "revguard/host.h"
#include "revguard/install.h"
#include "revguard/strvec.h"

#define INSTALL_USAGE_ERROR	2

/* What the probe, run as the hook's user, found out. */
struct install_probe {
	char	 gitdir[PATH_MAX];
	char	 hooks[PATH_MAX];	/* absolute */
	int	 hooks_path_set;	/* core.hooksPath in effect */
	int	 no_git;		/* a server hooks directory */
	char	 err[1024];
};

void
install_usage(FILE *f)
{
	fprintf(f,
	    "usage: revguard install-hook [--repo DIR] [--host git|gitlab|gitea] "
	    "[--force]\n"
	    "                             [-- HOOK-OPTIONS...]\n"
	    "       revguard install-hook --host gitlab --server-hooks-dir DIR "
	    "[--force]\n"
	    "                             [-- HOOK-OPTIONS...]\n"
	    "\n"
	    "Writes a pre-receive hook that runs `revguard-hook "
	    "HOOK-OPTIONS...` where the\n"
	    "host runs it: git, the hooks directory git runs for DIR "
	    "(core.hooksPath if\n"
	    "set, else GIT_DIR/hooks) as pre-receive; gitlab, "
	    "DIR/custom_hooks/pre-receive.d/\n"
	    "revguard (or DIR/pre-receive.d/revguard in Gitaly's global "
	    "custom_hooks_dir);\n"
	    "gitea (Forgejo), HOOKS/pre-receive.d/revguard beside Gitea's own "
	    "`gitea` script.\n"
	    "\n"
	    "  -r, --repo DIR   the repository (bare, or with a .git "
	    "directory); default .\n"
	    "  -H, --host HOST  git (default), gitlab or gitea; the hook is "
	    "told --host HOST\n"
	    "  -S, --server-hooks-dir DIR\n"
	    "                   GitLab: Gitaly's global custom_hooks_dir, "
	    "for every project\n"
	    "  -f, --force      replace a hook that is not this one (or, for "
	    "gitea, install\n"
	    "                   although hooks/pre-receive is not Gitea's)\n"
	    "  -h, --help       this help\n"
	    "      --version    print the version\n"
	    "\n"
	    "HOOK-OPTIONS are those of `revguard hook --help`; a --config "
	    "FILE is made\n"
	    "absolute and must be readable, as a valid configuration, by the "
	    "owner of DIR.\n"
	    "Exit status: 0 installed (or already installed), 2 error.\n");
}

/* Messages may be cut short, never overflow. */
static void __attribute__((format(printf, 3, 4)))
say(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* The path of this executable, for the hook script. */
static int
self_path(char *out, size_t len)
{
	ssize_t	 n = readlink("/proc/self/exe", out, len - 1);

	if (n <= 0)
		return -1;
	out[n] = '\0';
	return 0;
}

/* Quotes s for a POSIX shell single-quoted word. */
static void
shell_quote(struct buf *b, const char *s)
{
	buf_append(b, "'", 1);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			buf_append(b, "'\\''", 4);
		else
			buf_append(b, s, 1);
	}
	buf_append(b, "'", 1);
}

/*
 * Checks the options meant for `revguard hook` as it will parse them,
 * and writes them to out in long form, with --config made absolute (the
 * hook runs in GIT_DIR, not here).  *config is the --config given, if any.
 */
static int
install_hook_args(int argc, char **argv, struct strvec *out,
    char **config, int *in_process, const char **host)
{
	enum host_kind	 h;
	char		 cwd[PATH_MAX], secs[32], **v;
	int		 ch, i, ms, rv = -1;

	/* getopt needs an argv[0]; the hook options start at argv[0]. */
	if ((v = calloc((size_t)argc + 2, sizeof(*v))) == NULL)
		return -1;
	v[0] = "revguard hook";
	for (i = 0; i < argc; i++)
		v[i + 1] = argv[i];
	optind = 1;
	while ((ch = getopt_long(argc + 1, v, "+c:s:t:u:iH:", hook_options,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			free(*config);
			if (optarg[0] == '/')
				*config = strdup(optarg);
			else if (getcwd(cwd, sizeof(cwd)) != NULL)
				*config = xasprintf("%s/%s", cwd, optarg);
			else {
				fprintf(stderr, "revguard: cannot find the "
				    "current directory: %s\n", strerror(errno));
				goto done;
			}
			break;
		case 's':
			strvec_push(out, "--socket");
			strvec_push(out, optarg);
			break;
		case 't':
			if (duration_parse(optarg, &ms) == -1 || ms < 1) {
				fprintf(stderr, "revguard: hook option "
				    "--timeout: `%s` is not a duration such "
				    "as 4s or 500ms\n", optarg);
				goto done;
			}
			/* Written in seconds, the form every hook reads. */
			if (ms % 1000 == 0)
				snprintf(secs, sizeof(secs), "%d", ms / 1000);
			else
				snprintf(secs, sizeof(secs), "%d.%03d",
				    ms / 1000, ms % 1000);
			strvec_push(out, "--timeout");
			strvec_push(out, secs);
			break;
		case 'u':
			if (strcmp(optarg, "accept") != 0 &&
			    strcmp(optarg, "reject") != 0) {
				fprintf(stderr, "revguard: hook option "
				    "--on-unavailable must be reject or "
				    "accept, not `%s`\n", optarg);
				goto done;
			}
			strvec_push(out, "--on-unavailable");
			strvec_push(out, optarg);
			break;
		case 'i':
			*in_process = 1;
			strvec_push(out, "--in-process");
			break;
		case 'H':
			if (host_from_name(optarg, &h) == -1) {
				fprintf(stderr, "revguard: hook option --host "
				    "must be git, github, gitlab or gitea, not "
				    "`%s`\n", optarg);
				goto done;
			}
			*host = host_name(h);
			break;
		default:
			fprintf(stderr, "revguard: bad hook option (see "
			    "`revguard hook --help`)\n");
			goto done;
		}
	}
	if (optind <= argc) {
		fprintf(stderr, "revguard: unexpected hook argument `%s`\n",
		    v[optind]);
		goto done;
	}
	if (*config != NULL) {
		strvec_push(out, "--config");
		strvec_push(out, *config);
	}
	rv = 0;
done:
	free(v);
	return rv;
}

/* Runs a git command in the current directory; its first line in out. */
static int
run_git(const char *cmd, char *out, size_t outlen, char *err, size_t errlen)
{
	FILE	*p;
	size_t	 n;
	int	 status;

	if ((p = popen(cmd, "r")) == NULL) {
		say(err, errlen, "cannot run git: %s", strerror(errno));
		return -1;
	}
	n = fread(out, 1, outlen - 1, p);
	out[n] = '\0';
	status = pclose(p);
	out[strcspn(out, "\n")] = '\0';
	if (status != 0 || out[0] == '\0') {
		say(err, errlen, "`%s` failed: %s", cmd, out[0] ? out :
		    "no output");
		return -1;
	}
	return 0;
}

/* In the probe child: become the owner of the repository. */
static int
become(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	struct passwd	*pw;

	if (geteuid() != 0 || uid == 0)
		return 0;
	pw = getpwuid(uid);
	if ((pw != NULL ? initgroups(pw->pw_name, pw->pw_gid) :
	    setgroups(0, NULL)) == -1 ||
	    setgid(pw != NULL ? pw->pw_gid : gid) == -1 || setuid(uid) == -1) {
		say(err, errlen, "cannot become uid %u, the owner of the "
		    "repository: %s", (unsigned)uid, strerror(errno));
		return -1;
	}
	/* git reads the global configuration of the hook's user. */
	if (pw != NULL)
		setenv("HOME", pw->pw_dir, 1);
	unsetenv("XDG_CONFIG_HOME");
	return 0;
}

/* The probe itself, in the child.  0 or -1 with p->err. */
static int
probe_run(const char *gitdir, uid_t uid, gid_t gid, const char *config,
    struct install_probe *p)
{
	static const char *const git_env[] = { "GIT_DIR", "GIT_WORK_TREE",
		"GIT_COMMON_DIR", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
		"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH",
		NULL };
	struct config		 cfg;
	struct stat		 st;
	char			 hooks[PATH_MAX];
	int			 i, rv;

	if (become(uid, gid, p->err, sizeof(p->err)) == -1)
		return -1;
	for (i = 0; git_env[i] != NULL; i++)
		unsetenv(git_env[i]);
	/* git runs pre-receive in GIT_DIR: relative paths start there. */
	if (chdir(gitdir) == -1 || getcwd(p->gitdir, sizeof(p->gitdir)) ==
	    NULL) {
		say(p->err, sizeof(p->err), "cannot enter `%s`: %s",
		    gitdir, strerror(errno));
		return -1;
	}
	if (p->no_git)
		goto config;
	setenv("GIT_DIR", ".", 1);
	if (run_git("git rev-parse --git-path hooks 2>&1", hooks,
	    sizeof(hooks), p->err, sizeof(p->err)) == -1)
		return -1;
	p->hooks_path_set = strcmp(hooks, "hooks") != 0 &&
	    strcmp(hooks, "./hooks") != 0;
	if ((size_t)snprintf(p->hooks, sizeof(p->hooks), "%s%s%s",
	    hooks[0] == '/' ? "" : p->gitdir, hooks[0] == '/' ? "" : "/",
	    hooks) >= sizeof(p->hooks)) {
		say(p->err, sizeof(p->err), "hooks path too long");
		return -1;
	}
	/* Read the configuration just as hook_main will. */
config:
	if (config == NULL && stat(CONFIG_DEFAULT_FILE, &st) == 0)
		config = CONFIG_DEFAULT_FILE;
	if (config == NULL)
		return 0;
	if (config_init(&cfg) == -1) {
		say(p->err, sizeof(p->err), "out of memory");
		return -1;
	}
	rv = config_load_file(&cfg, config, p->err, sizeof(p->err));
	config_free(&cfg);
	return rv;
}

/*
 * Forks the probe as the owner of the repository (when we are root), so
 * that what it finds is what the hook will find.
 */
static int
probe(const char *gitdir, const char *config, int no_git,
    struct install_probe *p)
{
	struct stat	 st;
	pid_t		 pid;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fds[2], status;

	memset(p, 0, sizeof(*p));
	p->no_git = no_git;
	if (stat(gitdir, &st) == -1) {
		say(p->err, sizeof(p->err), "`%s`: %s", gitdir,
		    strerror(errno));
		return -1;
	}
	if (pipe(fds) == -1) {
		say(p->err, sizeof(p->err), "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		say(p->err, sizeof(p->err), "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		status = probe_run(gitdir, st.st_uid, st.st_gid, config, p);
		n = write(fds[1], p, sizeof(*p));
		_exit(status == 0 && n == (ssize_t)sizeof(*p) ? 0 : 1);
	}
	close(fds[1]);
	while (got < sizeof(*p)) {
		n = read(fds[0], (char *)p + got, sizeof(*p) - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (got != sizeof(*p)) {
		say(p->err, sizeof(p->err), "the check of the repository "
		    "died");
		return -1;
	}
	p->err[sizeof(p->err) - 1] = '\0';
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Writes script to path unless an identical or foreign hook is there. */
static int
install_write(const char *path, const struct buf *script, int force)
{
	char	 tmp[PATH_MAX + 16], *old;
	FILE	*f;
	long	 n;
	int	 rv = INSTALL_USAGE_ERROR;

	if ((old = calloc(1, 65537)) == NULL)
		return rv;
	if ((f = fopen(path, "r")) != NULL) {
		n = (long)fread(old, 1, 65536, f);
		fclose(f);
		if ((size_t)n == script->len &&
		    memcmp(old, script->data, script->len) == 0) {
			printf("revguard: %s is already installed\n", path);
			rv = 0;
			goto done;
		}
		if (!force) {
			fprintf(stderr, "revguard: %s exists and is not this "
			    "hook; use --force to replace it, or call `revguard "
			    "hook` from it\n", path);
			goto done;
		}
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.revguard-new", path) >=
	    sizeof(tmp)) {
		fprintf(stderr, "revguard: %s: path too long\n", path);
		goto done;
	}
	if ((f = fopen(tmp, "w")) == NULL ||
	    fwrite(script->data, 1, script->len, f) != script->len ||
	    fclose(f) != 0 || chmod(tmp, 0755) == -1 ||
	    rename(tmp, path) == -1) {
		fprintf(stderr, "revguard: cannot write %s: %s\n", path,
		    strerror(errno));
		unlink(tmp);
		goto done;
	}
	rv = 0;
	printf("revguard: installed %s\n", path);
done:
	free(old);
	return rv;
}

/* mkdir -p for the one or two levels a host's hook directory needs. */
static int
make_dirs(const char *dir)
{
	char	 tmp[PATH_MAX], *slash;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s", dir) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (slash = strchr(tmp + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(tmp, 0755) == -1 && errno != EEXIST)
			return -1;
		*slash = '/';
	}
	return mkdir(tmp, 0755) == -1 && errno != EEXIST ? -1 : 0;
}

/* 1 when the file at path mentions needle in its first 64 KiB. */
static int
file_mentions(const char *path, const char *needle)
{
	char	 buf[65537];
	size_t	 n;
	FILE	*f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/*
 * Where the hook goes for a host, in dir (created) and path:
 * plain git: HOOKS/pre-receive; GitLab: GIT_DIR/custom_hooks/
 * pre-receive.d/revguard, or SERVER/pre-receive.d/revguard for Gitaly's
 * global custom_hooks_dir; Gitea: HOOKS/pre-receive.d/revguard, beside
 * Gitea's own `gitea` script, which its delegating HOOKS/pre-receive
 * runs with every other file there.  0, or -1 having said why.
 */
static int
host_hook_path(enum host_kind host, const struct install_probe *p,
    const char *server_dir, int force, char *dir, size_t dirlen,
    char *path, size_t pathlen)
{
	char	 delegate[PATH_MAX + 16];

	switch (host) {
	case HOST_GITLAB:
		if ((size_t)snprintf(dir, dirlen, "%s/%s", server_dir ?
		    server_dir : p->gitdir, server_dir ? "pre-receive.d" :
		    "custom_hooks/pre-receive.d") >= dirlen)
			goto too_long;
		break;
	case HOST_GITEA:
		snprintf(delegate, sizeof(delegate), "%s/pre-receive",
		    p->hooks);
		/* Gitea's script runs pre-receive.d/ ; anything else there
		 * would never run ours. */
		if (!force && !file_mentions(delegate, ".d/")) {
			fprintf(stderr, "revguard: %s is not Gitea's "
			    "delegating script (it does not run the scripts in "
			    "pre-receive.d/), so the hook would never run; "
			    "run \"Resynchronize pre-receive, update and "
			    "post-receive hooks of all repositories\" in "
			    "Gitea's site administration first (or use "
			    "--force)\n", delegate);
			return -1;
		}
		if ((size_t)snprintf(dir, dirlen, "%s/pre-receive.d",
		    p->hooks) >= dirlen)
			goto too_long;
		break;
	case HOST_GITHUB:
		fprintf(stderr, "revguard: GitHub Enterprise runs pre-receive "
		    "hooks from a hook repository and an environment that a "
		    "site administrator uploads; see docs/github-enterprise.md "
		    "(install-hook cannot place them)\n");
		return -1;
	case HOST_GIT:
	default:
		snprintf(dir, dirlen, "%s", p->hooks);
		break;
	}
	if (make_dirs(dir) == -1) {
		fprintf(stderr, "revguard: cannot create the hooks directory "
		    "%s%s: %s\n", dir, host == HOST_GIT && p->hooks_path_set ?
		    " (core.hooksPath)" : "", strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(path, pathlen, "%s/%s", dir, host == HOST_GIT ?
	    "pre-receive" : "revguard") >= pathlen)
		goto too_long;
	return 0;
too_long:
	fprintf(stderr, "revguard: the hook's path under %s is too long\n",
	    p->gitdir);
	return -1;
}

/* A plain install over a host's own pre-receive would break the host. */
static void
host_hint(const struct install_probe *p)
{
	char	 gitea[PATH_MAX + 32], custom[PATH_MAX + 16];

	if ((size_t)snprintf(gitea, sizeof(gitea), "%s/pre-receive.d/gitea",
	    p->hooks) >= sizeof(gitea) || (size_t)snprintf(custom,
	    sizeof(custom), "%s/custom_hooks", p->gitdir) >= sizeof(custom))
		return;
	if (access(gitea, F_OK) == 0)
		fprintf(stderr, "revguard: this is a Gitea or Forgejo "
		    "repository: use `revguard install-hook --host gitea`, "
		    "which keeps Gitea's own hook\n");
	else if (access(custom, F_OK) == 0)
		fprintf(stderr, "revguard: this is a GitLab repository: use "
		    "`revguard install-hook --host gitlab`\n");
}

int
install_hook_main(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ "host", required_argument, NULL, 'H' },
		{ "server-hooks-dir", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct install_probe	 p;
	struct strvec		 hook_args = STRVEC_INIT;
	struct buf		 script = BUF_INIT;
	struct stat		 st;
	enum host_kind		 host = HOST_GIT;
	const char		*repo = ".", *server_dir = NULL;
	const char		*hook_host = NULL;
	char			 self[PATH_MAX], gitdir[PATH_MAX + 8];
	char			 client[PATH_MAX + 8], path[PATH_MAX + 16];
	char			 dir[PATH_MAX];
	char			*config = NULL;
	size_t			 i;
	int			 ch, force = 0, in_process = 0, host_set = 0;
	int			 repo_set = 0;
	int			 rv = INSTALL_USAGE_ERROR;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+r:fH:S:h", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'r': repo = optarg; repo_set = 1; break;
		case 'f': force = 1; break;
		case 'H':
			if (host_from_name(optarg, &host) == -1) {
				fprintf(stderr, "revguard: --host must be git, "
				    "gitlab or gitea, not `%s`\n", optarg);
				return INSTALL_USAGE_ERROR;
			}
			host_set = 1;
			break;
		case 'S': server_dir = optarg; break;
		case 'h': install_usage(stdout); return 0;
		case 'V': printf("revguard %s\n", PACKAGE_VERSION); return 0;
		default: install_usage(stderr); return INSTALL_USAGE_ERROR;
		}
	}
	/* Hook options come after `--` only. */
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0) {
		fprintf(stderr, "revguard: unexpected argument `%s` (hook "
		    "options go after `--`)\n", argv[optind]);
		install_usage(stderr);
		return INSTALL_USAGE_ERROR;
	}
	if (server_dir != NULL && (host != HOST_GITLAB || repo_set)) {
		fprintf(stderr, "revguard: --server-hooks-dir is GitLab's "
		    "global hooks directory: it goes with --host gitlab and "
		    "without --repo\n");
		return INSTALL_USAGE_ERROR;
	}
	if (install_hook_args(argc - optind, argv + optind, &hook_args,
	    &config, &in_process, &hook_host) == -1)
		goto done;
	/* The hook is told its host: the installer knows where it is. */
	if (hook_host == NULL && host_set && host != HOST_GIT)
		hook_host = host_name(host);
	if (hook_host != NULL) {
		strvec_push(&hook_args, "--host");
		strvec_push(&hook_args, hook_host);
	}

	if (server_dir != NULL) {
		snprintf(gitdir, sizeof(gitdir), "%s", server_dir);
		if (stat(gitdir, &st) == -1 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "revguard: `%s` is not a directory "
			    "(Gitaly's hooks.custom_hooks_dir)\n", server_dir);
			goto done;
		}
	} else {
		/* As receive-pack finds it: DIR/.git, else DIR if bare. */
		snprintf(gitdir, sizeof(gitdir), "%s/.git", repo);
		if (stat(gitdir, &st) == -1 || !S_ISDIR(st.st_mode)) {
			snprintf(gitdir, sizeof(gitdir), "%s/objects", repo);
			if (stat(gitdir, &st) == -1) {
				fprintf(stderr, "revguard: `%s` is not a git "
				    "repository\n", repo);
				goto done;
			}
			snprintf(gitdir, sizeof(gitdir), "%s", repo);
		}
	}
	if (probe(gitdir, config, server_dir != NULL, &p) == -1) {
		fprintf(stderr, "revguard: not installed in `%s`: %s\n",
		    server_dir ? server_dir : repo, p.err);
		goto done;
	}
	if (host_hook_path(host, &p, server_dir, force, dir, sizeof(dir),
	    path, sizeof(path)) == -1)
		goto done;
	if (self_path(self, sizeof(self)) == -1) {
		fprintf(stderr, "revguard: cannot find my own path\n");
		goto done;
	}
	/* The small client starts faster; the in-process check needs us. */
	snprintf(client, sizeof(client), "%s-hook", self);
	buf_printf(&script, "#!/bin/sh\n# Installed by `revguard "
	    "install-hook`: checks Alembic migrations on push.\nexec ");
	if (!in_process && access(client, X_OK) == 0)
		shell_quote(&script, client);
	else {
		shell_quote(&script, self);
		buf_append(&script, " hook", 5);
	}
	for (i = 0; i < hook_args.len; i++) {
		buf_append(&script, " ", 1);
		shell_quote(&script, hook_args.items[i]);
	}
	buf_append(&script, "\n", 1);
	rv = install_write(path, &script, force);
	if (rv != 0 && host == HOST_GIT)
		host_hint(&p);
	if (rv == 0 && host == HOST_GIT && p.hooks_path_set)
		printf("revguard: core.hooksPath is set for %s: git runs the "
		    "hooks in %s\n", repo, p.hooks);
	if (rv == 0 && host == HOST_GITLAB)
		printf("revguard: on a Gitaly Cluster install it on every "
		    "Gitaly node; GitLab Geo does not replicate server hooks\n");
done:
	free(config);
	strvec_clear(&hook_args);
	buf_clear(&script);
	return rv;
}
