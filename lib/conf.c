/* conf.c: loading and validating the key = value configuration file. */
#include "conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_hosts.h"

#include "banned.h"

struct conf conf;

enum conf_type { CONF_STR, CONF_INT, CONF_BOOL, CONF_CHOICE };

struct conf_key {
	const char *key;
	enum conf_type type;
	size_t offset;
	const char *str_default;
	long long int_default, min, max;
	const char *choices; /* CONF_CHOICE: "a|b|c" */
	int (*check)(const char *key, const char *value, struct strbuf *err); /* CHECKED rows */
};

#define STR_ROW(k, f, d) { k, CONF_STR, offsetof(struct conf, f), d, 0, 0, 0, NULL, NULL },
#define INT_ROW(k, f, d, lo, hi)                                                                   \
	{ k, CONF_INT, offsetof(struct conf, f), NULL, d, lo, hi, NULL, NULL },
#define BOOL_ROW(k, f, d) { k, CONF_BOOL, offsetof(struct conf, f), NULL, d, 0, 1, NULL, NULL },
#define CHOICE_ROW(k, f, d, c) { k, CONF_CHOICE, offsetof(struct conf, f), d, 0, 0, 0, c, NULL },
#define CHECKED_ROW(k, f, d, check)                                                                \
	{ k, CONF_STR, offsetof(struct conf, f), d, 0, 0, 0, NULL, check },
static const struct conf_key keys[] = { CONF_TABLE(STR_ROW, INT_ROW, BOOL_ROW, CHOICE_ROW,
						   CHECKED_ROW) };
#undef STR_ROW
#undef INT_ROW
#undef BOOL_ROW
#undef CHOICE_ROW
#undef CHECKED_ROW

#define FIELD(k, T) ((T *)((char *)&conf + (k)->offset))

static const struct conf_key *find_key(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(keys[i].key, name))
			return &keys[i];
	return NULL;
}

void conf_defaults(void)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct conf_key *k = &keys[i];
		switch (k->type) {
		case CONF_STR:
		case CONF_CHOICE:
			free(*FIELD(k, char *));
			*FIELD(k, char *) = xstrdup(k->str_default);
			break;
		case CONF_INT:
			*FIELD(k, long long) = k->int_default;
			break;
		case CONF_BOOL:
			*FIELD(k, bool) = k->int_default != 0;
			break;
		}
	}
}

int conf_set(const char *name, const char *value, struct strbuf *err)
{
	const struct conf_key *k = find_key(name);
	if (!k) {
		strbuf_addf(err, "unknown key '%s'", name);
		return -1;
	}
	switch (k->type) {
	case CONF_STR:
		if (k->check && k->check(name, value, err) < 0)
			return -1;
		free(*FIELD(k, char *));
		*FIELD(k, char *) = xstrdup(value);
		return 0;
	case CONF_CHOICE: {
		size_t n = strlen(value);
		for (const char *c = k->choices; *c;) {
			const char *bar = strchr(c, '|');
			size_t len = bar ? (size_t)(bar - c) : strlen(c);
			if (len == n && !memcmp(c, value, n)) {
				free(*FIELD(k, char *));
				*FIELD(k, char *) = xstrdup(value);
				return 0;
			}
			c += len + (bar ? 1 : 0);
		}
		strbuf_addf(err, "%s: '%s' is not one of %s", name, value, k->choices);
		return -1;
	}
	case CONF_INT: {
		char *end;
		errno = 0;
		long long v = strtoll(value, &end, 10);
		if (!*value || *end || errno) {
			strbuf_addf(err, "%s: '%s' is not a whole number", name, value);
			return -1;
		}
		if (v < k->min || v > k->max) {
			strbuf_addf(err, "%s: %lld is out of range (%lld to %lld)", name, v, k->min,
				    k->max);
			return -1;
		}
		*FIELD(k, long long) = v;
		return 0;
	}
	case CONF_BOOL:
		if (!strcasecmp(value, "true") || !strcmp(value, "1") ||
		    !strcasecmp(value, "yes") || !strcasecmp(value, "on")) {
			*FIELD(k, bool) = true;
			return 0;
		}
		if (!strcasecmp(value, "false") || !strcmp(value, "0") ||
		    !strcasecmp(value, "no") || !strcasecmp(value, "off")) {
			*FIELD(k, bool) = false;
			return 0;
		}
		strbuf_addf(err, "%s: '%s' is not true or false", name, value);
		return -1;
	}
	return -1;
}

static const char *trim(char *s, char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*end = '\0';
	return s;
}

