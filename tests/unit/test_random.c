/* test_random.c: unit tests of lib/random.c: kernel random bytes and UUIDv4 request ids. */
#include "unit.h"

#include <stdbool.h>

#include "random.h"

static void test_bytes(void **state)
{
	static const size_t sizes[] = { 0, 1, 16, 32, 256, 257, 100000 };
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];
		unsigned char *a = xcalloc(n + 1, 1), *b = xcalloc(n + 1, 1);
		char label[32];
		snprintf(label, sizeof(label), "%zu bytes", n);
		a[n] = b[n] = 0xA5; /* canary: nothing written past len */
		unit_check_int(label, random_bytes(a, n), 0);
		unit_check_int(label, random_bytes(b, n), 0);
		unit_check_int(label, a[n], 0xA5);
		/* Two draws of 16 bytes or more colliding means the source is broken. */
		if (n >= 16)
			unit_check(label, memcmp(a, b, n) != 0);
		free(a);
		free(b);
	}
}

/* 100000 bytes from a uniform source contain every byte value (missing one: p < 1e-160). */
static void test_bytes_cover_every_value(void **state)
{
	enum { N = 100000 };
	unsigned char *buf = xmalloc(N);
	bool seen[256] = { false };
	(void)state;
	assert_int_equal(random_bytes(buf, N), 0);
	for (size_t i = 0; i < N; i++)
		seen[buf[i]] = true;
	for (int v = 0; v < 256; v++)
		assert_true(seen[v]);
	free(buf);
}

static int compare_ids(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx in lower-case hex, all distinct. */
static void test_uuid(void **state)
{
	enum { N = 1000 };
	static char ids[N][37];
	(void)state;
	for (int i = 0; i < N; i++) {
		char *id = ids[i];
		memset(id, 'Z', 37);
		assert_int_equal(random_uuid(id), 0);
		assert_int_equal(strlen(id), 36);
		for (int k = 0; k < 36; k++) {
			char c = id[k];
			if (k == 8 || k == 13 || k == 18 || k == 23)
				assert_int_equal(c, '-');
			else
				assert_true((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
		}
		assert_int_equal(id[14], '4');
		assert_non_null(strchr("89ab", id[19]));
	}
	qsort(ids, N, sizeof(ids[0]), compare_ids);
	for (int i = 1; i < N; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_bytes_cover_every_value),
		cmocka_unit_test(test_uuid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
