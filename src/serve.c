/*
 * serve.c: the one road of a push (see serve.h).  Admission: the
 * repository, every object directory a request names, and everything
 * libgit2 follows from the repository (links, commondir, alternates)
 * must resolve inside the configured roots.  Then the configuration for
 * that repository is chosen, and each guarded ref is judged at its new commit
 * against its base (the old tip, or for a new branch its merge base with
 * the default branch) by judge.c: problems the base already had are old
 * debt (warnings unless strict), problems the push creates are errors.
 * A guarded ref that is not checked carries the reason, which the pusher
 * is shown.  The result is structured; report.c renders it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "revguard/judge.h"
#include "revguard/mode.h"
#include "revguard/odb.h"
#include "revguard/serve.h"

/* 1 when path is root or inside it (both resolved). */
static int
path_inside(const char *path, const char *root)
{
	size_t	 n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	return strncmp(path, root, n) == 0 &&
	    (path[n] == '/' || path[n] == '\0' || (n == 1 && root[0] == '/'));
}

static int
inside_any(const struct strvec *roots, const char *path)
{
	char	 real[PATH_MAX];
	size_t	 i;

	for (i = 0; i < roots->len; i++)
		if (realpath(roots->items[i], real) != NULL &&
		    path_inside(path, real))
			return 1;
	return 0;
}

/* libgit2's GIT_ALTERNATES_MAX_DEPTH: it opens no deeper chain. */
#define ADMIT_ALTERNATES_DEPTH	5
/* More alternates than any real fork network has; bounds the walk. */
#define ADMIT_ALTERNATES_MAX	64
#define ADMIT_FILE_MAX		(64 * 1024)

struct admit {
	const struct strvec	*roots;
	const char		*repo;		/* as the request named it */
	size_t			 alternates;	/* entries walked so far */
	char			*err;
	size_t			 errlen;
};

/*
 * 0 when path is absent or resolves inside a root; -1 with err naming
 * what (never where it leads: the refusal may reach an HTTP client).
 */
static int
admit_path(struct admit *a, const char *path, const char *what)
{
	char	 real[PATH_MAX];

	if (realpath(path, real) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;	/* nothing there for libgit2 either */
		snprintf(a->err, a->errlen, "repository `%s`: %s cannot be "
		    "resolved: %s", a->repo, what, strerror(errno));
		return -1;
	}
	if (inside_any(a->roots, real))
		return 0;
	snprintf(a->err, a->errlen, "repository `%s`: %s resolves outside "
	    "the configured repo_roots", a->repo, what);
	return -1;
}

/* Every symbolic link among dir's entries must stay inside the roots. */
static int
admit_links(struct admit *a, const char *dir, const char *what)
{
	DIR		*d;
	struct dirent	*e;
	struct stat	 st;
	char		*p;
	int		 rv = 0;

	/* Absent, or not a directory: libgit2 finds nothing there either. */
	if ((d = opendir(dir)) == NULL)
		return 0;
	while (rv == 0 && (e = readdir(d)) != NULL) {
		if (e->d_type != DT_LNK && e->d_type != DT_UNKNOWN)
			continue;
		if ((p = xasprintf("%s/%s", dir, e->d_name)) == NULL) {
			snprintf(a->err, a->errlen, "out of memory");
			rv = -1;
		} else if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode))
			rv = admit_path(a, p, what);
		free(p);
	}
	closedir(d);
	return rv;
}

/* Reads a small file whole (NUL-terminated); NULL when absent. */
static char *
read_small(struct admit *a, const char *path, int *failed)
{
	char	*buf;
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd;

	*failed = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if ((buf = malloc(ADMIT_FILE_MAX + 1)) == NULL)
		goto fail;
	while (len <= ADMIT_FILE_MAX && (n = read(fd, buf + len,
	    ADMIT_FILE_MAX + 1 - len)) > 0)
		len += (size_t)n;
	if (len > ADMIT_FILE_MAX) {
		snprintf(a->err, a->errlen, "repository `%s`: `%s` is larger "
		    "than %d bytes", a->repo, strrchr(path, '/') + 1,
		    ADMIT_FILE_MAX);
		goto fail;
	}
	buf[len] = '\0';
	close(fd);
	return buf;
fail:
	if (buf == NULL)
		snprintf(a->err, a->errlen, "out of memory");
	free(buf);
	close(fd);
	*failed = 1;
	return NULL;
}

