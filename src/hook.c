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
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "revguard/clock.h"
#include "revguard/config.h"
#include "revguard/duration.h"
#include "revguard/hook.h"
#include "revguard/host.h"
#include "revguard/mode.h"
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


/* The hard stop's longest wait after hook.deadline: the check looks at
 * the clock between files and rules; this catches it anywhere else. */
#define HOOK_GRACE_MAX_MS 250

/*
 * What the watchdog writes, and the status it exits with, when the check
 * overruns the deadline where it cannot look at the clock.  Filled before
 * it is armed: a signal handler may only write and exit.
 */
static char	 watchdog_msg[2048];
static size_t	 watchdog_len;
static int	 watchdog_status = 1;
static int	 watchdog_fd = STDERR_FILENO;

static const char *
env_lookup(const char *name, void *arg)
{
	(void)arg;
	return getenv(name);
}

/* GitHub Enterprise's variables, and no GitLab or Gitea ones (host.c's
 * detection order). */
int
hook_on_github(void)
{
	return host_detect(env_lookup, NULL) == HOST_GITHUB;
}

/* engine_deadline's test: ctx is the monotonic time to stop at. */
static int
deadline_expired(void *ctx)
{
	return clock_mono_ms() >= *(const long long *)ctx;
}

static void
watchdog_fire(int sig)
{
	size_t	 done = 0;
	ssize_t	 r;

	(void)sig;
	while (done < watchdog_len) {
		r = write(watchdog_fd, watchdog_msg + done,
		    watchdog_len - done);
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	_exit(watchdog_status);
}

/* Arms the hard stop ms from now: the message, the status, then exit. */
static int
watchdog_arm(long long ms)
{
	struct sigaction	 sa;
	struct itimerval	 it;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = watchdog_fire;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) == -1)
		return -1;
	if (ms < 1)
		ms = 1;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = (time_t)(ms / 1000);
	it.it_value.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	return setitimer(ITIMER_REAL, &it, NULL);
}

