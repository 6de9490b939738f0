/*
 * test_config_table.c: the configuration's one key table (config_key),
 * checked against the man page and the shipped example; the repository's
 * own .revguard.yaml read through the same table and checks; and the hook
 * client's configuration that compiles no patterns.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/config.h"

static char	 err[1024];

static char *
slurp(const char *path)
{
	FILE	*f;
	char	*data;
	long	 n;

	cr_assert_not_null(f = fopen(path, "rb"), "%s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	cr_assert_not_null(data = calloc(1, (size_t)n + 1));
	cr_assert_eq(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return data;
}

/* Next line of text after *p (NUL-terminated in place); NULL at the end. */
static char *
next_line(char **p)
{
	char	*line = *p, *nl;

	if (line == NULL || *line == '\0')
		return NULL;
	if ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		*p = nl + 1;
	} else
		*p = line + strlen(line);
	return line;
}

/*
 * 1 when the man page documents key in section (NULL: the top level): a
 * `.B key` line, or `.B a, key, b`, right after `.TP` in the section's
 * `.SS`, or a `.SS key` of its own.  Top-level keys live in any section
 * but daemon and hook.
 */
static int
man_documents(const char *man, const char *section, const char *key)
{
	char	*copy = strdup(man), *p = copy, *line, *item, *save;
	char	 ss[128] = "";
	int	 after_tp = 0, found = 0, here;

	while (!found && (line = next_line(&p)) != NULL) {
		if (strncmp(line, ".SS ", 4) == 0) {
			snprintf(ss, sizeof(ss), "%s", line + 4);
			if (section == NULL && strcmp(ss, key) == 0)
				found = 1;
			after_tp = 0;
			continue;
		}
		here = section != NULL ? strcmp(ss, section) == 0 :
		    strcmp(ss, "daemon") != 0 && strcmp(ss, "hook") != 0;
		if (here && after_tp && strncmp(line, ".B ", 3) == 0)
			for (item = strtok_r(line + 3, ", ", &save);
			    item != NULL; item = strtok_r(NULL, ", ", &save))
				if (strcmp(item, key) == 0)
					found = 1;
		after_tp = strcmp(line, ".TP") == 0;
	}
	free(copy);
	return found;
}

/* 1 when s starts with `key:`. */
static int
is_key_line(const char *s, const char *key)
{
	size_t	 n = strlen(key);

	return strncmp(s, key, n) == 0 && s[n] == ':';
}

/*
 * 1 when conf/revguard.yaml shows key, set or commented out: top-level
 * keys at the start of a line (`key:`, `# key:`, or `#   - key:` for an
 * entry's key); a section's keys indented under `section:` (`  key:` or
 * `  # key:`).
 */
static int
conf_documents(const char *conf, const char *section, const char *key)
{
	char		*copy = strdup(conf), *p = copy, *line;
	const char	*s, *t;
	int		 in = 0, found = 0;

	while (!found && (line = next_line(&p)) != NULL) {
		if (section != NULL) {
			if (line[0] != ' ' && line[0] != '#' && line[0] != '\0')
				in = strncmp(line, section, strlen(section))
				    == 0 && line[strlen(section)] == ':';
			else if (in && strncmp(line, "  ", 2) == 0 &&
			    (is_key_line(line + 2, key) ||
			    (strncmp(line + 2, "# ", 2) == 0 &&
			    is_key_line(line + 4, key))))
				found = 1;	/* set, or commented out */
			continue;
		}
		s = line;
		if (strncmp(s, "# ", 2) == 0)
			s += 2;
		t = s + strspn(s, " ");
		if (strncmp(t, "- ", 2) == 0)
			s = t + 2;
		else if (t != s)
			continue;	/* indented: a section's key */
		if (is_key_line(s, key))
			found = 1;
	}
	free(copy);
	return found;
}

