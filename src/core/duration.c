/*
 * duration.c: durations such as 30s, 500ms or 2m.  The digits are checked
 * here before any arithmetic, because strtod would also take " 1", "+1",
 * "1e3", "0x10", "inf" and "nan", and (int) of a NaN is undefined.
 */
#include "config.h"

#include <string.h>

#include "revguard/duration.h"

int
duration_parse(const char *s, int *ms)
{
	/* frac counts millionths of the unit. */
	unsigned long long	 whole = 0, frac = 0, scale = 1000000, unit;
	unsigned long long	 total;
	int			 digits = 0;
	const char		*p = s;

	if (s == NULL)
		return -1;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		whole = whole * 10 + (unsigned long long)(*p - '0');
		if (whole > DURATION_MAX_MS)
			return -1;	/* too long in any unit */
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			/* Past a millionth of a unit (60 us at most),
			 * digits cannot change the milliseconds much. */
			if (scale > 1) {
				scale /= 10;
				frac += (unsigned long long)(*p - '0') * scale;
			}
		}
	}
	if (digits == 0)
		return -1;
	if (*p == '\0' || strcmp(p, "s") == 0)
		unit = 1000;
	else if (strcmp(p, "ms") == 0)
		unit = 1;
	else if (strcmp(p, "m") == 0)
		unit = 60000;
	else
		return -1;
	/* whole <= 86400000 and unit <= 60000: no overflow in 64 bits. */
	total = whole * unit + frac * unit / 1000000;
	if (total > DURATION_MAX_MS)
		return -1;
	*ms = (int)total;
	return 0;
}

int
duration_parse_long(const char *s, long long *ms)
{
	static const struct {
		const char		*unit;
		unsigned long long	 ms;
	} units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 }, { "w", 604800000 },
	};
	unsigned long long	 whole = 0;
	const char		*p = s;
	size_t			 i;

	if (s == NULL || *p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (unsigned long long)(*p - '0');
		if (whole > DURATION_LONG_MAX_MS)
			return -1;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(p, units[i].unit) == 0) {
			if (whole > DURATION_LONG_MAX_MS / units[i].ms)
				return -1;
			*ms = (long long)(whole * units[i].ms);
			return 0;
		}
	return -1;
}
