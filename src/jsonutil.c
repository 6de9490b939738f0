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
