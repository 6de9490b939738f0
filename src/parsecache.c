/*
 * parsecache.c: a chained hash table of blob ID -> struct migration
 * behind one mutex, with FIFO eviction over a fixed ring of entries.
 * Entries are shared read-only with the checks that acquire them and are
 * freed when the last user releases an evicted entry, so a hit costs a
 * lock and a reference count, not a copy.
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/hash.h"
#include "revguard/parsecache.h"

/*
 * One allocation per entry: the header, the migration, then every string
 * and pointer array it refers to, packed, so that reading a cached
 * migration touches a few neighbouring cache lines instead of a dozen
 * scattered allocations.  Entries are freed whole, never with
 * migration_clear.
 */
struct entry {
	struct migration	 m;		/* first: see entry_of */
	uint64_t		 hash;		/* of id, checked first */
	char			 id[SOURCE_ID_MAX + 1];
	struct entry		*next;		/* bucket chain */
	int			 refs;		/* the cache's own counts one */
	/* Pointer arrays come first in the arena: align it for them. */
	_Alignas(char *) char	 arena[];
};

struct parse_cache {
	pthread_mutex_t	  lock;
	struct entry	**ring;		/* FIFO of live entries */
	size_t		  capacity;
	size_t		  victim;
	struct entry	**buckets;
	size_t		  nbuckets;
	size_t		  count;
	unsigned long	  hits, misses;
};

static struct entry *
entry_of(const struct migration *m)
{
	return (struct entry *)(void *)((char *)(uintptr_t)m -
	    offsetof(struct entry, m));
}

static size_t
bucket_of(const struct parse_cache *c, uint64_t hash)
{
	return (size_t)(hash & (c->nbuckets - 1));
}

struct parse_cache *
parse_cache_new(size_t capacity)
{
	struct parse_cache	*c;

	if (capacity == 0 || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	/* Chains of about four when full keep the table small enough to
	 * stay in cache; the stored hash spares most string compares. */
	for (c->nbuckets = 64; c->nbuckets * 4 < capacity; c->nbuckets *= 2)
		;
	c->capacity = capacity;
	c->ring = calloc(capacity, sizeof(*c->ring));
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	if (c->ring == NULL || c->buckets == NULL) {
		free(c->ring);
		free(c->buckets);
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

static void
entry_unref(struct entry *e)
{
	if (--e->refs == 0)
		free(e);
}

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

/* A new entry holding a packed copy of m. */
static struct entry *
entry_new(const char *id, const struct migration *m)
{
	struct entry	*e;
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
	if ((e = calloc(1, sizeof(*e) + size)) == NULL)
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
	strcpy(e->id, id);
	e->hash = hash_str(id);
	e->refs = 1;
	return e;
}

void
parse_cache_free(struct parse_cache *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->capacity; i++)
		if (c->ring[i] != NULL)
			entry_unref(c->ring[i]);
	pthread_mutex_destroy(&c->lock);
	free(c->ring);
	free(c->buckets);
	free(c);
}

static struct entry *
find(const struct parse_cache *c, const char *id, uint64_t hash)
{
	struct entry	*e;

	for (e = c->buckets[bucket_of(c, hash)]; e != NULL; e = e->next)
		if (e->hash == hash && strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

static const struct migration *
cache_acquire(void *ctx, const char *id)
{
	struct parse_cache	*c = ctx;
	struct entry		*e;
	uint64_t		 hash = hash_str(id);

	pthread_mutex_lock(&c->lock);
	if ((e = find(c, id, hash)) != NULL) {
		e->refs++;
		c->hits++;
	} else
		c->misses++;
	pthread_mutex_unlock(&c->lock);
	return e ? &e->m : NULL;
}

static void
cache_release(void *ctx, const struct migration *m)
{
	struct parse_cache	*c = ctx;

	pthread_mutex_lock(&c->lock);
	entry_unref(entry_of(m));
	pthread_mutex_unlock(&c->lock);
}

/* Drops the ring slot's entry from the table; users keep it alive. */
static void
evict(struct parse_cache *c, size_t slot)
{
	struct entry	*e = c->ring[slot], **link;

	link = &c->buckets[bucket_of(c, e->hash)];
	while (*link != e)
		link = &(*link)->next;
	*link = e->next;
	c->ring[slot] = NULL;
	c->count--;
	entry_unref(e);
}

static void
cache_store(void *ctx, const char *id, const struct migration *m)
{
	struct parse_cache	*c = ctx;
	struct entry		*e;
	size_t			 b;

	if (strlen(id) > SOURCE_ID_MAX || (e = entry_new(id, m)) == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	if (find(c, id, e->hash) != NULL) {
		pthread_mutex_unlock(&c->lock);
		entry_unref(e);
		return;
	}
	if (c->ring[c->victim] != NULL)
		evict(c, c->victim);
	c->ring[c->victim] = e;
	c->victim = (c->victim + 1) % c->capacity;
	b = bucket_of(c, e->hash);
	e->next = c->buckets[b];
	c->buckets[b] = e;
	c->count++;
	pthread_mutex_unlock(&c->lock);
}

struct engine_cache
parse_cache_ops(struct parse_cache *c)
{
	struct engine_cache	 ops = { cache_acquire, cache_release,
				    cache_store, c, c->capacity };

	return ops;
}

void
parse_cache_stats(struct parse_cache *c, unsigned long *hits,
    unsigned long *misses, size_t *entries)
{
	pthread_mutex_lock(&c->lock);
	*hits = c->hits;
	*misses = c->misses;
	*entries = c->count;
	pthread_mutex_unlock(&c->lock);
}
