/*
 * config.c: YAML configuration.  libyaml events are first built into a
 * small tree of nodes that remember their line and column, then the tree
 * is checked against the schema (`fields`, one entry per key), so every
 * error can point at the exact place in the file.  Patterns are compiled
 * here too, so a config that loads is a config that works; only the hook
 * client, which never judges, skips them (CONFIG_NO_PATTERNS).
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <yaml.h>

#include "revguard/config.h"
#include "revguard/duration.h"
#include "revguard/glob.h"
#include "revguard/host.h"
#include "revguard/identity.h"

#define CONFIG_MAX_SIZE		(4 * 1024 * 1024)
#define CONFIG_MAX_DEPTH	32

enum ynode_type {
	YNODE_SCALAR,
	YNODE_SEQUENCE,
	YNODE_MAPPING
};

struct ynode {
	enum ynode_type	  type;
	int		  line, col;
	char		 *value;	/* scalars */
	int		  plain;	/* unquoted scalar */
	struct ynode	**items;	/* mappings: key, value, key, ... */
	size_t		  n, cap;
};

struct cfgctx {
	const char	*name;
	char		*err;
	size_t		 errlen;
	int		 compile;	/* compile patterns as they load */
};

static int __attribute__((format(printf, 3, 4)))
cfg_error(struct cfgctx *c, const struct ynode *at, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	n = snprintf(c->err, c->errlen, "%s:%d:%d: ", c->name,
	    at ? at->line : 0, at ? at->col : 0);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void
ynode_free(struct ynode *y)
{
	size_t	 i;

	if (y == NULL)
		return;
	for (i = 0; i < y->n; i++)
		ynode_free(y->items[i]);
	free(y->items);
	free(y->value);
	free(y);
}

static struct ynode *
ynode_new(enum ynode_type type, const yaml_mark_t *mark)
{
	struct ynode	*y;

	if ((y = calloc(1, sizeof(*y))) == NULL)
		return NULL;
	y->type = type;
	y->line = (int)mark->line + 1;
	y->col = (int)mark->column + 1;
	return y;
}

static int
ynode_append(struct ynode *parent, struct ynode *child)
{
	if (xgrow(&parent->items, &parent->cap, parent->n + 1,
	    sizeof(*parent->items)) == -1)
		return -1;
	parent->items[parent->n++] = child;
	return 0;
}

/* Builds the node tree of the first document; *root NULL when empty. */
static int
yaml_to_tree(struct cfgctx *c, const char *data, size_t len,
    struct ynode **root)
{
	yaml_parser_t	 parser;
	yaml_event_t	 ev;
	struct ynode	*stack[CONFIG_MAX_DEPTH], *node;
	int		 depth = 0, done = 0, rv = -1;
	struct ynode	 at;

	*root = NULL;
	if (!yaml_parser_initialize(&parser))
		return cfg_error(c, NULL, "cannot initialise the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			memset(&at, 0, sizeof(at));
			at.line = (int)parser.problem_mark.line + 1;
			at.col = (int)parser.problem_mark.column + 1;
			cfg_error(c, &at, "YAML syntax error: %s%s%s",
			    parser.problem ? parser.problem : "unknown",
			    parser.context ? " " : "",
			    parser.context ? parser.context : "");
			goto fail;
		}
		node = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			done = *root != NULL || ev.type ==
			    YAML_STREAM_END_EVENT;
			break;
		case YAML_ALIAS_EVENT:
			memset(&at, 0, sizeof(at));
			at.line = (int)ev.start_mark.line + 1;
			at.col = (int)ev.start_mark.column + 1;
			cfg_error(c, &at, "YAML aliases are not supported");
			yaml_event_delete(&ev);
			goto fail;
		case YAML_SCALAR_EVENT:
			/* "\0" in a quoted string would cut the value short. */
			if (strlen((const char *)ev.data.scalar.value) !=
			    ev.data.scalar.length) {
				memset(&at, 0, sizeof(at));
				at.line = (int)ev.start_mark.line + 1;
				at.col = (int)ev.start_mark.column + 1;
				cfg_error(c, &at, "a NUL character (\\0) in a "
				    "value; it would cut the value short");
				yaml_event_delete(&ev);
				goto fail;
			}
			if ((node = ynode_new(YNODE_SCALAR,
			    &ev.start_mark)) == NULL ||
			    (node->value = strdup(
			    (const char *)ev.data.scalar.value)) == NULL)
				goto nomem;
			node->plain = ev.data.scalar.style ==
			    YAML_PLAIN_SCALAR_STYLE;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth == CONFIG_MAX_DEPTH) {
				memset(&at, 0, sizeof(at));
				at.line = (int)ev.start_mark.line + 1;
				cfg_error(c, &at, "nested too deeply");
				yaml_event_delete(&ev);
				goto fail;
			}
			if ((node = ynode_new(ev.type ==
			    YAML_SEQUENCE_START_EVENT ? YNODE_SEQUENCE :
			    YNODE_MAPPING, &ev.start_mark)) == NULL)
				goto nomem;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (node != NULL) {
			if (depth == 0) {
				if (*root == NULL)
					*root = node;
				else
					ynode_free(node);
			} else if (ynode_append(stack[depth - 1], node) == -1) {
				ynode_free(node);
				goto nomem;
			}
			if (node->type != YNODE_SCALAR)
				stack[depth++] = node;
		}
		yaml_event_delete(&ev);
	}
	rv = 0;
	goto done;
nomem:
	yaml_event_delete(&ev);
	cfg_error(c, NULL, "out of memory");
fail:
	ynode_free(*root);
	*root = NULL;
done:
	yaml_parser_delete(&parser);
	return rv;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct ynode	*x = *(const struct ynode *const *)a;
	const struct ynode	*y = *(const struct ynode *const *)b;
	int			 d = strcmp(x->value, y->value);

	if (d != 0)
		return d;
	return x->line != y->line ? x->line - y->line : x->col - y->col;
}

