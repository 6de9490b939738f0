/*
 * fs: serves a working tree on disk through struct source_ops, for
 * `revguard check --worktree` (pre-commit, CI).  Symbolic links are
 * never followed, anywhere below the root: a link inside a listed
 * directory is reported as an entry, and a path that runs through a link
 * is an error naming it.  The root itself may be reached through links.
 */
#ifndef REVGUARD_FS_H
#define REVGUARD_FS_H

#include "revguard/source.h"

struct fs_tree {
	int	 root_fd;
};

int	 fs_tree_open(struct fs_tree *, const char *root, char *err,
	    size_t errlen);
void	 fs_tree_close(struct fs_tree *);

extern const struct source_ops fs_source_ops;

#endif
