/*
 * daemon.c: revguardd's main loop.  A connection carries one framed
 * request and gets one framed answer.  Frames are checked here (magic,
 * version, length) before anything is parsed; a bad frame gets an error
 * frame and the connection is closed, and the daemon keeps serving.  The
 * request goes to a worker, which resolves and checks the repository and
 * builds the answer frame; the loop only moves bytes and keeps time.
 */
#include "config.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "revguard/daemon.h"
#include "revguard/log.h"
#include "revguard/odb.h"
#include "revguard/parsecache.h"
#include "revguard/proto.h"
#include "revguard/push.h"
#include "revguard/worker.h"

#define DAEMON_MAX_CONNS	1024
/* Parsed migrations kept across pushes (a few hundred bytes each). */
#define DAEMON_CACHE_ENTRIES	200000
/* Versions-directory listings kept across pushes. */
#define DAEMON_TREE_CACHE	256

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
	struct event		*deadline;
	int			 have_header;
	struct proto_header	 header;
	int			 closing;	/* close once flushed */
	TAILQ_ENTRY(conn)	 entry;
};

struct job {
	struct worker_job	 wj;		/* first: the pool's view */
	struct conn		*conn;		/* NULL: nobody waits */
	struct cfgref		*cfg;
	const struct push_caches *caches;
	json_t			*request;
	char			*reply;		/* a whole frame */
	size_t			 reply_len;
	int			 outcome;	/* 0 accept, 1 reject, 2 error */
	long long		 queued_ms, done_ms;
	char			 summary[512];
};

struct daemon {
	const struct daemon_opts *opts;
	struct event_base	*base;
	struct evconnlistener	*listener;
	struct worker_pool	*pool;
	struct parse_cache	*cache;
	struct engine_cache	 cache_ops;
	struct push_caches	 caches;
	struct cfgref		*cfg;
	struct event		*ev_done, *ev_term, *ev_int, *ev_hup;
	struct event		*ev_stop_deadline, *ev_accept_again;
	TAILQ_HEAD(, conn)	 conns;
	int			 nconns;
	int			 inflight;
	int			 stopping;
	uint64_t		 next_id;
	char			*socket_path;	/* ours to unlink, or NULL */
	unsigned long		 requests, accepted, rejected, errors;
};

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

