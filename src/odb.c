/*
 * odb.c: reads migration trees straight from the git object database with
 * libgit2: no checkout, no `git` subprocess.  The repository is opened by
 * path only (never from the process environment), and extra object
 * directories, such as a pre-receive quarantine, are added as alternates
 * on a fresh handle so they never leak into another request.
 */
#include "config.h"

#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "revguard/objcache.h"
#include "revguard/odb.h"
#include "revguard/path.h"

/* One directory of a tree: its entries sorted by name, as git keeps them. */
struct listing_entry {
	const char	*name;
	git_filemode_t	 mode;
	git_oid		 id;
};

/*
 * An objcache entry of kind OBJCACHE_LISTING, keyed by tree ID: the
 * entries, then every name, in one allocation.
 */
struct listing {
	size_t			 n;
	struct listing_entry	 entries[];
};

/* The listings of an objcache, as odb's callers pass them around. */
struct odb_tree_cache {
	struct objcache		*objects;
	struct objcache		*own;		/* odb_tree_cache_new's */
};

struct odb {
	git_repository		*repo;
	struct odb_tree_cache	*cache;		/* may be NULL */
};

struct odb_snapshot {
	git_repository		*repo;
	struct objcache		*cache;		/* may be NULL */
	git_tree		*root;
	/* The directory most recently listed or read, kept for lookups. */
	char			*cached_dir;
	const struct listing	*cached;
};

static void
git_err(char *err, size_t errlen, const char *what, const char *arg)
{
	const git_error	*e = git_error_last();

	snprintf(err, errlen, "%s `%s`: %s", what, arg,
	    e && e->message ? e->message : "unknown libgit2 error");
}

int
odb_global_init(int server)
{
	if (git_libgit2_init() < 0)
		return -1;
	/* Objects that git itself accepted need no second hash check. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	if (server) {
		/*
		 * The daemon reads repositories another user owns, and its
		 * verdicts must not depend on its own account's git config:
		 * no owner check, no global, XDG or system config files
		 * (which also spares reading them on every push).
		 */
		git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
		git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH,
		    GIT_CONFIG_LEVEL_GLOBAL, "");
		git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH,
		    GIT_CONFIG_LEVEL_XDG, "");
		git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH,
		    GIT_CONFIG_LEVEL_SYSTEM, "");
		git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH,
		    GIT_CONFIG_LEVEL_PROGRAMDATA, "");
	}
	return 0;
}

void
odb_global_shutdown(void)
{
	git_libgit2_shutdown();
}

/*
 * The object format a repository's config file names, read before
 * libgit2 opens it: libgit2 1.5 reads SHA-1 repositories only and
 * refuses extensions.objectformat with a message that names neither the
 * repository's format nor a way out.  A SHA-256 repository (git init
 * --object-format=sha256) is then refused here, by name, and the caller
 * applies the fail policy.  The config file is GIT_DIR/config, or
 * DIR/.git/config for a work tree; a .git file (a linked worktree or a
 * submodule) is left to libgit2.  0, or -1 with err.
 */
static int
odb_check_object_format(const char *path, char *err, size_t errlen)
{
	const char	*names[] = { "config", ".git/config" };
	git_config	*cfg = NULL;
	git_buf		 fmt = { NULL, 0, 0 };
	char		 file[4096];
	size_t		 i;
	int		 rv = 0;

	for (i = 0; i < 2 && cfg == NULL; i++) {
		if ((size_t)snprintf(file, sizeof(file), "%s/%s", path,
		    names[i]) >= sizeof(file) || access(file, R_OK) == -1)
			continue;
		if (git_config_open_ondisk(&cfg, file) < 0)
			cfg = NULL;
	}
	if (cfg == NULL)
		return 0;	/* libgit2 says what is wrong, if anything */
	if (git_config_get_string_buf(&fmt, cfg,
	    "extensions.objectformat") == 0 && fmt.ptr != NULL &&
	    strcasecmp(fmt.ptr, "sha1") != 0) {
		snprintf(err, errlen, "repository `%s` uses %s object IDs "
		    "(extensions.objectformat = %.32s in %s), which revguard "
		    "cannot read: it is built on libgit2 %d.%d, which reads "
		    "SHA-1 repositories only", path, strcasecmp(fmt.ptr,
		    "sha256") == 0 ? "SHA-256" : "unknown", fmt.ptr, file,
		    LIBGIT2_VER_MAJOR, LIBGIT2_VER_MINOR);
		rv = -1;
	}
	git_buf_dispose(&fmt);
	git_config_free(cfg);
	return rv;
}

