/* test_body.c: unit tests of lib/body.c: strict JSON bodies and the typed, bounded getters. */
#include "unit.h"

#include <limits.h>
#include <stdbool.h>

#include "body.h"

#define S(x) x, sizeof(x) - 1

/* API.md §1: one JSON object, valid UTF-8 without NUL, else invalid_json / invalid_encoding. */
static void test_parse_json(void **state)
{
	static const struct {
		const char *name;
		const char *text;
		size_t len;
		const char *code; /* "" accepted */
		const char *want; /* the object as json-c prints it (plain) */
	} cases[] = {
		{ "empty object", S("{}"), "", "{}" },
		{ "object", S("{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{\"d\":-2.5}}"), "",
		  "{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{\"d\":-2.5}}" },
		{ "white space around", S(" \t\r\n{ \"a\" : 1 }\r\n "), "", "{\"a\":1}" },
		{ "UTF-8 text", S("{\"a\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}"), "",
		  "{\"a\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}" },
		{ "escaped e acute", S("{\"a\":\"\\u00e9\"}"), "", "{\"a\":\"\xc3\xa9\"}" },
		{ "escaped surrogate pair", S("{\"a\":\"\\ud83d\\ude00\"}"), "",
		  "{\"a\":\"\xf0\x9f\x98\x80\"}" },
		{ "escaped backslash then u0000 text", S("{\"a\":\"\\\\u0000\"}"), "",
		  "{\"a\":\"\\\\u0000\"}" },
		{ "empty body", S(""), "invalid_json", NULL },
		{ "white space only", S(" \n"), "invalid_json", NULL },
		{ "array", S("[]"), "invalid_json", NULL },
		{ "array of object", S("[{}]"), "invalid_json", NULL },
		{ "number", S("5"), "invalid_json", NULL },
		{ "string", S("\"x\""), "invalid_json", NULL },
		{ "null", S("null"), "invalid_json", NULL },
		{ "true", S("true"), "invalid_json", NULL },
		{ "trailing garbage", S("{} x"), "invalid_json", NULL },
		{ "two objects", S("{}{}"), "invalid_json", NULL },
		{ "trailing NUL", S("{}\0"), "invalid_json", NULL },
		{ "unclosed", S("{\"a\":1"), "invalid_json", NULL },
		{ "missing value", S("{\"a\":}"), "invalid_json", NULL },
		{ "trailing comma", S("{\"a\":1,}"), "invalid_json", NULL },
		{ "comment", S("{/* c */}"), "invalid_json", NULL },
		{ "bare word", S("{\"a\":True}"), "invalid_json", NULL },
		{ "leading zero", S("{\"a\":01}"), "invalid_json", NULL },
		{ "form text", S("a=1&b=2"), "invalid_json", NULL },
		{ "invalid UTF-8 FF", S("{\"a\":\"\xff\"}"), "invalid_encoding", NULL },
		{ "overlong C0 AF", S("{\"a\":\"\xc0\xaf\"}"), "invalid_encoding", NULL },
		{ "overlong E0 80 80", S("{\"a\":\"\xe0\x80\x80\"}"), "invalid_encoding", NULL },
		{ "surrogate ED A0 80", S("{\"a\":\"\xed\xa0\x80\"}"), "invalid_encoding", NULL },
		{ "above U+10FFFF", S("{\"a\":\"\xf4\x90\x80\x80\"}"), "invalid_encoding", NULL },
		{ "truncated sequence", S("{\"a\":\"\xe2\x82\"}"), "invalid_encoding", NULL },
		{ "invalid UTF-8 in a key", S("{\"\xff\":1}"), "invalid_encoding", NULL },
		{ "invalid UTF-8 deep inside", S("{\"a\":[{\"b\":[\"\xc0\x80\"]}]}"),
		  "invalid_encoding", NULL },
		{ "\\u0000 in a value", S("{\"a\":\"x\\u0000y\"}"), "invalid_encoding", NULL },
		{ "\\u0000 in a key", S("{\"a\\u0000b\":1}"), "invalid_encoding", NULL },
		{ "\\u0000 as a whole key", S("{\"\\u0000\":1}"), "invalid_encoding", NULL },
		{ "\\u0000 after an escaped quote", S("{\"a\":\"\\\"\\u0000\"}"),
		  "invalid_encoding", NULL },
		{ "\\u0000 in an array", S("{\"a\":[\"\\u0000\"]}"), "invalid_encoding", NULL },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct http_response resp;
		struct json_object *obj = (struct json_object *)&obj; /* must be overwritten */
		http_response_init(&resp);
		int rc = body_parse_json(cases[i].text, cases[i].len, &obj, &resp);
		unit_check_result(cases[i].name, rc, &resp, *cases[i].code ? 400 : 0,
				  cases[i].code);
		unit_check_str(
			cases[i].name,
			obj ? json_object_to_json_string_ext(
				      obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
			    : NULL,
			cases[i].want);
		json_object_put(obj);
		http_response_release(&resp);
	}
}

/* An object whose nesting is depth containers: {"a":{"a":...}} or {"a":[[...]]}. */
static void nested(struct strbuf *sb, int depth, bool arrays)
{
	strbuf_addstr(sb, "{\"a\":");
	for (int i = 1; i < depth; i++)
		strbuf_addstr(sb, arrays ? "[" : "{\"a\":");
	strbuf_addch(sb, '1');
	for (int i = 1; i < depth; i++)
		strbuf_addch(sb, arrays ? ']' : '}');
	strbuf_addch(sb, '}');
}

/* API.md §1: JSON nesting deeper than 32 is 400 invalid_json; 32 itself is fine. */
static void test_parse_json_depth(void **state)
{
	static const struct {
		int depth;
		bool arrays;
		const char *code;
	} cases[] = {
		{ 1, false, "" },
		{ 2, true, "" },
		{ 31, false, "" },
		{ 31, true, "" },
		{ BODY_MAX_DEPTH, false, "" },
		{ BODY_MAX_DEPTH, true, "" },
		{ 33, false, "invalid_json" },
		{ 33, true, "invalid_json" },
		{ 200, false, "invalid_json" },
		{ 10000, true, "invalid_json" },
	};
	(void)state;
	assert_int_equal(BODY_MAX_DEPTH, 32);
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf text = STRBUF_INIT;
		struct http_response resp;
		struct json_object *obj;
		char label[48];
		snprintf(label, sizeof(label), "depth %d (%s)", cases[i].depth,
			 cases[i].arrays ? "arrays" : "objects");
		http_response_init(&resp);
		nested(&text, cases[i].depth, cases[i].arrays);
		int rc = body_parse_json(text.buf, text.len, &obj, &resp);
		unit_check_result(label, rc, &resp, *cases[i].code ? 400 : 0, cases[i].code);
		unit_check(label, (obj != NULL) == !rc);
		json_object_put(obj);
		http_response_release(&resp);
		strbuf_release(&text);
	}
}

