/* webhooks_secret.c: hook signing secrets, sealed at rest with AES-256-GCM (key:
 * webhooks.key_file).
 */
#include "webhooks.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "random.h"

#include "banned.h"

#define NONCE_BYTES 12
#define TAG_BYTES 16

static uint8_t key[32];
static bool key_loaded;

int webhooks_key_load(void)
{
	char text[80];
	struct stat st;
	ssize_t n;
	int fd = open(conf.webhooks_key_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		log_error("webhooks.key_file %s: %s", conf.webhooks_key_file, strerror(errno));
		return -1;
	}
	/* Whoever can read the key can read every secret: only its owner may. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		log_error("webhooks.key_file %s must be a file only its owner can read (mode 600)",
			  conf.webhooks_key_file);
		close(fd);
		return -1;
	}
	n = read(fd, text, sizeof(text));
	close(fd);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
		n--;
	if (n != 64) {
		log_error("webhooks.key_file %s must hold 64 hex digits (openssl rand -hex 32)",
			  conf.webhooks_key_file);
		return -1;
	}
	text[n] = '\0';
	size_t got = 0;
	/* libcrypto's hex reader; '\0': no separators between the digits. */
	if (!OPENSSL_hexstr2buf_ex(key, sizeof(key), &got, text, '\0') || got != sizeof(key)) {
		log_error("webhooks.key_file %s must hold 64 hex digits", conf.webhooks_key_file);
		return -1;
	}
	key_loaded = true;
	return 0;
}

int webhooks_secret_new(uint8_t raw[WEBHOOKS_SECRET_BYTES], struct strbuf *text)
{
	char b64[4 * ((WEBHOOKS_SECRET_BYTES + 2) / 3) + 1];
	if (random_bytes(raw, WEBHOOKS_SECRET_BYTES))
		return -1;
	EVP_EncodeBlock((unsigned char *)b64, raw, WEBHOOKS_SECRET_BYTES);
	strbuf_addstr(text, "whsec_");
	strbuf_addstr(text, b64);
	return 0;
}

/* The associated data: a sealed secret opens only for the user it was made for. */
static int aad_of(char out[32], long long user_id)
{
	return snprintf(out, 32, "kinglet-webhook:%lld", user_id);
}

int webhooks_secret_seal(const uint8_t raw[WEBHOOKS_SECRET_BYTES], long long user_id,
			 uint8_t out[WEBHOOKS_SEALED_BYTES])
{
	EVP_CIPHER_CTX *c = NULL;
	char aad[32];
	int n, ret = -1, alen = aad_of(aad, user_id);
	if (!key_loaded && webhooks_key_load())
		return -1;
	if (random_bytes(out, NONCE_BYTES) || !(c = EVP_CIPHER_CTX_new()))
		goto out;
	if (EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, out) != 1 ||
	    EVP_EncryptUpdate(c, NULL, &n, (const unsigned char *)aad, alen) != 1 ||
	    EVP_EncryptUpdate(c, out + NONCE_BYTES, &n, raw, WEBHOOKS_SECRET_BYTES) != 1 ||
	    EVP_EncryptFinal_ex(c, out + NONCE_BYTES + n, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_BYTES,
				out + NONCE_BYTES + WEBHOOKS_SECRET_BYTES) != 1)
		goto out;
	ret = 0;
out:
	EVP_CIPHER_CTX_free(c);
	return ret;
}

int webhooks_secret_open(const uint8_t *sealed, size_t len, long long user_id,
			 uint8_t raw[WEBHOOKS_SECRET_BYTES])
{
	EVP_CIPHER_CTX *c = NULL;
	uint8_t tag[TAG_BYTES];
	char aad[32];
	int n, ret = -1, alen = aad_of(aad, user_id);
	if (len != WEBHOOKS_SEALED_BYTES || (!key_loaded && webhooks_key_load()))
		return -1;
	memcpy(tag, sealed + NONCE_BYTES + WEBHOOKS_SECRET_BYTES, TAG_BYTES);
	if (!(c = EVP_CIPHER_CTX_new()))
		return -1;
	if (EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, sealed) != 1 ||
	    EVP_DecryptUpdate(c, NULL, &n, (const unsigned char *)aad, alen) != 1 ||
	    EVP_DecryptUpdate(c, raw, &n, sealed + NONCE_BYTES, WEBHOOKS_SECRET_BYTES) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, tag) != 1 ||
	    EVP_DecryptFinal_ex(c, raw + n, &n) != 1)
		goto out;
	ret = 0;
out:
	if (ret)
		memset(raw, 0, WEBHOOKS_SECRET_BYTES);
	EVP_CIPHER_CTX_free(c);
	return ret;
}
