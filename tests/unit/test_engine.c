/*
 * The engine on an in-memory tree: a source_ops over arrays of files and
 * directories, so every path through one check (where the versions
 * directories are, what is read, what a cache spares, when documentation
 * is loaded, where a deadline stops it) is tested without git or a disk.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/engine.h"

#ifndef TOP_SRCDIR
#error "TOP_SRCDIR must name the source tree"
#endif

/* One entry of a fake tree; directories are implied by the paths below
 * them, or given as SOURCE_DIR entries when empty. */
struct node {
	const char	*path;
	enum source_kind kind;
	const char	*data;		/* files */
	const char	*id;		/* "" or NULL: no content ID */
};

struct tree {
	const struct node *nodes;
	size_t		 n;
	char		 log[8192];	/* "path\n" per file read */
	size_t		 reads;
};

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct source_entry *)a)->name,
	    ((const struct source_entry *)b)->name);
}

static int
tree_list(void *ctx, const char *dir, struct source_entry **out, size_t *n,
    char *err, size_t errlen)
{
	struct tree		*t = ctx;
	struct source_entry	*v;
	const char		*p, *slash;
	size_t			 i, j, k = 0, dl = strlen(dir);
	int			 exists = dl == 0;

	(void)err;
	(void)errlen;
	cr_assert_not_null(v = calloc(t->n + 1, sizeof(*v)));
	for (i = 0; i < t->n; i++) {
		p = t->nodes[i].path;
		if (dl > 0) {
			if (strcmp(p, dir) == 0 &&
			    t->nodes[i].kind == SOURCE_DIR)
				exists = 1;
			if (strncmp(p, dir, dl) != 0 || p[dl] != '/')
				continue;
			p += dl + 1;
		}
		exists = 1;
		slash = strchr(p, '/');
		v[k].name = slash ? strndup(p, (size_t)(slash - p)) :
		    strdup(p);
		v[k].kind = slash ? SOURCE_DIR : t->nodes[i].kind;
		if (!slash && t->nodes[i].id != NULL)
			snprintf(v[k].id, sizeof(v[k].id), "%s",
			    t->nodes[i].id);
		for (j = 0; j < k; j++)
			if (strcmp(v[j].name, v[k].name) == 0)
				break;
		if (j < k)
			free(v[k].name);
		else
			k++;
	}
	if (!exists) {
		source_entries_free(v, k);
		return 1;
	}
	qsort(v, k, sizeof(*v), cmp_entry);
	*out = v;
	*n = k;
	return 0;
}

static int
tree_read(void *ctx, const char *path, char **data, size_t *len, char *err,
    size_t errlen)
{
	struct tree	*t = ctx;
	size_t		 i, used;

	(void)err;
	(void)errlen;
	for (i = 0; i < t->n; i++) {
		if (t->nodes[i].kind != SOURCE_FILE ||
		    strcmp(t->nodes[i].path, path) != 0)
			continue;
		cr_assert_not_null(*data = strdup(t->nodes[i].data));
		*len = strlen(*data);
		used = strlen(t->log);
		snprintf(t->log + used, sizeof(t->log) - used, "%s\n", path);
		t->reads++;
		return 0;
	}
	return 1;
}

static const struct source_ops tree_ops = { tree_read, tree_list, NULL };

/* Was path read? */
static int
was_read(const struct tree *t, const char *path)
{
	char	 line[512];

	snprintf(line, sizeof(line), "%s\n", path);
	return strncmp(t->log, line, strlen(line)) == 0 ||
	    (snprintf(line, sizeof(line), "\n%s\n", path) > 0 &&
	    strstr(t->log, line) != NULL);
}

#define MODULE(rev, revises, down) \
	"\"\"\"A step.\n\nRevision ID: " rev "\nRevises: " revises \
	"\nCreate Date: 2024-01-01 00:00:00\n\n\"\"\"\n" \
	"revision = '" rev "'\ndown_revision = " down "\n"

#define REV_A	"3f2a9c81d4e7"
#define REV_B	"0c1d55e2b8a3"
#define REV_C	"e4c1f0a9b27d"
#define REV_M	"5d8e2b6f31c9"

#define INI(body)	"[alembic]\n" body

