/*
 * objcache: one cache of what revguard derives from git objects, keyed by
 * object ID: parsed migrations by blob ID (parsecache.h) and directory
 * listings by tree ID (odb.h).  An object's bytes never change, so
 * neither does what is derived from them, whatever repository asks; the
 * daemon keeps one objcache across pushes.
 *
 * Thread-safe: one mutex guards the table and every reference count.
 * Bounded per kind; eviction is CLOCK (second chance): an entry used
 * since the hand last passed it stays another round, so what every push
 * reads stays while one-off entries go.  Entries are reference-counted:
 * acquire and insert hand the caller a reference, release drops it, and
 * an evicted entry is freed when its last reader releases it, never under
 * one.
 *
 * An entry is one allocation: the cache's header, then a payload of the
 * size asked for (aligned for any type) that its maker fills before
 * insert and nobody writes after.  Payloads hold no pointers out of the
 * allocation: freeing an entry is one free().
 */
#ifndef REVGUARD_OBJCACHE_H
#define REVGUARD_OBJCACHE_H

#include <stddef.h>

#define OBJCACHE_ID_MAX	64	/* hex digits of the longest object ID */

enum objcache_kind {
	OBJCACHE_MIGRATION,	/* struct migration, packed (parsecache.c) */
	OBJCACHE_LISTING,	/* a tree's entries (odb.c) */
	OBJCACHE_NKINDS
};

struct objcache;

struct objcache_stats {
	unsigned long	 hits;
	unsigned long	 misses;
	size_t		 entries;
	size_t		 capacity;
};

/* capacity[kind]: entries kept of that kind; 0 keeps none. */
struct objcache	*objcache_new(const size_t capacity[OBJCACHE_NKINDS]);
/* Every entry must have been released.  Accepts NULL. */
void		 objcache_free(struct objcache *);
size_t		 objcache_capacity(const struct objcache *,
		    enum objcache_kind);

/*
 * A new entry of kind for object id with a zeroed payload of size bytes,
 * not in any cache yet; the caller holds its one reference.  NULL when
 * out of memory or id is longer than OBJCACHE_ID_MAX.
 */
void		*objcache_entry_new(enum objcache_kind, const char *id,
		    size_t size);
/*
 * Publishes a filled entry from objcache_entry_new.  Returns the entry
 * the cache now holds for its kind and ID, with a reference for the
 * caller in place of the one given: the same payload, or, when another
 * thread stored that ID first, the earlier one (the new one is freed).
 * c NULL, or a kind it keeps none of: the entry stays private.
 */
const void	*objcache_insert(struct objcache *c, void *payload);
/* The entry of kind for id with a reference taken, or NULL (a miss). */
const void	*objcache_acquire(struct objcache *, enum objcache_kind,
		    const char *id);
/* Drops a reference from acquire, insert or entry_new.  Accepts NULL. */
void		 objcache_release(const void *payload);
void		 objcache_stats(struct objcache *, enum objcache_kind,
		    struct objcache_stats *);

#endif
