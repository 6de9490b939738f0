/*
 * parsecache: parsed migrations keyed by git blob ID, shared by the
 * daemon's workers.  A blob's bytes never change, so neither does its
 * parse: a push that adds one migration to a thousand re-reads and
 * re-parses one file.  Bounded; the oldest entry makes room.
 */
#ifndef REVGUARD_PARSECACHE_H
#define REVGUARD_PARSECACHE_H

#include <stddef.h>

#include "revguard/engine.h"

struct parse_cache;

struct parse_cache *parse_cache_new(size_t capacity);
void		 parse_cache_free(struct parse_cache *);
/* The engine's view of the cache. */
struct engine_cache parse_cache_ops(struct parse_cache *);
void		 parse_cache_stats(struct parse_cache *, unsigned long *hits,
		    unsigned long *misses, size_t *entries);

#endif
