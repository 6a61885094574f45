/* test_router.c: unit tests of lib/router.c: precedence, numeric parameters, 404, 405, Allow. */
#include "unit.h"

#include "router.h"

static int handler(struct http_request *req, struct http_response *resp)
{
	(void)req;
	(void)resp;
	return 200;
}

/* The shape of the programs' tables: literals beside parameters, several methods per path. */
static const struct route routes[] = {
	{ "GET", "/", handler, RL_DEFAULT },
	{ "GET", "/messages", handler, RL_DEFAULT },
	{ "POST", "/messages", handler, RL_DEFAULT },
	{ "GET", "/messages/{id}", handler, RL_DEFAULT },
	{ "DELETE", "/messages/{id}", handler, RL_DEFAULT },
	{ "GET", "/messages/page/{page}", handler, RL_DEFAULT },
	{ "GET", "/messages/since/{epoch}", handler, RL_DEFAULT },
	{ "GET", "/messages/threads", handler, RL_DEFAULT },
	{ "GET", "/messages/threads/{id}", handler, RL_DEFAULT },
	{ "GET", "/messages/{id}/replies", handler, RL_DEFAULT },
	{ "POST", "/messages/{id}/replies", handler, RL_DEFAULT },
	{ "POST", "/users/login", handler, RL_DEFAULT },
	{ "GET", "/users/{name}", handler, RL_DEFAULT },
	{ "GET", "/users/{name}/logout", handler, RL_DEFAULT },
	{ "POST", "/users/{name}/logout", handler, RL_DEFAULT },
	{ "DELETE", "/users/{name}/logout", handler, RL_DEFAULT },
	{ "GET", "/users/activate/{digest}", handler, RL_DEFAULT },
};

