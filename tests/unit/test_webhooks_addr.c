/* test_webhooks_addr.c: unit tests of lib/webhooks_addr.c: hook URL syntax and the address classes
 * webhooks may never reach (API.md §11). */
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>

#include "webhooks.h"

static const struct {
	const char *addr;
	bool forbidden;
} addrs[] = {
	{ "93.184.215.14", false },
	{ "8.8.8.8", false },
	{ "1.1.1.1", false },
	{ "100.63.255.255", false }, /* just below CGNAT */
	{ "100.128.0.0", false }, /* just above it */
	{ "172.15.255.255", false },
	{ "172.32.0.0", false },
	{ "0.0.0.0", true },
	{ "0.1.2.3", true },
	{ "10.0.0.1", true },
	{ "100.64.0.1", true },
	{ "100.127.255.255", true },
	{ "127.0.0.1", true },
	{ "127.255.255.254", true },
	{ "169.254.169.254", true },
	{ "172.16.0.1", true },
	{ "172.31.255.255", true },
	{ "192.0.0.8", true },
	{ "192.0.2.1", true },
	{ "192.88.99.1", true },
	{ "192.168.1.1", true },
	{ "198.18.0.1", true },
	{ "198.19.255.255", true },
	{ "198.51.100.1", true },
	{ "203.0.113.1", true },
	{ "224.0.0.1", true },
	{ "239.255.255.255", true },
	{ "240.0.0.1", true },
	{ "255.255.255.255", true },
	{ "2606:4700:4700::1111", false },
	{ "2a00:1450:4001:80b::200e", false },
	{ "::", true },
	{ "::1", true },
	{ "::127.0.0.1", true },
	{ "::ffff:127.0.0.1", true },
	{ "::ffff:10.1.2.3", true },
	{ "::ffff:8.8.8.8", false },
	{ "64:ff9b::7f00:1", true },
	{ "64:ff9b::808:808", false },
	{ "100::1", true },
	{ "2001::1", true }, /* Teredo */
	{ "2001:db8::1", true },
	{ "2002:7f00:1::1", true }, /* 6to4 */
	{ "3fff::1", true },
	{ "fc00::1", true },
	{ "fd12:3456::1", true },
	{ "fe80::1", true },
	{ "fec0::1", true },
	{ "ff02::1", true },
};

static void test_forbidden(void **state)
{
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(addrs); i++) {
		struct sockaddr_in v4 = { .sin_family = AF_INET };
		struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
		const struct sockaddr *sa = (const struct sockaddr *)&v4;
		if (inet_pton(AF_INET, addrs[i].addr, &v4.sin_addr) != 1) {
			unit_check(addrs[i].addr,
				   inet_pton(AF_INET6, addrs[i].addr, &v6.sin6_addr) == 1);
			sa = (const struct sockaddr *)&v6;
		}
		unit_check_int(addrs[i].addr, webhooks_addr_forbidden(sa), addrs[i].forbidden);
	}
}

static const struct {
	const char *url;
	int ok;
	const char *host;
	int port;
} urls[] = {
	{ "https://example.com/hook", 1, "example.com", 443 },
	{ "http://example.com", 1, "example.com", 80 },
	{ "HTTPS://Example.COM:8443/x?y=1#z", 1, "Example.COM", 8443 },
	{ "http://[2606:4700::1]:8080/", 1, "2606:4700::1", 8080 },
	{ "http://93.184.215.14/", 1, "93.184.215.14", 80 },
	{ "ftp://example.com/", 0, NULL, 0 },
	{ "file:///etc/passwd", 0, NULL, 0 },
	{ "gopher://example.com/", 0, NULL, 0 },
	{ "https://user:pw@example.com/", 0, NULL, 0 },
	{ "https://user@example.com/", 0, NULL, 0 },
	{ "https://example.com:0/", 0, NULL, 0 },
	{ "https://example.com:65536/", 0, NULL, 0 },
	{ "https://example.com:/", 0, NULL, 0 },
	{ "https://example.com:8a/", 0, NULL, 0 },
	{ "https:///path", 0, NULL, 0 },
	{ "https://exa mple.com/", 0, NULL, 0 },
	{ "https://example.com/\n", 0, NULL, 0 },
	{ "https://ex%61mple.com/", 0, NULL, 0 },
	{ "https://[::1/", 0, NULL, 0 },
	{ "https://example.com_/", 0, NULL, 0 },
};

static void test_url_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(urls); i++) {
		struct strbuf why = STRBUF_INIT;
		struct webhooks_url u;
		int rc = webhooks_url_parse(urls[i].url, strlen(urls[i].url), &u, &why);
		unit_check_int(urls[i].url, rc == 0, urls[i].ok);
		if (urls[i].ok) {
			unit_check_str(urls[i].url, u.host, urls[i].host);
			unit_check_int(urls[i].url, u.port, urls[i].port);
		} else {
			unit_check(urls[i].url, why.len > 0);
		}
		strbuf_release(&why);
	}
}

static void test_url_length(void **state)
{
	struct strbuf url = STRBUF_INIT, why = STRBUF_INIT;
	struct webhooks_url u;
	(void)state;
	strbuf_addstr(&url, "https://example.com/");
	while (url.len < WEBHOOKS_URL_MAX)
		strbuf_addch(&url, 'a');
	unit_check_int("2048", webhooks_url_parse(url.buf, url.len, &u, &why), 0);
	strbuf_addch(&url, 'a');
	unit_check_int("2049", webhooks_url_parse(url.buf, url.len, &u, &why), -1);
	strbuf_release(&url);
	strbuf_release(&why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forbidden),
		cmocka_unit_test(test_url_parse),
		cmocka_unit_test(test_url_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
