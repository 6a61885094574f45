/* test_token.c: unit tests of lib/token.c: base64url, fresh tokens, their shape, hash and
 * comparison. */
#include "unit.h"

#include "digest.h"
#include "token.h"

/* RFC 4648 §10's vectors in the URL alphabet without padding, and the two URL-only symbols. */
static void test_base64url(void **state)
{
	static const struct {
		const char *data;
		size_t len;
		const char *want;
	} cases[] = {
		{ "", 0, "" },
		{ "f", 1, "Zg" },
		{ "fo", 2, "Zm8" },
		{ "foo", 3, "Zm9v" },
		{ "foob", 4, "Zm9vYg" },
		{ "fooba", 5, "Zm9vYmE" },
		{ "foobar", 6, "Zm9vYmFy" },
		{ "\xfb\xff", 2, "-_8" }, /* "+/8=" in standard base64 */
		{ "\x00\x00\x00", 3, "AAAA" },
		{ "\xff\xff\xff", 3, "____" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf out = STRBUF_INIT;
		strbuf_addstr(&out, "x:"); /* appends: what was there stays */
		token_base64url(&out, (const uint8_t *)cases[i].data, cases[i].len);
		unit_check_int(cases[i].want, strncmp(out.buf, "x:", 2), 0);
		unit_check_str(cases[i].want, out.buf + 2, cases[i].want);
		strbuf_release(&out);
	}
}

/* A fresh token is 43 base64url characters, well formed, different every time. */
static void test_new(void **state)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	(void)state;
	assert_int_equal(token_new(&a), 0);
	assert_int_equal(token_new(&b), 0);
	assert_int_equal(a.len, TOKEN_TEXT_LEN);
	assert_int_equal(b.len, TOKEN_TEXT_LEN);
	assert_true(token_well_formed(a.buf, a.len));
	assert_true(token_well_formed(b.buf, b.len));
	assert_string_not_equal(a.buf, b.buf);
	strbuf_release(&a);
	strbuf_release(&b);
}

/* token_new_hashed appends the text and gives the SHA-256 of exactly that text. */
static void test_new_hashed(void **state)
{
	struct strbuf out = STRBUF_INIT;
	uint8_t hash[SHA256_LEN], want[SHA256_LEN];
	(void)state;
	strbuf_addstr(&out, "prefix ");
	assert_int_equal(token_new_hashed(&out, hash), 0);
	assert_int_equal(out.len, 7 + TOKEN_TEXT_LEN);
	assert_memory_equal(out.buf, "prefix ", 7);
	sha256(out.buf + 7, TOKEN_TEXT_LEN, want);
	assert_memory_equal(hash, want, SHA256_LEN);
	token_hash(out.buf + 7, TOKEN_TEXT_LEN, want);
	assert_memory_equal(hash, want, SHA256_LEN);
	strbuf_release(&out);
}

/* What the database stores is the SHA-256 of the text: a known token, a known hash. */
static void test_hash(void **state)
{
	uint8_t h[SHA256_LEN];
	struct strbuf hex = STRBUF_INIT;
	(void)state;
	token_hash("abc", 3, h);
	for (size_t i = 0; i < SHA256_LEN; i++)
		strbuf_addf(&hex, "%02x", h[i]);
	assert_string_equal(hex.buf,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	strbuf_release(&hex);
}

static void test_well_formed(void **state)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_Z";
	static const struct {
		const char *s;
		bool want;
	} cases[] = {
		{ ok, true },
		{ "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_", false }, /* 42 */
		{ "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_ZZ", false }, /* 44 */
		{ "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123+_Z", false }, /* standard alphabet */
		{ "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-/Z", false },
		{ "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_=", false }, /* padding */
		{ "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123 _Z", false },
		{ "", false },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++)
		unit_check_int(cases[i].s, token_well_formed(cases[i].s, strlen(cases[i].s)),
			       cases[i].want);
	/* The length is what counts, not a NUL: a NUL inside is not in the alphabet. */
	char with_nul[TOKEN_TEXT_LEN];
	memcpy(with_nul, ok, TOKEN_TEXT_LEN);
	with_nul[10] = '\0';
	assert_false(token_well_formed(with_nul, TOKEN_TEXT_LEN));
}

static void test_equal(void **state)
{
	static const struct {
		const char *a, *b;
		size_t alen, blen;
		bool want;
	} cases[] = {
		{ "secret", "secret", 6, 6, true },
		{ "secret", "secreT", 6, 6, false },
		{ "secret", "Secret", 6, 6, false },
		{ "secret", "secrets", 6, 7, false }, /* a prefix is not equal */
		{ "secrets", "secret", 7, 6, false },
		{ "", "", 0, 0, true },
		{ "", "x", 0, 1, false },
		{ "a\0b", "a\0c", 3, 3, false }, /* bytes, not C strings */
		{ "a\0b", "a\0b", 3, 3, true },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		char label[64];
		snprintf(label, sizeof(label), "case %zu (%s)", i, cases[i].a);
		unit_check_int(label,
			       token_equal(cases[i].a, cases[i].alen, cases[i].b, cases[i].blen),
			       cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64url),   cmocka_unit_test(test_new),
		cmocka_unit_test(test_new_hashed),  cmocka_unit_test(test_hash),
		cmocka_unit_test(test_well_formed), cmocka_unit_test(test_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
