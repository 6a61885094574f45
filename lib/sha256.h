/* sha256.h: SHA-256 (FIPS 180-4), for storing tokens as hashes only. */
#ifndef KINGLET_SHA256_H
#define KINGLET_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t total;
	uint8_t block[64];
	size_t used;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
void sha256_final(struct sha256 *c, uint8_t out[SHA256_LEN]);
/* One-shot digest of data. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);

#endif
