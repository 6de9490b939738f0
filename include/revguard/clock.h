/*
 * clock: milliseconds, the two ways revguard needs them.  Monotonic for
 * deadlines, timeouts and durations (never jumps with the wall clock);
 * the wall clock for what a decision records and what a person reads.
 */
#ifndef REVGUARD_CLOCK_H
#define REVGUARD_CLOCK_H

#include <time.h>

static inline long long
clock_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds since the epoch. */
static inline long long
clock_wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
