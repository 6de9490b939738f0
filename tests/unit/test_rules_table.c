/*
 * The rule table is the one catalogue: its entries are well formed, and
 * the documentation (docs/rules.md), the manual page (revguard.yaml(5))
 * and the commented configuration (conf/revguard.yaml) list every rule of
 * it exactly once with its default severity, and nothing else.  Adding a
 * rule is one entry plus its tests; this test says where the docs lag.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "revguard/rules.h"

#ifndef TOP_SRCDIR
#error "TOP_SRCDIR must name the source tree"
#endif

/* What one document says about the rules. */
struct listing {
	int		 seen[RULE__COUNT];
	enum rule_sev	 sev[RULE__COUNT];
	int		 has_sev[RULE__COUNT];
	char		 problems[4096];
	size_t		 nproblems;
};

static void __attribute__((format(printf, 2, 3)))
problem(struct listing *l, const char *fmt, ...)
{
	size_t	 n = strlen(l->problems);
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(l->problems + n, sizeof(l->problems) - n, fmt, ap);
	va_end(ap);
	n = strlen(l->problems);
	snprintf(l->problems + n, sizeof(l->problems) - n, "; ");
	l->nproblems++;
}

/* Notes one mention of a rule name, with its severity word (or NULL). */
static void
mention(struct listing *l, const char *name, const char *sev)
{
	enum rule_id	 id;
	enum rule_sev	 s;

	if (rule_from_name(name, &id) == -1) {
		problem(l, "`%s` is no rule", name);
		return;
	}
	if (l->seen[id]++)
		problem(l, "`%s` is listed twice", name);
	if (sev == NULL)
		return;
	if (rule_sev_from_name(sev, &s) == -1) {
		problem(l, "`%s` has no severity but `%s`", name, sev);
		return;
	}
	l->sev[id] = s;
	l->has_sev[id] = 1;
}

/* Every rule of the table once, at its default severity if one is given. */
static void
judge(struct listing *l, int with_severity)
{
	const struct rule_entry	*e;
	int			 i;

	for (i = 0; i < RULE__COUNT; i++) {
		e = rules_table[i];
		if (!l->seen[i])
			problem(l, "`%s` is missing", e->name);
		else if (with_severity && !l->has_sev[i])
			problem(l, "`%s` has no severity", e->name);
		else if (with_severity && l->sev[i] != e->severity)
			problem(l, "`%s` is not at its default `%s`", e->name,
			    rule_sev_name(e->severity));
	}
}

