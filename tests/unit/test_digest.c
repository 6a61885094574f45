/* test_digest.c: unit tests of lib/digest.c: SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 4231). */
#include "unit.h"

#include "digest.h"

static void hex(char out[2 * SHA256_LEN + 1], const uint8_t *h, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[2 * len] = '\0';
}

/* A buffer of n copies of byte c (the caller frees it). */
static uint8_t *repeat(uint8_t c, size_t n)
{
	uint8_t *b = xmalloc(n ? n : 1);
	memset(b, c, n);
	return b;
}

/* The examples of FIPS 180-4's SHA-256 (NIST's "SHA256.pdf", "SHA2 additional"). */
static const struct {
	const char *msg, *want;
} sha_cases[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
	  "lmnop"
	  "qrsmnopqrstnopqrstu",
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
};

static void test_sha256_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(sha_cases); i++) {
		const char *m = sha_cases[i].msg;
		uint8_t h[SHA256_LEN];
		char got[2 * SHA256_LEN + 1];
		sha256(m, strlen(m), h);
		hex(got, h, sizeof(h));
		unit_check_str(m, got, sha_cases[i].want);
	}
}

/* One million "a": the same digest one-shot and fed in pieces that straddle the 64-byte blocks. */
static void test_sha256_million_a(void **state)
{
	static const size_t pieces[] = { 1, 63, 64, 65, 127, 1000, 4096 };
	enum { N = 1000000 };
	const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	uint8_t *a = repeat('a', N), h[SHA256_LEN];
	char got[2 * SHA256_LEN + 1];
	(void)state;
	sha256(a, N, h);
	hex(got, h, sizeof(h));
	unit_check_str("one-shot", got, want);
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(pieces); i++) {
		struct sha256 c;
		char label[32];
		snprintf(label, sizeof(label), "pieces of %zu", pieces[i]);
		sha256_init(&c);
		for (size_t off = 0; off < N; off += pieces[i])
			sha256_update(&c, a + off, N - off < pieces[i] ? N - off : pieces[i]);
		memset(h, 0, sizeof(h));
		sha256_final(&c, h);
		hex(got, h, sizeof(h));
		unit_check_str(label, got, want);
	}
	free(a);
}

/* An incremental digest can be started again after its final (each final releases it). */
static void test_sha256_reuse(void **state)
{
	struct sha256 c;
	uint8_t h[SHA256_LEN];
	char got[2 * SHA256_LEN + 1];
	(void)state;
	for (int round = 0; round < 3; round++) {
		sha256_init(&c);
		sha256_update(&c, "a", 1);
		sha256_update(&c, "", 0);
		sha256_update(&c, "bc", 2);
		sha256_final(&c, h);
		hex(got, h, sizeof(h));
		unit_check_str("abc in two pieces", got, sha_cases[1].want);
	}
}

/* RFC 4231 §4: test cases 1-7 (case 5's output is truncated to 128 bits). */
static void test_hmac_sha256_rfc4231(void **state)
{
	static const uint8_t key4[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
					0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
					0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19 };
	uint8_t *k0b = repeat(0x0b, 20), *kaa = repeat(0xaa, 131), *k0c = repeat(0x0c, 20);
	uint8_t *ddd = repeat(0xdd, 50), *dcd = repeat(0xcd, 50);
	const struct {
		const char *label;
		const void *key;
		size_t key_len;
		const void *data;
		size_t len;
		const char *want;
	} cases[] = {
		{ "case 1", k0b, 20, "Hi There", 8,
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ "case 2", "Jefe", 4, "what do ya want for nothing?", 28,
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ "case 3", kaa, 20, ddd, 50,
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
		{ "case 4", key4, sizeof(key4), dcd, 50,
		  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
		{ "case 5", k0c, 20, "Test With Truncation", 20,
		  "a3b6167473100ee06e0c796c2955552b" },
		{ "case 6", kaa, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
		{ "case 7", kaa, 131,
		  "This is a test using a larger than block-size key and a larger than block-size "
		  "data. The key needs to be hashed before being used by the HMAC algorithm.",
		  152, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		uint8_t h[SHA256_LEN];
		char got[2 * SHA256_LEN + 1];
		hmac_sha256(cases[i].key, cases[i].key_len, cases[i].data, cases[i].len, h);
		hex(got, h, strlen(cases[i].want) / 2);
		unit_check_str(cases[i].label, got, cases[i].want);
	}
	free(k0b);
	free(kaa);
	free(k0c);
	free(ddd);
	free(dcd);
}

/* An empty key is a key (RFC 2104 pads it to the block): not an error, not the plain hash. */
static void test_hmac_sha256_empty_key(void **state)
{
	uint8_t mac[SHA256_LEN], plain[SHA256_LEN];
	char got[2 * SHA256_LEN + 1];
	(void)state;
	hmac_sha256("", 0, "", 0, mac);
	hex(got, mac, sizeof(mac));
	unit_check_str("empty key, empty data", got,
		       "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
	sha256("", 0, plain);
	assert_memory_not_equal(mac, plain, SHA256_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_sha256_million_a),
		cmocka_unit_test(test_sha256_reuse),
		cmocka_unit_test(test_hmac_sha256_rfc4231),
		cmocka_unit_test(test_hmac_sha256_empty_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
