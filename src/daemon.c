/*
 * daemon.c: revguardd's main loop.  A connection carries one framed
 * request and gets one framed answer.  Frames are checked here (magic,
 * version, length) before anything is parsed; a bad frame gets an error
 * frame and the connection is closed, and the daemon keeps serving.  The
 * request goes to a worker, which resolves and checks the repository and
 * builds the answer frame; the loop only moves bytes and keeps time.
 *
 * Every phase of a connection has one deadline: the whole request within
 * client_timeout, the check within min(job_timeout, the hook's own
 * timeout), the answer's delivery within client_timeout.  A check past its
 * deadline is told to stop (engine_deadline) and its pusher gets an error
 * frame at once, so the hook applies on_unavailable; the log records the
 * answer the pusher got, once it was delivered.  Connections are capped
 * (max_connections); when full, the oldest connection still sending its
 * request, of the client process with most such connections, is dropped
 * for a newcomer from another process; that process's own newcomers are
 * refused.  So one client cannot keep a hook out.
 */
#include "config.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "revguard/clock.h"
#include "revguard/daemon.h"
#include "revguard/http.h"
#include "revguard/listen.h"
#include "revguard/log.h"
#include "revguard/objcache.h"
#include "revguard/odb.h"
#include "revguard/parsecache.h"
#include "revguard/proto.h"
#include "revguard/decision.h"
#include "revguard/serve.h"
#include "revguard/sha256.h"
#include "revguard/shipper.h"
#include "revguard/store_pg.h"
#include "revguard/spool.h"
#include "revguard/identity.h"
#include "revguard/stats.h"
#include "revguard/store_sink.h"
#include "revguard/strvec.h"
#include "revguard/worker.h"

/* Descriptors kept for repositories and pack files (a quarter, at least). */
#define DAEMON_FD_RESERVE	64
/* Time kept from the hook's budget to deliver the answer (at most). */
#define DAEMON_HOOK_MARGIN_MS	250
/* After shutdown_timeout: time to deliver the last error frames. */
#define DAEMON_STOP_GRACE_MS	1000
/* At most one line this often about dropped connections. */
#define DAEMON_DROP_LOG_MS	10000
/* Parsed migrations kept across pushes (a few hundred bytes each). */
#define DAEMON_CACHE_ENTRIES	200000
/* Versions-directory listings kept across pushes. */
#define DAEMON_TREE_CACHE	256
/* Threads for the HTTP endpoint's analyses, apart from the checks'. */
#define DAEMON_HTTP_WORKERS	2
/* The decision log's upkeep: a prune batch of at most this many rows
 * (about 10 ms at 1,000,000 decisions: a push waits at most that), every
 * DAEMON_KEEP_MS, every DAEMON_KEEP_BUSY_MS while more is due. */
#define DAEMON_PRUNE_BUDGET	100
#define DAEMON_KEEP_MS		5000
#define DAEMON_KEEP_BUSY_MS	100
/* Spool files imported at most per run, and how often it runs. */
#define DAEMON_SPOOL_BATCH	1000
#define DAEMON_SPOOL_MS		60000

struct cfgref {
	struct config	 cfg;
	int		 refs;		/* atomic */
};

struct job;

struct conn {
	uint64_t		 id;
	struct daemon		*d;
	struct bufferevent	*bev;
	struct job		*job;		/* in flight */
	struct event		*deadline;	/* of the current phase */
	long long		 accepted_ms;
	pid_t			 pid;		/* the peer, for fairness */
	int			 reading;	/* counted in peers[] */
	int			 have_header;
	struct proto_header	 header;
	int			 closing;	/* close once flushed */
	int			 decided;	/* a decision was recorded */
	TAILQ_ENTRY(conn)	 entry;		/* oldest first */
};

/* Connections still sending their request, per client process. */
struct peer {
	pid_t		 pid;
	int		 reading;
};

/* Why a job's answer no longer goes to its connection. */
enum job_detach {
	JOB_ATTACHED,
	JOB_DEADLINE,		/* the pusher got a timeout error */
	JOB_CLIENT_GONE,
	JOB_SHUTDOWN		/* the pusher got a shutdown error */
};

struct job {
	struct worker_job	 wj;		/* first: the pool's view */
	struct conn		*conn;		/* NULL: nobody waits */
	struct cfgref		*cfg;
	struct serve_opts	 serve;		/* the daemon's, + deadline */
	struct engine_deadline	 stop;
	long long		 deadline_ms;	/* monotonic */
	const int		*aborting;	/* the daemon's, atomic */
	int			 cancelled;	/* atomic: nobody waits */
	enum job_detach		 detached;
	long long		 detached_ms;
	enum push_unavailable	 on_unavailable;
	char			 limit[128];	/* what deadline_ms is */
	json_t			*request;
	char			*reply;		/* a whole frame */
	size_t			 reply_len;
	struct push_result	 res;		/* the verdict, when judged */
	int			 judged;
	char			 error[1024];	/* why not judged */
	long long		 queued_ms, done_ms;
};

struct daemon {
	const struct daemon_opts *opts;
	struct event_base	*base;
	struct evconnlistener	*listener;
	struct worker_pool	*pool;
	struct objcache		*objects;	/* parses and listings */
	struct engine_cache	 cache_ops;	/* its parses */
	struct odb_tree_cache	*trees;		/* its listings */
	const struct decision_sink *sinks[3];
	struct store_sink	*log;		/* the decision log, or NULL */
	struct shipper		*shipper;	/* to the fleet's PostgreSQL */
	struct store		*fleet;		/* the API's view of it */
	struct event		*ev_keep;	/* its pruning and spool */
	long long		 spool_ms;	/* last spool import */
	struct daemon_stats	 stats;
	struct cfgref		*cfg;
	struct event		*ev_done, *ev_term, *ev_int, *ev_hup;
	struct event		*ev_usr1;
	struct event		*ev_stop_deadline, *ev_accept_again;
	struct event		*ev_stop_grace;
	TAILQ_HEAD(, conn)	 conns;
	int			 nconns;
	int			 fd_cap;	/* connections the fds allow */
	struct peer		*peers;
	size_t			 npeers;
	unsigned long		 dropped_logged;
	long long		 drop_log_ms;
	int			 stopping;
	int			 aborting;	/* atomic: stop every check */
	uint64_t		 next_id;
	struct listen_socket	 sock;
	struct http		*http;		/* NULL: http.listen off */
};

