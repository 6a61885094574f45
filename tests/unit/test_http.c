/* test_http.c: unit tests of lib/http.c: path, query and body decoding, request ids, responses. */
#include "unit.h"

#include <stdbool.h>
#include <strings.h>

#include "body.h"
#include "conf.h"
#include "db.h"
#include "router.h"

/* Segments joined with '|', and query parameters as decoded "name=value" joined with '&'. */
static void describe(const struct http_request *req, struct strbuf *segs, struct strbuf *query)
{
	for (size_t i = 0; i < req->nsegs; i++)
		strbuf_addf(segs, "%s%s", i ? "|" : "", req->segs[i]);
	for (size_t i = 0; i < req->query.n; i++)
		strbuf_addf(query, "%s%s=%s", i ? "&" : "", req->query.items[i].name,
			    req->query.items[i].value);
}

static void test_percent_decode(void **state)
{
	static const struct {
		const char *in;
		bool plus;
		int rc;
		const char *out;
		size_t out_len;
	} cases[] = {
		{ "abc", false, 0, "abc", 3 },
		{ "", false, 0, "", 0 },
		{ "%41%4a%4A", false, 0, "AJJ", 3 },
		{ "caf%C3%A9", false, 0, "caf\xc3\xa9", 5 },
		{ "a+b", true, 0, "a b", 3 },
		{ "a+b", false, 0, "a+b", 3 },
		{ "a%2Bb", true, 0, "a+b", 3 },
		/* decoding is not validation: callers reject the NUL */
		{ "%00", false, 0, "\0", 1 },
		{ "%zz", false, -1, NULL, 0 },
		{ "%4", false, -1, NULL, 0 },
		{ "%", false, -1, NULL, 0 },
		{ "ab%", false, -1, NULL, 0 },
		{ "%%41", false, -1, NULL, 0 },
		{ "%4g", false, -1, NULL, 0 },
		{ "% 41", false, -1, NULL, 0 },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf out = STRBUF_INIT;
		int rc = http_percent_decode(&out, cases[i].in, strlen(cases[i].in), cases[i].plus);
		unit_check_int(cases[i].in, rc, cases[i].rc);
		if (!rc) {
			unit_check_int(cases[i].in, out.len, cases[i].out_len);
			unit_check(cases[i].in, !memcmp(out.buf, cases[i].out, out.len));
		}
		strbuf_release(&out);
	}
	/* len bounds the input, not a NUL: an escape cut by it is malformed. */
	struct strbuf out = STRBUF_INIT;
	assert_int_equal(http_percent_decode(&out, "%41", 2, false), -1);
	assert_int_equal(http_percent_decode(&out, "a%41", 3, false), -1);
	strbuf_reset(&out);
	assert_int_equal(http_percent_decode(&out, "ab+%41", 2, true), 0);
	assert_string_equal(out.buf, "ab");
	strbuf_release(&out);
}

