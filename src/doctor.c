/*
 * doctor.c: `revguard doctor`: what a push to a repository would have
 * checked, on which refs, from where, with which configuration, and every
 * reason it might not be (no hook where git runs hooks, a hook that does
 * not run revguard, a daemon that does not answer, an unborn default
 * branch, guarded branches with nothing to check).  It reads only.
 * Exit status: 0 when nothing stands in the way, 1 when something does,
 * 2 on usage or I/O errors.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "revguard/doctor.h"
#include "revguard/judge.h"
#include "revguard/odb.h"
#include "revguard/serve.h"

#define DOCTOR_MAX_HOOK	(64 * 1024)

struct doctor {
	const struct config	*cfg;
	struct odb		*db;
	const char		*repo;
	size_t			 problems;
	char			*hook_socket;	/* --socket in the hook */
	int			 in_process;	/* the hook runs --in-process */
};

/* The value after `--socket` in the hook script, if any. */
static char *
hook_arg(const char *text, const char *opt)
{
	const char	*p = strstr(text, opt);
	size_t		 n;

	if (p == NULL)
		return NULL;
	p += strlen(opt);
	p += strspn(p, " \t='\"");
	n = strcspn(p, " \t\n'\"");
	return n > 0 ? xstrndup(p, n) : NULL;
}

