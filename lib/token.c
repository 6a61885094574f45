/* token.c: generating, encoding, hashing and comparing secret tokens. */
#include "token.h"

#include "random.h"

#include "banned.h"

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void token_base64url(struct strbuf *out, const uint8_t *data, size_t len)
{
	size_t i = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
		strbuf_addch(out, b64url[(v >> 18) & 63]);
		strbuf_addch(out, b64url[(v >> 12) & 63]);
		strbuf_addch(out, b64url[(v >> 6) & 63]);
		strbuf_addch(out, b64url[v & 63]);
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)data[i] << 16;
		strbuf_addch(out, b64url[(v >> 18) & 63]);
		strbuf_addch(out, b64url[(v >> 12) & 63]);
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8;
		strbuf_addch(out, b64url[(v >> 18) & 63]);
		strbuf_addch(out, b64url[(v >> 12) & 63]);
		strbuf_addch(out, b64url[(v >> 6) & 63]);
	}
}

int token_new(struct strbuf *out)
{
	uint8_t raw[TOKEN_BYTES];
	if (random_bytes(raw, sizeof(raw)) < 0)
		return -1;
	token_base64url(out, raw, sizeof(raw));
	return 0;
}

int token_new_hashed(struct strbuf *out, uint8_t hash[SHA256_LEN])
{
	size_t start = out->len;
	if (token_new(out) < 0)
		return -1;
	token_hash(out->buf + start, out->len - start, hash);
	return 0;
}

bool token_well_formed(const char *s, size_t len)
{
	if (len != TOKEN_TEXT_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

void token_hash(const char *s, size_t len, uint8_t out[SHA256_LEN])
{
	sha256(s, len, out);
}

bool token_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	const volatile uint8_t *x = a, *y = b;
	size_t n = alen < blen ? alen : blen;
	uint8_t diff = alen != blen;
	for (size_t i = 0; i < n; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}
