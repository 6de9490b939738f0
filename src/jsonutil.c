/*
 * jsonutil.c: small jansson helpers shared by the adapters that speak
 * JSON (the wire protocol and the reports).
 */
#include "config.h"

#include "revguard/jsonutil.h"

json_t *
jsonutil_strvec(const struct strvec *v)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; a != NULL && i < v->len; i++)
		json_array_append_new(a, json_string(v->items[i]));
	return a;
}

json_t *
jsonutil_diag(const struct diag *d)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:b}",
	    "rule", rule_name(d->rule),
	    "severity", rule_sev_name(d->severity),
	    "path", d->path ? json_string(d->path) : json_null(),
	    "line", d->line > 0 ? json_integer(d->line) : json_null(),
	    "message", d->message,
	    "hint", d->hint ? json_string(d->hint) : json_null(),
	    "revisions", jsonutil_strvec(&d->revisions),
	    "old", d->old);
}