/*
 * An object directory libgit2 will read: its linked entries (fan-out
 * directories, pack, info), its packs, and each alternate it names,
 * walked as libgit2 walks them (load_alternates: lines split on CR and
 * LF, `#` comments, a path starting with `.` relative to the objects
 * directory only at depth 0, no alternates file read deeper than
 * ADMIT_ALTERNATES_DEPTH).
 */
static int
admit_objects_dir(struct admit *a, const char *dir, int depth)
{
	char	*path = NULL, *buf = NULL, *line, *save, *alt = NULL;
	int	 failed, rv = -1;

	if (admit_links(a, dir, "an entry of `objects`") == -1 ||
	    (path = xasprintf("%s/pack", dir)) == NULL ||
	    admit_links(a, path, "a pack") == -1)
		goto done;
	free(path);
	path = NULL;
	if (depth > ADMIT_ALTERNATES_DEPTH) {
		rv = 0;		/* libgit2 adds it but reads no further */
		goto done;
	}
	if ((path = xasprintf("%s/info/alternates", dir)) == NULL)
		goto done;
	if (admit_path(a, path, "`objects/info/alternates`") == -1)
		goto done;
	if ((buf = read_small(a, path, &failed)) == NULL) {
		rv = failed ? -1 : 0;
		goto done;
	}
	for (line = strtok_r(buf, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save)) {
		if (*line == '#')
			continue;
		if (++a->alternates > ADMIT_ALTERNATES_MAX) {
			snprintf(a->err, a->errlen, "repository `%s`: more "
			    "than %d alternate object directories", a->repo,
			    ADMIT_ALTERNATES_MAX);
			goto done;
		}
		free(alt);
		alt = *line == '.' && depth == 0 ?
		    xasprintf("%s/%s", dir, line) : strdup(line);
		if (alt == NULL)
			goto done;
		if (admit_path(a, alt, "an alternate object directory") ==
		    -1)
			goto done;
		if (admit_objects_dir(a, alt, depth + 1) == -1)
			goto done;
	}
	rv = 0;
done:
	if (rv == -1 && a->err[0] == '\0')
		snprintf(a->err, a->errlen, "out of memory");
	free(alt);
	free(buf);
	free(path);
	return rv;
}

/* What libgit2 reads in a git directory must resolve inside the roots. */
static int
admit_git_dir(struct admit *a, const char *gitdir, int common)
{
	static const char *const names[] = {
		"objects", "refs", "packed-refs", "HEAD", "config",
		"commondir",
	};
	char	*path = NULL, *what = NULL, *buf = NULL, *nl;
	size_t	 i;
	int	 failed, rv = -1;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		free(path);
		free(what);
		path = xasprintf("%s/%s", gitdir, names[i]);
		what = xasprintf("`%s`", names[i]);
		if (path == NULL || what == NULL ||
		    admit_path(a, path, what) == -1)
			goto done;
	}
	free(path);
	if ((path = xasprintf("%s/objects", gitdir)) == NULL ||
	    admit_objects_dir(a, path, 0) == -1)
		goto done;
	/* A linked worktree's git directory names its common directory,
	 * whose objects and refs libgit2 reads instead. */
	free(path);
	if ((path = xasprintf("%s/commondir", gitdir)) == NULL)
		goto done;
	if ((buf = read_small(a, path, &failed)) == NULL) {
		rv = failed ? -1 : 0;
		goto done;
	}
	if ((nl = strpbrk(buf, "\r\n")) != NULL)
		*nl = '\0';
	free(path);
	path = buf[0] == '/' ? strdup(buf) : xasprintf("%s/%s", gitdir, buf);
	if (path == NULL ||
	    admit_path(a, path, "the directory `commondir` names") == -1)
		goto done;
	rv = common ? 0 : admit_git_dir(a, path, 1);
done:
	if (rv == -1 && a->err[0] == '\0')
		snprintf(a->err, a->errlen, "out of memory");
	free(buf);
	free(what);
	free(path);
	return rv;
}

