/* digest.h: SHA-256 and HMAC-SHA256 from libcrypto, for token hashes, content digests and
 * signatures. */
#ifndef KINGLET_DIGEST_H
#define KINGLET_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

/* An incremental SHA-256: sha256_init, any number of sha256_update, one sha256_final. */
struct sha256 {
	struct evp_md_ctx_st *ctx; /* libcrypto's EVP_MD_CTX: owned from init to final */
};

/*
 * libcrypto failing to digest (out of memory, no SHA-256 in its providers) aborts the process, as
 * the aborting allocators do: a hash that silently went wrong would lock users out.
 */
void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Writes the digest and releases c (init it again to reuse it). */
void sha256_final(struct sha256 *c, uint8_t out[SHA256_LEN]);
/* One-shot digest of data. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);
/* HMAC-SHA256 (RFC 2104) of data under key: the signature of a payload. */
void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		 uint8_t out[SHA256_LEN]);

#endif
