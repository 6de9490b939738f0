/*
 * diag.c: the rule catalogue, read from the rule table (rules.h), and the
 * diagnostic list.  Rule names are a stable interface: configuration
 * files, JSON output and baselines use them, so never rename one.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/diag.h"
#include "revguard/rules.h"

static const char *const sev_names[] = { "off", "warn", "error" };

const char *
rule_name(enum rule_id id)
{
	return id < RULE__COUNT ? rules_table[id]->name : "unknown";
}

int
rule_from_name(const char *name, enum rule_id *out)
{
	int	 i;

	for (i = 0; i < RULE__COUNT; i++) {
		if (strcmp(rules_table[i]->name, name) == 0) {
			*out = (enum rule_id)i;
			return 0;
		}
	}
	return -1;
}

enum rule_kind
rule_kind(enum rule_id id)
{
	return rules_table[id]->kind;
}

enum rule_sev
rule_default_severity(enum rule_id id)
{
	return rules_table[id]->severity;
}

const char *
rule_sev_name(enum rule_sev sev)
{
	return sev_names[sev];
}

int
rule_sev_from_name(const char *name, enum rule_sev *out)
{
	if (strcmp(name, "off") == 0)
		*out = RULE_SEV_OFF;
	else if (strcmp(name, "warn") == 0 || strcmp(name, "warning") == 0)
		*out = RULE_SEV_WARN;
	else if (strcmp(name, "error") == 0)
		*out = RULE_SEV_ERROR;
	else
		return -1;
	return 0;
}

struct diag *
diag_add(struct diag_list *l, enum rule_id rule, enum rule_sev sev,
    const char *path, int line, const char *hint, const char *fmt, ...)
{
	struct diag	*d;
	va_list		 ap;

	va_start(ap, fmt);
	d = diag_addv(l, rule, sev, path, line, hint, fmt, ap);
	va_end(ap);
	return d;
}

struct diag *
diag_addv(struct diag_list *l, enum rule_id rule, enum rule_sev sev,
    const char *path, int line, const char *hint, const char *fmt, va_list ap)
{
	struct diag	*d;

	if (xgrow(&l->items, &l->cap, l->len + 1, sizeof(*d)) == -1)
		return NULL;
	d = &l->items[l->len];
	memset(d, 0, sizeof(*d));
	d->rule = rule;
	d->severity = sev;
	d->line = line;
	d->message = xvasprintf(fmt, ap);
	if (d->message == NULL)
		return NULL;
	if (path != NULL && (d->path = strdup(path)) == NULL)
		goto fail;
	if (hint != NULL && (d->hint = strdup(hint)) == NULL)
		goto fail;
	l->len++;
	return d;
fail:
	free(d->message);
	free(d->path);
	return NULL;
}

size_t
diag_count(const struct diag_list *l, enum rule_sev sev)
{
	size_t	 i, n = 0;

	for (i = 0; i < l->len; i++)
		if (l->items[i].severity == sev)
			n++;
	return n;
}

static int
diag_cmp(const void *a, const void *b)
{
	const struct diag	*x = a, *y = b;
	int			 c;

	if (x->path == NULL || y->path == NULL) {
		if (x->path != y->path)
			return x->path == NULL ? 1 : -1;
	} else if ((c = strcmp(x->path, y->path)) != 0)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return strcmp(x->message, y->message);
}

void
diag_sort(struct diag_list *l)
{
	if (l->len > 1)
		qsort(l->items, l->len, sizeof(*l->items), diag_cmp);
}

void
diag_list_clear(struct diag_list *l)
{
	size_t	 i;

	for (i = 0; i < l->len; i++) {
		free(l->items[i].path);
		free(l->items[i].message);
		free(l->items[i].hint);
		strvec_clear(&l->items[i].revisions);
	}
	free(l->items);
	l->items = NULL;
	l->len = l->cap = 0;
}
