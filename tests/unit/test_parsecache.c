/*
 * Unit tests for the daemon's parse cache (the engine's view of an
 * objcache's parsed migrations): hits, sharing, eviction.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "revguard/parsecache.h"

static struct migration
make(const char *rev)
{
	struct migration	 m;

	memset(&m, 0, sizeof(m));
	m.path = strdup("versions/x.py");
	m.revision = strdup(rev);
	strvec_push(&m.down_revisions, "parent");
	return m;
}

static struct objcache *
cache_of(size_t migrations)
{
	size_t	 caps[OBJCACHE_NKINDS] = { 0 };

	caps[OBJCACHE_MIGRATION] = migrations;
	return objcache_new(caps);
}

static struct objcache_stats
stats(struct objcache *c)
{
	struct objcache_stats	 s;

	objcache_stats(c, OBJCACHE_MIGRATION, &s);
	return s;
}

Test(parsecache, store_acquire_release)
{
	struct objcache		*c = cache_of(4);
	struct engine_cache	 ops = parse_cache_ops(c);
	struct migration	 m = make("aaa");
	const struct migration	*hit;

	cr_assert_eq(ops.capacity, 4);
	cr_assert_null(ops.acquire(ops.ctx, "blob1"));
	ops.store(ops.ctx, "blob1", &m);
	migration_clear(&m);	/* the cache kept its own copy */
	hit = ops.acquire(ops.ctx, "blob1");
	cr_assert_not_null(hit);
	cr_assert_str_eq(hit->revision, "aaa");
	cr_assert_str_eq(hit->path, "versions/x.py");
	cr_assert_str_eq(hit->down_revisions.items[0], "parent");
	ops.release(ops.ctx, hit);
	cr_assert_eq(stats(c).hits, 1);
	cr_assert_eq(stats(c).misses, 1);
	cr_assert_eq(stats(c).entries, 1);
	objcache_free(c);
}

Test(parsecache, eviction_keeps_entries_in_use_alive)
{
	struct objcache		*c = cache_of(2);
	struct engine_cache	 ops = parse_cache_ops(c);
	struct migration	 a = make("aaa"), b = make("bbb");
	struct migration	 d = make("ddd"), e = make("eee");
	const struct migration	*held;

	ops.store(ops.ctx, "A", &a);
	ops.store(ops.ctx, "B", &b);
	held = ops.acquire(ops.ctx, "A");
	ops.store(ops.ctx, "D", &d);	/* A was used: B goes */
	ops.store(ops.ctx, "E", &e);	/* A's second chance is spent */
	cr_assert_null(ops.acquire(ops.ctx, "A"));
	cr_assert_str_eq(held->revision, "aaa", "evicted entry freed early");
	ops.release(ops.ctx, held);	/* now it goes */
	cr_assert_not_null(held = ops.acquire(ops.ctx, "E"));
	ops.release(ops.ctx, held);
	cr_assert_eq(stats(c).entries, 2);
	migration_clear(&a);
	migration_clear(&b);
	migration_clear(&d);
	migration_clear(&e);
	objcache_free(c);
}

/*
 * What every push reads stays: the old FIFO evicted the oldest entry
 * even when each push hit it, so the first migrations of a repository
 * were parsed again after any other push filled the cache.
 */
Test(parsecache, entries_in_use_outlive_one_off_ones)
{
	struct objcache		*c = cache_of(3);
	struct engine_cache	 ops = parse_cache_ops(c);
	struct migration	 m = make("mmm");
	const struct migration	*hit;
	char			 id[32];
	int			 i;

	ops.store(ops.ctx, "hot", &m);
	for (i = 0; i < 20; i++) {
		cr_assert_not_null(hit = ops.acquire(ops.ctx, "hot"),
		    "the entry every push uses was evicted at store %d", i);
		ops.release(ops.ctx, hit);
		snprintf(id, sizeof(id), "once%d", i);
		ops.store(ops.ctx, id, &m);
	}
	migration_clear(&m);
	objcache_free(c);
}

Test(parsecache, storing_twice_keeps_one)
{
	struct objcache		*c = cache_of(8);
	struct engine_cache	 ops = parse_cache_ops(c);
	struct migration	 a = make("aaa");

	ops.store(ops.ctx, "A", &a);
	ops.store(ops.ctx, "A", &a);
	cr_assert_eq(stats(c).entries, 1);
	migration_clear(&a);
	objcache_free(c);
}
