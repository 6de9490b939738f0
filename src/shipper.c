/*
 * shipper.c: copies the node's decisions from its local SQLite log to
 * PostgreSQL on a thread of its own (shipper.h says why and how).  It
 * reads the local log through its own read-only connection, never the
 * loop thread's, and PostgreSQL through its own connection, so neither a
 * slow disk read here nor a PostgreSQL outage can hold up a push: the
 * loop thread only ever takes the lock below for a counter or a signal.
 *
 * Where to start: the node's shipped mark in PostgreSQL (store_pg.h),
 * raised in the same transaction as each batch, so a crash between a
 * commit and its acknowledgement resends a batch that then stores
 * nothing.  A local log that is behind the mark was reset: everything is
 * sent again, and a different decision under a taken key is reported.
 */
#include "config.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "revguard/clock.h"
#include "revguard/store_sqlite.h"
#include "revguard/log.h"
#include "revguard/shipper.h"
#include "revguard/store.h"
#include "revguard/store_pg.h"

#define SHIPPER_BATCH		200
#define SHIPPER_IDLE_MS		1000	/* look again without a kick */
#define SHIPPER_PROBE_MS	5000	/* idle: is PostgreSQL still up? */
#define SHIPPER_BACKOFF_MIN_MS	250
#define SHIPPER_BACKOFF_MAX_MS	30000
#define SHIPPER_PRUNE_MS	60000
#define SHIPPER_PRUNE_BUDGET	10000
#define SHIPPER_STOP_S		3	/* shipper_stop waits at most */
/* A call to PostgreSQL this long without an answer: it hangs (down). */
#define SHIPPER_HUNG_MS		5000

struct shipper {
	char			*sqlite_path, *conninfo, *node;
	size_t			 batch;
	long long		 max_age_ms, max_rows;
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	/* Under lock. */
	int			 stop, kicked;
	struct shipper_state	 st;
	long long		 oldest_ms;	/* wall: oldest pending */
	/* Decisions committed since the last count (kicks), and when the
	 * first of them was: the backlog grows while the thread is stuck
	 * in a call to a server that hangs. */
	long long		 unseen, unseen_ms;
	long long		 busy_ms;	/* mono: in a call since */
	/* The thread's own. */
	sqlite3			*db;
	struct store		*pg;
	long long		 mark;		/* highest local seq shipped */
	int			 have_mark;
	long long		 backoff_ms;
	long long		 next_probe_ms, next_prune_ms;
};

const char *
shipper_pg_name(enum shipper_pg pg)
{
	switch (pg) {
	case SHIPPER_PG_OFF:		return "off";
	case SHIPPER_PG_CONNECTING:	return "connecting";
	case SHIPPER_PG_UP:		return "up";
	case SHIPPER_PG_DOWN:		return "down";
	}
	return "?";
}

/* Records PostgreSQL's state; logs only when it changes. */
static void
set_pg(struct shipper *sh, enum shipper_pg pg, const char *error)
{
	enum shipper_pg	 was;

	pthread_mutex_lock(&sh->lock);
	was = sh->st.pg;
	sh->st.pg = pg;
	if (pg == SHIPPER_PG_DOWN) {
		sh->st.failures++;
		snprintf(sh->st.error, sizeof(sh->st.error), "%s", error);
	} else if (pg == SHIPPER_PG_UP)
		sh->st.error[0] = '\0';
	pthread_mutex_unlock(&sh->lock);
	if (pg == SHIPPER_PG_DOWN && was != SHIPPER_PG_DOWN)
		log_warnx("shipper: PostgreSQL unavailable, decisions wait in "
		    "the local log and are retried: %s", error);
	else if (pg == SHIPPER_PG_DOWN)
		log_debug("shipper: still failing: %s", error);
	else if (pg == SHIPPER_PG_UP && was == SHIPPER_PG_DOWN)
		log_info("shipper: PostgreSQL is back; shipping");
}

static void
local_error(struct shipper *sh, const char *what)
{
	pthread_mutex_lock(&sh->lock);
	snprintf(sh->st.error, sizeof(sh->st.error), "%s: %s: %s",
	    sh->sqlite_path, what, sh->db != NULL ? sqlite3_errmsg(sh->db) :
	    "cannot open");
	pthread_mutex_unlock(&sh->lock);
	log_warnx("shipper: %s: %s: %s", sh->sqlite_path, what,
	    sh->db != NULL ? sqlite3_errmsg(sh->db) : "cannot open");
}

