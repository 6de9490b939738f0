/* Unit tests for the daemon's parse cache: hits, sharing, eviction. */
#include <criterion/criterion.h>
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

Test(parsecache, store_acquire_release)
{
	struct parse_cache	*c = parse_cache_new(4);
	struct engine_cache	 ops = parse_cache_ops(c);
	struct migration	 m = make("aaa");
	const struct migration	*hit;
	unsigned long		 hits, misses;
	size_t			 n;

	cr_assert_null(ops.acquire(ops.ctx, "blob1"));
	ops.store(ops.ctx, "blob1", &m);
	migration_clear(&m);	/* the cache kept its own copy */
	hit = ops.acquire(ops.ctx, "blob1");
	cr_assert_not_null(hit);
	cr_assert_str_eq(hit->revision, "aaa");
	cr_assert_str_eq(hit->down_revisions.items[0], "parent");
	ops.release(ops.ctx, hit);
	parse_cache_stats(c, &hits, &misses, &n);
	cr_assert_eq(hits, 1);
	cr_assert_eq(misses, 1);
	cr_assert_eq(n, 1);
	parse_cache_free(c);
}

Test(parsecache, eviction_keeps_entries_in_use_alive)
{
	struct parse_cache	*c = parse_cache_new(2);
	struct engine_cache	 ops = parse_cache_ops(c);
	struct migration	 a = make("aaa"), b = make("bbb"), d = make("ddd");
	const struct migration	*held;
	size_t			 n;
	unsigned long		 h, mi;

	ops.store(ops.ctx, "A", &a);
	ops.store(ops.ctx, "B", &b);
	held = ops.acquire(ops.ctx, "A");
	ops.store(ops.ctx, "D", &d);		/* evicts A, the oldest */
	cr_assert_null(ops.acquire(ops.ctx, "A"));
	cr_assert_str_eq(held->revision, "aaa", "evicted entry freed early");
	ops.release(ops.ctx, held);		/* now it goes */
	cr_assert_not_null(held = ops.acquire(ops.ctx, "D"));
	ops.release(ops.ctx, held);
	parse_cache_stats(c, &h, &mi, &n);
	cr_assert_eq(n, 2);
	migration_clear(&a);
	migration_clear(&b);
	migration_clear(&d);
	parse_cache_free(c);
}

Test(parsecache, storing_twice_keeps_one)
{
	struct parse_cache	*c = parse_cache_new(8);
	struct engine_cache	 ops = parse_cache_ops(c);
	struct migration	 a = make("aaa");
	unsigned long		 h, mi;
	size_t			 n;

	ops.store(ops.ctx, "A", &a);
	ops.store(ops.ctx, "A", &a);
	parse_cache_stats(c, &h, &mi, &n);
	cr_assert_eq(n, 1);
	migration_clear(&a);
	parse_cache_free(c);
}