/*
 * The same with an empty innermost container, which json-c's own limit lets one level deeper
 * (fuzz_json found {"a":...{}...} 33 deep accepted): 32 containers are fine, 33 are not.
 */
static void test_parse_json_depth_empty_innermost(void **state)
{
	(void)state;
	for (int depth = 31; depth <= 34; depth++) {
		struct strbuf text = STRBUF_INIT;
		struct http_response resp;
		struct json_object *obj;
		char label[48];
		snprintf(label, sizeof(label), "depth %d, innermost {}", depth);
		http_response_init(&resp);
		for (int i = 1; i < depth; i++)
			strbuf_addstr(&text, "{\"a\":");
		strbuf_addstr(&text, "{}");
		for (int i = 1; i < depth; i++)
			strbuf_addch(&text, '}');
		int rc = body_parse_json(text.buf, text.len, &obj, &resp);
		unit_check_result(label, rc, &resp, depth <= BODY_MAX_DEPTH ? 0 : 400,
				  depth <= BODY_MAX_DEPTH ? "" : "invalid_json");
		json_object_put(obj);
		http_response_release(&resp);
		strbuf_release(&text);
	}
}

/*
 * Make x's request carry a body: JSON text (form false), or a form-encoded body (form true).
 * Fails the test when the body itself is refused.
 */
static void with_body(struct unit_exchange *x, bool form, const char *text)
{
	int rc =
		unit_post(x, form ? "application/x-www-form-urlencoded" : "application/json", text);
	unit_check_int(text, rc, 0);
}

/* The invalid params recorded so far as "name:reason:message;..." ("" for none). */
static void describe_invalid(const struct http_response *resp, struct strbuf *out)
{
	size_t n = resp->invalid_params ? json_object_array_length(resp->invalid_params) : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(resp->invalid_params, i), *v;
		strbuf_addstr(out, i ? ";" : "");
		json_object_object_get_ex(p, "name", &v);
		strbuf_addf(out, "%s:", json_object_get_string(v));
		json_object_object_get_ex(p, "reason", &v);
		strbuf_addf(out, "%s:", json_object_get_string(v));
		json_object_object_get_ex(p, "message", &v);
		strbuf_addstr(out, json_object_get_string(v));
	}
}

