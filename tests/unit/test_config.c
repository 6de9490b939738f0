/* Unit tests for YAML configuration loading and its error messages. */
#include <criterion/criterion.h>
#include <string.h>

#include "revguard/config.h"

static struct config	 cfg;
static char		 err[1024];

static void
setup(void)
{
	cr_assert_eq(config_init(&cfg), 0);
	err[0] = '\0';
}

static void
teardown(void)
{
	config_free(&cfg);
}

TestSuite(config, .init = setup, .fini = teardown);

static int
load(const char *yaml)
{
	return config_load_buffer(&cfg, "t.yaml", yaml, strlen(yaml), err,
	    sizeof(err));
}

Test(config, defaults)
{
	cr_assert_str_eq(cfg.policy.revision_format, "^[0-9a-f]{12}$");
	cr_assert_str_eq(cfg.alembic_ini, "alembic.ini");
	cr_assert_eq(cfg.policy.documentation.len, 2);
	cr_assert_eq(cfg.policy.severity[RULE_HEADER_MISSING], RULE_SEV_WARN);
	cr_assert_eq(load(""), 0);
	cr_assert_eq(load("# only a comment\n"), 0);
}

Test(config, every_key)
{
	cr_assert_eq(load(
	    "versions_path: [db/versions, other/versions]\n"
	    "alembic_ini: backend/alembic.ini\n"
	    "revision_format: '^[0-9a-f]{12}$|^[a-z_]+$'\n"
	    "file_template: '%(year)d_%(rev)s_%(slug)s'\n"
	    "merge_marker: _merge\n"
	    "placeholder_patterns: ['^deadbeef', '^(ab)+$']\n"
	    "documentation: CHANGES.md\n"
	    "baseline:\n  - a1b2c3d4e5f6\n"
	    "strict: yes\n"
	    "rules:\n  placeholder-id: warn\n  single-base: off\n"), 0, "%s",
	    err);
	cr_assert_eq(cfg.versions_paths.len, 2);
	cr_assert_str_eq(cfg.alembic_ini, "backend/alembic.ini");
	cr_assert_str_eq(cfg.policy.merge_marker, "_merge");
	cr_assert_eq(cfg.policy.placeholder_patterns.len, 2);
	cr_assert_not_null(cfg.policy.placeholder_res[1]);
	cr_assert_eq(cfg.policy.documentation.len, 1);
	cr_assert_str_eq(cfg.policy.baseline.items[0], "a1b2c3d4e5f6");
	cr_assert_eq(cfg.policy.strict, 1);
	cr_assert_eq(cfg.policy.severity[RULE_PLACEHOLDER_ID], RULE_SEV_WARN);
	cr_assert_eq(cfg.policy.severity[RULE_SINGLE_BASE], RULE_SEV_OFF);
}

Test(config, unknown_key_names_line_and_column)
{
	cr_assert_eq(load("strict: true\n\nrevison_format: x\n"), -1);
	cr_assert_str_eq(err, "t.yaml:3:1: unknown key `revison_format`");
}

Test(config, unknown_rule_and_bad_severity)
{
	cr_assert_eq(load("rules:\n  stealth-branches: error\n"), -1);
	cr_assert_str_eq(err, "t.yaml:2:3: unknown rule `stealth-branches`");
	cr_assert_eq(load("rules:\n  cycle: fatal\n"), -1);
	cr_assert_str_eq(err, "t.yaml:2:10: severity of rule `cycle` must be "
	    "error, warn or off");
}

Test(config, wrong_types)
{
	cr_assert_eq(load("strict: maybe\n"), -1);
	cr_assert_str_eq(err, "t.yaml:1:9: `strict` must be true or false, "
	    "not `maybe`");
	cr_assert_eq(load("rules: [a]\n"), -1);
	cr_assert_str_eq(err, "t.yaml:1:8: `rules` must be a mapping, not a "
	    "list");
	cr_assert_eq(load("documentation: [[a]]\n"), -1);
	cr_assert(strstr(err, "items of `documentation` must be strings"));
	cr_assert_eq(load("- a\n- b\n"), -1);
	cr_assert(strstr(err, "`the document` must be a mapping"));
}