static int
local_open(struct shipper *sh)
{
	if (sh->db != NULL)
		return 0;
	if (sqlite3_open_v2(sh->sqlite_path, &sh->db, SQLITE_OPEN_READONLY,
	    NULL) != SQLITE_OK) {
		local_error(sh, "opening the local log");
		sqlite3_close(sh->db);
		sh->db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(sh->db, 2000);
	return 0;
}

/* One integer (or two) from a query on the local log with one bound. */
static int
local_ints(struct shipper *sh, const char *sql, long long bound,
    long long *a, long long *b)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(sh->db, sql, -1, &st, NULL) != SQLITE_OK) {
		local_error(sh, "reading the local log");
		return -1;
	}
	sqlite3_bind_int64(st, 1, bound);
	rc = sqlite3_step(st);
	*a = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	if (b != NULL)
		*b = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		local_error(sh, "reading the local log");
		return -1;
	}
	return 0;
}

/*
 * Reads up to sh->batch decisions after the mark, oldest first, all of
 * one node (a renamed node ships its old decisions under their own
 * name), in one read transaction.  The number read, or -1.
 */
static long
local_read(struct shipper *sh, struct store_decision *ds)
{
	sqlite3_stmt	*st = NULL, *refs = NULL, *diags = NULL;
	long		 n = 0;
	int		 rc, failed = 0, oom;

	if (sqlite3_exec(sh->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sh->db, "SELECT seq, node, time_ms, repository, "
	    "mode, source, pusher, pusher_env, verdict, error, bypass_reason, "
	    "duration_ms, version, config_digest FROM decisions WHERE seq > ? "
	    "ORDER BY seq LIMIT ?", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sh->db, STORE_SQLITE_SELECT_REFS, -1, &refs,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sh->db, STORE_SQLITE_SELECT_DIAGS, -1, &diags,
	    NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(st, 1, sh->mark);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)sh->batch);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_decision	*d = &ds[n];
		const unsigned char	*node = sqlite3_column_text(st, 1);

		if (n > 0 && (node == NULL || ds[0].node == NULL ||
		    strcmp((const char *)node, ds[0].node) != 0))
			break;
		memset(d, 0, sizeof(*d));
		n++;
		oom = 1;
		if (store_sqlite_row(st, d) == -1 ||
		    store_sqlite_details(refs, diags, d, &oom) == -1) {
			if (!oom)
				goto sqlfail;
			log_warnx("shipper: out of memory reading a decision");
			failed = 1;
			break;
		}
	}
	if (!failed && rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	sqlite3_finalize(refs);
	sqlite3_finalize(diags);
	sqlite3_exec(sh->db, "COMMIT", NULL, NULL, NULL);
	if (failed) {
		while (n > 0)
			store_decision_clear(&ds[--n]);
		return -1;
	}
	return n;
sqlfail:
	local_error(sh, "reading decisions to ship");
	sqlite3_finalize(st);
	sqlite3_finalize(refs);
	sqlite3_finalize(diags);
	sqlite3_exec(sh->db, "ROLLBACK", NULL, NULL, NULL);
	while (n > 0)
		store_decision_clear(&ds[--n]);
	return -1;
}

/* How many decisions wait, and since when. */
static void
update_lag(struct shipper *sh)
{
	long long	 pending = 0, oldest = 0;

	/* Counted from here on: a kick that races is counted twice, once. */
	pthread_mutex_lock(&sh->lock);
	sh->unseen = 0;
	sh->unseen_ms = 0;
	pthread_mutex_unlock(&sh->lock);
	if (local_ints(sh, "SELECT count(*), min(time_ms) FROM decisions "
	    "WHERE seq > ?", sh->mark, &pending, &oldest) == -1)
		return;
	pthread_mutex_lock(&sh->lock);
	sh->st.pending = pending;
	sh->oldest_ms = pending > 0 ? oldest : 0;
	pthread_mutex_unlock(&sh->lock);
}

/* Marks a call to PostgreSQL in progress (busy) or over. */
static void
pg_busy(struct shipper *sh, int busy)
{
	pthread_mutex_lock(&sh->lock);
	sh->busy_ms = busy ? clock_mono_ms() : 0;
	pthread_mutex_unlock(&sh->lock);
}

/* The next wait after a failure with PostgreSQL. */
static long long
fail_pg(struct shipper *sh, const char *err)
{
	set_pg(sh, SHIPPER_PG_DOWN, err);
	sh->backoff_ms = sh->backoff_ms == 0 ? SHIPPER_BACKOFF_MIN_MS :
	    sh->backoff_ms * 2 > SHIPPER_BACKOFF_MAX_MS ?
	    SHIPPER_BACKOFF_MAX_MS : sh->backoff_ms * 2;
	update_lag(sh);
	return sh->backoff_ms;
}