#define FILE_A(dir, id) { dir "/" REV_A "_create.py", SOURCE_FILE, \
	MODULE(REV_A, "", "None"), id }
#define FILE_B(dir, id) { dir "/" REV_B "_users.py", SOURCE_FILE, \
	MODULE(REV_B, REV_A, "'" REV_A "'"), id }
#define FILE_C(dir, id) { dir "/" REV_C "_orders.py", SOURCE_FILE, \
	MODULE(REV_C, REV_B, "'" REV_B "'"), id }

static struct policy	 pol;

static void
setup(void)
{
	char	 err[256];

	cr_assert_eq(policy_init(&pol), 0);
	cr_assert_eq(policy_compile(&pol, err, sizeof(err)), 0, "%s", err);
}

static void
teardown(void)
{
	policy_free(&pol);
}

TestSuite(engine, .init = setup, .fini = teardown);

static void
opts_init(struct engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->policy = &pol;
}

static size_t
count(const struct engine_result *r, enum rule_id rule)
{
	size_t	 i, n = 0;

	for (i = 0; i < r->diags.len; i++)
		n += r->diags.items[i].rule == rule;
	return n;
}

static int
check(const struct node *nodes, size_t n, const struct engine_opts *o,
    struct tree *t, struct engine_result *r, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->nodes = nodes;
	t->n = n;
	return engine_check(o, &tree_ops, t, r, err, errlen);
}

#define NODES(a)	(a), sizeof(a) / sizeof((a)[0])

