/* db_hosts.c: parses db.hosts, the list of database nodes (for conf.c's check and db_nodes.c). */
#include "db_hosts.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "banned.h"

static bool host_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

/* One entry of db.hosts (n bytes at p, no separators in it) into h. */
static int host_parse(const char *p, size_t n, struct db_host *h, struct strbuf *err)
{
	const char *host = p, *colon;
	size_t hlen;
	unsigned long port = 0;
	char v6[DB_HOST_ADDR_MAX];

	if (*p == '/') {
		if (n >= DB_HOST_ADDR_MAX) {
			strbuf_addf(err, "db.hosts: socket path '%.*s' is longer than %d bytes",
				    (int)n, p, DB_HOST_ADDR_MAX - 1);
			return -1;
		}
		memcpy(h->addr, p, n);
		h->addr[n] = '\0';
		h->port = 0;
		return 0;
	}
	if (*p == '[') {
		const char *close = memchr(p, ']', n);
		host = p + 1;
		hlen = close ? (size_t)(close - host) : 0;
		colon = close && close + 1 < p + n && close[1] == ':' ? close + 1 : NULL;
		if (colon && hlen < sizeof(v6)) {
			memcpy(v6, host, hlen);
			v6[hlen] = '\0';
		}
		if (!colon || hlen >= sizeof(v6) || inet_pton(AF_INET6, v6, h->addr) != 1) {
			strbuf_addf(err, "db.hosts: '%.*s' is not [IPv6 address]:port", (int)n, p);
			return -1;
		}
	} else {
		colon = memchr(p, ':', n);
		hlen = colon ? (size_t)(colon - p) : n;
		for (size_t i = 0; i < hlen; i++)
			if (!host_char(p[i]))
				hlen = 0;
		if (!colon || !hlen || hlen >= DB_HOST_ADDR_MAX) {
			strbuf_addf(err,
				    "db.hosts: '%.*s' is not host:port, [IPv6 address]:port or an "
				    "absolute socket path",
				    (int)n, p);
			return -1;
		}
	}
	size_t plen = (size_t)(p + n - colon - 1);
	for (size_t i = 0; i < plen && port <= 65535; i++)
		port = isdigit((unsigned char)colon[1 + i])
			       ? port * 10 + (unsigned)(colon[1 + i] - '0')
			       : 65536;
	if (!plen || port < 1 || port > 65535) {
		strbuf_addf(err, "db.hosts: '%.*s': the port must be a number from 1 to 65535",
			    (int)n, p);
		return -1;
	}
	memcpy(h->addr, host, hlen);
	h->addr[hlen] = '\0';
	h->port = (unsigned)port;
	return 0;
}

int db_hosts_parse(const char *list, struct db_host *out, struct strbuf *err)
{
	struct db_host scratch;
	int n = 0;
	const char *p = list + strspn(list, " ,\t");
	while (*p) {
		size_t len = strcspn(p, " ,\t");
		if (n == DB_HOSTS_MAX) {
			strbuf_addf(err, "db.hosts: more than %d nodes", DB_HOSTS_MAX);
			return -1;
		}
		if (host_parse(p, len, out ? &out[n] : &scratch, err) < 0)
			return -1;
		n++;
		p += len;
		p += strspn(p, " ,\t");
	}
	return n;
}

int db_hosts_check(const char *key, const char *list, struct strbuf *err)
{
	(void)key; /* db_hosts_parse names it */
	return db_hosts_parse(list, NULL, err) < 0 ? -1 : 0;
}