Test(config, bad_pattern_points_at_value)
{
	cr_assert_eq(load("strict: false\nrevision_format: '(['\n"), -1);
	cr_assert(strncmp(err, "t.yaml:2:18: revision_format: invalid "
	    "pattern `([`", 38) == 0, "%s", err);
}

Test(config, yaml_syntax_errors_and_aliases)
{
	cr_assert_eq(load("strict: [true\n"), -1);
	cr_assert(strstr(err, "YAML syntax error"), "%s", err);
	cr_assert(strncmp(err, "t.yaml:2:", 9) == 0, "%s", err);
	cr_assert_eq(load("a: &x 1\nb: *x\n"), -1);
	cr_assert(strstr(err, "aliases are not supported"), "%s", err);
}

Test(config, missing_file)
{
	cr_assert_eq(config_load_file(&cfg, "/nonexistent/r.yaml", err,
	    sizeof(err)), -1);
	cr_assert_str_eq(err, "/nonexistent/r.yaml: cannot open: No such file "
	    "or directory");
}

Test(config, daemon_hook_and_refs)
{
	cr_assert_eq(cfg.daemon.socket_mode, 0660);
	cr_assert_eq(cfg.hook.timeout_ms, 4000);
	cr_assert_eq(cfg.hook.fail_open, 0);
	cr_assert_eq(cfg.guarded_refs.len, 2);
	cr_assert_eq(load("daemon:\n  socket: /tmp/s.sock\n  socket_mode: 0600\n"
	    "  workers: 3\n  repo_roots: [/srv/git, /var/git]\n"
	    "  job_timeout: 1500ms\n  client_timeout: 2m\n"
	    "hook:\n  timeout: 2.5s\n  on_unavailable: accept\n"
	    "guarded_refs: [refs/heads/main]\nbaseline_file: known.txt\n"), 0,
	    "%s", err);
	cr_assert_str_eq(cfg.daemon.socket, "/tmp/s.sock");
	cr_assert_eq(cfg.daemon.socket_mode, 0600);
	cr_assert_eq(cfg.daemon.workers, 3);
	cr_assert_eq(cfg.daemon.repo_roots.len, 2);
	cr_assert_eq(cfg.daemon.job_timeout_ms, 1500);
	cr_assert_eq(cfg.daemon.client_timeout_ms, 120000);
	cr_assert_eq(cfg.hook.timeout_ms, 2500);
	cr_assert_eq(cfg.hook.fail_open, 1);
	cr_assert_str_eq(cfg.guarded_refs.items[0], "refs/heads/main");
	cr_assert_str_eq(cfg.baseline_file, "known.txt");
}

/* hook.deadline: unset by default (the hook picks 4 s on GitHub
 * Enterprise), a duration of at least 1ms when set. */
Test(config, hook_deadline)
{
	cr_assert_eq(cfg.hook.deadline_ms, 0);
	cr_assert_eq(load("hook:\n  deadline: 3.5s\n"), 0, "%s", err);
	cr_assert_eq(cfg.hook.deadline_ms, 3500);
	cr_assert_eq(load("hook:\n  deadline: 0s\n"), -1);
	cr_assert_str_eq(err, "t.yaml:2:13: `deadline` must be at least 1ms, "
	    "not `0s`");
	cr_assert_eq(load("deadline: 2s\n"), -1);
}

