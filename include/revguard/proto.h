/*
 * proto: the wire protocol between `revguard hook` and revguardd
 * (docs/protocol.md).  A frame is a 12-byte header (magic "RVGD",
 * version, type, two reserved bytes, big-endian payload length) and a
 * JSON object.  One request and one reply per connection.  This module
 * only encodes and decodes the domain types of request.h; it does no
 * I/O.
 */
#ifndef REVGUARD_PROTO_H
#define REVGUARD_PROTO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "revguard/request.h"
#include "revguard/strvec.h"

#define PROTO_MAGIC		"RVGD"
/* 2: replies carry structured diagnostics (1 carried rendered lines). */
#define PROTO_VERSION		2
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
/*
 * Reads only timeout_ms and on_unavailable, for the daemon's loop to set
 * the deadline before a worker parses the rest; bad values read as
 * "not said" (the full parse rejects them).
 */
void	 proto_request_budget(json_t *, int *timeout_ms,
	    enum push_unavailable *);

/*
 * Splits GIT_ALTERNATE_OBJECT_DIRECTORIES: entries separated by ':',
 * an entry starting with '"' is C-quoted (git does that for paths that
 * contain ':' or '"').  -1 on a malformed quote.
 */
int	 proto_split_alternates(const char *, struct strvec *);
/* A reply: every ref with its structured diagnostics and notes. */
json_t	*proto_result_to_json(const struct push_result *);
/* Reads a reply; -1 when it is not a well-formed reply. */
int	 proto_result_from_json(json_t *, struct push_result *);

#endif
