/*
 * spool.c: the hook's record of a push it could not get checked, and the
 * daemon's import of those records into the decision log.
 *
 * The directory is writable by every git user, so everything in it is
 * untrusted: the hook creates files with O_EXCL | O_NOFOLLOW relative to
 * the directory it opened without following a link, and refuses a
 * world-writable directory without the sticky bit; the daemon opens
 * entries with O_NOFOLLOW, takes only regular files of at most
 * SPOOL_MAX_FILE bytes under the slot names, parses them with jansson,
 * and records which user wrote each one.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "revguard/spool.h"
#include "revguard/store.h"
#include "revguard/strvec.h"

#ifdef REVGUARD_SPOOL_IMPORT
#include "revguard/log.h"
#endif

#define SPOOL_VERSION	1
/* A temporary file older than this was left by a hook that died. */
#define SPOOL_STALE_S	600
/* How much earlier than its file's ctime a record's time may be. */
#define SPOOL_SKEW_S	60

/* The request as a spool record, with at most nrefs of its updates. */
static char *
spool_json(const struct push_request *req, const char *verdict,
    const char *error, long long time_ms, size_t nrefs)
{
	json_t	*j, *updates = json_array(), *pusher = json_array();
	char	*out;
	size_t	 i;

	for (i = 0; i < req->nupdates && i < nrefs; i++)
		json_array_append_new(updates, json_pack("{s:s, s:s, s:s}",
		    "old", req->updates[i].old_id, "new",
		    req->updates[i].new_id, "ref", req->updates[i].ref));
	for (i = 0; i < req->pusher.len; i++)
		json_array_append_new(pusher, json_string(
		    req->pusher.items[i]));
	j = json_pack("{s:i, s:I, s:s, s:o, s:o, s:I, s:s, s:s, s:s}",
	    "v", SPOOL_VERSION, "time_ms", (json_int_t)time_ms,
	    "repository", req->repository ? req->repository : "(unknown)",
	    "pusher", pusher, "updates", updates,
	    "nupdates", (json_int_t)req->nupdates, "verdict", verdict,
	    "error", error ? error : "", "version", PACKAGE_VERSION);
	if (j == NULL)
		return NULL;
	out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return out;
}

int
spool_write(const char *dir, const struct push_request *req,
    const char *verdict, const char *error, long long time_ms, char *err,
    size_t errlen)
{
	struct stat	 sb;
	char		 tmp[64], slot[32], *data = NULL;
	size_t		 len = 0, nrefs = SPOOL_MAX_REFS, k, start, squatted = 0;
	uid_t		 uid = geteuid();
	int		 dirfd = -1, fd = -1, rv = -1;
	ssize_t		 w;

	tmp[0] = '\0';
	/* O_PATH: the hook may create in the directory, not read it. */
	if ((dirfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(dirfd, &sb) == -1) {
		snprintf(err, errlen, "spool %s: %s", dir, strerror(errno));
		goto done;
	}
	if ((sb.st_mode & S_IWOTH) && !(sb.st_mode & S_ISVTX)) {
		snprintf(err, errlen, "spool %s: writable by everyone without "
		    "the sticky bit (chmod 1733); not used", dir);
		goto done;
	}
	/* Fewer refs until the record fits. */
	for (;;) {
		free(data);
		if ((data = spool_json(req, verdict, error, time_ms,
		    nrefs)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto done;
		}
		len = strlen(data);
		if (len <= SPOOL_MAX_FILE)
			break;
		if (nrefs == 0) {
			snprintf(err, errlen, "spool: the record is larger "
			    "than %d bytes", SPOOL_MAX_FILE);
			goto done;
		}
		nrefs /= 2;
	}
	snprintf(tmp, sizeof(tmp), "tmp.%ld.%ld", (long)getpid(),
	    (long)(time_ms % 1000000007));
	if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0644)) == -1) {
		snprintf(err, errlen, "spool %s: %s", dir, strerror(errno));
		tmp[0] = '\0';
		goto done;
	}
	/* The daemon's group may not be ours: readable by all, in a
	 * directory only the daemon lists. */
	(void)fchmod(fd, 0644);
	if ((w = write(fd, data, len)) != (ssize_t)len || fsync(fd) == -1) {
		snprintf(err, errlen, "spool %s: writing: %s", dir,
		    w >= 0 && w != (ssize_t)len ? "short write" :
		    strerror(errno));
		goto done;
	}
	/*
	 * A free slot among our uid's: link(2) never replaces, so a slot is
	 * taken once.  Another user can create files under our names (the
	 * directory lets everyone create); those are counted, so the pusher
	 * hears that the spool is jammed, and revguardd removes them.
	 */
	start = (size_t)((unsigned long)time_ms * 2654435761u ^
	    (unsigned long)getpid()) % SPOOL_SLOTS_PER_UID;
	for (k = 0; k < SPOOL_SLOTS_PER_UID; k++) {
		snprintf(slot, sizeof(slot), "d-%lu-%04zu.json",
		    (unsigned long)uid, (start + k) % SPOOL_SLOTS_PER_UID);
		if (linkat(dirfd, tmp, dirfd, slot, 0) == 0)
			break;
		if (errno != EEXIST) {
			snprintf(err, errlen, "spool %s: %s", dir,
			    strerror(errno));
			goto done;
		}
		if (fstatat(dirfd, slot, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    sb.st_uid != uid)
			squatted++;
	}
	if (k == SPOOL_SLOTS_PER_UID && squatted > 0) {
		snprintf(err, errlen, "spool %s is jammed: %zu of the %d "
		    "places for uid %lu are taken by other users' files", dir,
		    squatted, SPOOL_SLOTS_PER_UID, (unsigned long)uid);
		goto done;
	}
	if (k == SPOOL_SLOTS_PER_UID) {
		snprintf(err, errlen, "spool %s is full (%d records of uid %lu "
		    "waiting for revguardd)", dir, SPOOL_SLOTS_PER_UID,
		    (unsigned long)uid);
		goto done;
	}
	rv = 0;
done:
	if (tmp[0] != '\0')
		(void)unlinkat(dirfd, tmp, 0);
	if (fd != -1)
		close(fd);
	if (dirfd != -1)
		close(dirfd);
	free(data);
	return rv;
}

