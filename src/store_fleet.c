/*
 * store_fleet.c: the decision log as the API of a fleet node reads it
 * (shipper.h): PostgreSQL while the shipper finds it up, the node's own
 * SQLite log otherwise.  The choice is made per request from the
 * shipper's last finding, so a PostgreSQL outage costs the API its
 * fleet-wide view, never a request stuck behind a connect timeout on the
 * loop thread that also answers pushes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "revguard/shipper.h"
#include "revguard/store.h"
#include "revguard/store_pg.h"

struct store_fleet {
	struct store	 store;		/* first: the caller's view */
	struct shipper	*shipper;
	struct store	*local;		/* borrowed */
	struct store	*pg;		/* owned, connects on first use */
};

static const struct store_ops store_fleet_ops;

/* Where a read goes now. */
static struct store *
fleet_pick(struct store_fleet *f)
{
	struct shipper_state	 st;

	shipper_state(f->shipper, &st);
	if (st.pg == SHIPPER_PG_UP || f->local == NULL)
		return f->pg;
	return f->local;
}

static int
fleet_put(struct store *s, struct store_decision *d, char *err,
    size_t errlen)
{
	(void)s;
	(void)d;
	snprintf(err, errlen, "the fleet's view is read-only: decisions go "
	    "to the node's own log, and the shipper copies them");
	return -1;
}

static int
fleet_query(struct store *s, const struct store_filter *filter,
    struct store_page *page, char *err, size_t errlen)
{
	return store_query(fleet_pick((struct store_fleet *)s), filter, page,
	    err, errlen);
}

static int
fleet_repos(struct store *s, struct store_repo_list *list, char *err,
    size_t errlen)
{
	return store_repos(fleet_pick((struct store_fleet *)s), list, err,
	    errlen);
}

/* Each node prunes its own log; the shipper prunes PostgreSQL. */
static long
fleet_prune(struct store *s, long long now_ms, long long max_age_ms,
    long long max_rows, long budget, char *err, size_t errlen)
{
	(void)s;
	(void)now_ms;
	(void)max_age_ms;
	(void)max_rows;
	(void)budget;
	(void)err;
	(void)errlen;
	return 0;
}

static void
fleet_close(struct store *s)
{
	struct store_fleet	*f = (struct store_fleet *)s;

	if (f == NULL)
		return;
	store_close(f->pg);
	free(f);
}

struct store *
store_fleet_new(struct shipper *sh, struct store *local, const char *conninfo,
    char *err, size_t errlen)
{
	struct store_fleet	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((f->pg = store_pg_open_lazy(conninfo, err, errlen)) == NULL) {
		free(f);
		return NULL;
	}
	f->store.ops = &store_fleet_ops;
	f->shipper = sh;
	f->local = local;
	return &f->store;
}

static const struct store_ops store_fleet_ops = {
	"fleet",
	fleet_put,
	fleet_query,
	fleet_repos,
	fleet_prune,
	fleet_close
};
