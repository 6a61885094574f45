/* password.h: password hashing with libscrypt (MCF "$s1$" strings that carry their own cost). */
#ifndef KINGLET_PASSWORD_H
#define KINGLET_PASSWORD_H

#include <stdbool.h>

#include "strbuf.h"

#define PASSWORD_MIN_CHARS 8
#define PASSWORD_MAX_CHARS 128

/* Hash password at the configured cost (scrypt.*) and append the MCF string to out. 0 or -1. */
int password_hash(struct strbuf *out, const char *password);
/*
 * 1 when password matches stored, 0 when not, -1 on a malformed hash. With stored NULL (no such
 * account) it spends the same scrypt work against a dummy hash and returns 0, so that the answer
 * takes as long whether or not the account exists.
 */
int password_verify(const char *stored, const char *password);
/* True when stored was made at a cost other than the configured one (rehash after login). */
bool password_needs_rehash(const char *stored);
/* A strong random password (16 base64url characters, 96 bits) appended to out. 0 or -1. */
int password_generate(struct strbuf *out);

#endif