struct odb *
odb_open(const char *path, const char *const *extra_objects, char *err,
    size_t errlen)
{
	struct odb	*o;
	git_odb		*db = NULL;
	struct stat	 st;
	char		 probe[PATH_MAX + 16];
	unsigned int	 flags = GIT_REPOSITORY_OPEN_NO_SEARCH;
	size_t		 i;

	if (odb_check_object_format(path, err, errlen) == -1)
		return NULL;
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/*
	 * A directory with objects/ is the git directory itself, as git
	 * takes it with GIT_DIR set: never a `.git` inside it, which
	 * libgit2 would otherwise try first (a `.git` file or directory
	 * there is not what serve_admit_repository checked).
	 */
	snprintf(probe, sizeof(probe), "%s/objects", path);
	if (stat(probe, &st) == 0 && S_ISDIR(st.st_mode))
		flags |= GIT_REPOSITORY_OPEN_NO_DOTGIT;
	if (git_repository_open_ext(&o->repo, path, flags, NULL) < 0) {
		git_err(err, errlen, "cannot open repository", path);
		goto fail;
	}
	for (i = 0; extra_objects != NULL && extra_objects[i] != NULL; i++) {
		if (db == NULL && git_repository_odb(&db, o->repo) < 0) {
			git_err(err, errlen, "cannot open object database",
			    path);
			goto fail;
		}
		if (git_odb_add_disk_alternate(db, extra_objects[i]) < 0) {
			git_err(err, errlen, "cannot add object directory",
			    extra_objects[i]);
			goto fail;
		}
	}
	git_odb_free(db);
	return o;
fail:
	git_odb_free(db);
	odb_free(o);
	return NULL;
}

void
odb_free(struct odb *o)
{
	if (o == NULL)
		return;
	git_repository_free(o->repo);
	free(o);
}

struct odb_snapshot *
odb_snapshot_open(struct odb *o, const char *rev, char oid[ODB_OID_HEXMAX + 1],
    char *err, size_t errlen)
{
	struct odb_snapshot	*s;
	git_object		*obj = NULL;
	git_commit		*commit = NULL;
	git_oid			 id;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->repo = o->repo;
	s->cache = o->cache != NULL ? o->cache->objects : NULL;
	/*
	 * A full object ID (what pushes carry) is looked up directly:
	 * git_revparse_single would first probe it as a ref name in several
	 * namespaces, one file system lookup each.
	 */
	if (strlen(rev) == GIT_OID_HEXSZ &&
	    strspn(rev, "0123456789abcdef") == GIT_OID_HEXSZ &&
	    git_oid_fromstr(&id, rev) == 0) {
		if (git_object_lookup(&obj, o->repo, &id, GIT_OBJECT_ANY) < 0) {
			git_err(err, errlen, "cannot read object", rev);
			goto fail;
		}
	} else if (git_revparse_single(&obj, o->repo, rev) < 0) {
		git_err(err, errlen, "cannot resolve revision", rev);
		goto fail;
	}
	if (git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		git_err(err, errlen, "not a commit", rev);
		goto fail;
	}
	if (git_commit_tree(&s->root, commit) < 0) {
		git_err(err, errlen, "cannot read the tree of", rev);
		goto fail;
	}
	if (oid != NULL)
		git_oid_tostr(oid, ODB_OID_HEXMAX + 1, git_commit_id(commit));
	git_commit_free(commit);
	git_object_free(obj);
	return s;
fail:
	git_commit_free(commit);
	git_object_free(obj);
	odb_snapshot_free(s);
	return NULL;
}

