/*
 * engine: one check of one tree snapshot.  It finds the versions
 * directories (configured, or from alembic.ini in the same tree), reads
 * and parses every migration, builds the graph, loads documentation only
 * when a merge needs it, and runs the rules.  It knows nothing about
 * where the snapshot comes from (see source.h).
 */
#ifndef REVGUARD_ENGINE_H
#define REVGUARD_ENGINE_H

#include "revguard/debt.h"
#include "revguard/diag.h"
#include "revguard/graph.h"
#include "revguard/migration.h"
#include "revguard/rules.h"
#include "revguard/source.h"
#include "revguard/strvec.h"

/*
 * A cache of parsed migrations keyed by content ID (see source_entry.id).
 * acquire returns a shared, read-only migration (or NULL) that stays valid
 * until release; store keeps a copy of a fresh parse.  All may be called
 * from several threads at once.
 */
struct engine_cache {
	const struct migration *(*acquire)(void *ctx, const char *id);
	void	(*release)(void *ctx, const struct migration *);
	void	(*store)(void *ctx, const char *id, const struct migration *);
	void	 *ctx;
	size_t	  capacity;	/* entries it keeps; 0: no bound */
};

/*
 * Stops a check at a deadline without the engine or the core reading a
 * clock: expired returns 1 once the check must stop.  Called often, from
 * the thread that runs the check.
 */
struct engine_deadline {
	int	(*expired)(void *ctx);
	void	 *ctx;
};

struct engine_opts {
	const struct policy	*policy;
	const struct strvec	*versions_paths;	/* empty: alembic.ini */
	const char		*alembic_ini;
	const struct debt	*old_debt;		/* NULL: all new */
	const struct strvec	*extra_baseline;	/* may be NULL */
	int			 keep_baselined;	/* see rules.h */
	const struct engine_cache *cache;		/* may be NULL */
	const struct engine_deadline *deadline;		/* may be NULL */
	/* The base's revisions and their files, for removed-revision;
	 * NULL without a base. */
	const struct strvec	*base_revisions;
	const struct strvec	*base_paths;
};

struct engine_result {
	struct strvec		 versions_dirs;
	struct migration	*migrations;	/* parsed successfully */
	size_t			 n, cap;
	/* For each migration: the cache entry it borrows its strings from
	 * (its path alone is its own), or NULL when it owns everything. */
	const struct migration	**borrowed;
	size_t			 borrowed_cap;
	const struct engine_cache *cache;
	struct graph		 graph;
	struct diag_list	 diags;
	size_t			 files_read;
	size_t			 bytes_read;
	size_t			 cache_hits;
	int			 no_versions_dir;	/* set with -1 */
	int			 expired;	/* set with -1: deadline */
};

/* Finds the versions directories only.  Returns 0, -1 on error, or 1
 * when there is neither a versions_path nor an alembic.ini (not an
 * Alembic project). */
int	 engine_versions_dirs(const struct engine_opts *,
	    const struct source_ops *, void *ctx, struct strvec *out,
	    char *err, size_t errlen);
/*
 * Reads a baseline file (one revision ID a line, # comments) from the
 * tree into out; a missing file is an empty baseline.
 */
int	 engine_read_baseline(const char *file, const struct source_ops *,
	    void *ctx, struct strvec *out, char *err, size_t errlen);
/*
 * Returns 0 when the check ran (the verdict is in diags), or -1 when it
 * could not run, with the reason in err.
 */
int	 engine_check(const struct engine_opts *, const struct source_ops *,
	    void *ctx, struct engine_result *, char *err, size_t errlen);
void	 engine_result_free(struct engine_result *);
/* 1 when d (may be NULL: never) says the check must stop. */
int	 engine_deadline_passed(const struct engine_deadline *d);

#endif