/* API.md §1: paths decoded per segment, one trailing slash allowed, the query string parsed. */
static void test_parse_head(void **state)
{
	static const struct {
		const char *uri;
		int status;
		const char *code;
		const char *segs, *query;
	} cases[] = {
		{ "/api/v1", 0, "", "", "" },
		{ "/api/v1/", 0, "", "", "" },
		{ "/api/v1?x=1", 0, "", "", "x=1" },
		{ "/api/v1/messages/5", 0, "", "messages|5", "" },
		{ "/api/v1/messages/5/", 0, "", "messages|5", "" },
		{ "/api/v1/messages/5?a=1", 0, "", "messages|5", "a=1" },
		{ "/api/v1/messages/5/?user_name=jr&user_id=3&session_id=abc", 0, "", "messages|5",
		  "user_name=jr&user_id=3&session_id=abc" },
		{ "/api/v1/users/J%C3%A9", 0, "", "users|J\xc3\xa9", "" },
		/* '+' is only a space in queries */
		{ "/api/v1/users/a+b", 0, "", "users|a+b", "" },
		{ "/api/v1/users/a%20b", 0, "", "users|a b", "" },
		{ "/api/v1/messages/5%3Fa=1", 0, "", "messages|5?a=1", "" },
		/* empty segments are nothing, as in the original (its web client's logout//) */
		{ "/api/v1/messages//5", 0, "", "messages|5", "" },
		{ "/api/v1/users/jr/logout//", 0, "", "users|jr|logout", "" },
		{ "/api/v1//users///jr//?a=1", 0, "", "users|jr", "a=1" },
		{ "/api/v1//", 0, "", "", "" },
		{ "/api/v1/users//a%2Fb", 400, "invalid_path_parameter", NULL, NULL },
		{ "/api/v1/users/a%2Fb", 400, "invalid_path_parameter", NULL, NULL },
		{ "/api/v1/users/a%2fb", 400, "invalid_path_parameter", NULL, NULL },
		{ "/api/v1/users/%2F", 400, "invalid_path_parameter", NULL, NULL },
		{ "/api/v1/users/%zz", 400, "invalid_path_parameter", NULL, NULL },
		{ "/api/v1/users/%4", 400, "invalid_path_parameter", NULL, NULL },
		{ "/api/v1/users/%4/x", 400, "invalid_path_parameter", NULL, NULL },
		{ "/api/v1/users/abc%", 400, "invalid_path_parameter", NULL, NULL },
		{ "/api/v1/users/%FF", 400, "invalid_encoding", NULL, NULL },
		{ "/api/v1/users/%C0%AF", 400, "invalid_encoding", NULL, NULL },
		{ "/api/v1/users/%ED%A0%80", 400, "invalid_encoding", NULL, NULL },
		{ "/api/v1/users/%F4%90%80%80", 400, "invalid_encoding", NULL, NULL },
		{ "/api/v1/users/a%00b", 400, "invalid_encoding", NULL, NULL },
		{ "/api/v1/users/%C3", 400, "invalid_encoding", NULL, NULL },
		{ "/api/v2/messages", 404, "not_found", NULL, NULL },
		{ "/api/v1x", 404, "not_found", NULL, NULL },
		{ "/api/v1x/messages", 404, "not_found", NULL, NULL },
		{ "/api", 404, "not_found", NULL, NULL },
		{ "/", 404, "not_found", NULL, NULL },
		{ "", 404, "not_found", NULL, NULL },
		{ NULL, 404, "not_found", NULL, NULL },
		{ "/api/v1/messages?q=hello+world%21", 0, "", "messages", "q=hello world!" },
		{ "/api/v1/messages?q=a%2Bb", 0, "", "messages", "q=a+b" },
		{ "/api/v1/messages?a%20b=c", 0, "", "messages", "a b=c" },
		{ "/api/v1/messages?a=x=y", 0, "", "messages", "a=x=y" },
		{ "/api/v1/messages?a=b?c", 0, "", "messages", "a=b?c" },
		{ "/api/v1/messages?", 0, "", "messages", "" },
		{ "/api/v1/messages?a&b=", 0, "", "messages", "a=&b=" },
		{ "/api/v1/messages?&a=1&&b=2&", 0, "", "messages", "a=1&b=2" },
		{ "/api/v1/messages?a=1&a=1", 0, "", "messages", "a=1" },
		{ "/api/v1/messages?a=1&b=2&a=1", 0, "", "messages", "a=1&b=2" },
		{ "/api/v1/messages?a=1&a=2", 400, "duplicate_parameter", NULL, NULL },
		{ "/api/v1/messages?a=1&a=", 400, "duplicate_parameter", NULL, NULL },
		{ "/api/v1/messages?user_name=jr&user_name=JR", 400, "duplicate_parameter", NULL,
		  NULL },
		{ "/api/v1/messages?a=%FF", 400, "invalid_encoding", NULL, NULL },
		{ "/api/v1/messages?a=%C0%AF", 400, "invalid_encoding", NULL, NULL },
		{ "/api/v1/messages?a=%00", 400, "invalid_encoding", NULL, NULL },
		{ "/api/v1/messages?%FF=1", 400, "invalid_encoding", NULL, NULL },
		{ "/api/v1/messages?a=%zz", 400, "invalid_query_parameter", NULL, NULL },
		{ "/api/v1/messages?a=%4", 400, "invalid_query_parameter", NULL, NULL },
		{ "/api/v1/messages?=1", 400, "invalid_query_parameter", NULL, NULL },
		{ "/api/v1/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16", 0, "",
		  "1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16", "" },
		{ "/api/v1/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/", 0, "",
		  "1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16", "" },
		{ "/api/v1/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17", 404, "not_found", NULL,
		  NULL },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct unit_exchange x;
		struct strbuf segs = STRBUF_INIT, query = STRBUF_INIT;
		const char *label = cases[i].uri ? cases[i].uri : "(no REQUEST_URI)";
		int rc = unit_parse_head(&x, "GET", cases[i].uri);
		unit_check_result(label, rc, &x.resp, cases[i].status, cases[i].code);
		if (!rc) {
			describe(&x.req, &segs, &query);
			unit_check_str(label, segs.buf, cases[i].segs);
			unit_check_str(label, query.buf, cases[i].query);
		}
		strbuf_release(&segs);
		strbuf_release(&query);
		unit_exchange_release(&x);
	}
}

static void test_parse_head_method_and_raw_path(void **state)
{
	static const struct {
		const char *method, *want;
		bool head;
	} cases[] = {
		{ NULL, "GET", false },	  { "", "GET", false },		 { "GET", "GET", false },
		{ "HEAD", "HEAD", true }, { "DELETE", "DELETE", false },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct unit_exchange x;
		const char *label = cases[i].method ? cases[i].method : "(none)";
		unit_check_int(label, unit_parse_head(&x, cases[i].method, "/api/v1/u/J%C3%A9?a=1"),
			       0);
		unit_check_str(label, x.req.method, cases[i].want);
		unit_check_int(label, x.req.is_head, cases[i].head);
		/* The log shows the path as sent, still encoded and without the query. */
		unit_check_str(label, x.req.path.buf, "/api/v1/u/J%C3%A9");
		unit_exchange_release(&x);
	}
}

/* A method outside RFC 9110's (and PATCH) is 501 on any path, as lighttpd answers it: Apache and
 * nginx pass any token on. Methods are case-sensitive. */
static void test_parse_head_unknown_method(void **state)
{
	static const struct {
		const char *method;
		int status;
	} cases[] = {
		{ "BREW", 501 }, { "get", 501 },   { "PROPFIND", 501 }, { "Post", 501 },
		{ "PATCH", 0 },	 { "OPTIONS", 0 }, { "TRACE", 0 },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct unit_exchange x;
		int rc = unit_parse_head(&x, cases[i].method, "/api/v1/time");
		unit_check_result(cases[i].method, rc, &x.resp, cases[i].status,
				  cases[i].status ? "not_implemented" : "");
		unit_exchange_release(&x);
	}
}

/* The query string n parameters long: p0=0&p1=1&..., then extra. */
static void many_params(struct strbuf *q, int n, const char *extra)
{
	for (int i = 0; i < n; i++)
		strbuf_addf(q, "%sp%d=%d", i ? "&" : "", i, i);
	strbuf_addstr(q, extra);
}

