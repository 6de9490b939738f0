/*
 * The parse cache packs each migration into one allocation; every
 * pointer array in it must be aligned for char *, whatever the strings
 * before it (UBSan's alignment check caught misaligned stores on every
 * push).  Checked directly, so it fails without a sanitizer too.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "revguard/objcache.h"
#include "revguard/parsecache.h"

static void
aligned(const struct strvec *v, const char *what)
{
	cr_assert_eq((uintptr_t)v->items % _Alignof(char *), 0,
	    "%s at %p is not aligned", what, (void *)v->items);
}

Test(parsecache_align, every_vector_aligned)
{
	size_t			 caps[OBJCACHE_NKINDS] = {
				    [OBJCACHE_MIGRATION] = 8 };
	struct objcache		*c = objcache_new(caps);
	struct engine_cache	 ops = parse_cache_ops(c);
	struct migration	 m;
	const struct migration	*hit;
	const char		*lens[] = { "a", "bb", "ccc", "dddd", "eeeee",
				    "ffffff", "ggggggg" };
	char			 id[32];
	size_t			 k;

	/* Every string length mod 8 before each array. */
	for (k = 0; k < 7; k++) {
		memset(&m, 0, sizeof(m));
		m.path = strdup("versions/x.py");
		m.revision = strdup("0123456789ab");
		strvec_push(&m.down_revisions, lens[k]);
		strvec_push(&m.branch_labels, lens[(k + 1) % 7]);
		strvec_push(&m.branch_labels, lens[(k + 3) % 7]);
		strvec_push(&m.depends_on, lens[(k + 2) % 7]);
		strvec_push(&m.header_revises, lens[(k + 5) % 7]);
		snprintf(id, sizeof(id), "blob%zu", k);
		ops.store(ops.ctx, id, &m);
		migration_clear(&m);
		cr_assert_not_null(hit = ops.acquire(ops.ctx, id));
		aligned(&hit->down_revisions, "down_revisions");
		aligned(&hit->branch_labels, "branch_labels");
		aligned(&hit->depends_on, "depends_on");
		aligned(&hit->header_revises, "header_revises");
		cr_assert_str_eq(hit->down_revisions.items[0], lens[k]);
		cr_assert_str_eq(hit->branch_labels.items[1],
		    lens[(k + 3) % 7]);
		cr_assert_str_eq(hit->depends_on.items[0], lens[(k + 2) % 7]);
		cr_assert_str_eq(hit->header_revises.items[0],
		    lens[(k + 5) % 7]);
		cr_assert_str_eq(hit->revision, "0123456789ab");
		ops.release(ops.ctx, hit);
	}
	objcache_free(c);
}
