/*
 * sha256: the digest of the configuration a decision was made under
 * (store_decision.config_digest).  Pure.
 */
#ifndef REVGUARD_SHA256_H
#define REVGUARD_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN	64

struct sha256 {
	uint32_t	 h[8];
	uint64_t	 len;
	unsigned char	 buf[64];
	size_t		 nbuf;
};

void	 sha256_init(struct sha256 *);
void	 sha256_update(struct sha256 *, const void *, size_t);
/* Finishes: 64 lowercase hex digits and a NUL. */
void	 sha256_hex(struct sha256 *, char out[SHA256_HEX_LEN + 1]);

#endif
