/*
 * Unit tests for objcache, the one cache of parsed blobs and tree
 * listings by object ID: kinds kept apart, bounds per kind, references
 * that outlive eviction, private entries, and many threads at once.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "revguard/objcache.h"

static struct objcache *
cache_of(size_t migrations, size_t listings)
{
	size_t	 caps[OBJCACHE_NKINDS] = { 0 };

	caps[OBJCACHE_MIGRATION] = migrations;
	caps[OBJCACHE_LISTING] = listings;
	return objcache_new(caps);
}

/* A published entry holding text; the caller's reference dropped. */
static void
put(struct objcache *c, enum objcache_kind kind, const char *id,
    const char *text)
{
	char	*p = objcache_entry_new(kind, id, strlen(text) + 1);

	cr_assert_not_null(p);
	strcpy(p, text);
	objcache_release(objcache_insert(c, p));
}

/* The entry's text, or NULL on a miss. */
static int
holds(struct objcache *c, enum objcache_kind kind, const char *id,
    const char *text)
{
	const char	*p = objcache_acquire(c, kind, id);
	int		 same;

	if (p == NULL)
		return 0;
	same = strcmp(p, text) == 0;
	objcache_release(p);
	return same;
}

Test(objcache, kinds_with_one_id_are_apart)
{
	struct objcache	*c = cache_of(4, 4);

	put(c, OBJCACHE_MIGRATION, "abc", "a parse");
	cr_assert_null(objcache_acquire(c, OBJCACHE_LISTING, "abc"));
	put(c, OBJCACHE_LISTING, "abc", "a listing");
	cr_assert(holds(c, OBJCACHE_MIGRATION, "abc", "a parse"));
	cr_assert(holds(c, OBJCACHE_LISTING, "abc", "a listing"));
	objcache_free(c);
}

/* A push of many migrations must not push out the listings. */
Test(objcache, each_kind_has_its_own_bound)
{
	struct objcache		*c = cache_of(2, 2);
	struct objcache_stats	 s;
	char			 id[32];
	int			 i;

	put(c, OBJCACHE_LISTING, "tree1", "versions");
	for (i = 0; i < 50; i++) {
		snprintf(id, sizeof(id), "blob%d", i);
		put(c, OBJCACHE_MIGRATION, id, "m");
	}
	cr_assert(holds(c, OBJCACHE_LISTING, "tree1", "versions"));
	objcache_stats(c, OBJCACHE_MIGRATION, &s);
	cr_assert_eq(s.entries, 2);
	cr_assert_eq(s.capacity, 2);
	objcache_stats(c, OBJCACHE_LISTING, &s);
	cr_assert_eq(s.entries, 1);
	cr_assert_eq(s.hits, 1);
	cr_assert_eq(s.misses, 0);
	objcache_free(c);
}

Test(objcache, second_insert_returns_the_first)
{
	struct objcache	*c = cache_of(4, 0);
	char		*a, *b;
	const char	*got;

	a = objcache_entry_new(OBJCACHE_MIGRATION, "x", 8);
	b = objcache_entry_new(OBJCACHE_MIGRATION, "x", 8);
	strcpy(a, "first");
	strcpy(b, "second");
	got = objcache_insert(c, a);
	cr_assert_eq(got, a);
	objcache_release(got);
	got = objcache_insert(c, b);	/* b is freed, a comes back */
	cr_assert_str_eq(got, "first");
	objcache_release(got);
	objcache_free(c);
}

Test(objcache, uncached_entries_stay_private)
{
	struct objcache	*c = cache_of(4, 0);
	char		*p;

	/* No cache at all (the CLI), and a kind this cache keeps none of. */
	p = objcache_entry_new(OBJCACHE_LISTING, "t", 4);
	cr_assert_eq(objcache_insert(NULL, p), p);
	objcache_release(p);
	p = objcache_entry_new(OBJCACHE_LISTING, "t", 4);
	cr_assert_eq(objcache_insert(c, p), p);
	objcache_release(p);
	cr_assert_null(objcache_acquire(c, OBJCACHE_LISTING, "t"));
	objcache_free(c);
}

Test(objcache, ids_too_long_and_payload_alignment)
{
	char	 id[OBJCACHE_ID_MAX + 2];
	void	*p;

	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	cr_assert_null(objcache_entry_new(OBJCACHE_MIGRATION, id, 8));
	id[OBJCACHE_ID_MAX] = '\0';
	p = objcache_entry_new(OBJCACHE_MIGRATION, id, 8);
	cr_assert_not_null(p);
	cr_assert_eq((uintptr_t)p % _Alignof(max_align_t), 0);
	objcache_release(p);
}

#define THREADS	4
#define ROUNDS	20000

static struct objcache	*shared;

/* Readers and writers over more IDs than fit: every hit is intact. */
static void *
hammer(void *arg)
{
	unsigned int	 seed = (unsigned int)(uintptr_t)arg;
	char		 id[48], text[32];
	const char	*p;
	int		 i, n;

	for (i = 0; i < ROUNDS; i++) {
		seed = seed * 1103515245 + 12345;
		n = (int)((seed >> 8) % 64);
		snprintf(id, sizeof(id), "%040d", n);
		snprintf(text, sizeof(text), "entry %d", n);
		if ((p = objcache_acquire(shared, n % 2 ? OBJCACHE_LISTING :
		    OBJCACHE_MIGRATION, id)) == NULL) {
			put(shared, n % 2 ? OBJCACHE_LISTING :
			    OBJCACHE_MIGRATION, id, text);
			continue;
		}
		if (strcmp(p, text) != 0)
			return (void *)1;
		objcache_release(p);
	}
	return NULL;
}

Test(objcache, threads_never_see_a_freed_entry)
{
	pthread_t	 t[THREADS];
	void		*bad;
	uintptr_t	 i;

	shared = cache_of(8, 8);
	for (i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, hammer,
		    (void *)(i + 1)), 0);
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], &bad);
		cr_assert_null(bad, "a reader saw another entry's bytes");
	}
	objcache_free(shared);
}