/*
 * A key given twice in one mapping is an error: YAML forbids it, and
 * silently taking the last one hides a typo'd override.  Sorting keeps a
 * large file from costing n^2.
 */
static int
check_duplicate_keys(struct cfgctx *c, const struct ynode *y)
{
	const struct ynode	**keys;
	size_t			 i, n = 0;
	int			 rv = 0;

	if (y == NULL || y->type == YNODE_SCALAR)
		return 0;
	for (i = 0; i < y->n; i++)
		if (check_duplicate_keys(c, y->items[i]) == -1)
			return -1;
	if (y->type != YNODE_MAPPING || y->n < 4)
		return 0;
	if ((keys = calloc(y->n / 2, sizeof(*keys))) == NULL)
		return cfg_error(c, y, "out of memory");
	for (i = 0; i + 1 < y->n; i += 2)
		if (y->items[i]->type == YNODE_SCALAR)
			keys[n++] = y->items[i];
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 1; i < n && rv == 0; i++)
		if (strcmp(keys[i - 1]->value, keys[i]->value) == 0)
			rv = cfg_error(c, keys[i], "duplicate key `%s` (first "
			    "at line %d, column %d)", keys[i]->value,
			    keys[i - 1]->line, keys[i - 1]->col);
	free(keys);
	return rv;
}

/* An unquoted ~, null or nothing: YAML's null, not the text "~". */
static int
is_null(const struct ynode *y)
{
	return y->type == YNODE_SCALAR && y->plain &&
	    (y->value[0] == '\0' || strcmp(y->value, "~") == 0 ||
	    strcmp(y->value, "null") == 0 || strcmp(y->value, "Null") == 0 ||
	    strcmp(y->value, "NULL") == 0);
}

/* Paths read from the repository's tree: relative, never leaving it. */
static int
check_repo_path(struct cfgctx *c, const struct ynode *y, const char *field)
{
	const char	*s = y->value, *p;
	size_t		 n;

	if (s[0] == '/')
		return cfg_error(c, y, "`%s` must be relative to the top of "
		    "the repository, not the absolute path `%s`", field, s);
	for (p = s; *p != '\0'; p += n + (p[n] == '/')) {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return cfg_error(c, y, "`%s` must stay inside the "
			    "repository; `%s` has a `..` component", field, s);
	}
	return 0;
}

static int
want(struct cfgctx *c, const struct ynode *y, enum ynode_type type,
    const char *field)
{
	static const char *const names[] = { "a scalar", "a list",
		"a mapping" };

	if (y->type == type)
		return 0;
	return cfg_error(c, y, "`%s` must be %s, not %s", field, names[type],
	    names[y->type]);
}

static int
get_string(struct cfgctx *c, const struct ynode *y, const char *field,
    char **out)
{
	if (want(c, y, YNODE_SCALAR, field) == -1)
		return -1;
	if (y->value[0] == '\0')
		return cfg_error(c, y, "`%s` must not be empty", field);
	if (is_null(y))
		return cfg_error(c, y, "`%s` must not be null (`%s`); quote "
		    "it if you mean the text", field, y->value);
	free(*out);
	if ((*out = strdup(y->value)) == NULL)
		return cfg_error(c, y, "out of memory");
	return 0;
}

static int
get_bool(struct cfgctx *c, const struct ynode *y, const char *field, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", "True",
		"TRUE", NULL };
	static const char *const no[] = { "false", "no", "off", "False",
		"FALSE", NULL };
	int			 i;

	if (want(c, y, YNODE_SCALAR, field) == -1)
		return -1;
	for (i = 0; yes[i] != NULL; i++)
		if (strcmp(y->value, yes[i]) == 0)
			return *out = 1, 0;
	for (i = 0; no[i] != NULL; i++)
		if (strcmp(y->value, no[i]) == 0)
			return *out = 0, 0;
	return cfg_error(c, y, "`%s` must be true or false, not `%s`", field,
	    y->value);
}

/* A list of strings; a single scalar is taken as a list of one. */
static int
get_list(struct cfgctx *c, const struct ynode *y, const char *field,
    struct strvec *out)
{
	size_t	 i;

	strvec_clear(out);
	if (y->type == YNODE_SCALAR) {
		if (is_null(y))
			return 0;	/* `key:` or `key: ~`: empty */
		return strvec_push(out, y->value) == -1 ?
		    cfg_error(c, y, "out of memory") : 0;
	}
	if (want(c, y, YNODE_SEQUENCE, field) == -1)
		return -1;
	for (i = 0; i < y->n; i++) {
		if (y->items[i]->type != YNODE_SCALAR)
			return cfg_error(c, y->items[i], "items of `%s` must "
			    "be strings", field);
		if (is_null(y->items[i]))
			return cfg_error(c, y->items[i], "an item of `%s` is "
			    "null (`%s`); quote it if you mean the text",
			    field, y->items[i]->value);
		if (strvec_push(out, y->items[i]->value) == -1)
			return cfg_error(c, y, "out of memory");
	}
	return 0;
}

/* A duration (duration_parse): 4s, 500ms, 2m; a bare number is seconds. */
static int
get_duration(struct cfgctx *c, const struct ynode *y, const char *field,
    int min_ms, int *out_ms)
{
	int	 ms;

	if (want(c, y, YNODE_SCALAR, field) == -1)
		return -1;
	if (duration_parse(y->value, &ms) == -1)
		return cfg_error(c, y, "`%s` must be a duration such as 4s or "
		    "500ms, not `%s`", field, y->value);
	if (ms < min_ms)
		return cfg_error(c, y, "`%s` must be at least %dms, not `%s`",
		    field, min_ms, y->value);
	*out_ms = ms;
	return 0;
}

