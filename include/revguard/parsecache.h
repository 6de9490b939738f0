/*
 * parsecache: the engine's view (struct engine_cache) of the parsed
 * migrations in an objcache, keyed by git blob ID, shared by the
 * daemon's workers.  A blob's bytes never change, so neither does its
 * parse: a push that adds one migration to a thousand re-reads and
 * re-parses one file.  Bounded by the objcache's OBJCACHE_MIGRATION
 * capacity.
 */
#ifndef REVGUARD_PARSECACHE_H
#define REVGUARD_PARSECACHE_H

#include "revguard/engine.h"
#include "revguard/objcache.h"

/* The engine's view of c's parsed migrations; c outlives it. */
struct engine_cache parse_cache_ops(struct objcache *c);

#endif
