/*
 * spool: pushes the daemon never saw.  When the hook gets no verdict it
 * writes one small JSON file per push into the spool directory
 * (decisions.spool, mode 1733: the git users may create files, not list
 * or remove them), and revguardd imports those into the decision log
 * (source "hook") and removes them.  A file is written to a temporary
 * name and linked into one of SPOOL_SLOTS_PER_UID fixed names of its
 * uid, so the hook of one uid never keeps more than SPOOL_SLOTS_PER_UID
 * files of at most SPOOL_MAX_FILE bytes there, and never follows a
 * symbolic link.  A record's source names the uid that owns its file.
 */
#ifndef REVGUARD_SPOOL_H
#define REVGUARD_SPOOL_H

#include <stddef.h>

#include "revguard/request.h"

/* Names per uid (d-UID-0000.json ...): one user cannot take them all. */
#define SPOOL_SLOTS_PER_UID	1024
#define SPOOL_MAX_FILE	16384
/* Refs written per push; the file says how many there were. */
#define SPOOL_MAX_REFS	100

/*
 * Records an unchecked push: verdict is "fail-open" or "fail-closed",
 * error why it was not checked.  -1 with the reason in err (no spool
 * directory, a spool that is full, jammed by other users, or unsafe).
 */
int	 spool_write(const char *dir, const struct push_request *,
	    const char *verdict, const char *error, long long time_ms,
	    char *err, size_t errlen);

struct store;

/*
 * Imports at most max_files spool files into the store as decisions of
 * node, removing each once it is stored; malformed files are removed
 * with a log line.  The number imported, or -1 with err when the
 * directory cannot be read or the store failed (the rest stay).
 */
long	 spool_import(const char *dir, struct store *, const char *node,
	    size_t max_files, char *err, size_t errlen);

#endif
