/* test_auth.c: unit tests of lib/auth.c's client address: REMOTE_ADDR, X-Forwarded-For behind the
 * trusted proxies. */
#include "unit.h"

#include "auth.h"
#include "conf.h"

#define LONG_ADDR "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* http.trusted_proxies is "127.0.0.1 10.0.0.1 ::1" (main). */
static const struct {
	const char *remote, *xff, *want;
} cases[] = {
	{ NULL, NULL, "unknown" },
	{ "", "203.0.113.5", "unknown" },
	{ "192.0.2.1", NULL, "192.0.2.1" },
	/* X-Forwarded-For from anyone but a trusted proxy is the client's own claim: ignored. */
	{ "192.0.2.1", "203.0.113.5", "192.0.2.1" },
	{ "127.0.0.1", NULL, "127.0.0.1" },
	{ "127.0.0.1", "", "127.0.0.1" },
	{ "127.0.0.1", "203.0.113.5", "203.0.113.5" },
	{ "::1", "2001:db8::7", "2001:db8::7" },
	/* The nearest address that is not ours: what a client puts first is not believed. */
	{ "127.0.0.1", "198.51.100.7, 203.0.113.5", "203.0.113.5" },
	{ "127.0.0.1", "198.51.100.7, 10.0.0.1", "198.51.100.7" },
	{ "127.0.0.1", "198.51.100.7,10.0.0.1,127.0.0.1", "198.51.100.7" },
	{ "10.0.0.1", "1.2.3.4, 203.0.113.5, 10.0.0.1", "203.0.113.5" },
	/* Only proxies of ours: the connection's address. */
	{ "127.0.0.1", "10.0.0.1, 127.0.0.1", "127.0.0.1" },
	/* White space around entries and empty entries do not count. */
	{ "127.0.0.1", " \t203.0.113.5 \t", "203.0.113.5" },
	{ "127.0.0.1", "203.0.113.5, ,,\t", "203.0.113.5" },
	{ "127.0.0.1", ", , ", "127.0.0.1" },
	/* A proxy's address is matched whole, not as a prefix. */
	{ "127.0.0.1", "10.0.0.10", "10.0.0.10" },
	{ "127.0.0.1", "10.0.0.1x", "10.0.0.1x" },
	{ "127.0.0.10", "203.0.113.5", "127.0.0.10" },
	/* At most 63 bytes of an entry are kept. */
	{ "127.0.0.1", "1.1.1.1, " LONG_ADDR,
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde" },
};

static void test_client_addr(void **state)
{
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct http_request req;
		char label[200];
		snprintf(label, sizeof(label), "REMOTE_ADDR %s, X-Forwarded-For %s",
			 cases[i].remote ? cases[i].remote : "(unset)",
			 cases[i].xff ? cases[i].xff : "(unset)");
		unit_setenv("REMOTE_ADDR", cases[i].remote);
		unit_setenv("HTTP_X_FORWARDED_FOR", cases[i].xff);
		http_request_init(&req, NULL);
		unit_check_str(label, auth_client_addr(&req), cases[i].want);
		http_request_release(&req);
	}
}

/* With no trusted proxies at all, X-Forwarded-For never counts. */
static void test_no_trusted_proxies(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct http_request req;
	(void)state;
	assert_int_equal(conf_set("http.trusted_proxies", "", &err), 0);
	unit_setenv("REMOTE_ADDR", "127.0.0.1");
	unit_setenv("HTTP_X_FORWARDED_FOR", "203.0.113.5");
	http_request_init(&req, NULL);
	assert_string_equal(auth_client_addr(&req), "127.0.0.1");
	http_request_release(&req);
	assert_int_equal(conf_set("http.trusted_proxies", "127.0.0.1 10.0.0.1 ::1", &err), 0);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_addr),
		cmocka_unit_test(test_no_trusted_proxies),
	};
	struct strbuf err = STRBUF_INIT;
	conf_defaults();
	if (conf_set("http.trusted_proxies", "127.0.0.1 10.0.0.1 ::1", &err) < 0)
		return 1;
	strbuf_release(&err);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