void
odb_snapshot_free(struct odb_snapshot *s)
{
	if (s == NULL)
		return;
	objcache_release(s->cached);
	free(s->cached_dir);
	git_tree_free(s->root);
	free(s);
}

/*
 * git's canonical kind of a raw tree-entry mode (canon_mode in git's
 * cache.h): any 100xxx is a regular file, executable when the owner's
 * x bit is set, so a legacy 100664 or a crafted 100600 is checked out,
 * and run by Alembic, as an ordinary file.  Anything that is not a
 * file, directory or symbolic link is a gitlink, as git treats it.
 * libgit2's git_tree_entry_filemode differs only on such odd types.
 */
static git_filemode_t
canon_mode(unsigned int raw)
{
	switch (raw & 0170000) {
	case 0100000:
		return raw & 0100 ? GIT_FILEMODE_BLOB_EXECUTABLE :
		    GIT_FILEMODE_BLOB;
	case 0040000:
		return GIT_FILEMODE_TREE;
	case 0120000:
		return GIT_FILEMODE_LINK;
	default:
		return GIT_FILEMODE_COMMIT;
	}
}

/*
 * Lists tree id (directory dir, for messages; hex, its ID) through
 * libgit2's tree parser, which checks every length against the object's
 * size: the bytes are the pusher's.  The listing is a fresh objcache
 * entry, names included, so it outlives the repository handle and can
 * be shared.
 */