static void test_match(void **state)
{
	static const struct {
		const char *method, *uri;
		int status;
		const char *code;
		const char *pattern; /* the route chosen, when status is 0 */
		const char *param; /* its first parameter as text, "" for none */
		long long num; /* and as a number ({id}, {page}, {epoch}) */
		const char *allow; /* the Allow header of a 405 */
	} cases[] = {
		{ "GET", "/api/v1", 0, "", "/", "", 0, NULL },
		{ "GET", "/api/v1/", 0, "", "/", "", 0, NULL },
		{ "GET", "/api/v1/messages", 0, "", "/messages", "", 0, NULL },
		{ "POST", "/api/v1/messages/", 0, "", "/messages", "", 0, NULL },
		{ "GET", "/api/v1/messages/5", 0, "", "/messages/{id}", "5", 5, NULL },
		{ "GET", "/api/v1/messages/5/", 0, "", "/messages/{id}", "5", 5, NULL },
		{ "GET", "/api/v1/messages/5/?user_name=jr", 0, "", "/messages/{id}", "5", 5,
		  NULL },
		{ "DELETE", "/api/v1/messages/42", 0, "", "/messages/{id}", "42", 42, NULL },
		{ "GET", "/api/v1/messages/9223372036854775807", 0, "", "/messages/{id}",
		  "9223372036854775807", 9223372036854775807LL, NULL },
		/* the literal route beats the parameter */
		{ "GET", "/api/v1/messages/threads", 0, "", "/messages/threads", "", 0, NULL },
		{ "GET", "/api/v1/messages/threads/", 0, "", "/messages/threads", "", 0, NULL },
		{ "HEAD", "/api/v1/messages/threads", 0, "", "/messages/threads", "", 0, NULL },
		{ "GET", "/api/v1/messages/threads/3", 0, "", "/messages/threads/{id}", "3", 3,
		  NULL },
		{ "GET", "/api/v1/messages/page/2", 0, "", "/messages/page/{page}", "2", 2, NULL },
		{ "GET", "/api/v1/messages/since/0", 0, "", "/messages/since/{epoch}", "0", 0,
		  NULL },
		{ "GET", "/api/v1/messages/since/1795442919", 0, "", "/messages/since/{epoch}",
		  "1795442919", 1795442919, NULL },
		{ "GET", "/api/v1/messages/7/replies", 0, "", "/messages/{id}/replies", "7", 7,
		  NULL },
		{ "POST", "/api/v1/users/login", 0, "", "/users/login", "", 0, NULL },
		{ "GET", "/api/v1/users/J%C3%A9", 0, "", "/users/{name}", "J\xc3\xa9", 0, NULL },
		{ "GET", "/api/v1/users/-1", 0, "", "/users/{name}", "-1", 0, NULL },
		{ "DELETE", "/api/v1/users/jr/logout", 0, "", "/users/{name}/logout", "jr", 0,
		  NULL },
		{ "HEAD", "/api/v1/users/jr", 0, "", "/users/{name}", "jr", 0, NULL },
		/* API.md §1: empty segments are ignored, as the original's web client needs */
		{ "GET", "/api/v1/users/jr/logout//", 0, "", "/users/{name}/logout", "jr", 0,
		  NULL },
		{ "GET", "/api/v1/messages//5", 0, "", "/messages/{id}", "5", 5, NULL },
		{ "GET", "/api/v1//", 0, "", "/", "", 0, NULL },
		{ "GET", "/api/v1/users/activate/p7X4CwwLSuqD2bjYIATcw", 0, "",
		  "/users/activate/{digest}", "p7X4CwwLSuqD2bjYIATcw", 0, NULL },

		/* API.md §1: identifiers are strict decimal integers in range */
		{ "GET", "/api/v1/messages/5x", 400, "invalid_path_parameter", NULL, NULL, 0,
		  NULL },
		{ "GET", "/api/v1/messages/-1", 400, "invalid_path_parameter", NULL, NULL, 0,
		  NULL },
		{ "GET", "/api/v1/messages/0", 400, "invalid_path_parameter", NULL, NULL, 0, NULL },
		{ "GET", "/api/v1/messages/0||1", 400, "invalid_path_parameter", NULL, NULL, 0,
		  NULL },
		{ "GET", "/api/v1/messages/0%7C%7C1", 400, "invalid_path_parameter", NULL, NULL, 0,
		  NULL },
		{ "GET", "/api/v1/messages/5%20OR%201=1", 400, "invalid_path_parameter", NULL, NULL,
		  0, NULL },
		{ "GET", "/api/v1/messages/99999999999999999999", 400, "invalid_path_parameter",
		  NULL, NULL, 0, NULL },
		{ "GET", "/api/v1/messages/9223372036854775808", 400, "invalid_path_parameter",
		  NULL, NULL, 0, NULL },
		{ "GET", "/api/v1/messages/+5", 400, "invalid_path_parameter", NULL, NULL, 0,
		  NULL },
		{ "GET", "/api/v1/messages/%205", 400, "invalid_path_parameter", NULL, NULL, 0,
		  NULL },
		{ "GET", "/api/v1/messages/5.0", 400, "invalid_path_parameter", NULL, NULL, 0,
		  NULL },
		{ "GET", "/api/v1/messages/0x5", 400, "invalid_path_parameter", NULL, NULL, 0,
		  NULL },
		{ "GET", "/api/v1/messages/%EF%BC%95", 400, "invalid_path_parameter", NULL, NULL, 0,
		  NULL }, /* a full-width digit five */
		{ "DELETE", "/api/v1/messages/abc", 400, "invalid_path_parameter", NULL, NULL, 0,
		  NULL },
		{ "GET", "/api/v1/messages/page/0", 400, "invalid_path_parameter", NULL, NULL, 0,
		  NULL },
		{ "GET", "/api/v1/messages/since/-1", 400, "invalid_path_parameter", NULL, NULL, 0,
		  NULL },
		{ "GET", "/api/v1/messages/since/now", 400, "invalid_path_parameter", NULL, NULL, 0,
		  NULL },
		{ "GET", "/api/v1/messages/x/replies", 400, "invalid_path_parameter", NULL, NULL, 0,
		  NULL },

		{ "GET", "/api/v1/nope", 404, "not_found", NULL, NULL, 0, NULL },
		{ "GET", "/api/v1/messages/5/nope", 404, "not_found", NULL, NULL, 0, NULL },
		{ "GET", "/api/v1/Messages", 404, "not_found", NULL, NULL, 0, NULL },
		{ "GET", "/api/v1/messages/1/2/3/4/5/6/7/8/9/10/11/12/13/14", 404, "not_found",
		  NULL, NULL, 0, NULL },

		/* API.md §1: a known path with another method is 405 with the exact Allow */
		{ "POST", "/api/v1/messages/5", 405, "method_not_allowed", NULL, NULL, 0,
		  "GET, HEAD, DELETE" },
		{ "PUT", "/api/v1/messages", 405, "method_not_allowed", NULL, NULL, 0,
		  "GET, HEAD, POST" },
		{ "POST", "/api/v1/messages/threads", 405, "method_not_allowed", NULL, NULL, 0,
		  "GET, HEAD" },
		{ "DELETE", "/api/v1/messages/5/replies", 405, "method_not_allowed", NULL, NULL, 0,
		  "GET, HEAD, POST" },
		{ "PUT", "/api/v1/users/jr/logout", 405, "method_not_allowed", NULL, NULL, 0,
		  "GET, HEAD, POST, DELETE" },
		{ "DELETE", "/api/v1/messages/threads", 405, "method_not_allowed", NULL, NULL, 0,
		  "GET, HEAD" },
		{ "PUT", "/api/v1/messages/abc", 405, "method_not_allowed", NULL, NULL, 0,
		  "GET, HEAD, DELETE" },
		/*
		 * The most literal path decides, whatever the method: "login" is no user name
		 * (sign-up reserves the literal segments, lib/validate.c).
		 */
		{ "GET", "/api/v1/users/login", 405, "method_not_allowed", NULL, NULL, 0, "POST" },
		{ "HEAD", "/api/v1/users/login/", 405, "method_not_allowed", NULL, NULL, 0,
		  "POST" },
		{ "PUT", "/api/v1/users/login", 405, "method_not_allowed", NULL, NULL, 0, "POST" },
		{ "GET", "/api/v1/messages/threads/abc", 400, "invalid_path_parameter", NULL, NULL,
		  0, NULL },
		{ "HEAD", "/api/v1/users/activate/x/", 0, "", "/users/activate/{digest}", "x", 0,
		  NULL },
		{ "OPTIONS", "/api/v1/", 405, "method_not_allowed", NULL, NULL, 0, "GET, HEAD" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct unit_exchange x;
		struct strbuf label = STRBUF_INIT, want_allow = STRBUF_INIT;
		strbuf_addf(&label, "%s %s", cases[i].method, cases[i].uri);
		unit_check_int(label.buf, unit_parse_head(&x, cases[i].method, cases[i].uri), 0);
		int rc = router_match(routes, UNIT_ARRAY_SIZE(routes), &x.req, &x.resp);
		unit_check_result(label.buf, rc, &x.resp, cases[i].status, cases[i].code);
		if (!rc) {
			unit_check(label.buf, x.req.route != NULL);
			unit_check_str(label.buf, x.req.route->pattern, cases[i].pattern);
			unit_check_str(label.buf, x.req.route->method,
				       x.req.is_head ? "GET" : cases[i].method);
			unit_check_str(label.buf, x.req.nparams ? x.req.params[0].str : "",
				       cases[i].param);
			unit_check_int(label.buf, x.req.nparams ? x.req.params[0].num : 0,
				       cases[i].num);
		}
		if (cases[i].allow)
			strbuf_addf(&want_allow, "Allow: %s\r\n", cases[i].allow);
		/* Allow is the only header the router sets, and only with 405. */
		unit_check_str(label.buf, x.resp.headers.buf, want_allow.buf);
		strbuf_release(&label);
		strbuf_release(&want_allow);
		unit_exchange_release(&x);
	}
}

/* Routes with two parameters capture both, in order. */
static void test_two_params(void **state)
{
	static const struct route two[] = {
		{ "GET", "/lists/{name}/page/{page}", handler, RL_DEFAULT },
	};
	struct unit_exchange x;
	(void)state;
	assert_int_equal(unit_parse_head(&x, "GET", "/api/v1/lists/jr/page/3"), 0);
	assert_int_equal(router_match(two, UNIT_ARRAY_SIZE(two), &x.req, &x.resp), 0);
	assert_int_equal(x.req.nparams, 2);
	assert_string_equal(x.req.params[0].str, "jr");
	assert_string_equal(x.req.params[1].str, "3");
	assert_int_equal(x.req.params[1].num, 3);
	unit_exchange_release(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_two_params),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
