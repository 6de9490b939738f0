/*
 * odb: the git object database adapter, the only module that includes
 * git2.h.  It opens a repository (bare or not) read-only, optionally
 * with a push's quarantine directory as an extra object store, resolves
 * revisions, and serves tree snapshots through struct source_ops.
 * Nothing here ever writes to a repository.
 */
#ifndef REVGUARD_ODB_H
#define REVGUARD_ODB_H

#include <stddef.h>

#include "revguard/source.h"
#include "revguard/strvec.h"

#define ODB_OID_HEXMAX	64

struct odb;
struct odb_snapshot;
struct odb_tree_cache;
struct objcache;

/*
 * Process-wide set-up.  server (the daemon): skip libgit2's owner check
 * and ignore global, XDG and system git configuration.
 */
int	 odb_global_init(int server);
void	 odb_global_shutdown(void);

/*
 * Opens the repository at path.  extra_objects, when not NULL, is a list
 * of object directories (a quarantine, alternates) added as read-only
 * alternates on this handle only.
 */
struct odb	*odb_open(const char *path, const char *const *extra_objects,
		    char *err, size_t errlen);
void		 odb_free(struct odb *);

/*
 * Directory listings keyed by tree ID, the OBJCACHE_LISTING entries of
 * an objcache (objcache.h), shared by every odb that uses them
 * (thread-safe).  A tree's content never changes, so a listing stays
 * valid whatever repository asks.  _of views a shared objcache (the
 * daemon's, which outlives the view); _new makes one of its own that
 * keeps capacity listings.
 */
struct odb_tree_cache *odb_tree_cache_of(struct objcache *);
struct odb_tree_cache *odb_tree_cache_new(size_t capacity);
void		 odb_tree_cache_free(struct odb_tree_cache *);
/* Snapshots opened from o afterwards use c. */
void		 odb_set_tree_cache(struct odb *o, struct odb_tree_cache *c);

/* Resolves rev to a commit and opens its tree.  *oid gets the hex ID. */
struct odb_snapshot *odb_snapshot_open(struct odb *, const char *rev,
		    char oid[ODB_OID_HEXMAX + 1], char *err, size_t errlen);
void		 odb_snapshot_free(struct odb_snapshot *);
/* Hex ID of the tree or blob at path, "" when absent; -1 when a tree on
 * the way cannot be read (corrupt). */
int		 odb_snapshot_path_id(struct odb_snapshot *, const char *path,
		    char id[ODB_OID_HEXMAX + 1]);

/* The branch HEAD points at ("refs/heads/main"), even when unborn,
 * through every symbolic ref on the way; NULL when detached. */
char		*odb_default_branch(struct odb *);
/* Symbolic refs followed at most (git's SYMREF_MAXDEPTH). */
#define ODB_SYMREF_DEPTH	5
/* The names a push to name writes through, as receive-pack follows
 * them: name, then each symbolic ref's target; the last is the ref git
 * writes (it may not exist yet).  1 when the chain is longer than
 * ODB_SYMREF_DEPTH or loops, -1 on error. */
int		 odb_ref_chain(struct odb *, const char *name,
		    struct strvec *out);
/* 1 when a ref of that full name exists. */
int		 odb_ref_exists(struct odb *, const char *name);
/* The best common ancestor of two revisions, as hex; -1 when there is
 * none (unrelated histories) or either cannot be read. */
int		 odb_merge_base(struct odb *, const char *a, const char *b,
		    char out[ODB_OID_HEXMAX + 1]);
/* 1 when the repository has a local branch (or cannot tell). */
int		 odb_has_branches(struct odb *);
/* Appends the full names of the local branches to out. */
int		 odb_branches(struct odb *, struct strvec *out);
/* The directory git runs hooks from (core.hooksPath applied), or NULL. */
char		*odb_hooks_dir(struct odb *);

extern const struct source_ops odb_source_ops;

#endif
