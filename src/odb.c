/*
 * odb.c: reads migration trees straight from the git object database with
 * libgit2: no checkout, no `git` subprocess.  The repository is opened by
 * path only (never from the process environment), and extra object
 * directories, such as a pre-receive quarantine, are added as alternates
 * on a fresh handle so they never leak into another request.
 */
#include "config.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/odb.h"
#include "revguard/path.h"

struct odb {
	git_repository	*repo;
};

struct odb_snapshot {
	git_repository	*repo;
	git_tree	*root;
	/* The directory most recently listed or read, kept for lookups. */
	char		*cached_dir;
	git_tree	*cached_tree;
};

static void
git_err(char *err, size_t errlen, const char *what, const char *arg)
{
	const git_error	*e = git_error_last();

	snprintf(err, errlen, "%s `%s`: %s", what, arg,
	    e && e->message ? e->message : "unknown libgit2 error");
}

int
odb_global_init(int trust_owner)
{
	if (git_libgit2_init() < 0)
		return -1;
	/* Objects that git itself accepted need no second hash check. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	if (trust_owner)
		git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	return 0;
}

void
odb_global_shutdown(void)
{
	git_libgit2_shutdown();
}

struct odb *
odb_open(const char *path, const char *const *extra_objects, char *err,
    size_t errlen)
{
	struct odb	*o;
	git_odb		*db = NULL;
	size_t		 i;

	if ((o = calloc(1, sizeof(*o))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (git_repository_open_ext(&o->repo, path,
	    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
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

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->repo = o->repo;
	if (git_revparse_single(&obj, o->repo, rev) < 0) {
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
	git_tree_free(s->cached_tree);
	free(s->cached_dir);
	git_tree_free(s->root);
	free(s);
}

/* Finds the tree at dir; returns 0, 1 when absent or not a tree, -1. */
static int
lookup_dir(struct odb_snapshot *s, const char *dir, git_tree **out,
    char *err, size_t errlen)
{
	git_tree_entry	*e = NULL;
	git_tree	*t = NULL;

	if (dir[0] == '\0') {
		*out = s->root;
		return 0;
	}
	if (s->cached_dir != NULL && strcmp(s->cached_dir, dir) == 0) {
		*out = s->cached_tree;
		return 0;
	}
	if (git_tree_entry_bypath(&e, s->root, dir) < 0)
		return 1;
	if (git_tree_entry_type(e) != GIT_OBJECT_TREE) {
		git_tree_entry_free(e);
		return 1;
	}
	if (git_tree_lookup(&t, s->repo, git_tree_entry_id(e)) < 0) {
		git_err(err, errlen, "cannot read tree", dir);
		git_tree_entry_free(e);
		return -1;
	}
	git_tree_entry_free(e);
	git_tree_free(s->cached_tree);
	free(s->cached_dir);
	s->cached_tree = t;
	s->cached_dir = strdup(dir);
	*out = t;
	return 0;
}

static int
snapshot_read(void *ctx, const char *path, char **data, size_t *len,
    char *err, size_t errlen)
{
	struct odb_snapshot	*s = ctx;
	const git_tree_entry	*e;
	git_tree		*dir;
	git_blob		*blob;
	const char		*base = path_basename(path);
	char			*dname;
	git_object_size_t	 size;
	int			 rv;

	if ((dname = strdup(path)) == NULL)
		return -1;
	dname[base - path > 0 ? base - path - 1 : 0] = '\0';
	rv = lookup_dir(s, dname, &dir, err, errlen);
	free(dname);
	if (rv != 0)
		return rv;
	if ((e = git_tree_entry_byname(dir, base)) == NULL ||
	    git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
	    git_tree_entry_filemode(e) == GIT_FILEMODE_LINK)
		return 1;
	if (git_blob_lookup(&blob, s->repo, git_tree_entry_id(e)) < 0) {
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
	const git_tree_entry	*e;
	struct source_entry	*v;
	git_tree		*dir;
	size_t			 i, count;
	int			 rv;

	if ((rv = lookup_dir(s, dirpath, &dir, err, errlen)) != 0)
		return rv;
	count = git_tree_entrycount(dir);
	if ((v = calloc(count + 1, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < count; i++) {
		e = git_tree_entry_byindex(dir, i);
		if ((v[i].name = strdup(git_tree_entry_name(e))) == NULL) {
			source_entries_free(v, i);
			return -1;
		}
		switch (git_tree_entry_filemode(e)) {
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
	*n = count;
	return 0;
}

int
odb_snapshot_path_id(struct odb_snapshot *s, const char *path,
    char id[ODB_OID_HEXMAX + 1])
{
	git_tree_entry	*e = NULL;

	id[0] = '\0';
	if (path[0] == '\0') {
		git_oid_tostr(id, ODB_OID_HEXMAX + 1, git_tree_id(s->root));
		return 0;
	}
	if (git_tree_entry_bypath(&e, s->root, path) < 0)
		return 0;
	git_oid_tostr(id, ODB_OID_HEXMAX + 1, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return 0;
}

char *
odb_default_branch(struct odb *o)
{
	git_reference	*head = NULL;
	char		*out = NULL;

	if (git_reference_lookup(&head, o->repo, "HEAD") < 0)
		return NULL;
	if (git_reference_type(head) == GIT_REFERENCE_SYMBOLIC)
		out = strdup(git_reference_symbolic_target(head));
	git_reference_free(head);
	return out;
}

/* The tree at dir in s, or NULL when there is none. */
static git_tree *
tree_at(struct odb_snapshot *s, const char *dir)
{
	git_tree_entry	*e = NULL;
	git_tree	*t = NULL;

	if (dir[0] == '\0') {
		git_object_dup((git_object **)&t, (git_object *)s->root);
		return t;
	}
	if (git_tree_entry_bypath(&e, s->root, dir) < 0)
		return NULL;
	if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
		git_tree_lookup(&t, s->repo, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return t;
}

int
odb_snapshot_changed(struct odb_snapshot *base, struct odb_snapshot *head,
    const char *dir, struct strvec *changed, char *err, size_t errlen)
{
	const git_tree_entry	*e, *old;
	git_tree		*bt, *ht;
	size_t			 i, n;
	char			*path;
	int			 rv = 0;

	if ((ht = tree_at(head, dir)) == NULL)
		return 0;
	bt = tree_at(base, dir);
	n = git_tree_entrycount(ht);
	for (i = 0; i < n && rv == 0; i++) {
		e = git_tree_entry_byindex(ht, i);
		old = bt ? git_tree_entry_byname(bt, git_tree_entry_name(e)) :
		    NULL;
		if (old != NULL && git_oid_equal(git_tree_entry_id(old),
		    git_tree_entry_id(e)) && git_tree_entry_filemode(old) ==
		    git_tree_entry_filemode(e))
			continue;
		if ((path = path_join(dir, git_tree_entry_name(e))) == NULL ||
		    strvec_push_owned(changed, path) == -1) {
			snprintf(err, errlen, "out of memory");
			rv = -1;
		}
	}
	git_tree_free(bt);
	git_tree_free(ht);
	return rv;
}

const struct source_ops odb_source_ops = {
	snapshot_read,
	snapshot_list
};