/* More than HTTP_MAX_PARAMS (256) distinct parameters is 400; repeats of one do not count. */
static void test_param_limit(void **state)
{
	static const struct {
		int n;
		const char *extra;
		int status;
		const char *code;
		size_t count;
	} cases[] = {
		{ 256, "", 0, "", 256 },
		{ 256, "&p0=0&p255=255", 0, "", 256 },
		{ 257, "", 400, "invalid_query_parameter", 0 },
		{ 300, "", 400, "invalid_query_parameter", 0 },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf q = STRBUF_INIT;
		struct http_params params = { NULL, 0, 0 };
		struct http_response resp;
		char label[32];
		snprintf(label, sizeof(label), "%d params%s", cases[i].n, cases[i].extra);
		http_response_init(&resp);
		many_params(&q, cases[i].n, cases[i].extra);
		int rc = http_parse_params(&params, q.buf, q.len, "query string", &resp);
		unit_check_result(label, rc, &resp, cases[i].status, cases[i].code);
		if (!rc) {
			unit_check_int(label, params.n, cases[i].count);
			const struct http_param *p = http_param_get(&params, "p255");
			unit_check(label, p && !strcmp(p->value, "255") && p->len == 3);
			unit_check(label, http_param_get(&params, "p256") == NULL);
		}
		http_params_release(&params);
		http_response_release(&resp);
		strbuf_release(&q);
	}
}

/* http_parse_head of a GET of uri with the X-Request-ID header id (NULL: none). */
static int parse_with_id(struct unit_exchange *x, const char *uri, const char *id)
{
	unit_cgi("GET", uri);
	unit_setenv("HTTP_X_REQUEST_ID", id);
	int rc = unit_parse(x);
	unsetenv("HTTP_X_REQUEST_ID");
	return rc;
}

/* API.md §1: the client's X-Request-ID when it matches [A-Za-z0-9._-]{1,64}, else a fresh one. */
static void test_request_id(void **state)
{
#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ABCDEF"
	static const struct {
		const char *given;
		bool echoed;
	} cases[] = {
		{ "abc", true },
		{ "A-Z_a.z-09", true },
		{ "7127f2d7-0e96-40d0-9a03-2e987c096466", true },
		{ "x", true },
		{ ID64, true },
		{ NULL, false },
		{ "", false },
		{ ID64 "X", false },
		{ "a b", false },
		{ "a/b", false },
		{ "a:b", false },
		{ "caf\xc3\xa9", false },
		{ "<script>", false },
		{ "a\r\nSet-Cookie: x=1", false },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct unit_exchange x;
		const char *label = cases[i].given ? cases[i].given : "(none)";
		unit_check_int(label, parse_with_id(&x, "/api/v1/", cases[i].given), 0);
		if (cases[i].echoed) {
			unit_check_str(label, x.req.request_id, cases[i].given);
		} else {
			/* a fresh UUIDv4 */
			unit_check_int(label, strlen(x.req.request_id), 36);
			unit_check(label, x.req.request_id[14] == '4');
		}
		unit_exchange_release(&x);
	}
#undef ID64
}