/* Where to start: the mark in PostgreSQL, unless the local log is older. */
static int
find_mark(struct shipper *sh, char *err, size_t errlen)
{
	long long	 mark, local_max;

	pg_busy(sh, 1);
	if (store_pg_shipped(sh->pg, sh->node, &mark, err, errlen) == -1) {
		pg_busy(sh, 0);
		return -1;
	}
	pg_busy(sh, 0);
	if (local_ints(sh, "SELECT coalesce(max(seq), 0) FROM decisions "
	    "WHERE seq > ?", -1, &local_max, NULL) == -1) {
		snprintf(err, errlen, "cannot read the local log");
		return -1;
	}
	if (local_max < mark) {
		log_warnx("shipper: the local log ends at seq %lld but "
		    "PostgreSQL has node `%s` shipped up to %lld: the log was "
		    "reset; sending it all again (a decision that differs from "
		    "the one stored under its key is reported, not stored)",
		    local_max, log_vis(sh->node), mark);
		mark = 0;
	}
	sh->mark = mark;
	sh->have_mark = 1;
	log_info("shipper: node `%s` shipped up to seq %lld; local log at %lld",
	    log_vis(sh->node), mark, local_max);
	return 0;
}

/* One round; how long to wait before the next (0: go on at once). */
static long long
ship_once(struct shipper *sh, struct store_decision *ds)
{
	char		 err[1024];
	long long	 now;
	long		 n, i;

	if (local_open(sh) == -1)
		return SHIPPER_IDLE_MS;
	if (!sh->have_mark && find_mark(sh, err, sizeof(err)) == -1)
		return fail_pg(sh, err);
	if ((n = local_read(sh, ds)) == -1)
		return SHIPPER_IDLE_MS;
	now = clock_mono_ms();
	if (n == 0) {
		update_lag(sh);
		if (now >= sh->next_probe_ms) {
			long long	 mark;

			/* Idle: keep the state honest for /readyz. */
			sh->next_probe_ms = now + SHIPPER_PROBE_MS;
			pg_busy(sh, 1);
			if (store_pg_shipped(sh->pg, sh->node, &mark, err,
			    sizeof(err)) == -1) {
				pg_busy(sh, 0);
				return fail_pg(sh, err);
			}
			pg_busy(sh, 0);
			set_pg(sh, SHIPPER_PG_UP, NULL);
		}
		if (sh->max_age_ms > 0 || sh->max_rows > 0) {
			if (now >= sh->next_prune_ms) {
				sh->next_prune_ms = now + SHIPPER_PRUNE_MS;
				pg_busy(sh, 1);
				if (store_prune(sh->pg, clock_wall_ms(),
				    sh->max_age_ms, sh->max_rows,
				    SHIPPER_PRUNE_BUDGET, err,
				    sizeof(err)) == -1)
					log_warnx("shipper: %s", err);
				pg_busy(sh, 0);
			}
		}
		sh->backoff_ms = 0;
		return SHIPPER_IDLE_MS;
	}
	if (ds[0].seq > sh->mark + 1 && sh->mark > 0)
		log_warnx("shipper: decisions %lld to %lld were pruned from "
		    "the local log before they were shipped (decisions.max_age "
		    "or max_rows is shorter than a PostgreSQL outage)",
		    sh->mark + 1, ds[0].seq - 1);
	pg_busy(sh, 1);
	i = store_pg_put_batch(sh->pg, ds, (size_t)n, err, sizeof(err));
	pg_busy(sh, 0);
	if (i == -1) {
		for (i = 0; i < n; i++)
			store_decision_clear(&ds[i]);
		return fail_pg(sh, err);
	}
	sh->mark = ds[n - 1].seq;
	for (i = 0; i < n; i++)
		store_decision_clear(&ds[i]);
	sh->backoff_ms = 0;
	sh->next_probe_ms = now + SHIPPER_PROBE_MS;
	pthread_mutex_lock(&sh->lock);
	sh->st.shipped += (unsigned long)n;
	sh->st.batches++;
	pthread_mutex_unlock(&sh->lock);
	set_pg(sh, SHIPPER_PG_UP, NULL);
	update_lag(sh);
	return 0;
}

