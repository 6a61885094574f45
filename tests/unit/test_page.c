/* test_page.c: unit tests of lib/page.c's parsing: cursors, pages and offsets to bounds, in range;
 * order= terms. */
#include "unit.h"

#include <stdbool.h>
#include <string.h>

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

struct param_case {
	const char *query;
	long long path_page; /* /page/N in the path, 0 when absent */
	int status;
	const char *code;
	long long per_page, page, offset, limit;
};

/* API.md §5.1: page size, page number (path or query) and their limits; the default size is 20. */
static const struct param_case param_cases[] = {
	{ "", 0, 0, "", 20, 1, 0, 21 },
	{ "per_page=5", 0, 0, "", 5, 1, 0, 6 },
	{ "limit=7", 0, 0, "", 7, 1, 0, 8 },
	{ "per_page=7&limit=7", 0, 0, "", 7, 1, 0, 8 },
	{ "per_page=100", 0, 0, "", 100, 1, 0, 101 },
	{ "page=2", 0, 0, "", 20, 2, 20, 21 },
	{ "", 3, 0, "", 20, 3, 40, 21 },
	{ "page=3", 3, 0, "", 20, 3, 40, 21 },
	{ "page=3&per_page=10", 0, 0, "", 10, 3, 20, 11 },
	{ "page=500", 0, 0, "", 20, 500, 9980, 21 }, /* the last page inside the window */
	{ "page=100&per_page=100", 0, 0, "", 100, 100, 9900, 101 },
	{ "page=501", 0, 400, "result_window_too_large", 0, 0, 0, 0 },
	{ "page=101&per_page=100", 0, 400, "result_window_too_large", 0, 0, 0, 0 },
	{ "", 10001, 400, "result_window_too_large", 0, 0, 0, 0 },
	{ "per_page=7&limit=8", 0, 400, "duplicate_parameter", 0, 0, 0, 0 },
	{ "page=4", 3, 400, "duplicate_parameter", 0, 0, 0, 0 },
	{ "per_page=0", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "per_page=101", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "limit=0", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "per_page=", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "per_page=+5", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "per_page=-5", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "per_page=%205", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "per_page=5x", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "per_page=0x10", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "page=0", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "page=two", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "page=2&before=5", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "after=5", 2, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "before=5&after=3", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	/* Other parameters are not the pager's business. */
	{ "q=x&per_page=3&sort=new", 0, 0, "", 3, 1, 0, 4 },
	/* API.md §12: offset instead of a page, inside the window; page 0 means no page number. */
	{ "offset=0", 0, 0, "", 20, 0, 0, 21 },
	{ "offset=7&per_page=5", 0, 0, "", 5, 0, 7, 6 },
	{ "offset=9980", 0, 0, "", 20, 0, 9980, 21 },
	{ "offset=9900&limit=100", 0, 0, "", 100, 0, 9900, 101 },
	{ "offset=9981", 0, 400, "result_window_too_large", 0, 0, 0, 0 },
	{ "offset=9901&per_page=100", 0, 400, "result_window_too_large", 0, 0, 0, 0 },
	{ "offset=" MAX, 0, 400, "result_window_too_large", 0, 0, 0, 0 },
	{ "offset=9223372036854775808", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "offset=-1", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "offset=", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "offset=ten", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "offset=5&page=1", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "offset=5", 2, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "offset=5&before=9", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "offset=0&after=9", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "total=true", 0, 0, "", 20, 1, 0, 21 },
	{ "total=false&offset=3", 0, 0, "", 20, 0, 3, 21 },
	{ "total=maybe", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "total=", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
	{ "total=TRUE", 0, 400, "invalid_query_parameter", 0, 0, 0, 0 },
};

static void test_page_params(void **state)
{
	(void)state;
	struct strbuf uri = STRBUF_INIT;
	for (size_t k = 0; k < UNIT_ARRAY_SIZE(param_cases); k++) {
		const struct param_case *c = &param_cases[k];
		struct unit_exchange x;
		struct page p;
		char label[160];
		snprintf(label, sizeof(label), "?%s (path page %lld)", c->query, c->path_page);
		strbuf_reset(&uri);
		strbuf_addf(&uri, UNIT_BASE "/messages?%s", c->query);
		unit_check_int(label, unit_parse_head(&x, "GET", uri.buf), 0);
		int rc = page_parse(&x.req, &x.resp, c->path_page, 20, true, &p);
		unit_check_result(label, rc, &x.resp, c->status, c->code);
		if (!c->status) {
			unit_check_int(label, p.per_page, c->per_page);
			unit_check_int(label, p.page, c->page);
			unit_check_int(label, p.offset, c->offset);
			unit_check_int(label, p.limit, c->limit);
			unit_check(label, !p.backward && p.bound == INT64_MAX);
			unit_check(label, p.by_offset == (strstr(c->query, "offset=") != NULL));
			unit_check(label, p.total == (strstr(c->query, "total=true") != NULL));
		} else if (strstr(c->query, "offset=") || strstr(c->query, "total=")) {
			/* The new parameters' 400s name them in invalid_params (API.md §12). */
			struct json_object *first =
				json_object_array_get_idx(x.resp.invalid_params, 0);
			struct json_object *name = NULL;
			unit_check(label, first && json_object_object_get_ex(first, "name", &name));
			unit_check_str(label, json_object_get_string(name),
				       strstr(c->query, "total=") ? "total" : "offset");
		}
		unit_exchange_release(&x);
	}
	strbuf_release(&uri);
}

/*
 * Version 0's whole list: from the start of the list's order (oldest first unless order= says
 * otherwise), no cursor or offset, no limit that could cut it.
 */
static void test_page_all(void **state)
{
	(void)state;
	for (int newest_first = 0; newest_first < 2; newest_first++) {
		struct unit_exchange x;
		struct page p;
		assert_int_equal(unit_parse_head(&x, "GET",
						 newest_first ? UNIT_BASE "/messages?offset=5"
							      : UNIT_BASE
							 "/messages?after=5&per_page=3"),
				 0);
		assert_int_equal(page_parse(&x.req, &x.resp, 0, 20, newest_first, &p), 0);
		page_all(&p);
		assert_true(p.newest_first == newest_first);
		assert_false(p.backward || p.by_offset);
		assert_int_equal(p.page, 1);
		assert_int_equal(p.before, 0);
		assert_int_equal(p.after, 0);
		assert_true(p.bound == (newest_first ? INT64_MAX : 0));
		assert_int_equal(p.offset, 0);
		assert_true(p.limit == INT64_MAX && p.per_page == INT64_MAX - 1);
		unit_exchange_release(&x);
	}
}

struct order_case {
	const char *value;
	size_t n; /* terms; 0: refused */
	const char *terms; /* what was read, as "field desc|field asc" */
};

/* API.md §12: order=field.direction[,field.direction], asc when left out. */
static const struct order_case order_cases[] = {
	{ "created_at", 1, "created_at asc" },
	{ "created_at.asc", 1, "created_at asc" },
	{ "created_at.desc", 1, "created_at desc" },
	{ "last_message_at.desc,created_at", 2, "last_message_at desc|created_at asc" },
	{ "a.asc,b.desc", 2, "a asc|b desc" },
	/* Which fields exist is the list's business, not the parser's. */
	{ "message_text.desc", 1, "message_text desc" },
	{ "", 0, NULL },
	{ ",", 0, NULL },
	{ "created_at,", 0, NULL },
	{ ",created_at", 0, NULL },
	{ ".asc", 0, NULL },
	{ "created_at.", 0, NULL },
	{ "created_at.up", 0, NULL },
	{ "created_at.ASC", 0, NULL },
	{ "created_at.asc.desc", 0, NULL },
	{ "created_at.descending", 0, NULL },
	{ "created_at.des", 0, NULL },
	{ "created_at.asc,created_at.desc", 0, NULL },
	{ "created_at,created_at", 0, NULL },
	{ "a,b,c", 0, NULL },
};

static void test_order_parse(void **state)
{
	(void)state;
	for (size_t k = 0; k < UNIT_ARRAY_SIZE(order_cases); k++) {
		const struct order_case *c = &order_cases[k];
		struct page_order_term terms[PAGE_MAX_ORDER_TERMS];
		struct strbuf got = STRBUF_INIT;
		const char *why;
		size_t n = page_order_parse(c->value, strlen(c->value), terms, &why);
		unit_check_int(c->value, n, c->n);
		unit_check(c->value, n ? why == NULL : why != NULL);
		for (size_t i = 0; i < n; i++)
			strbuf_addf(&got, "%s%.*s %s", i ? "|" : "", (int)terms[i].len,
				    terms[i].field, terms[i].desc ? "desc" : "asc");
		if (n)
			unit_check_str(c->value, got.buf, c->terms);
		strbuf_release(&got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_parse),
		cmocka_unit_test(test_page_params),
		cmocka_unit_test(test_page_all),
		cmocka_unit_test(test_order_parse),
	};
	conf_defaults(); /* the keys the requests read */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
