/*
 * store_suite.h: the one test suite every decision-log backend passes
 * (tests/unit/store_suite.c).  A backend's test file defines these two
 * and links the suite: test_store_sqlite.c, and the PostgreSQL one.
 */
#ifndef STORE_SUITE_H
#define STORE_SUITE_H

#include "revguard/store.h"

/* A new, empty store for one test; NULL skips the test (no server). */
struct store	*suite_store_open(void);
/* Called after each test with the store closed: remove what it made. */
void		 suite_store_cleanup(void);

#endif
