/*
 * judge.c: one commit against its base (see judge.h).  Where the
 * migrations are is part of what a commit changes, so it is decided at
 * both commits: a commit that leaves a guarded branch without the
 * migrations its base had is refused, and when the location moves every
 * migration at the new one counts as new.  Old debt is judged by the
 * diagnostics themselves (what the base already had), not by which files
 * the commit touched.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/judge.h"
#include "revguard/path.h"

enum place_kind {
	PLACE_NONE,		/* not an Alembic project (why says how); what a
				 * zeroed place is, so nothing is found until
				 * something is */
	PLACE_DIRS,		/* versions directories are known */
	PLACE_AMBIGUOUS,	/* several alembic.ini and none configured */
	PLACE_BROKEN		/* alembic.ini cannot be read */
};

/* Where the migrations are at one commit. */
struct place {
	enum place_kind	 kind;
	char		*ini;		/* the alembic.ini used, if any */
	struct strvec	 dirs;
	size_t		 migrations;	/* *.py files in dirs */
	size_t		 dirs_found;	/* dirs that exist */
	char		*why;		/* for every kind but PLACE_DIRS */
};

/* What the repository's own .revguard.yaml says. */
struct location {
	struct strvec	 versions_paths;
	char		*alembic_ini;
};

static void
place_clear(struct place *p)
{
	free(p->ini);
	free(p->why);
	strvec_clear(&p->dirs);
	memset(p, 0, sizeof(*p));
}

static int
is_migration_name(const char *name)
{
	size_t	 n = strlen(name);

	return n > 3 && strcmp(name + n - 3, ".py") == 0 &&
	    strcmp(name, "__init__.py") != 0;
}

/* 1 when some component of dir is a symbolic link in the tree. */
static int
linked_dir(const struct judge_opts *o, void *ctx, const char *dir)
{
	struct source_entry	*ents;
	char			*path, *slash, err[256];
	const char		*parent, *name;
	size_t			 n, i;
	int			 found = 0, rv;

	if ((path = strdup(dir)) == NULL)
		return -1;
	/* Walk up: a component that is a link hides the directory. */
	while (!found && path[0] != '\0') {
		if ((slash = strrchr(path, '/')) != NULL) {
			*slash = '\0';
			parent = path;
			name = slash + 1;
		} else {
			parent = "";
			name = path;
		}
		ents = NULL;
		n = 0;
		rv = o->ops->list(ctx, parent, &ents, &n, err, sizeof(err));
		for (i = 0; rv == 0 && i < n; i++)
			if (ents[i].kind == SOURCE_SYMLINK &&
			    strcmp(ents[i].name, name) == 0)
				found = 1;
		source_entries_free(ents, n);
		if (slash == NULL)
			break;
	}
	free(path);
	return found;
}

/* Counts the migration files in the place's directories. */
static int
count_migrations(const struct judge_opts *o, void *ctx, struct place *p,
    char *err, size_t errlen)
{
	struct source_entry	*ents;
	size_t			 n, i, j;
	int			 rv;

	for (i = 0; i < p->dirs.len; i++) {
		ents = NULL;
		n = 0;
		if ((rv = o->ops->list(ctx, p->dirs.items[i], &ents, &n, err,
		    errlen)) == -1)
			return -1;
		if (rv == 1) {
			if (linked_dir(o, ctx, p->dirs.items[i]) != 1)
				continue;
			/* Alembic follows the link; revguard reads none. */
			p->kind = PLACE_BROKEN;
			free(p->why);
			p->why = xasprintf("versions directory `%s` is a "
			    "symbolic link: Alembic runs what it points to, "
			    "which revguard does not read; commit the "
			    "directory itself", p->dirs.items[i]);
			return p->why != NULL ? 0 : -1;
		}
		p->dirs_found++;
		for (j = 0; j < n; j++)
			if (ents[j].kind == SOURCE_FILE &&
			    is_migration_name(ents[j].name))
				p->migrations++;
		source_entries_free(ents, n);
	}
	return 0;
}

/*
 * Looks for files named alembic.ini breadth first, down to
 * JUDGE_FIND_DEPTH levels and at most JUDGE_FIND_DIRS listings, skipping
 * hidden directories and node_modules.  *capped is set when the search
 * stopped at its limit.
 */
