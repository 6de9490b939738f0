/*
 * hook.c: `revguard hook`, the pre-receive client.  It is
 * small on purpose: everything it cannot do (connect, get an answer in
 * time, understand the answer) ends in the configured on_unavailable
 * policy, stated to the pusher with the reason.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "revguard/config.h"
#include "revguard/duration.h"
#include "revguard/hook.h"
#include "revguard/proto.h"
#include "revguard/report.h"
#include "revguard/request.h"
#include "revguard/spool.h"
#include "revguard/vis.h"

#define HOOK_MAX_LINE	8192
#define HOOK_MAX_UPDATES PROTO_MAX_UPDATES
/* Any status but 0 rejects the push; 2 tells a person it was usage. */
#define HOOK_USAGE_ERROR 2
/* Returned when the push itself is over a limit: rejected whatever
 * on_unavailable says, or pushing more would be a way around the check. */
#define HOOK_OVER_LIMIT	(-2)

static const char *const pusher_vars[] = { "GL_USERNAME", "GL_ID", "GL_PROTOCOL",
	"GITEA_PUSHER_NAME", "GITEA_PUSHER_EMAIL", "GITHUB_USER_LOGIN",
	"REMOTE_USER", "USER", NULL };

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads git's "<old> <new> <ref>" lines from stdin. */
static int
read_updates(FILE *in, struct push_request *req, char *err, size_t errlen)
{
	char	 line[HOOK_MAX_LINE], *old, *new, *ref, *save;
	int	 n = 0;

	while (fgets(line, sizeof(line), in) != NULL) {
		n++;
		if (strchr(line, '\n') == NULL && !feof(in)) {
			snprintf(err, errlen, "ref update line %d is longer "
			    "than %d bytes, the most revguard reads", n,
			    HOOK_MAX_LINE - 2);
			return HOOK_OVER_LIMIT;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		old = strtok_r(line, " ", &save);
		new = strtok_r(NULL, " ", &save);
		ref = strtok_r(NULL, "", &save);
		if (old == NULL || new == NULL || ref == NULL) {
			snprintf(err, errlen, "malformed ref update line %d",
			    n);
			return -1;
		}
		if (strlen(ref) > PROTO_MAX_FIELD) {
			snprintf(err, errlen, "ref update line %d names a ref "
			    "longer than %d bytes, the most revguard checks", n,
			    PROTO_MAX_FIELD);
			return HOOK_OVER_LIMIT;
		}
		if (req->nupdates >= HOOK_MAX_UPDATES) {
			snprintf(err, errlen, "this push updates more than "
			    "%d refs, the most revguard checks in one push "
			    "(ref update line %d); push the refs in smaller "
			    "batches", HOOK_MAX_UPDATES, n);
			return HOOK_OVER_LIMIT;
		}
		if (push_request_add_update(req, old, new, ref) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (req->nupdates == 0) {
		snprintf(err, errlen, "no ref updates on standard input");
		return -1;
	}
	return 0;
}

/* Fills the request from git's pre-receive environment. */
static int
read_environment(struct push_request *req, char *err, size_t errlen)
{
	const char	*v;
	char		 real[PATH_MAX], name[64];
	long		 i, count;
	int		 k;

	v = getenv("GIT_DIR");
	if (realpath(v ? v : ".", real) == NULL) {
		snprintf(err, errlen, "GIT_DIR `%s`: %s", v ? v : ".",
		    strerror(errno));
		return -1;
	}
	if ((req->repository = strdup(real)) == NULL)
		return -1;
	if ((v = getenv("GIT_QUARANTINE_PATH")) != NULL && *v &&
	    (req->quarantine = strdup(realpath(v, real) ? real : v)) == NULL)
		return -1;
	if ((v = getenv("GIT_OBJECT_DIRECTORY")) != NULL && *v &&
	    (req->object_directory = strdup(realpath(v, real) ? real :
	    v)) == NULL)
		return -1;
	if ((v = getenv("GIT_ALTERNATE_OBJECT_DIRECTORIES")) != NULL &&
	    proto_split_alternates(v, &req->alternates) == -1) {
		snprintf(err, errlen, "cannot parse "
		    "GIT_ALTERNATE_OBJECT_DIRECTORIES");
		return -1;
	}
	/* Absolute paths: the daemon does not share our directory. */
	for (i = 0; i < (long)req->alternates.len; i++) {
		if (realpath(req->alternates.items[i], real) != NULL) {
			free(req->alternates.items[i]);
			req->alternates.items[i] = strdup(real);
		}
	}
	if ((v = getenv("GIT_PUSH_OPTION_COUNT")) != NULL) {
		count = strtol(v, NULL, 10);
		for (i = 0; i < count && i < 100; i++) {
			snprintf(name, sizeof(name), "GIT_PUSH_OPTION_%ld", i);
			/* Informational: one the daemon would refuse is
			 * left out rather than failing the check. */
			if ((v = getenv(name)) != NULL &&
			    strlen(v) <= PROTO_MAX_FIELD &&
			    strvec_push(&req->push_options, v) == -1)
				return -1;
		}
	}
	for (k = 0; pusher_vars[k] != NULL; k++)
		if ((v = getenv(pusher_vars[k])) != NULL &&
		    strvec_push_owned(&req->pusher, xasprintf("%s=%s",
		    pusher_vars[k], v)) == -1)
			return -1;
	return 0;
}

/* Waits for fd to become ready for events before the deadline. */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd	 p = { fd, events, 0 };
	long long	 left;
	int		 r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

static int
io_all(int fd, char *buf, size_t len, int writing, long long deadline)
{
	size_t	 done = 0;
	ssize_t	 r;

	while (done < len) {
		if (wait_fd(fd, writing ? POLLOUT : POLLIN, deadline) == -1)
			return -1;
		r = writing ? send(fd, buf + done, len - done, MSG_NOSIGNAL) :
		    recv(fd, buf + done, len - done, 0);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (r == -1)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

/*
 * Sends the request and reads the reply within the hook's timeout, which
 * the request carries so that the daemon stops the check in time.
 * Returns 0 with res filled, -1 with the reason in err, or
 * HOOK_OVER_LIMIT when the request is over daemon.max_frame.  *answered
 * is set when the daemon answered with an error (it logged the push).
 */
static int
ask_daemon(const struct config *cfg, const struct push_request *req,
    struct push_result *res, int *answered, char *err, size_t errlen)
{
	const char		*sock_path = cfg->hook.socket;
	int			 timeout_ms = cfg->hook.timeout_ms;
	struct push_request	 sent = *req;	/* shares req's strings */
	int			 send_errno = 0;
	struct sockaddr_un	 sun;
	struct proto_header	 h;
	enum proto_header_status st;
	uint8_t			 hdr[PROTO_HEADER_LEN];
	long long		 deadline = now_ms() + timeout_ms;
	json_t			*j;
	json_error_t		 jerr;
	char			*frame = NULL, *body = NULL, msg[256];
	size_t			 len;
	int			 fd, rv = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sock_path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path `%s` is too long",
		    sock_path);
		return -1;
	}
	strcpy(sun.sun_path, sock_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* EAGAIN: the daemon's backlog is full; nothing was queued. */
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 &&
	    errno != EINPROGRESS) {
		if (errno != EAGAIN || now_ms() >= deadline) {
			snprintf(err, errlen, "cannot connect to %s: %s",
			    sock_path, strerror(errno));
			goto done;
		}
		(void)poll(NULL, 0, 10);
	}
	sent.timeout_ms = (int)(deadline - now_ms());
	if (sent.timeout_ms < 1)
		sent.timeout_ms = 1;
	sent.on_unavailable = cfg->hook.fail_open ? PUSH_UNAVAILABLE_ACCEPT :
	    PUSH_UNAVAILABLE_REJECT;
	if ((j = proto_request_to_json(&sent)) == NULL ||
	    proto_frame(PROTO_REQUEST, j, &frame, &len) == -1) {
		json_decref(j);
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	json_decref(j);
	if (len - PROTO_HEADER_LEN > (size_t)cfg->daemon.max_frame) {
		snprintf(err, errlen, "the request for this push's %zu ref "
		    "updates is %zu bytes, over daemon.max_frame (%d bytes); "
		    "push the refs in smaller batches", req->nupdates,
		    len - PROTO_HEADER_LEN, cfg->daemon.max_frame);
		rv = HOOK_OVER_LIMIT;
		goto done;
	}
	/* A daemon that refuses the request answers, then closes before
	 * reading it all: read its answer before blaming the pipe. */
	if (io_all(fd, frame, len, 1, deadline) == -1) {
		send_errno = errno;
		if (errno != EPIPE && errno != ECONNRESET) {
			snprintf(err, errlen, "%s %s: %s", errno == ETIMEDOUT ?
			    "no answer within" : "talking to", errno ==
			    ETIMEDOUT ? "the timeout" : sock_path,
			    strerror(errno));
			goto done;
		}
	}
	if (io_all(fd, (char *)hdr, sizeof(hdr), 0, deadline) == -1) {
		if (send_errno != 0)
			errno = send_errno;
		snprintf(err, errlen, "%s %s: %s", errno == ETIMEDOUT ?
		    "no answer within" : "talking to", errno == ETIMEDOUT ?
		    "the timeout" : sock_path, strerror(errno));
		goto done;
	}
	if ((st = proto_header_decode(hdr, &h, 64u << 20)) != PROTO_HEADER_OK ||
	    h.type == PROTO_REQUEST) {
		snprintf(err, errlen, "the daemon answered garbage (%s)",
		    proto_header_error(st, &h, 64u << 20, msg, sizeof(msg)));
		goto done;
	}
	if ((body = malloc((size_t)h.length + 1)) == NULL ||
	    io_all(fd, body, h.length, 0, deadline) == -1) {
		snprintf(err, errlen, "reading the answer: %s",
		    strerror(errno));
		goto done;
	}
	if ((j = json_loadb(body, h.length, 0, &jerr)) == NULL) {
		snprintf(err, errlen, "the daemon answered garbage (%s)",
		    jerr.text);
		goto done;
	}
	if (h.type == PROTO_ERROR) {
		*answered = 1;
		snprintf(err, errlen, "the daemon could not check: %s",
		    json_string_value(json_object_get(j, "error")) ?
		    json_string_value(json_object_get(j, "error")) : "?");
		json_decref(j);
		goto done;
	}
	if (proto_result_from_json(j, res) == -1) {
		snprintf(err, errlen, "the daemon answered garbage (not a "
		    "verdict)");
		json_decref(j);
		goto done;
	}
	json_decref(j);
	rv = 0;
done:
	free(frame);
	free(body);
	close(fd);
	return rv;
}

static long long
wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A push the daemon never saw, let through or refused by on_unavailable:
 * to syslog, and to the spool so that revguardd's decision log has it.
 */
static void
record_unchecked(const struct config *cfg, const struct push_request *req,
    const char *why)
{
	const char	*verdict = cfg->hook.fail_open ? "fail-open" :
			    "fail-closed";
	char		 repo[512], who[256], reason[1024], err[1024];

	vis_escape(repo, sizeof(repo), req->repository ? req->repository :
	    "?", req->repository ? strlen(req->repository) : 1, 0);
	vis_escape(who, sizeof(who), req->pusher.len ? req->pusher.items[0] :
	    "?", req->pusher.len ? strlen(req->pusher.items[0]) : 1, 0);
	vis_escape(reason, sizeof(reason), why, strlen(why), 0);
	openlog("revguard-hook", LOG_PID, LOG_AUTH);
	syslog(LOG_WARNING, "unchecked push to %s by %s, %zu refs: %s "
	    "(%s)", repo, who, req->nupdates, verdict, reason);
	if (req->repository == NULL || req->nupdates == 0 ||
	    strcmp(cfg->decisions.spool, "") == 0 ||
	    strcmp(cfg->decisions.spool, "off") == 0)
		goto done;
	if (spool_write(cfg->decisions.spool, req, verdict, why, wall_ms(),
	    err, sizeof(err)) == -1)
		syslog(LOG_WARNING, "the unchecked push to %s is not in the "
		    "decision log: %s", repo, err);
done:
	closelog();
}

/* The options, for `--help` and after a usage error. */
void
hook_usage(FILE *f)
{
	fprintf(f,
	    "usage: revguard hook [--config FILE] [--socket PATH] "
	    "[--timeout DURATION]\n"
	    "                     [--on-unavailable reject|accept] "
	    "[--in-process]\n"
	    "       revguard-hook [same options]\n"
	    "\n"
	    "The pre-receive hook: reads git's ref updates on standard input, "
	    "asks revguardd\n"
	    "(or checks here, --in-process) and exits 0 to accept the push, "
	    "1 to reject it.\n"
	    "\n"
	    "  -c, --config FILE        configuration (default "
	    CONFIG_DEFAULT_FILE ",\n"
	    "                           built-in defaults when it does not "
	    "exist)\n"
	    "  -s, --socket PATH        revguardd's socket (hook.socket)\n"
	    "  -t, --timeout SECONDS    how long to wait for the daemon "
	    "(hook.timeout)\n"
	    "  -u, --on-unavailable reject|accept\n"
	    "                           what to do when the push cannot be "
	    "checked\n"
	    "  -i, --in-process         check in this process, without "
	    "revguardd\n"
	    "                           (`revguard hook` only)\n"
	    "  -h, --help               this help\n"
	    "      --version            print the version\n"
	    "\n"
	    "Exit status: 0 accepted, 1 rejected, 2 usage error.\n");
}

/* The hook's options; install.c checks what it installs against them. */
const struct option hook_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "socket", required_argument, NULL, 's' },
	{ "timeout", required_argument, NULL, 't' },
	{ "on-unavailable", required_argument, NULL, 'u' },
	{ "in-process", no_argument, NULL, 'i' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

int
hook_main(int argc, char **argv, hook_check_fn in_process_check)
{
	struct config		 cfg;
	struct push_request	 req;
	struct push_result	 res;
	struct strvec		 lines = STRVEC_INIT;
	const char		*config_path = NULL, *sock = NULL;
	const char		*unavailable = NULL;
	char			 err[1024] = "";
	int			 ch, in_process = 0, timeout_ms = -1, rv, i;
	int			 answered = 0;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:s:t:u:ih", hook_options, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c': config_path = optarg; break;
		case 's': sock = optarg; break;
		case 't':
			if (duration_parse(optarg, &timeout_ms) == -1 ||
			    timeout_ms < 1) {
				hook_usage(stderr);
				return HOOK_USAGE_ERROR;
			}
			break;
		case 'u': unavailable = optarg; break;
		case 'i': in_process = 1; break;
		case 'h': hook_usage(stdout); return 0;
		case 'V': printf("revguard %s\n", PACKAGE_VERSION); return 0;
		default: hook_usage(stderr); return HOOK_USAGE_ERROR;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "revguard: unexpected argument `%s`\n",
		    argv[optind]);
		hook_usage(stderr);
		return HOOK_USAGE_ERROR;
	}
	/* Only the in-process check uses the policy's patterns. */
	if (config_init_flags(&cfg, in_process ? 0 :
	    CONFIG_NO_PATTERNS) == -1) {
		fprintf(stderr, "revguard: out of memory; push rejected\n");
		return 1;
	}
	/* A default file that exists but cannot be read is an error, not
	 * a quiet fall back to the built-in policy. */
	if (config_path == NULL && access(CONFIG_DEFAULT_FILE, F_OK) == 0)
		config_path = CONFIG_DEFAULT_FILE;
	if (config_path != NULL && config_load_file(&cfg, config_path, err,
	    sizeof(err)) == -1) {
		/* Without a readable policy there is no fail-open either. */
		fprintf(stderr, "revguard: cannot read the configuration: %s\n"
		    "revguard: push rejected; tell the server administrators\n",
		    err);
		config_free(&cfg);
		return 1;
	}
	if (sock != NULL) {
		free(cfg.hook.socket);
		cfg.hook.socket = strdup(sock);
	}
	if (timeout_ms > 0)
		cfg.hook.timeout_ms = timeout_ms;
	if (unavailable != NULL) {
		if (strcmp(unavailable, "accept") != 0 &&
		    strcmp(unavailable, "reject") != 0) {
			hook_usage(stderr);
			config_free(&cfg);
			return HOOK_USAGE_ERROR;
		}
		cfg.hook.fail_open = strcmp(unavailable, "accept") == 0;
	}

	if ((rv = read_updates(stdin, &req, err, sizeof(err))) != 0 ||
	    (rv = read_environment(&req, err, sizeof(err))) != 0)
		;
	else if (in_process && in_process_check == NULL) {
		snprintf(err, sizeof(err), "this hook binary talks to revguardd "
		    "only; use `revguard hook --in-process`");
		rv = -1;
	} else if (in_process)
		rv = in_process_check(&cfg, &req, &res, err, sizeof(err));
	else
		rv = ask_daemon(&cfg, &req, &res, &answered, err,
		    sizeof(err));
	/* The daemon logs what it answered, even an error. */
	if (rv == -1 && !answered)
		record_unchecked(&cfg, &req, err);

	if (rv == HOOK_OVER_LIMIT) {
		fprintf(stderr, "revguard: %s\nrevguard: push rejected\n",
		    err);
		rv = 1;
	} else if (rv == 0) {
		if (report_push_lines(&res, &lines) == -1)
			fprintf(stderr, "revguard: out of memory rendering the "
			    "verdict\n");
		for (i = 0; i < (int)lines.len; i++)
			fprintf(stderr, "%s\n", lines.items[i]);
		strvec_clear(&lines);
		rv = res.reject ? 1 : 0;
	} else if (cfg.hook.fail_open) {
		fprintf(stderr, "revguard: WARNING: migrations were NOT checked: "
		    "%s\nrevguard: push accepted anyway (on_unavailable: "
		    "accept)\n", err);
		rv = 0;
	} else {
		fprintf(stderr, "revguard: cannot check this push: %s\n"
		    "revguard: push rejected (on_unavailable: reject); try "
		    "again, or tell the server administrators\n", err);
		rv = 1;
	}
	push_result_clear(&res);
	push_request_clear(&req);
	config_free(&cfg);
	return rv;
}
