/*
 * Shared helpers for unit tests: build migrations from real module source
 * (through the parser, so tests exercise what production reads).
 */
#ifndef REVGUARD_TEST_HELPERS_H
#define REVGUARD_TEST_HELPERS_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "revguard/migration.h"

#define MAX_MIGRATIONS	4096

static struct migration	 ms[MAX_MIGRATIONS];
static size_t		 nms;

static void __attribute__((unused))
add_src(const char *path, const char *src)
{
	struct diag_list	 d = DIAG_LIST_INIT;

	cr_assert_lt(nms, MAX_MIGRATIONS);
	cr_assert_eq(migration_parse(path, src, strlen(src), &ms[nms], &d), 0,
	    "%s: %s", path, d.len ? d.items[0].message : "?");
	diag_list_clear(&d);
	nms++;
}

/*
 * Adds a well-formed migration: parents is "" for a base or a comma list;
 * the file is versions/<rev>_<slug>.py with a matching header.
 */
static void __attribute__((unused))
add_full(const char *rev, const char *parents, const char *slug,
    const char *extra)
{
	char	 path[256], src[2048], down[512], *p;
	size_t	 n;

	if (parents[0] == '\0')
		snprintf(down, sizeof(down), "None");
	else {
		n = (size_t)snprintf(down, sizeof(down), "('");
		for (p = (char *)parents; *p; p++)
			n += (size_t)snprintf(down + n, sizeof(down) - n,
			    *p == ',' ? "', '" : "%c", *p);
		snprintf(down + n, sizeof(down) - n, "',)");
	}
	snprintf(path, sizeof(path), "versions/%s_%s.py", rev, slug);
	snprintf(src, sizeof(src), "\"\"\"%s\n\nRevision ID: %s\nRevises: "
	    "%s\nCreate Date: 2024-01-01 00:00:00\n\"\"\"\nrevision = '%s'\n"
	    "down_revision = %s\n%s", slug, rev, parents, rev, down,
	    extra ? extra : "");
	add_src(path, src);
}

static void __attribute__((unused))
add(const char *rev, const char *parents)
{
	add_full(rev, parents, parents[0] && strchr(parents, ',') ?
	    "merge_heads" : "step", NULL);
}

static void __attribute__((unused))
clear_all(void)
{
	size_t	 i;

	for (i = 0; i < nms; i++)
		migration_clear(&ms[i]);
	nms = 0;
}

#endif
