/*
 * debt: what was already wrong before a change.  A debt set is built from
 * the diagnostics of the base commit; a diagnostic of the new commit is
 * old debt when the base already had it: the same rule about the same
 * revisions (every revision it names was named by that rule at the
 * base), or, for a diagnostic about no revision, the same rule, file and
 * message.  Problems a change creates are new wherever they are reported,
 * even in files the change did not touch.  A debt set owns its keys.
 */
#ifndef REVGUARD_DEBT_H
#define REVGUARD_DEBT_H

#include <stddef.h>

#include "revguard/diag.h"

struct debt {
	char	**slots;	/* open addressing; NULL is empty */
	size_t	  cap;		/* a power of two, or 0 */
	size_t	  len;
	size_t	  most[RULE__COUNT];	/* single-head/-base: how many */
};

#define DEBT_INIT { NULL, 0, 0, { 0 } }

/* Adds every diagnostic of l; -1 when memory ran out. */
int	 debt_add_list(struct debt *, const struct diag_list *l);
/* 1 when d was already there at the base. */
int	 debt_contains(const struct debt *, const struct diag *d);
void	 debt_clear(struct debt *);

#endif