Test(config_table, every_key_is_documented)
{
	char		*man = slurp(FIXTURES "/../../../man/revguard.yaml.5");
	char		*conf = slurp(FIXTURES "/../../../conf/revguard.yaml");
	const char	*section, *key;
	size_t		 i;
	int		 flags;

	for (i = 0; config_key(i, &section, &key, &flags) == 0; i++) {
		cr_expect(man_documents(man, section, key), "revguard.yaml.5 "
		    "does not document `%s%s%s`", section ? section : "",
		    section ? "." : "", key);
		cr_expect(conf_documents(conf, section, key), "conf/revguard."
		    "yaml does not show `%s%s%s`", section ? section : "",
		    section ? "." : "", key);
	}
	cr_assert_gt(i, 25, "only %zu keys in the table", i);
	/* The checks can fail. */
	cr_assert(!man_documents(man, "hook", "workers"));
	cr_assert(!man_documents(man, NULL, "no_such_key"));
	cr_assert(!conf_documents(conf, "hook", "workers"));
	cr_assert(!conf_documents(conf, NULL, "socket_mode"));
	free(man);
	free(conf);
}

/* The man page's section on .revguard.yaml names the keys it takes. */
Test(config_table, repository_keys_are_documented)
{
	char		*man = slurp(FIXTURES "/../../../man/revguard.yaml.5");
	const char	*section, *key, *own, *end;
	char		 want[128];
	size_t		 i, n = 0;
	int		 flags;

	cr_assert_not_null(own = strstr(man, ".SS The repository's own"));
	cr_assert_not_null(end = strstr(own + 1, "\n.SS "));
	for (i = 0; config_key(i, &section, &key, &flags) == 0; i++) {
		if (!(flags & CONFIG_KEY_REPO))
			continue;
		n++;
		snprintf(want, sizeof(want), "\n.B %s\n", key);
		cr_expect(strstr(own, want) != NULL && strstr(own, want) < end,
		    "`%s` not named in the .revguard.yaml section", key);
	}
	cr_assert_eq(n, 2);
	free(man);
}

static int
load_location(const char *yaml, struct strvec *paths, char **ini)
{
	return config_load_location(".revguard.yaml", yaml, strlen(yaml),
	    paths, ini, err, sizeof(err));
}

Test(config_table, repository_file_takes_the_location_keys)
{
	struct strvec	 paths = STRVEC_INIT;
	char		*ini = strdup("alembic.ini");

	cr_assert_eq(load_location("alembic_ini: db/alembic.ini\n"
	    "versions_path: [db/v1, db/v2]\n", &paths, &ini), 0, "%s", err);
	cr_assert_str_eq(ini, "db/alembic.ini");
	cr_assert_eq(paths.len, 2);
	cr_assert_str_eq(paths.items[1], "db/v2");
	cr_assert_eq(load_location("", &paths, &ini), 0, "%s", err);
	cr_assert_str_eq(ini, "db/alembic.ini");

	cr_assert_eq(load_location("strict: true\n", &paths, &ini), -1);
	cr_assert_str_eq(err, ".revguard.yaml:1:1: `strict` cannot be set in "
	    "a repository's own configuration; only alembic_ini and "
	    "versions_path can");
	cr_assert_eq(load_location("daemon: {}\n", &paths, &ini), -1);
	cr_assert(strstr(err, "`daemon` cannot be set"), "%s", err);
	cr_assert_eq(load_location("- a\n", &paths, &ini), -1);
	cr_assert(strstr(err, "the document` must be a mapping"), "%s", err);
	strvec_clear(&paths);
	free(ini);
}

/*
 * The repository's file goes through the checks the server's file gets:
 * it used to take absolute paths, `..` and duplicate keys.
 */
Test(config_table, repository_file_gets_the_same_checks)
{
	struct strvec	 paths = STRVEC_INIT;
	char		*ini = NULL;

	cr_assert_eq(load_location("alembic_ini: /etc/alembic.ini\n", &paths,
	    &ini), -1);
	cr_assert_str_eq(err, ".revguard.yaml:1:14: `alembic_ini` must be "
	    "relative to the top of the repository, not the absolute path "
	    "`/etc/alembic.ini`");
	cr_assert_eq(load_location("versions_path: [ok, ../../up]\n", &paths,
	    &ini), -1);
	cr_assert(strstr(err, ".revguard.yaml:1:21: `versions_path` must "
	    "stay inside the repository"), "%s", err);
	cr_assert_eq(load_location("alembic_ini: a.ini\nalembic_ini: b.ini\n",
	    &paths, &ini), -1);
	cr_assert(strstr(err, ".revguard.yaml:2:1: duplicate key "
	    "`alembic_ini`"), "%s", err);
	strvec_clear(&paths);
	free(ini);
}

