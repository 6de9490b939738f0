/*
 * debt.c: the set of problems a base commit already had, keyed by rule
 * and revision (or rule, file and message), so telling old debt from new
 * problems costs one hash lookup per revision.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "revguard/debt.h"
#include "revguard/hash.h"

/* A duplicate is about its files too: a third file with the ID is a
 * new problem. */
static char *
key_revision(const struct diag *d, const char *revision)
{
	return xasprintf("%d\x1f%s\x1f%s", (int)d->rule, revision,
	    d->rule == RULE_DUPLICATE_REVISION ? d->message : "");
}

static char *
key_file(const struct diag *d)
{
	return xasprintf("%d\x1f\x1f%s\x1f%s\x1f%s", (int)d->rule,
	    d->path != NULL ? d->path : "", d->content, d->message);
}

/* Heads and bases are counted: a change that keeps the count (a new
 * migration on one of two old heads) adds no problem. */
static int
counted(const struct diag *d)
{
	return d->rule == RULE_SINGLE_HEAD || d->rule == RULE_SINGLE_BASE;
}

static size_t
slot_of(char *const *slots, size_t cap, const char *key)
{
	size_t	 i = (size_t)hash_str(key) & (cap - 1);

	while (slots[i] != NULL && strcmp(slots[i], key) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

static int
grow(struct debt *t)
{
	char	**slots;
	size_t	  cap = t->cap ? t->cap * 2 : 64, i;

	if ((slots = calloc(cap, sizeof(*slots))) == NULL)
		return -1;
	for (i = 0; i < t->cap; i++)
		if (t->slots[i] != NULL)
			slots[slot_of(slots, cap, t->slots[i])] = t->slots[i];
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

/* Takes ownership of key. */
static int
insert(struct debt *t, char *key)
{
	size_t	 i;

	if (key == NULL)
		return -1;
	if ((t->len + 1) * 2 > t->cap && grow(t) == -1) {
		free(key);
		return -1;
	}
	i = slot_of(t->slots, t->cap, key);
	if (t->slots[i] != NULL) {
		free(key);
		return 0;
	}
	t->slots[i] = key;
	t->len++;
	return 0;
}

static int
has(const struct debt *t, char *key)
{
	int	 found;

	if (key == NULL)
		return -1;
	found = t->cap > 0 && t->slots[slot_of(t->slots, t->cap, key)] !=
	    NULL;
	free(key);
	return found;
}

int
debt_add_list(struct debt *t, const struct diag_list *l)
{
	const struct diag	*d;
	size_t			 i, j;

	for (i = 0; i < l->len; i++) {
		d = &l->items[i];
		if (counted(d) && d->revisions.len > t->most[d->rule])
			t->most[d->rule] = d->revisions.len;
		if (d->revisions.len == 0 && insert(t, key_file(d)) == -1)
			return -1;
		for (j = 0; j < d->revisions.len; j++)
			if (insert(t, key_revision(d,
			    d->revisions.items[j])) == -1)
				return -1;
	}
	return 0;
}

int
debt_contains(const struct debt *t, const struct diag *d)
{
	size_t	 j;

	if (counted(d) && d->revisions.len > 0)
		return d->revisions.len <= t->most[d->rule];
	if (d->revisions.len == 0)
		return has(t, key_file(d)) == 1;
	for (j = 0; j < d->revisions.len; j++)
		if (has(t, key_revision(d, d->revisions.items[j])) != 1)
			return 0;
	return 1;
}

void
debt_clear(struct debt *t)
{
	size_t	 i;

	for (i = 0; i < t->cap; i++)
		free(t->slots[i]);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