static void __attribute__((format(printf, 2, 3)))
problem(struct doctor *d, const char *fmt, ...)
{
	va_list	 ap;

	d->problems++;
	printf("  PROBLEM: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* 1 when a process could connect to the daemon's socket now. */
static int
daemon_answers(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, ok;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return 0;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

static void
hook_report(struct doctor *d)
{
	char		*dir, *path = NULL, *text = NULL;
	struct stat	 st;
	FILE		*f;
	size_t		 n;

	if ((dir = odb_hooks_dir(d->db)) == NULL) {
		problem(d, "cannot tell where git runs hooks from");
		return;
	}
	printf("hook directory: %s (core.hooksPath applied)\n", dir);
	if ((path = xasprintf("%s/pre-receive", dir)) == NULL)
		goto done;
	if (stat(path, &st) == -1) {
		problem(d, "no pre-receive hook at %s: pushes are not "
		    "checked; run `revguard install-hook --repo %s`", path,
		    d->repo);
		goto done;
	}
	if (!S_ISREG(st.st_mode) || access(path, X_OK) == -1) {
		problem(d, "%s is not an executable file: git skips it",
		    path);
		goto done;
	}
	if ((text = calloc(1, DOCTOR_MAX_HOOK + 1)) == NULL ||
	    (f = fopen(path, "r")) == NULL) {
		problem(d, "cannot read %s: %s", path, strerror(errno));
		goto done;
	}
	n = fread(text, 1, DOCTOR_MAX_HOOK, f);
	fclose(f);
	text[n] = '\0';
	if (strstr(text, "revguard") == NULL)
		problem(d, "%s does not run revguard", path);
	else
		printf("pre-receive hook: %s runs revguard\n", path);
	d->in_process = strstr(text, "--in-process") != NULL;
	d->hook_socket = hook_arg(text, "--socket");
done:
	free(text);
	free(path);
	free(dir);
}

static void
daemon_report(struct doctor *d)
{
	const struct config_hook	*h = &d->cfg->hook;
	const char			*sock = d->hook_socket != NULL ?
					    d->hook_socket : h->socket;

	if (d->in_process) {
		printf("daemon: not used; the hook checks in its own process "
		    "(--in-process)\n");
		return;
	}
	if (daemon_answers(sock)) {
		printf("daemon: answering on %s\n", sock);
		return;
	}
	if (h->fail_open)
		problem(d, "no daemon answers on %s, and on_unavailable is "
		    "accept: pushes pass unchecked (with a warning)", sock);
	else
		problem(d, "no daemon answers on %s: every push is rejected "
		    "until one does (on_unavailable: reject)", sock);
}

/* What a push of the branch's current commit would see. */
static void
ref_report(struct doctor *d, const char *ref)
{
	struct odb_snapshot	*snap;
	struct judge_opts	 jo;
	struct judge_result	 j;
	char			 err[1024];

	if ((snap = odb_snapshot_open(d->db, ref, NULL, err,
	    sizeof(err))) == NULL) {
		problem(d, "%s: %s", ref, err);
		return;
	}
	memset(&jo, 0, sizeof(jo));
	jo.cfg = d->cfg;
	jo.ops = &odb_source_ops;
	jo.head = snap;
	jo.trust_head = 1;	/* the next push's base */
	jo.full = 1;
	jo.engine.policy = &d->cfg->policy;
	if (judge_run(&jo, &j, err, sizeof(err)) == -1)
		problem(d, "%s: the check cannot run: %s", ref, err);
	else if (j.verdict == JUDGE_NOT_CHECKED)
		problem(d, "%s is guarded but not checked: %s", ref,
		    j.reason);
	else if (j.verdict == JUDGE_REFUSED)
		problem(d, "%s: a push would be refused: %s", ref, j.reason);
	else
		printf("  %s: checked: %zu migration%s in %s (from %s), %zu "
		    "error%s and %zu warning%s today\n", ref, j.check.n,
		    j.check.n == 1 ? "" : "s",
		    j.check.versions_dirs.len ?
		    j.check.versions_dirs.items[0] : "?",
		    j.alembic_ini ? j.alembic_ini : "versions_path",
		    diag_count(&j.check.diags, RULE_SEV_ERROR),
		    diag_count(&j.check.diags, RULE_SEV_ERROR) == 1 ? "" : "s",
		    diag_count(&j.check.diags, RULE_SEV_WARN),
		    diag_count(&j.check.diags, RULE_SEV_WARN) == 1 ? "" : "s");
	for (size_t i = 0; i < j.notes.len; i++)
		problem(d, "%s: %s", ref, j.notes.items[i]);
	judge_free(&j);
	odb_snapshot_free(snap);
}

static void
refs_report(struct doctor *d)
{
	struct strvec	 branches = STRVEC_INIT;
	char		*def = odb_default_branch(d->db), *guards;
	const char	*usable;
	size_t		 i, guarded = 0;

	usable = def != NULL && odb_ref_exists(d->db, def) ? def : NULL;
	if (def == NULL)
		problem(d, "HEAD is detached: @default guards nothing");
	else if (usable == NULL && odb_has_branches(d->db))
		problem(d, "HEAD names %s, which does not exist: revguard "
		    "guards every branch until it does, and refuses a push "
		    "that creates it while other branches exist (it would "
		    "take the guard off them); point HEAD at the default "
		    "branch (`git symbolic-ref HEAD refs/heads/<default>`)",
		    def);
	else if (usable == NULL)
		printf("default branch: %s, unborn; every branch the first push "
		    "creates is guarded (unless it creates %s)\n", def, def);
	else
		printf("default branch: %s\n", def);
	guards = strvec_join(&d->cfg->guarded_refs, ", ");
	printf("guarded refs: %s\n", guards ? guards : "?");
	free(guards);
	if (odb_branches(d->db, &branches) == -1)
		problem(d, "cannot list the branches");
	for (i = 0; i < branches.len; i++) {
		if (!serve_is_guarded(d->cfg, branches.items[i], usable) &&
		    (usable != NULL || def == NULL))
			continue;
		guarded++;
		ref_report(d, branches.items[i]);
	}
	if (branches.len > 0 && guarded == 0)
		problem(d, "no existing branch is guarded: check guarded_refs");
	strvec_clear(&branches);
	free(def);
}

int
doctor_run(const struct config *top, const char *config_path,
    const char *repo)
{
	struct doctor	 d;
	char		 err[1024], real[PATH_MAX], *admitted;

	memset(&d, 0, sizeof(d));
	d.repo = repo;
	if (realpath(repo, real) == NULL) {
		fprintf(stderr, "revguard: %s: %s\n", repo, strerror(errno));
		return 2;
	}
	d.cfg = config_for_repository(top, real);
	if (odb_global_init(0) == -1 || (d.db = odb_open(repo, NULL, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "revguard: %s\n", err);
		return 2;
	}
	printf("repository: %s\n", repo);
	printf("configuration: %s%s\n", config_path != NULL ? config_path :
	    "built-in defaults", d.cfg != top ? ", with its `repositories:` "
	    "entry for this path" : "");
	if (d.cfg->daemon.repo_roots.len > 0) {
		admitted = serve_admit_repository(&d.cfg->daemon.repo_roots,
		    real, err, sizeof(err));
		if (admitted == NULL)
			problem(&d, "the daemon will not open it: %s", err);
		free(admitted);
	}
	hook_report(&d);
	daemon_report(&d);
	refs_report(&d);
	if (d.problems == 0)
		printf("revguard: nothing stands in the way of a check\n");
	else
		printf("revguard: %zu problem%s\n", d.problems,
		    d.problems == 1 ? "" : "s");
	free(d.hook_socket);
	odb_free(d.db);
	odb_global_shutdown();
	return d.problems > 0;
}