/* In a worker: resolve, check, and build the answer frame. */
static void
job_run(struct worker_job *wj)
{
	struct job		*job = (struct job *)wj;
	const struct config	*base = &job->cfg->cfg, *cfg;
	struct push_request	 req;
	struct push_result	 res;
	struct strvec		 dirs = STRVEC_INIT;
	char			 err[1024] = "", *repo = NULL;
	json_t			*reply;
	size_t			 i;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	job->outcome = 2;
	if (now_ms() - job->queued_ms > base->daemon.job_timeout_ms) {
		snprintf(err, sizeof(err), "the check waited longer than %d ms "
		    "for a worker", base->daemon.job_timeout_ms);
		goto fail;
	}
	if (proto_request_from_json(job->request, &req, err,
	    sizeof(err)) == -1) {
		char	 tmp[1024];

		snprintf(tmp, sizeof(tmp), "malformed request: %s", err);
		snprintf(err, sizeof(err), "%s", tmp);
		goto fail;
	}
	if ((repo = push_resolve_repository(&base->daemon.repo_roots,
	    req.repository, err, sizeof(err))) == NULL)
		goto fail;
	cfg = config_for_repository(base, repo);
	if (push_object_dirs(&base->daemon.repo_roots, repo, &req, &dirs, err,
	    sizeof(err)) == -1)
		goto fail;
	if (push_check(cfg, repo, &dirs, &req, job->caches, &res, err,
	    sizeof(err)) == -1)
		goto fail;
	reply = proto_result_to_json(&res);
	if (reply == NULL || proto_frame(PROTO_REPLY, reply, &job->reply,
	    &job->reply_len) == -1) {
		json_decref(reply);
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	json_decref(reply);
	job->outcome = res.reject ? 1 : 0;
	snprintf(job->summary, sizeof(job->summary), "%s%s%s %s:", repo,
	    req.pusher.len ? " by " : "", req.pusher.len ?
	    req.pusher.items[0] : "", res.reject ? "rejected" : "accepted");
	for (i = 0; i < res.nrefs; i++) {
		size_t	 n = strlen(job->summary);

		snprintf(job->summary + n, sizeof(job->summary) - n,
		    " %s=%s (%s)", res.refs[i].ref,
		    proto_verdict_name(res.refs[i].verdict),
		    res.refs[i].reason);
	}
	goto done;
fail:
	snprintf(job->summary, sizeof(job->summary), "%s: cannot check: %s",
	    req.repository ? req.repository : "?", err);
	free(job->reply);
	job->reply = NULL;
	if (error_frame(err, &job->reply, &job->reply_len) == -1)
		job->reply = NULL;
done:
	free(repo);
	strvec_clear(&dirs);
	proto_result_clear(&res);
	proto_request_clear(&req);
}

static void
job_free(struct job *job)
{
	cfgref_put(job->cfg);
	json_decref(job->request);
	free(job->reply);
	free(job);
}

static void
conn_close(struct conn *c, const char *reason)
{
	struct daemon	*d = c->d;

	log_debug("connection %llu closed: %s", (unsigned long long)c->id,
	    reason);
	if (c->job != NULL)
		c->job->conn = NULL;	/* the worker's answer is dropped */
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
	bufferevent_disable(c->bev, EV_READ);
	c->closing = 1;
	if (frame == NULL || bufferevent_write(c->bev, frame, len) == -1) {
		conn_close(c, "cannot queue the answer");
		return;
	}
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
conn_error(struct conn *c, const char *msg)
{
	char	*frame = NULL;
	size_t	 len = 0;

	log_info("connection %llu: %s", (unsigned long long)c->id, msg);
	c->d->errors++;
	if (error_frame(msg, &frame, &len) == -1)
		frame = NULL;
	conn_send_and_close(c, frame, len);
	free(frame);
}

static void
conn_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	char		 msg[128];

	(void)fd;
	(void)what;
	snprintf(msg, sizeof(msg), "the check did not finish within %d ms",
	    c->job ? c->job->cfg->cfg.daemon.job_timeout_ms : 0);
	if (c->job != NULL) {
		c->job->conn = NULL;
		c->job = NULL;
	}
	conn_error(c, msg);
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
	struct timeval		 tv;
	json_error_t		 jerr;
	struct job		*job;
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
	job->wj.run = job_run;
	job->conn = c;
	job->cfg = cfgref_get(d->cfg);
	job->caches = &d->caches;
	job->request = j;
	job->queued_ms = now_ms();
	c->job = job;
	bufferevent_disable(bev, EV_READ);
	tv.tv_sec = cfg->daemon.job_timeout_ms / 1000;
	tv.tv_usec = (cfg->daemon.job_timeout_ms % 1000) * 1000;
	c->deadline = evtimer_new(d->base, conn_deadline, c);
	if (c->deadline != NULL)
		evtimer_add(c->deadline, &tv);
	d->inflight++;
	d->requests++;
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
	if (what & BEV_EVENT_TIMEOUT)
		conn_close(c, what & BEV_EVENT_READING ? "read timeout" :
		    "write timeout");
	else if (what & BEV_EVENT_EOF)
		conn_close(c, c->job ? "client went away during the check" :
		    "end of file");
	else if (what & BEV_EVENT_ERROR)
		conn_close(c, evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct daemon		*d = arg;
	const struct config	*cfg = &d->cfg->cfg;
	struct conn		*c;
	struct timeval		 tv;

	(void)l;
	(void)sa;
	(void)salen;
	if (d->nconns >= DAEMON_MAX_CONNS || (c = calloc(1,
	    sizeof(*c))) == NULL) {
		log_warnx("too many connections; refusing one");
		evutil_closesocket(fd);
		return;
	}
	c->id = ++d->next_id;
	c->d = d;
	c->bev = bufferevent_socket_new(d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&d->conns, c, entry);
	d->nconns++;
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	tv.tv_sec = cfg->daemon.client_timeout_ms / 1000;
	tv.tv_usec = (cfg->daemon.client_timeout_ms % 1000) * 1000;
	bufferevent_set_timeouts(c->bev, &tv, &tv);
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

/* Out of descriptors: stop accepting for a second instead of spinning. */
static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	struct daemon	*d = arg;
	struct timeval	 tv = { 1, 0 };
	int		 e = EVUTIL_SOCKET_ERROR();

	log_warnx("accept: %s", evutil_socket_error_to_string(e));
	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		evconnlistener_disable(l);
		evtimer_add(d->ev_accept_again, &tv);
	}
}

static void
maybe_exit(struct daemon *d)
{
	if (d->stopping && d->inflight == 0)
		event_base_loopexit(d->base, NULL);
}

static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	struct daemon		*d = arg;
	struct worker_job	*wj, *next;
	struct job		*job;
	struct conn		*c;

	(void)fd;
	(void)what;
	for (wj = worker_pool_take_done(d->pool); wj != NULL; wj = next) {
		next = wj->next;
		job = (struct job *)wj;
		d->inflight--;
		if (job->outcome == 0)
			d->accepted++;
		else if (job->outcome == 1)
			d->rejected++;
		else
			d->errors++;
		log_info("%s (%lld ms)", job->summary, now_ms() -
		    job->queued_ms);
		if ((c = job->conn) != NULL) {
			c->job = NULL;
			if (c->deadline != NULL) {
				event_free(c->deadline);
				c->deadline = NULL;
			}
			conn_send_and_close(c, job->reply, job->reply_len);
		}
		job_free(job);
	}
	maybe_exit(d);
}