static void
watchdog_disarm(void)
{
	struct itimerval	 it;

	memset(&it, 0, sizeof(it));
	(void)setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * The fail policy's words for why: the lines the pusher sees when the
 * push cannot be checked, and the status.  On GitHub Enterprise a short
 * first line comes before them, for its web UI, which shows the first.
 */
static int
fail_message(const struct config *cfg, const char *repo, const char *headline,
    const char *why, char *buf, size_t len)
{
	size_t	 n = 0;

	if (headline != NULL)
		n = (size_t)snprintf(buf, len, "revguard: %s%spush %s: %s\n",
		    repo, *repo ? ": " : "", cfg->hook.fail_open ?
		    "accepted UNCHECKED" : "rejected", headline);
	if (n >= len)
		n = len - 1;
	if (cfg->hook.fail_open)
		snprintf(buf + n, len - n, "revguard: WARNING: migrations were "
		    "NOT checked: %s\nrevguard: push accepted anyway "
		    "(on_unavailable: accept)\n", why);
	else
		snprintf(buf + n, len - n, "revguard: cannot check this push: "
		    "%s\nrevguard: push rejected (on_unavailable: reject); try "
		    "again, or tell the server administrators\n", why);
	return cfg->hook.fail_open ? 0 : 1;
}

/*
 * On GitHub Enterprise a rejected push made in the web UI (a pull
 * request's merge button, a file edited in the browser) cannot be fixed
 * where it was made: say where to fix it.
 */
static int
github_web_note(struct push_result *res)
{
	const char	*via = getenv("GITHUB_VIA");
	const char	*head = getenv("GITHUB_PULL_REQUEST_HEAD");
	const char	*base = getenv("GITHUB_PULL_REQUEST_BASE");
	const char	*who = getenv("GITHUB_USER_LOGIN");

	if (via == NULL || *via == '\0')
		return 0;
	if (head != NULL && *head != '\0')
		return strvec_push_owned(&res->notes, xasprintf("this push is "
		    "%s%s web merge (%s) of pull request branch %s into %s: "
		    "fix the migrations on %s, then merge again", who ? who :
		    "a", who ? "'s" : "", via, head, base ? base : "?",
		    head));
	return strvec_push_owned(&res->notes, xasprintf("this push was made "
	    "on the web (%s)%s%s: fix the migrations in a clone and push "
	    "them", via, who ? " by " : "", who ? who : ""));
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

/*
 * The host's variables into req->pusher, its identity first (the
 * daemon logs the first as who pushed), then every other host's, so a
 * host told wrongly with --host still leaves the daemon the facts.
 * Values are the host's, not the pusher's, but are bounded all the same.
 */
static int
forward_host_vars(struct push_request *req)
{
	const char *const	*vars;
	const char		*v;
	char			*pair;
	int			 h, k, pass;

	for (pass = 0; pass < 2; pass++)
		for (h = 0; h < HOST_COUNT; h++) {
			if ((pass == 0) != (h == (int)req->host))
				continue;
			vars = host_forward_vars((enum host_kind)h);
			for (k = 0; vars[k] != NULL; k++) {
				if ((v = getenv(vars[k])) == NULL ||
				    strlen(v) > PROTO_MAX_FIELD / 2 ||
				    host_lookup_strvec(vars[k],
				    &req->pusher) != NULL)
					continue;
				if ((pair = xasprintf("%s=%s", vars[k],
				    v)) == NULL ||
				    strvec_push_owned(&req->pusher, pair) == -1)
					return -1;
			}
		}
	return 0;
}

/*
 * The host: --host, else hook.host, else what the environment says.
 * rh gets what the host said about this push, for the output.
 */
static void
choose_host(const char *forced, const struct config *cfg,
    struct push_request *req, struct report_host *rh, char *repo,
    size_t repolen)
{
	enum host_kind	 h;

	if (forced != NULL && host_from_name(forced, &h) == 0)
		req->host = h;
	else if (cfg->hook.host >= 0)
		req->host = (enum host_kind)cfg->hook.host;
	else
		req->host = host_detect(env_lookup, NULL);
	memset(rh, 0, sizeof(*rh));
	rh->host = req->host;
	rh->repo_name = host_repo_name(req->host, env_lookup, NULL, repo,
	    repolen);
	rh->pr_id = getenv("GITEA_PR_ID");
	rh->via = getenv("GITHUB_VIA");
}

/* Prints lines, one a line, to out (git shows them as remote:). */
static void
print_lines(FILE *out, struct strvec *lines)
{
	size_t	 i;

	for (i = 0; i < lines->len; i++)
		fprintf(out, "%s\n", lines->items[i]);
	strvec_clear(lines);
}

/*
 * The hook's own message text as the host shows it (escaped; GitLab's
 * prefix when refused), into buf, for the watchdog to write as is.
 */
static void
render_message(const struct report_host *rh, int refused, const char *text,
    char *buf, size_t len)
{
	struct strvec	 lines = STRVEC_INIT;
	size_t		 i, n = 0;
	int		 w;

	buf[0] = '\0';
	if (report_host_message(rh, refused, text, &lines) == -1) {
		snprintf(buf, len, "%s", text);
		strvec_clear(&lines);
		return;
	}
	for (i = 0; i < lines.len && n < len; i++) {
		w = snprintf(buf + n, len - n, "%s\n", lines.items[i]);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	strvec_clear(&lines);
}

/* Prints the hook's own message as the host shows it. */
static void __attribute__((format(printf, 4, 5)))
host_say(FILE *out, const struct report_host *rh, int refused,
    const char *fmt, ...)
{
	struct strvec	 lines = STRVEC_INIT;
	va_list		 ap;
	char		*text = NULL;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1)
		text = NULL;
	va_end(ap);
	if (text == NULL || report_host_message(rh, refused, text,
	    &lines) == -1)
		fprintf(out, "revguard: out of memory\n");
	print_lines(out, &lines);
	free(text);
}

/*
 * The end of a push: the verdict (rv 0), a push over a limit, or a check
 * that could not run under the fail policy (with headline, the short
 * first line a web UI shows), printed for the host.  Returns the hook's
 * exit status.
 */
static int
hook_finish(FILE *out, const struct report_host *rh, int rv,
    const struct push_result *res, const char *err,
    const struct config *cfg, const char *headline)
{
	struct strvec	 lines = STRVEC_INIT;
	char		 text[2048];
	int		 status;

	if (rv == HOOK_OVER_LIMIT) {
		host_say(out, rh, 1, "revguard: %s\nrevguard: push rejected",
		    err);
		return 1;
	}
	if (rv == 0) {
		if (report_host_push_lines(rh, res, &lines) == -1)
			fprintf(out, "revguard: out of memory rendering the "
			    "verdict\n");
		print_lines(out, &lines);
		return res->reject ? 1 : 0;
	}
	status = fail_message(cfg, rh->repo_name ? rh->repo_name : "",
	    headline, err, text, sizeof(text));
	host_say(out, rh, status, "%s", text);
	return status;
}

/* Fills the request from git's pre-receive environment. */
static int
read_environment(struct push_request *req, char *err, size_t errlen)
{
	const char	*v;
	char		 real[PATH_MAX], name[64];
	long		 i, count;

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
			/* The pusher's bytes: made UTF-8 (JSON carries
			 * nothing else) and cut to what the wire takes; a
			 * bypass reason is judged on what arrives. */
			if ((v = getenv(name)) != NULL &&
			    strvec_push_owned(&req->push_options,
			    vis_utf8_clean(v, PROTO_MAX_FIELD)) == -1)
				return -1;
		}
	}
	return forward_host_vars(req);
}

