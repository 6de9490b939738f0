/*
 * config: the YAML configuration (libyaml) turned into a struct config.
 * Unknown keys and bad values are errors naming file, line and column.
 * A struct config owns everything in it.
 */
#ifndef REVGUARD_CONFIG_H
#define REVGUARD_CONFIG_H

#include <stddef.h>

#include "revguard/request.h"
#include "revguard/rules.h"
#include "revguard/strvec.h"

#define CONFIG_DEFAULT_SOCKET	"/run/revguard/revguard.sock"
#define CONFIG_DEFAULT_FILE	SYSCONFDIR "/revguard/revguard.yaml"
/* The guarded_refs entry that stands for the repository's HEAD branch. */
#define CONFIG_DEFAULT_BRANCH	"@default"
/* A repository's own configuration file, read from the base commit. */
#define CONFIG_REPO_FILE	".revguard.yaml"

struct config_daemon {
	char		*socket;
	int		 socket_mode;
	int		 workers;		/* 0: one per core */
	struct strvec	 repo_roots;
	int		 job_timeout_ms;
	int		 client_timeout_ms;
	int		 shutdown_timeout_ms;
	int		 max_frame;
	int		 max_connections;
};

struct config_hook {
	char		*socket;
	int		 timeout_ms;
	int		 fail_open;		/* on_unavailable: accept */
	int		 host;		/* enum host_kind; -1: detect */
	/* The whole hook's time budget, from its start to its verdict;
	 * 0: not set (CONFIG_GHE_DEADLINE_MS on GitHub Enterprise, else
	 * only hook.timeout bounds the wait for the daemon). */
	int		 deadline_ms;
};

/* hook.deadline's default on GitHub Enterprise, which kills pre-receive
 * hooks at 5 s: a second left to say why and exit. */
#define CONFIG_GHE_DEADLINE_MS	4000

/* bypass: who may let a rejected push through (mode.h). */
struct config_bypass {
	struct strvec	 allow;			/* identities */
	char		*identity_var;		/* NULL: the host's */
};

/* The HTTP endpoint (http.c); off unless listen is set. */
#define CONFIG_HTTP_ADDRESS	"127.0.0.1:9419"
struct config_http {
	char		*listen;		/* HOST:PORT, NULL: off */
	char		*token_file;		/* bearer token, or NULL */
	int		 max_request_bytes;	/* request line + headers */
	int		 max_headers;
	int		 timeout_ms;
};

/* What a push gets when its decision cannot be recorded. */
enum config_on_error {
	CONFIG_ON_ERROR_UNAVAILABLE,	/* an error: the hook's on_unavailable */
	CONFIG_ON_ERROR_REJECT,		/* refused, whatever the hook says */
	CONFIG_ON_ERROR_ACCEPT		/* the verdict, unrecorded */
};

#define CONFIG_DEFAULT_DECISIONS "/var/lib/revguard/decisions.db"
#define CONFIG_DEFAULT_SPOOL	"/var/spool/revguard"

/* The decision log (docs/decisions.md). */
struct config_decisions {
	char		*path;		/* "", "off": no log */
	long long	 max_age_ms;	/* 0: no limit */
	int		 max_rows;	/* 0: no limit */
	char		*spool;		/* "", "off": none */
	int		 on_error;	/* enum config_on_error */
	char		*node;		/* NULL: the host name */
	char		*postgresql;	/* fleet conninfo; NULL, "off": none */
	int		 sync_normal;	/* synchronous: normal */
};

struct config_override;

struct config {
	struct policy		 policy;
	struct strvec		 versions_paths;   /* empty: from alembic.ini */
	char			*alembic_ini;
	struct strvec		 guarded_refs;	   /* globs, @default */
	char			*baseline_file;	   /* in the repository */
	/* A guarded branch may lose every migration in one push. */
	int			 allow_migrations_removal;
	/* A push may delete a guarded ref (pushed again, it is judged
	 * from the default branch, not from what it had). */
	int			 allow_ref_deletion;
	/* observe: judged and recorded, never refused; observe_refs are
	 * ref globs observed whatever the mode. */
	enum push_mode		 mode;
	struct strvec		 observe_refs;
	struct config_bypass	 bypass;
	struct config_daemon	 daemon;
	struct config_hook	 hook;
	struct config_http	 http;
	struct config_decisions	 decisions;
	struct config_override	*overrides;
	size_t			 noverrides;
	int			 flags;		   /* config_init_flags */
};

/* A `repositories:` entry: repositories whose path matches use cfg. */
struct config_override {
	char		*match;
	struct config	*cfg;
};

/* The defaults, patterns compiled: config_init_flags(cfg, 0). */
int	 config_init(struct config *);
/*
 * CONFIG_NO_PATTERNS: never compile the policy's patterns, here or in
 * config_load_*, nor check them: for the hook client, which only reads
 * its own settings and leaves the policy to the daemon.  Such a config
 * must not judge anything.
 */
#define CONFIG_NO_PATTERNS	0x01
int	 config_init_flags(struct config *, int flags);
/* Loads a file over the defaults; -1 with "file:line:col: why" in err. */
int	 config_load_file(struct config *, const char *path, char *err,
	    size_t errlen);
int	 config_load_buffer(struct config *, const char *name,
	    const char *data, size_t len, char *err, size_t errlen);
void	 config_free(struct config *);
/*
 * Reads a repository's own .revguard.yaml, which may say only where the
 * migrations are: alembic_ini and versions_path.  -1 with
 * "name:line:col: why" in err.
 */
int	 config_load_location(const char *name, const char *data, size_t len,
	    struct strvec *versions_paths, char **alembic_ini, char *err,
	    size_t errlen);
/*
 * The i-th key of the configuration's table, for checks against the
 * documentation: its section ("daemon", "hook", or NULL for the top
 * level), name, and where it may appear (top-level keys).  -1 past the
 * last key.
 */
#define CONFIG_KEY_FILE		0x01	/* the server's file */
#define CONFIG_KEY_OVERRIDE	0x02	/* a repositories entry */
#define CONFIG_KEY_REPO		0x04	/* a repository's .revguard.yaml */
int	 config_key(size_t i, const char **section, const char **key,
	    int *flags);
/*
 * Splits an http.listen value into host (brackets removed) and port and
 * says whether the host is a loopback address; -1 when it is not an IP
 * address and port.  host, port and loopback may be NULL.
 */
int	 config_http_address(const char *listen, char *host, size_t hostlen,
	    int *port, int *loopback);
/* The configuration for the repository at path (an override or cfg). */
const struct config *config_for_repository(const struct config *,
	    const char *path);

#endif
