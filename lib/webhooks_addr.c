/* webhooks_addr.c: hook URLs and the addresses they may reach (API.md §11: never private networks).
 */
#include "webhooks.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "banned.h"

int webhooks_url_parse(const char *url, size_t len, struct webhooks_url *out, struct strbuf *why)
{
	const char *p, *end = url + len, *host, *host_end, *auth_end;
	memset(out, 0, sizeof(*out));
	if (len > WEBHOOKS_URL_MAX) {
		strbuf_addf(why, "at most %d characters", WEBHOOKS_URL_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f) {
			strbuf_addstr(why, "no spaces or control characters");
			return -1;
		}
	if (len >= 8 && !strncasecmp(url, "https://", 8)) {
		out->https = true;
		p = url + 8;
	} else if (len >= 7 && !strncasecmp(url, "http://", 7)) {
		p = url + 7;
	} else {
		strbuf_addstr(why, "http:// or https:// only");
		return -1;
	}
	auth_end = p;
	while (auth_end < end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#')
		auth_end++;
	if (memchr(p, '@', (size_t)(auth_end - p))) {
		strbuf_addstr(why, "no user name or password in the URL");
		return -1;
	}
	out->port = out->https ? 443 : 80;
	if (p < auth_end && *p == '[') {
		host = p + 1;
		host_end = memchr(host, ']', (size_t)(auth_end - host));
		if (!host_end) {
			strbuf_addstr(why, "unclosed [ in the host");
			return -1;
		}
		p = host_end + 1;
	} else {
		host = p;
		host_end = memchr(p, ':', (size_t)(auth_end - p));
		if (!host_end)
			host_end = auth_end;
		p = host_end;
	}
	if (p < auth_end) {
		long port = 0;
		if (*p != ':' || p + 1 == auth_end) {
			strbuf_addstr(why, "a malformed port");
			return -1;
		}
		for (p++; p < auth_end; p++) {
			if (*p < '0' || *p > '9' || port > 65535) {
				strbuf_addstr(why, "a malformed port");
				return -1;
			}
			port = port * 10 + (*p - '0');
		}
		if (port < 1 || port > 65535) {
			strbuf_addstr(why, "the port must be 1 to 65535");
			return -1;
		}
		out->port = (int)port;
	}
	size_t hlen = (size_t)(host_end - host);
	if (!hlen || hlen >= sizeof(out->host)) {
		strbuf_addstr(why, hlen ? "the host name is too long" : "a host is needed");
		return -1;
	}
	/* Letters, digits, - . and : (IPv6): no percent escapes a resolver might read otherwise. */
	for (size_t i = 0; i < hlen; i++) {
		char c = host[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == ':')) {
			strbuf_addstr(why, "the host has characters a host name cannot have");
			return -1;
		}
	}
	memcpy(out->host, host, hlen);
	out->host[hlen] = '\0';
	return 0;
}

/* Whether the IPv4 address (host order) is in prefix/bits. */
static bool in4(uint32_t a, uint32_t prefix, int bits)
{
	uint32_t mask = bits ? ~(uint32_t)0 << (32 - bits) : 0;
	return (a & mask) == (prefix & mask);
}

#define V4(a, b, c, d)                                                                             \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static bool forbidden4(uint32_t a)
{
	static const struct {
		uint32_t prefix;
		int bits;
	} nets[] = {
		{ V4(0, 0, 0, 0), 8 }, /* "this network", unspecified */
		{ V4(10, 0, 0, 0), 8 }, /* private */
		{ V4(100, 64, 0, 0), 10 }, /* CGNAT */
		{ V4(127, 0, 0, 0), 8 }, /* loopback */
		{ V4(169, 254, 0, 0), 16 }, /* link-local, cloud metadata */
		{ V4(172, 16, 0, 0), 12 }, /* private */
		{ V4(192, 0, 0, 0), 24 }, /* IETF protocol assignments */
		{ V4(192, 0, 2, 0), 24 }, /* documentation */
		{ V4(192, 88, 99, 0), 24 }, /* 6to4 relay anycast */
		{ V4(192, 168, 0, 0), 16 }, /* private */
		{ V4(198, 18, 0, 0), 15 }, /* benchmarking */
		{ V4(198, 51, 100, 0), 24 }, /* documentation */
		{ V4(203, 0, 113, 0), 24 }, /* documentation */
		{ V4(224, 0, 0, 0), 4 }, /* multicast */
		{ V4(240, 0, 0, 0), 4 }, /* reserved, broadcast */
	};
	for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++)
		if (in4(a, nets[i].prefix, nets[i].bits))
			return true;
	return false;
}

static uint32_t v4_at(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static bool forbidden6(const uint8_t *b)
{
	static const uint8_t zero[12];
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };
	/* ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d: never a public host. */
	if (!memcmp(b, zero, 12))
		return true;
	/* Mapped and NAT64 forms carry an IPv4 address: judged as that address. */
	if (!memcmp(b, mapped, 12) || !memcmp(b, nat64, 12))
		return forbidden4(v4_at(b + 12));
	/* Only global unicast (2000::/3) is ever public: ULA, link- and site-local, multicast out.
	 */
	if ((b[0] & 0xe0) != 0x20)
		return true;
	/* 2001::/23 IETF assignments (Teredo among them), 2001:db8::/32 and 3fff::/20
	 * documentation, 2002::/16 6to4 (it can carry a private IPv4 address). */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02)
		return true;
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		return true;
	if (b[0] == 0x3f && b[1] == 0xff && b[2] < 0x10)
		return true;
	if (b[0] == 0x20 && b[1] == 0x02)
		return true;
	return false;
}

bool webhooks_addr_forbidden(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return forbidden4(
			ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6)
		return forbidden6(
			((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr);
	return true;
}

int webhooks_addr_check(const struct sockaddr *sa, bool allow_private, char text[64],
			struct strbuf *why)
{
	const void *bin =
		sa->sa_family == AF_INET
			? (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr
			: (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	text[0] = '\0';
	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6) {
		strbuf_addstr(why, "not an IP address");
		return -1;
	}
	inet_ntop(sa->sa_family, bin, text, 64);
	if (!allow_private && webhooks_addr_forbidden(sa)) {
		strbuf_addf(why, "%s is a private or reserved address", text);
		return -1;
	}
	return 0;
}

int webhooks_resolve(const struct webhooks_url *u, bool allow_private, char addr[64],
		     struct strbuf *why)
{
	struct addrinfo hints, *res = NULL;
	int ret = 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	addr[0] = '\0';
	if (getaddrinfo(u->host, NULL, &hints, &res) || !res) {
		strbuf_addf(why, "%s does not resolve", u->host);
		return -2;
	}
	/* Every address must pass: a name may answer a public and a private one. */
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		char text[64];
		if (webhooks_addr_check(ai->ai_addr, allow_private, text, why)) {
			ret = -1;
			break;
		}
		if (!addr[0])
			snprintf(addr, 64, "%s", text);
	}
	freeaddrinfo(res);
	return ret;
}