static struct cfgref *
cfgref_get(struct cfgref *r)
{
	__atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
	return r;
}

static void
cfgref_put(struct cfgref *r)
{
	if (r != NULL && __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) ==
	    0) {
		config_free(&r->cfg);
		free(r);
	}
}

int
daemon_load_config(const struct daemon_opts *o, struct config *cfg,
    char *err, size_t errlen)
{
	char	 pgerr[512];
	size_t	 i;

	if (config_init(cfg) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (o->config_path != NULL && config_load_file(cfg, o->config_path,
	    err, errlen) == -1) {
		config_free(cfg);
		return -1;
	}
	if (o->socket != NULL) {
		free(cfg->daemon.socket);
		cfg->daemon.socket = strdup(o->socket);
	}
	for (i = 0; i < o->roots.len; i++)
		strvec_push(&cfg->daemon.repo_roots, o->roots.items[i]);
	/* A fleet's connection string is checked with the rest (-n). */
	if (!store_sink_off(cfg->decisions.postgresql) &&
	    store_pg_check_conninfo(cfg->decisions.postgresql, pgerr,
	    sizeof(pgerr)) == -1) {
		snprintf(err, errlen, "%s: decisions.postgresql: %s",
		    o->config_path ? o->config_path : "(defaults)", pgerr);
		config_free(cfg);
		return -1;
	}
	return 0;
}

static struct cfgref *
cfgref_load(const struct daemon_opts *o, char *err, size_t errlen)
{
	struct cfgref	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (daemon_load_config(o, &r->cfg, err, errlen) == -1) {
		free(r);
		return NULL;
	}
	r->refs = 1;
	return r;
}

/* Builds an error frame. */
static int
error_frame(const char *msg, char **out, size_t *len)
{
	json_t	*j = json_pack("{s:s}", "error", msg);
	int	 rv;

	if (j == NULL)
		return -1;
	rv = proto_frame(PROTO_ERROR, j, out, len);
	json_decref(j);
	return rv;
}

/* The engine's deadline: 1 once the check must stop (any thread). */
static int
job_expired(void *arg)
{
	struct job	*job = arg;

	return __atomic_load_n(job->aborting, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&job->cancelled, __ATOMIC_RELAXED) ||
	    clock_mono_ms() >= job->deadline_ms;
}

/* In a worker: judge the request on the one road, build the answer. */
static void
job_run(struct worker_job *wj)
{
	struct job		*job = (struct job *)wj;
	struct push_request	 req;
	char			 err[1024] = "";
	json_t			*reply = NULL;

	memset(&req, 0, sizeof(req));
	job->serve.cfg = &job->cfg->cfg;
	job->serve.roots = &job->cfg->cfg.daemon.repo_roots;
	if (job_expired(job)) {
		snprintf(err, sizeof(err), "the check waited for a worker "
		    "until its deadline, %s", job->limit);
		goto fail;
	}
	if (proto_request_from_json(job->request, &req, err,
	    sizeof(err)) == -1) {
		snprintf(job->error, sizeof(job->error), "malformed request: "
		    "%.1000s", err);
		snprintf(err, sizeof(err), "%s", job->error);
		goto fail;
	}
	if (serve_request(&job->serve, &req, &job->res, err,
	    sizeof(err)) == -1) {
		if (job_expired(job))
			snprintf(err, sizeof(err), "the check did not finish "
			    "within %s and was stopped", job->limit);
		goto fail;
	}
	if ((reply = proto_result_to_json(&job->res)) == NULL ||
	    proto_frame(PROTO_REPLY, reply, &job->reply,
	    &job->reply_len) == -1) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	job->judged = 1;
	goto done;
fail:
	snprintf(job->error, sizeof(job->error), "%s", err);
	push_result_clear(&job->res);
	free(job->reply);
	job->reply = NULL;
	if (error_frame(err, &job->reply, &job->reply_len) == -1)
		job->reply = NULL;
done:
	json_decref(reply);
	push_request_clear(&req);
}

static void
job_free(struct job *job)
{
	push_result_clear(&job->res);
	cfgref_put(job->cfg);
	json_decref(job->request);
	free(job->reply);
	free(job);
}

/* The repository and pusher a request names, for log lines. */
static void
job_who(const struct job *job, char *buf, size_t len)
{
	json_t		*pusher = json_object_get(job->request, "pusher");
	const char	*repo = json_string_value(json_object_get(job->request,
			    "repository"));
	const char	*who = json_string_value(json_array_get(pusher, 0));

	snprintf(buf, len, "%.300s%s%.100s", repo ? repo : "?", who ?
	    " by " : "", who ? who : "");
}

static void	job_unrecorded(struct daemon *, struct job *, int,
		    const char *);

/*
 * The decision: the answer the pusher is about to get (the verdict, or
 * error and the hook's on_unavailable), to every sink, before the reply
 * is sent.  Once per answered request.
 */
static void
job_decide(struct daemon *d, struct job *job, struct conn *c,
    const char *error)
{
	json_t		*pusher = json_object_get(job->request, "pusher");
	json_t		*updates = json_object_get(job->request, "updates");
	json_t		*u;
	struct strvec	 pushers = STRVEC_INIT;
	struct decision	 dec;
	char		 err[1024];
	size_t		 i, n = 0;

	memset(&dec, 0, sizeof(dec));
	/* The request's own words, for the log; what was malformed stays
	 * out. */
	json_array_foreach(pusher, i, u)
		if (json_is_string(u))
			(void)strvec_push(&pushers, json_string_value(u));
	if (json_is_array(updates) && (dec.updates = calloc(
	    json_array_size(updates) + 1, sizeof(*dec.updates))) != NULL) {
		json_array_foreach(updates, i, u) {
			struct push_update	*pu = (struct push_update *)
						    &dec.updates[n];

			pu->old_id = (char *)json_string_value(json_object_get(
			    u, "old"));
			pu->new_id = (char *)json_string_value(json_object_get(
			    u, "new"));
			pu->ref = (char *)json_string_value(json_object_get(u,
			    "ref"));
			if (pu->ref != NULL)
				n++;
		}
	}
	dec.nupdates = n;
	dec.pushers = &pushers;
	dec.repository = json_string_value(json_object_get(job->request,
	    "repository"));
	dec.pusher = identity_recorded(&pushers, config_for_repository(
	    &job->cfg->cfg, dec.repository ? dec.repository : "")->
	    bypass.identity_var, &dec.pusher_from, &dec.pusher_account);
	dec.res = error == NULL ? &job->res : NULL;
	dec.error = error;
	dec.on_unavailable = job->on_unavailable;
	dec.duration_ms = clock_mono_ms() - job->queued_ms;
	if (decision_record(d->sinks, &dec, err, sizeof(err)) == -1) {
		d->stats.log_state = STATS_DEP_FAILING;
		job_unrecorded(d, job, dec.res != NULL, err);
	} else if (d->log != NULL)
		d->stats.log_state = STATS_DEP_OK;
	shipper_kick(d->shipper);
	/* The answer the pusher gets, after decisions.on_error. */
	control_count(&d->stats, control_verdict(dec.res != NULL &&
	    job->judged ? dec.res : NULL, dec.on_unavailable),
	    dec.res ? dec.res->mode : PUSH_MODE_ENFORCE, dec.duration_ms,
	    dec.res);
	free((void *)dec.updates);
	strvec_clear(&pushers);
	if (dec.res == NULL)
		d->stats.unchecked++;
	else if (!job->judged)
		d->stats.unchecked++;
	else if (dec.res->reject)
		d->stats.rejected++;
	else
		d->stats.accepted++;
	if (dec.res != NULL && !dec.res->reject && dec.res->would_reject) {
		if (dec.res->bypass == PUSH_BYPASS_GRANTED)
			d->stats.bypasses++;
		else
			d->stats.observe_rejects++;
	}
	c->decided = 1;
}

/*
 * The decision log could not save an answer that lets a push in:
 * decisions.on_error says what the pusher gets instead.  A push refused
 * anyway, or already unchecked, keeps its answer.  A job without a
 * verdict may still run in its worker: its fields are not read then.
 */
static void
job_unrecorded(struct daemon *d, struct job *job, int verdict,
    const char *why)
{
	const struct config	*cfg = &d->cfg->cfg;
	char			 msg[1400];
	json_t			*reply;
	char			*frame = NULL;
	size_t			 len;

	d->stats.log_write_errors++;
	log_warnx("decision log: %s", why);
	if (!verdict)
		return;
	if (job->reply == NULL || !job->judged || job->res.reject ||
	    cfg->decisions.on_error == CONFIG_ON_ERROR_ACCEPT) {
		if (job->judged && !job->res.reject)
			log_warnx("decision log: the push was accepted "
			    "unrecorded (decisions.on_error: accept)");
		return;
	}
	snprintf(msg, sizeof(msg), "the decision log could not record this "
	    "push (%.1000s)", why);
	if (cfg->decisions.on_error == CONFIG_ON_ERROR_UNAVAILABLE) {
		strncat(msg, "; decisions.on_error: unavailable",
		    sizeof(msg) - strlen(msg) - 1);
		if (error_frame(msg, &frame, &len) == -1)
			return;
	} else {
		strncat(msg, "; refused (decisions.on_error: reject): try "
		    "again, or tell the server administrators",
		    sizeof(msg) - strlen(msg) - 1);
		job->res.reject = 1;
		if (strvec_push(&job->res.notes, msg) == -1 ||
		    (reply = proto_result_to_json(&job->res)) == NULL)
			return;
		if (proto_frame(PROTO_REPLY, reply, &frame, &len) == -1)
			frame = NULL;
		json_decref(reply);
		if (frame == NULL)
			return;
	}
	free(job->reply);
	job->reply = frame;
	job->reply_len = len;
	if (cfg->decisions.on_error == CONFIG_ON_ERROR_UNAVAILABLE) {
		job->judged = 0;
		snprintf(job->error, sizeof(job->error), "%s", msg);
	}
}

/* Counts connections still sending their request, per peer. */
static int
peer_reading(struct daemon *d, pid_t pid, int delta)
{
	struct peer	*p;
	size_t		 i;

	for (i = 0; i < d->npeers; i++)
		if (d->peers[i].pid == pid) {
			if ((d->peers[i].reading += delta) <= 0)
				d->peers[i] = d->peers[--d->npeers];
			return 0;
		}
	if (delta < 0 || (p = reallocarray(d->peers, d->npeers + 1,
	    sizeof(*p))) == NULL)
		return -1;
	d->peers = p;
	p[d->npeers].pid = pid;
	p[d->npeers++].reading = delta;
	return 0;
}

static void
conn_not_reading(struct conn *c)
{
	if (c->reading) {
		c->reading = 0;
		(void)peer_reading(c->d, c->pid, -1);
	}
}

/* (Re)arms the connection's one deadline, ms from now. */
static void
conn_arm(struct conn *c, long long ms)
{
	struct timeval	 tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	if (c->deadline != NULL)
		evtimer_add(c->deadline, &tv);
}

static void
conn_close(struct conn *c, const char *reason)
{
	struct daemon	*d = c->d;

	log_debug("connection %llu closed: %s", (unsigned long long)c->id,
	    reason);
	if (c->decided && strcmp(reason, "answered") != 0)
		log_warnx("connection %llu: the answer above was NOT "
		    "delivered (%s): the pusher got the hook's own "
		    "on_unavailable answer", (unsigned long long)c->id,
		    reason);
	if (c->job != NULL) {
		/* Nobody waits: the worker stops at its next look. */
		c->job->conn = NULL;
		c->job->detached = JOB_CLIENT_GONE;
		__atomic_store_n(&c->job->cancelled, 1, __ATOMIC_RELAXED);
	}
	conn_not_reading(c);
	if (c->deadline != NULL)
		event_free(c->deadline);
	bufferevent_free(c->bev);
	TAILQ_REMOVE(&d->conns, c, entry);
	d->nconns--;
	free(c);
}

/* Queues bytes and closes the connection once they are written. */
static void
conn_send_and_close(struct conn *c, const char *frame, size_t len)
{
	conn_not_reading(c);
	bufferevent_disable(c->bev, EV_READ);
	c->closing = 1;
	if (frame == NULL || bufferevent_write(c->bev, frame, len) == -1) {
		conn_close(c, "cannot queue the answer");
		return;
	}
	conn_arm(c, c->d->cfg->cfg.daemon.client_timeout_ms);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
conn_error(struct conn *c, const char *msg)
{
	char	*frame = NULL;
	size_t	 len = 0;

	log_info("connection %llu: %s", (unsigned long long)c->id, msg);
	c->d->stats.errors++;
	if (error_frame(msg, &frame, &len) == -1)
		frame = NULL;
	conn_send_and_close(c, frame, len);
	free(frame);
}

/*
 * Sends an error frame without waiting (it fits in the socket buffer of
 * a connection that was never answered): for connections the daemon
 * will not keep.
 */
static void
send_error_now(evutil_socket_t fd, const char *msg)
{
	char	*frame = NULL;
	size_t	 len = 0;

	if (error_frame(msg, &frame, &len) == 0)
		(void)send(fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	free(frame);
}

static void
refuse_fd(evutil_socket_t fd, const char *msg)
{
	send_error_now(fd, msg);
	evutil_closesocket(fd);
}

/* Counts a dropped or refused connection; logs now and then, not each. */
static void
note_dropped(struct daemon *d, const char *what)
{
	long long	 now = clock_mono_ms();

	d->stats.dropped++;
	if (d->drop_log_ms != 0 && now - d->drop_log_ms < DAEMON_DROP_LOG_MS)
		return;
	log_warnx("%s: %lu connections dropped or refused in %lld s "
	    "(daemon.max_connections %d)", what, d->stats.dropped -
	    d->dropped_logged, d->drop_log_ms ? (now - d->drop_log_ms) /
	    1000 : 0, d->fd_cap < d->cfg->cfg.daemon.max_connections ?
	    d->fd_cap : d->cfg->cfg.daemon.max_connections);
	d->drop_log_ms = now;
	d->dropped_logged = d->stats.dropped;
}

/*
 * Makes room for a newcomer from process pid (0: none): drops the oldest
 * connection still sending its request, of the peer with most such
 * connections, unless that peer is the newcomer's.  -1 when nothing was
 * dropped: every connection is a request being checked or answered, or
 * the newcomer's process is the one holding most.
 */
static int
conn_evict(struct daemon *d, pid_t pid)
{
	struct conn	*c;
	char		 msg[256];
	size_t		 i, most = 0;

	if (d->npeers == 0)
		return -1;
	for (i = 1; i < d->npeers; i++)
		if (d->peers[i].reading > d->peers[most].reading)
			most = i;
	if (pid != 0 && d->peers[most].pid == pid)
		return -1;
	TAILQ_FOREACH(c, &d->conns, entry)
		if (c->reading && c->pid == d->peers[most].pid)
			break;
	if (c == NULL)
		return -1;
	snprintf(msg, sizeof(msg), "connection dropped: the daemon is at "
	    "daemon.max_connections and this connection sent no complete "
	    "request in %lld ms", clock_mono_ms() - c->accepted_ms);
	note_dropped(d, "dropped the oldest connection still sending its "
	    "request, of the client process with most of them");
	send_error_now(bufferevent_getfd(c->bev), msg);
	conn_close(c, "dropped for a new connection");
	return 0;
}

/* The connection's deadline for its current phase has passed. */
static void
conn_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn		*c = arg;
	struct daemon		*d = c->d;
	struct job		*job = c->job;
	const struct config	*cfg = &d->cfg->cfg;
	char			 msg[512];

	(void)fd;
	(void)what;
	if (c->closing) {
		conn_close(c, "the answer was not read within "
		    "daemon.client_timeout");
		return;
	}
	if (job == NULL) {
		snprintf(msg, sizeof(msg), "no complete request within "
		    "daemon.client_timeout (%d ms)",
		    cfg->daemon.client_timeout_ms);
		conn_error(c, msg);
		return;
	}
	if (__atomic_load_n(&d->aborting, __ATOMIC_RELAXED)) {
		job->detached = JOB_SHUTDOWN;
		snprintf(msg, sizeof(msg), "the daemon is shutting down and "
		    "stopped the check at daemon.shutdown_timeout (%d ms)",
		    cfg->daemon.shutdown_timeout_ms);
	} else {
		job->detached = JOB_DEADLINE;
		snprintf(msg, sizeof(msg), "the check did not finish within "
		    "%s and was stopped", job->limit);
	}
	d->stats.timeouts++;
	job->detached_ms = clock_mono_ms();
	job->conn = NULL;
	c->job = NULL;
	job_decide(d, job, c, msg);
	conn_error(c, msg);
}

/* Sets the check's deadline: job_timeout, or sooner for the hook. */
static void
job_set_deadline(struct job *job, const struct config *cfg, long long now)
{
	int	 hook_ms, margin, budget;

	job->deadline_ms = now + cfg->daemon.job_timeout_ms;
	snprintf(job->limit, sizeof(job->limit), "daemon.job_timeout (%d ms)",
	    cfg->daemon.job_timeout_ms);
	proto_request_budget(job->request, &hook_ms, &job->on_unavailable);
	if (hook_ms <= 0)
		return;
	/* Answer while the hook still listens. */
	margin = hook_ms / 10 < DAEMON_HOOK_MARGIN_MS ? hook_ms / 10 :
	    DAEMON_HOOK_MARGIN_MS;
	budget = hook_ms - margin;
	if (budget < cfg->daemon.job_timeout_ms) {
		job->deadline_ms = now + budget;
		snprintf(job->limit, sizeof(job->limit), "the hook's timeout "
		    "(%d ms left when it asked, less %d ms to answer)",
		    hook_ms, margin);
	}
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn		*c = arg;
	struct daemon		*d = c->d;
	struct evbuffer		*in = bufferevent_get_input(bev);
	const struct config	*cfg = &d->cfg->cfg;
	enum proto_header_status st;
	uint8_t			 hdr[PROTO_HEADER_LEN];
	json_error_t		 jerr;
	struct job		*job;
	long long		 now;
	json_t			*j;
	char			 msg[512];

	if (c->closing || c->job != NULL)
		return;
	if (!c->have_header) {
		if (evbuffer_get_length(in) < PROTO_HEADER_LEN)
			return;
		evbuffer_remove(in, hdr, sizeof(hdr));
		st = proto_header_decode(hdr, &c->header,
		    (uint32_t)cfg->daemon.max_frame);
		if (st == PROTO_HEADER_OK && c->header.type != PROTO_REQUEST)
			snprintf(msg, sizeof(msg), "malformed frame: expected "
			    "a request");
		else if (st == PROTO_HEADER_TOO_LONG)
			snprintf(msg, sizeof(msg), "frame of %u bytes exceeds "
			    "the limit of %d bytes (daemon.max_frame); push "
			    "fewer refs at once", c->header.length,
			    cfg->daemon.max_frame);
		else if (st != PROTO_HEADER_OK)
			proto_header_error(st, &c->header,
			    (uint32_t)cfg->daemon.max_frame, msg, sizeof(msg));
		if (st != PROTO_HEADER_OK || c->header.type != PROTO_REQUEST) {
			conn_error(c, msg);
			return;
		}
		c->have_header = 1;
	}
	if (evbuffer_get_length(in) < c->header.length)
		return;
	j = json_loadb((const char *)evbuffer_pullup(in, c->header.length),
	    c->header.length, JSON_REJECT_DUPLICATES, &jerr);
	evbuffer_drain(in, c->header.length);
	if (j == NULL || !json_is_object(j)) {
		snprintf(msg, sizeof(msg), "malformed request: %s", j ?
		    "not a JSON object" : jerr.text);
		json_decref(j);
		conn_error(c, msg);
		return;
	}
	if (d->stopping) {
		json_decref(j);
		conn_error(c, "the daemon is shutting down");
		return;
	}
	if ((job = calloc(1, sizeof(*job))) == NULL) {
		json_decref(j);
		conn_error(c, "out of memory");
		return;
	}
	now = clock_mono_ms();
	job->wj.run = job_run;
	job->conn = c;
	job->cfg = cfgref_get(d->cfg);
	job->serve.parsed = &d->cache_ops;
	job->serve.trees = d->trees;
	job->stop.expired = job_expired;
	job->stop.ctx = job;
	job->serve.deadline = &job->stop;
	job->aborting = &d->aborting;
	job->request = j;
	job->queued_ms = now;
	job_set_deadline(job, cfg, now);
	c->job = job;
	job_who(job, msg, sizeof(msg));
	log_debug("connection %llu: request for %s, deadline in %lld ms: %s",
	    (unsigned long long)c->id, msg, job->deadline_ms - now,
	    job->limit);
	conn_not_reading(c);
	bufferevent_disable(bev, EV_READ);
	conn_arm(c, job->deadline_ms - now);
	d->stats.inflight++;
	d->stats.requests++;
	worker_pool_submit(d->pool, &job->wj);
}

static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;

	if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) ==
	    0)
		conn_close(c, "answered");
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;

	(void)bev;
	if (what & BEV_EVENT_EOF)
		conn_close(c, c->job ? "client went away during the check" :
		    "end of file");
	else if (what & BEV_EVENT_ERROR)
		conn_close(c, evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
}

