/*
 * jsonutil: jansson helpers shared by proto.c and report.c.
 */
#ifndef REVGUARD_JSONUTIL_H
#define REVGUARD_JSONUTIL_H

#include <jansson.h>

#include "revguard/strvec.h"

/* A new JSON array of the vector's strings. */
json_t	*jsonutil_strvec(const struct strvec *);

#endif