static int
get_int(struct cfgctx *c, const struct ynode *y, const char *field, int base,
    int min, int max, int *out)
{
	char	*end;
	long	 v;

	if (want(c, y, YNODE_SCALAR, field) == -1)
		return -1;
	v = strtol(y->value, &end, base);
	if (end == y->value || *end != '\0' || v < min || v > max)
		return cfg_error(c, y, "`%s` must be a whole number from %d to "
		    "%d, not `%s`", field, min, max, y->value);
	*out = (int)v;
	return 0;
}

static int
load_rules(struct cfgctx *c, const struct ynode *y, struct policy *p)
{
	enum rule_id	 id;
	enum rule_sev	 sev;
	size_t		 i;

	if (want(c, y, YNODE_MAPPING, "rules") == -1)
		return -1;
	for (i = 0; i + 1 < y->n; i += 2) {
		const struct ynode	*k = y->items[i], *v = y->items[i + 1];

		if (k->type != YNODE_SCALAR || rule_from_name(k->value,
		    &id) == -1)
			return cfg_error(c, k, "unknown rule `%s`",
			    k->type == YNODE_SCALAR ? k->value : "?");
		if (v->type != YNODE_SCALAR || rule_sev_from_name(v->value,
		    &sev) == -1)
			return cfg_error(c, v, "severity of rule `%s` must be "
			    "error, warn or off", k->value);
		p->severity[id] = sev;
	}
	return 0;
}

/* check_repo_path on a scalar or on each scalar item of a list. */
static int
check_repo_paths(struct cfgctx *c, const struct ynode *y, const char *field)
{
	size_t	 i;

	if (y->type == YNODE_SCALAR)
		return check_repo_path(c, y, field);
	for (i = 0; y->type == YNODE_SEQUENCE && i < y->n; i++)
		if (y->items[i]->type == YNODE_SCALAR &&
		    check_repo_path(c, y->items[i], field) == -1)
			return -1;
	return 0;
}

/* hook.host: auto (detect from the environment) or a host's name. */
static int
set_hook_host(struct cfgctx *c, const struct ynode *y, struct config *cfg)
{
	enum host_kind	 h;

	if (want(c, y, YNODE_SCALAR, "host") == -1)
		return -1;
	if (strcmp(y->value, "auto") == 0) {
		cfg->hook.host = -1;
		return 0;
	}
	if (host_from_name(y->value, &h) == -1)
		return cfg_error(c, y, "`host` must be auto, git, github, "
		    "gitlab or gitea (forgejo), not `%s`", y->value);
	cfg->hook.host = (int)h;
	return 0;
}

/* decisions.max_age: a long duration (90d); 0 or `off`: no limit. */
static int
set_max_age(struct cfgctx *c, const struct ynode *y, struct config *cfg)
{
	if (want(c, y, YNODE_SCALAR, "max_age") == -1)
		return -1;
	if (strcmp(y->value, "off") == 0) {
		cfg->decisions.max_age_ms = 0;
		return 0;
	}
	if (duration_parse_long(y->value, &cfg->decisions.max_age_ms) == -1)
		return cfg_error(c, y, "`max_age` must be a duration such as "
		    "90d, 12h or 2w, or off, not `%s`", y->value);
	return 0;
}

/* decisions.on_error: what a push gets when its decision is not saved. */
static int
set_on_error(struct cfgctx *c, const struct ynode *y, struct config *cfg)
{
	static const char *const names[] = {
		[CONFIG_ON_ERROR_UNAVAILABLE] = "unavailable",
		[CONFIG_ON_ERROR_REJECT] = "reject",
		[CONFIG_ON_ERROR_ACCEPT] = "accept",
	};
	size_t	 i;

	if (want(c, y, YNODE_SCALAR, "on_error") == -1)
		return -1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(y->value, names[i]) == 0) {
			cfg->decisions.on_error = (int)i;
			return 0;
		}
	return cfg_error(c, y, "`on_error` must be unavailable, reject or "
	    "accept, not `%s`", y->value);
}

/* decisions.node: a name, or empty for the host name. */
static int
set_node(struct cfgctx *c, const struct ynode *y, struct config *cfg)
{
	char	*v;

	if (want(c, y, YNODE_SCALAR, "node") == -1)
		return -1;
	if (strlen(y->value) > 255)
		return cfg_error(c, y, "`node` must be at most 255 bytes");
	if ((v = strdup(y->value)) == NULL)
		return cfg_error(c, y, "out of memory");
	free(cfg->decisions.node);
	cfg->decisions.node = v;
	return 0;
}

/* decisions.synchronous: full (survives power loss) or normal. */
static int
set_synchronous(struct cfgctx *c, const struct ynode *y, struct config *cfg)
{
	if (want(c, y, YNODE_SCALAR, "synchronous") == -1)
		return -1;
	if (strcmp(y->value, "full") != 0 && strcmp(y->value, "normal") != 0)
		return cfg_error(c, y, "`synchronous` must be full or normal, "
		    "not `%s`", y->value);
	cfg->decisions.sync_normal = strcmp(y->value, "normal") == 0;
	return 0;
}

/* load_rules takes the policy; the table's setters take the config. */
static int
set_rules(struct cfgctx *c, const struct ynode *y, struct config *cfg)
{
	return load_rules(c, y, &cfg->policy);
}

/* mode: enforce | observe. */
static int
set_mode(struct cfgctx *c, const struct ynode *y, struct config *cfg)
{
	if (want(c, y, YNODE_SCALAR, "mode") == -1)
		return -1;
	if (push_mode_from_name(y->value, &cfg->mode) == -1)
		return cfg_error(c, y, "`mode` must be enforce or observe, not "
		    "`%s`", y->value);
	return 0;
}

/* Ref globs; @default means nothing here (it is guarded_refs' word). */
static int
set_observe_refs(struct cfgctx *c, const struct ynode *y,
    struct config *cfg)
{
	size_t	 i;