Test(config, daemon_errors)
{
	cr_assert_eq(load("daemon:\n  workrs: 2\n"), -1);
	cr_assert_str_eq(err, "t.yaml:2:3: unknown key `workrs` in `daemon`");
	cr_assert_eq(load("daemon:\n  job_timeout: soon\n"), -1);
	cr_assert_str_eq(err, "t.yaml:2:16: `job_timeout` must be a duration "
	    "such as 4s or 500ms, not `soon`");
	cr_assert_eq(load("hook:\n  on_unavailable: maybe\n"), -1);
	cr_assert(strstr(err, "t.yaml:2:19: `on_unavailable` must be"), "%s",
	    err);
	cr_assert_eq(load("daemon:\n  workers: 9999\n"), -1);
	cr_assert(strstr(err, "from 0 to 256"), "%s", err);
}

Test(config, repository_overrides)
{
	const struct config	*c;

	cr_assert_eq(load("strict: false\nrules:\n  header-missing: off\n"
	    "repositories:\n"
	    "  - match: /srv/git/legacy/*\n    strict: true\n"
	    "    rules:\n      placeholder-id: warn\n"
	    "  - match: /srv/git/other.git\n    versions_path: db/v\n"), 0,
	    "%s", err);
	cr_assert_eq(cfg.noverrides, 2);
	c = config_for_repository(&cfg, "/srv/git/legacy/a.git");
	cr_assert_neq(c, &cfg);
	cr_assert_eq(c->policy.strict, 1);
	cr_assert_eq(c->policy.severity[RULE_PLACEHOLDER_ID], RULE_SEV_WARN);
	/* The top level still applies underneath the override. */
	cr_assert_eq(c->policy.severity[RULE_HEADER_MISSING], RULE_SEV_OFF);
	c = config_for_repository(&cfg, "/srv/git/other.git");
	cr_assert_str_eq(c->versions_paths.items[0], "db/v");
	cr_assert_eq(c->policy.strict, 0);
	cr_assert_eq(config_for_repository(&cfg, "/srv/git/new.git"), &cfg);
}

Test(config, override_errors)
{
	cr_assert_eq(load("repositories:\n  - strict: true\n"), -1);
	cr_assert(strstr(err, "t.yaml:2:5: a repositories entry needs "
	    "`match: <path glob>`"), "%s", err);
	cr_assert_eq(load("repositories:\n  - match: x\n    daemon: {}\n"), -1);
	cr_assert(strstr(err, "unknown key `daemon` in a repositories entry"),
	    "%s", err);
}

