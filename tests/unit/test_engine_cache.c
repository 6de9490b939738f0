/*
 * The engine with the daemon's parse cache over a directory larger than
 * the cache: the first files stay cached from push to push.  Storing
 * every file made the FIFO evict the first ones before the next push
 * asked for them, so a big repository never hit, and paid for the
 * stores on top (a million-migration push: 1.5x the CLI's time).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revguard/engine.h"
#include "revguard/objcache.h"
#include "revguard/parsecache.h"

#define FILES	10

static char	 revs[FILES][13];

static int
fake_list(void *ctx, const char *dir, struct source_entry **out, size_t *n,
    char *err, size_t errlen)
{
	struct source_entry	*v;
	size_t			 i;

	(void)ctx;
	(void)err;
	(void)errlen;
	if (strcmp(dir, "versions") != 0)
		return 1;
	v = calloc(FILES, sizeof(*v));
	for (i = 0; i < FILES; i++) {
		v[i].name = xasprintf("%s_step.py", revs[i]);
		v[i].kind = SOURCE_FILE;
		snprintf(v[i].id, sizeof(v[i].id), "blob%zu", i);
	}
	*out = v;
	*n = FILES;
	return 0;
}

static int
fake_read(void *ctx, const char *path, char **data, size_t *len, char *err,
    size_t errlen)
{
	size_t	 i;

	(void)ctx;
	(void)err;
	(void)errlen;
	for (i = 0; i < FILES; i++)
		if (strncmp(path + strlen("versions/"), revs[i], 12) == 0)
			break;
	if (i == FILES)
		return 1;
	*data = i == 0 ? xasprintf("revision = '%s'\ndown_revision = None\n",
	    revs[i]) : xasprintf("revision = '%s'\ndown_revision = '%s'\n",
	    revs[i], revs[i - 1]);
	*len = strlen(*data);
	return 0;
}

static const struct source_ops fake_ops = { fake_read, fake_list, NULL };

Test(engine_cache, first_files_stay_cached_when_the_directory_is_bigger)
{
	size_t			 caps[OBJCACHE_NKINDS] = {
				    [OBJCACHE_MIGRATION] = 4 };
	struct objcache		*c = objcache_new(caps);
	struct engine_cache	 cache = parse_cache_ops(c);
	struct strvec		 paths = STRVEC_INIT;
	struct engine_opts	 o;
	struct engine_result	 r;
	struct policy		 pol;
	char			 err[256];
	size_t			 i;
	int			 run;

	for (i = 0; i < FILES; i++)
		snprintf(revs[i], sizeof(revs[i]), "%012zx",
		    0x3c9e41d07b25 + i * 0x10f3a7);
	cr_assert_eq(policy_init(&pol), 0);
	cr_assert_eq(policy_compile(&pol, err, sizeof(err)), 0, "%s", err);
	strvec_push(&paths, "versions");
	memset(&o, 0, sizeof(o));
	o.policy = &pol;
	o.versions_paths = &paths;
	o.cache = &cache;
	for (run = 0; run < 3; run++) {
		cr_assert_eq(engine_check(&o, &fake_ops, NULL, &r, err,
		    sizeof(err)), 0, "%s", err);
		cr_assert_eq(r.n, FILES);
		cr_assert_eq(r.cache_hits, run == 0 ? 0 : 4,
		    "run %d: %zu hits", run, r.cache_hits);
		cr_assert_eq(r.files_read, run == 0 ? FILES : FILES - 4);
		engine_result_free(&r);
	}
	strvec_clear(&paths);
	policy_free(&pol);
	objcache_free(c);
}