/* Connections allowed now: the configuration, within the descriptors. */
static int
max_conns(const struct daemon *d)
{
	int	 m = d->cfg->cfg.daemon.max_connections;

	return m < d->fd_cap ? m : d->fd_cap;
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct daemon		*d = arg;
	const struct config	*cfg = &d->cfg->cfg;
	struct ucred		 cred;
	socklen_t		 credlen = sizeof(cred);
	struct conn		*c;
	char			 msg[256];
	pid_t			 pid;

	(void)l;
	(void)sa;
	(void)salen;
	pid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) == 0 ?
	    cred.pid : 0;
	if (d->nconns >= max_conns(d) && conn_evict(d, pid) == -1) {
		snprintf(msg, sizeof(msg), "the daemon is busy: %d "
		    "connections (daemon.max_connections), and this client "
		    "process holds the most that are still sending a request; "
		    "try again", d->nconns);
		note_dropped(d, "refused a connection: the daemon is full");
		refuse_fd(fd, msg);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		refuse_fd(fd, "out of memory");
		return;
	}
	c->id = ++d->next_id;
	c->d = d;
	c->accepted_ms = clock_mono_ms();
	c->pid = pid;
	c->bev = bufferevent_socket_new(d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->deadline = evtimer_new(d->base, conn_deadline, c);
	if (c->bev == NULL || c->deadline == NULL) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			evutil_closesocket(fd);
		if (c->deadline != NULL)
			event_free(c->deadline);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&d->conns, c, entry);
	d->nconns++;
	c->reading = peer_reading(d, c->pid, 1) == 0;
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	/* The whole request, not each read, must arrive in time. */
	conn_arm(c, cfg->daemon.client_timeout_ms);
	bufferevent_enable(c->bev, EV_READ);
}