int conf_parse(const char *name, const char *text, size_t len, struct strbuf *err)
{
	char *copy = xmemdupz(text, len);
	char *line = copy, *end = copy + len;
	int ret = 0;
	for (unsigned lineno = 1; line < end; lineno++) {
		char *eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			eol = end;
		*eol = '\0';
		if (memchr(line, '\0', (size_t)(eol - line))) {
			strbuf_addf(err, "%s:%u: NUL byte in line", name, lineno);
			ret = -1;
			goto out;
		}
		const char *s = trim(line, eol);
		if (*s && *s != '#') {
			char *eq = strchr(s, '=');
			if (!eq) {
				strbuf_addf(err, "%s:%u: expected 'key = value'", name, lineno);
				ret = -1;
				goto out;
			}
			const char *value = trim(eq + 1, eol);
			const char *key = trim((char *)s, eq);
			size_t before = err->len;
			if (conf_set(key, value, err) < 0) {
				char *reason = xmemdupz(err->buf + before, err->len - before);
				strbuf_setlen(err, before);
				strbuf_addf(err, "%s:%u: %s", name, lineno, reason);
				free(reason);
				ret = -1;
				goto out;
			}
		}
		line = eol + 1;
	}
out:
	free(copy);
	return ret;
}

int conf_load(const char *path, struct strbuf *err)
{
	conf_defaults();
	if (path && *path) {
		FILE *f = fopen(path, "r");
		struct strbuf text = STRBUF_INIT;
		char chunk[4096];
		size_t n;
		if (!f) {
			strbuf_addf(err, "%s: cannot open: %s", path, strerror(errno));
			return -1;
		}
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			strbuf_add(&text, chunk, n);
		fclose(f);
		int rc = conf_parse(path, text.buf, text.len, err);
		strbuf_release(&text);
		if (rc < 0)
			return -1;
	}
	const char *pw = getenv("KINGLET_DB_PASSWORD");
	if (pw)
		conf_set("db.password", pw, err);
	if (conf.http_base_path[0] != '/' ||
	    conf.http_base_path[strlen(conf.http_base_path) - 1] == '/') {
		strbuf_addf(err, "http.base_path: '%s' must start with '/' and not end with '/'",
			    conf.http_base_path);
		return -1;
	}
	return 0;
}

bool conf_list_has(const char *list, const char *word, size_t len)
{
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, " ,");
		if (n && n == len && !memcmp(p, word, len))
			return true;
		p += n;
		p += strspn(p, " ,");
	}
	return false;
}

/* One entry of an address list, "address" or "address/bits": family, address bytes, prefix. */
struct conf_net {
	int family;
	unsigned char addr[16];
	unsigned bits;
};

/* Parse len bytes of word; an IPv4-mapped IPv6 address is taken as the IPv4 address it is. */
static bool parse_net(const char *word, size_t len, struct conf_net *net)
{
	char buf[INET6_ADDRSTRLEN + 8];
	long bits = -1;
	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, word, len);
	buf[len] = '\0';
	char *slash = strchr(buf, '/');
	if (slash) {
		*slash++ = '\0';
		if (!*slash || strlen(slash) > 3 || strspn(slash, "0123456789") != strlen(slash))
			return false;
		bits = strtol(slash, NULL, 10);
	}
	unsigned max;
	if (inet_pton(AF_INET, buf, net->addr) == 1) {
		net->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, net->addr) == 1) {
		static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
		net->family = AF_INET6;
		max = 128;
		if (!memcmp(net->addr, mapped, sizeof(mapped)) && (bits < 0 || bits >= 96)) {
			memmove(net->addr, net->addr + 12, 4);
			net->family = AF_INET;
			max = 32;
			if (bits >= 0)
				bits -= 96;
		}
	} else {
		return false;
	}
	if (bits > (long)max)
		return false;
	net->bits = bits < 0 ? max : (unsigned)bits;
	return true;
}

static bool net_contains(const struct conf_net *net, const struct conf_net *a)
{
	unsigned whole = net->bits / 8, rest = net->bits % 8;
	if (net->family != a->family || memcmp(net->addr, a->addr, whole))
		return false;
	return !rest || !((net->addr[whole] ^ a->addr[whole]) & (0xff << (8 - rest)) & 0xff);
}

bool conf_list_has_addr(const char *list, const char *addr)
{
	struct conf_net a, net;
	const char *p = list;
	if (!parse_net(addr, strlen(addr), &a))
		return false;
	while (*p) {
		size_t n = strcspn(p, " ,");
		if (n && parse_net(p, n, &net) && net_contains(&net, &a))
			return true;
		p += n;
		p += strspn(p, " ,");
	}
	return false;
}

int conf_check_addr_list(const char *key, const char *list, struct strbuf *err)
{
	struct conf_net net;
	const char *p = list + strspn(list, " ,");
	while (*p) {
		size_t n = strcspn(p, " ,");
		if (!parse_net(p, n, &net)) {
			strbuf_addf(err, "%s: '%.*s' is not an address or address/bits", key,
				    (int)n, p);
			return -1;
		}
		p += n;
		p += strspn(p, " ,");
	}
	return 0;
}