	if (get_list(c, y, "observe_refs", &cfg->observe_refs) == -1)
		return -1;
	for (i = 0; i < cfg->observe_refs.len; i++)
		if (strncmp(cfg->observe_refs.items[i], "refs/", 5) != 0)
			return cfg_error(c, y, "`observe_refs` are globs on "
			    "full ref names such as refs/heads/exp/*, not `%s`",
			    cfg->observe_refs.items[i]);
	return 0;
}

/* A variable that may name the pusher; null: the host's own. */
static int
set_identity_var(struct cfgctx *c, const struct ynode *y,
    struct config *cfg)
{
	char	 why[256];

	if (want(c, y, YNODE_SCALAR, "identity_var") == -1)
		return -1;
	free(cfg->bypass.identity_var);
	cfg->bypass.identity_var = NULL;
	if (is_null(y))
		return 0;
	if (identity_var_check(y->value, why, sizeof(why)) == -1)
		return cfg_error(c, y, "`identity_var`: %s", why);
	if ((cfg->bypass.identity_var = strdup(y->value)) == NULL)
		return cfg_error(c, y, "out of memory");
	return 0;
}

/*
 * http.listen: off (the default), on (CONFIG_HTTP_ADDRESS), or
 * HOST:PORT with an IPv4 address or a bracketed IPv6 one.  Whether a
 * token is needed is checked once the section is read (check_http).
 */
static int
set_http_listen(struct cfgctx *c, const struct ynode *y, struct config *cfg)
{
	const char	*v = y->value;
	int		 on = -1;

	if (want(c, y, YNODE_SCALAR, "listen") == -1)
		return -1;
	free(cfg->http.listen);
	cfg->http.listen = NULL;
	if (y->plain && (strcmp(v, "on") == 0 || strcmp(v, "true") == 0))
		on = 1;
	else if (y->plain && (strcmp(v, "off") == 0 ||
	    strcmp(v, "false") == 0 || is_null(y)))
		on = 0;
	if (on == 0)
		return 0;
	if (on == -1 && config_http_address(v, NULL, 0, NULL, NULL) == -1)
		return cfg_error(c, y, "`listen` must be off, on (%s) or "
		    "ADDRESS:PORT such as 127.0.0.1:9419 or '[::1]:9419', not "
		    "`%s`", CONFIG_HTTP_ADDRESS, v);
	if ((cfg->http.listen = strdup(on == 1 ? CONFIG_HTTP_ADDRESS :
	    v)) == NULL)
		return cfg_error(c, y, "out of memory");
	return 0;
}

enum field_type {
	FIELD_STRING,
	FIELD_LIST,
	FIELD_BOOL,
	FIELD_DURATION,		/* min is in ms */
	FIELD_INT,		/* decimal, in [min, max] */
	FIELD_OCTAL,		/* file modes, in [min, max] */
	FIELD_FAIL_OPEN,	/* reject | accept */
	FIELD_SET,		/* the entry's setter reads the value */
	FIELD_SECTION,		/* a mapping of the keys of scope min */
	FIELD_MATCH,		/* a repositories entry's glob, read apart */
	FIELD_REPOSITORIES	/* the overrides, read after the rest */
};

/* Where a key is read: its mapping. */
enum field_scope {
	SCOPE_TOP,		/* the top level of a file */
	SCOPE_DAEMON,		/* daemon: */
	SCOPE_HOOK,		/* hook: */
	SCOPE_BYPASS,		/* bypass: */
	SCOPE_DECISIONS,	/* decisions: */
	SCOPE_HTTP		/* http: */
};

/* Which top-level mappings accept a key (SCOPE_TOP keys only). */
#define FIELD_IN_FILE		0x01	/* the server's file */
#define FIELD_IN_OVERRIDE	0x02	/* a repositories entry */
#define FIELD_IN_REPO		0x04	/* a repository's .revguard.yaml */
/* Validation beyond the type. */
#define FIELD_REPO_PATH		0x10	/* relative, without `..` */
#define FIELD_PATTERN		0x20	/* pcre2 source(s): compiled on load */

/*
 * Every key of the configuration, one entry each: where it may appear,
 * its type and where it goes in struct config.  load_mapping walks this
 * table for the server's file, its sections and repositories entries,
 * and for a repository's own .revguard.yaml; config_key lists it for
 * the test that checks the man page and the example file against it.
 */
struct field {
	const char	*key;
	enum field_scope scope;
	int		 flags;
	enum field_type	 type;
	size_t		 offset;	/* in struct config */
	int		 min, max;
	int		(*set)(struct cfgctx *, const struct ynode *,
			    struct config *);
};

#define POLICY		(FIELD_IN_FILE | FIELD_IN_OVERRIDE)
#define LOCATION	(FIELD_IN_FILE | FIELD_IN_OVERRIDE | FIELD_IN_REPO | \
			    FIELD_REPO_PATH)
#define F(key, scope, flags, type, member, min, max) \
	{ key, scope, flags, type, offsetof(struct config, member), min, max, \
	    NULL }
#define S(key, scope, flags, type, min) \
	{ key, scope, flags, type, 0, min, 0, NULL }