static void
accept_again(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*d = arg;

	(void)fd;
	(void)what;
	if (d->listener != NULL && !d->stopping)
		evconnlistener_enable(d->listener);
}

/*
 * Out of descriptors: free one (the oldest connection still sending) and
 * stop accepting for a moment instead of spinning.
 */
static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	struct daemon	*d = arg;
	struct timeval	 tv = { 0, 200000 };
	int		 e = EVUTIL_SOCKET_ERROR();

	log_warnx("accept: %s", evutil_socket_error_to_string(e));
	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		(void)conn_evict(d, 0);
		evconnlistener_disable(l);
		evtimer_add(d->ev_accept_again, &tv);
	}
}

static void
maybe_exit(struct daemon *d)
{
	if (d->stopping && d->stats.inflight == 0 && d->nconns == 0)
		event_base_loopexit(d->base, NULL);
}

static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	struct daemon		*d = arg;
	struct worker_job	*wj, *next;
	struct job		*job;
	struct conn		*c;
	char			 who[512];
	long long		 now = clock_mono_ms();

	(void)fd;
	(void)what;
	for (wj = worker_pool_take_done(d->pool); wj != NULL; wj = next) {
		next = wj->next;
		job = (struct job *)wj;
		d->stats.inflight--;
		if ((c = job->conn) != NULL) {
			if (!job->judged && now >= job->deadline_ms)
				d->stats.timeouts++;
			c->job = NULL;
			/* An error frame leaves the decision to the hook. */
			job_decide(d, job, c, job->judged ? NULL : job->error);
			conn_send_and_close(c, job->reply, job->reply_len);
		} else {
			/* The pusher was answered already (or left): the
			 * result is not the decision and is not logged as
			 * one. */
			job_who(job, who, sizeof(who));
			if (job->detached == JOB_CLIENT_GONE)
				log_info("%s: the hook went away; check "
				    "stopped, worker freed after %lld ms", who,
				    now - job->queued_ms);
			else
				log_info("%s: worker freed %lld ms after the "
				    "deadline; the check's result was "
				    "discarded", who, now - job->detached_ms);
		}
		job_free(job);
	}
	maybe_exit(d);
}