static char *
slurp(const char *path)
{
	FILE	*f;
	char	*data;
	long	 n;

	cr_assert_not_null(f = fopen(path, "rb"), "cannot open %s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	cr_assert_geq(n = ftell(f), 0);
	rewind(f);
	cr_assert_not_null(data = malloc((size_t)n + 1));
	cr_assert_eq(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	return data;
}

/* docs/rules.md: rows "| `id` | default | kind | fires when |". */
static void
read_markdown(const char *text, struct listing *l)
{
	const char	*line, *end;
	char		 name[64], sev[16], kind[16];
	enum rule_id	 id;

	memset(l, 0, sizeof(*l));
	for (line = text; *line != '\0'; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		if (sscanf(line, "| `%63[^`]` | %15[a-z] | %15[a-z] |", name,
		    sev, kind) != 3)
			continue;
		mention(l, name, sev);
		if (rule_from_name(name, &id) == 0 && strcmp(kind,
		    rules_table[id]->kind == RULE_KIND_FILE ? "file" :
		    rules_table[id]->kind == RULE_KIND_PATTERN ? "pattern" :
		    "chain") != 0)
			problem(l, "`%s` is not of kind `%s`", name, kind);
	}
	judge(l, 1);
}

/*
 * revguard.yaml(5): after "Rules, with their default severities:" up to
 * the next request, "name (severity)" items separated by commas.
 */
static void
read_man(const char *text, struct listing *l)
{
	const char	*p, *end;
	char		*list, *item, *save = NULL, name[64], sev[16];
	size_t		 n = 0;

	memset(l, 0, sizeof(*l));
	p = strstr(text, "\nRules, with their default severities:\n");
	if (p == NULL) {
		problem(l, "no rule list");
		return;
	}
	p = strchr(p + 1, '\n') + 1;
	cr_assert_not_null(list = calloc(1, strlen(p) + 1));
	for (; *p != '\0' && *p != '.'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "\n");
		memcpy(list + n, p, (size_t)(end - p));
		n += (size_t)(end - p);
		list[n++] = ' ';
	}
	for (item = strtok_r(list, ",.", &save); item != NULL;
	    item = strtok_r(NULL, ",.", &save)) {
		while (isspace((unsigned char)*item))
			item++;
		if (*item == '\0')
			continue;
		if (sscanf(item, "%63[a-z-] (%15[a-z])", name, sev) != 2) {
			problem(l, "cannot read `%s`", item);
			continue;
		}
		mention(l, name, sev);
	}
	free(list);
	judge(l, 1);
}

/* conf/revguard.yaml: the "rules:" block, "  id: severity" lines. */
static void
read_yaml(const char *text, struct listing *l)
{
	const char	*p, *end;
	char		 name[64], sev[16];

	memset(l, 0, sizeof(*l));
	p = strstr(text, "\nrules:\n");
	if (p == NULL) {
		problem(l, "no top-level rules: block");
		return;
	}
	for (p = strchr(p + 1, '\n') + 1; *p == ' ' || *p == '#';
	    p = *end ? end + 1 : end) {
		end = p + strcspn(p, "\n");
		if (p[strspn(p, " ")] == '#')
			continue;
		if (sscanf(p, " %63[a-z-]: %15[a-z]", name, sev) != 2) {
			problem(l, "cannot read a line of rules:");
			continue;
		}
		mention(l, name, sev);
	}
	judge(l, 1);
}

Test(rules_table, entries_are_well_formed)
{
	const struct rule_entry	*e;
	enum rule_id		 id;
	int			 i, j;

	for (i = 0; i < RULE__COUNT; i++) {
		e = rules_table[i];
		cr_assert_not_null(e, "no entry for rule %d", i);
		cr_assert_eq(e->id, (enum rule_id)i, "%s sits in slot %d",
		    e->name, i);
		cr_assert(e->name != NULL && e->name[0] != '\0');
		cr_assert(e->hint != NULL && e->hint[0] != '\0', "%s",
		    e->name);
		cr_assert(e->summary != NULL && e->summary[0] != '\0', "%s",
		    e->name);
		cr_assert_neq(e->severity, RULE_SEV_OFF, "%s is off by "
		    "default", e->name);
		/* File rules are reported while reading; the others run. */
		cr_assert_eq(e->kind == RULE_KIND_FILE, e->check == NULL,
		    "%s", e->name);
		for (j = 0; j < i; j++)
			cr_assert_str_neq(rules_table[j]->name, e->name);
		/* The catalogue is the table. */
		cr_assert_str_eq(rule_name((enum rule_id)i), e->name);
		cr_assert_eq(rule_kind((enum rule_id)i), e->kind);
		cr_assert_eq(rule_default_severity((enum rule_id)i),
		    e->severity);
		cr_assert_eq(rule_from_name(e->name, &id), 0);
		cr_assert_eq(id, (enum rule_id)i);
	}
	cr_assert_eq(rule_from_name("no-such-rule", &id), -1);
}

Test(rules_table, docs_rules_md_lists_the_table)
{
	struct listing	 l;
	char		*text = slurp(TOP_SRCDIR "/docs/rules.md");

	read_markdown(text, &l);
	free(text);
	cr_assert_eq(l.nproblems, 0, "docs/rules.md: %s", l.problems);
}

Test(rules_table, man_page_lists_the_table)
{
	struct listing	 l;
	char		*text = slurp(TOP_SRCDIR "/man/revguard.yaml.5");

	read_man(text, &l);
	free(text);
	cr_assert_eq(l.nproblems, 0, "man/revguard.yaml.5: %s", l.problems);
}

Test(rules_table, example_config_lists_the_table)
{
	struct listing	 l;
	char		*text = slurp(TOP_SRCDIR "/conf/revguard.yaml");

	read_yaml(text, &l);
	free(text);
	cr_assert_eq(l.nproblems, 0, "conf/revguard.yaml: %s", l.problems);
}

/* The readers see what is wrong: a missing, doubled, unknown or
 * mis-severed rule is a problem in each format. */
Test(rules_table, readers_find_mismatches)
{
	struct listing	 l;

	read_markdown("| `parse-error` | warn | file | x |\n"
	    "| `cycle` | error | chain | x |\n"
	    "| `cycle` | error | chain | x |\n"
	    "| `no-such` | error | chain | x |\n"
	    "| `unreachable` | error | pattern | x |\n", &l);
	cr_assert_not_null(strstr(l.problems, "`parse-error` is not at its "
	    "default `error`"), "%s", l.problems);
	cr_assert_not_null(strstr(l.problems, "`cycle` is listed twice"));
	cr_assert_not_null(strstr(l.problems, "`no-such` is no rule"));
	cr_assert_not_null(strstr(l.problems, "`unreachable` is not of "
	    "kind `pattern`"));
	cr_assert_not_null(strstr(l.problems, "`single-head` is missing"));

	read_man("x\nRules, with their default severities:\n"
	    "cycle (error), unreachable (warn),\nsingle-head.\n.TP\n"
	    "parse-error (error)\n", &l);
	cr_assert_not_null(strstr(l.problems, "`unreachable` is not at its "
	    "default"));
	cr_assert_not_null(strstr(l.problems, "cannot read `single-head`"));
	cr_assert_not_null(strstr(l.problems, "`parse-error` is missing"),
	    "read past the list: %s", l.problems);
	read_man("no list here\n", &l);
	cr_assert_not_null(strstr(l.problems, "no rule list"));

	read_yaml("x: 1\nrules:\n  cycle: error\n  # c\n  cycle: warn\n"
	    "  header-missing: error\ndaemon:\n  unreachable: error\n", &l);
	cr_assert_not_null(strstr(l.problems, "`cycle` is listed twice"));
	cr_assert_not_null(strstr(l.problems, "`header-missing` is not at "
	    "its default `warn`"));
	cr_assert_not_null(strstr(l.problems, "`unreachable` is missing"),
	    "read past the block: %s", l.problems);
}
