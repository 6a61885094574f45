/* test_wire.c: unit tests of lib/wire.c: version 0's strings, letters, names and mention links. */
#include "unit.h"

#include "conf.h"
#include "render.h"
#include "wire.h"

static void check_json(const char *label, struct json_object *v, const char *want)
{
	unit_check_str(label, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), want);
	json_object_put(v);
}

static void test_values(void **state)
{
	(void)state;
	check_json("id v1", wire_int(1, 36), "36");
	check_json("id v0", wire_int(WIRE_V0, 36), "\"36\"");
	check_json("zero v0", wire_int(WIRE_V0, 0), "\"0\"");
	check_json("flag v1", wire_true(1), "true");
	check_json("flag v0", wire_true(WIRE_V0), "\"true\"");
	unit_check_str("active v0", wire_status(WIRE_V0, "active"), "o");
	unit_check_str("pending v0", wire_status(WIRE_V0, "pending"), "p");
	unit_check_str("deleted v0", wire_status(WIRE_V0, "deleted"), "d");
	unit_check_str("approved v0", wire_status(WIRE_V0, "approved"), "approved");
	unit_check_str("active v1", wire_status(1, "active"), "active");
}

static void test_names(void **state)
{
	static const struct {
		const char *names;
		char sep;
		const char *want;
	} cases[] = {
		{ "alice bob carol", ' ', " alice bob carol " },
		{ "alice bob carol", '|', "|alice|bob|carol|" },
		{ "jr", '|', "|jr|" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf sb = STRBUF_INIT;
		wire_v0_names(&sb, cases[i].names, cases[i].sep);
		unit_check_str(cases[i].want, sb.buf, cases[i].want);
		strbuf_release(&sb);
	}
}

/* The stored HTML's mention links (render_text under /api/v1/users) go to api.v0_user_link. */
static void test_html(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "hi @bob", "hi <a href=\"/user/bob\" title=\"bob\">@bob</a>" },
		{ "@a @b_2, see www.x.org",
		  "<a href=\"/user/a\" title=\"a\">@a</a> <a href=\"/user/b_2\" "
		  "title=\"b_2\">@b_2</a>, see <a href=\"http://www.x.org\" "
		  "title=\"http://www.x.org\">www.x.org</a>" },
		/* Typed text cannot forge an anchor: it arrives escaped. */
		{ "<a href=\"/api/v1/users/x\">", "&lt;a href=&quot;/api/v1/users/x&quot;&gt;" },
		{ "no mention", "no mention" },
		{ "", "" },
	};
	(void)state;
	conf_defaults();
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf stored = STRBUF_INIT, sb = STRBUF_INIT;
		render_text(&stored, cases[i].text, strlen(cases[i].text), "/api/v1/users");
		wire_v0_html(&sb, stored.buf, stored.len);
		unit_check_str(cases[i].text, sb.buf ? sb.buf : "", cases[i].want);
		strbuf_release(&stored);
		strbuf_release(&sb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_html),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