static void
on_stop_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*d = arg;

	(void)fd;
	(void)what;
	log_warnx("%d checks still running at the shutdown deadline; "
	    "stopping anyway", d->inflight);
	event_base_loopexit(d->base, NULL);
}

static void
on_term(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;
	struct timeval	 tv;
	int		 ms = d->cfg->cfg.daemon.shutdown_timeout_ms;

	(void)what;
	if (d->stopping)
		return;
	log_info("signal %d: stopping after %d running checks", (int)sig,
	    d->inflight);
	sd_notify(0, "STOPPING=1");
	d->stopping = 1;
	if (d->listener != NULL) {
		evconnlistener_free(d->listener);
		d->listener = NULL;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	d->ev_stop_deadline = evtimer_new(d->base, on_stop_deadline, d);
	evtimer_add(d->ev_stop_deadline, &tv);
	maybe_exit(d);
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
		cfgref_put(d->cfg);
		d->cfg = fresh;
		log_info("configuration reloaded");
	}
	sd_notify(0, "READY=1");
}

/* A listening socket: from systemd, or bound at path. */
static int
open_listener(struct daemon *d, const struct config *cfg)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd, n, probe;

	if ((n = sd_listen_fds(1)) > 0) {
		fd = SD_LISTEN_FDS_START;
		if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0)
			fatalx("the socket passed by systemd is not a "
			    "listening Unix stream socket");
		if (evutil_make_socket_nonblocking(fd) == -1)
			fatal("nonblocking");
		log_info("listening on the socket passed by systemd");
		return fd;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(cfg->daemon.socket) >= sizeof(sun.sun_path))
		fatalx("socket path %s is too long", cfg->daemon.socket);
	strcpy(sun.sun_path, cfg->daemon.socket);
	if (lstat(cfg->daemon.socket, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatalx("%s exists and is not a socket",
			    cfg->daemon.socket);
		probe = socket(AF_UNIX, SOCK_STREAM, 0);
		if (probe != -1 && connect(probe, (struct sockaddr *)&sun,
		    sizeof(sun)) == 0)
			fatalx("another revguardd is listening on %s",
			    cfg->daemon.socket);
		if (probe != -1)
			close(probe);
		unlink(cfg->daemon.socket);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("bind %s", cfg->daemon.socket);
	if (chmod(cfg->daemon.socket, (mode_t)cfg->daemon.socket_mode) == -1)
		fatal("chmod %s", cfg->daemon.socket);
	if (listen(fd, 128) == -1)
		fatal("listen %s", cfg->daemon.socket);
	d->socket_path = strdup(cfg->daemon.socket);
	log_info("listening on %s", cfg->daemon.socket);
	return fd;
}

int
daemon_run(const struct daemon_opts *o)
{
	struct daemon		 d;
	struct worker_job	*wj, *next;
	struct conn		*c;
	char			 err[1024];
	unsigned long		 hits, misses;
	size_t			 entries;
	long			 cores;
	int			 fd, nworkers;

	memset(&d, 0, sizeof(d));
	d.opts = o;
	TAILQ_INIT(&d.conns);
	signal(SIGPIPE, SIG_IGN);
	if ((d.cfg = cfgref_load(o, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (d.cfg->cfg.daemon.repo_roots.len == 0)
		log_warnx("no repo_roots configured: every request will be "
		    "refused");
	if (odb_global_init(1) == -1)
		fatalx("cannot initialise libgit2");
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	nworkers = d.cfg->cfg.daemon.workers > 0 ? d.cfg->cfg.daemon.workers :
	    cores > 0 ? (int)cores : 2;
	if ((d.cache = parse_cache_new(DAEMON_CACHE_ENTRIES)) == NULL)
		fatalx("cannot allocate the parse cache");
	d.cache_ops = parse_cache_ops(d.cache);
	d.caches.parsed = &d.cache_ops;
	if ((d.caches.trees = odb_tree_cache_new(DAEMON_TREE_CACHE)) == NULL)
		fatalx("cannot allocate the tree cache");
	if ((d.pool = worker_pool_new(nworkers)) == NULL)
		fatal("cannot start %d workers", nworkers);
	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	fd = open_listener(&d, &d.cfg->cfg);
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
	event_add(d.ev_done, NULL);
	event_add(d.ev_term, NULL);
	event_add(d.ev_int, NULL);
	event_add(d.ev_hup, NULL);
	log_info("revguardd %s ready: %d workers, %zu repository roots",
	    PACKAGE_VERSION, nworkers, d.cfg->cfg.daemon.repo_roots.len);
	sd_notify(0, "READY=1");

	event_base_dispatch(d.base);

	while ((c = TAILQ_FIRST(&d.conns)) != NULL)
		conn_close(c, "shutting down");
	for (wj = worker_pool_free(d.pool); wj != NULL; wj = next) {
		next = wj->next;
		job_free((struct job *)wj);
	}
	if (d.listener != NULL)
		evconnlistener_free(d.listener);
	if (d.socket_path != NULL) {
		unlink(d.socket_path);
		free(d.socket_path);
	}
	event_free(d.ev_done);
	event_free(d.ev_term);
	event_free(d.ev_int);
	event_free(d.ev_hup);
	event_free(d.ev_accept_again);
	if (d.ev_stop_deadline != NULL)
		event_free(d.ev_stop_deadline);
	event_base_free(d.base);
	parse_cache_stats(d.cache, &hits, &misses, &entries);
	log_info("stopped: %lu requests, %lu accepted, %lu rejected, %lu "
	    "errors; parse cache: %lu hits, %lu misses, %zu entries",
	    d.requests, d.accepted, d.rejected, d.errors, hits, misses,
	    entries);
	cfgref_put(d.cfg);
	parse_cache_free(d.cache);
	odb_tree_cache_free(d.caches.trees);
	odb_global_shutdown();
	return 0;
}
