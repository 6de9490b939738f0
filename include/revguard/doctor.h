/*
 * doctor: `revguard doctor`, a read-only report of what a push to one
 * repository would have checked, and every reason it might not be.
 */
#ifndef REVGUARD_DOCTOR_H
#define REVGUARD_DOCTOR_H

#include "revguard/config.h"

/* Prints the report; returns 0 when nothing stands in the way of a
 * check, 1 when something does, 2 when the repository cannot be read. */
int	 doctor_run(const struct config *, const char *config_path,
	    const char *repo);

#endif
