/* test_strbuf.c: unit tests of lib/strbuf.c: growth, formatting, ownership, the x* allocators. */
#include "unit.h"

/* The buffer is a C string of exactly len bytes and has room for it. */
static void check_invariants(const char *label, const struct strbuf *sb)
{
	unit_check(label, sb->buf != NULL);
	unit_check(label, sb->buf[sb->len] == '\0');
	unit_check(label, sb->alloc == 0 ? sb->len == 0 : sb->len < sb->alloc);
}

static void test_init_is_empty_string(void **state)
{
	struct strbuf a = STRBUF_INIT, b;
	(void)state;
	strbuf_init(&b, 0);
	assert_ptr_equal(a.buf, strbuf_slopbuf);
	assert_ptr_equal(b.buf, strbuf_slopbuf);
	assert_string_equal(a.buf, "");
	assert_int_equal(a.len, 0);
	assert_int_equal(a.alloc, 0);
	/* Resetting or releasing an untouched buffer must not write to the shared "". */
	strbuf_reset(&a);
	strbuf_release(&a);
	strbuf_release(&a);
	assert_int_equal(strbuf_slopbuf[0], '\0');
	assert_ptr_equal(a.buf, strbuf_slopbuf);
}

static void test_init_hint_allocates(void **state)
{
	static const size_t hints[] = { 1, 63, 64, 65, 1000, 100000 };
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(hints); i++) {
		struct strbuf sb;
		char label[32];
		snprintf(label, sizeof(label), "hint %zu", hints[i]);
		strbuf_init(&sb, hints[i]);
		unit_check(label, sb.alloc > hints[i]);
		unit_check(label, sb.buf != strbuf_slopbuf);
		check_invariants(label, &sb);
		strbuf_release(&sb);
	}
}

/* Appending chunk count times gives count copies, across the growth steps from 64 bytes. */
static void test_growth(void **state)
{
	static const struct {
		const char *chunk;
		size_t count;
	} cases[] = {
		{ "x", 1 },
		{ "x", 63 },
		{ "x", 64 },
		{ "x", 65 },
		{ "ab", 32 },
		{ "abc", 1000 },
		{ "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", 3 },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf sb = STRBUF_INIT;
		size_t clen = strlen(cases[i].chunk);
		char label[64];
		snprintf(label, sizeof(label), "%zu x '%.8s'", cases[i].count, cases[i].chunk);
		for (size_t k = 0; k < cases[i].count; k++) {
			strbuf_addstr(&sb, cases[i].chunk);
			check_invariants(label, &sb);
		}
		unit_check_int(label, sb.len, clen * cases[i].count);
		for (size_t k = 0; k < sb.len; k++)
			unit_check(label, sb.buf[k] == cases[i].chunk[k % clen]);
		strbuf_release(&sb);
	}
}

static void test_add_keeps_nul_bytes(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	strbuf_add(&sb, "a\0b", 3);
	strbuf_addch(&sb, '\0');
	strbuf_addch(&sb, 'c');
	strbuf_add(&sb, "ignored", 0);
	assert_int_equal(sb.len, 5);
	assert_memory_equal(sb.buf, "a\0b\0c", 6);
	strbuf_release(&sb);
}

static void test_addf(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char big[1001];
	(void)state;
	strbuf_addf(&sb, "%d-%s", 42, "x");
	assert_string_equal(sb.buf, "42-x");
	strbuf_addf(&sb, "%s", "");
	assert_string_equal(sb.buf, "42-x");
	/* Longer than the first guess: the formatting is redone after growing. */
	memset(big, 'y', 1000);
	big[1000] = '\0';
	strbuf_addf(&sb, "[%s]%zu", big, sizeof(big));
	assert_int_equal(sb.len, 4 + 1 + 1000 + 1 + 4);
	assert_memory_equal(sb.buf, "42-x[yyy", 8);
	assert_string_equal(sb.buf + sb.len - 5, "]1001");
	check_invariants("addf", &sb);
	strbuf_release(&sb);
}

static void test_reset_and_setlen(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	strbuf_addstr(&sb, "hello world");
	size_t alloc = sb.alloc;
	char *buf = sb.buf;
	strbuf_setlen(&sb, 5);
	assert_string_equal(sb.buf, "hello");
	strbuf_reset(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.alloc, alloc); /* memory kept for reuse */
	assert_ptr_equal(sb.buf, buf);
	strbuf_addstr(&sb, "again");
	assert_string_equal(sb.buf, "again");
	strbuf_release(&sb);
	assert_ptr_equal(sb.buf, strbuf_slopbuf);
	assert_int_equal(sb.len + sb.alloc, 0);
}

static void test_detach(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = 99;
	(void)state;
	/* An empty buffer still hands out memory the caller may free. */
	char *s = strbuf_detach(&sb, &len);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	assert_ptr_not_equal(s, strbuf_slopbuf);
	free(s);

	strbuf_addstr(&sb, "kept");
	s = strbuf_detach(&sb, &len);
	assert_string_equal(s, "kept");
	assert_int_equal(len, 4);
	assert_ptr_equal(sb.buf, strbuf_slopbuf);
	assert_int_equal(sb.len + sb.alloc, 0);
	free(s);

	strbuf_addstr(&sb, "no length");
	s = strbuf_detach(&sb, NULL);
	assert_string_equal(s, "no length");
	free(s);
}

static void test_allocators(void **state)
{
	(void)state;
	char *p = xmemdupz("ab\0cd", 5);
	assert_memory_equal(p, "ab\0cd\0", 6);
	free(p);
	p = xmemdupz(NULL, 0);
	assert_string_equal(p, "");
	free(p);
	p = xstrdup("copy");
	assert_string_equal(p, "copy");
	free(p);
	/* Zero-size requests give distinct, freeable memory rather than NULL. */
	void *a = xmalloc(0), *b = xcalloc(0, 0);
	assert_non_null(a);
	assert_non_null(b);
	a = xrealloc(a, 0);
	assert_non_null(a);
	free(a);
	free(b);
	int *z = xcalloc(16, sizeof(int));
	for (int i = 0; i < 16; i++)
		assert_int_equal(z[i], 0);
	free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_empty_string),
		cmocka_unit_test(test_init_hint_allocates),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_add_keeps_nul_bytes),
		cmocka_unit_test(test_addf),
		cmocka_unit_test(test_reset_and_setlen),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_allocators),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