static const struct field fields[] = {
	F("alembic_ini", SCOPE_TOP, LOCATION, FIELD_STRING, alembic_ini, 0, 0),
	F("versions_path", SCOPE_TOP, LOCATION, FIELD_LIST, versions_paths,
	    0, 0),
	F("revision_format", SCOPE_TOP, POLICY | FIELD_PATTERN, FIELD_STRING,
	    policy.revision_format, 0, 0),
	F("file_template", SCOPE_TOP, POLICY, FIELD_STRING,
	    policy.file_template, 0, 0),
	F("merge_marker", SCOPE_TOP, POLICY, FIELD_STRING,
	    policy.merge_marker, 0, 0),
	F("placeholder_patterns", SCOPE_TOP, POLICY | FIELD_PATTERN,
	    FIELD_LIST, policy.placeholder_patterns, 0, 0),
	F("documentation", SCOPE_TOP, POLICY | FIELD_REPO_PATH, FIELD_LIST,
	    policy.documentation, 0, 0),
	F("baseline", SCOPE_TOP, POLICY, FIELD_LIST, policy.baseline, 0, 0),
	F("strict", SCOPE_TOP, POLICY, FIELD_BOOL, policy.strict, 0, 0),
	{ "rules", SCOPE_TOP, POLICY, FIELD_SET, 0, 0, 0, set_rules },
	F("guarded_refs", SCOPE_TOP, POLICY, FIELD_LIST, guarded_refs, 0, 0),
	F("baseline_file", SCOPE_TOP, POLICY | FIELD_REPO_PATH, FIELD_STRING,
	    baseline_file, 0, 0),
	F("allow_migrations_removal", SCOPE_TOP, POLICY, FIELD_BOOL,
	    allow_migrations_removal, 0, 0),
	F("allow_ref_deletion", SCOPE_TOP, POLICY, FIELD_BOOL,
	    allow_ref_deletion, 0, 0),
	{ "mode", SCOPE_TOP, POLICY, FIELD_SET, 0, 0, 0, set_mode },
	{ "observe_refs", SCOPE_TOP, POLICY, FIELD_SET, 0, 0, 0,
	    set_observe_refs },
	S("bypass", SCOPE_TOP, POLICY, FIELD_SECTION, SCOPE_BYPASS),
	S("match", SCOPE_TOP, FIELD_IN_OVERRIDE, FIELD_MATCH, 0),
	S("daemon", SCOPE_TOP, FIELD_IN_FILE, FIELD_SECTION, SCOPE_DAEMON),
	S("hook", SCOPE_TOP, FIELD_IN_FILE, FIELD_SECTION, SCOPE_HOOK),
	S("decisions", SCOPE_TOP, FIELD_IN_FILE, FIELD_SECTION,
	    SCOPE_DECISIONS),
	S("repositories", SCOPE_TOP, FIELD_IN_FILE, FIELD_REPOSITORIES, 0),
	S("http", SCOPE_TOP, FIELD_IN_FILE, FIELD_SECTION, SCOPE_HTTP),

	F("socket", SCOPE_DAEMON, 0, FIELD_STRING, daemon.socket, 0, 0),
	F("socket_mode", SCOPE_DAEMON, 0, FIELD_OCTAL, daemon.socket_mode, 0,
	    0777),
	F("workers", SCOPE_DAEMON, 0, FIELD_INT, daemon.workers, 0, 256),
	F("repo_roots", SCOPE_DAEMON, 0, FIELD_LIST, daemon.repo_roots, 0, 0),
	/* A zero job or client timeout would fail every push. */
	F("job_timeout", SCOPE_DAEMON, 0, FIELD_DURATION,
	    daemon.job_timeout_ms, 1, 0),
	F("client_timeout", SCOPE_DAEMON, 0, FIELD_DURATION,
	    daemon.client_timeout_ms, 1, 0),
	F("shutdown_timeout", SCOPE_DAEMON, 0, FIELD_DURATION,
	    daemon.shutdown_timeout_ms, 0, 0),
	F("max_frame", SCOPE_DAEMON, 0, FIELD_INT, daemon.max_frame, 4096,
	    64 << 20),
	F("max_connections", SCOPE_DAEMON, 0, FIELD_INT,
	    daemon.max_connections, 1, 65536),

	F("socket", SCOPE_HOOK, 0, FIELD_STRING, hook.socket, 0, 0),
	F("timeout", SCOPE_HOOK, 0, FIELD_DURATION, hook.timeout_ms, 1, 0),
	F("on_unavailable", SCOPE_HOOK, 0, FIELD_FAIL_OPEN, hook.fail_open, 0,
	    0),
	{ "host", SCOPE_HOOK, 0, FIELD_SET, 0, 0, 0, set_hook_host },
	F("deadline", SCOPE_HOOK, 0, FIELD_DURATION, hook.deadline_ms, 1, 0),

	F("allow", SCOPE_BYPASS, 0, FIELD_LIST, bypass.allow, 0, 0),
	{ "identity_var", SCOPE_BYPASS, 0, FIELD_SET, 0, 0, 0,
	    set_identity_var },

	F("path", SCOPE_DECISIONS, 0, FIELD_STRING, decisions.path, 0, 0),
	{ "max_age", SCOPE_DECISIONS, 0, FIELD_SET, 0, 0, 0, set_max_age },
	F("max_rows", SCOPE_DECISIONS, 0, FIELD_INT, decisions.max_rows, 0,
	    2000000000),
	F("spool", SCOPE_DECISIONS, 0, FIELD_STRING, decisions.spool, 0, 0),
	{ "on_error", SCOPE_DECISIONS, 0, FIELD_SET, 0, 0, 0, set_on_error },
	{ "node", SCOPE_DECISIONS, 0, FIELD_SET, 0, 0, 0, set_node },
	F("postgresql", SCOPE_DECISIONS, 0, FIELD_STRING,
	    decisions.postgresql, 0, 0),
	{ "synchronous", SCOPE_DECISIONS, 0, FIELD_SET, 0, 0, 0,
	    set_synchronous },

	{ "listen", SCOPE_HTTP, 0, FIELD_SET, 0, 0, 0, set_http_listen },
	F("token_file", SCOPE_HTTP, 0, FIELD_STRING, http.token_file, 0, 0),
	F("max_request_bytes", SCOPE_HTTP, 0, FIELD_INT,
	    http.max_request_bytes, 1024, 1 << 20),
	F("max_headers", SCOPE_HTTP, 0, FIELD_INT, http.max_headers, 4, 1000),
	F("timeout", SCOPE_HTTP, 0, FIELD_DURATION, http.timeout_ms, 1, 0),
};

#undef S
#undef F
#undef LOCATION
#undef POLICY

#define NFIELDS		(sizeof(fields) / sizeof(fields[0]))

