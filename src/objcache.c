/*
 * objcache.c: a chained hash table of (kind, object ID) -> entry behind
 * one mutex, with a CLOCK ring per kind for eviction.  A hit costs a
 * lock, a hash compare and a reference count, not a copy; the payload
 * sits right after the header, so reading a cached entry touches a few
 * neighbouring cache lines.
 */
#include "config.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/hash.h"
#include "revguard/objcache.h"

struct entry {
	uint64_t		 hash;		/* of id, checked first */
	struct objcache		*cache;		/* NULL: private */
	struct entry		*next;		/* bucket chain */
	int			 refs;		/* the cache's own counts one */
	unsigned char		 kind;
	unsigned char		 used;		/* hit since the hand passed */
	char			 id[OBJCACHE_ID_MAX + 1];
	_Alignas(max_align_t) unsigned char payload[];
};

/* The entries of one kind, in the order the hand visits them. */
struct ring {
	struct entry	**slots;
	size_t		  capacity;
	size_t		  count;
	size_t		  hand;
	unsigned long	  hits, misses;
};

struct objcache {
	pthread_mutex_t	  lock;
	struct ring	  rings[OBJCACHE_NKINDS];
	struct entry	**buckets;
	size_t		  nbuckets;
};

static struct entry *
entry_of(const void *payload)
{
	return (struct entry *)(void *)((char *)(uintptr_t)payload -
	    offsetof(struct entry, payload));
}

static size_t
bucket_of(const struct objcache *c, uint64_t hash)
{
	return (size_t)(hash & (c->nbuckets - 1));
}

struct objcache *
objcache_new(const size_t capacity[OBJCACHE_NKINDS])
{
	struct objcache	*c;
	size_t		 total = 0, k;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	for (k = 0; k < OBJCACHE_NKINDS; k++) {
		c->rings[k].capacity = capacity[k];
		total += capacity[k];
		if (capacity[k] > 0 && (c->rings[k].slots =
		    calloc(capacity[k], sizeof(struct entry *))) == NULL)
			goto fail;
	}
	/* Chains of about four when full keep the table small enough to
	 * stay in cache; the stored hash spares most string compares. */
	for (c->nbuckets = 64; c->nbuckets * 4 < total; c->nbuckets *= 2)
		;
	if ((c->buckets = calloc(c->nbuckets, sizeof(*c->buckets))) == NULL)
		goto fail;
	pthread_mutex_init(&c->lock, NULL);
	return c;
fail:
	for (k = 0; k < OBJCACHE_NKINDS; k++)
		free(c->rings[k].slots);
	free(c);
	return NULL;
}

void
objcache_free(struct objcache *c)
{
	struct ring	*r;
	size_t		 i, k;

	if (c == NULL)
		return;
	for (k = 0; k < OBJCACHE_NKINDS; k++) {
		r = &c->rings[k];
		for (i = 0; i < r->count; i++)
			if (--r->slots[i]->refs == 0)
				free(r->slots[i]);
		free(r->slots);
	}
	pthread_mutex_destroy(&c->lock);
	free(c->buckets);
	free(c);
}

size_t
objcache_capacity(const struct objcache *c, enum objcache_kind kind)
{
	return c->rings[kind].capacity;
}

void *
objcache_entry_new(enum objcache_kind kind, const char *id, size_t size)
{
	struct entry	*e;
	size_t		 len = strlen(id);

	if (len > OBJCACHE_ID_MAX || size > SIZE_MAX - sizeof(*e) ||
	    (e = calloc(1, sizeof(*e) + size)) == NULL)
		return NULL;
	memcpy(e->id, id, len + 1);
	e->hash = hash_str(id);
	e->kind = (unsigned char)kind;
	e->refs = 1;
	return e->payload;
}

static struct entry *
find(const struct objcache *c, enum objcache_kind kind, const char *id,
    uint64_t hash)
{
	struct entry	*e;

	for (e = c->buckets[bucket_of(c, hash)]; e != NULL; e = e->next)
		if (e->hash == hash && e->kind == kind &&
		    strcmp(e->id, id) == 0)
			return e;
	return NULL;
}

/* Drops e from the table and the cache's reference; readers keep it. */
static void
do_evict(struct objcache *c, struct entry *e)
{
	struct entry	**link;

	link = &c->buckets[bucket_of(c, e->hash)];
	while (*link != e)
		link = &(*link)->next;
	*link = e->next;
	if (--e->refs == 0)
		free(e);
}

/*
 * The slot of r for a new entry: a free one while r is filling, then the
 * first under the hand not used since the hand last passed (clearing
 * the marks it passes), evicted.  At most one turn of the ring.
 */
static size_t
do_make_room(struct objcache *c, struct ring *r)
{
	size_t	 slot;

	if (r->count < r->capacity)
		return r->count++;
	while (r->slots[r->hand]->used) {
		r->slots[r->hand]->used = 0;
		r->hand = (r->hand + 1) % r->capacity;
	}
	slot = r->hand;
	r->hand = (r->hand + 1) % r->capacity;
	do_evict(c, r->slots[slot]);
	return slot;
}

const void *
objcache_insert(struct objcache *c, void *payload)
{
	struct entry	*e = entry_of(payload), *old;
	struct ring	*r;
	size_t		 slot;

	if (c == NULL || c->rings[e->kind].capacity == 0)
		return payload;
	r = &c->rings[e->kind];
	pthread_mutex_lock(&c->lock);
	if ((old = find(c, e->kind, e->id, e->hash)) != NULL) {
		old->refs++;
		pthread_mutex_unlock(&c->lock);
		free(e);
		return old->payload;
	}
	slot = do_make_room(c, r);
	e->cache = c;
	e->refs++;			/* the cache's */
	r->slots[slot] = e;
	e->next = c->buckets[bucket_of(c, e->hash)];
	c->buckets[bucket_of(c, e->hash)] = e;
	pthread_mutex_unlock(&c->lock);
	return payload;
}

const void *
objcache_acquire(struct objcache *c, enum objcache_kind kind, const char *id)
{
	struct entry	*e;
	uint64_t	 hash = hash_str(id);

	pthread_mutex_lock(&c->lock);
	if ((e = find(c, kind, id, hash)) != NULL) {
		e->refs++;
		e->used = 1;
		c->rings[kind].hits++;
	} else
		c->rings[kind].misses++;
	pthread_mutex_unlock(&c->lock);
	return e != NULL ? e->payload : NULL;
}

void
objcache_release(const void *payload)
{
	struct entry	*e;
	struct objcache	*c;
	int		 last;

	if (payload == NULL)
		return;
	e = entry_of(payload);
	/* A private entry has one user; a cached one, only ever this
	 * cache's lock (e->cache is set once, before it is shared). */
	if ((c = e->cache) == NULL)
		last = --e->refs == 0;
	else {
		pthread_mutex_lock(&c->lock);
		last = --e->refs == 0;
		pthread_mutex_unlock(&c->lock);
	}
	if (last)
		free(e);
}

void
objcache_stats(struct objcache *c, enum objcache_kind kind,
    struct objcache_stats *out)
{
	pthread_mutex_lock(&c->lock);
	out->hits = c->rings[kind].hits;
	out->misses = c->rings[kind].misses;
	out->entries = c->rings[kind].count;
	out->capacity = c->rings[kind].capacity;
	pthread_mutex_unlock(&c->lock);
}
