/* test_strvec.c: unit tests of lib/strvec.c: copies, order, the NULL end, growth, clearing. */
#include "unit.h"

#include "strvec.h"

/* v holds exactly want[0..n-1], in order, then NULL. */
static void check_items(const char *label, const struct strvec *sv, const char *const *want,
			size_t n)
{
	unit_check_int(label, sv->nr, n);
	unit_check(label, sv->v != NULL);
	for (size_t i = 0; i < n; i++)
		unit_check_str(label, sv->v[i], want[i]);
	unit_check(label, sv->v[n] == NULL);
}

static void test_init_is_empty(void **state)
{
	struct strvec a = STRVEC_INIT, b;
	(void)state;
	strvec_init(&b);
	check_items("STRVEC_INIT", &a, NULL, 0);
	check_items("strvec_init", &b, NULL, 0);
	/* Clearing an untouched vector frees nothing and leaves the shared { NULL } alone. */
	strvec_clear(&a);
	strvec_clear(&a);
	assert_ptr_equal(a.v, strvec_empty);
	assert_null(strvec_empty[0]);
}

/* The vector keeps its own copy: the caller may reuse or free what it pushed. */
static void test_push_copies(void **state)
{
	static const char *const want[] = { "ann", "", "bob" };
	struct strvec sv = STRVEC_INIT;
	char name[8] = "ann";
	(void)state;
	const char *got = strvec_push(&sv, name);
	assert_ptr_equal(got, sv.v[0]);
	assert_ptr_not_equal(got, name);
	memcpy(name, "zed", 4);
	strvec_push(&sv, "");
	char *heap = xstrdup("bob");
	strvec_push(&sv, heap);
	free(heap);
	check_items("copies", &sv, want, 3);
	strvec_clear(&sv);
	check_items("cleared", &sv, NULL, 0);
}

/* Across the growth steps every string stays where it was pushed, and v stays NULL-ended. */
static void test_growth(void **state)
{
	static const size_t counts[] = { 1, 6, 7, 8, 9, 15, 16, 17, 1000 };
	(void)state;
	for (size_t c = 0; c < UNIT_ARRAY_SIZE(counts); c++) {
		struct strvec sv = STRVEC_INIT;
		char label[32], item[32];
		snprintf(label, sizeof(label), "%zu strings", counts[c]);
		for (size_t i = 0; i < counts[c]; i++) {
			snprintf(item, sizeof(item), "name%zu", i);
			strvec_push(&sv, item);
			unit_check(label, sv.v[sv.nr] == NULL);
			unit_check(label, sv.nr < sv.alloc);
		}
		unit_check_int(label, sv.nr, counts[c]);
		for (size_t i = 0; i < counts[c]; i++) {
			snprintf(item, sizeof(item), "name%zu", i);
			unit_check_str(label, sv.v[i], item);
		}
		strvec_clear(&sv);
		check_items(label, &sv, NULL, 0);
	}
}

/* A cleared vector is as new: it can be filled again. */
static void test_reuse_after_clear(void **state)
{
	static const char *const want[] = { "kinglet", "carol" };
	struct strvec sv = STRVEC_INIT;
	(void)state;
	strvec_push(&sv, "old");
	strvec_clear(&sv);
	strvec_push(&sv, "kinglet");
	strvec_push(&sv, "carol");
	check_items("reused", &sv, want, 2);
	strvec_clear(&sv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_empty),
		cmocka_unit_test(test_push_copies),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_reuse_after_clear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
