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

#include "revguard/parsecache.h"

struct entry {
	struct migration	 m;		/* first: see entry_of */
	char			 id[SOURCE_ID_MAX + 1];
	struct entry		*next;		/* bucket chain */
	int			 refs;		/* the cache's own counts one */
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
bucket_of(const struct parse_cache *c, const char *id)
{
	uint64_t	 h = 1469598103934665603ULL;

	while (*id != '\0') {
		h ^= (unsigned char)*id++;
		h *= 1099511628211ULL;
	}
	return (size_t)(h & (c->nbuckets - 1));
}

struct parse_cache *
parse_cache_new(size_t capacity)
{
	struct parse_cache	*c;

	if (capacity == 0 || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	for (c->nbuckets = 64; c->nbuckets < capacity; c->nbuckets *= 2)
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
	if (--e->refs == 0) {
		migration_clear(&e->m);
		free(e);
	}
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
find(const struct parse_cache *c, const char *id)
{
	struct entry	*e;

	for (e = c->buckets[bucket_of(c, id)]; e != NULL; e = e->next)
		if (strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

static const struct migration *
cache_acquire(void *ctx, const char *id)
{
	struct parse_cache	*c = ctx;
	struct entry		*e;

	pthread_mutex_lock(&c->lock);
	if ((e = find(c, id)) != NULL) {
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

	link = &c->buckets[bucket_of(c, e->id)];
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

	if (strlen(id) > SOURCE_ID_MAX || (e = calloc(1, sizeof(*e))) == NULL)
		return;
	if (migration_copy(&e->m, m) == -1) {
		free(e);
		return;
	}
	strcpy(e->id, id);
	e->refs = 1;
	pthread_mutex_lock(&c->lock);
	if (find(c, id) != NULL) {
		pthread_mutex_unlock(&c->lock);
		entry_unref(e);
		return;
	}
	if (c->ring[c->victim] != NULL)
		evict(c, c->victim);
	c->ring[c->victim] = e;
	c->victim = (c->victim + 1) % c->capacity;
	b = bucket_of(c, id);
	e->next = c->buckets[b];
	c->buckets[b] = e;
	c->count++;
	pthread_mutex_unlock(&c->lock);
}

struct engine_cache
parse_cache_ops(struct parse_cache *c)
{
	struct engine_cache	 ops = { cache_acquire, cache_release,
				    cache_store, c };

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
