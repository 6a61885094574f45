/* test_validate.c: unit tests of lib/validate.c: user names and e-mail addresses (API.md §4.1). */
#include "unit.h"

#include <stdbool.h>

#include "validate.h"

/* A string of n copies of c, then tail (static: one at a time). */
static const char *run(char c, size_t n, const char *tail)
{
	static char buf[600];
	assert_true(n + strlen(tail) < sizeof(buf));
	memset(buf, c, n);
	memcpy(buf + n, tail, strlen(tail) + 1);
	return buf;
}

static void test_user_name(void **state)
{
	static const struct {
		const char *s;
		bool want;
	} cases[] = {
		{ "a", true },
		{ "Alice_99", true },
		{ "_", true },
		{ "0", true },
		{ "", false },
		{ "a-b", false },
		{ "a b", false },
		{ "a.b", false },
		{ "al\xc3\xaf"
		  "ce",
		  false },
		{ "a@b", false },
		{ "a/b", false },
		{ "a\tb", false },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++)
		unit_check_int(cases[i].s, validate_user_name(cases[i].s, strlen(cases[i].s)),
			       cases[i].want);
	const char *max = run('x', USER_NAME_MAX, "");
	unit_check_int("30 characters", validate_user_name(max, strlen(max)), true);
	const char *over = run('x', USER_NAME_MAX + 1, "");
	unit_check_int("31 characters", validate_user_name(over, strlen(over)), false);
	/* The length given is the name: a NUL inside is a character, and not a valid one. */
	unit_check_int("NUL inside", validate_user_name("ab\0c", 4), false);
	unit_check_int("prefix only", validate_user_name("ab-", 2), true);
}

static void test_reserved(void **state)
{
	static const struct {
		const char *s;
		bool want;
	} cases[] = {
		{ "login", true },   { "LOGIN", true },	    { "Password", true },
		{ "tokens", true },  { "session", true },   { "activate", true },
		{ "Kinglet", true }, { "logins", false },   { "log", false },
		{ "alice", false },  { "sessions", false }, { "", false },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++)
		unit_check_int(cases[i].s, validate_user_name_reserved(cases[i].s), cases[i].want);
}

static void test_email(void **state)
{
	static const struct {
		const char *s;
		bool want;
	} cases[] = {
		{ "a@b.co", true },
		{ "first.last@example.com", true },
		{ "a+tag@mail.example.org", true },
		{ "o'hara!#$%&*/=?^_`{|}~-@example.com", true },
		{ "a@b.c", true }, /* any top-level domain length */
		{ "a@xn--bcher-kva.example", true },
		{ "a@b-c.d-e", true }, /* inner hyphens */
		{ "a@123.45", true },
		{ "", false },
		{ "a", false },
		{ "@b.co", false }, /* empty local part */
		{ "a@", false },
		{ "a@b", false }, /* one label */
		{ "a@@b.co", false },
		{ "a@b@c.co", false },
		{ ".a@b.co", false }, /* dot-atom: no dot first, last or twice */
		{ "a.@b.co", false },
		{ "a..b@b.co", false },
		{ "a b@b.co", false },
		{ "\"a\"@b.co", false }, /* no quoted local parts */
		{ "a@.b.co", false },
		{ "a@b..co", false },
		{ "a@b.co.", false },
		{ "a@-b.co", false },
		{ "a@b-.co", false },
		{ "a@b_c.co", false },
		{ "a@[127.0.0.1]", false },
		{ "\xc3\xa4@b.co", false }, /* ASCII only */
		{ "a@b\xc3\xa4.co", false },
		{ "a\r\n@b.co", false },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++)
		unit_check_int(cases[i].s, validate_email(cases[i].s, strlen(cases[i].s)),
			       cases[i].want);
	unit_check_int("NUL inside", validate_email("a@b.co\0x", 8), false);
	unit_check_int("length given", validate_email("a@b.co@", 6), true);
}

/* The limits: a 64-character local part, 63-character labels, 254 characters in all. */
static void test_email_lengths(void **state)
{
	struct strbuf s = STRBUF_INIT;
	(void)state;
	const char *local = run('l', 64, "@example.com");
	unit_check_int("local part of 64", validate_email(local, strlen(local)), true);
	local = run('l', 65, "@example.com");
	unit_check_int("local part of 65", validate_email(local, strlen(local)), false);
	const char *label = run('d', 63, ".com");
	strbuf_addf(&s, "a@%s", label);
	unit_check_int("label of 63", validate_email(s.buf, s.len), true);
	strbuf_reset(&s);
	label = run('d', 64, ".com");
	strbuf_addf(&s, "a@%s", label);
	unit_check_int("label of 64", validate_email(s.buf, s.len), false);
	/* 254 in all: "a@" and labels of 50 with their dots, then a last one to fill. */
	strbuf_reset(&s);
	strbuf_addstr(&s, "a@");
	while (s.len + 51 < EMAIL_MAX)
		strbuf_addf(&s, "%s.", run('d', 50, ""));
	strbuf_addstr(&s, run('e', EMAIL_MAX - s.len, ""));
	unit_check_int("254 characters", s.len, EMAIL_MAX);
	unit_check_int("254 characters", validate_email(s.buf, s.len), true);
	strbuf_addch(&s, 'e');
	unit_check_int("255 characters", validate_email(s.buf, s.len), false);
	strbuf_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_name),
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_email_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