static int
find_inis(const struct judge_opts *o, void *ctx, struct strvec *found,
    int *capped, char *err, size_t errlen)
{
	struct strvec		 queue = STRVEC_INIT;
	struct source_entry	*ents;
	size_t			 next, n, i, depth;
	const char		*dir, *s;
	char			*path;
	int			 rv = -1, lrv;

	*capped = 0;
	if (strvec_push(&queue, "") == -1)
		goto oom;
	for (next = 0; next < queue.len; next++) {
		if (next == JUDGE_FIND_DIRS) {
			*capped = 1;
			break;
		}
		dir = queue.items[next];
		for (depth = dir[0] != '\0', s = dir; *s != '\0'; s++)
			depth += *s == '/';
		ents = NULL;
		n = 0;
		if ((lrv = o->ops->list(ctx, dir, &ents, &n, err,
		    errlen)) == -1)
			goto done;
		for (i = 0; lrv == 0 && i < n; i++) {
			const char	*name = ents[i].name;

			if (ents[i].kind == SOURCE_FILE &&
			    strcmp(name, "alembic.ini") == 0)
				path = path_join(dir, name);
			else if (ents[i].kind == SOURCE_DIR &&
			    depth < JUDGE_FIND_DEPTH && name[0] != '.' &&
			    strcmp(name, "node_modules") != 0)
				path = path_join(dir, name);
			else
				continue;
			if (path == NULL || strvec_push_owned(
			    ents[i].kind == SOURCE_DIR ? &queue : found,
			    path) == -1) {
				source_entries_free(ents, n);
				goto oom;
			}
		}
		source_entries_free(ents, n);
	}
	rv = 0;
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	strvec_clear(&queue);
	return rv;
}

/* Reads an alembic.ini into the place; 1 when there is no such file. */
static int
place_from_ini(const struct judge_opts *o, void *ctx, const char *ini,
    struct place *p)
{
	struct engine_opts	 eo = o->engine;
	struct strvec		 none = STRVEC_INIT;
	char			 why[1024];
	int			 rv;

	eo.versions_paths = &none;
	eo.alembic_ini = ini;
	why[0] = '\0';
	rv = engine_versions_dirs(&eo, o->ops, ctx, &p->dirs, why,
	    sizeof(why));
	if (rv == 1)
		return 1;
	if ((p->ini = strdup(ini)) == NULL)
		return -1;
	if (rv == -1) {
		p->kind = PLACE_BROKEN;
		p->why = strdup(why);
		return p->why != NULL ? 0 : -1;
	}
	p->kind = PLACE_DIRS;
	return 0;
}

/* Adds b's directories to a (a DIRS place); b is left as it was. */
static int
place_union(struct place *a, const struct place *b, char *err,
    size_t errlen)
{
	size_t	 i;

	for (i = 0; i < b->dirs.len; i++)
		if (!strvec_contains(&a->dirs, b->dirs.items[i]) &&
		    strvec_push(&a->dirs, b->dirs.items[i]) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	return 0;
}

enum find_mode {
	FIND_NOT,	/* no search below the root */
	FIND_ONE,	/* use the one alembic.ini found; several: ambiguous */
	FIND_ALL	/* check every alembic.ini found */
};

/*
 * Where the migrations are by the server's settings alone: its
 * versions_path, else its alembic_ini, else (as find says) what the
 * alembic.ini files found below the root name.
 */
static int
locate_default(const struct judge_opts *o, void *ctx, enum find_mode find,
    struct place *p, char *err, size_t errlen)
{
	const struct config	*cfg = o->cfg;
	struct engine_opts	 eo = o->engine;
	struct strvec		 found = STRVEC_INIT;
	struct place		 one;
	char			*list;
	size_t			 i;
	int			 rv, capped;

	memset(p, 0, sizeof(*p));
	if (cfg->versions_paths.len > 0) {
		eo.versions_paths = &cfg->versions_paths;
		if (engine_versions_dirs(&eo, o->ops, ctx, &p->dirs, err,
		    errlen) != 0)
			return -1;
		p->kind = PLACE_DIRS;
		return 0;
	}
	if ((rv = place_from_ini(o, ctx, cfg->alembic_ini, p)) != 1 ||
	    find == FIND_NOT)
		goto out;
	if (find_inis(o, ctx, &found, &capped, err, errlen) == -1)
		return -1;
	if (found.len == 1)
		rv = place_from_ini(o, ctx, found.items[0], p);
	else if (found.len > 1 && find == FIND_ALL) {
		/* Every project found is checked: none goes unguarded. */
		for (i = 0, rv = 0; rv == 0 && i < found.len; i++) {
			memset(&one, 0, sizeof(one));
			if ((rv = place_from_ini(o, ctx, found.items[i],
			    &one)) == 0 && one.kind == PLACE_BROKEN) {
				place_clear(p);
				*p = one;
				break;
			}
			if (rv == 0 && p->kind != PLACE_DIRS) {
				place_clear(p);
				*p = one;
			} else if (rv == 0) {
				rv = place_union(p, &one, err, errlen);
				place_clear(&one);
			}
		}
	} else if (found.len == 0) {
		p->kind = PLACE_NONE;
		p->why = xasprintf("no `%s`%s and no versions_path is "
		    "configured", cfg->alembic_ini, capped ? " (the search "
		    "below the root stopped after 256 directories)" :
		    " at the root or below it");
		rv = p->why != NULL ? 0 : -1;
	} else {
		p->kind = PLACE_AMBIGUOUS;
		list = strvec_join(&found, ", ");
		p->why = xasprintf("several alembic.ini files (%s) and none "
		    "is configured: name one in the repository's %s "
		    "(`alembic_ini: %s`), and every one found is checked "
		    "with it, as one project", list ? list : "?",
		    CONFIG_REPO_FILE, found.items[0]);
		free(list);
		rv = p->why != NULL ? 0 : -1;
	}
	strvec_clear(&found);
out:
	if (rv == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (rv == 1)
		p->kind = PLACE_NONE;	/* no file, and not looking */
	return 0;
}


/*
 * Decides where the migrations are at one commit.  A repository's own
 * .revguard.yaml (loc) can only add to what the server's settings find:
 * its directories are checked together with those of the server's
 * alembic.ini (or versions_path) and of every alembic.ini found below the
 * root, so it can name a project but never narrow the check to a decoy.
 */
static int
locate(const struct judge_opts *o, const struct location *loc, void *ctx,
    struct place *p, char *err, size_t errlen)
{
	struct engine_opts	 eo = o->engine;
	struct place		 dflt;
	int			 rv = -1;

	memset(p, 0, sizeof(*p));
	if (loc->versions_paths.len == 0 && loc->alembic_ini == NULL) {
		if (locate_default(o, ctx, FIND_ONE, p, err, errlen) == -1)
			return -1;
		return p->kind == PLACE_DIRS ? count_migrations(o, ctx, p,
		    err, errlen) : 0;
	}
	if (loc->versions_paths.len > 0) {
		eo.versions_paths = &loc->versions_paths;
		if (engine_versions_dirs(&eo, o->ops, ctx, &p->dirs, err,
		    errlen) != 0)
			return -1;
		p->kind = PLACE_DIRS;
	}
	if (loc->alembic_ini != NULL) {
		struct place	 named;

		memset(&named, 0, sizeof(named));
		if ((rv = place_from_ini(o, ctx, loc->alembic_ini,
		    &named)) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (rv == 1) {
			named.kind = PLACE_NONE;
			named.why = xasprintf("`%s`, named by %s, does not "
			    "exist", loc->alembic_ini, CONFIG_REPO_FILE);
		}
		if (p->kind != PLACE_DIRS || named.kind != PLACE_DIRS) {
			/* A broken or missing named file decides. */
			if (p->kind != PLACE_DIRS || named.kind ==
			    PLACE_BROKEN) {
				place_clear(p);
				*p = named;
			} else
				place_clear(&named);
		} else {
			rv = place_union(p, &named, err, errlen);
			free(p->ini);
			p->ini = named.ini;
			named.ini = NULL;
			place_clear(&named);
			if (rv == -1)
				return -1;
		}
	}
	/* What the server's settings find is checked too. */
	if (locate_default(o, ctx, FIND_ALL, &dflt, err, errlen) == -1)
		return -1;
	if (dflt.kind == PLACE_BROKEN) {
		place_clear(p);
		*p = dflt;
		return 0;
	}
	if (dflt.kind == PLACE_DIRS) {
		if (p->kind != PLACE_DIRS) {
			place_clear(p);
			*p = dflt;
			memset(&dflt, 0, sizeof(dflt));
		} else if (place_union(p, &dflt, err, errlen) == -1) {
			place_clear(&dflt);
			return -1;
		}
	}
	place_clear(&dflt);
	return p->kind == PLACE_DIRS ? count_migrations(o, ctx, p, err,
	    errlen) : 0;
}

/*
 * Reads .revguard.yaml from ctx into loc.  Returns 0 (also when there is
 * none), or -1 with "file:line:col: why" in err.
 */
static int
read_location(const struct judge_opts *o, void *ctx, struct location *loc,
    char *err, size_t errlen)
{
	char	*data;
	size_t	 len;
	int	 rv;

	if ((rv = o->ops->read(ctx, CONFIG_REPO_FILE, &data, &len, err,
	    errlen)) != 0)
		return rv == 1 ? 0 : -1;
	rv = config_load_location(CONFIG_REPO_FILE, data, len,
	    &loc->versions_paths, &loc->alembic_ini, err, errlen);
	free(data);
	return rv;
}

static void
location_clear(struct location *loc)
{
	strvec_clear(&loc->versions_paths);
	free(loc->alembic_ini);
	memset(loc, 0, sizeof(*loc));
}

static int
location_differs(const struct location *a, const struct location *b)
{
	size_t	 i;

	if ((a->alembic_ini == NULL) != (b->alembic_ini == NULL) ||
	    (a->alembic_ini != NULL && strcmp(a->alembic_ini,
	    b->alembic_ini) != 0) ||
	    a->versions_paths.len != b->versions_paths.len)
		return 1;
	for (i = 0; i < a->versions_paths.len; i++)
		if (strcmp(a->versions_paths.items[i],
		    b->versions_paths.items[i]) != 0)
			return 1;
	return 0;
}

/* The base's directories the head no longer checks, with what they
 * still hold at the head. */
static int
left_behind(const struct judge_opts *o, const struct place *base,
    const struct place *head, struct place *out, char *err, size_t errlen)
{
	size_t	 i;

	place_clear(out);
	for (i = 0; i < base->dirs.len; i++)
		if ((head->kind != PLACE_DIRS ||
		    !strvec_contains(&head->dirs, base->dirs.items[i])) &&
		    strvec_push(&out->dirs, base->dirs.items[i]) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	return count_migrations(o, o->head, out, err, errlen);
}

static const char *
first_dir(const struct place *p)
{
	return p->dirs.len > 0 ? p->dirs.items[0] : "(no directory)";
}

static const char *
place_name(const struct place *p)
{
	return p->ini != NULL ? p->ini : "versions_path";
}

/* 1 when every versions directory has the same content ID at both. */
static int
unchanged(const struct judge_opts *o, const struct place *head)
{
	char	 a[SOURCE_ID_MAX + 1], b[SOURCE_ID_MAX + 1];
	size_t	 i;

	if (o->ops->id == NULL)
		return 0;
	for (i = 0; i < head->dirs.len; i++) {
		if (o->ops->id(o->head, head->dirs.items[i], a) == -1 ||
		    o->ops->id(o->base, head->dirs.items[i], b) == -1 ||
		    a[0] == '\0' || strcmp(a, b) != 0)
			return 0;
	}
	return 1;
}

static int
same_dirs(const struct strvec *a, const struct strvec *b)
{
	size_t	 i;

	if (a->len != b->len)
		return 0;
	for (i = 0; i < a->len; i++)
		if (strcmp(a->items[i], b->items[i]) != 0)
			return 0;
	return 1;
}

static int
verdict(struct judge_result *res, enum judge_verdict v, char *reason)
{
	res->verdict = v;
	res->reason = reason;
	return reason != NULL ? 0 : -1;
}

/*
 * What the base had, read at the base's own place: every revision (for
 * removed-revision, wherever the head keeps its migrations) and, when
 * debt is not NULL, its problems, baselined or not, as the debt the head
 * is measured against.
 */
static int
base_debt(const struct judge_opts *o, const struct engine_opts *head_eo,
    const struct place *base, struct debt *debt, struct strvec *revs,
    struct strvec *paths, char *err, size_t errlen)
{
	struct engine_opts	 eo = *head_eo;
	struct engine_result	 r;
	size_t			 i;
	int			 rv;

	eo.versions_paths = &base->dirs;
	eo.keep_baselined = 1;
	eo.old_debt = NULL;
	eo.base_revisions = eo.base_paths = NULL;
	rv = engine_check(&eo, o->ops, o->base, &r, err, errlen);
	if (rv == -1 && r.no_versions_dir)
		rv = 0;		/* nothing there: everything is new */
	else if (rv == 0 && debt != NULL)
		rv = debt_add_list(debt, &r.diags);
	/* What the base had, for removed-revision. */
	for (i = 0; rv == 0 && i < r.n; i++)
		if (strvec_push(revs, r.migrations[i].revision) == -1 ||
		    strvec_push(paths, r.migrations[i].path) == -1)
			rv = -1;
	engine_result_free(&r);
	return rv;
}

int
judge_run(const struct judge_opts *o, struct judge_result *res, char *err,
    size_t errlen)
{
	struct location		 loc, pushed;
	struct place		 head, base, moved;
	struct engine_opts	 eo = o->engine;
	struct strvec		 baseline = STRVEC_INIT;
	struct strvec		 base_revs = STRVEC_INIT, base_paths = STRVEC_INIT;
	struct debt		 debt = DEBT_INIT;
	void			*trusted = o->base != NULL ? o->base :
				    o->trust_head ? o->head : NULL;
	char			 why[1024];
	size_t			 i;
	int			 rv = -1, same;

	memset(res, 0, sizeof(*res));
	memset(&loc, 0, sizeof(loc));
	memset(&pushed, 0, sizeof(pushed));
	memset(&moved, 0, sizeof(moved));
	memset(&head, 0, sizeof(head));
	memset(&base, 0, sizeof(base));
	err[0] = '\0';

	if (trusted != NULL && read_location(o, trusted, &loc, why,
	    sizeof(why)) == -1) {
		if (trusted == o->head) {
			snprintf(err, errlen, "%s", why);
			goto done;
		}
		location_clear(&loc);
		if (strvec_push_owned(&res->notes, xasprintf("ignoring the "
		    "base's %s: %s", CONFIG_REPO_FILE, why)) == -1)
			goto oom;
	}
	/* A pushed .revguard.yaml must be valid before it lands: the next
	 * push reads it from the base, where a broken one is ignored. */
	if (trusted != o->head && read_location(o, o->head, &pushed, why,
	    sizeof(why)) == -1) {
		rv = verdict(res, JUDGE_REFUSED, xasprintf("%s is invalid: %s",
		    CONFIG_REPO_FILE, why));
		goto done;
	}
	if (locate(o, &loc, o->head, &head, err, errlen) == -1)
		goto done;
	/* A pushed .revguard.yaml that names another place takes effect at
	 * once, in addition to the base's; the rule below on what is left
	 * behind still holds. */
	if (trusted != o->head && location_differs(&pushed, &loc)) {
		if (locate(o, &pushed, o->head, &moved, err, errlen) == -1)
			goto done;
		if (head.kind == PLACE_DIRS && moved.kind == PLACE_DIRS) {
			/* Both are checked: the pushed file adds, never
			 * narrows, until it is the base's. */
			if (place_union(&head, &moved, err, errlen) == -1)
				goto done;
			head.migrations = head.dirs_found = 0;
			if (count_migrations(o, o->head, &head, err,
			    errlen) == -1)
				goto done;
		} else if (head.kind != PLACE_DIRS) {
			place_clear(&head);
			head = moved;
			memset(&moved, 0, sizeof(moved));
		}
	}
	if (o->base != NULL && locate(o, &loc, o->base, &base, err,
	    errlen) == -1)
		goto done;
	if (head.ini != NULL && (res->alembic_ini = strdup(head.ini)) == NULL)
		goto oom;
	if (head.kind == PLACE_BROKEN) {
		rv = verdict(res, JUDGE_REFUSED, xasprintf("%s", head.why));
		goto done;
	}
	/* Several projects and none named: not a removal, and not for
	 * allow_migrations_removal to excuse. */
	if (head.kind == PLACE_AMBIGUOUS) {
		if (o->base != NULL && base.kind == PLACE_DIRS &&
		    base.migrations > 0)
			rv = verdict(res, JUDGE_REFUSED, xasprintf("%s; the "
			    "base's %zu migration%s in %s must stay checked",
			    head.why, base.migrations, base.migrations == 1 ?
			    "" : "s", first_dir(&base)));
		else
			rv = verdict(res, JUDGE_NOT_CHECKED, xasprintf("%s",
			    head.why));
		goto done;
	}
	if (head.kind != PLACE_DIRS || head.migrations == 0) {
		if (o->base != NULL && base.kind == PLACE_DIRS &&
		    base.migrations > 0 && !o->cfg->allow_migrations_removal) {
			rv = verdict(res, JUDGE_REFUSED, xasprintf("the base "
			    "has %zu migration%s in %s (from %s), and this "
			    "commit has none: %s.  A push may not take every "
			    "migration out of sight; restore them (and "
			    "alembic.ini), or ask an administrator to set "
			    "allow_migrations_removal: true",
			    base.migrations, base.migrations == 1 ? "" : "s",
			    first_dir(&base), place_name(&base),
			    head.kind != PLACE_DIRS ? head.why :
			    head.dirs_found == 0 ? "its versions directory "
			    "is missing" : "its versions directory is empty"));
			goto done;
		}
		if (head.kind != PLACE_DIRS) {
			rv = verdict(res, JUDGE_NOT_CHECKED, xasprintf("%s",
			    head.why));
			goto done;
		}
		if (head.dirs_found == 0) {
			rv = verdict(res, JUDGE_NOT_CHECKED, xasprintf(
			    "versions directory `%s` (from %s) does not "
			    "exist", first_dir(&head), place_name(&head)));
			goto done;
		}
	}

	/*
	 * Moving the check (alembic.ini edited or added, .revguard.yaml) must
	 * not leave migrations behind at the base's place: the team may still
	 * run them from there, and they would go unchecked.
	 */
	if (o->base != NULL && base.kind == PLACE_DIRS &&
	    !(head.kind == PLACE_DIRS && same_dirs(&head.dirs, &base.dirs))) {
		if (left_behind(o, &base, &head, &moved, err, errlen) == -1)
			goto done;
		if (moved.migrations > 0) {
			rv = verdict(res, JUDGE_REFUSED, xasprintf("this commit "
			    "moves the check away from %s (from %s), where %zu "
			    "migration%s would be left unchecked; move them in "
			    "the same push, or keep the location",
			    first_dir(&moved), place_name(&base),
			    moved.migrations, moved.migrations == 1 ? "" :
			    "s"));
			goto done;
		}
	}

	same = o->base != NULL && base.kind == PLACE_DIRS &&
	    same_dirs(&head.dirs, &base.dirs);
	if (same && !o->full && unchanged(o, &head)) {
		rv = verdict(res, JUDGE_UNCHANGED, xasprintf("versions "
		    "directory unchanged"));
		goto done;
	}
	if (trusted != NULL && engine_read_baseline(o->cfg->baseline_file,
	    o->ops, trusted, &baseline, err, errlen) == -1)
		goto done;
	eo.versions_paths = &head.dirs;
	eo.extra_baseline = &baseline;
	/* With a base, its debt is what the baseline may excuse: empty
	 * when the migrations moved (everything there is new). */
	eo.old_debt = o->base != NULL ? &debt : NULL;
	/*
	 * removed-revision compares every revision the base had, at all of
	 * its places, with every revision at all of the head's, whatever
	 * moved: a revision that moved to another checked place is still
	 * there, and adding a place hides no deletion.  A head with no
	 * migrations at all got here only by allow_migrations_removal.
	 */
	if (o->base != NULL && base.kind == PLACE_DIRS && (same ||
	    head.migrations > 0) && base_debt(o, &eo, &base, same ? &debt :
	    NULL, &base_revs, &base_paths, err, errlen) == -1)
		goto done;
	if (o->base != NULL && base.kind == PLACE_DIRS &&
	    head.migrations > 0) {
		eo.base_revisions = &base_revs;
		eo.base_paths = &base_paths;
	}
	if (engine_check(&eo, o->ops, o->head, &res->check, err,
	    errlen) == -1) {
		if (!res->check.no_versions_dir)
			goto done;
		/* None exists after all (a work tree changing under us). */
		engine_result_free(&res->check);
		rv = verdict(res, JUDGE_REFUSED, xasprintf("%s (named by "
		    "%s)", err, place_name(&head)));
		goto done;
	}
	for (i = 0; i < res->check.diags.len; i++)
		res->old_debt += res->check.diags.items[i].old;
	res->verdict = JUDGE_CHECKED;
	rv = 0;
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	if (rv == -1 && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	debt_clear(&debt);
	strvec_clear(&baseline);
	strvec_clear(&base_revs);
	strvec_clear(&base_paths);
	location_clear(&loc);
	location_clear(&pushed);
	place_clear(&moved);
	place_clear(&head);
	place_clear(&base);
	return rv;
}

void
judge_free(struct judge_result *res)
{
	free(res->reason);
	free(res->alembic_ini);
	strvec_clear(&res->notes);
	engine_result_free(&res->check);
	memset(res, 0, sizeof(*res));
}