/* Reading the body: limits, media types, forms (API.md §1). */
static void test_read_body(void **state)
{
	static const struct {
		const char *name;
		const char *type, *length, *body;
		int status;
		const char *code;
		const char *json; /* the body object, "" for none */
		bool is_form;
	} cases[] = {
		{ "no body", NULL, NULL, "", 0, "", "", false },
		{ "empty length", "text/plain", "", "", 0, "", "", false },
		{ "zero length, any type", "text/plain", "0", "hello", 0, "", "", false },
		{ "json", "application/json", "7", "{\"a\":1}", 0, "", "{\"a\":1}", false },
		{ "json charset=utf-8", "application/json; charset=utf-8", "7", "{\"a\":1}", 0, "",
		  "{\"a\":1}", false },
		{ "json Charset=\"UTF-8\"", "Application/JSON;Charset=\"UTF-8\"", "7", "{\"a\":1}",
		  0, "", "{\"a\":1}", false },
		{ "json charset then more", "application/json; charset=utf-8; x=y", "2", "{}", 0,
		  "", "{}", false },
		{ "only the announced bytes", "application/json", "2", "{}trailing", 0, "", "{}",
		  false },
		{ "text/plain", "text/plain", "7", "{\"a\":1}", 415, "unsupported_media_type", "",
		  false },
		{ "no content type", NULL, "7", "{\"a\":1}", 415, "unsupported_media_type", "",
		  false },
		{ "charset=latin1", "application/json; charset=latin1", "2", "{}", 415,
		  "unsupported_media_type", "", false },
		{ "charset=iso-8859-1", "application/json;charset=iso-8859-1", "2", "{}", 415,
		  "unsupported_media_type", "", false },
		{ "charset=utf-16", "application/json; charset=utf-16", "2", "{}", 415,
		  "unsupported_media_type", "", false },
		{ "charset=utf-88", "application/json; charset=utf-88", "2", "{}", 415,
		  "unsupported_media_type", "", false },
		{ "multipart", "multipart/form-data; boundary=x", "2", "{}", 415,
		  "unsupported_media_type", "", false },
		{ "application/jsonp", "application/jsonp", "2", "{}", 415,
		  "unsupported_media_type", "", false },
		{ "length not a number", "application/json", "abc", "{}", 400, "bad_request", "",
		  false },
		{ "negative length", "application/json", "-1", "{}", 400, "bad_request", "",
		  false },
		{ "length with plus", "application/json", "+2", "{}", 400, "bad_request", "",
		  false },
		{ "length with space", "application/json", " 2", "{}", 400, "bad_request", "",
		  false },
		{ "length with suffix", "application/json", "2x", "{}", 400, "bad_request", "",
		  false },
		{ "length overflows", "application/json", "99999999999999999999999", "{}", 400,
		  "bad_request", "", false },
		{ "over the limit", "application/json", "65537", "{}", 413, "payload_too_large", "",
		  false },
		{ "far over the limit", "application/json", "18446744073709551615", "{}", 413,
		  "payload_too_large", "", false },
		{ "size is checked before type", "text/plain", "65537", "", 413,
		  "payload_too_large", "", false },
		{ "truncated body", "application/json", "100", "{\"a\":1}", 400, "incomplete_body",
		  "", false },
		{ "truncated empty body", "application/json", "1", "", 400, "incomplete_body", "",
		  false },
		{ "json array", "application/json", "2", "[]", 400, "invalid_json", "", false },
		{ "json not UTF-8", "application/json", NULL, "{\"a\":\"\xff\"}", 400,
		  "invalid_encoding", "", false },
		{ "form with json field and credentials", "application/x-www-form-urlencoded", NULL,
		  "json=%7B%22text%22%3A%22hi+%40jr%22%7D&user_name=jr&user_id=3&session_id=s", 0,
		  "", "{\"text\":\"hi @jr\"}", false },
		{ "form without json field", "application/x-www-form-urlencoded; charset=UTF-8",
		  NULL, "title=hi+there&n=5&empty=&user_name=jr&user_id=3&session_id=s", 0, "",
		  "{\"title\":\"hi there\",\"n\":\"5\",\"empty\":\"\"}", true },
		{ "form of credentials only", "application/x-www-form-urlencoded", NULL,
		  "user_name=jr&user_id=3&session_id=s", 0, "", "{}", true },
		{ "form with equal repeats", "application/x-www-form-urlencoded", NULL, "a=1&a=1",
		  0, "", "{\"a\":\"1\"}", true },
		{ "form with different repeats", "application/x-www-form-urlencoded", NULL,
		  "a=1&a=2", 400, "duplicate_parameter", "", false },
		{ "form credential twice", "application/x-www-form-urlencoded", NULL,
		  "json=%7B%7D&user_id=3&user_id=4", 400, "duplicate_parameter", "", false },
		{ "form field not UTF-8", "application/x-www-form-urlencoded", NULL, "a=%FF", 400,
		  "invalid_encoding", "", false },
		{ "form field with NUL", "application/x-www-form-urlencoded", NULL, "a=x%00", 400,
		  "invalid_encoding", "", false },
		{ "form bad escape", "application/x-www-form-urlencoded", NULL, "a=%zz", 400,
		  "invalid_query_parameter", "", false },
		{ "form json field not an object", "application/x-www-form-urlencoded", NULL,
		  "json=%5B1%5D", 400, "invalid_json", "", false },
		{ "form json field not JSON", "application/x-www-form-urlencoded", NULL,
		  "json=hello", 400, "invalid_json", "", false },
		{ "form json field with \\u0000", "application/x-www-form-urlencoded", NULL,
		  "json=%7B%22a%22%3A%22%5Cu0000%22%7D", 400, "invalid_encoding", "", false },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct unit_exchange x;
		char length[32];
		const char *cl = cases[i].length;
		if (!cl && cases[i].type) {
			snprintf(length, sizeof(length), "%zu", strlen(cases[i].body));
			cl = length;
		}
		int rc = unit_read_body(&x, cases[i].type, cl, cases[i].body, strlen(cases[i].body),
					65536);
		unit_check_result(cases[i].name, rc, &x.resp, cases[i].status, cases[i].code);
		unit_check_str(cases[i].name,
			       x.req.body ? json_object_to_json_string_ext(x.req.body,
									   JSON_C_TO_STRING_PLAIN)
					  : "",
			       cases[i].json);
		unit_check_int(cases[i].name, x.req.body_is_form, cases[i].is_form);
		unit_exchange_release(&x);
	}
}

/* The credentials sit in req->form for the authenticator, never in the body object. */
static void test_form_credentials_stay_in_form(void **state)
{
	static const char *const bodies[] = {
		"json=%7B%22a%22%3A1%7D&user_name=jr&user_id=3&session_id=s",
		"a=1&user_name=jr&user_id=3&session_id=s",
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(bodies); i++) {
		struct unit_exchange x;
		unit_check_int(bodies[i],
			       unit_post(&x, "application/x-www-form-urlencoded", bodies[i]), 0);
		unit_check_str(bodies[i], http_param_get(&x.req.form, "user_name")->value, "jr");
		unit_check_str(bodies[i], http_param_get(&x.req.form, "user_id")->value, "3");
		unit_check_str(bodies[i], http_param_get(&x.req.form, "session_id")->value, "s");
		unit_check(bodies[i], !body_has(&x.req, "user_name"));
		unit_check(bodies[i], !body_has(&x.req, "session_id"));
		unit_check(bodies[i], body_has(&x.req, "a"));
		unit_exchange_release(&x);
	}
}

/* A body over the limit is refused from CONTENT_LENGTH alone: not a byte of it is read. */
static void test_oversize_body_is_not_read(void **state)
{
	struct unit_exchange x;
	char first[8] = "";
	(void)state;
	assert_int_equal(unit_read_body(&x, "application/json", "2000", "{\"unread\":1}", 12, 1024),
			 413);
	assert_string_equal(unit_code(&x.resp), "payload_too_large");
	assert_int_equal(read(0, first, 7), 7);
	assert_string_equal(first, "{\"unrea");
	unit_exchange_release(&x);
	/* Exactly the limit is fine. */
	struct strbuf big = STRBUF_INIT;
	strbuf_addstr(&big, "{\"a\":\"");
	while (big.len < 1024 - 2)
		strbuf_addch(&big, 'x');
	strbuf_addstr(&big, "\"}");
	assert_int_equal(unit_read_body(&x, "application/json", "1024", big.buf, big.len, 1024), 0);
	assert_non_null(x.req.body);
	unit_exchange_release(&x);
	strbuf_release(&big);
}

/* --- responses --- */

