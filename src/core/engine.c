/*
 * engine.c: drives one check over a tree snapshot and hands everything it
 * reads to the rest of the core.  It is part of the pure core: it reads
 * only through the caller's source_ops, learns about deadlines only from
 * the caller's callback and keeps nothing between checks but what the
 * caller's cache keeps, so it is tested with an in-memory tree
 * (tests/unit/test_engine.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/alembic_ini.h"
#include "revguard/engine.h"
#include "revguard/glob.h"
#include "revguard/path.h"

#define ENGINE_MAX_DOC_BYTES	(64u * 1024 * 1024)
#define ENGINE_MAX_DEPTH	32
/* Files read between two looks at the deadline. */
#define ENGINE_DEADLINE_EVERY	16
#define ENGINE_EXPIRED_MSG	"the check was stopped at its deadline"

void
source_entries_free(struct source_entry *v, size_t n)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

int
engine_versions_dirs(const struct engine_opts *o, const struct source_ops *ops,
    void *ctx, struct strvec *out, char *err, size_t errlen)
{
	struct diag_list	 diags = DIAG_LIST_INIT;
	const char		*ini = o->alembic_ini ? o->alembic_ini :
				    "alembic.ini";
	char			*data = NULL;
	size_t			 len, i;
	int			 rv;

	if (o->versions_paths != NULL && o->versions_paths->len > 0) {
		for (i = 0; i < o->versions_paths->len; i++)
			if (strvec_push_owned(out, path_join("",
			    o->versions_paths->items[i])) == -1) {
				snprintf(err, errlen, "versions_path `%s` is "
				    "not inside the repository",
				    o->versions_paths->items[i]);
				return -1;
			}
		return 0;
	}
	if ((rv = ops->read(ctx, ini, &data, &len, err, errlen)) != 0) {
		if (rv == SOURCE_TOO_LARGE)
			rv = -1;
		if (rv == 1)
			snprintf(err, errlen, "no versions_path is configured "
			    "and there is no `%s` to find it from", ini);
		return rv;
	}
	rv = alembic_ini_versions(ini, data, len, out, &diags);
	free(data);
	if (rv == -1) {
		if (diags.len > 0)
			snprintf(err, errlen, "%s:%d: %s", ini,
			    diags.items[0].line, diags.items[0].message);
		else
			snprintf(err, errlen, "%s: out of memory", ini);
	}
	diag_list_clear(&diags);
	return rv;
}

