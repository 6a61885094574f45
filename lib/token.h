/* token.h: secret tokens: 256 random bits, base64url text, stored as SHA-256, compared in constant
 * time. */
#ifndef KINGLET_TOKEN_H
#define KINGLET_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "strbuf.h"

#define TOKEN_BYTES 32
#define TOKEN_TEXT_LEN 43 /* base64url of 32 bytes, no padding */

/* Append base64url (RFC 4648 §5, no padding) of data to out. */
void token_base64url(struct strbuf *out, const uint8_t *data, size_t len);
/* A fresh token's text (TOKEN_TEXT_LEN characters) appended to out. Returns 0 or -1. */
int token_new(struct strbuf *out);
/* token_new, and the SHA-256 of the new token's text into hash. Returns 0 or -1. */
int token_new_hashed(struct strbuf *out, uint8_t hash[SHA256_LEN]);
/* True when s has the shape of a token (length and alphabet): cheap check before any lookup. */
bool token_well_formed(const char *s, size_t len);
/* The SHA-256 of the token text: what the database stores and looks up. */
void token_hash(const char *s, size_t len, uint8_t out[SHA256_LEN]);
/* Compare a[0..alen) and b[0..blen) in time that depends only on the lengths. */
bool token_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif
