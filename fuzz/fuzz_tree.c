/*
 * libFuzzer harness: tree listings (src/odb.c) on arbitrary tree objects.
 * The input is written, unchecked, as a tree object into a scratch
 * repository, both as the versions directory under a good root and as
 * the root itself; then the daemon's road runs over it: open, list,
 * read every file, diff against a base, with a shared listing cache.
 * The objects are removed again so a long run does not fill the disk.
 */
#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "revguard/odb.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char			 repo_dir[] = "/tmp/revguard-fuzz-tree.XXXXXX";
static git_odb			*db;
static struct odb_tree_cache	*cache;
static char			 base_commit[GIT_OID_HEXSZ + 1];
static git_oid			 keep[3];	/* the base's objects */

static void
put(git_oid *id, const void *data, size_t len, git_object_t type)
{
	if (git_odb_write(id, db, data, len, type) < 0)
		abort();
}

static void
drop(const git_oid *id)
{
	char	 hex[GIT_OID_HEXSZ + 1], path[sizeof(repo_dir) + 64];
	size_t	 i;

	for (i = 0; i < 3; i++)
		if (git_oid_equal(id, &keep[i]))
			return;
	git_oid_tostr(hex, sizeof(hex), id);
	snprintf(path, sizeof(path), "%s/objects/%.2s/%s", repo_dir, hex,
	    hex + 2);
	unlink(path);
}

/* Writes a root tree holding `versions` -> tree, and a commit of it. */
static void
commit_of(git_oid *commit, git_oid *root, const git_oid *tree, int wrap)
{
	char	 buf[256], hex[GIT_OID_HEXSZ + 1];
	size_t	 n;

	if (wrap) {
		n = (size_t)snprintf(buf, sizeof(buf), "40000 versions");
		buf[n++] = '\0';
		memcpy(buf + n, tree->id, GIT_OID_RAWSZ);
		put(root, buf, n + GIT_OID_RAWSZ, GIT_OBJECT_TREE);
	} else
		git_oid_cpy(root, tree);
	n = (size_t)snprintf(buf, sizeof(buf), "tree %s\nauthor f <f@f> 0 "
	    "+0000\ncommitter f <f@f> 0 +0000\n\nfuzz\n",
	    git_oid_tostr(hex, sizeof(hex), root));
	put(commit, buf, n, GIT_OBJECT_COMMIT);
}

static void
cleanup(void)
{
	char	 cmd[sizeof(repo_dir) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", repo_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", repo_dir);
}

static void
setup(void)
{
	git_repository	*repo;

	odb_global_init(1);
	if (mkdtemp(repo_dir) == NULL ||
	    git_repository_init(&repo, repo_dir, 1) < 0 ||
	    git_repository_odb(&db, repo) < 0)
		abort();
	git_repository_free(repo);
	atexit(cleanup);
	put(&keep[0], "", 0, GIT_OBJECT_TREE);
	commit_of(&keep[2], &keep[1], &keep[0], 1);
	git_oid_tostr(base_commit, sizeof(base_commit), &keep[2]);
	cache = odb_tree_cache_new(8);
}

/* Lists dir in the commit, reads each file, compares with the base. */
static void
walk(struct odb *o, const git_oid *commit, const char *dir)
{
	struct odb_snapshot	*head, *base;
	struct source_entry	*ents = NULL;
	char			 id[SOURCE_ID_MAX + 1];
	char			 hex[GIT_OID_HEXSZ + 1], err[512], *data, *path;
	size_t			 n = 0, i, len;
	int			 rv;

	err[0] = '\0';
	git_oid_tostr(hex, sizeof(hex), commit);
	if ((head = odb_snapshot_open(o, hex, NULL, err, sizeof(err))) ==
	    NULL) {
		if (err[0] == '\0')
			__builtin_trap();	/* every failure says why */
		return;
	}
	rv = odb_source_ops.list(head, dir, &ents, &n, err, sizeof(err));
	if (rv == -1 && err[0] == '\0')
		__builtin_trap();
	for (i = 0; rv == 0 && i < n; i++) {
		if (ents[i].name == NULL)
			__builtin_trap();
		if (ents[i].kind != SOURCE_FILE)
			continue;
		if ((path = xasprintf("%s%s%s", dir, dir[0] ? "/" : "",
		    ents[i].name)) == NULL)
			abort();
		if (odb_source_ops.read(head, path, &data, &len, err,
		    sizeof(err)) == 0)
			free(data);
		free(path);
	}
	source_entries_free(ents, n);
	if ((base = odb_snapshot_open(o, base_commit, NULL, err,
	    sizeof(err))) != NULL)
		(void)odb_source_ops.id(base, dir, id);
	odb_snapshot_free(base);
	odb_snapshot_free(head);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct odb	*o;
	git_oid		 tree, root, wrapped, bare, bare_root;
	char		 err[512];

	if (db == NULL)
		setup();
	put(&tree, data, len, GIT_OBJECT_TREE);
	commit_of(&wrapped, &root, &tree, 1);
	commit_of(&bare, &bare_root, &tree, 0);
	if ((o = odb_open(repo_dir, NULL, err, sizeof(err))) == NULL)
		abort();
	odb_set_tree_cache(o, cache);
	walk(o, &wrapped, "versions");
	walk(o, &bare, "");
	odb_free(o);
	drop(&tree);
	drop(&root);
	drop(&wrapped);
	drop(&bare);
	return 0;
}
