/* test_format.c: unit tests of lib/format.c: the .csv suffix, and Accept asking for CSV. */
#include "unit.h"

#include "format.h"

static void test_strip_csv(void **state)
{
	static const struct {
		const char *seg;
		bool stripped;
		const char *left;
	} cases[] = {
		{ "messages.csv", true, "messages" },
		{ "7.csv", true, "7" },
		{ "5x.csv", true, "5x" },
		{ "a.csv.csv", true, "a.csv" },
		{ ".csv", false, ".csv" },
		{ "csv", false, "csv" },
		{ "messages.CSV", false, "messages.CSV" },
		{ "messages.csvx", false, "messages.csvx" },
		{ "messages", false, "messages" },
		{ "", false, "" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		char seg[32];
		snprintf(seg, sizeof(seg), "%s", cases[i].seg);
		unit_check_int(cases[i].seg, format_strip_csv(seg), cases[i].stripped);
		unit_check_str(cases[i].seg, seg, cases[i].left);
	}
}

static void test_accepts_csv(void **state)
{
	static const struct {
		const char *accept;
		bool csv;
	} cases[] = {
		{ NULL, false },
		{ "", false },
		{ "text/csv", true },
		{ "TEXT/CSV", true },
		{ "text/csv; charset=utf-8", true },
		{ " text/csv ;q=0.9", true },
		{ "text/csv;q=0", false },
		{ "text/csv;q=0.000", false },
		{ "text/csv;q=bad", false },
		{ "text/csv;q=2", false },
		{ "application/json, text/csv", true },
		{ "application/json;q=0.9, text/csv", true },
		{ "text/csv;q=0.5, application/json", false },
		{ "application/json", false },
		{ "*/*", false },
		{ "text/*", false },
		{ "text/csvx", false },
		{ "text/plain, text/csv;q=0.1", true },
		{ ",,text/csv,,", true },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++)
		unit_check_int(cases[i].accept ? cases[i].accept : "(none)",
			       format_accepts_csv(cases[i].accept), cases[i].csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strip_csv),
		cmocka_unit_test(test_accepts_csv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