static struct listing *
listing_read(git_repository *repo, const git_oid *id, const char *hex,
    const char *dir, char *err, size_t errlen)
{
	git_tree		*tree = NULL;
	const git_tree_entry	*te;
	struct listing		*l = NULL;
	const char		*name;
	size_t			 count, size, i, namelen;
	char			*out;

	if (git_tree_lookup(&tree, repo, id) < 0) {
		const git_error	*e = git_error_last();

		snprintf(err, errlen, "cannot read directory `%s` (tree %s): "
		    "%s", dir[0] != '\0' ? dir : "/", hex, e && e->message ?
		    e->message : "unknown libgit2 error");
		goto fail;
	}
	count = git_tree_entrycount(tree);
	size = sizeof(*l) + count * sizeof(l->entries[0]);
	for (i = 0; i < count; i++)
		size += strlen(git_tree_entry_name(git_tree_entry_byindex(tree,
		    i))) + 1;
	if ((l = objcache_entry_new(OBJCACHE_LISTING, hex, size)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	out = (char *)&l->entries[count];
	for (i = 0; i < count; i++) {
		te = git_tree_entry_byindex(tree, i);
		name = git_tree_entry_name(te);
		namelen = strlen(name);
		memcpy(out, name, namelen + 1);
		l->entries[i].name = out;
		l->entries[i].mode = canon_mode(
		    (unsigned int)git_tree_entry_filemode_raw(te));
		git_oid_cpy(&l->entries[i].id, git_tree_entry_id(te));
		out += namelen + 1;
	}
	l->n = count;
	git_tree_free(tree);
	return l;
fail:
	git_tree_free(tree);
	return NULL;
}

/* Listings come from a cache of their own (fuzzing, tests). */
struct odb_tree_cache *
odb_tree_cache_new(size_t capacity)
{
	struct odb_tree_cache	*c;
	size_t			 caps[OBJCACHE_NKINDS] = { 0 };

	caps[OBJCACHE_LISTING] = capacity;
	if (capacity == 0 || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->own = objcache_new(caps)) == NULL) {
		free(c);
		return NULL;
	}
	c->objects = c->own;
	return c;
}

struct odb_tree_cache *
odb_tree_cache_of(struct objcache *objects)
{
	struct odb_tree_cache	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->objects = objects;
	return c;
}

void
odb_tree_cache_free(struct odb_tree_cache *c)
{
	if (c == NULL)
		return;
	objcache_free(c->own);
	free(c);
}

void
odb_set_tree_cache(struct odb *o, struct odb_tree_cache *c)
{
	o->cache = c;
}

/*
 * The listing of dir in s.  A directory's tree is parsed once: listings
 * are cached on the snapshot (the last directory) and, when the daemon
 * provides one, in a cache shared across pushes, keyed by tree ID, so the
 * base of this push (usually the head of the last one) costs no parse.
 * Returns 0, 1 when absent or not a tree, -1 on error.
 */
static int
lookup_dir(struct odb_snapshot *s, const char *dir,
    const struct listing **out, char *err, size_t errlen)
{
	git_tree_entry		*e = NULL;
	const struct listing	*l = NULL;
	struct listing		*fresh;
	git_oid			 id;
	char			 hex[GIT_OID_HEXSZ + 1];
	int			 rv;

	if (s->cached_dir != NULL && strcmp(s->cached_dir, dir) == 0) {
		*out = s->cached;
		return 0;
	}
	if (dir[0] == '\0')
		git_oid_cpy(&id, git_tree_id(s->root));
	else {
		if ((rv = git_tree_entry_bypath(&e, s->root, dir)) < 0) {
			if (rv == GIT_ENOTFOUND)
				return 1;
			/* A tree on the way is corrupt: say so, never
			 * "absent", which could pass a push unchecked. */
			git_err(err, errlen, "cannot read directory", dir);
			return -1;
		}
		if (git_tree_entry_type(e) != GIT_OBJECT_TREE) {
			git_tree_entry_free(e);
			return 1;
		}
		git_oid_cpy(&id, git_tree_entry_id(e));
		git_tree_entry_free(e);
	}
	git_oid_tostr(hex, sizeof(hex), &id);
	if (s->cache != NULL)
		l = objcache_acquire(s->cache, OBJCACHE_LISTING, hex);
	if (l == NULL) {
		if ((fresh = listing_read(s->repo, &id, hex, dir, err,
		    errlen)) == NULL)
			return -1;
		l = objcache_insert(s->cache, fresh);
	}
	objcache_release(s->cached);
	free(s->cached_dir);
	s->cached = l;
	s->cached_dir = strdup(dir);
	*out = l;
	return 0;
}

static const struct listing_entry *
listing_find(const struct listing *l, const char *name)
{
	size_t	 lo = 0, hi = l->n, mid;
	int	 c;

	/* git sorts trees by name, but a tree's name sorts as if it ended in
	 * '/'; fall back to a scan when the binary search misses. */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(l->entries[mid].name, name)) == 0)
			return &l->entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (mid = 0; mid < l->n; mid++)
		if (strcmp(l->entries[mid].name, name) == 0)
			return &l->entries[mid];
	return NULL;
}

static int
snapshot_read(void *ctx, const char *path, char **data, size_t *len,
    char *err, size_t errlen)
{
	struct odb_snapshot		*s = ctx;
	const struct listing_entry	*e;
	const struct listing		*dir;
	git_blob			*blob;
	git_odb				*odb = NULL;
	git_object_t			 htype;
	size_t				 hsize;
	const char			*base = path_basename(path);
	char				*dname;
	git_object_size_t		 size;
	int				 rv;

	if ((dname = strdup(path)) == NULL)
		return -1;
	dname[base - path > 0 ? base - path - 1 : 0] = '\0';
	rv = lookup_dir(s, dname, &dir, err, errlen);
	free(dname);
	if (rv != 0)
		return rv;
	if ((e = listing_find(dir, base)) == NULL ||
	    (e->mode != GIT_FILEMODE_BLOB &&
	    e->mode != GIT_FILEMODE_BLOB_EXECUTABLE))
		return 1;
	/* The header first: a small compressed blob may inflate to
	 * gigabytes, and must be refused before it is loaded. */
	if (git_repository_odb(&odb, s->repo) < 0 ||
	    git_odb_read_header(&hsize, &htype, odb, &e->id) < 0) {
		git_odb_free(odb);
		git_err(err, errlen, "cannot read blob", path);
		return -1;
	}
	git_odb_free(odb);
	if (hsize > SOURCE_MAX_FILE) {
		snprintf(err, errlen, "`%s` is larger than %d bytes", path,
		    SOURCE_MAX_FILE);
		return SOURCE_TOO_LARGE;
	}
	if (git_blob_lookup(&blob, s->repo, &e->id) < 0) {
		git_err(err, errlen, "cannot read blob", path);
		return -1;
	}
	size = git_blob_rawsize(blob);
	if ((*data = malloc((size_t)size + 1)) == NULL) {
		git_blob_free(blob);
		snprintf(err, errlen, "out of memory reading `%s`", path);
		return -1;
	}
	memcpy(*data, git_blob_rawcontent(blob), (size_t)size);
	(*data)[size] = '\0';
	*len = (size_t)size;
	git_blob_free(blob);
	return 0;
}

static int
snapshot_list(void *ctx, const char *dirpath, struct source_entry **out,
    size_t *n, char *err, size_t errlen)
{
	struct odb_snapshot	*s = ctx;
	struct source_entry	*v;
	const struct listing	*dir;
	size_t			 i;
	int			 rv;

	if ((rv = lookup_dir(s, dirpath, &dir, err, errlen)) != 0)
		return rv;
	if ((v = calloc(dir->n + 1, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < dir->n; i++) {
		const struct listing_entry	*e = &dir->entries[i];

		if ((v[i].name = strdup(e->name)) == NULL) {
			source_entries_free(v, i);
			return -1;
		}
		git_oid_tostr(v[i].id, sizeof(v[i].id), &e->id);
		switch (e->mode) {
		case GIT_FILEMODE_TREE:
			v[i].kind = SOURCE_DIR;
			break;
		case GIT_FILEMODE_BLOB:
		case GIT_FILEMODE_BLOB_EXECUTABLE:
			v[i].kind = SOURCE_FILE;
			break;
		case GIT_FILEMODE_LINK:
			v[i].kind = SOURCE_SYMLINK;
			break;
		case GIT_FILEMODE_COMMIT:
			v[i].kind = SOURCE_SUBMODULE;
			break;
		default:
			v[i].kind = SOURCE_OTHER;
			break;
		}
	}
	*out = v;
	*n = dir->n;
	return 0;
}

int
odb_snapshot_path_id(struct odb_snapshot *s, const char *path,
    char id[ODB_OID_HEXMAX + 1])
{
	git_tree_entry	*e = NULL;
	int		 rv;

	id[0] = '\0';
	if (path[0] == '\0') {
		git_oid_tostr(id, ODB_OID_HEXMAX + 1, git_tree_id(s->root));
		return 0;
	}
	if ((rv = git_tree_entry_bypath(&e, s->root, path)) < 0)
		return rv == GIT_ENOTFOUND ? 0 : -1;	/* -1: corrupt tree */
	git_oid_tostr(id, ODB_OID_HEXMAX + 1, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return 0;
}

int
odb_ref_chain(struct odb *o, const char *name, struct strvec *out)
{
	git_reference	*ref = NULL;
	int		 hops, rv;

	if (strvec_push(out, name) == -1)
		return -1;
	for (hops = 0;; hops++) {
		rv = git_reference_lookup(&ref, o->repo,
		    out->items[out->len - 1]);
		/* Not there (written as a new ref, if at all), or not
		 * readable as a ref file (a name too long for one, say),
		 * which git could not follow either: the chain ends. */
		if (rv < 0)
			return 0;
		if (git_reference_type(ref) != GIT_REFERENCE_SYMBOLIC) {
			git_reference_free(ref);
			return 0;
		}
		/* git gives up after as many; a loop ends here too */
		if (hops == ODB_SYMREF_DEPTH) {
			git_reference_free(ref);
			return 1;
		}
		rv = strvec_push(out, git_reference_symbolic_target(ref));
		git_reference_free(ref);
		if (rv == -1)
			return -1;
	}
}

char *
odb_default_branch(struct odb *o)
{
	struct strvec	 chain = STRVEC_INIT;
	char		*out = NULL;

	/* HEAD -> master -> main (a rename's leftover) means main: the
	 * branch a push to HEAD's branch writes. */
	if (odb_ref_chain(o, "HEAD", &chain) == 0 && chain.len > 1)
		out = strdup(chain.items[chain.len - 1]);
	strvec_clear(&chain);
	return out;
}

static int
snapshot_id(void *ctx, const char *path, char id[SOURCE_ID_MAX + 1])
{
	return odb_snapshot_path_id(ctx, path, id);
}

/* 1 when the repository has a ref of that name (a branch, say). */
int
odb_ref_exists(struct odb *o, const char *name)
{
	git_oid	 id;

	return git_reference_name_to_id(&id, o->repo, name) == 0;
}

int
odb_merge_base(struct odb *o, const char *a, const char *b,
    char out[ODB_OID_HEXMAX + 1])
{
	git_object	*x = NULL, *y = NULL;
	git_oid		 base;
	int		 rv = -1;

	if (git_revparse_single(&x, o->repo, a) == 0 &&
	    git_revparse_single(&y, o->repo, b) == 0 &&
	    git_merge_base(&base, o->repo, git_object_id(x),
	    git_object_id(y)) == 0) {
		git_oid_tostr(out, ODB_OID_HEXMAX + 1, &base);
		rv = 0;
	}
	git_object_free(x);
	git_object_free(y);
	return rv;
}

/* 1 when the repository has at least one branch. */
int
odb_has_branches(struct odb *o)
{
	git_branch_iterator	*it = NULL;
	git_reference		*ref = NULL;
	git_branch_t		 type;
	int			 found;

	if (git_branch_iterator_new(&it, o->repo, GIT_BRANCH_LOCAL) < 0)
		return 1;	/* cannot tell: assume a normal repository */
	found = git_branch_next(&ref, &type, it) == 0;
	git_reference_free(ref);
	git_branch_iterator_free(it);
	return found;
}

int
odb_branches(struct odb *o, struct strvec *out)
{
	git_branch_iterator	*it = NULL;
	git_reference		*ref;
	git_branch_t		 type;
	int			 rv = 0;

	if (git_branch_iterator_new(&it, o->repo, GIT_BRANCH_LOCAL) < 0)
		return -1;
	while (rv == 0 && git_branch_next(&ref, &type, it) == 0) {
		rv = strvec_push(out, git_reference_name(ref));
		git_reference_free(ref);
	}
	git_branch_iterator_free(it);
	return rv;
}

char *
odb_hooks_dir(struct odb *o)
{
	git_config	*cfg = NULL;
	git_buf		 buf = { NULL, 0, 0 };
	const char	*base;
	char		*out = NULL;
	int		 rv;

	/* git's rule: core.hooksPath, relative to where hooks run (the
	 * work tree, or the git directory of a bare repository). */
	if (git_repository_config_snapshot(&cfg, o->repo) < 0)
		return NULL;
	rv = git_config_get_path(&buf, cfg, "core.hooksPath");
	if (rv == 0 && buf.ptr[0] == '/')
		out = strdup(buf.ptr);
	else if (rv == 0) {
		base = git_repository_workdir(o->repo);
		if (base == NULL)
			base = git_repository_path(o->repo);
		out = xasprintf("%s%s%s", base, base[strlen(base) - 1] ==
		    '/' ? "" : "/", buf.ptr);
	} else if (rv == GIT_ENOTFOUND)
		out = xasprintf("%shooks", git_repository_path(o->repo));
	git_buf_dispose(&buf);
	git_config_free(cfg);
	while (out != NULL && strlen(out) > 1 && out[strlen(out) - 1] == '/')
		out[strlen(out) - 1] = '\0';
	return out;
}

const struct source_ops odb_source_ops = {
	snapshot_read,
	snapshot_list,
	snapshot_id
};
