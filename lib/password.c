/* password.c: scrypt hashing and checking, translating libscrypt's ">0 is success" convention. */
#include "password.h"

#include <libscrypt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "random.h"
#include "token.h"

#include "banned.h"

static char *dummy_hash;

int password_hash(struct strbuf *out, const char *password)
{
	char mcf[SCRYPT_MCF_LEN + 1];
	memset(mcf, 0, sizeof(mcf));
	if (libscrypt_hash(mcf, password, (uint32_t)1 << conf.scrypt_log2_n, (uint8_t)conf.scrypt_r,
			   (uint8_t)conf.scrypt_p) <= 0) {
		log_error("libscrypt_hash failed");
		return -1;
	}
	strbuf_addstr(out, mcf);
	return 0;
}

/* The cost field of "$s1$NNrrpp$salt$hash" as a number, or -1. */
static long cost_field(const char *stored)
{
	if (!stored || strncmp(stored, "$s1$", 4))
		return -1;
	char *end;
	long v = strtol(stored + 4, &end, 16);
	if (end != stored + 10 || *end != '$')
		return -1;
	return v;
}

int password_verify(const char *stored, const char *password)
{
	char mcf[SCRYPT_MCF_LEN + 1];
	if (!stored) {
		if (!dummy_hash) {
			struct strbuf sb = STRBUF_INIT;
			if (password_hash(&sb, "kinglet dummy password") < 0)
				return -1;
			dummy_hash = strbuf_detach(&sb, NULL);
		}
		snprintf(mcf, sizeof(mcf), "%s", dummy_hash);
		libscrypt_check(mcf, password);
		return 0;
	}
	if (cost_field(stored) < 0 || strlen(stored) > SCRYPT_MCF_LEN)
		return -1;
	/* libscrypt_check writes into its argument: give it a copy. */
	snprintf(mcf, sizeof(mcf), "%s", stored);
	int rc = libscrypt_check(mcf, password);
	return rc > 0 ? 1 : (rc == 0 ? 0 : -1);
}

bool password_needs_rehash(const char *stored)
{
	long want = (long)(conf.scrypt_log2_n << 16 | conf.scrypt_r << 8 | conf.scrypt_p);
	return cost_field(stored) != want;
}

int password_generate(struct strbuf *out)
{
	uint8_t raw[12];
	if (random_bytes(raw, sizeof(raw)) < 0)
		return -1;
	token_base64url(out, raw, sizeof(raw));
	return 0;
}