static const char *const scope_names[] = { NULL, "daemon", "hook",
	"bypass", "decisions", "http" };

int
config_key(size_t i, const char **section, const char **key, int *flags)
{
	if (i >= NFIELDS)
		return -1;
	*section = scope_names[fields[i].scope];
	*key = fields[i].key;
	*flags = 0;
	if (fields[i].flags & FIELD_IN_FILE)
		*flags |= CONFIG_KEY_FILE;
	if (fields[i].flags & FIELD_IN_OVERRIDE)
		*flags |= CONFIG_KEY_OVERRIDE;
	if (fields[i].flags & FIELD_IN_REPO)
		*flags |= CONFIG_KEY_REPO;
	return 0;
}

/* The mapping being read, which decides the keys it may hold. */
enum mapping_kind {
	MAPPING_FILE,		/* the server's file, then its overrides */
	MAPPING_BASE,		/* the file again, under one override */
	MAPPING_OVERRIDE,	/* one repositories entry */
	MAPPING_REPO,		/* a repository's own .revguard.yaml */
	MAPPING_DAEMON,		/* the sections: scope_of_mapping */
	MAPPING_HOOK,
	MAPPING_BYPASS,
	MAPPING_DECISIONS,
	MAPPING_HTTP
};

/* A section's keys, by mapping; SCOPE_TOP for the other mappings. */
static const enum field_scope scope_of_mapping[] = {
	[MAPPING_DAEMON] = SCOPE_DAEMON,
	[MAPPING_HOOK] = SCOPE_HOOK,
	[MAPPING_BYPASS] = SCOPE_BYPASS,
	[MAPPING_DECISIONS] = SCOPE_DECISIONS,
	[MAPPING_HTTP] = SCOPE_HTTP,
};

static enum mapping_kind
mapping_of_scope(enum field_scope scope)
{
	size_t	 i;

	for (i = 0; i < sizeof(scope_of_mapping) /
	    sizeof(scope_of_mapping[0]); i++)
		if (scope_of_mapping[i] == scope && scope != SCOPE_TOP)
			return (enum mapping_kind)i;
	return MAPPING_FILE;
}

static const struct field *
field_find(enum mapping_kind kind, const char *key)
{
	static const int	 in[] = {
		[MAPPING_FILE] = FIELD_IN_FILE,
		[MAPPING_BASE] = FIELD_IN_FILE,
		[MAPPING_OVERRIDE] = FIELD_IN_OVERRIDE,
		[MAPPING_REPO] = FIELD_IN_REPO,
	};
	enum field_scope	 scope = scope_of_mapping[kind];
	size_t			 i;

	for (i = 0; i < NFIELDS; i++) {
		if (fields[i].scope != scope || strcmp(fields[i].key, key) != 0)
			continue;
		if (scope != SCOPE_TOP || (fields[i].flags & in[kind]))
			return &fields[i];
	}
	return NULL;
}

/* The error for a key the mapping does not take. */
static int
unknown_key(struct cfgctx *c, const struct ynode *k, enum mapping_kind kind)
{
	const char	*key = k->value;
	size_t		 i;
	int		 n;
	char		 only[256];

	switch (kind) {
	case MAPPING_DAEMON:
	case MAPPING_HOOK:
	case MAPPING_BYPASS:
	case MAPPING_DECISIONS:
	case MAPPING_HTTP:
		return cfg_error(c, k, "unknown key `%s` in `%s`", key,
		    scope_names[scope_of_mapping[kind]]);
	case MAPPING_OVERRIDE:
		return cfg_error(c, k, "unknown key `%s` in a repositories "
		    "entry", key);
	case MAPPING_REPO:
		only[0] = '\0';
		for (i = 0, n = 0; i < NFIELDS && (size_t)n < sizeof(only);
		    i++)
			if (fields[i].flags & FIELD_IN_REPO)
				n += snprintf(only + n, sizeof(only) -
				    (size_t)n, "%s%s", n ? " and " : "",
				    fields[i].key);
		return cfg_error(c, k, "`%s` cannot be set in a repository's "
		    "own configuration; only %s can", key, only);
	default:
		return cfg_error(c, k, "unknown key `%s`", key);
	}
}

static int load_mapping(struct cfgctx *, const struct ynode *,
    struct config *, enum mapping_kind);
static int load_overrides(struct cfgctx *, const struct ynode *,
    const struct ynode *, struct config *);

/* Reads one value into cfg as f says; *repos keeps `repositories`. */
static int
load_field(struct cfgctx *c, const struct field *f, const struct ynode *v,
    struct config *cfg, const struct ynode **repos)
{
	void		*dst = (char *)cfg + f->offset;
	const char	*key = f->key;

	if ((f->flags & FIELD_REPO_PATH) && check_repo_paths(c, v, key) == -1)
		return -1;
	switch (f->type) {
	case FIELD_STRING:
		return get_string(c, v, key, dst);
	case FIELD_LIST:
		return get_list(c, v, key, dst);
	case FIELD_BOOL:
		return get_bool(c, v, key, dst);
	case FIELD_DURATION:
		return get_duration(c, v, key, f->min, dst);
	case FIELD_INT:
	case FIELD_OCTAL:
		return get_int(c, v, key, f->type == FIELD_OCTAL ? 8 : 10,
		    f->min, f->max, dst);
	case FIELD_FAIL_OPEN:
		if (v->type != YNODE_SCALAR || (strcmp(v->value,
		    "reject") != 0 && strcmp(v->value, "accept") != 0))
			return cfg_error(c, v, "`%s` must be reject or accept",
			    key);
		*(int *)dst = strcmp(v->value, "accept") == 0;
		return 0;
	case FIELD_SET:
		return f->set(c, v, cfg);
	case FIELD_SECTION:
		return load_mapping(c, v, cfg, mapping_of_scope(
		    (enum field_scope)f->min));
	case FIELD_MATCH:
		return want(c, v, YNODE_SCALAR, key);
	case FIELD_REPOSITORIES:
		*repos = v;
		return 0;
	}
	return cfg_error(c, v, "`%s`: no loader for its type", key);
}

