/* fuzz_head.c: the request head: path and query decoding, routing, client address, answer. */
#include "fuzz.h"

#include "auth.h"
#include "conf.h"
#include "log.h"
#include "router.h"

/*
 * Input: lines (LF) REQUEST_URI, REQUEST_METHOD, X-Request-ID, X-Forwarded-For, Origin,
 * X-Kinglet-API-Version, Accept; the missing ones are not sent. The routes are every program's
 * table in one (router_match does not call handlers), in the order of PROGRAMS: each program's own
 * table, from its object (the Makefile links cgi-bin/<family>.o with its main() made local).
 */
#define PROGRAM_TABLE(p)                                                                           \
	extern const struct route *const p##_routes;                                               \
	extern const size_t p##_nroutes;
PROGRAM_TABLE(service)
PROGRAM_TABLE(users)
PROGRAM_TABLE(messages)
PROGRAM_TABLE(replies)
PROGRAM_TABLE(threads)
PROGRAM_TABLE(lists)

static struct route *routes;
static size_t nroutes;

static void add_routes(const struct route *table, size_t n)
{
	routes = xrealloc(routes, (nroutes + n) * sizeof(*routes));
	memcpy(routes + nroutes, table, n * sizeof(*table));
	nroutes += n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct strbuf err = STRBUF_INIT;
	(void)argc;
	(void)argv;
	conf_defaults();
	if (conf_set("http.trusted_proxies", "127.0.0.1 10.0.0.1", &err) < 0 ||
	    conf_set("http.cors_origins", "https://a.example", &err) < 0)
		abort();
	strbuf_release(&err);
	add_routes(service_routes, service_nroutes);
	add_routes(users_routes, users_nroutes);
	add_routes(messages_routes, messages_nroutes);
	add_routes(replies_routes, replies_nroutes);
	add_routes(threads_routes, threads_nroutes);
	add_routes(lists_routes, lists_nroutes);
	return 0;
}

static void check_decoded(const struct http_request *req)
{
	fuzz_assert(req->nsegs <= HTTP_MAX_SEGMENTS);
	for (size_t i = 0; i < req->nsegs; i++) {
		size_t len = strlen(req->segs[i]);
		fuzz_assert(utf8_valid(req->segs[i], len));
		fuzz_assert(!memchr(req->segs[i], '/', len));
	}
	fuzz_assert(req->query.n <= HTTP_MAX_PARAMS);
	for (size_t i = 0; i < req->query.n; i++) {
		const struct http_param *p = &req->query.items[i];
		fuzz_assert(*p->name && utf8_valid(p->name, strlen(p->name)));
		fuzz_assert(strlen(p->value) == p->len && utf8_valid(p->value, p->len));
		fuzz_assert(http_param_get(&req->query, p->name) == p);
	}
}

static void check_route(const struct http_request *req)
{
	fuzz_assert(req->route);
	fuzz_assert(!strcmp(req->route->method, req->is_head ? "GET" : req->method));
	fuzz_assert(router_find(routes, nroutes, req) == req->route);
	for (size_t i = 0; i < req->nparams; i++)
		fuzz_assert(req->params[i].num >= 0);
}

/* The access log's value is one logfmt token: no white space or control byte unquoted. */
static void check_log_value(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	log_add_value(&sb, s, len);
	fuzz_assert(!memchr(sb.buf, '\n', sb.len) && !memchr(sb.buf, '\r', sb.len));
	fuzz_assert(!memchr(sb.buf, '\0', sb.len));
	if (sb.len && sb.buf[0] != '"')
		fuzz_assert(!memchr(sb.buf, ' ', sb.len) && sb.len == len);
	strbuf_release(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "REQUEST_URI",	  "REQUEST_METHOD",
					     "HTTP_X_REQUEST_ID", "HTTP_X_FORWARDED_FOR",
					     "HTTP_ORIGIN",	  "HTTP_X_KINGLET_API_VERSION",
					     "HTTP_ACCEPT" };
	const char *p = (const char *)data, *end = p + size;
	struct fuzz_request r;
	struct http_request req;
	struct http_response resp;

	fuzz_request_init(&r, "", 0);
	fuzz_request_setenv_str(&r, "REMOTE_ADDR", "127.0.0.1");
	for (size_t i = 0; i < sizeof(names) / sizeof(*names) && p; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		fuzz_request_setenv(&r, names[i], p, (size_t)((nl ? nl : end) - p));
		p = nl ? nl + 1 : NULL;
	}
	http_request_init(&req, &r.io);
	http_response_init(&resp);

	int status = http_parse_head(&req, &resp, "/api/v1");
	check_log_value(req.path.buf, req.path.len);
	check_log_value(req.method, strlen(req.method));
	const char *client = auth_client_addr(&req);
	fuzz_assert(client && *client && !strchr(client, ','));
	/* CSV is version 1's; a suffix asks for it whatever Accept says. */
	fuzz_assert(!req.csv || req.api_version == 1);
	fuzz_assert(!req.csv_suffix || req.csv || req.api_version == 0);
	if (!status) {
		check_decoded(&req);
		status = router_match(routes, nroutes, &req, &resp);
		if (!status) {
			check_route(&req);
			resp_data(&resp);
			status = 200;
		}
	}
	fuzz_assert(status == 200 || resp.is_error);
	resp.status = status;
	http_send(&req, &resp);
	fuzz_check_response(fuzz_request_output(&r), req.is_head, false);

	http_request_release(&req);
	http_response_release(&resp);
	fuzz_request_release(&r);
	return 0;
}