/* A body {"f": unit repeated count times} when unit is set, else {"f": json} (json NULL: {}). */
static void string_body(struct strbuf *sb, const char *unit, int count, const char *json)
{
	if (!unit) {
		strbuf_addf(sb, json ? "{\"f\":%s}" : "{}", json);
		return;
	}
	strbuf_addstr(sb, "{\"f\":\"");
	for (int i = 0; i < count; i++)
		strbuf_addstr(sb, unit);
	strbuf_addstr(sb, "\"}");
}

/* body_string counts code points, not bytes (API.md §5: text is 1–300 code points). */
static void test_string(void **state)
{
	static const struct {
		const char *name;
		const char *unit;
		int count;
		const char *json;
		bool required;
		size_t min, max;
		size_t bytes; /* length of the value when accepted */
		const char *invalid; /* "" when nothing is recorded */
	} cases[] = {
		{ "300 x a", "a", 300, NULL, true, 1, 300, 300, "" },
		{ "301 x a", "a", 301, NULL, true, 1, 300, 0,
		  "f:too_long:301 chars entered. Max is 300." },
		{ "300 x e acute", "\xc3\xa9", 300, NULL, true, 1, 300, 600, "" },
		{ "301 x e acute", "\xc3\xa9", 301, NULL, true, 1, 300, 0,
		  "f:too_long:301 chars entered. Max is 300." },
		{ "300 x euro", "\xe2\x82\xac", 300, NULL, true, 1, 300, 900, "" },
		{ "300 x emoji", "\xf0\x9f\x98\x80", 300, NULL, true, 1, 300, 1200, "" },
		{ "301 x emoji", "\xf0\x9f\x98\x80", 301, NULL, true, 1, 300, 0,
		  "f:too_long:301 chars entered. Max is 300." },
		{ "300 x escaped e acute", "\\u00e9", 300, NULL, true, 1, 300, 600, "" },
		{ "one of one", "x", 1, NULL, true, 1, 1, 1, "" },
		{ "too short", "ab", 1, NULL, true, 3, 10, 0,
		  "f:too_short:2 chars entered. Min is 3." },
		{ "empty string", "", 1, NULL, true, 1, 10, 0,
		  "f:missing:0 chars entered. Min is 1." },
		{ "empty string allowed", "", 1, NULL, false, 0, 10, 0, "" },
		{ "number", NULL, 0, "5", true, 0, 10, 0, "f:not_a_string:f must be a string" },
		{ "boolean", NULL, 0, "true", false, 0, 10, 0,
		  "f:not_a_string:f must be a string" },
		{ "array", NULL, 0, "[\"x\"]", true, 0, 10, 0,
		  "f:not_a_string:f must be a string" },
		{ "object", NULL, 0, "{}", true, 0, 10, 0, "f:not_a_string:f must be a string" },
		{ "null, required", NULL, 0, "null", true, 0, 10, 0, "f:missing:f is required" },
		{ "null, optional", NULL, 0, "null", false, 0, 10, 0, "" },
		{ "absent, required", NULL, 0, NULL, true, 0, 10, 0, "f:missing:f is required" },
		{ "absent, optional", NULL, 0, NULL, false, 0, 10, 0, "" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct unit_exchange x;
		struct strbuf text = STRBUF_INIT, invalid = STRBUF_INIT;
		size_t len = 12345;
		string_body(&text, cases[i].unit, cases[i].count, cases[i].json);
		with_body(&x, false, text.buf);
		const char *s = body_string(&x.req, &x.resp, "f", cases[i].required, cases[i].min,
					    cases[i].max, &len);
		describe_invalid(&x.resp, &invalid);
		unit_check_str(cases[i].name, invalid.buf, cases[i].invalid);
		bool accepted = cases[i].bytes || (cases[i].unit && !*cases[i].invalid);
		unit_check_int(cases[i].name, s != NULL, accepted);
		if (s) {
			unit_check_int(cases[i].name, len, cases[i].bytes);
			unit_check_int(cases[i].name, strlen(s), cases[i].bytes);
		}
		strbuf_release(&text);
		strbuf_release(&invalid);
		unit_exchange_release(&x);
	}
}

/*
 * body_int: JSON integers in range, and strings of decimal digits (form bodies are all text, and
 * the original clients' form-built JSON carries ids as strings): signed only in form bodies.
 */
static void test_int(void **state)
{
	static const struct {
		bool form;
		const char *value; /* JSON text or form-encoded text of field f; NULL: absent */
		bool required;
		long long min, max;
		long long want;
		const char *reason; /* NULL: accepted */
	} cases[] = {
		{ false, "5", true, 1, 10, 5, NULL },
		{ false, "1", true, 1, 10, 1, NULL },
		{ false, "10", true, 1, 10, 10, NULL },
		{ false, "0", true, 1, 10, 0, "out_of_range" },
		{ false, "11", true, 1, 10, 0, "out_of_range" },
		{ false, "-5", true, -10, 10, -5, NULL },
		{ false, "-0", true, 0, 0, 0, NULL },
		{ false, "9223372036854775807", true, 0, LLONG_MAX, LLONG_MAX, NULL },
		{ false, "9223372036854775808", true, 0, LLONG_MAX, 0, "out_of_range" },
		{ false, "99999999999999999999", true, 0, LLONG_MAX, 0, "out_of_range" },
		{ false, "99999999999999999999", true, 1, 10, 0, "out_of_range" },
		{ false, "-9223372036854775808", true, LLONG_MIN, 0, LLONG_MIN, NULL },
		{ false, "-99999999999999999999", true, 1, 10, 0, "out_of_range" },
		{ false, "1.5", true, 0, 10, 0, "not_an_integer" },
		{ false, "1.0", true, 0, 10, 0, "not_an_integer" },
		{ false, "1e3", true, 0, 10000, 0, "not_an_integer" },
		{ false, "\"5\"", true, 0, 10, 5, NULL },
		{ false, "\"3\"", true, 1, LLONG_MAX, 3, NULL },
		{ false, "\"007\"", true, 1, 10, 7, NULL },
		{ false, "\"0\"", true, 1, 10, 0, "out_of_range" },
		{ false, "\"99999999999999999999\"", true, 1, LLONG_MAX, 0, "out_of_range" },
		{ false, "\"-5\"", true, -10, 10, 0, "not_an_integer" },
		{ false, "\"+5\"", true, 1, 10, 0, "not_an_integer" },
		{ false, "\" 5\"", true, 1, 10, 0, "not_an_integer" },
		{ false, "\"5 \"", true, 1, 10, 0, "not_an_integer" },
		{ false, "\"5x\"", true, 1, 10, 0, "not_an_integer" },
		{ false, "\"5.0\"", true, 1, 10, 0, "not_an_integer" },
		{ false, "\"\"", true, 1, 10, 0, "not_an_integer" },
		{ false, "true", true, 0, 10, 0, "not_an_integer" },
		{ false, "[5]", true, 0, 10, 0, "not_an_integer" },
		{ false, "null", true, 0, 10, 0, "missing" },
		{ false, "null", false, 0, 10, 0, "" },
		{ false, NULL, true, 0, 10, 0, "missing" },
		{ false, NULL, false, 0, 10, 0, "" },
		{ true, "5", true, 1, 10, 5, NULL },
		{ true, "007", true, 1, 10, 7, NULL },
		{ true, "-3", true, -5, 5, -3, NULL },
		{ true, "11", true, 1, 10, 0, "out_of_range" },
		{ true, "9223372036854775807", true, 0, LLONG_MAX, LLONG_MAX, NULL },
		{ true, "99999999999999999999", true, 0, LLONG_MAX, 0, "out_of_range" },
		{ true, "-99999999999999999999", true, LLONG_MIN, 0, 0, "out_of_range" },
		{ true, "5x", true, 1, 10, 0, "not_an_integer" },
		{ true, "", true, 0, 10, 0, "not_an_integer" },
		{ true, "-", true, -10, 10, 0, "not_an_integer" },
		{ true, "+5", true, 1, 10, 0, "not_an_integer" },
		{ true, "%205", true, 1, 10, 0, "not_an_integer" },
		{ true, "5%20", true, 1, 10, 0, "not_an_integer" },
		{ true, "0x5", true, 1, 10, 0, "not_an_integer" },
		{ true, "1.0", true, 0, 10, 0, "not_an_integer" },
		{ true, NULL, true, 0, 10, 0, "missing" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct unit_exchange x;
		struct strbuf text = STRBUF_INIT, label = STRBUF_INIT;
		long long got = 12345;
		strbuf_addf(&label, "%s f=%s in [%lld, %lld]", cases[i].form ? "form" : "json",
			    cases[i].value ? cases[i].value : "(absent)", cases[i].min,
			    cases[i].max);
		if (cases[i].form)
			strbuf_addf(&text, "%s%s", cases[i].value ? "f=" : "other=1",
				    cases[i].value ? cases[i].value : "");
		else
			string_body(&text, NULL, 0, cases[i].value);
		with_body(&x, cases[i].form, text.buf);
		bool ok = body_int(&x.req, &x.resp, "f", cases[i].required, cases[i].min,
				   cases[i].max, &got);
		unit_check_int(label.buf, ok, cases[i].reason == NULL);
		if (ok)
			unit_check_int(label.buf, got, cases[i].want);
		else
			unit_check_int(label.buf, got, 12345); /* untouched on failure */
		const char *reason = "";
		struct json_object *p, *v;
		if (x.resp.invalid_params) {
			unit_check_int(label.buf, json_object_array_length(x.resp.invalid_params),
				       1);
			p = json_object_array_get_idx(x.resp.invalid_params, 0);
			json_object_object_get_ex(p, "reason", &v);
			reason = json_object_get_string(v);
		}
		if (cases[i].reason)
			unit_check_str(label.buf, reason, cases[i].reason);
		strbuf_release(&text);
		strbuf_release(&label);
		unit_exchange_release(&x);
	}
}

/* No mass assignment: fields a handler does not name are recorded as unknown_field. */
static void test_allow_only(void **state)
{
	static const char *const profile[] = { "email", "desc_markup", NULL };
	static const char *const none[] = { NULL };
	static const struct {
		const char *name;
		bool form;
		const char *body; /* NULL: no body */
		const char *const *fields;
		const char *invalid;
	} cases[] = {
		{ "known fields", false, "{\"email\":\"a@b.c\",\"desc_markup\":\"hi\"}", profile,
		  "" },
		{ "a subset", false, "{\"email\":\"a@b.c\"}", profile, "" },
		{ "empty object", false, "{}", profile, "" },
		{ "no body", false, NULL, profile, "" },
		{ "unknown fields", false,
		  "{\"email\":\"a@b.c\",\"user_status\":\"active\",\"role\":1}", profile,
		  "user_status:unknown_field:user_status is not a field here;"
		  "role:unknown_field:role is not a field here" },
		{ "no fields allowed", false, "{\"x\":1}", none,
		  "x:unknown_field:x is not a field here" },
		{ "credentials inside the JSON are not fields either", false,
		  "{\"email\":\"a@b.c\",\"user_name\":\"jr\",\"user_id\":\"3\",\"session_id\":"
		  "\"s\",\"User_name\":1}",
		  profile, "User_name:unknown_field:User_name is not a field here" },
		{ "form credentials are not fields", true,
		  "email=a%40b.c&role=admin&user_name=jr&user_id=3&session_id=s", profile,
		  "role:unknown_field:role is not a field here" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct unit_exchange x;
		struct strbuf invalid = STRBUF_INIT;
		if (cases[i].body) {
			with_body(&x, cases[i].form, cases[i].body);
		} else {
			unit_check_int(cases[i].name, unit_parse_head(&x, "PUT", "/api/v1/users"),
				       0);
		}
		body_allow_only(&x.req, &x.resp, cases[i].fields);
		describe_invalid(&x.resp, &invalid);
		unit_check_str(cases[i].name, invalid.buf, cases[i].invalid);
		unit_check_int(cases[i].name, resp_validation_result(&x.resp),
			       *cases[i].invalid ? 422 : 0);
		strbuf_release(&invalid);
		unit_exchange_release(&x);
	}
}

static void test_has(void **state)
{
	struct unit_exchange x;
	(void)state;
	assert_int_equal(unit_parse_head(&x, "GET", "/api/v1/"), 0);
	assert_false(body_has(&x.req, "a"));
	unit_exchange_release(&x);
	with_body(&x, false, "{\"a\":null,\"b\":0,\"c\":\"\"}");
	assert_true(body_has(&x.req, "a"));
	assert_true(body_has(&x.req, "b"));
	assert_true(body_has(&x.req, "c"));
	assert_false(body_has(&x.req, "d"));
	assert_false(body_has(&x.req, "A"));
	unit_exchange_release(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_json),
		cmocka_unit_test(test_parse_json_depth),
		cmocka_unit_test(test_parse_json_depth_empty_innermost),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_allow_only),
		cmocka_unit_test(test_has),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