/* The variable bypass.identity_var names for this repository goes
 * along with the host's own, first: it names the person (an older daemon
 * and the spool log the first as who pushed; USER names the account). */
static int
forward_identity(const struct config *cfg, struct push_request *req)
{
	const char	*var = config_for_repository(cfg,
			    req->repository)->bypass.identity_var;
	const char	*v;
	char		*pair;
	size_t		 i, n;

	if (var == NULL || (v = getenv(var)) == NULL)
		return 0;
	n = strlen(var);
	for (i = 0; i < req->pusher.len; i++)
		if (strncmp(req->pusher.items[i], var, n) == 0 &&
		    req->pusher.items[i][n] == '=')
			break;
	if (i == req->pusher.len && strvec_push_owned(&req->pusher,
	    xasprintf("%s=%s", var, v)) == -1)
		return -1;
	pair = req->pusher.items[i];
	memmove(&req->pusher.items[1], &req->pusher.items[0], i *
	    sizeof(req->pusher.items[0]));
	req->pusher.items[0] = pair;
	return 0;
}

/*
 * Once the push is known to be observed, the watchdog lets it through
 * too, saying why, like every other unchecked observed push.  SIGALRM
 * waits while the message changes under the handler.
 */
static void
watchdog_observe(const struct report_host *rh, const char *why, char *text,
    size_t len)
{
	sigset_t	 alrm, old;

	snprintf(text, len, "revguard: WARNING: migrations were NOT "
	    "checked: %s\nrevguard: push accepted (mode: observe never "
	    "rejects)\n", why);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm, &old);
	watchdog_status = 0;
	render_message(rh, 0, text, watchdog_msg, sizeof(watchdog_msg));
	watchdog_len = strlen(watchdog_msg);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/*
 * 1 when every update is observed: the repository's mode, or each ref
 * in observe_refs.  Such a push is never refused, not even unchecked.
 * Refs are asked about only when all of them were read (complete): a
 * push over a limit must not hide an enforced ref behind observed ones.
 */
/* Whether GIT_DIR's repository is in observe mode as a whole. */
static int
repository_observed(const struct config *cfg)
{
	const char	*v = getenv("GIT_DIR");
	char		 real[PATH_MAX];

	if (realpath(v ? v : ".", real) == NULL)
		return 0;
	return config_for_repository(cfg, real)->mode == PUSH_MODE_OBSERVE;
}

