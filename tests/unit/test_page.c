/* test_page.c: unit tests of lib/page.c's parsing: cursors and pages to bounds, in range. */
#include "unit.h"

#include <stdbool.h>

#include "conf.h"
#include "page.h"

#define MAX "9223372036854775807"

struct page_case {
	const char *query;
	bool newest_first;
	int status;
	const char *code;
	bool backward;
	long long bound, offset, resume;
};

/*
 * API.md §5.1: a cursor is 1 to 2^63-1, on either kind of list, and nothing computed from it may
 * overflow (the UBSan build aborts on that; here the values must come out saturated, not wrapped).
 */
static const struct page_case page_cases[] = {
	{ "", true, 0, "", false, INT64_MAX, 0, 0 },
	{ "", false, 0, "", false, 0, 0, 0 },
	{ "page=3&per_page=10", true, 0, "", false, INT64_MAX, 20, 0 },
	{ "before=" MAX, true, 0, "", false, INT64_MAX, 0, INT64_MAX - 1 },
	{ "after=" MAX, true, 0, "", true, INT64_MAX, 0, INT64_MAX },
	{ "before=1", true, 0, "", false, 1, 0, 0 },
	{ "after=1", true, 0, "", true, 1, 0, 1 },
	{ "before=" MAX, false, 0, "", true, INT64_MAX, 0, INT64_MAX },
	{ "after=" MAX, false, 0, "", false, INT64_MAX, 0, INT64_MAX },
	{ "after=" MAX "&per_page=100", false, 0, "", false, INT64_MAX, 0, INT64_MAX },
	{ "before=1", false, 0, "", true, 1, 0, 1 },
	{ "after=1", false, 0, "", false, 1, 0, 2 },
	{ "after=9223372036854775806", false, 0, "", false, INT64_MAX - 1, 0, INT64_MAX },
	{ "after=9223372036854775808", false, 400, "invalid_query_parameter", false, 0, 0, 0 },
	{ "before=0", true, 400, "invalid_query_parameter", false, 0, 0, 0 },
	{ "page=" MAX, true, 400, "result_window_too_large", false, 0, 0, 0 },
	{ "page=" MAX "&per_page=1", false, 400, "result_window_too_large", false, 0, 0, 0 },
	{ "page=9223372036854775808", false, 400, "invalid_query_parameter", false, 0, 0, 0 },
};

static void test_page_parse(void **state)
{
	(void)state;
	struct strbuf uri = STRBUF_INIT;
	for (size_t k = 0; k < UNIT_ARRAY_SIZE(page_cases); k++) {
		const struct page_case *c = &page_cases[k];
		struct unit_exchange x;
		struct page p;
		char label[160];
		snprintf(label, sizeof(label), "?%s (%s first)", c->query,
			 c->newest_first ? "newest" : "oldest");
		strbuf_reset(&uri);
		strbuf_addf(&uri, UNIT_BASE "/messages?%s", c->query);
		unit_check_int(label, unit_parse_head(&x, "GET", uri.buf), 0);
		int rc = page_parse(&x.req, &x.resp, 0, 20, c->newest_first, &p);
		unit_check_result(label, rc, &x.resp, c->status, c->code);
		if (!c->status) {
			unit_check(label, p.backward == c->backward);
			unit_check_int(label, p.bound, c->bound);
			unit_check_int(label, p.offset, c->offset);
			unit_check_int(label, p.resume, c->resume);
		}
		unit_exchange_release(&x);
	}
	strbuf_release(&uri);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_parse),
	};
	conf_defaults(); /* the keys the requests read */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
