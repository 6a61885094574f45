/* test_utf8.c: unit tests of lib/utf8.c: the strict validator (Unicode Table 3-7) and counting. */
#include "unit.h"

#include <stdbool.h>

#include "utf8.h"

/* S(x): a byte string literal with its length, NULs included. */
#define S(x) x, sizeof(x) - 1

static const struct {
	const char *name;
	const char *bytes;
	size_t len;
	bool valid;
} validity[] = {
	{ "empty", S(""), true },
	{ "ascii", S("Hello, world! ~\x7f"), true },
	{ "U+0080 first two-byte", S("\xc2\x80"), true },
	{ "U+00E9 e acute", S("\xc3\xa9"), true },
	{ "U+07FF last two-byte", S("\xdf\xbf"), true },
	{ "U+0800 first three-byte", S("\xe0\xa0\x80"), true },
	{ "U+20AC euro", S("\xe2\x82\xac"), true },
	{ "U+D7FF before surrogates", S("\xed\x9f\xbf"), true },
	{ "U+E000 after surrogates", S("\xee\x80\x80"), true },
	{ "U+FFFD replacement", S("\xef\xbf\xbd"), true },
	{ "U+FFFF noncharacter", S("\xef\xbf\xbf"), true },
	{ "U+10000 first four-byte", S("\xf0\x90\x80\x80"), true },
	{ "U+1F600 emoji", S("\xf0\x9f\x98\x80"), true },
	{ "U+10FFFF last", S("\xf4\x8f\xbf\xbf"), true },
	{ "mixed", S("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z"), true },

	{ "NUL alone", S("\0"), false },
	{ "NUL inside", S("a\0b"), false },
	{ "NUL at end", S("ab\0"), false },
	{ "overlong NUL C0 80", S("\xc0\x80"), false },
	{ "overlong slash C0 AF", S("\xc0\xaf"), false },
	{ "overlong C1 BF", S("\xc1\xbf"), false },
	{ "overlong NUL E0 80 80", S("\xe0\x80\x80"), false },
	{ "overlong U+07FF E0 9F BF", S("\xe0\x9f\xbf"), false },
	{ "overlong NUL F0 80 80 80", S("\xf0\x80\x80\x80"), false },
	{ "overlong U+FFFF F0 8F BF BF", S("\xf0\x8f\xbf\xbf"), false },
	{ "surrogate U+D800 ED A0 80", S("\xed\xa0\x80"), false },
	{ "surrogate U+DBFF ED AF BF", S("\xed\xaf\xbf"), false },
	{ "surrogate U+DC00 ED B0 80", S("\xed\xb0\x80"), false },
	{ "surrogate U+DFFF ED BF BF", S("\xed\xbf\xbf"), false },
	{ "surrogate pair (CESU-8)", S("\xed\xa0\xbd\xed\xb8\x80"), false },
	{ "U+110000 F4 90 80 80", S("\xf4\x90\x80\x80"), false },
	{ "F5 lead", S("\xf5\x80\x80\x80"), false },
	{ "F8 five-byte lead", S("\xf8\x88\x80\x80\x80"), false },
	{ "FC six-byte lead", S("\xfc\x84\x80\x80\x80\x80"), false },
	{ "FE", S("\xfe"), false },
	{ "FF", S("\xff"), false },
	{ "lone continuation 80", S("\x80"), false },
	{ "lone continuation BF", S("a\xbf"), false },
	{ "extra continuation", S("\xc3\xa9\xa9"), false },
	{ "truncated two-byte", S("\xc3"), false },
	{ "truncated two-byte then ascii", S("\xc3\x41"), false },
	{ "truncated three-byte", S("\xe2\x82"), false },
	{ "truncated three-byte then ascii", S("\xe2\x82\x41"), false },
	{ "three-byte bad middle", S("\xe2\x41\xac"), false },
	{ "truncated four-byte", S("\xf0\x9f\x98"), false },
	{ "four-byte bad last", S("\xf0\x9f\x98\x41"), false },
	{ "truncated at end of text", S("ok\xf0\x9f"), false },
};

static void test_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(validity); i++)
		unit_check_int(validity[i].name, utf8_valid(validity[i].bytes, validity[i].len),
			       validity[i].valid);
}

/* The validator honours len: bytes after it are not looked at, and a cut sequence is invalid. */
static void test_valid_respects_length(void **state)
{
	static const char text[] = "a\xc3\xa9\xff";
	(void)state;
	assert_true(utf8_valid(text, 0));
	assert_true(utf8_valid(text, 1));
	assert_false(utf8_valid(text, 2));
	assert_true(utf8_valid(text, 3));
	assert_false(utf8_valid(text, 4));
}

static void test_length(void **state)
{
	static const struct {
		const char *name;
		const char *bytes;
		size_t len;
		size_t chars;
	} cases[] = {
		{ "empty", S(""), 0 },
		{ "ascii", S("abc"), 3 },
		{ "e acute", S("\xc3\xa9"), 1 },
		{ "euro euro", S("\xe2\x82\xac\xe2\x82\xac"), 2 },
		{ "emoji", S("\xf0\x9f\x98\x80"), 1 },
		{ "mixed", S("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z"), 5 },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++)
		unit_check_int(cases[i].name, utf8_length(cases[i].bytes, cases[i].len),
			       cases[i].chars);
}

/* Errors quote what was sent, cut anywhere: every byte outside a well-formed sequence is '?'. */
static void test_scrub(void **state)
{
	static const struct {
		const char *name;
		const char *bytes;
		size_t len;
		const char *want;
	} cases[] = {
		{ "empty", S(""), "" },
		{ "valid text stays", S("caf\xc3\xa9 \xf0\x9f\x98\x80"),
		  "caf\xc3\xa9 \xf0\x9f\x98\x80" },
		{ "cut at the end", S("ab\xc3"), "ab?" },
		{ "cut four-byte at the end", S("ab\xf0\x9f\x98"), "ab???" },
		{ "overlong slash", S("\xc0\xaf"), "??" },
		{ "surrogate", S("\xed\xa0\x80"), "???" },
		{ "lone continuation", S("a\x80\x62"), "a?b" },
		{ "Latin-1", S("caf\xe9"), "caf?" },
		{ "NUL", S("a\0b"), "a?b" },
		{ "lead byte then a valid sequence", S("\xe2\xc3\xa9"), "?\xc3\xa9" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		char buf[16];
		memcpy(buf, cases[i].bytes, cases[i].len);
		buf[cases[i].len] = '\0';
		utf8_scrub(buf, cases[i].len);
		unit_check_str(cases[i].name, buf, cases[i].want);
		unit_check(cases[i].name, utf8_valid(buf, cases[i].len));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_valid_respects_length),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_scrub),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
