/*
 * duration: the one parser for durations written by people, in the
 * configuration (`job_timeout: 30s`) and on command lines (`--timeout 4`).
 * Pure: a string in, milliseconds out.
 */
#ifndef REVGUARD_DURATION_H
#define REVGUARD_DURATION_H

/* One day: longer is a typo, and it keeps every value in an int. */
#define DURATION_MAX_MS		86400000

/*
 * Parses a decimal number with an optional unit: ms, s (the default) or
 * m, such as 4, 4s, 1.5s, 500ms or 2m.  No sign, spaces, exponent, hex,
 * inf or nan.  Fractions of a millisecond are dropped.  Returns 0 with
 * *ms set, or -1 (bad syntax or more than DURATION_MAX_MS) leaving *ms
 * alone.
 */
int	 duration_parse(const char *s, int *ms);

/* About a hundred years: retention and `--since` take no more. */
#define DURATION_LONG_MAX_MS	(100LL * 366 * 86400000)

/*
 * Long durations, for retention (`max_age: 90d`) and queries (`--since
 * 1h`): whole numbers with a unit ms, s (the default), m, h, d or w.
 * Returns 0 with *ms set, or -1 leaving it alone.
 */
int	 duration_parse_long(const char *s, long long *ms);

#endif
