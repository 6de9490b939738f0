/*
 * source: how the engine reads a snapshot of a repository tree, whatever
 * holds it (the git object database at a commit, or a working tree on
 * disk).  Paths are repository-relative ("" is the root).
 */
#ifndef REVGUARD_SOURCE_H
#define REVGUARD_SOURCE_H

#include <stddef.h>

enum source_kind {
	SOURCE_FILE,
	SOURCE_DIR,
	SOURCE_SYMLINK,
	SOURCE_SUBMODULE,
	SOURCE_OTHER
};

#define SOURCE_ID_MAX	64
/* The largest file a source reads: a bigger one (a compressed blob can
 * inflate to gigabytes) is refused before it is loaded. */
#define SOURCE_MAX_FILE	(64 * 1024 * 1024)
#define SOURCE_TOO_LARGE 2

struct source_entry {
	char		*name;
	enum source_kind kind;
	/* Content ID (git object ID in hex) when the source has one, else
	 * "": equal IDs mean equal bytes, which lets a cache skip reads. */
	char		 id[SOURCE_ID_MAX + 1];
};

struct source_ops {
	/*
	 * Reads a whole regular file into *data (malloc'd, NUL-terminated).
	 * Returns 0, 1 when there is no such file, SOURCE_TOO_LARGE (with a
	 * message) when it is over SOURCE_MAX_FILE, or -1 with a message.
	 */
	int	(*read)(void *ctx, const char *path, char **data, size_t *len,
		    char *err, size_t errlen);
	/*
	 * Lists a directory, entries sorted by name.  Returns 0, 1 when
	 * there is no such directory, or -1 with a message.
	 */
	int	(*list)(void *ctx, const char *dir, struct source_entry **out,
		    size_t *n, char *err, size_t errlen);
	/*
	 * Optional (NULL when the source has no content IDs): the content
	 * ID of the file or directory at path, "" when absent.  Returns 0 or
	 * -1.  Equal IDs of a directory mean nothing below it changed.
	 */
	int	(*id)(void *ctx, const char *path, char id[SOURCE_ID_MAX + 1]);
};

void	 source_entries_free(struct source_entry *, size_t);

#endif
