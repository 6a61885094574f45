/* digest.c: SHA-256 and HMAC-SHA256 through libcrypto (libmariadb loads it in every program
 * anyway, and it uses the CPU's SHA instructions). */
#include "digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <limits.h>
#include <stdlib.h>

#include "log.h"

#include "banned.h"

static _Noreturn void die_crypto(const char *what)
{
	log_error("libcrypto: %s failed", what);
	abort();
}

/* Fetched once: an implicit fetch (EVP_sha256()) looks the provider up at every init. */
static const EVP_MD *sha256_md(void)
{
	static EVP_MD *md;
	if (!md && !(md = EVP_MD_fetch(NULL, "SHA2-256", NULL)))
		die_crypto("fetching SHA2-256");
	return md;
}

void sha256_init(struct sha256 *c)
{
	c->ctx = EVP_MD_CTX_new();
	if (!c->ctx || !EVP_DigestInit_ex2(c->ctx, sha256_md(), NULL))
		die_crypto("SHA-256 init");
}

void sha256_update(struct sha256 *c, const void *data, size_t len)
{
	if (!EVP_DigestUpdate(c->ctx, data, len))
		die_crypto("SHA-256 update");
}

void sha256_final(struct sha256 *c, uint8_t out[SHA256_LEN])
{
	if (!EVP_DigestFinal_ex(c->ctx, out, NULL))
		die_crypto("SHA-256 final");
	EVP_MD_CTX_free(c->ctx);
	c->ctx = NULL;
}

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
	if (!EVP_Digest(data, len, out, NULL, sha256_md(), NULL))
		die_crypto("SHA-256");
}

void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		 uint8_t out[SHA256_LEN])
{
	unsigned int n = 0;
	/* HMAC() wants an int key length; an empty key still needs a non-NULL pointer. */
	if (key_len > INT_MAX ||
	    !HMAC(sha256_md(), key_len ? key : "", (int)key_len, data, len, out, &n) ||
	    n != SHA256_LEN)
		die_crypto("HMAC-SHA256");
}
