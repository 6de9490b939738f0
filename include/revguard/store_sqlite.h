/*
 * store_sqlite: what the SQLite decision log's readers share.  The
 * backend (store_sqlite.c) and the shipper (shipper.c, on its own read
 * connection) read decisions the same way: one row of the decisions
 * table, then its refs and diagnostics.
 */
#ifndef REVGUARD_STORE_SQLITE_H
#define REVGUARD_STORE_SQLITE_H

#include <sqlite3.h>

#include "revguard/store.h"

/* SELECT a decision's refs and its diagnostics; bind 1 is its seq. */
#define STORE_SQLITE_SELECT_REFS	"SELECT ref, old_id, new_id, verdict, " \
	"outcome, reason FROM refs WHERE decision = ? ORDER BY idx"
#define STORE_SQLITE_SELECT_DIAGS	"SELECT ref_index, rule, severity, " \
	"file, line, revision, message, old FROM diags WHERE decision = ? " \
	"ORDER BY idx"

/*
 * Reads the current row of a statement that selected seq, node,
 * time_ms, repository, mode, source, pusher, pusher_env, verdict,
 * error, bypass_reason, duration_ms, version and config_digest, in that
 * order, into d.  -1 when memory ran out (d holds what was read).
 */
int	 store_sqlite_row(sqlite3_stmt *, struct store_decision *d);
/*
 * Reads d's refs and diagnostics through statements prepared from the
 * two SELECTs above.  0; -1 with *oom set when memory ran out, else
 * SQLite's error is on the statements' connection.
 */
int	 store_sqlite_details(sqlite3_stmt *refs, sqlite3_stmt *diags,
	    struct store_decision *d, int *oom);

#endif