/* Every top-level key not marked for overrides is refused in one. */
Test(config_table, override_keys_follow_the_table)
{
	struct config	 cfg;
	const char	*section, *key;
	char		 yaml[256];
	size_t		 i;
	int		 flags, rv;

	for (i = 0; config_key(i, &section, &key, &flags) == 0; i++) {
		if (section != NULL || strcmp(key, "match") == 0)
			continue;
		snprintf(yaml, sizeof(yaml), "repositories:\n  - match: x\n"
		    "    %s: []\n", key);
		cr_assert_eq(config_init(&cfg), 0);
		rv = config_load_buffer(&cfg, "t.yaml", yaml, strlen(yaml),
		    err, sizeof(err));
		if (flags & CONFIG_KEY_OVERRIDE)
			cr_expect(strstr(err, "unknown key") == NULL,
			    "`%s`: %s", key, err);
		else
			cr_expect(rv == -1 && strstr(err, "unknown key") !=
			    NULL, "`%s` taken in a repositories entry", key);
		config_free(&cfg);
		err[0] = '\0';
	}
}

static const char bad_pattern[] =
    "hook:\n  timeout: 2s\nrevision_format: '^[0-9a-f{12}$'\n"
    "repositories:\n  - match: x\n    placeholder_patterns: ['(']\n";

/* The hook client reads its settings and never compiles the policy. */
Test(config_table, hook_client_compiles_no_patterns)
{
	struct config	 cfg;

	cr_assert_eq(config_init_flags(&cfg, CONFIG_NO_PATTERNS), 0);
	cr_assert_null(cfg.policy.revision_format_re);
	cr_assert_eq(config_load_buffer(&cfg, "t.yaml", bad_pattern,
	    strlen(bad_pattern), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg.hook.timeout_ms, 2000);
	cr_assert_null(cfg.policy.revision_format_re);
	cr_assert_null(cfg.policy.match_ctx);
	cr_assert_eq(cfg.noverrides, 1);
	cr_assert_null(cfg.overrides[0].cfg->policy.placeholder_res);
	config_free(&cfg);
}

/* Where the policy is used, the same file is an error at the pattern. */
Test(config_table, policy_users_still_reject_bad_patterns)
{
	struct config	 cfg;

	cr_assert_eq(config_init(&cfg), 0);
	cr_assert_not_null(cfg.policy.revision_format_re);
	cr_assert_eq(config_load_buffer(&cfg, "t.yaml", bad_pattern,
	    strlen(bad_pattern), err, sizeof(err)), -1);
	cr_assert(strncmp(err, "t.yaml:3:18: revision_format: invalid "
	    "pattern", 42) == 0, "%s", err);
	config_free(&cfg);
}

/*
 * A second file loaded over a config replaces its repositories list; the
 * old code kept counting into a fresh array (a NULL match, then a crash
 * in config_for_repository) and leaked the first one.
 */
Test(config_table, second_load_replaces_the_overrides)
{
	static const char	 a[] = "repositories:\n  - match: /a/*\n"
				    "    strict: true\n";
	static const char	 b[] = "repositories:\n  - match: /b/*\n"
				    "    merge_marker: _m_\n";
	struct config		 cfg;

	cr_assert_eq(config_init(&cfg), 0);
	cr_assert_eq(config_load_buffer(&cfg, "a.yaml", a, strlen(a), err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(config_load_buffer(&cfg, "b.yaml", b, strlen(b), err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg.noverrides, 1);
	cr_assert_str_eq(cfg.overrides[0].match, "/b/*");
	cr_assert_eq(config_for_repository(&cfg, "/a/x"), &cfg);
	cr_assert_str_eq(config_for_repository(&cfg, "/b/x")->policy.
	    merge_marker, "_m_");
	config_free(&cfg);
}
