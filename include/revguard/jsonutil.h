/*
 * jsonutil: jansson helpers shared by proto.c and report.c.
 */
#ifndef REVGUARD_JSONUTIL_H
#define REVGUARD_JSONUTIL_H

#include <jansson.h>

#include "revguard/diag.h"
#include "revguard/strvec.h"

/* A new JSON array of the vector's strings. */
json_t	*jsonutil_strvec(const struct strvec *);
/* A diagnostic as JSON: rule, severity, path, line, message, hint,
 * revisions, old (the same object on the wire and in reports). */
json_t	*jsonutil_diag(const struct diag *);

#endif
