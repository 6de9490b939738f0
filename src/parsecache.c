/*
 * parsecache.c: parsed migrations as objcache entries.  This file only
 * packs a fresh parse into one entry; the table, the locking, the
 * reference counts and eviction are objcache's.  Entries are shared
 * read-only with the checks that acquire them, so a hit costs a lock and
 * a reference count, not a copy.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/parsecache.h"

/*
 * A cached migration is one objcache entry: the migration, then every
 * string and pointer array it refers to, packed, so that reading it
 * touches a few neighbouring cache lines instead of a dozen scattered
 * allocations.  It is freed whole by objcache, never with
 * migration_clear.
 */
struct packed {
	struct migration	 m;
	/* Pointer arrays come first in the arena: align it for them. */
	_Alignas(char *) char	 arena[];
};

static size_t
str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static size_t
vec_strings_size(const struct strvec *v)
{
	size_t	 i, n = 0;

	for (i = 0; i < v->len; i++)
		n += strlen(v->items[i]) + 1;
	return n;
}

/* Copies s into the arena at *at; NULL stays NULL. */
static char *
put_str(char **at, const char *s)
{
	char	*out;
	size_t	 n;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	out = memcpy(*at, s, n);
	*at += n;
	return out;
}

/* Copies src's pointer array to *ptrs and its strings to *strs. */
static void
put_vec(char ***ptrs, char **strs, struct strvec *dst,
    const struct strvec *src)
{
	size_t	 i;

	dst->len = dst->cap = src->len;
	dst->items = NULL;
	if (src->len == 0)
		return;
	dst->items = *ptrs;
	*ptrs += src->len;
	for (i = 0; i < src->len; i++)
		dst->items[i] = put_str(strs, src->items[i]);
}

/* A new, unpublished objcache entry holding a packed copy of m. */
static struct packed *
packed_new(const char *id, const struct migration *m)
{
	struct packed	*e;
	size_t		 nptrs, size;
	char		**ptrs, *strs;

	/*
	 * Every pointer array first, all together, so each one is aligned
	 * (a string between two arrays would misalign the second); then
	 * the strings.
	 */
	nptrs = m->down_revisions.len + m->branch_labels.len +
	    m->depends_on.len + m->header_revises.len;
	size = nptrs * sizeof(char *) +
	    vec_strings_size(&m->down_revisions) +
	    vec_strings_size(&m->branch_labels) +
	    vec_strings_size(&m->depends_on) +
	    vec_strings_size(&m->header_revises) +
	    str_size(m->path) + str_size(m->revision) +
	    str_size(m->header_revision) + str_size(m->create_date);
	if ((e = objcache_entry_new(OBJCACHE_MIGRATION, id,
	    sizeof(*e) + size)) == NULL)
		return NULL;
	e->m = *m;
	ptrs = (char **)(void *)e->arena;
	strs = e->arena + nptrs * sizeof(char *);
	put_vec(&ptrs, &strs, &e->m.down_revisions, &m->down_revisions);
	put_vec(&ptrs, &strs, &e->m.branch_labels, &m->branch_labels);
	put_vec(&ptrs, &strs, &e->m.depends_on, &m->depends_on);
	put_vec(&ptrs, &strs, &e->m.header_revises, &m->header_revises);
	e->m.path = put_str(&strs, m->path);
	e->m.revision = put_str(&strs, m->revision);
	e->m.header_revision = put_str(&strs, m->header_revision);
	e->m.create_date = put_str(&strs, m->create_date);
	return e;
}

static const struct migration *
cache_acquire(void *ctx, const char *id)
{
	const struct packed	*e;

	e = objcache_acquire(ctx, OBJCACHE_MIGRATION, id);
	return e != NULL ? &e->m : NULL;
}

static void
cache_release(void *ctx, const struct migration *m)
{
	(void)ctx;
	/* m is the first member of its packed entry, the payload. */
	objcache_release(m);
}

static void
cache_store(void *ctx, const char *id, const struct migration *m)
{
	struct packed	*e;

	if ((e = packed_new(id, m)) != NULL)
		objcache_release(objcache_insert(ctx, e));
}

struct engine_cache
parse_cache_ops(struct objcache *c)
{
	struct engine_cache	 ops = { cache_acquire, cache_release,
				    cache_store, c,
				    objcache_capacity(c, OBJCACHE_MIGRATION) };

	return ops;
}