/* The value of header name in the head of a captured response (without "\r\n"), or NULL. */
static const char *header(const char *head, const char *name, struct strbuf *value)
{
	size_t n = strlen(name);
	strbuf_reset(value);
	for (const char *line = head; *line;) {
		const char *eol = strstr(line, "\r\n");
		if (!eol)
			break;
		if ((size_t)(eol - line) > n + 1 && !strncasecmp(line, name, n) && line[n] == ':' &&
		    line[n + 1] == ' ') {
			strbuf_add(value, line + n + 2, (size_t)(eol - line) - n - 2);
			return value->buf;
		}
		line = eol + 2;
	}
	return NULL;
}

/*
 * Check a captured response: the status line, the headers every response carries, a
 * Content-Length that is the body's, and a body that is one JSON object with status and
 * description (returned in *env, or NULL for no body).
 */
static void check_response(const char *label, struct strbuf *out, const char *request_id,
			   int status, struct json_object **env)
{
	struct strbuf v = STRBUF_INIT, want = STRBUF_INIT;
	struct http_response scratch;
	char *sep = strstr(out->buf, "\r\n\r\n");
	*env = NULL;
	unit_check(label, sep != NULL);
	sep[2] = '\0'; /* the head keeps its last "\r\n" */
	const char *head = out->buf, *body = sep + 4;
	size_t body_len = out->len - (size_t)(body - out->buf);

	strbuf_addf(&want, "Status: %d %s\r\n", status, http_reason(status));
	unit_check(label, !strncmp(head, want.buf, want.len));
	unit_check_str(label, header(head, "X-Request-ID", &v), request_id);
	unit_check_str(label, header(head, "X-Content-Type-Options", &v), "nosniff");
	unit_check_str(label, header(head, "X-Kinglet-API-Version", &v), "1");
	if (header(head, "Content-Length", &v)) {
		unit_check_str(label, header(head, "Content-Type", &v),
			       "application/json; charset=utf-8");
		if (body_len) {
			header(head, "Content-Length", &v);
			unit_check_int(label, strtoull(v.buf, NULL, 10), body_len);
		}
	}
	if (body_len) {
		http_response_init(&scratch);
		unit_check(label, body[body_len - 1] == '\n');
		unit_check_int(label, body_parse_json(body, body_len, env, &scratch), 0);
		struct json_object *f;
		unit_check(label, json_object_object_get_ex(*env, "status", &f) &&
					  json_object_get_int(f) == status);
		unit_check(label, json_object_object_get_ex(*env, "description", &f) &&
					  !strcmp(json_object_get_string(f), http_reason(status)));
		http_response_release(&scratch);
	}
	strbuf_release(&v);
	strbuf_release(&want);
}

/* The string field name of o, or NULL. */
static const char *field(struct json_object *o, const char *name)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, name, &v))
		return NULL;
	return json_object_get_string(v);
}

static void test_send_success(void **state)
{
	struct unit_exchange x;
	struct strbuf out = STRBUF_INIT, v = STRBUF_INIT;
	struct json_object *env;
	(void)state;
	assert_int_equal(unit_parse_head(&x, "GET", "/api/v1/time"), 0);
	x.resp.status = 200;
	json_object_object_add(resp_data(&x.resp), "message_id", json_object_new_int(42));
	json_object_object_add(resp_data(&x.resp), "text",
			       json_object_new_string("caf\xc3\xa9 a/b"));
	unit_send(&x.req, &x.resp, &out);
	check_response("200", &out, x.req.request_id, 200, &env);
	assert_string_equal(header(out.buf, "Cache-Control", &v), "no-store");
	assert_null(header(out.buf, "Allow", &v));
	assert_string_equal(field(env, "message_id"), "42");
	assert_string_equal(field(env, "text"), "caf\xc3\xa9 a/b");
	assert_null(field(env, "code"));
	assert_null(field(env, "request_id"));
	assert_true(json_object_is_type(json_object_object_get(env, "status"), json_type_int));
	json_object_put(env);
	strbuf_release(&out);
	strbuf_release(&v);
	unit_exchange_release(&x);
}

