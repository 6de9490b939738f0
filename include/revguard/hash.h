/*
 * hash: the string hash behind the core's and the daemon's hash tables
 * (64-bit FNV-1a: fast on short IDs, no state).
 */
#ifndef REVGUARD_HASH_H
#define REVGUARD_HASH_H

#include <stdint.h>

uint64_t	 hash_str(const char *);

#endif