static int
observed(const struct config *cfg, const struct push_request *req,
    int complete)
{
	const struct config	*rc;
	size_t			 i;

	if (req->repository == NULL)
		return 0;
	rc = config_for_repository(cfg, req->repository);
	if (rc->mode == PUSH_MODE_OBSERVE)
		return 1;
	if (!complete || req->nupdates == 0)
		return 0;
	for (i = 0; i < req->nupdates; i++)
		if (!mode_ref_observed(&rc->observe_refs,
		    req->updates[i].ref))
			return 0;
	return 1;
}

/*
 * What git says of receive.advertisePushOptions for this repository, as
 * receive-pack sees it (repository, global and system files, and a
 * host's `-c` settings, which reach the hook in the environment): 1 on,
 * 0 off or unset, -1 when git cannot tell (not installed, as in a GitHub
 * Enterprise hook environment).  GIT_PUSH_OPTION_COUNT cannot say:
 * git 2.39 sets it to 0 whether or not options were negotiated.
 */
static int
push_options_advertised(void)
{
	char	 buf[16];
	size_t	 len = 0;
	ssize_t	 n;
	pid_t	 pid;
	int	 fds[2], status;

	if (pipe(fds) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		close(STDERR_FILENO);	/* its complaints are not ours */
		execlp("git", "git", "config", "--type=bool", "--get",
		    "receive.advertisePushOptions", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (len < sizeof(buf) - 1 && ((n = read(fds[0], buf + len,
	    sizeof(buf) - 1 - len)) > 0 || (n == -1 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	buf[len] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status))
		return -1;
	if (WEXITSTATUS(status) == 1)
		return 0;		/* unset: git's default is off */
	if (WEXITSTATUS(status) != 0)
		return -1;
	return strncmp(buf, "true", 4) == 0;
}

/* A rejected push where bypass is configured but git negotiated no push
 * options: say how to enable them. */
static void
bypass_hint(const struct config *cfg, const struct push_request *req,
    const struct push_result *res)
{
	if (!res->reject || req->push_options.len > 0 ||
	    config_for_repository(cfg, req->repository)->bypass.allow.len ==
	    0 || push_options_advertised() != 0)
		return;
	fprintf(stderr, "revguard: note: an audited bypass (git push -o "
	    "%s=\"reason\") needs push options, which this repository does "
	    "not accept; an administrator enables them with `git config "
	    "receive.advertisePushOptions true` in the repository on the "
	    "server\n", MODE_BYPASS_OPTION);
}

/* Waits for fd to become ready for events before the deadline. */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd	 p = { fd, events, 0 };
	long long	 left;
	int		 r;

	for (;;) {
		left = deadline - clock_mono_ms();
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
	long long		 deadline = clock_mono_ms() + timeout_ms;
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
		if (errno != EAGAIN || clock_mono_ms() >= deadline) {
			snprintf(err, errlen, "cannot connect to %s: %s",
			    sock_path, strerror(errno));
			goto done;
		}
		(void)poll(NULL, 0, 10);
	}
	sent.timeout_ms = (int)(deadline - clock_mono_ms());
	if (sent.timeout_ms < 1)
		sent.timeout_ms = 1;
	/* What this hook does with this push without a verdict, observe
	 * mode included, so the daemon logs what the pusher gets. */
	sent.on_unavailable = cfg->hook.fail_open || observed(cfg, req, 1) ?
	    PUSH_UNAVAILABLE_ACCEPT : PUSH_UNAVAILABLE_REJECT;
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

/*
 * A push the daemon never saw, let through (on_unavailable: accept, or
 * mode: observe) or refused:
 * to syslog, and to the spool so that revguardd's decision log has it.
 */
static void
record_unchecked(FILE *out, const struct report_host *rh,
    const struct config *cfg, const struct push_request *req,
    const char *why, int let_through)
{
	const char	*verdict = let_through ? "fail-open" : "fail-closed";
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
	if (spool_write(cfg->decisions.spool, req, verdict, why, clock_wall_ms(),
	    err, sizeof(err)) == -1) {
		/* Syslog has it; the pusher hears it, so that an unchecked
		 * push is never also an unrecorded one in silence. */
		vis_escape(reason, sizeof(reason), err, strlen(err), 0);
		syslog(LOG_WARNING, "the unchecked push to %s is not in the "
		    "decision log: %s", repo, reason);
		host_say(out, rh, !let_through, "revguard: this unchecked "
		    "push is NOT in the decision log (only in syslog): %s",
		    err);
	}
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
	    "                     [--host git|github|gitlab|gitea]\n"
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
	    "                           (`revguard hook` only; the default "
	    "on GitHub\n"
	    "                           Enterprise, where GITHUB_USER_LOGIN "
	    "or\n"
	    "                           GITHUB_REPO_NAME is set)\n"
	    "  -H, --host HOST          git, github, gitlab or gitea (forgejo):"
	    "\n"
	    "                           the host's identity variable and "
	    "output format\n"
	    "                           (hook.host; default: detected from "
	    "the environment)\n"
	    "  -h, --help               this help\n"
	    "      --version            print the version\n"
	    "\n"
	    "hook.deadline in the configuration bounds the whole hook "
	    "(4s on GitHub\n"
	    "Enterprise); past it, on_unavailable applies.\n"
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
	{ "host", required_argument, NULL, 'H' },
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
	struct report_host	 rh;
	struct engine_deadline	 stop = { deadline_expired, NULL };
	FILE			*out = stderr;
	const char		*config_path = NULL, *sock = NULL;
	const char		*unavailable = NULL, *host = NULL;
	char			 err[1024] = "", why[1280], repo_name[512];
	char			 headline[128], text[2048];
	long long		 start = clock_mono_ms(), deadline_at = 0;
	int			 ch, in_process = 0, timeout_ms = -1, rv;
	int			 github, deadline_ms, grace;
	enum host_kind		 forced;
	int			 complete;	/* every ref line read */
	int			 envrv;
	char			 enverr[512];
	int			 answered = 0;	/* the daemon logged it */
	int			 unchecked;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:s:t:u:iH:h", hook_options, NULL)) !=
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
		case 'H':
			if (host_from_name(optarg, &forced) == -1) {
				fprintf(stderr, "revguard: --host must be git, "
				    "github, gitlab or gitea, not `%s`\n",
				    optarg);
				hook_usage(stderr);
				return HOOK_USAGE_ERROR;
			}
			host = optarg;
			break;
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
	github = host != NULL ? forced == HOST_GITHUB : hook_on_github();
	/*
	 * GitHub Enterprise's hooks cannot reach a daemon of ours, and its
	 * documentation promises the terminal and the web UI a hook's
	 * standard output (git itself sends both to the pusher).
	 */
	if (github) {
		in_process = 1;
		out = stdout;
		watchdog_fd = STDOUT_FILENO;
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
		cfg.hook.host = -1;
		choose_host(host, &cfg, &req, &rh, repo_name,
		    sizeof(repo_name));
		host_say(out, &rh, 1, "revguard: cannot read the "
		    "configuration: %s\nrevguard: push rejected; tell the "
		    "server administrators", err);
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

	choose_host(host, &cfg, &req, &rh, repo_name, sizeof(repo_name));
	/*
	 * The whole hook's budget.  The check stops itself at the deadline
	 * (the same engine_deadline the daemon's jobs use); the watchdog
	 * cuts off what does not look at the clock a little later, so that
	 * the pusher always hears why before a host kills the hook.
	 */
	deadline_ms = cfg.hook.deadline_ms > 0 ? cfg.hook.deadline_ms :
	    github ? CONFIG_GHE_DEADLINE_MS : 0;
	if (deadline_ms > 0) {
		deadline_at = start + deadline_ms;
		stop.ctx = &deadline_at;
		grace = deadline_ms / 10 < HOOK_GRACE_MAX_MS ?
		    deadline_ms / 10 : HOOK_GRACE_MAX_MS;
		snprintf(why, sizeof(why), "the check did not finish within "
		    "hook.deadline (%d ms) and was cut off", deadline_ms);
		snprintf(headline, sizeof(headline), "not checked within "
		    "hook.deadline (%d ms)", deadline_ms);
		watchdog_status = fail_message(&cfg, repo_name[0] ? repo_name :
		    "", host_has_web_ui(rh.host) ? headline : NULL, why, text,
		    sizeof(text));
		render_message(&rh, watchdog_status, text, watchdog_msg,
		    sizeof(watchdog_msg));
		watchdog_len = strlen(watchdog_msg);
		if (watchdog_arm(deadline_at + grace - clock_mono_ms()) == -1)
			fprintf(stderr, "revguard: cannot set the deadline's "
			    "timer: %s\n", strerror(errno));
		/* Waiting for the daemon counts against the budget too. */
		if (deadline_at - clock_mono_ms() < cfg.hook.timeout_ms)
			cfg.hook.timeout_ms = deadline_at - clock_mono_ms() > 1 ?
			    (int)(deadline_at - clock_mono_ms()) : 1;
	}

	/* An observed repository is known before git's ref lines arrive,
	 * which may stall: the watchdog must let it through as well. */
	if (deadline_ms > 0 && repository_observed(&cfg))
		watchdog_observe(&rh, why, text, sizeof(text));
	/* The environment is read even after a bad ref line: whether the
	 * repository is observed decides what that push gets. */
	complete = (rv = read_updates(stdin, &req, err, sizeof(err))) == 0;
	if ((envrv = read_environment(&req, enverr, sizeof(enverr))) != 0 &&
	    rv == 0) {
		rv = envrv;
		snprintf(err, sizeof(err), "%s", enverr);
	}
	if (deadline_ms > 0 && observed(&cfg, &req, complete))
		watchdog_observe(&rh, why, text, sizeof(text));
	if (rv != 0 || (rv = forward_identity(&cfg, &req)) != 0)
		;
	else if (in_process && in_process_check == NULL) {
		snprintf(err, sizeof(err), "this hook binary talks to revguardd "
		    "only; use `revguard hook --in-process`%s", github ?
		    " (GitHub Enterprise hooks cannot reach a daemon)" : "");
		rv = -1;
	} else if (in_process)
		rv = in_process_check(&cfg, &req, deadline_ms > 0 ? &stop :
		    NULL, &res, err, sizeof(err));
	else
		rv = ask_daemon(&cfg, &req, &res, &answered, err,
		    sizeof(err));
	watchdog_disarm();
	unchecked = rv == -1 && !answered;
	if (rv == -1 && deadline_ms > 0 && clock_mono_ms() >= deadline_at) {
		/* Whatever broke off the check, the budget is why. */
		snprintf(why, sizeof(why), "the check did not finish within "
		    "hook.deadline (%d ms): %s", deadline_ms, err);
		snprintf(err, sizeof(err), "%.1000s", why);
		snprintf(headline, sizeof(headline), "not checked within "
		    "hook.deadline (%d ms)", deadline_ms);
	} else
		snprintf(headline, sizeof(headline), "migrations not checked "
		    "(see below)");

	if (github && rv == 0 && res.reject && github_web_note(&res) == -1)
		fprintf(stderr, "revguard: out of memory rendering the "
		    "verdict\n");
	if (rv != 0 && observed(&cfg, &req, complete)) {
		host_say(out, &rh, 0, "revguard: WARNING: migrations were NOT "
		    "checked: %s\nrevguard: push accepted (mode: observe "
		    "never rejects)", err);
		rv = 0;
	} else if (rv == 0) {
		rv = hook_finish(out, &rh, rv, &res, err, &cfg, NULL);
		bypass_hint(&cfg, &req, &res);
	} else
		rv = hook_finish(out, &rh, rv, &res, err, &cfg,
		    host_has_web_ui(rh.host) ? headline : NULL);
	/* What the pusher got (observe mode lets it through too). */
	if (unchecked)
		record_unchecked(out, &rh, &cfg, &req, err, rv == 0);
	push_result_clear(&res);
	push_request_clear(&req);
	config_free(&cfg);
	return rv;
}