/* Errors carry status, description, both messages, code and the request id (API.md §3). */
static void test_send_error(void **state)
{
	static const struct {
		const char *uri, *request_id;
		int status;
		const char *code;
	} cases[] = {
		{ "/api/v1/users/a%2Fb", "client-id.1", 400, "invalid_path_parameter" },
		{ "/api/v1/users/%FF", "client_id_2", 400, "invalid_encoding" },
		{ "/api/v1/m?a=1&a=2", NULL, 400, "duplicate_parameter" },
		{ "/elsewhere", "bad id!", 404, "not_found" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct unit_exchange x;
		struct strbuf out = STRBUF_INIT;
		struct json_object *env;
		const char *label = cases[i].uri;
		int rc = parse_with_id(&x, cases[i].uri, cases[i].request_id);
		unit_check_result(label, rc, &x.resp, cases[i].status, cases[i].code);
		x.resp.status = rc;
		unit_send(&x.req, &x.resp, &out);
		check_response(label, &out, x.req.request_id, cases[i].status, &env);
		if (cases[i].request_id && strcmp(cases[i].request_id, "bad id!"))
			unit_check_str(label, x.req.request_id, cases[i].request_id);
		unit_check_str(label, field(env, "code"), cases[i].code);
		unit_check_str(label, field(env, "request_id"), x.req.request_id);
		unit_check_str(label, field(env, "user_message"),
			       err_info(x.resp.err)->user_message);
		unit_check(label, field(env, "system_message") && *field(env, "system_message"));
		json_object_put(env);
		strbuf_release(&out);
		unit_exchange_release(&x);
	}
}

/* HEAD: the headers GET would send, Content-Length included, and no body. */
static void test_send_head(void **state)
{
	struct unit_exchange x;
	struct strbuf get = STRBUF_INIT, head = STRBUF_INIT, v = STRBUF_INIT;
	struct json_object *env;
	(void)state;
	assert_int_equal(unit_parse_head(&x, "HEAD", "/api/v1/time"), 0);
	x.resp.status = 200;
	json_object_object_add(resp_data(&x.resp), "server_epoch_seconds", json_object_new_int(7));
	x.req.is_head = false;
	unit_send(&x.req, &x.resp, &get);
	x.req.is_head = true;
	unit_send(&x.req, &x.resp, &head);
	check_response("GET", &get, x.req.request_id, 200, &env);
	json_object_put(env);
	check_response("HEAD", &head, x.req.request_id, 200, &env);
	assert_null(env);
	/* check_response cut both at the blank line: equal heads, and nothing after HEAD's. */
	assert_string_equal(head.buf, get.buf);
	assert_int_equal(head.len, strlen(head.buf) + 2);
	assert_non_null(header(head.buf, "Content-Length", &v));
	assert_int_equal(strtoull(v.buf, NULL, 10), get.len - strlen(get.buf) - 2);
	strbuf_release(&get);
	strbuf_release(&head);
	strbuf_release(&v);
	unit_exchange_release(&x);
}

/* Response flags and extra headers: 304 without a body, cacheable, header injection, 500. */
static void test_send_variants(void **state)
{
	static const struct {
		const char *name;
		int status;
		bool no_body, cacheable;
		const char *header_value; /* an X-Extra header, NULL: none */
		int want_status;
		bool want_extra;
	} cases[] = {
		{ "304", 304, true, true, NULL, 304, false },
		{ "cacheable", 200, false, true, NULL, 200, false },
		{ "extra header", 200, false, false, "v1", 200, true },
		{ "CRLF in a header is dropped", 200, false, false, "v\r\nSet-Cookie: a=1", 200,
		  false },
		{ "LF in a header is dropped", 200, false, false, "v\nSet-Cookie: a=1", 200,
		  false },
		{ "no status is 500", 0, false, false, NULL, 500, false },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct unit_exchange x;
		struct strbuf out = STRBUF_INIT, v = STRBUF_INIT;
		struct json_object *env;
		const char *label = cases[i].name;
		unit_check_int(label, unit_parse_head(&x, "GET", "/api/v1/"), 0);
		x.resp.status = cases[i].status;
		x.resp.no_body = cases[i].no_body;
		x.resp.cacheable = cases[i].cacheable;
		resp_header(&x.resp, "X-Before", "%d", 1);
		if (cases[i].header_value)
			resp_header(&x.resp, "X-Extra", "%s", cases[i].header_value);
		resp_header(&x.resp, "X-After", "%d", 2);
		unit_send(&x.req, &x.resp, &out);
		check_response(label, &out, x.req.request_id, cases[i].want_status, &env);
		unit_check(label, (env == NULL) == cases[i].no_body);
		unit_check(label,
			   (header(out.buf, "Content-Length", &v) == NULL) == cases[i].no_body);
		unit_check(label,
			   (header(out.buf, "Content-Type", &v) == NULL) == cases[i].no_body);
		unit_check(label,
			   (header(out.buf, "Cache-Control", &v) == NULL) == cases[i].cacheable);
		unit_check(label, (header(out.buf, "X-Extra", &v) != NULL) == cases[i].want_extra);
		unit_check(label, header(out.buf, "Set-Cookie", &v) == NULL);
		unit_check_str(label, header(out.buf, "X-Before", &v), "1");
		unit_check_str(label, header(out.buf, "X-After", &v), "2");
		json_object_put(env);
		strbuf_release(&out);
		strbuf_release(&v);
		unit_exchange_release(&x);
	}
}

/* 422 validation_failed lists every invalid field (API.md §3 example). */
static void test_send_validation(void **state)
{
	struct unit_exchange x;
	struct strbuf out = STRBUF_INIT;
	struct json_object *env, *list, *first;
	(void)state;
	assert_int_equal(unit_parse_head(&x, "POST", "/api/v1/messages"), 0);
	assert_int_equal(resp_validation_result(&x.resp), 0);
	assert_false(x.resp.is_error);
	resp_invalid_param(&x.resp, "message_text", "too_long", "%d chars entered. Max is %d.", 310,
			   300);
	resp_invalid_param(&x.resp, "email", "invalid", "not an e-mail address");
	x.resp.status = resp_validation_result(&x.resp);
	assert_int_equal(x.resp.status, 422);
	unit_send(&x.req, &x.resp, &out);
	check_response("422", &out, x.req.request_id, 422, &env);
	assert_string_equal(field(env, "code"), "validation_failed");
	assert_string_equal(field(env, "user_message"), "Invalid input.");
	assert_string_equal(
		field(env, "system_message"),
		"message_text: 310 chars entered. Max is 300.; email: not an e-mail address");
	assert_true(json_object_object_get_ex(env, "invalid_params", &list));
	assert_int_equal(json_object_array_length(list), 2);
	first = json_object_array_get_idx(list, 0);
	assert_string_equal(field(first, "name"), "message_text");
	assert_string_equal(field(first, "reason"), "too_long");
	assert_string_equal(field(first, "message"), "310 chars entered. Max is 300.");
	json_object_put(env);
	strbuf_release(&out);
	unit_exchange_release(&x);
}

/* resp_error_user replaces the table's message; a NULL system format falls back to the code. */
static void test_resp_error_messages(void **state)
{
	struct http_response resp;
	(void)state;
	http_response_init(&resp);
	assert_int_equal(resp_error_user(&resp, ERR_WRONG_PASSWORD, "Old password is incorrect.",
					 "old password mismatch for user %d", 7),
			 403);
	assert_string_equal(resp.user_message.buf, "Old password is incorrect.");
	assert_string_equal(resp.system_message.buf, "old password mismatch for user 7");
	assert_string_equal(unit_code(&resp), "invalid_credentials");
	assert_int_equal(resp_error(&resp, ERR_NOT_FOUND, NULL), 404);
	assert_string_equal(resp.user_message.buf, "Not found.");
	assert_string_equal(resp.system_message.buf, "not_found");
	http_response_reset(&resp);
	assert_false(resp.is_error);
	assert_int_equal(resp.status, 0);
	assert_int_equal(resp.headers.len, 0);
	http_response_release(&resp);
}

/* A failed database call: 503 when the database is away or busy, else a plain 500. */
static void test_resp_db_error(void **state)
{
	static const struct {
		int db_rc;
		int status;
		const char *code;
	} cases[] = {
		{ DB_UNAVAILABLE, 503, "database_unavailable" },
		{ DB_CONFLICT, 503, "service_unavailable" },
		{ DB_ERROR, 500, "internal_error" },
		{ DB_DUPLICATE, 500, "internal_error" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct http_response resp;
		char label[32];
		snprintf(label, sizeof(label), "db rc %d", cases[i].db_rc);
		http_response_init(&resp);
		int rc = resp_db_error(&resp, cases[i].db_rc);
		unit_check_result(label, rc, &resp, cases[i].status, cases[i].code);
		http_response_release(&resp);
	}
}

/* --- version 0 (API.md §10) --- */

/*
 * Send x in version 0 and check what every version 0 answer shares: the HTTP status, the header
 * saying 0, no newline after the object, a Content-Length that is the body's. *env gets the body.
 */
static void send_v0(const char *label, struct unit_exchange *x, int status,
		    struct json_object **env)
{
	struct strbuf out = STRBUF_INIT, v = STRBUF_INIT, want = STRBUF_INIT;
	struct http_response scratch;
	x->req.api_version = 0;
	unit_send(&x->req, &x->resp, &out);
	char *sep = strstr(out.buf, "\r\n\r\n");
	unit_check(label, sep != NULL);
	sep[2] = '\0';
	const char *body = sep + 4;
	size_t body_len = out.len - (size_t)(body - out.buf);
	strbuf_addf(&want, "Status: %d %s\r\n", status, http_reason(status));
	unit_check_str(label, strncmp(out.buf, want.buf, want.len) ? out.buf : want.buf, want.buf);
	unit_check_str(label, header(out.buf, "X-Kinglet-API-Version", &v), "0");
	unit_check_str(label, header(out.buf, "X-Request-ID", &v), x->req.request_id);
	unit_check(label, body_len > 0 && body[body_len - 1] == '}');
	header(out.buf, "Content-Length", &v);
	unit_check_int(label, strtoull(v.buf, NULL, 10), body_len);
	http_response_init(&scratch);
	unit_check_int(label, body_parse_json(body, body_len, env, &scratch), 0);
	http_response_release(&scratch);
	strbuf_release(&out);
	strbuf_release(&v);
	strbuf_release(&want);
}

/* The keys of o, sorted, joined with ','. */
static void keys_of(struct json_object *o, struct strbuf *out)
{
	const char *k[32];
	size_t n = 0;
	json_object_object_foreach (o, key, val) {
		(void)val;
		if (n < 32)
			k[n++] = key;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(k[j - 1], k[j]) > 0; j--) {
			const char *t = k[j];
			k[j] = k[j - 1];
			k[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++)
		strbuf_addf(out, "%s%s", i ? "," : "", k[i]);
}

/* A route for the words that depend on one (a handler's pattern, as the router sets it). */
static const struct route v0_signup = { "POST", "/users", NULL, RL_DEFAULT };
static const struct route v0_list_request = { "GET", "/lists/request/{name}", NULL, RL_DEFAULT };

/*
 * Errors in version 0: exactly the original's four fields (and a route's own), 409 and 422 as
 * 400, 401 "Not Authorized", and user_message in the original's words for the first problem.
 */
static void test_send_v0_errors(void **state)
{
	static const struct {
		const char *label;
		const struct route *route;
		enum err_code err;
		const char *param, *reason, *param_message, *user; /* user: a handler's own words */
		int status;
		const char *description, *user_message;
	} cases[] = {
		{ "422 message_text missing", NULL, ERR_VALIDATION, "message_text", "missing",
		  "Write something.", NULL, 400, "Bad Request", "You must enter text." },
		{ "422 unknown mention", NULL, ERR_VALIDATION, "@bob", "unknown_user",
		  "@bob is not an active user.", NULL, 400, "Bad Request",
		  "User 'bob' does not exist." },
		{ "422 not asked", NULL, ERR_VALIDATION, "@cy", "not_asked", "x", NULL, 400,
		  "Bad Request",
		  "You cannot message 'cy' because you have not requested to be added to the "
		  "user's "
		  "approved list." },
		{ "422 reply_to_id not a number", NULL, ERR_VALIDATION, "reply_to_id",
		  "not_an_integer", "x", NULL, 400, "Bad Request",
		  "The message id being replied to is missing or not numeric." },
		{ "422 falls back to the param's message", NULL, ERR_VALIDATION, "colour",
		  "unknown_field", "colour is not a field here", NULL, 400, "Bad Request",
		  "colour is not a field here" },
		{ "409 sign-up", &v0_signup, ERR_USER_NAME_TAKEN, NULL, NULL, NULL, NULL, 400,
		  "Bad Request", "CreateUser - Error creating account." },
		{ "409 request exists", NULL, ERR_REQUEST_EXISTS, NULL, NULL, NULL, NULL, 400,
		  "Bad Request", "Request made earlier." },
		{ "404 on a route", &v0_list_request, ERR_NOT_FOUND, NULL, NULL, NULL, NULL, 404,
		  "Not Found", "Invalid recipient username." },
		{ "401", NULL, ERR_INVALID_SESSION, NULL, NULL, NULL, NULL, 401, "Not Authorized",
		  "Invalid access." },
		{ "403 keeps a handler's words", NULL, ERR_FORBIDDEN, NULL, NULL, NULL,
		  "Log in to manage tokens.", 403, "Forbidden", "Log in to manage tokens." },
		{ "413 stays 413", NULL, ERR_PAYLOAD_TOO_LARGE, NULL, NULL, NULL, NULL, 413,
		  "Payload Too Large", "The request body is too large." },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct unit_exchange x;
		struct json_object *env;
		struct strbuf keys = STRBUF_INIT;
		const char *label = cases[i].label;
		assert_int_equal(unit_parse_head(&x, "GET", "/api/v1/users"), 0);
		x.req.route = cases[i].route;
		if (cases[i].param)
			resp_invalid_param(&x.resp, cases[i].param, cases[i].reason, "%s",
					   cases[i].param_message);
		if (cases[i].err == ERR_VALIDATION)
			x.resp.status = resp_validation_result(&x.resp);
		else if (cases[i].user)
			x.resp.status =
				resp_error_user(&x.resp, cases[i].err, cases[i].user, "why");
		else
			x.resp.status = resp_error(&x.resp, cases[i].err, "why");
		send_v0(label, &x, cases[i].status, &env);
		keys_of(env, &keys);
		unit_check_str(label, keys.buf, "description,status,system_message,user_message");
		unit_check_int(label, json_object_get_int(json_object_object_get(env, "status")),
			       cases[i].status);
		unit_check_str(label, field(env, "description"), cases[i].description);
		unit_check_str(label, field(env, "user_message"), cases[i].user_message);
		unit_check_int(label, x.resp.status, cases[i].status); /* what the log says */
		json_object_put(env);
		strbuf_release(&keys);
		unit_exchange_release(&x);
	}
}

static void test_send_v0_variants(void **state)
{
	struct unit_exchange x;
	struct json_object *env;
	struct strbuf keys = STRBUF_INIT, out = STRBUF_INIT;
	(void)state;

	/* An unknown path names its first segment, as the original's "Invalid function". */
	assert_int_equal(unit_parse_head(&x, "GET", "/api/v1/nope/5"), 0);
	x.resp.status = resp_error(&x.resp, ERR_NOT_FOUND, "no such route");
	send_v0("unknown route", &x, 404, &env);
	assert_string_equal(field(env, "user_message"), "Invalid function: nope.");
	json_object_put(env);
	unit_exchange_release(&x);

	/* A route's own fields stay in an error (the original's request_status). */
	assert_int_equal(unit_parse_head(&x, "GET", "/api/v1/lists/request/bob"), 0);
	json_object_object_add(resp_data(&x.resp), "request_status",
			       json_object_new_string("pending"));
	x.resp.status = resp_error(&x.resp, ERR_REQUEST_EXISTS, "asked already");
	send_v0("request_status", &x, 400, &env);
	keys_of(env, &keys);
	assert_string_equal(keys.buf,
			    "description,request_status,status,system_message,user_message");
	json_object_put(env);
	unit_exchange_release(&x);

	/* Success: the envelope and the data, no newline; omit_description drops description. */
	assert_int_equal(unit_parse_head(&x, "GET", "/api/v1/time"), 0);
	x.resp.status = 200;
	json_object_object_add(resp_data(&x.resp), "message_id", json_object_new_string("36"));
	send_v0("success", &x, 200, &env);
	assert_string_equal(field(env, "description"), "OK");
	assert_string_equal(field(env, "message_id"), "36");
	json_object_put(env);
	x.resp.omit_description = true;
	send_v0("omit_description", &x, 200, &env);
	assert_null(field(env, "description"));
	assert_string_equal(field(env, "message_id"), "36");
	json_object_put(env);
	/* ... which an error ignores: every error has its description. */
	x.resp.status = resp_error(&x.resp, ERR_INVALID_SESSION, "why");
	send_v0("omit_description on an error", &x, 401, &env);
	assert_string_equal(field(env, "description"), "Not Authorized");
	json_object_put(env);
	unit_exchange_release(&x);

	/* Version 1 keeps its exact bytes: the newline, code and request_id, 422. */
	assert_int_equal(unit_parse_head(&x, "GET", "/api/v1/time"), 0);
	resp_invalid_param(&x.resp, "message_text", "missing", "Write something.");
	x.resp.status = resp_validation_result(&x.resp);
	unit_send(&x.req, &x.resp, &out);
	check_response("v1", &out, x.req.request_id, 422, &env);
	assert_string_equal(field(env, "user_message"), "Invalid input.");
	assert_string_equal(field(env, "code"), "validation_failed");
	json_object_put(env);
	unit_exchange_release(&x);
	strbuf_release(&keys);
	strbuf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percent_decode),
		cmocka_unit_test(test_parse_head),
		cmocka_unit_test(test_parse_head_method_and_raw_path),
		cmocka_unit_test(test_parse_head_unknown_method),
		cmocka_unit_test(test_param_limit),
		cmocka_unit_test(test_request_id),
		cmocka_unit_test(test_read_body),
		cmocka_unit_test(test_form_credentials_stay_in_form),
		cmocka_unit_test(test_oversize_body_is_not_read),
		cmocka_unit_test(test_send_success),
		cmocka_unit_test(test_send_error),
		cmocka_unit_test(test_send_head),
		cmocka_unit_test(test_send_variants),
		cmocka_unit_test(test_send_validation),
		cmocka_unit_test(test_resp_error_messages),
		cmocka_unit_test(test_resp_db_error),
		cmocka_unit_test(test_send_v0_errors),
		cmocka_unit_test(test_send_v0_variants),
	};
	conf_defaults(); /* api.default_version and the other keys the requests read */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