#ifdef REVGUARD_SPOOL_IMPORT

/* A string member, copied; NULL when absent.  *bad when not a string. */
static char *
get_str(json_t *j, const char *key, size_t max, int *bad)
{
	json_t	*v = json_object_get(j, key);
	char	*s;

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v) || strlen(json_string_value(v)) > max) {
		*bad = 1;
		return NULL;
	}
	if ((s = strdup(json_string_value(v))) == NULL)
		*bad = 1;
	return s;
}

/* A spool record as a decision; -1 with err when it is not one. */
static int
spool_parse(const char *data, size_t len, const struct stat *sb,
    time_t now, const char *node, struct store_decision *d, char *err,
    size_t errlen)
{
	long long	 ctime_ms;
	json_t		*j, *u, *updates, *pusher;
	json_error_t	 jerr;
	struct buf	 env = BUF_INIT;
	const char	*first, *eq;
	char		*why;
	size_t		 i;
	int		 bad = 0;

	memset(d, 0, sizeof(*d));
	if ((j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL || !json_is_object(j)) {
		snprintf(err, errlen, "not a spool record (%s)", j ?
		    "not an object" : jerr.text);
		json_decref(j);
		return -1;
	}
	updates = json_object_get(j, "updates");
	pusher = json_object_get(j, "pusher");
	if (json_integer_value(json_object_get(j, "v")) != SPOOL_VERSION ||
	    !json_is_array(updates) || !json_is_array(pusher) ||
	    json_array_size(updates) > SPOOL_MAX_REFS ||
	    !json_is_integer(json_object_get(j, "time_ms"))) {
		snprintf(err, errlen, "not a spool record of version %d",
		    SPOOL_VERSION);
		json_decref(j);
		return -1;
	}
	d->node = strdup(node);
	d->time_ms = json_integer_value(json_object_get(j, "time_ms"));
	/*
	 * The writer sets the record's time and the file's mtime (touch
	 * -d); nobody but the clock sets its ctime, which link(2) moved to
	 * when the hook filed it.  A time more than SPOOL_SKEW_S before
	 * that or after it is not believed, nor one after now.
	 */
	ctime_ms = ((long long)sb->st_ctime < (long long)now ?
	    (long long)sb->st_ctime : (long long)now) * 1000;
	if (d->time_ms < ctime_ms - SPOOL_SKEW_S * 1000 ||
	    d->time_ms > ctime_ms + 999)
		d->time_ms = ctime_ms;
	d->repository = get_str(j, "repository", 4096, &bad);
	/* Who wrote the file is the one fact nobody forges. */
	if (asprintf(&d->source, "hook uid %lu",
	    (unsigned long)sb->st_uid) == -1)
		d->source = NULL;
	d->verdict = get_str(j, "verdict", 32, &bad);
	if (d->verdict == NULL || (strcmp(d->verdict, STORE_FAIL_OPEN) != 0 &&
	    strcmp(d->verdict, STORE_FAIL_CLOSED) != 0))
		bad = 1;
	d->version = get_str(j, "version", 64, &bad);
	why = get_str(j, "error", 2048, &bad);
	if (asprintf(&d->error, "%s (recorded by the hook, uid %lu; %lld of "
	    "%lld refs)", why ? why : "not checked", (unsigned long)sb->st_uid,
	    (long long)json_array_size(updates), (long long)
	    json_integer_value(json_object_get(j, "nupdates"))) == -1)
		d->error = NULL;
	free(why);
	json_array_foreach(pusher, i, u) {
		if (!json_is_string(u) || strlen(json_string_value(u)) > 4096) {
			bad = 1;
			break;
		}
		if (buf_printf(&env, "%s\n", json_string_value(u)) == -1)
			bad = 1;
		if (i == 0) {
			first = json_string_value(u);
			eq = strchr(first, '=');
			d->pusher = strdup(eq ? eq + 1 : first);
		}
	}
	d->pusher_env = env.data;
	if (json_array_size(updates) > 0 && (d->refs = calloc(
	    json_array_size(updates), sizeof(*d->refs))) == NULL)
		bad = 1;
	json_array_foreach(updates, i, u) {
		struct store_ref	*r;

		if (d->refs == NULL)
			break;
		r = &d->refs[d->nrefs++];
		r->ref = get_str(u, "ref", 4096, &bad);
		r->old_id = get_str(u, "old", 128, &bad);
		r->new_id = get_str(u, "new", 128, &bad);
		if (r->ref == NULL || (r->verdict = strdup(d->verdict ?
		    d->verdict : "")) == NULL)
			bad = 1;
	}
	json_decref(j);
	if (bad || d->node == NULL || d->repository == NULL ||
	    d->source == NULL || d->error == NULL) {
		snprintf(err, errlen, "not a well-formed spool record");
		store_decision_clear(d);
		return -1;
	}
	return 0;
}

/*
 * The names spool_write links: 1 for d-UID-NNNN.json, with the uid in
 * *uid; 2 for d-NNNN.json (0.1 hooks, any uid); 0 for anything else.
 */
static int
slot_name(const char *name, unsigned long *uid)
{
	size_t	 n;

	if (strlen(name) == 11 && strncmp(name, "d-", 2) == 0 &&
	    strspn(name + 2, "0123456789") == 4 &&
	    strcmp(name + 6, ".json") == 0)
		return 2;
	if (strncmp(name, "d-", 2) != 0 || (n = strspn(name + 2,
	    "0123456789")) == 0 || n > 10 || name[2 + n] != '-' ||
	    strspn(name + 3 + n, "0123456789") != 4 ||
	    strcmp(name + 7 + n, ".json") != 0)
		return 0;
	*uid = strtoul(name + 2, NULL, 10);
	return 1;
}

long
spool_import(const char *dir, struct store *st, const char *node,
    size_t max_files, char *err, size_t errlen)
{
	struct store_decision	 d;
	struct dirent		*e;
	struct stat		 sb;
	DIR			*dp;
	char			 buf[SPOOL_MAX_FILE + 1], why[512];
	long			 n = 0;
	ssize_t			 len;
	unsigned long		 uid = 0;
	int			 dirfd, fd, kind;

	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;	/* no spool: nothing waits */
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((dp = fdopendir(dirfd)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		close(dirfd);
		return -1;
	}
	while ((size_t)n < max_files && (e = readdir(dp)) != NULL) {
		if (strncmp(e->d_name, "tmp.", 4) == 0) {
			if (fstatat(dirfd, e->d_name, &sb,
			    AT_SYMLINK_NOFOLLOW) == 0 && sb.st_mtime +
			    SPOOL_STALE_S < time(NULL))
				(void)unlinkat(dirfd, e->d_name, 0);
			continue;
		}
		if ((kind = slot_name(e->d_name, &uid)) == 0)
			continue;
		fd = openat(dirfd, e->d_name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC);
		if (fd == -1 || fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
		    sb.st_size > SPOOL_MAX_FILE) {
			log_warnx("spool %s: %s: not a regular file of at most "
			    "%d bytes; removed", dir, e->d_name,
			    SPOOL_MAX_FILE);
			if (fd != -1)
				close(fd);
			(void)unlinkat(dirfd, e->d_name, 0);
			continue;
		}
		if (kind == 1 && (unsigned long)sb.st_uid != uid) {
			/* Taking another user's place: jamming, or a
			 * record in a name that would vouch for it. */
			log_warnx("spool %s: %s: written by uid %lu into a "
			    "place of uid %lu; removed", dir, e->d_name,
			    (unsigned long)sb.st_uid, uid);
			close(fd);
			(void)unlinkat(dirfd, e->d_name, 0);
			continue;
		}
		len = read(fd, buf, sizeof(buf));
		close(fd);
		if (len < 0 || spool_parse(buf, (size_t)len, &sb, time(NULL),
		    node, &d, why, sizeof(why)) == -1) {
			log_warnx("spool %s: %s: %s; removed", dir, e->d_name,
			    len < 0 ? strerror(errno) : why);
			(void)unlinkat(dirfd, e->d_name, 0);
			continue;
		}
		if (store_put(st, &d, err, errlen) == -1) {
			store_decision_clear(&d);
			closedir(dp);
			return -1;
		}
		store_decision_clear(&d);
		(void)unlinkat(dirfd, e->d_name, 0);
		n++;
	}
	closedir(dp);
	return n;
}

#endif /* REVGUARD_SPOOL_IMPORT */
