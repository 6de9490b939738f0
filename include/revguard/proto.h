/*
 * proto: the wire protocol between `revguard hook` and revguardd
 * (docs/protocol.md).  A frame is a 12-byte header (magic "RVGD",
 * version, type, two reserved bytes, big-endian payload length) and a
 * JSON object.  One request and one reply per connection.  This module
 * only encodes and decodes; it does no I/O.
 */
#ifndef REVGUARD_PROTO_H
#define REVGUARD_PROTO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "revguard/strvec.h"

#define PROTO_MAGIC		"RVGD"
#define PROTO_VERSION		1
#define PROTO_HEADER_LEN	12
#define PROTO_DEFAULT_MAX	(8u << 20)
/* Longest string field (a ref name, a path) in a request. */
#define PROTO_MAX_FIELD		4096
/* Ref updates in one request: git pushes of more are refused. */
#define PROTO_MAX_UPDATES	10000
/* The longest timeout_ms a hook may send (one day). */
#define PROTO_MAX_TIMEOUT_MS	86400000

enum proto_type {
	PROTO_REQUEST = 1,	/* hook -> daemon: check these updates */
	PROTO_REPLY = 2,	/* daemon -> hook: the verdict */
	PROTO_ERROR = 3		/* either way: cannot go on */
};

enum proto_header_status {
	PROTO_HEADER_OK,
	PROTO_HEADER_BAD_MAGIC,
	PROTO_HEADER_BAD_VERSION,
	PROTO_HEADER_BAD_TYPE,
	PROTO_HEADER_TOO_LONG
};

struct proto_header {
	uint8_t		 version;
	uint8_t		 type;
	uint32_t	 length;
};

struct push_update {
	char		*old_id;
	char		*new_id;
	char		*ref;
};

/* What the hook does when the check cannot run (hook.on_unavailable). */
enum proto_unavailable {
	PROTO_UNAVAILABLE_UNSAID,	/* an older hook did not say */
	PROTO_UNAVAILABLE_REJECT,
	PROTO_UNAVAILABLE_ACCEPT
};

struct push_request {
	char			*repository;	/* GIT_DIR, absolute */
	char			*quarantine;	/* GIT_QUARANTINE_PATH or NULL */
	char			*object_directory;
	struct strvec		 alternates;	/* unquoted entries */
	struct strvec		 push_options;
	struct strvec		 pusher;	/* "NAME=value" */
	struct push_update	*updates;
	size_t			 nupdates;
	/* Milliseconds the hook will still wait for the answer when it
	 * sends the request; 0: not said. */
	int			 timeout_ms;
	enum proto_unavailable	 on_unavailable;
};

enum push_verdict {
	PUSH_SKIP,	/* not ours to judge: deletion, tag, unguarded */
	PUSH_ACCEPT,
	PUSH_REJECT
};

struct push_ref_result {
	char			*ref;
	enum push_verdict	 verdict;
	char			*reason;
	size_t			 migrations, errors, warnings;
};

struct push_result {
	int			 reject;
	struct push_ref_result	*refs;
	size_t			 nrefs;
	struct strvec		 messages;	/* shown as remote: lines */
};

/* Writes a header for a payload of len bytes into out. */
void	 proto_header_encode(uint8_t out[PROTO_HEADER_LEN], enum proto_type,
	    uint32_t len);
/* Checks a received header against the version and size limit. */
enum proto_header_status proto_header_decode(const uint8_t *,
	    struct proto_header *, uint32_t max_len);
const char *proto_header_error(enum proto_header_status,
	    const struct proto_header *, uint32_t max_len, char *buf,
	    size_t buflen);

/* A whole frame (header + JSON) as a new buffer. */
int	 proto_frame(enum proto_type, json_t *, char **out, size_t *len);

json_t	*proto_request_to_json(const struct push_request *);
/* Fills req from JSON; -1 with the offending field in err. */
int	 proto_request_from_json(json_t *, struct push_request *, char *err,
	    size_t errlen);
void	 proto_request_clear(struct push_request *);
/*
 * Reads only timeout_ms and on_unavailable, for the daemon's loop to set
 * the deadline before a worker parses the rest; bad values read as
 * "not said" (the full parse rejects them).
 */
void	 proto_request_budget(json_t *, int *timeout_ms,
	    enum proto_unavailable *);
const char *proto_unavailable_name(enum proto_unavailable);
int	 proto_add_update(struct push_request *, const char *old_id,
	    const char *new_id, const char *ref);

/*
 * Splits GIT_ALTERNATE_OBJECT_DIRECTORIES: entries separated by ':',
 * an entry starting with '"' is C-quoted (git does that for paths that
 * contain ':' or '"').  -1 on a malformed quote.
 */
int	 proto_split_alternates(const char *, struct strvec *);
void	 proto_result_clear(struct push_result *);
json_t	*proto_result_to_json(const struct push_result *);
/* Reads a reply; -1 when it is not a well-formed reply. */
int	 proto_result_from_json(json_t *, struct push_result *);
const char *proto_verdict_name(enum push_verdict);

/* "All zeroes" of any length is git's null object ID. */
int	 proto_is_null_id(const char *);

#endif