int
engine_read_baseline(const char *file, const struct source_ops *ops,
    void *ctx, struct strvec *out, char *err, size_t errlen)
{
	char	*data, *line, *save = NULL, *hash;
	size_t	 len;
	int	 rv;

	if (file == NULL)
		return 0;
	if ((rv = ops->read(ctx, file, &data, &len, err, errlen)) != 0)
		return rv == 1 ? 0 : -1;
	for (line = strtok_r(data, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save)) {
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		line += strspn(line, " \t");
		line[strcspn(line, " \t")] = '\0';
		if (*line != '\0' && strvec_push(out, line) == -1) {
			free(data);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	free(data);
	return 0;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t	 a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int
add_migration(struct engine_result *r, struct migration *m,
    const struct migration *borrowed)
{
	if (xgrow(&r->migrations, &r->cap, r->n + 1,
	    sizeof(*r->migrations)) == -1 || xgrow(&r->borrowed,
	    &r->borrowed_cap, r->n + 1, sizeof(*r->borrowed)) == -1)
		return -1;
	r->borrowed[r->n] = borrowed;
	r->migrations[r->n++] = *m;
	return 0;
}

/* Ties the findings from diags[from] on to the file's content ID, so
 * old debt knows a changed file's problem from the old one. */
static void
mark_content(struct diag_list *l, size_t from, const char *id)
{
	for (; from < l->len; from++)
		snprintf(l->items[from].content, sizeof(l->items[from].content),
		    "%.*s", SOURCE_ID_MAX, id);
}

static int
read_versions_dir(const struct engine_opts *o, const struct source_ops *ops,
    void *ctx, const char *dir, struct engine_result *r, char *err,
    size_t errlen)
{
	const struct engine_cache *cache = o->cache;
	const struct migration	*hit;
	static const char *const kinds[] = { "file", "directory",
		"symbolic link", "submodule", "special file" };
	struct source_entry	*ents = NULL;
	struct migration	 m;
	size_t			 n = 0, i, len, before;
	char			*path, *data;
	int			 rv;

	if ((rv = ops->list(ctx, dir, &ents, &n, err, errlen)) != 0) {
		if (rv == 1) {
			r->no_versions_dir = 1;
			snprintf(err, errlen, "versions directory `%s` does "
			    "not exist in this tree", dir);
		}
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (i % ENGINE_DEADLINE_EVERY == 0 &&
		    engine_deadline_passed(o->deadline)) {
			r->expired = 1;
			snprintf(err, errlen, ENGINE_EXPIRED_MSG);
			goto fail;
		}
		if ((path = path_join(dir, ents[i].name)) == NULL)
			goto fail;
		/* A linked migration runs (Alembic follows the link) but
		 * is not read here: that is an error, not a warning. */
		if (ents[i].kind == SOURCE_SYMLINK &&
		    ends_with(ents[i].name, ".py")) {
			if (diag_add(&r->diags, RULE_PARSE_ERROR,
			    RULE_SEV_ERROR, path, 0, "commit the migration "
			    "itself, not a link to it", "`%s` is a symbolic "
			    "link: Alembic runs whatever it points to, which "
			    "revguard does not follow", ents[i].name) ==
			    NULL) {
				free(path);
				goto fail;
			}
			mark_content(&r->diags, r->diags.len - 1, ents[i].id);
			free(path);
			continue;
		}
		if (ents[i].kind != SOURCE_FILE) {
			if (strcmp(ents[i].name, "__pycache__") != 0 &&
			    diag_add(&r->diags, RULE_VERSIONS_ENTRY,
			    RULE_SEV_WARN, path, 0,
			    rules_table[RULE_VERSIONS_ENTRY]->hint,
			    "%s in the versions directory is not followed",
			    kinds[ents[i].kind]) == NULL) {
				free(path);
				goto fail;
			}
			free(path);
			continue;
		}
		if (!ends_with(ents[i].name, ".py") ||
		    strcmp(ents[i].name, "__init__.py") == 0) {
			free(path);
			continue;
		}
		if (cache != NULL && ents[i].id[0] != '\0' &&
		    (hit = cache->acquire(cache->ctx, ents[i].id)) != NULL) {
			/* Same bytes, same parse: share it; only the name
			 * may differ. */
			m = *hit;
			m.path = path;
			r->cache_hits++;
			if (add_migration(r, &m, hit) == -1) {
				cache->release(cache->ctx, hit);
				free(path);
				goto fail;
			}
			continue;
		}
		if ((rv = ops->read(ctx, path, &data, &len, err,
		    errlen)) == SOURCE_TOO_LARGE) {
			/* A verdict, not a check that cannot run. */
			if (diag_add(&r->diags, RULE_PARSE_ERROR,
			    RULE_SEV_ERROR, path, 0, "a migration is Python "
			    "source of a sane size", "%s", err) == NULL) {
				free(path);
				goto fail;
			}
			mark_content(&r->diags, r->diags.len - 1, ents[i].id);
			err[0] = '\0';
			free(path);
			continue;
		}
		if (rv != 0) {
			if (rv == 1)
				snprintf(err, errlen, "`%s` vanished while "
				    "reading", path);
			free(path);
			goto fail;
		}
		r->files_read++;
		r->bytes_read += len;
		before = r->diags.len;
		rv = migration_parse(path, data, len, &m, &r->diags);
		mark_content(&r->diags, before, ents[i].id);
		if (rv == 0) {
			/* Past the cache's capacity, a store would only evict
			 * (FIFO) this listing's first files before the next
			 * push asks for them: keep those, skip the rest. */
			if (cache != NULL && ents[i].id[0] != '\0' &&
			    (cache->capacity == 0 || r->cache_hits +
			    r->files_read <= cache->capacity))
				cache->store(cache->ctx, ents[i].id, &m);
			if (add_migration(r, &m, NULL) == -1) {
				migration_clear(&m);
				free(data);
				free(path);
				goto fail;
			}
		} else
			migration_clear(&m);
		free(data);
		free(path);
	}
	source_entries_free(ents, n);
	return 0;
fail:
	source_entries_free(ents, n);
	if (err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	return -1;
}

struct docs {
	struct doc_file	*files;
	size_t		 n, cap;
	size_t		 bytes;
};

static int
docs_add(const struct source_ops *ops, void *ctx, const char *path,
    struct docs *d, char *err, size_t errlen)
{
	struct doc_file	*n;
	char		*data;
	size_t		 len, i;
	int		 rv;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->files[i].path, path) == 0)
			return 0;
	if ((rv = ops->read(ctx, path, &data, &len, err, errlen)) != 0)
		return rv == 1 ? 0 : -1;
	if (d->bytes + len > ENGINE_MAX_DOC_BYTES) {
		free(data);
		snprintf(err, errlen, "documentation files exceed %u bytes",
		    ENGINE_MAX_DOC_BYTES);
		return -1;
	}
	if (xgrow(&d->files, &d->cap, d->n + 1, sizeof(*d->files)) == -1) {
		free(data);
		return -1;
	}
	n = d->files;
	n[d->n].path = strdup(path);
	n[d->n].data = data;
	n[d->n].len = len;
	d->n++;
	d->bytes += len;
	return 0;
}

static int
docs_walk(const struct source_ops *ops, void *ctx, const char *dir,
    const char *glob, int depth, struct docs *d, char *err, size_t errlen)
{
	struct source_entry	*ents = NULL;
	size_t			 n = 0, i;
	char			*path;
	int			 rv = 0;

	if (depth > ENGINE_MAX_DEPTH)
		return 0;
	if ((rv = ops->list(ctx, dir, &ents, &n, err, errlen)) != 0)
		return rv == 1 ? 0 : -1;
	for (i = 0; i < n && rv == 0; i++) {
		if ((path = path_join(dir, ents[i].name)) == NULL)
			continue;
		if (ents[i].kind == SOURCE_DIR)
			rv = docs_walk(ops, ctx, path, glob, depth + 1, d, err,
			    errlen);
		else if (ents[i].kind == SOURCE_FILE && glob_match(glob, path))
			rv = docs_add(ops, ctx, path, d, err, errlen);
		free(path);
	}
	source_entries_free(ents, n);
	return rv;
}

static int
load_docs(const struct policy *p, const struct source_ops *ops, void *ctx,
    struct docs *d, char *err, size_t errlen)
{
	size_t	 i, dl;
	char	*dir;
	int	 rv;

	for (i = 0; i < p->documentation.len; i++) {
		const char	*g = p->documentation.items[i];

		if (glob_is_literal(g)) {
			if (docs_add(ops, ctx, g, d, err, errlen) == -1)
				return -1;
			continue;
		}
		dl = glob_literal_dir(g);
		if ((dir = xstrndup(g, dl)) == NULL)
			return -1;
		rv = docs_walk(ops, ctx, dir, g, 0, d, err, errlen);
		free(dir);
		if (rv == -1)
			return -1;
	}
	return 0;
}

static void
docs_free(struct docs *d)
{
	size_t	 i;

	for (i = 0; i < d->n; i++) {
		free((char *)d->files[i].path);
		free((char *)d->files[i].data);
	}
	free(d->files);
}

int
engine_check(const struct engine_opts *o, const struct source_ops *ops,
    void *ctx, struct engine_result *r, char *err, size_t errlen)
{
	struct rules_input	 in;
	struct docs		 docs = { NULL, 0, 0, 0 };
	size_t			 i, found = 0;
	int			 rv = -1;

	memset(r, 0, sizeof(*r));
	r->cache = o->cache;
	err[0] = '\0';
	if (engine_versions_dirs(o, ops, ctx, &r->versions_dirs, err,
	    errlen) != 0)
		return -1;
	/* Alembic skips version_locations that do not exist; only when
	 * none does is there nothing to check. */
	for (i = 0; i < r->versions_dirs.len; i++) {
		if (read_versions_dir(o, ops, ctx, r->versions_dirs.items[i],
		    r, err, errlen) == 0) {
			found++;
			continue;
		}
		if (!r->no_versions_dir)
			return -1;
		r->no_versions_dir = 0;
	}
	if (found == 0 && r->versions_dirs.len > 0) {
		r->no_versions_dir = 1;	/* err names the last one */
		return -1;
	}
	err[0] = '\0';
	if (graph_build(&r->graph, r->migrations, r->n) == -1) {
		snprintf(err, errlen, "out of memory building the graph");
		return -1;
	}
	memset(&in, 0, sizeof(in));
	in.migrations = r->migrations;
	in.n = r->n;
	in.old_debt = o->old_debt;
	in.extra_baseline = o->extra_baseline;
	in.keep_baselined = o->keep_baselined;
	in.base_revisions = o->base_revisions;
	in.base_paths = o->base_paths;
	if (o->deadline != NULL) {
		in.expired = o->deadline->expired;
		in.expired_ctx = o->deadline->ctx;
	}
	if (o->policy->severity[RULE_MERGE_DOCUMENTED] != RULE_SEV_OFF &&
	    rules_has_merge(&in)) {
		if (load_docs(o->policy, ops, ctx, &docs, err, errlen) == -1)
			goto done;
		in.docs = docs.files;
		in.ndocs = docs.n;
	}
	if (rules_run(o->policy, &in, &r->graph, &r->diags) == -1 ||
	    rules_settle(o->policy, &in, &r->diags) == -1) {
		if ((r->expired = engine_deadline_passed(o->deadline)))
			snprintf(err, errlen, ENGINE_EXPIRED_MSG);
		else
			snprintf(err, errlen, "out of memory running the "
			    "rules");
		goto done;
	}
	rv = 0;
done:
	docs_free(&docs);
	return rv;
}

int
engine_deadline_passed(const struct engine_deadline *d)
{
	return d != NULL && d->expired != NULL && d->expired(d->ctx);
}

void
engine_result_free(struct engine_result *r)
{
	size_t	 i;

	graph_free(&r->graph);
	for (i = 0; i < r->n; i++) {
		if (r->borrowed[i] == NULL)
			migration_clear(&r->migrations[i]);
		else {
			free(r->migrations[i].path);
			r->cache->release(r->cache->ctx, r->borrowed[i]);
		}
	}
	free(r->migrations);
	free(r->borrowed);
	diag_list_clear(&r->diags);
	strvec_clear(&r->versions_dirs);
	memset(r, 0, sizeof(*r));
}
