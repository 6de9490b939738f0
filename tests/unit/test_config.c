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