static void *
shipper_main(void *arg)
{
	struct shipper		*sh = arg;
	struct store_decision	*ds;
	struct timespec		 until;
	long long		 wait_ms;
	int			 down;

	if ((ds = calloc(sh->batch, sizeof(*ds))) == NULL) {
		log_warnx("shipper: out of memory; not shipping");
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&sh->lock);
		if (sh->stop) {
			pthread_mutex_unlock(&sh->lock);
			break;
		}
		pthread_mutex_unlock(&sh->lock);
		wait_ms = ship_once(sh, ds);
		if (wait_ms == 0)
			continue;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += wait_ms / 1000;
		until.tv_nsec += (wait_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_mutex_lock(&sh->lock);
		/*
		 * While PostgreSQL is down a kick does not cut the backoff;
		 * it only counts the new decision into the lag, so /metrics
		 * shows the backlog growing during an outage.
		 */
		down = sh->st.pg == SHIPPER_PG_DOWN;
		if (down)
			sh->kicked = 0;
		while (!sh->stop && !sh->kicked &&
		    pthread_cond_timedwait(&sh->cond, &sh->lock, &until) == 0)
			if (down && sh->kicked && !sh->stop) {
				sh->kicked = 0;
				pthread_mutex_unlock(&sh->lock);
				update_lag(sh);
				pthread_mutex_lock(&sh->lock);
			}
		sh->kicked = 0;
		pthread_mutex_unlock(&sh->lock);
	}
	free(ds);
	return NULL;
}

static void
shipper_free(struct shipper *sh)
{
	if (sh == NULL)
		return;
	store_close(sh->pg);
	sqlite3_close(sh->db);
	pthread_cond_destroy(&sh->cond);
	pthread_mutex_destroy(&sh->lock);
	free(sh->sqlite_path);
	free(sh->conninfo);
	free(sh->node);
	free(sh);
}

struct shipper *
shipper_start(const struct shipper_opts *o, char *err, size_t errlen)
{
	struct shipper	*sh;

	if ((sh = calloc(1, sizeof(*sh))) == NULL)
		goto oom;
	pthread_mutex_init(&sh->lock, NULL);
	pthread_cond_init(&sh->cond, NULL);
	sh->batch = o->batch > 0 ? o->batch : SHIPPER_BATCH;
	sh->max_age_ms = o->max_age_ms;
	sh->max_rows = o->max_rows;
	sh->st.pg = SHIPPER_PG_CONNECTING;
	if ((sh->sqlite_path = strdup(o->sqlite_path)) == NULL ||
	    (sh->conninfo = strdup(o->conninfo)) == NULL ||
	    (sh->node = strdup(o->node)) == NULL)
		goto oom;
	/* Connects on the thread: a server that is down is not an error. */
	if ((sh->pg = store_pg_open_lazy(o->conninfo, err, errlen)) == NULL)
		goto fail;
	if (pthread_create(&sh->thread, NULL, shipper_main, sh) != 0) {
		snprintf(err, errlen, "cannot start the shipper thread");
		goto fail;
	}
	return sh;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	shipper_free(sh);
	return NULL;
}

void
shipper_kick(struct shipper *sh)
{
	if (sh == NULL)
		return;
	pthread_mutex_lock(&sh->lock);
	sh->kicked = 1;
	if (sh->unseen++ == 0)
		sh->unseen_ms = clock_wall_ms();
	pthread_cond_signal(&sh->cond);
	pthread_mutex_unlock(&sh->lock);
}

void
shipper_state(struct shipper *sh, struct shipper_state *out)
{
	long long	 now = clock_wall_ms(), oldest, busy;

	if (sh == NULL) {
		memset(out, 0, sizeof(*out));
		out->pg = SHIPPER_PG_OFF;
		return;
	}
	pthread_mutex_lock(&sh->lock);
	*out = sh->st;
	out->pending += sh->unseen;
	oldest = sh->oldest_ms > 0 ? sh->oldest_ms : sh->unseen_ms;
	busy = sh->busy_ms > 0 ? clock_mono_ms() - sh->busy_ms : 0;
	pthread_mutex_unlock(&sh->lock);
	out->lag_ms = out->pending > 0 && oldest > 0 && now > oldest ?
	    now - oldest : 0;
	if (busy > SHIPPER_HUNG_MS) {
		out->pg = SHIPPER_PG_DOWN;
		snprintf(out->error, sizeof(out->error), "PostgreSQL has not "
		    "answered for %lld s", busy / 1000);
	}
}

void
shipper_stop(struct shipper *sh)
{
	struct timespec	 until;

	if (sh == NULL)
		return;
	pthread_mutex_lock(&sh->lock);
	sh->stop = 1;
	pthread_cond_signal(&sh->cond);
	pthread_mutex_unlock(&sh->lock);
	/*
	 * A server that hangs (not down: frozen, or a network that drops
	 * packets) can hold a statement for its timeouts; the daemon does
	 * not wait that long to exit.  The batch was not committed, so the
	 * next start sends it again.
	 */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += SHIPPER_STOP_S;
	if (pthread_timedjoin_np(sh->thread, NULL, &until) != 0) {
		log_warnx("shipper: PostgreSQL does not answer; stopping "
		    "without it (nothing is lost: the local log keeps every "
		    "decision)");
		pthread_detach(sh->thread);
		return;		/* the thread still uses sh */
	}
	shipper_free(sh);
}
