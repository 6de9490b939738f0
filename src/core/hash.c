/*
 * hash.c: 64-bit FNV-1a over a NUL-terminated string.
 */
#include "config.h"

#include "revguard/hash.h"

uint64_t
hash_str(const char *s)
{
	uint64_t	 h = 1469598103934665603ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}