char *
serve_admit_repository(const struct strvec *roots, const char *path,
    char *err, size_t errlen)
{
	struct admit	 a;
	char		 gitdir[PATH_MAX + 16];
	char		 real[PATH_MAX], probe[PATH_MAX + 16];
	struct stat	 st;

	if (roots->len == 0) {
		snprintf(err, errlen, "no repo_roots are configured; the "
		    "daemon opens no repository");
		return NULL;
	}
	if (strstr(path, "/../") != NULL || strncmp(path, "../", 3) == 0 ||
	    (strlen(path) >= 3 && strcmp(path + strlen(path) - 3,
	    "/..") == 0)) {
		snprintf(err, errlen, "repository path `%s` contains `..`",
		    path);
		return NULL;
	}
	if (path[0] != '/') {
		snprintf(err, errlen, "repository path `%s` is not absolute",
		    path);
		return NULL;
	}
	if (realpath(path, real) == NULL) {
		snprintf(err, errlen, "repository `%s`: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (!inside_any(roots, real)) {
		snprintf(err, errlen, "repository `%s` is outside the "
		    "configured repo_roots", path);
		return NULL;
	}
	snprintf(probe, sizeof(probe), "%s/objects", real);
	if (stat(probe, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(probe, sizeof(probe), "%s/.git/objects", real);
		if (stat(probe, &st) == -1 || !S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "`%s` is not a git repository",
			    path);
			return NULL;
		}
		snprintf(gitdir, sizeof(gitdir), "%s/.git", real);
	} else
		snprintf(gitdir, sizeof(gitdir), "%s", real);
	/* The top directory is inside; what libgit2 follows from it must
	 * be too, or a directory of links reads any repository. */
	memset(&a, 0, sizeof(a));
	a.roots = roots;
	a.repo = path;
	a.err = err;
	a.errlen = errlen;
	err[0] = '\0';
	if (admit_path(&a, gitdir, "its git directory") == -1 ||
	    admit_git_dir(&a, gitdir, 0) == -1)
		return NULL;
	return strdup(real);
}

int
serve_admit_objects(const struct strvec *roots, const char *repo,
    const struct push_request *req, struct strvec *dirs, char *err,
    size_t errlen)
{
	char	 real[PATH_MAX], objects[PATH_MAX + 16], own[PATH_MAX];
	size_t	 i;

	snprintf(objects, sizeof(objects), "%s/objects", repo);
	if (realpath(objects, own) == NULL)
		own[0] = '\0';
	if (req->quarantine != NULL) {
		if (realpath(req->quarantine, real) == NULL) {
			snprintf(err, errlen, "quarantine `%s`: %s",
			    req->quarantine, strerror(errno));
			return -1;
		}
		if (roots != NULL && (own[0] == '\0' ||
		    !path_inside(real, own) || strcmp(real, own) == 0)) {
			snprintf(err, errlen, "quarantine `%s` is not inside "
			    "the repository's objects directory",
			    req->quarantine);
			return -1;
		}
		if (strvec_push(dirs, real) == -1)
			return -1;
	}
	for (i = 0; i < req->alternates.len; i++) {
		if (realpath(req->alternates.items[i], real) == NULL ||
		    strcmp(real, own) == 0 || strvec_contains(dirs, real))
			continue;
		if (roots != NULL && !inside_any(roots, real))
			continue;	/* never read outside the roots */
		if (strvec_push(dirs, real) == -1)
			return -1;
	}
	return 0;
}

int
serve_is_guarded(const struct config *cfg, const char *ref, const char *def)
{
	size_t	 i;

	for (i = 0; i < cfg->guarded_refs.len; i++) {
		const char	*g = cfg->guarded_refs.items[i];

		if (strcmp(g, CONFIG_DEFAULT_BRANCH) == 0) {
			if (def != NULL && strcmp(ref, def) == 0)
				return 1;
		} else if (fnmatch(g, ref, 0) == 0)
			return 1;	/* as git's refspecs: `*` crosses `/` */
	}
	return 0;
}

struct ref_judge {
	const struct serve_opts	*opts;
	const struct config	*cfg;
	struct odb		*db;
	const char		*default_ref;	/* NULL: unborn or detached */
	/* The branch a refs/for/ proposal targets, when it exists: the
	 * new ref is judged from there instead of the default branch. */
	const char		*target_ref;
	/* The ref a push to the update's ref writes: itself, or the end
	 * of its symbolic ref chain. */
	const char		*written_ref;
	struct push_result	*res;
	char			*err;
	size_t			 errlen;
};

static void
free_check(struct engine_result *r)
{
	engine_result_free(r);
	free(r);
}

/* Moves a finished judgement into the ref's result. */
static int
take_judgement(const struct ref_judge *rj, struct push_ref_result *ref,
    struct judge_result *j)
{
	struct engine_result	*r = &j->check;

	ref->migrations = r->n;
	ref->errors = diag_count(&r->diags, RULE_SEV_ERROR);
	ref->warnings = diag_count(&r->diags, RULE_SEV_WARN);
	ref->old_debt = j->old_debt;
	if (r->versions_dirs.len > 0 && (ref->versions_dir =
	    strdup(r->versions_dirs.items[0])) == NULL)
		return -1;
	ref->notes = j->notes;
	memset(&j->notes, 0, sizeof(j->notes));
	ref->diags = r->diags;
	memset(&r->diags, 0, sizeof(r->diags));
	if (rj->opts->cli) {
		if ((ref->check = malloc(sizeof(*ref->check))) == NULL)
			return -1;
		*ref->check = *r;	/* its diags are ref->diags now */
		memset(r, 0, sizeof(*r));
		rj->res->check_free = free_check;
	}
	return 0;
}

/* Judges one ref; -1 when the judgement could not run. */
static int
judge_ref(struct ref_judge *rj, const struct push_update *u)
{
	static const enum push_outcome outcomes[] = {
		[JUDGE_CHECKED] = PUSH_CHECKED,
		[JUDGE_UNCHANGED] = PUSH_UNCHANGED,
		[JUDGE_NOT_CHECKED] = PUSH_NOT_CHECKED,
		[JUDGE_REFUSED] = PUSH_REFUSED
	};
	struct odb_snapshot	*head = NULL, *base = NULL;
	struct judge_opts	 jo;
	struct judge_result	 j;
	struct push_ref_result	*ref;
	enum push_verdict	 v;
	char			 reason[256], fork[PATH_MAX];
	const char		*why, *fork_ref;
	int			 rv = -1;

	memset(&j, 0, sizeof(j));
	memset(&jo, 0, sizeof(jo));
	jo.cfg = rj->cfg;
	jo.ops = &odb_source_ops;
	jo.engine.policy = &rj->cfg->policy;
	jo.engine.cache = rj->opts->parsed;
	jo.engine.deadline = rj->opts->deadline;
	jo.full = jo.trust_head = rj->opts->cli;

	if ((head = odb_snapshot_open(rj->db, u->new_id, NULL, rj->err,
	    rj->errlen)) == NULL)
		goto done;
	if (!push_is_null_id(u->old_id)) {
		if ((base = odb_snapshot_open(rj->db, u->old_id, NULL,
		    rj->err, rj->errlen)) == NULL)
			goto done;
		jo.trust_head = 0;
	} else if (!rj->opts->cli && (fork_ref = rj->target_ref ?
	    rj->target_ref : rj->default_ref) != NULL &&
	    strcmp(rj->written_ref, fork_ref) != 0 &&
	    odb_ref_exists(rj->db, fork_ref)) {
		/* A new branch is judged by what it adds to the default
		 * branch (a proposal, to its target): against their merge
		 * base (a release branch cut from an old tag brings nothing
		 * new), else the tip. */
		if (odb_merge_base(rj->db, u->new_id, fork_ref, fork) == -1)
			snprintf(fork, sizeof(fork), "%s", fork_ref);
		if ((base = odb_snapshot_open(rj->db, fork, NULL, rj->err,
		    rj->errlen)) == NULL)
			goto done;
	}
	jo.head = head;
	jo.base = base;
	if (judge_run(&jo, &j, rj->err, rj->errlen) == -1)
		goto done;
	why = j.reason;
	switch (j.verdict) {
	case JUDGE_UNCHANGED:
		v = PUSH_ACCEPT;
		break;
	case JUDGE_NOT_CHECKED:
		v = PUSH_SKIP;
		break;
	case JUDGE_REFUSED:
		v = PUSH_REJECT;
		break;
	case JUDGE_CHECKED:
	default:
		v = diag_count(&j.check.diags, RULE_SEV_ERROR) ? PUSH_REJECT :
		    PUSH_ACCEPT;
		snprintf(reason, sizeof(reason), "%zu migration%s, %zu "
		    "error%s, %zu warning%s", j.check.n,
		    j.check.n == 1 ? "" : "s",
		    diag_count(&j.check.diags, RULE_SEV_ERROR),
		    diag_count(&j.check.diags, RULE_SEV_ERROR) == 1 ? "" : "s",
		    diag_count(&j.check.diags, RULE_SEV_WARN),
		    diag_count(&j.check.diags, RULE_SEV_WARN) == 1 ? "" : "s");
		why = reason;
		break;
	}
	if ((ref = push_result_add(rj->res, u->ref, u->new_id, v,
	    outcomes[j.verdict], why)) == NULL ||
	    take_judgement(rj, ref, &j) == -1)
		goto done;
	rv = 0;
done:
	judge_free(&j);
	odb_snapshot_free(head);
	odb_snapshot_free(base);
	return rv;
}

/* How many branches a message names before "and N more". */
#define SERVE_NAMED	5

#define WRITTEN(c)	((c)->items[(c)->len - 1])

/* 1 when a name a push writes through is guarded (def: @default). */
static int
chain_guarded(const struct config *cfg, const struct strvec *chain,
    const char *def)
{
	size_t	 i;

	for (i = 0; i < chain->len; i++)
		if (serve_is_guarded(cfg, chain->items[i], def))
			return 1;
	return 0;
}

/* 1 when update i creates a branch (its written ref does not exist). */
static int
creates_branch(struct odb *db, const struct push_request *req,
    const struct strvec *chains, size_t i)
{
	return !push_is_null_id(req->updates[i].new_id) &&
	    strncmp(WRITTEN(&chains[i]), "refs/heads/", 11) == 0 &&
	    !odb_ref_exists(db, WRITTEN(&chains[i]));
}

/*
 * The branches that only an unborn HEAD guards (no guarded_refs entry
 * but @default matches them): the existing ones and the ones this push
 * creates beside HEAD's branch def.  They would lose their guard if
 * HEAD's branch were created now.  *list names them ("a, b and N
 * more"), or is NULL when there is none.  -1 on error.
 */
static int
orphaned_branches(const struct config *cfg, struct odb *db,
    const struct push_request *req, const struct strvec *chains,
    const char *def, char **list)
{
	struct strvec	 all = STRVEC_INIT, shown = STRVEC_INIT, chain;
	char		*names = NULL;
	size_t		 i, n = 0;
	int		 rv = -1;

	*list = NULL;
	if (odb_branches(db, &all) == -1)
		goto done;
	for (i = 0; i < req->nupdates; i++)
		if (creates_branch(db, req, chains, i) &&
		    strcmp(WRITTEN(&chains[i]), def) != 0 &&
		    !strvec_contains(&all, WRITTEN(&chains[i])) &&
		    strvec_push(&all, WRITTEN(&chains[i])) == -1)
			goto done;
	for (i = 0; i < all.len; i++) {
		/* a symbolic branch is guarded when what it writes is */
		chain = (struct strvec)STRVEC_INIT;
		if (odb_ref_chain(db, all.items[i], &chain) == -1) {
			strvec_clear(&chain);
			goto done;
		}
		if (chain_guarded(cfg, &chain, NULL)) {
			strvec_clear(&chain);
			continue;
		}
		strvec_clear(&chain);
		if (n++ < SERVE_NAMED && strvec_push(&shown,
		    all.items[i]) == -1)
			goto done;
	}
	if (n > 0) {
		if ((names = strvec_join(&shown, ", ")) == NULL ||
		    (*list = n > shown.len ? xasprintf("%s and %zu more",
		    names, n - shown.len) : strdup(names)) == NULL)
			goto done;
	}
	rv = 0;
done:
	free(names);
	strvec_clear(&all);
	strvec_clear(&shown);
	return rv;
}

/*
 * The branch @default stands for.  HEAD may name a branch that does not
 * exist (`git init --bare` says master; the team pushes main).  While it
 * is unborn, every branch a push creates is guarded (*guard_new: any may
 * become the default, as hosts make the first one, and none may slip in
 * beside HEAD's).  When a push creates HEAD's branch in an empty
 * repository, that is @default.  Otherwise, in an empty repository
 * every branch the push creates is guarded, and in a repository with
 * branches every pushed branch is guarded until HEAD is fixed; the
 * pusher is told either way.  A push that creates HEAD's branch in a
 * repository with branches would make @default mean that branch alone,
 * and switch the guard off for the team's, existing or created by the
 * same push: *orphans names the branches that would lose it, and that
 * ref is refused (judge_updates).  chains[i] is what update i writes
 * through.  *failed is set when that could not be worked out.
 */
static char *
default_branch(const struct config *cfg, struct odb *db,
    const struct push_request *req, const struct strvec *chains,
    struct push_result *res, int *guard_all, int *guard_new,
    char **orphans, int *failed)
{
	char		*def = odb_default_branch(db);
	const char	*why;
	size_t		 i, j;
	int		 branches;

	*guard_all = *guard_new = *failed = 0;
	*orphans = NULL;
	if (!strvec_contains(&cfg->guarded_refs, CONFIG_DEFAULT_BRANCH) ||
	    (def != NULL && odb_ref_exists(db, def)))
		return def;
	*guard_new = 1;
	branches = odb_has_branches(db);
	for (i = 0; def != NULL && i < req->nupdates; i++) {
		if (strcmp(WRITTEN(&chains[i]), def) != 0 ||
		    push_is_null_id(req->updates[i].new_id))
			continue;
		if (!branches) {
			/* an empty repository's first: all are judged */
			for (j = 0; j < req->nupdates; j++)
				if (j != i && creates_branch(db, req, chains,
				    j) && !chain_guarded(cfg, &chains[j],
				    NULL))
					break;
			if (j < req->nupdates && strvec_push_owned(
			    &res->notes, xasprintf("the repository is empty "
			    "and this push creates HEAD's branch %s: every "
			    "branch it creates is checked now, but from now "
			    "on @default means %s alone; add the others to "
			    "guarded_refs to keep them guarded", def, def)) ==
			    -1) {
				free(def);
				return NULL;
			}
			return def;
		}
		if (orphaned_branches(cfg, db, req, chains, def,
		    orphans) == -1) {
			*failed = 1;	/* never a way around the guard */
			free(def);
			return NULL;
		}
		if (*orphans == NULL)
			return def;	/* every branch keeps its guard */
		break;
	}
	*guard_all = 1;
	why = branches ? "revguard cannot tell the default "
	    "branch and guards every branch" : "the repository is empty, so "
	    "revguard guards every branch this push creates";
	if (strvec_push_owned(&res->notes, xasprintf("HEAD names %s, which "
	    "does not exist, so %s; fix it on the server with `git "
	    "symbolic-ref HEAD refs/heads/<default>`", def != NULL ? def :
	    "no branch", why)) == -1) {
		free(def);
		free(*orphans);
		*orphans = NULL;
		return NULL;
	}
	return def;
}

/*
 * A proc-receive style ref (AGit flow: refs/for/<branch>[/<topic>])
 * proposes a change for <branch>: it is guarded when a branch it can
 * name is, the longest name first (branch names hold slashes too), so
 * a broken migration is refused when it is proposed.  target gets the
 * branch, to judge the change from.
 */
static int
proposal_guarded(const struct config *cfg, const char *ref, const char *def,
    char *target, size_t len)
{
	char	*slash;

	if (strncmp(ref, "refs/for/", 9) != 0 || ref[9] == '\0')
		return 0;
	/* Too long to name a branch here: never a way around the check. */
	if ((size_t)snprintf(target, len, "refs/heads/%s", ref + 9) >= len) {
		target[0] = '\0';
		return 1;
	}
	for (;;) {
		if (serve_is_guarded(cfg, target, def))
			return 1;
		if ((slash = strrchr(target + 11, '/')) == NULL)
			return 0;
		*slash = '\0';
	}
}

/* Refuses u for why (owned, NULL: out of memory). */
static int
refuse(struct ref_judge *rj, const struct push_update *u, const char *id,
    char *why)
{
	int	 rv;

	if (why == NULL)
		return -1;
	rv = push_result_add(rj->res, u->ref, id, PUSH_REJECT, PUSH_REFUSED,
	    why) ? 0 : -1;
	free(why);
	return rv;
}

/*
 * A guarded ref deleted: pushed again, it would be judged from the
 * default branch, not from what it had, so the migrations it carried
 * could go without removed-revision seeing it.  Refused unless an
 * administrator allows it.
 */
static int
judge_deletion(struct ref_judge *rj, const struct push_update *u)
{
	if (rj->cfg->allow_ref_deletion)
		return push_result_add(rj->res, u->ref, NULL, PUSH_SKIP,
		    PUSH_DELETION, "the push deletes this guarded ref") ?
		    0 : -1;
	return refuse(rj, u, NULL, xasprintf("deleting a guarded ref is "
	    "refused%s%s%s: pushed again, %s would be judged against the "
	    "default branch instead of what it had, so it could come back without its "
	    "migrations; an administrator can allow it with "
	    "`allow_ref_deletion: true` (for this repository, in a "
	    "repositories: entry)", strcmp(u->ref, rj->written_ref) ?
	    " (it is a symbolic ref: git deletes " : "",
	    strcmp(u->ref, rj->written_ref) ? rj->written_ref : "",
	    strcmp(u->ref, rj->written_ref) ? " with it)" : "",
	    rj->written_ref));
}

/* Refuses the creation of an unborn HEAD's branch beside others. */
static int
refuse_head_branch(struct ref_judge *rj, const struct push_update *u,
    const char *orphans)
{
	return refuse(rj, u, u->new_id, xasprintf("HEAD names %s, which does "
	    "not exist yet, and the repository has other branches (%s): "
	    "creating it would make @default mean %s alone and leave those "
	    "unguarded, so this push is refused; an administrator points "
	    "HEAD at the team's default branch on the server (`git "
	    "symbolic-ref HEAD refs/heads/main`, "
	    "say) or adds those branches to guarded_refs", u->ref, orphans,
	    u->ref));
}

/* Refuses a push through a symbolic ref chain git cannot follow. */
static int
refuse_deep_symref(struct ref_judge *rj, const struct push_update *u)
{
	return refuse(rj, u, u->new_id, xasprintf("%s is a chain of more "
	    "than %d symbolic refs (or a loop), which git does not follow, "
	    "so what it writes cannot be told; an administrator shortens "
	    "it on the server",
	    u->ref, ODB_SYMREF_DEPTH));
}

/*
 * What each update writes: receive-pack follows a symbolic ref to its
 * target (refs/heads/master -> refs/heads/main updates main; deleting
 * it deletes the whole chain), so a ref is judged by the ref written
 * and guarded when any name on the way is.  deep[i] is set when the
 * chain is too long to follow.
 */
static int
resolve_updates(struct ref_judge *rj, const struct push_request *req,
    struct strvec *chains, int *deep)
{
	size_t	 i;
	int	 rc;

	for (i = 0; i < req->nupdates; i++) {
		rc = rj->opts->cli ? strvec_push(&chains[i],
		    req->updates[i].ref) : odb_ref_chain(rj->db,
		    req->updates[i].ref, &chains[i]);
		if (rc == -1) {
			snprintf(rj->err, rj->errlen, "cannot resolve %s in "
			    "the repository", req->updates[i].ref);
			return -1;
		}
		deep[i] = rc == 1;
	}
	return 0;
}

/* 1 when an update through chain is guarded or observed. */
static int
update_guarded(const struct ref_judge *rj, const struct strvec *chain,
    const char *def, int guard_all)
{
	size_t	 i;

	if (rj->opts->cli || chain_guarded(rj->cfg, chain, def))
		return 1;
	/* An observed ref is judged, guarded or not: observing is how a
	 * team learns what guarding it would cost. */
	for (i = 0; i < chain->len; i++)
		if (mode_ref_observed(&rj->cfg->observe_refs,
		    chain->items[i]) || (guard_all &&
		    strncmp(chain->items[i], "refs/heads/", 11) == 0))
			return 1;
	return 0;
}

/* Judges every update of the request against an open repository. */
static int
judge_updates(struct ref_judge *rj, const struct push_request *req)
{
	const struct config	*cfg = rj->cfg;
	struct strvec		*chains;
	char			*def = NULL, *orphans = NULL;
	char			 target[PATH_MAX + 16];
	size_t			 i;
	int			*deep, guard_all = 0, guard_new = 0, guarded;
	int			 failed = 0, rv = -1;

	chains = calloc(req->nupdates + 1, sizeof(*chains));
	deep = calloc(req->nupdates + 1, sizeof(*deep));
	if (chains == NULL || deep == NULL) {
		snprintf(rj->err, rj->errlen, "out of memory");
		goto done;
	}
	if (resolve_updates(rj, req, chains, deep) == -1)
		goto done;
	def = rj->opts->cli ? NULL : default_branch(cfg, rj->db, req, chains,
	    rj->res, &guard_all, &guard_new, &orphans, &failed);
	if (failed) {
		snprintf(rj->err, rj->errlen, "cannot list the repository's "
		    "branches to work out @default");
		goto done;
	}
	rj->default_ref = def != NULL && odb_ref_exists(rj->db, def) ? def :
	    NULL;
	for (i = 0, rv = 0; rv == 0 && i < req->nupdates; i++) {
		const struct push_update	*u = &req->updates[i];

		if (engine_deadline_passed(rj->opts->deadline)) {
			snprintf(rj->err, rj->errlen, "the check was stopped "
			    "at its deadline after %zu of %zu ref updates", i,
			    req->nupdates);
			rv = -1;
			break;
		}
		rj->written_ref = WRITTEN(&chains[i]);
		/* While HEAD's branch is unborn, no branch is created
		 * unjudged: any may be the one @default comes to mean. */
		guarded = update_guarded(rj, &chains[i], def, guard_all) ||
		    (guard_new && creates_branch(rj->db, req, chains, i));
		rj->target_ref = NULL;
		if (!guarded && proposal_guarded(cfg, u->ref, def, target,
		    sizeof(target))) {
			guarded = 1;
			rj->target_ref = target[0] != '\0' ? target : NULL;
		}
		if (deep[i])
			rv = refuse_deep_symref(rj, u);
		else if (!guarded)
			rv = push_result_add(rj->res, u->ref, u->new_id,
			    PUSH_SKIP, PUSH_NOT_GUARDED, "not guarded") ?
			    0 : -1;
		else if (push_is_null_id(u->new_id))
			rv = judge_deletion(rj, u);
		else if (orphans != NULL && strcmp(rj->written_ref, def) == 0)
			rv = refuse_head_branch(rj, u, orphans);
		else
			rv = judge_ref(rj, u);
	}
done:
	for (i = 0; chains != NULL && i < req->nupdates; i++)
		strvec_clear(&chains[i]);
	free(chains);
	free(deep);
	free(orphans);
	free(def);
	return rv;
}

int
serve_request(const struct serve_opts *o, const struct push_request *req,
    struct push_result *res, char *err, size_t errlen)
{
	struct ref_judge	 rj;
	struct strvec		 dirs = STRVEC_INIT;
	const char		**extra = NULL;
	char			*repo = NULL, real[PATH_MAX];
	size_t			 i;
	int			 rv = -1;

	memset(res, 0, sizeof(*res));
	memset(&rj, 0, sizeof(rj));
	err[0] = '\0';
	/* The door: the repository and its object directories. */
	if (o->roots != NULL)
		repo = serve_admit_repository(o->roots, req->repository, err,
		    errlen);
	else if (realpath(req->repository, real) != NULL)
		repo = strdup(real);
	else
		snprintf(err, errlen, "repository `%s`: %s", req->repository,
		    strerror(errno));
	if (repo == NULL || serve_admit_objects(o->roots, repo, req, &dirs,
	    err, errlen) == -1)
		goto done;
	if ((extra = calloc(dirs.len + 1, sizeof(*extra))) == NULL)
		goto done;
	for (i = 0; i < dirs.len; i++)
		extra[i] = dirs.items[i];
	/* The configuration this repository is judged by. */
	rj.opts = o;
	rj.cfg = config_for_repository(o->cfg, repo);
	rj.res = res;
	rj.err = err;
	rj.errlen = errlen;
	if ((rj.db = odb_open(repo, extra, err, errlen)) == NULL)
		goto done;
	if (o->trees != NULL)
		odb_set_tree_cache(rj.db, o->trees);
	rv = judge_updates(&rj, req);
	/* Observe mode and an audited bypass decide what the verdicts do. */
	if (rv == 0) {
		struct mode_policy	 mp = { rj.cfg->mode,
					    &rj.cfg->observe_refs,
					    &rj.cfg->bypass.allow,
					    rj.cfg->bypass.identity_var };

		if ((rv = mode_settle(&mp, req, res)) == -1)
			snprintf(err, errlen, "out of memory");
	}
done:
	if (rv == -1 && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	odb_free(rj.db);
	free(extra);
	free(repo);
	strvec_clear(&dirs);
	return rv;
}