/*
 * Loads one mapping over cfg, key by key through the table.  In the
 * server's file, `repositories` is read last: each entry starts from the
 * whole top level (MAPPING_BASE, which skips it) and the entry on top.
 */
static int
load_mapping(struct cfgctx *c, const struct ynode *y, struct config *cfg,
    enum mapping_kind kind)
{
	const struct ynode	*repos = NULL;
	const struct field	*f;
	char			 perr[512];
	size_t			 i;

	if (y == NULL)
		return 0;
	if (scope_of_mapping[kind] == SCOPE_TOP &&
	    y->type == YNODE_SCALAR && y->value[0] == '\0')
		return 0;
	if (want(c, y, YNODE_MAPPING, scope_of_mapping[kind] != SCOPE_TOP ?
	    scope_names[scope_of_mapping[kind]] : kind == MAPPING_OVERRIDE ?
	    "a repositories entry" : "the document") == -1)
		return -1;
	for (i = 0; i + 1 < y->n; i += 2) {
		const struct ynode	*k = y->items[i], *v = y->items[i + 1];

		if (k->type != YNODE_SCALAR)
			return cfg_error(c, k, "keys must be strings");
		if (kind == MAPPING_BASE && strcmp(k->value,
		    "repositories") == 0)
			continue;
		if ((f = field_find(kind, k->value)) == NULL)
			return unknown_key(c, k, kind);
		if (load_field(c, f, v, cfg, &repos) == -1)
			return -1;
		/* Compile as we go, so a bad pattern names its line. */
		if ((f->flags & FIELD_PATTERN) && c->compile &&
		    policy_compile(&cfg->policy, perr, sizeof(perr)) == -1)
			return cfg_error(c, v, "%s", perr);
	}
	if (kind == MAPPING_FILE && repos != NULL)
		return load_overrides(c, y, repos, cfg);
	return 0;
}

static void
overrides_free(struct config *cfg)
{
	size_t	 i;

	for (i = 0; i < cfg->noverrides; i++) {
		free(cfg->overrides[i].match);
		if (cfg->overrides[i].cfg != NULL) {
			config_free(cfg->overrides[i].cfg);
			free(cfg->overrides[i].cfg);
		}
	}
	free(cfg->overrides);
	cfg->overrides = NULL;
	cfg->noverrides = 0;
}

/*
 * Each `repositories` entry becomes a whole configuration: the file's
 * top level, then the entry on top of it.
 */
static int
load_overrides(struct cfgctx *c, const struct ynode *root,
    const struct ynode *repos, struct config *cfg)
{
	const struct ynode	*entry, *match;
	struct config_override	*o;
	size_t			 i, j;

	if (want(c, repos, YNODE_SEQUENCE, "repositories") == -1)
		return -1;
	/* A second file loaded over cfg replaces the list. */
	overrides_free(cfg);
	if ((cfg->overrides = calloc(repos->n + 1, sizeof(*o))) == NULL)
		return cfg_error(c, repos, "out of memory");
	for (i = 0; i < repos->n; i++) {
		entry = repos->items[i];
		match = NULL;
		for (j = 0; entry->type == YNODE_MAPPING && j + 1 < entry->n;
		    j += 2)
			if (entry->items[j]->type == YNODE_SCALAR &&
			    strcmp(entry->items[j]->value, "match") == 0)
				match = entry->items[j + 1];
		if (entry->type == YNODE_MAPPING && (match == NULL ||
		    match->type != YNODE_SCALAR))
			return cfg_error(c, entry, "a repositories entry needs "
			    "`match: <path glob>`");
		o = &cfg->overrides[cfg->noverrides];
		if ((o->cfg = malloc(sizeof(*o->cfg))) == NULL ||
		    config_init_flags(o->cfg, cfg->flags) == -1) {
			free(o->cfg);
			o->cfg = NULL;
			return cfg_error(c, entry, "out of memory");
		}
		cfg->noverrides++;
		if ((o->match = strdup(match ? match->value : "")) == NULL ||
		    load_mapping(c, root, o->cfg, MAPPING_BASE) == -1 ||
		    load_mapping(c, entry, o->cfg, MAPPING_OVERRIDE) == -1)
			return -1;
	}
	return 0;
}

/*
 * The same table and checks as the server's file, but only the keys
 * marked FIELD_IN_REPO are taken, so only the two outputs can change.
 */
int
config_load_location(const char *name, const char *data, size_t len,
    struct strvec *versions_paths, char **alembic_ini, char *err,
    size_t errlen)
{
	struct cfgctx	 c = { name, err, errlen, 0 };
	struct config	 tmp;
	struct ynode	*root;
	int		 rv;

	if (yaml_to_tree(&c, data, len, &root) == -1)
		return -1;
	memset(&tmp, 0, sizeof(tmp));
	tmp.versions_paths = *versions_paths;
	tmp.alembic_ini = *alembic_ini;
	rv = check_duplicate_keys(&c, root);
	if (rv == 0)
		rv = load_mapping(&c, root, &tmp, MAPPING_REPO);
	*versions_paths = tmp.versions_paths;
	*alembic_ini = tmp.alembic_ini;
	ynode_free(root);
	return rv;
}

