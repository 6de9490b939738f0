/*
 * fs.c: the working-tree source.  Paths are walked from the root
 * directory descriptor one component at a time, each opened with
 * O_NOFOLLOW, so no symbolic link anywhere below the root is followed: a
 * checked-out pull request cannot point the check at files outside the
 * tree.  Meeting a link is an error naming it, never a silent skip.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "revguard/fs.h"
#include "revguard/strvec.h"

#define FS_MISSING	(-2)

/*
 * Opens path (relative, "" for the root) below root_fd without following
 * any symbolic link: each component is opened on its own with O_NOFOLLOW.
 * Returns a descriptor, FS_MISSING when the path does not exist (or runs
 * through a file), or -1 with err naming the path and the link.
 */
static int
fs_open(int root_fd, const char *path, int flags, char *err, size_t errlen)
{
	struct stat	 st;
	const char	*c = path, *end;
	char		 name[NAME_MAX + 1];
	size_t		 n;
	int		 fd, next, last, saved;

	if ((fd = dup(root_fd)) == -1)
		goto fail_errno;
	for (;;) {
		while (*c == '/')
			c++;
		if (*c == '\0')
			break;
		end = strchr(c, '/');
		n = end ? (size_t)(end - c) : strlen(c);
		last = c[n + strspn(c + n, "/")] == '\0';
		if (n > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto fail_errno;
		}
		memcpy(name, c, n);
		name[n] = '\0';
		c += n;
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			snprintf(err, errlen, "`%s`: a `..` component; paths "
			    "in a working tree stay below its root", path);
			goto fail;
		}
		next = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
		    (last ? flags : O_DIRECTORY));
		if (next == -1) {
			saved = errno;
			if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode)) {
				snprintf(err, errlen, "`%s`: `%.*s` is a "
				    "symbolic link; revguard follows no link "
				    "in a working tree (check the target, or "
				    "commit a real directory or file)", path,
				    (int)(c - path), path);
				goto fail;
			}
			errno = saved;
			if (errno == ENOENT || errno == ENOTDIR) {
				close(fd);
				return FS_MISSING;
			}
			goto fail_errno;
		}
		close(fd);
		fd = next;
	}
	if ((flags & O_DIRECTORY) == 0 && fstat(fd, &st) == 0 &&
	    S_ISDIR(st.st_mode)) {
		close(fd);
		return FS_MISSING;
	}
	return fd;
fail_errno:
	snprintf(err, errlen, "cannot open `%s`: %s", path, strerror(errno));
fail:
	if (fd != -1)
		close(fd);
	return -1;
}

int
fs_tree_open(struct fs_tree *t, const char *root, char *err, size_t errlen)
{
	if ((t->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		snprintf(err, errlen, "cannot open directory `%s`: %s", root,
		    strerror(errno));
		return -1;
	}
	return 0;
}

void
fs_tree_close(struct fs_tree *t)
{
	if (t->root_fd != -1)
		close(t->root_fd);
	t->root_fd = -1;
}

static int
fs_read(void *ctx, const char *path, char **data, size_t *len, char *err,
    size_t errlen)
{
	struct fs_tree	*t = ctx;
	struct stat	 st;
	ssize_t		 r;
	size_t		 got = 0;
	int		 fd;

	/* O_NONBLOCK: a FIFO in the tree must not hang the check. */
	if ((fd = fs_open(t->root_fd, path, O_NONBLOCK, err, errlen)) < 0)
		return fd == FS_MISSING ? 1 : -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 1;
	}
	if (st.st_size > SOURCE_MAX_FILE) {
		snprintf(err, errlen, "`%s` is larger than %d bytes", path,
		    SOURCE_MAX_FILE);
		close(fd);
		return SOURCE_TOO_LARGE;
	}
	if ((*data = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, *data + got, (size_t)st.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "cannot read `%s`: %s", path,
			    r == 0 ? "file shrank" : strerror(errno));
			free(*data);
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	(*data)[got] = '\0';
	*len = got;
	close(fd);
	return 0;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct source_entry *)a)->name,
	    ((const struct source_entry *)b)->name);
}

static int
fs_list(void *ctx, const char *path, struct source_entry **out, size_t *n,
    char *err, size_t errlen)
{
	struct fs_tree		*t = ctx;
	struct source_entry	*v = NULL;
	struct dirent		*de;
	struct stat		 st;
	DIR			*dir;
	size_t			 count = 0, cap = 0;
	int			 fd;

	if ((fd = fs_open(t->root_fd, path, O_DIRECTORY, err, errlen)) < 0)
		return fd == FS_MISSING ? 1 : -1;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (xgrow(&v, &cap, count + 1, sizeof(*v)) == -1)
			goto fail;
		if (fstatat(dirfd(dir), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if ((v[count].name = strdup(de->d_name)) == NULL)
			goto fail;
		v[count].id[0] = '\0';	/* files on disk have no content ID */
		v[count].kind = S_ISREG(st.st_mode) ? SOURCE_FILE :
		    S_ISDIR(st.st_mode) ? SOURCE_DIR :
		    S_ISLNK(st.st_mode) ? SOURCE_SYMLINK : SOURCE_OTHER;
		/* A nested repository is what a submodule looks like. */
		if (v[count].kind == SOURCE_DIR) {
			char	 gitpath[4096];

			snprintf(gitpath, sizeof(gitpath), "%s/.git",
			    de->d_name);
			if (fstatat(dirfd(dir), gitpath, &st,
			    AT_SYMLINK_NOFOLLOW) == 0)
				v[count].kind = SOURCE_SUBMODULE;
		}
		count++;
	}
	closedir(dir);
	if (count > 1)
		qsort(v, count, sizeof(*v), entry_cmp);
	*out = v ? v : calloc(1, sizeof(*v));
	*n = count;
	return *out ? 0 : -1;
fail:
	closedir(dir);
	source_entries_free(v, count);
	snprintf(err, errlen, "out of memory listing `%s`", path);
	return -1;
}

const struct source_ops fs_source_ops = {
	fs_read,
	fs_list,
	NULL		/* no content IDs on disk */
};
