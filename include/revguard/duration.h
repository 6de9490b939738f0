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

#endif