Test(engine, versions_dir_from_alembic_ini)
{
	static const struct node nodes[] = {
		{ "alembic.ini", SOURCE_FILE,
		    INI("script_location = db/migrations\n"), NULL },
		{ "README.md", SOURCE_FILE, "hello\n", NULL },
		FILE_A("db/migrations/versions", NULL),
		FILE_B("db/migrations/versions", NULL),
		FILE_C("db/migrations/versions", NULL),
		{ "db/migrations/env.py", SOURCE_FILE, "import x\n", NULL },
	};
	struct engine_opts	 o;
	struct engine_result	 r;
	struct tree		 t;
	char			 err[256];

	opts_init(&o);
	cr_assert_eq(check(NODES(nodes), &o, &t, &r, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(r.versions_dirs.len, 1);
	cr_assert_str_eq(r.versions_dirs.items[0], "db/migrations/versions");
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.files_read, 3);
	cr_assert_eq(r.graph.n, 3);
	cr_assert_eq(r.diags.len, 0, "first: %s", r.diags.len ?
	    r.diags.items[0].message : "");
	cr_assert(was_read(&t, "alembic.ini"));
	cr_assert(!was_read(&t, "db/migrations/env.py"));
	cr_assert(!was_read(&t, "README.md"));
	engine_result_free(&r);
}

/* A configured versions_path wins over alembic.ini, which is not read. */
Test(engine, configured_versions_path)
{
	static const struct node nodes[] = {
		{ "alembic.ini", SOURCE_FILE,
		    INI("script_location = elsewhere\n"), NULL },
		FILE_A("m", NULL),
		FILE_B("m", NULL),
	};
	struct strvec		 paths = STRVEC_INIT;
	struct engine_opts	 o;
	struct engine_result	 r;
	struct tree		 t;
	char			 err[256];

	opts_init(&o);
	cr_assert_eq(strvec_push(&paths, "m"), 0);
	o.versions_paths = &paths;
	cr_assert_eq(check(NODES(nodes), &o, &t, &r, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(r.n, 2);
	cr_assert(!was_read(&t, "alembic.ini"));
	engine_result_free(&r);
	strvec_clear(&paths);
}

/* Neither versions_path nor alembic.ini: not an Alembic project (1). */
Test(engine, no_alembic_ini)
{
	static const struct node nodes[] = {
		FILE_A("migrations/versions", NULL),
	};
	struct engine_opts	 o;
	struct engine_result	 r;
	struct strvec		 dirs = STRVEC_INIT;
	struct tree		 t;
	char			 err[256];

	opts_init(&o);
	memset(&t, 0, sizeof(t));
	t.nodes = nodes;
	t.n = 1;
	cr_assert_eq(engine_versions_dirs(&o, &tree_ops, &t, &dirs, err,
	    sizeof(err)), 1);
	cr_assert_str_eq(err, "no versions_path is configured and there is "
	    "no `alembic.ini` to find it from");
	strvec_clear(&dirs);
	cr_assert_eq(check(NODES(nodes), &o, &t, &r, err, sizeof(err)), -1);
	cr_assert_eq(r.n, 0);
	engine_result_free(&r);
}

/* A broken alembic.ini is an error naming the file and line. */
Test(engine, broken_alembic_ini)
{
	static const struct node nodes[] = {
		{ "sub/alembic.ini", SOURCE_FILE,
		    INI("script_location = a\nscript_location = b\n"), NULL },
	};
	struct engine_opts	 o;
	struct engine_result	 r;
	struct tree		 t;
	char			 err[256];

	opts_init(&o);
	o.alembic_ini = "sub/alembic.ini";
	cr_assert_eq(check(NODES(nodes), &o, &t, &r, err, sizeof(err)), -1);
	cr_assert(strncmp(err, "sub/alembic.ini:3: ", 19) == 0, "%s", err);
	cr_assert(!r.no_versions_dir);
	engine_result_free(&r);
}

Test(engine, missing_versions_directory)
{
	static const struct node nodes[] = {
		{ "alembic.ini", SOURCE_FILE,
		    INI("script_location = gone\n"), NULL },
		FILE_A("migrations/versions", NULL),
	};
	struct engine_opts	 o;
	struct engine_result	 r;
	struct tree		 t;
	char			 err[256];

	opts_init(&o);
	cr_assert_eq(check(NODES(nodes), &o, &t, &r, err, sizeof(err)), -1);
	cr_assert(r.no_versions_dir);
	cr_assert_str_eq(err, "versions directory `gone/versions` does not "
	    "exist in this tree");
	engine_result_free(&r);
}

/* An empty versions directory exists: the check runs and finds nothing. */
Test(engine, empty_versions_directory)
{
	static const struct node nodes[] = {
		{ "alembic.ini", SOURCE_FILE,
		    INI("script_location = m\n"), NULL },
		{ "m/versions", SOURCE_DIR, NULL, NULL },
	};
	struct engine_opts	 o;
	struct engine_result	 r;
	struct tree		 t;
	char			 err[256];

	opts_init(&o);
	cr_assert_eq(check(NODES(nodes), &o, &t, &r, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(r.n, 0);
	cr_assert(!r.no_versions_dir);
	engine_result_free(&r);
}

/* Alembic skips version_locations that do not exist; so does the engine,
 * until none does. */
Test(engine, missing_version_locations_are_skipped)
{
	static const struct node nodes[] = {
		{ "alembic.ini", SOURCE_FILE, INI("script_location = m\n"
		    "version_locations = gone1 one gone2 two\n"), NULL },
		FILE_A("one", NULL),
		FILE_B("two", NULL),
	};
	static const struct node none[] = {
		{ "alembic.ini", SOURCE_FILE, INI("script_location = m\n"
		    "version_locations = gone1 gone2\n"), NULL },
		FILE_A("one", NULL),
	};
	struct engine_opts	 o;
	struct engine_result	 r;
	struct tree		 t;
	char			 err[256];

	opts_init(&o);
	cr_assert_eq(check(NODES(nodes), &o, &t, &r, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(r.versions_dirs.len, 4);
	cr_assert_eq(r.n, 2, "both existing directories are read");
	cr_assert_eq(r.diags.len, 0, "first: %s", r.diags.len ?
	    r.diags.items[0].message : "");
	cr_assert(!r.no_versions_dir);
	cr_assert_str_eq(err, "");
	engine_result_free(&r);

	cr_assert_eq(check(NODES(none), &o, &t, &r, err, sizeof(err)), -1);
	cr_assert(r.no_versions_dir);
	cr_assert_str_eq(err, "versions directory `gone2` does not exist in "
	    "this tree");
	engine_result_free(&r);
}

/* Sub-directories, symlinks and submodules are reported, never followed;
 * __pycache__, __init__.py and other files are passed over. */
Test(engine, versions_entries)
{
	static const struct node nodes[] = {
		{ "alembic.ini", SOURCE_FILE, INI("script_location = m\n"),
		    NULL },
		FILE_A("m/versions", NULL),
		FILE_B("m/versions/sub", NULL),
		{ "m/versions/link", SOURCE_SYMLINK, NULL, NULL },
		{ "m/versions/linked.py", SOURCE_SYMLINK, NULL, NULL },
		{ "m/versions/vendored", SOURCE_SUBMODULE, NULL, NULL },
		{ "m/versions/__pycache__/x.pyc", SOURCE_FILE, "", NULL },
		{ "m/versions/__init__.py", SOURCE_FILE, "import os\n", NULL },
		{ "m/versions/notes.txt", SOURCE_FILE, "x\n", NULL },
	};
	struct engine_opts	 o;
	struct engine_result	 r;
	struct tree		 t;
	const struct diag	*d;
	char			 err[256];
	size_t			 i;

	opts_init(&o);
	cr_assert_eq(check(NODES(nodes), &o, &t, &r, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(count(&r, RULE_VERSIONS_ENTRY), 3);
	for (i = 0; i < r.diags.len; i++) {
		d = &r.diags.items[i];
		if (d->rule != RULE_VERSIONS_ENTRY)
			continue;
		cr_assert_eq(d->severity, RULE_SEV_WARN);
		cr_assert_str_eq(d->hint, "keep migrations as plain files "
		    "directly in the versions directory");
		if (strcmp(d->path, "m/versions/sub") == 0)
			cr_assert_str_eq(d->message, "directory in the "
			    "versions directory is not followed");
		else if (strcmp(d->path, "m/versions/link") == 0)
			cr_assert_str_eq(d->message, "symbolic link in the "
			    "versions directory is not followed");
		else
			cr_assert_str_eq(d->path, "m/versions/vendored");
	}
	/* A linked migration runs under Alembic: an error, not a note. */
	cr_assert_eq(count(&r, RULE_PARSE_ERROR), 1);
	for (i = 0; i < r.diags.len; i++)
		if (r.diags.items[i].rule == RULE_PARSE_ERROR)
			cr_assert_str_eq(r.diags.items[i].path,
			    "m/versions/linked.py");
	cr_assert(!was_read(&t, "m/versions/__init__.py"));
	cr_assert(!was_read(&t, "m/versions/notes.txt"));
	cr_assert(!was_read(&t, "m/versions/sub/" REV_B "_users.py"));
	engine_result_free(&r);
}

/* A module that does not parse is a diagnostic; the others are checked. */
Test(engine, parse_error_keeps_checking)
{
	static const struct node nodes[] = {
		{ "alembic.ini", SOURCE_FILE, INI("script_location = m\n"),
		    NULL },
		FILE_A("m/versions", NULL),
		FILE_B("m/versions", NULL),
		{ "m/versions/dead_beef.py", SOURCE_FILE,
		    "revision = compute()\n", NULL },
	};
	struct engine_opts	 o;
	struct engine_result	 r;
	struct tree		 t;
	char			 err[256];

	opts_init(&o);
	cr_assert_eq(check(NODES(nodes), &o, &t, &r, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.files_read, 3);
	cr_assert_eq(count(&r, RULE_PARSE_ERROR), 1);
	cr_assert_eq(r.diags.len, 1);
	engine_result_free(&r);
}

/* A cache keyed by content ID; a store keeps its own parse of the same
 * bytes (found in the tree by ID). */
#define CACHE_MAX	16
struct memcache {
	const struct tree *tree;
	char		 ids[CACHE_MAX][SOURCE_ID_MAX + 1];
	struct migration ms[CACHE_MAX];
	size_t		 n;
	int		 acquired, released, stored;
};

static const struct migration *
mc_acquire(void *ctx, const char *id)
{
	struct memcache	*c = ctx;
	size_t		 i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->ids[i], id) == 0) {
			c->acquired++;
			return &c->ms[i];
		}
	return NULL;
}

static void
mc_release(void *ctx, const struct migration *m)
{
	struct memcache	*c = ctx;

	cr_assert(m >= c->ms && m < c->ms + c->n);
	c->released++;
}

static void
mc_store(void *ctx, const char *id, const struct migration *m)
{
	struct memcache		*c = ctx;
	struct diag_list	 d = DIAG_LIST_INIT;
	size_t			 i;

	c->stored++;
	cr_assert_lt(c->n, CACHE_MAX);
	for (i = 0; i < c->tree->n; i++)
		if (c->tree->nodes[i].id != NULL &&
		    strcmp(c->tree->nodes[i].id, id) == 0)
			break;
	cr_assert_lt(i, c->tree->n, "stored an unknown ID %s", id);
	cr_assert_eq(migration_parse(m->path, c->tree->nodes[i].data,
	    strlen(c->tree->nodes[i].data), &c->ms[c->n], &d), 0);
	cr_assert_str_eq(c->ms[c->n].revision, m->revision);
	diag_list_clear(&d);
	snprintf(c->ids[c->n++], SOURCE_ID_MAX + 1, "%s", id);
}

static void
mc_clear(struct memcache *c)
{
	size_t	 i;

	for (i = 0; i < c->n; i++)
		migration_clear(&c->ms[i]);
}

Test(engine, cache_hits_spare_reads)
{
	static const struct node nodes[] = {
		{ "alembic.ini", SOURCE_FILE, INI("script_location = m\n"),
		    NULL },
		FILE_A("m/versions", "blob-a"),
		FILE_B("m/versions", "blob-b"),
		FILE_C("m/versions", ""),	/* no ID: never cached */
	};
	/* The next commit: B renamed (same bytes, same ID). */
	static const struct node renamed[] = {
		{ "alembic.ini", SOURCE_FILE, INI("script_location = m\n"),
		    NULL },
		FILE_A("m/versions", "blob-a"),
		{ "m/versions/" REV_B "_renamed.py", SOURCE_FILE,
		    MODULE(REV_B, REV_A, "'" REV_A "'"), "blob-b" },
		FILE_C("m/versions", ""),
	};
	struct memcache		 mc;
	struct engine_cache	 cache = { mc_acquire, mc_release, mc_store,
		&mc, 0 };
	struct engine_opts	 o;
	struct engine_result	 r;
	struct tree		 t;
	char			 err[256];
	size_t			 i;

	memset(&mc, 0, sizeof(mc));
	mc.tree = &t;
	opts_init(&o);
	o.cache = &cache;
	cr_assert_eq(check(NODES(nodes), &o, &t, &r, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(r.cache_hits, 0);
	cr_assert_eq(r.files_read, 3);
	cr_assert_eq(mc.stored, 2, "only files with an ID are stored");
	engine_result_free(&r);

	cr_assert_eq(check(NODES(renamed), &o, &t, &r, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(r.cache_hits, 2);
	cr_assert_eq(r.files_read, 1);
	cr_assert(!was_read(&t, "m/versions/" REV_A "_create.py"));
	cr_assert(was_read(&t, "m/versions/" REV_C "_orders.py"));
	cr_assert_eq(mc.stored, 2);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.diags.len, 0, "first: %s", r.diags.len ?
	    r.diags.items[0].message : "");
	/* A hit keeps the name it has in this tree. */
	for (i = 0; i < r.n; i++)
		if (strcmp(r.migrations[i].revision, REV_B) == 0)
			cr_assert_str_eq(r.migrations[i].path,
			    "m/versions/" REV_B "_renamed.py");
	cr_assert_eq(mc.acquired, 2);
	cr_assert_eq(mc.released, 0, "released while still in use");
	engine_result_free(&r);
	cr_assert_eq(mc.released, 2, "every hit is released with the result");
	mc_clear(&mc);
}

/* Documentation is read only when a merge needs it (and the rule is on);
 * the globs find files in sub-directories. */
Test(engine, documentation_only_for_merges)
{
	static const struct node plain[] = {
		{ "alembic.ini", SOURCE_FILE, INI("script_location = m\n"),
		    NULL },
		{ "CHANGELOG.md", SOURCE_FILE, "nothing\n", NULL },
		FILE_A("m/versions", NULL),
		FILE_B("m/versions", NULL),
	};
	static const struct node merge_undocumented[] = {
		{ "alembic.ini", SOURCE_FILE, INI("script_location = m\n"),
		    NULL },
		{ "CHANGELOG.md", SOURCE_FILE, "nothing\n", NULL },
		{ "docs/notes/old.md", SOURCE_FILE, "nothing\n", NULL },
		{ "docs/notes/skip.txt", SOURCE_FILE, REV_M "\n", NULL },
		FILE_A("m/versions", NULL),
		FILE_B("m/versions", NULL),
		{ "m/versions/" REV_C "_orders.py", SOURCE_FILE,
		    MODULE(REV_C, REV_A, "'" REV_A "'"), NULL },
		{ "m/versions/" REV_M "_merge_heads.py", SOURCE_FILE,
		    MODULE(REV_M, REV_B ", " REV_C,
		    "('" REV_B "', '" REV_C "')"), NULL },
	};
	static const struct node merge_documented[] = {
		{ "alembic.ini", SOURCE_FILE, INI("script_location = m\n"),
		    NULL },
		{ "CHANGELOG.md", SOURCE_FILE, "nothing\n", NULL },
		{ "docs/notes/2024.md", SOURCE_FILE, "Merged in " REV_M
		    " because two teams met.\n", NULL },
		FILE_A("m/versions", NULL),
		FILE_B("m/versions", NULL),
		{ "m/versions/" REV_C "_orders.py", SOURCE_FILE,
		    MODULE(REV_C, REV_A, "'" REV_A "'"), NULL },
		{ "m/versions/" REV_M "_merge_heads.py", SOURCE_FILE,
		    MODULE(REV_M, REV_B ", " REV_C,
		    "('" REV_B "', '" REV_C "')"), NULL },
	};
	struct engine_opts	 o;
	struct engine_result	 r;
	struct tree		 t;
	char			 err[256];

	opts_init(&o);
	cr_assert_eq(check(NODES(plain), &o, &t, &r, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert(!was_read(&t, "CHANGELOG.md"), "no merge, no docs: %s",
	    t.log);
	engine_result_free(&r);

	cr_assert_eq(check(NODES(merge_undocumented), &o, &t, &r, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert(was_read(&t, "CHANGELOG.md"));
	cr_assert(was_read(&t, "docs/notes/old.md"), "%s", t.log);
	cr_assert(!was_read(&t, "docs/notes/skip.txt"));
	cr_assert_eq(count(&r, RULE_MERGE_DOCUMENTED), 1);
	cr_assert_eq(r.diags.len, 1, "first: %s", r.diags.items[0].message);
	engine_result_free(&r);

	cr_assert_eq(check(NODES(merge_documented), &o, &t, &r, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert(was_read(&t, "docs/notes/2024.md"), "%s", t.log);
	cr_assert_eq(r.diags.len, 0, "first: %s", r.diags.len ?
	    r.diags.items[0].message : "");
	engine_result_free(&r);

	/* With merge-documented off nothing needs the documentation. */
	pol.severity[RULE_MERGE_DOCUMENTED] = RULE_SEV_OFF;
	cr_assert_eq(check(NODES(merge_undocumented), &o, &t, &r, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert(!was_read(&t, "CHANGELOG.md"), "%s", t.log);
	cr_assert_eq(r.diags.len, 0);
	engine_result_free(&r);
}

/* Says "expired" once it was asked more than `left` times. */
static int
countdown(void *ctx)
{
	int	*left = ctx;

	return (*left)-- <= 0;
}

#define MANY	40

Test(engine, deadline_stops_the_check)
{
	static struct node	 nodes[MANY + 1];
	static char		 paths[MANY][64], data[MANY][256];
	struct engine_deadline	 dl = { countdown, NULL };
	struct engine_opts	 o;
	struct engine_result	 r;
	struct tree		 t;
	char			 err[256], rev[MANY][13];
	int			 i, left;

	nodes[0] = (struct node){ "alembic.ini", SOURCE_FILE,
	    INI("script_location = m\n"), NULL };
	for (i = 0; i < MANY; i++) {
		snprintf(rev[i], sizeof(rev[i]), "%012llx",
		    0x3c9e41d07b25ULL + (unsigned long long)i * 0x10f3a7);
		snprintf(paths[i], sizeof(paths[i]), "m/versions/%.12s_step.py",
		    rev[i]);
		snprintf(data[i], sizeof(data[i]), "revision = '%.12s'\n"
		    "down_revision = %s%.12s%s\n", rev[i], i ? "'" : "",
		    i ? rev[i - 1] : "None", i ? "'" : "");
		nodes[i + 1] = (struct node){ paths[i], SOURCE_FILE, data[i],
		    NULL };
	}
	opts_init(&o);
	o.deadline = &dl;
	dl.ctx = &left;

	/* Expired while reading: one look per 16 files, from the first. */
	left = 2;
	cr_assert_eq(check(nodes, MANY + 1, &o, &t, &r, err, sizeof(err)),
	    -1);
	cr_assert(r.expired);
	cr_assert_str_eq(err, "the check was stopped at its deadline");
	cr_assert_eq(r.files_read, 32, "read %zu", r.files_read);
	engine_result_free(&r);

	/* Expired while the rules run: 3 looks while reading, then one per
	 * migration, and one more to tell a deadline from out of memory. */
	left = 5;
	cr_assert_eq(check(nodes, MANY + 1, &o, &t, &r, err, sizeof(err)),
	    -1);
	cr_assert(r.expired);
	cr_assert_eq(r.files_read, MANY);
	cr_assert_str_eq(err, "the check was stopped at its deadline");
	cr_assert_eq(left, -2, "%d looks after the deadline", -left);
	engine_result_free(&r);

	/* A deadline that never comes: the whole check. */
	left = 1000;
	cr_assert_eq(check(nodes, MANY + 1, &o, &t, &r, err, sizeof(err)),
	    0, "%s", err);
	cr_assert(!r.expired);
	cr_assert_eq(r.n, MANY);
	engine_result_free(&r);
	cr_assert(!engine_deadline_passed(NULL));
}

Test(engine, baseline_file)
{
	static const struct node nodes[] = {
		{ ".revguard-baseline", SOURCE_FILE, "# debt\n\n" REV_A
		    "  # the first\n\t" REV_B "\r\n#" REV_C "\n", NULL },
	};
	struct strvec	 v = STRVEC_INIT;
	struct tree	 t;
	char		 err[256];

	memset(&t, 0, sizeof(t));
	t.nodes = nodes;
	t.n = 1;
	cr_assert_eq(engine_read_baseline(".revguard-baseline", &tree_ops,
	    &t, &v, err, sizeof(err)), 0);
	cr_assert_eq(v.len, 2);
	cr_assert_str_eq(v.items[0], REV_A);
	cr_assert_str_eq(v.items[1], REV_B);
	/* A missing file is an empty baseline; no file named, nothing. */
	cr_assert_eq(engine_read_baseline("nope", &tree_ops, &t, &v, err,
	    sizeof(err)), 0);
	cr_assert_eq(engine_read_baseline(NULL, &tree_ops, &t, &v, err,
	    sizeof(err)), 0);
	cr_assert_eq(v.len, 2);
	strvec_clear(&v);
}

/*
 * The core stays pure (STYLE.md): no file of src/core includes libgit2,
 * libevent or the clock, or opens a file.  The engine is the one that
 * would be tempted.
 */
Test(engine, core_does_no_io)
{
	static const char *const banned[] = { "git2", "event2/", "<time.h>",
		"<sys/time.h>", "<unistd.h>", "<fcntl.h>", "<pthread.h>",
		"fopen(", "open(", "opendir(", "clock_gettime(", "time(NULL)",
		"getenv(", "stderr", "stdout", NULL };
	char		 path[1024], *text;
	struct dirent	*de;
	DIR		*d;
	FILE		*f;
	long		 n;
	size_t		 i, files = 0;

	cr_assert_not_null(d = opendir(TOP_SRCDIR "/src/core"));
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) < 3 || strcmp(de->d_name +
		    strlen(de->d_name) - 2, ".c") != 0)
			continue;
		snprintf(path, sizeof(path), TOP_SRCDIR "/src/core/%s",
		    de->d_name);
		cr_assert_not_null(f = fopen(path, "rb"), "%s", path);
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		rewind(f);
		cr_assert_not_null(text = calloc(1, (size_t)n + 1));
		cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n);
		fclose(f);
		for (i = 0; banned[i] != NULL; i++)
			cr_assert_null(strstr(text, banned[i]), "src/core/%s "
			    "uses %s", de->d_name, banned[i]);
		free(text);
		files++;
	}
	closedir(d);
	cr_assert_geq(files, 10);
}