int
config_http_address(const char *listen, char *host, size_t hostlen,
    int *port, int *loopback)
{
	const char	*colon = strrchr(listen, ':');
	char		 h[64], *end;
	unsigned char	 addr[16];
	size_t		 n;
	long		 p;
	int		 v6 = 0;

	if (colon == NULL || (n = (size_t)(colon - listen)) == 0 ||
	    n >= sizeof(h))
		return -1;
	memcpy(h, listen, n);
	h[n] = '\0';
	if (h[0] == '[') {
		if (n < 3 || h[n - 1] != ']')
			return -1;
		memmove(h, h + 1, n - 2);
		h[n - 2] = '\0';
		v6 = 1;
	}
	p = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || p < 1 || p > 65535)
		return -1;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, h, addr) != 1)
		return -1;
	if (host != NULL && snprintf(host, hostlen, "%s", h) >= (int)hostlen)
		return -1;
	if (port != NULL)
		*port = (int)p;
	if (loopback != NULL)
		*loopback = v6 ? memcmp(addr, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1",
		    16) == 0 : addr[0] == 127;
	return 0;
}

/*
 * The endpoint answers anyone who can reach it: beyond the loopback
 * interface only with a bearer token.
 */
static int
check_http(const struct config *cfg, const char *name, char *err,
    size_t errlen)
{
	int	 loopback = 1;

	if (cfg->http.listen == NULL || cfg->http.token_file != NULL)
		return 0;
	(void)config_http_address(cfg->http.listen, NULL, 0, NULL,
	    &loopback);
	if (loopback)
		return 0;
	snprintf(err, errlen, "%s: http.listen `%s` is not a loopback "
	    "address: set http.token_file to a file holding a bearer token, "
	    "or listen on 127.0.0.1", name, cfg->http.listen);
	return -1;
}

const struct config *
config_for_repository(const struct config *cfg, const char *path)
{
	size_t	 i;

	for (i = 0; i < cfg->noverrides; i++)
		if (glob_match(cfg->overrides[i].match, path))
			return cfg->overrides[i].cfg;
	return cfg;
}

int
config_init(struct config *cfg)
{
	return config_init_flags(cfg, 0);
}

int
config_init_flags(struct config *cfg, int flags)
{
	char	 err[256];

	memset(cfg, 0, sizeof(*cfg));
	cfg->flags = flags;
	cfg->daemon.socket_mode = 0660;
	cfg->daemon.job_timeout_ms = 30000;
	cfg->daemon.client_timeout_ms = 10000;
	cfg->daemon.shutdown_timeout_ms = 10000;
	cfg->daemon.max_frame = 8 << 20;	/* 10,000 ref updates */
	cfg->daemon.max_connections = 512;
	cfg->hook.timeout_ms = 4000;
	cfg->hook.host = -1;
	cfg->decisions.max_age_ms = 90LL * 86400000;
	cfg->decisions.max_rows = 10000000;
	cfg->http.max_request_bytes = 8192;
	cfg->http.max_headers = 32;
	cfg->http.timeout_ms = 10000;
	if (policy_init(&cfg->policy) == -1 ||
	    (cfg->alembic_ini = strdup("alembic.ini")) == NULL ||
	    (cfg->baseline_file = strdup(".revguard-baseline")) == NULL ||
	    (cfg->daemon.socket = strdup(CONFIG_DEFAULT_SOCKET)) == NULL ||
	    (cfg->hook.socket = strdup(CONFIG_DEFAULT_SOCKET)) == NULL ||
	    (cfg->decisions.path = strdup(CONFIG_DEFAULT_DECISIONS)) == NULL ||
	    (cfg->decisions.spool = strdup(CONFIG_DEFAULT_SPOOL)) == NULL ||
	    strvec_push(&cfg->guarded_refs, CONFIG_DEFAULT_BRANCH) == -1 ||
	    strvec_push(&cfg->guarded_refs, "refs/heads/release/*") == -1)
		return -1;
	if (!(flags & CONFIG_NO_PATTERNS) &&
	    policy_compile(&cfg->policy, err, sizeof(err)) == -1)
		return -1;
	return 0;
}

int
config_load_buffer(struct config *cfg, const char *name, const char *data,
    size_t len, char *err, size_t errlen)
{
	struct cfgctx	 c = { name, err, errlen,
			    !(cfg->flags & CONFIG_NO_PATTERNS) };
	struct ynode	*root;
	int		 rv;

	if (yaml_to_tree(&c, data, len, &root) == -1)
		return -1;
	rv = check_duplicate_keys(&c, root);
	if (rv == 0)
		rv = load_mapping(&c, root, cfg, MAPPING_FILE);
	ynode_free(root);
	if (rv == 0 && check_http(cfg, name, err, errlen) == -1)
		return -1;
	if (rv == 0 && c.compile &&
	    policy_compile(&cfg->policy, err, errlen) == -1)
		return -1;
	return rv;
}

int
config_load_file(struct config *cfg, const char *path, char *err,
    size_t errlen)
{
	FILE	*f;
	char	*data;
	size_t	 len;
	int	 rv;

	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((data = malloc(CONFIG_MAX_SIZE + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	len = fread(data, 1, CONFIG_MAX_SIZE + 1, f);
	if (ferror(f) || len > CONFIG_MAX_SIZE) {
		snprintf(err, errlen, "%s: %s", path, ferror(f) ?
		    strerror(errno) : "larger than 4 MiB");
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	rv = config_load_buffer(cfg, path, data, len, err, errlen);
	free(data);
	return rv;
}

void
config_free(struct config *cfg)
{
	policy_free(&cfg->policy);
	strvec_clear(&cfg->versions_paths);
	free(cfg->alembic_ini);
	strvec_clear(&cfg->guarded_refs);
	free(cfg->baseline_file);
	free(cfg->daemon.socket);
	strvec_clear(&cfg->daemon.repo_roots);
	free(cfg->hook.socket);
	strvec_clear(&cfg->observe_refs);
	strvec_clear(&cfg->bypass.allow);
	free(cfg->bypass.identity_var);
	free(cfg->decisions.path);
	free(cfg->decisions.spool);
	free(cfg->decisions.node);
	free(cfg->decisions.postgresql);
	free(cfg->http.listen);
	free(cfg->http.token_file);
	overrides_free(cfg);
	memset(cfg, 0, sizeof(*cfg));
}
