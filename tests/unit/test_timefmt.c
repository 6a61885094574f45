/* test_timefmt.c: unit tests of lib/timefmt.c: ISO-8601 times and Kinglet's "N mins ago". */
#include "unit.h"

#include "timefmt.h"

#define NOW ((time_t)1795442919) /* 2026-11-23T14:08:39Z */

static void test_iso8601(void **state)
{
	static const struct {
		long long t;
		const char *want;
	} cases[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ -1, "1969-12-31T23:59:59Z" },
		{ 951782400, "2000-02-29T00:00:00Z" },
		{ 1795442919, "2026-11-23T14:08:39Z" },
		{ 1793664000, "2026-11-03T00:00:00Z" },
		{ 2147483648LL, "2038-01-19T03:14:08Z" },
		{ 253402300799LL, "9999-12-31T23:59:59Z" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addstr(&sb, "at "); /* appends, never overwrites */
		time_iso8601(&sb, (time_t)cases[i].t);
		unit_check_str(cases[i].want, sb.buf + 3, cases[i].want);
		unit_check_int(cases[i].want, sb.len, 3 + 20);
		strbuf_release(&sb);
	}
}

/* API.md §3: "N mins ago" / "N hrs ago" under 24 hours, then the date ("Nov 23, 2026"). */
static void test_human(void **state)
{
	static const struct {
		long long then; /* seconds relative to NOW (age = -then), or an absolute time */
		int relative;
		const char *want;
	} cases[] = {
		{ 0, 1, "0 mins ago" },
		{ -59, 1, "0 mins ago" },
		{ -60, 1, "1 min ago" },
		{ -119, 1, "1 min ago" },
		{ -120, 1, "2 mins ago" },
		{ -3599, 1, "59 mins ago" },
		{ -3600, 1, "1 hr ago" },
		{ -7199, 1, "1 hr ago" },
		{ -7200, 1, "2 hrs ago" },
		{ -86399, 1, "23 hrs ago" },
		{ -86400, 1, "Nov 22, 2026" },
		{ 30, 1, "0 mins ago" }, /* a clock a little ahead is "just now", not negative */
		{ 1793664000, 0, "Nov 03, 2026" }, /* two-digit day, as the original Kinglet */
		{ 1767225600, 0, "Jan 01, 2026" },
		{ 1767225599, 0, "Dec 31, 2025" },
		{ 1709251199, 0, "Feb 29, 2024" },
		{ 0, 0, "Jan 01, 1970" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf sb = STRBUF_INIT;
		time_t then = (time_t)(cases[i].relative ? NOW + cases[i].then : cases[i].then);
		time_human(&sb, then, NOW);
		unit_check_str(cases[i].want, sb.buf, cases[i].want);
		strbuf_release(&sb);
	}
}

/* time_json_add: both forms of one time under the caller's keys, the human one optional. */
static void test_json_add(void **state)
{
	static const struct {
		long long t; /* absolute, or seconds before now when recent */
		int recent;
		const char *human_key;
		const char *want_human; /* NULL: no human key */
	} cases[] = {
		{ 1376006400, 0, "created_date", "Aug 09, 2013" },
		{ 150, 1, "created_date", "2 mins ago" },
		{ 3 * 3600 + 30, 1, "last_message_date", "3 hrs ago" },
		{ 1376006400, 0, NULL, NULL },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct json_object *o = json_object_new_object(), *v;
		struct strbuf iso = STRBUF_INIT;
		time_t t = (time_t)(cases[i].recent ? time(NULL) - cases[i].t : cases[i].t);
		const char *label = cases[i].want_human ? cases[i].want_human : "(no human key)";
		time_iso8601(&iso, t);
		time_json_add(o, "created_at", cases[i].human_key, t);
		unit_check(label, json_object_object_get_ex(o, "created_at", &v));
		unit_check_str(label, json_object_get_string(v), iso.buf);
		unit_check_int(label, json_object_object_length(o), cases[i].human_key ? 2 : 1);
		if (cases[i].human_key) {
			unit_check(label, json_object_object_get_ex(o, cases[i].human_key, &v));
			unit_check_str(label, json_object_get_string(v), cases[i].want_human);
		}
		json_object_put(o);
		strbuf_release(&iso);
	}
}

/* API.md §10: version 0's list dates count seconds first; one message has the time of day. */
static void test_v0(void **state)
{
	static const struct {
		long long age;
		const char *want;
	} ago[] = {
		{ 0, "0 secs ago" },	   { 1, "1 secs ago" },	  { 59, "59 secs ago" },
		{ 60, "1 min ago" },	   { 119, "1 min ago" },  { 120, "2 mins ago" },
		{ 3600, "1 hr ago" },	   { 7200, "2 hrs ago" }, { 86399, "23 hrs ago" },
		{ 86400, "Nov 22, 2026" }, { -30, "0 secs ago" },
	};
	static const struct {
		long long t;
		const char *want;
	} at[] = {
		{ 1389981834, "Jan 17, 2014 at 06:03:54 PM" },
		{ 1389916800, "Jan 17, 2014 at 12:00:00 AM" },
		{ 1389960000, "Jan 17, 2014 at 12:00:00 PM" },
		{ 1389963599, "Jan 17, 2014 at 12:59:59 PM" },
		{ 1793664000, "Nov 03, 2026 at 12:00:00 AM" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(ago); i++) {
		struct strbuf sb = STRBUF_INIT;
		time_v0_ago(&sb, (time_t)(NOW - ago[i].age), NOW);
		unit_check_str(ago[i].want, sb.buf, ago[i].want);
		strbuf_release(&sb);
	}
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(at); i++) {
		struct strbuf sb = STRBUF_INIT;
		time_v0_at(&sb, (time_t)at[i].t);
		unit_check_str(at[i].want, sb.buf, at[i].want);
		strbuf_reset(&sb);
		time_date(&sb, (time_t)at[i].t);
		unit_check_int(at[i].want, sb.len, 12);
		unit_check(at[i].want, !strncmp(sb.buf, at[i].want, 12));
		strbuf_release(&sb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso8601),
		cmocka_unit_test(test_human),
		cmocka_unit_test(test_json_add),
		cmocka_unit_test(test_v0),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
