/* router.c: matching decoded path segments against the route table; 404, 405 and Allow. */
#include "router.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"

#include "banned.h"

/* The n-th segment of pattern ("/a/{b}" → "a", "{b}") as pointer and length. */
static size_t pattern_segments(const char *pattern, const char **segs, size_t *lens, size_t max)
{
	size_t n = 0;
	const char *p = pattern;
	while (*p == '/')
		p++;
	while (*p && n < max) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		segs[n] = p;
		lens[n++] = len;
		p += len;
		while (*p == '/')
			p++;
	}
	return n;
}

static bool is_param(const char *seg, size_t len)
{
	return len >= 2 && seg[0] == '{' && seg[len - 1] == '}';
}

/* -1: no match; otherwise the number of literal segments matched. */
static int match_score(const char *pattern, const struct http_request *req)
{
	const char *segs[HTTP_MAX_SEGMENTS + 1];
	size_t lens[HTTP_MAX_SEGMENTS + 1];
	size_t n = pattern_segments(pattern, segs, lens, HTTP_MAX_SEGMENTS + 1);
	int literals = 0;
	if (n != req->nsegs)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (is_param(segs[i], lens[i]))
			continue;
		if (strlen(req->segs[i]) != lens[i] || memcmp(req->segs[i], segs[i], lens[i]))
			return -1;
		literals++;
	}
	return literals;
}

static bool parse_number(const char *s, long long min, long long *out)
{
	size_t len = strlen(s);
	if (!len || len > 19)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	errno = 0;
	long long v = strtoll(s, NULL, 10);
	if (errno || v < min)
		return false;
	*out = v;
	return true;
}

static int capture_params(const char *pattern, struct http_request *req, struct http_response *resp)
{
	const char *segs[HTTP_MAX_SEGMENTS];
	size_t lens[HTTP_MAX_SEGMENTS];
	size_t n = pattern_segments(pattern, segs, lens, HTTP_MAX_SEGMENTS);
	req->nparams = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_param(segs[i], lens[i]))
			continue;
		if (req->nparams == HTTP_MAX_ROUTE_PARAMS)
			return resp_error(resp, ERR_INTERNAL, "route has too many parameters");
		struct route_param *p = &req->params[req->nparams++];
		const char *name = segs[i] + 1;
		size_t name_len = lens[i] - 2;
		p->str = req->segs[i];
		p->num = 0;
		long long min = -1;
		if ((name_len == 2 && !memcmp(name, "id", 2)) ||
		    (name_len == 4 && !memcmp(name, "page", 4)))
			min = 1;
		else if (name_len == 5 && !memcmp(name, "epoch", 5))
			min = 0;
		if (min >= 0 && !parse_number(p->str, min, &p->num))
			return resp_error(resp, ERR_INVALID_PATH_PARAMETER,
					  "'%.40s' is not a valid %.*s: a whole number from %lld",
					  p->str, (int)name_len, name, min);
	}
	return 0;
}

/* The pattern with the most literal segments that matches the path, or NULL. */
static const char *best_pattern(const struct route *routes, size_t n,
				const struct http_request *req)
{
	const char *best = NULL;
	int best_score = -1;
	for (size_t i = 0; i < n; i++) {
		int score = match_score(routes[i].pattern, req);
		if (score > best_score) {
			best_score = score;
			best = routes[i].pattern;
		}
	}
	return best;
}

const struct route *router_find(const struct route *routes, size_t n,
				const struct http_request *req)
{
	const char *best = best_pattern(routes, n, req);
	const char *method = req->is_head ? "GET" : req->method;
	for (size_t i = 0; best && i < n; i++)
		if (!strcmp(routes[i].pattern, best) && !strcmp(routes[i].method, method))
			return &routes[i];
	return NULL;
}

int router_match(const struct route *routes, size_t n, struct http_request *req,
		 struct http_response *resp)
{
	const char *best = best_pattern(routes, n, req);
	const char *method = req->is_head ? "GET" : req->method;

	if (!best)
		return resp_error(resp, ERR_NOT_FOUND, "no such route");

	struct strbuf allow = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(routes[i].pattern, best))
			continue;
		if (!strcmp(routes[i].method, method)) {
			strbuf_release(&allow);
			req->route = &routes[i];
			return capture_params(best, req, resp);
		}
		strbuf_addf(&allow, "%s%s", allow.len ? ", " : "", routes[i].method);
		if (!strcmp(routes[i].method, "GET"))
			strbuf_addstr(&allow, ", HEAD");
	}
	resp_header(resp, "Allow", "%s", allow.buf);
	int status = resp_error(resp, ERR_METHOD_NOT_ALLOWED, "%.16s is not allowed here; use %s",
				req->method, allow.buf);
	strbuf_release(&allow);
	return status;
}