Test(config, shipped_example_loads)
{
	cr_assert_eq(config_load_file(&cfg, FIXTURES "/../../../conf/"
	    "revguard.yaml", err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(cfg.daemon.repo_roots.items[0], "/srv/git");
}

/* Issue 6: configurations that used to pass `revguardd -n` silently. */
Test(config, duplicate_keys_are_errors)
{
	cr_assert_eq(load("strict: true\nmerge_marker: _m\nstrict: false\n"),
	    -1);
	cr_assert_str_eq(err, "t.yaml:3:1: duplicate key `strict` (first at "
	    "line 1, column 1)");
	cr_assert_eq(load("daemon:\n  workers: 2\n  socket: /a\n"
	    "  workers: 3\n"), -1);
	cr_assert_str_eq(err, "t.yaml:4:3: duplicate key `workers` (first at "
	    "line 2, column 3)");
	cr_assert_eq(load("rules:\n  single-head: off\n  placeholder-id: off\n"
	    "  single-head: error\n"), -1);
	cr_assert(strstr(err, "t.yaml:4:3: duplicate key `single-head`"),
	    "%s", err);
	cr_assert_eq(load("repositories:\n  - match: a\n    strict: true\n"
	    "    match: b\n"), -1);
	cr_assert(strstr(err, "t.yaml:4:5: duplicate key `match`"), "%s", err);
}

Test(config, zero_timeouts_are_errors)
{
	cr_assert_eq(load("daemon:\n  job_timeout: 0s\n"), -1);
	cr_assert_str_eq(err, "t.yaml:2:16: `job_timeout` must be at least "
	    "1ms, not `0s`");
	cr_assert_eq(load("daemon:\n  client_timeout: 0\n"), -1);
	cr_assert(strstr(err, "t.yaml:2:19: `client_timeout` must be at "
	    "least 1ms"), "%s", err);
	cr_assert_eq(load("hook:\n  timeout: 0.1ms\n"), -1);
	cr_assert(strstr(err, "t.yaml:2:12: `timeout` must be at least 1ms"),
	    "%s", err);
	/* Shutting down without waiting is a choice, not a mistake. */
	cr_assert_eq(load("daemon:\n  shutdown_timeout: 0s\n  job_timeout: "
	    "1ms\n"), 0, "%s", err);
	cr_assert_eq(cfg.daemon.job_timeout_ms, 1);
}

Test(config, nul_in_a_value_is_an_error)
{
	static const char	 yaml[] =
	    "placeholder_patterns: [\"^dead\\0beef\"]\n";

	cr_assert_eq(config_load_buffer(&cfg, "t.yaml", yaml,
	    sizeof(yaml) - 1, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "t.yaml:1:24: a NUL character (\\0) in a value; "
	    "it would cut the value short");
	cr_assert_eq(load("revision_format: \"^[0-9a-f]{12}\\0|.*\"\n"), -1);
	cr_assert(strstr(err, "t.yaml:1:18: a NUL character"), "%s", err);
}

Test(config, null_is_not_a_pattern)
{
	cr_assert_eq(load("placeholder_patterns:\n  - '^dead'\n  - ~\n"), -1);
	cr_assert_str_eq(err, "t.yaml:3:5: an item of `placeholder_patterns` "
	    "is null (`~`); quote it if you mean the text");
	cr_assert_eq(load("placeholder_patterns: [null]\n"), -1);
	cr_assert(strstr(err, "t.yaml:1:24: an item of"), "%s", err);
	cr_assert_eq(load("placeholder_patterns: ['^x', ]\n"), 0, "%s", err);
	cr_assert_eq(load("revision_format: ~\n"), -1);
	cr_assert_str_eq(err, "t.yaml:1:18: `revision_format` must not be "
	    "null (`~`); quote it if you mean the text");
	/* `key: ~` is `key:`: an empty list, as before. */
	cr_assert_eq(load("placeholder_patterns: ~\n"), 0, "%s", err);
	cr_assert_eq(cfg.policy.placeholder_patterns.len, 0);
	/* Quoted, it is the text. */
	cr_assert_eq(load("placeholder_patterns: ['~']\n"), 0, "%s", err);
	cr_assert_str_eq(cfg.policy.placeholder_patterns.items[0], "~");
}

Test(config, repository_paths_stay_inside)
{
	cr_assert_eq(load("versions_path: /etc/versions\n"), -1);
	cr_assert_str_eq(err, "t.yaml:1:16: `versions_path` must be relative "
	    "to the top of the repository, not the absolute path "
	    "`/etc/versions`");
	cr_assert_eq(load("versions_path:\n  - db/versions\n  - /abs\n"), -1);
	cr_assert(strstr(err, "t.yaml:3:5: `versions_path` must be relative"),
	    "%s", err);
	cr_assert_eq(load("versions_path: db/../../x\n"), -1);
	cr_assert(strstr(err, "t.yaml:1:16: `versions_path` must stay inside "
	    "the repository"), "%s", err);
	cr_assert_eq(load("alembic_ini: /srv/alembic.ini\n"), -1);
	cr_assert(strstr(err, "t.yaml:1:14: `alembic_ini` must be relative"),
	    "%s", err);
	cr_assert_eq(load("repositories:\n  - match: x\n    baseline_file: "
	    "/tmp/b\n"), -1);
	cr_assert(strstr(err, "t.yaml:3:20: `baseline_file` must be relative"),
	    "%s", err);
	cr_assert_eq(load("versions_path: [db/versions, ./app/versions]\n"),
	    0, "%s", err);
}

/* Observe mode and bypass: file and overrides only, checked on load. */
Test(config, modes_and_bypass)
{
	const struct config	*c;

	cr_assert_eq(cfg.mode, PUSH_MODE_ENFORCE);
	cr_assert_eq(cfg.bypass.allow.len, 0);
	cr_assert_eq(load("observe_refs: [refs/heads/exp/*]\n"
	    "bypass:\n  allow: [alice, bob]\n"
	    "repositories:\n"
	    "  - match: /srv/git/new/*\n    mode: observe\n"
	    "  - match: /srv/git/ssh/*\n"
	    "    bypass: {allow: [carol], identity_var: REVGUARD_PUSHER}\n"),
	    0, "%s", err);
	cr_assert_eq(cfg.mode, PUSH_MODE_ENFORCE);
	cr_assert_str_eq(cfg.observe_refs.items[0], "refs/heads/exp/*");
	cr_assert_str_eq(cfg.bypass.allow.items[1], "bob");
	cr_assert_null(cfg.bypass.identity_var);
	c = config_for_repository(&cfg, "/srv/git/new/a.git");
	cr_assert_eq(c->mode, PUSH_MODE_OBSERVE);
	cr_assert_eq(c->bypass.allow.len, 2, "the file's bypass underneath");
	c = config_for_repository(&cfg, "/srv/git/ssh/a.git");
	cr_assert_eq(c->mode, PUSH_MODE_ENFORCE);
	cr_assert_eq(c->bypass.allow.len, 1);
	cr_assert_str_eq(c->bypass.allow.items[0], "carol");
	cr_assert_str_eq(c->bypass.identity_var, "REVGUARD_PUSHER");
	cr_assert_str_eq(c->observe_refs.items[0], "refs/heads/exp/*");
	cr_assert_eq(load("bypass:\n  identity_var: ~\n"), 0, "%s", err);
	cr_assert_null(cfg.bypass.identity_var);
}

Test(config, modes_and_bypass_errors)
{
	cr_assert_eq(load("mode: audit\n"), -1);
	cr_assert_str_eq(err, "t.yaml:1:7: `mode` must be enforce or observe, "
	    "not `audit`");
	cr_assert_eq(load("observe_refs: [exp/*]\n"), -1);
	cr_assert(strstr(err, "t.yaml:1:15: `observe_refs` are globs on full "
	    "ref names"), "%s", err);
	cr_assert_eq(load("observe_refs: ['@default']\n"), -1);
	cr_assert_eq(load("bypass: [alice]\n"), -1);
	cr_assert(strstr(err, "t.yaml:1:9: `bypass` must be a mapping"), "%s",
	    err);
	cr_assert_eq(load("bypass:\n  allow: alice\n  users: [x]\n"), -1);
	cr_assert_str_eq(err, "t.yaml:3:3: unknown key `users` in `bypass`");
	cr_assert_eq(load("bypass:\n  identity_var: LC_USER\n"), -1);
	cr_assert(strstr(err, "t.yaml:2:17: `identity_var`: `LC_USER` can be "
	    "set by the pusher"), "%s", err);
	cr_assert_eq(load("bypass:\n  identity_var: 'A B'\n"), -1);
}

/* A pushed .revguard.yaml says where the migrations are, never how
 * a push is judged. */
Test(config, repository_file_cannot_switch_modes)
{
	struct strvec	 paths = STRVEC_INIT;
	char		*ini = strdup("alembic.ini");

	cr_assert_eq(config_load_location(".revguard.yaml", "mode: observe\n",
	    14, &paths, &ini, err, sizeof(err)), -1);
	cr_assert(strstr(err, "`mode` cannot be set in a repository's own "
	    "configuration"), "%s", err);
	cr_assert_eq(config_load_location(".revguard.yaml",
	    "bypass: {allow: [me]}\n", 22, &paths, &ini, err, sizeof(err)),
	    -1);
	cr_assert_eq(config_load_location(".revguard.yaml",
	    "observe_refs: [refs/*]\n", 23, &paths, &ini, err, sizeof(err)),
	    -1);
	free(ini);
	strvec_clear(&paths);
}