static void
on_stop_grace(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*d = arg;

	(void)fd;
	(void)what;
	log_warnx("stopping with %d checks and %d connections left",
	    d->stats.inflight, d->nconns);
	event_base_loopexit(d->base, NULL);
}

/* shutdown_timeout passed: stop every check and answer its pusher. */
static void
on_stop_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*d = arg;
	struct conn	*c, *next;
	struct timeval	 tv = { DAEMON_STOP_GRACE_MS / 1000,
			    (DAEMON_STOP_GRACE_MS % 1000) * 1000 };

	(void)fd;
	(void)what;
	log_warnx("%d checks still running at daemon.shutdown_timeout; "
	    "stopping them", d->stats.inflight);
	__atomic_store_n(&d->aborting, 1, __ATOMIC_RELAXED);
	for (c = TAILQ_FIRST(&d->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->job != NULL)
			conn_deadline(-1, 0, c);
	}
	d->ev_stop_grace = evtimer_new(d->base, on_stop_grace, d);
	evtimer_add(d->ev_stop_grace, &tv);
	maybe_exit(d);
}

static void
on_term(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;
	struct conn	*c, *next;
	struct timeval	 tv;
	int		 ms = d->cfg->cfg.daemon.shutdown_timeout_ms;

	(void)what;
	if (d->stopping)
		return;
	log_info("signal %d: stopping after %d running checks (at most %d "
	    "ms)", (int)sig, d->stats.inflight, ms);
	sd_notify(0, "STOPPING=1");
	d->stopping = 1;
	if (d->listener != NULL) {
		evconnlistener_free(d->listener);
		d->listener = NULL;
	}
	http_stop(d->http);
	/* Requests not yet complete will not be checked. */
	for (c = TAILQ_FIRST(&d->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->reading)
			conn_error(c, "the daemon is shutting down");
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	d->ev_stop_deadline = evtimer_new(d->base, on_stop_deadline, d);
	evtimer_add(d->ev_stop_deadline, &tv);
	maybe_exit(d);
}

/* sha256 of the configuration file's bytes ("" without a file). */
static void
config_digest(const char *path, char out[SHA256_HEX_LEN + 1])
{
	struct sha256	 h;
	char		 buf[8192];
	size_t		 n;
	FILE		*f;

	sha256_init(&h);
	if (path != NULL && (f = fopen(path, "rb")) != NULL) {
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			sha256_update(&h, buf, n);
		fclose(f);
	}
	sha256_hex(&h, out);
}

/*
 * The decision log's upkeep, between pushes: one bounded prune batch
 * (again soon while there is more), and the hook's spool now and then.
 */
static void
on_keep(evutil_socket_t fd, short what, void *arg)
{
	struct daemon		*d = arg;
	const struct config	*cfg = &d->cfg->cfg;
	struct timeval		 tv;
	char			 err[1024];
	long			 n;
	long long		 next = DAEMON_KEEP_MS, now = clock_mono_ms();

	(void)fd;
	(void)what;
	if (d->log == NULL)
		return;
	n = store_prune(store_sink_store(d->log), clock_wall_ms(),
	    cfg->decisions.max_age_ms, cfg->decisions.max_rows,
	    DAEMON_PRUNE_BUDGET, err, sizeof(err));
	if (n == -1)
		log_warnx("decision log: pruning: %s", err);
	else if (n > 0)
		log_debug("decision log: pruned %ld decisions", n);
	if (n >= DAEMON_PRUNE_BUDGET)
		next = DAEMON_KEEP_BUSY_MS;
	if (!store_sink_off(cfg->decisions.spool) && (d->spool_ms == 0 ||
	    now - d->spool_ms >= DAEMON_SPOOL_MS)) {
		d->spool_ms = now;
		n = spool_import(cfg->decisions.spool, store_sink_store(d->log),
		    cfg->decisions.node && *cfg->decisions.node ?
		    cfg->decisions.node : store_sink_hostname(),
		    DAEMON_SPOOL_BATCH, err, sizeof(err));
		if (n == -1) {
			d->stats.log_write_errors++;
			log_warnx("decision log: spool: %s", err);
		} else if (n > 0)
			log_info("decision log: imported %ld unchecked pushes "
			    "from the hook's spool %s", n,
			    cfg->decisions.spool);
		if (n >= DAEMON_SPOOL_BATCH)
			d->spool_ms = 0;
	}
	tv.tv_sec = (time_t)(next / 1000);
	tv.tv_usec = (suseconds_t)(next % 1000) * 1000;
	evtimer_add(d->ev_keep, &tv);
}

/*
 * Opens the decision log the configuration names.  Off when it says
 * off, or when the default's directory does not exist (revguardd run
 * outside its unit): logged.  A path that cannot be opened is fatal.
 */
static void
decisions_open(struct daemon *d)
{
	const struct config	*cfg = &d->cfg->cfg;
	const char		*path = cfg->decisions.path;
	char			 err[1024], digest[SHA256_HEX_LEN + 1];
	struct store		*st;
	struct stat		 sb;

	if (store_sink_off(path)) {
		log_info("decision log off (decisions.path: off)");
		return;
	}
	if (strcmp(path, CONFIG_DEFAULT_DECISIONS) == 0 &&
	    stat("/var/lib/revguard", &sb) == -1) {
		log_warnx("decision log off: /var/lib/revguard does not exist "
		    "(the unit's StateDirectory); set decisions.path");
		return;
	}
	if ((st = store_sqlite_open_flags(path, cfg->decisions.sync_normal ?
	    STORE_SQLITE_NORMAL : 0, err, sizeof(err))) == NULL)
		fatalx("decision log: %s (decisions.path; off disables it)",
		    err);
	config_digest(d->opts->config_path, digest);
	if ((d->log = store_sink_new(st, cfg->decisions.node &&
	    *cfg->decisions.node ? cfg->decisions.node :
	    store_sink_hostname(), digest)) == NULL)
		fatalx("out of memory");
	d->stats.log_state = STATS_DEP_OK;
	log_info("decision log: %s (synchronous=%s)", path,
	    cfg->decisions.sync_normal ? "normal" : "full");
}

/* The node's name in the log: decisions.node, or the host name. */
static const char *
decisions_node(const struct config *cfg)
{
	return cfg->decisions.node && *cfg->decisions.node ?
	    cfg->decisions.node : store_sink_hostname();
}

/*
 * A fleet (docs/fleet.md): the shipper that copies the local log to
 * PostgreSQL, and the API's view that reads it.  Neither connects here:
 * a PostgreSQL that is down must not keep the daemon from serving.
 */
static void
fleet_open(struct daemon *d)
{
	const struct config	*cfg = &d->cfg->cfg;
	struct shipper_opts	 so;
	char			 err[1024];

	if (store_sink_off(cfg->decisions.postgresql))
		return;
	if (d->log == NULL)
		fatalx("decisions.postgresql needs the local decision log "
		    "(decisions.path): the fleet is fed from it");
	/* The key in PostgreSQL; cursors carry it too. */
	if (strlen(decisions_node(cfg)) > 255)
		fatalx("decisions.node: a node name is at most 255 bytes");
	memset(&so, 0, sizeof(so));
	so.sqlite_path = cfg->decisions.path;
	so.conninfo = cfg->decisions.postgresql;
	so.node = decisions_node(cfg);
	so.max_age_ms = cfg->decisions.max_age_ms;
	so.max_rows = cfg->decisions.max_rows;
	if ((d->shipper = shipper_start(&so, err, sizeof(err))) == NULL ||
	    (d->fleet = store_fleet_new(d->shipper, store_sink_store(d->log),
	    cfg->decisions.postgresql, err, sizeof(err))) == NULL)
		fatalx("decisions.postgresql: %s", err);
	log_info("fleet: shipping node `%s`'s decisions to PostgreSQL",
	    log_vis(so.node));
}

/*
 * The decision log the API reads: the fleet's view when there is one,
 * else the node's own log; NULL when there is no log.
 */
struct store *
daemon_decisions_store(struct daemon *d)
{
	if (d->fleet != NULL)
		return d->fleet;
	return d->log != NULL ? store_sink_store(d->log) : NULL;
}

/* The stats struct with the gauges read now. */
static struct daemon_stats *
stats_now(struct daemon *d)
{
	struct objcache_stats	 parsed;
	struct shipper_state	 ship;

	if (d->shipper != NULL) {
		shipper_state(d->shipper, &ship);
		/* Not reached yet counts as failing: unknown is not up. */
		d->stats.pg_state = ship.pg == SHIPPER_PG_UP ? STATS_DEP_OK :
		    STATS_DEP_FAILING;
		d->stats.shipper_pending = ship.pending > 0 ?
		    (unsigned long)ship.pending : 0;
		d->stats.shipper_lag_ms = ship.lag_ms;
	}
	d->stats.connections = d->nconns;
	objcache_stats(d->objects, OBJCACHE_MIGRATION, &parsed);
	d->stats.cache_hits = parsed.hits;
	d->stats.cache_misses = parsed.misses;
	d->stats.cache_entries = parsed.entries;
	return &d->stats;
}

/* The endpoint's view of the daemon (http.h). */
static const struct config *
http_config_get(void *ctx, void **ref)
{
	struct daemon	*d = ctx;
	struct cfgref	*r = cfgref_get(d->cfg);

	*ref = r;
	return &r->cfg;
}

static void
http_config_put(void *ref)
{
	cfgref_put(ref);
}

static struct daemon_stats *
http_stats(void *ctx)
{
	return stats_now(ctx);
}

static void
log_stats(struct daemon *d, const char *when)
{
	char	*line = control_stats_line(stats_now(d), clock_mono_ms());

	log_info("%s: %s", when, line ? line : "out of memory");
	free(line);
}

/* SIGUSR1: the counters, to the log. */
static void
on_usr1(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	log_stats(arg, "stats");
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;
	struct cfgref	*fresh;
	char		 err[1024];

	(void)sig;
	(void)what;
	sd_notify(0, "RELOADING=1");
	if ((fresh = cfgref_load(d->opts, err, sizeof(err))) == NULL) {
		log_warnx("reload failed, keeping the running configuration: "
		    "%s", err);
	} else {
		if (strcmp(fresh->cfg.daemon.socket,
		    d->cfg->cfg.daemon.socket) != 0)
			log_warnx("daemon.socket changed; restart to apply");
		if ((fresh->cfg.http.listen == NULL) !=
		    (d->cfg->cfg.http.listen == NULL) ||
		    (fresh->cfg.http.listen != NULL &&
		    strcmp(fresh->cfg.http.listen,
		    d->cfg->cfg.http.listen) != 0))
			log_warnx("http.listen changed; restart to apply");
		if (strcmp(fresh->cfg.decisions.path,
		    d->cfg->cfg.decisions.path) != 0)
			log_warnx("decisions.path changed; restart to apply");
		if (strcmp(fresh->cfg.decisions.postgresql ?
		    fresh->cfg.decisions.postgresql : "",
		    d->cfg->cfg.decisions.postgresql ?
		    d->cfg->cfg.decisions.postgresql : "") != 0)
			log_warnx("decisions.postgresql changed; restart to "
			    "apply");
		cfgref_put(d->cfg);
		d->cfg = fresh;
		if (d->log != NULL) {
			char	 digest[SHA256_HEX_LEN + 1];

			config_digest(d->opts->config_path, digest);
			store_sink_set_digest(d->log, digest);
		}
		log_info("configuration reloaded");
	}
	sd_notify(0, "READY=1");
}

/*
 * Raises the descriptor limit to its hard maximum and returns how many
 * connections it leaves room for, keeping a quarter (at least
 * DAEMON_FD_RESERVE) for repositories, pack files and the loop.
 */
static int
fd_capacity(void)
{
	struct rlimit	 rl;
	rlim_t		 reserve;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 512;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (rl.rlim_cur > 1048576)
			rl.rlim_cur = 1048576;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	reserve = rl.rlim_cur / 4 > DAEMON_FD_RESERVE ? rl.rlim_cur / 4 :
	    DAEMON_FD_RESERVE;
	if (rl.rlim_cur <= reserve + 1)
		return 1;
	return rl.rlim_cur - reserve > INT_MAX ? INT_MAX :
	    (int)(rl.rlim_cur - reserve);
}

int
daemon_run(const struct daemon_opts *o)
{
	static const size_t	 cache_entries[OBJCACHE_NKINDS] = {
		[OBJCACHE_MIGRATION] = DAEMON_CACHE_ENTRIES,
		[OBJCACHE_LISTING] = DAEMON_TREE_CACHE
	};
	struct daemon		 d;
	struct worker_job	*wj, *next;
	struct conn		*c;
	char			 err[1024];
	long			 cores;
	int			 fd, nworkers, stuck = 0;

	memset(&d, 0, sizeof(d));
	d.opts = o;
	TAILQ_INIT(&d.conns);
	signal(SIGPIPE, SIG_IGN);
	/* A file size limit fails the decision log's write (counted, and
	 * decisions.on_error applies) instead of killing the daemon. */
	signal(SIGXFSZ, SIG_IGN);
	if ((d.cfg = cfgref_load(o, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (d.cfg->cfg.daemon.repo_roots.len == 0)
		log_warnx("no repo_roots configured: every request will be "
		    "refused");
	d.fd_cap = fd_capacity();
	if (d.fd_cap < d.cfg->cfg.daemon.max_connections)
		log_warnx("daemon.max_connections %d is more than the "
		    "descriptor limit allows; serving at most %d",
		    d.cfg->cfg.daemon.max_connections, d.fd_cap);
	if (odb_global_init(1) == -1)
		fatalx("cannot initialise libgit2");
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	nworkers = d.cfg->cfg.daemon.workers > 0 ? d.cfg->cfg.daemon.workers :
	    cores > 0 ? (int)cores : 2;
	if ((d.objects = objcache_new(cache_entries)) == NULL ||
	    (d.trees = odb_tree_cache_of(d.objects)) == NULL)
		fatalx("cannot allocate the object cache");
	d.cache_ops = parse_cache_ops(d.objects);
	d.sinks[0] = &decision_log_sink;
	decisions_open(&d);
	fleet_open(&d);
	d.sinks[1] = d.log ? store_sink_sink(d.log) : NULL;
	d.sinks[2] = NULL;
	d.stats.workers = nworkers;
	d.stats.started_ms = clock_mono_ms();
	if ((d.pool = worker_pool_new(nworkers)) == NULL)
		fatal("cannot start %d workers", nworkers);
	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	/* Before the socket: the spool of pushes made while the daemon
	 * was down is in the log by the time it answers. */
	d.ev_keep = evtimer_new(d.base, on_keep, &d);
	on_keep(-1, 0, &d);
	fd = listen_open(&d.sock, d.cfg->cfg.daemon.socket,
	    d.cfg->cfg.daemon.socket_mode);
	d.listener = evconnlistener_new(d.base, on_accept, &d,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (d.listener == NULL)
		fatalx("evconnlistener_new failed");
	evconnlistener_set_error_cb(d.listener, on_accept_error);
	d.ev_accept_again = evtimer_new(d.base, accept_again, &d);
	d.ev_done = event_new(d.base, worker_pool_fd(d.pool),
	    EV_READ | EV_PERSIST, on_done, &d);
	d.ev_term = evsignal_new(d.base, SIGTERM, on_term, &d);
	d.ev_int = evsignal_new(d.base, SIGINT, on_term, &d);
	d.ev_hup = evsignal_new(d.base, SIGHUP, on_hup, &d);
	d.ev_usr1 = evsignal_new(d.base, SIGUSR1, on_usr1, &d);
	event_add(d.ev_done, NULL);
	event_add(d.ev_term, NULL);
	event_add(d.ev_int, NULL);
	event_add(d.ev_hup, NULL);
	event_add(d.ev_usr1, NULL);
	if (d.cfg->cfg.http.listen != NULL) {
		struct http_opts	 ho;

		memset(&ho, 0, sizeof(ho));
		ho.base = d.base;
		ho.cfg = &d.cfg->cfg;
		/* A fleet node answers for the fleet (docs/fleet.md). */
		ho.store = daemon_decisions_store(&d);
		ho.parsed = &d.cache_ops;
		ho.trees = d.trees;
		ho.workers = DAEMON_HTTP_WORKERS;
		ho.hooks.ctx = &d;
		ho.hooks.config_get = http_config_get;
		ho.hooks.config_put = http_config_put;
		ho.hooks.stats = http_stats;
		if ((d.http = http_new(&ho, err, sizeof(err))) == NULL)
			fatalx("%s", err);
	}
	log_info("revguardd %s ready: %d workers, %zu repository roots, at "
	    "most %d connections", PACKAGE_VERSION, nworkers,
	    d.cfg->cfg.daemon.repo_roots.len, max_conns(&d));
	sd_notify(0, "READY=1");

	event_base_dispatch(d.base);

	while ((c = TAILQ_FIRST(&d.conns)) != NULL)
		conn_close(c, "shutting down");
	__atomic_store_n(&d.aborting, 1, __ATOMIC_RELAXED);
	http_free(d.http, DAEMON_STOP_GRACE_MS);
	d.http = NULL;
	if (d.listener != NULL)
		evconnlistener_free(d.listener);
	listen_close(&d.sock);
	/* Checks were told to stop; one that does not is left behind. */
	__atomic_store_n(&d.aborting, 1, __ATOMIC_RELAXED);
	if (worker_pool_stop(d.pool, DAEMON_STOP_GRACE_MS) == -1) {
		log_warnx("a check did not stop; exiting without it");
		stuck = 1;
	} else {
		for (wj = worker_pool_free(d.pool); wj != NULL; wj = next) {
			next = wj->next;
			job_free((struct job *)wj);
		}
	}
	event_free(d.ev_done);
	event_free(d.ev_term);
	event_free(d.ev_int);
	event_free(d.ev_hup);
	event_free(d.ev_usr1);
	event_free(d.ev_accept_again);
	event_free(d.ev_keep);
	if (d.ev_stop_deadline != NULL)
		event_free(d.ev_stop_deadline);
	if (d.ev_stop_grace != NULL)
		event_free(d.ev_stop_grace);
	event_base_free(d.base);
	log_stats(&d, "stopped");
	store_close(d.fleet);
	shipper_stop(d.shipper);
	store_sink_free(d.log);
	free(d.peers);
	if (stuck)
		return 0;	/* the running check still uses the rest */
	cfgref_put(d.cfg);
	odb_tree_cache_free(d.trees);
	objcache_free(d.objects);
	odb_global_shutdown();
	return 0;
}
