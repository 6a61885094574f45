/* http.c: decoding the request from CGI variables and body bytes, and writing the JSON response. */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "format.h"
#include "io.h"
#include "random.h"
#include "resp.h"
#include "utf8.h"
#include "wire.h"

#include "banned.h"

extern char **environ;

void http_request_init(struct http_request *req, struct http_io *io)
{
	memset(req, 0, sizeof(*req));
	req->io = io;
	req->api_version = (int)conf.api_default_version; /* until http_parse_head reads it */
	strbuf_init(&req->path, 0);
	clock_gettime(CLOCK_MONOTONIC, &req->started);
}

void http_params_release(struct http_params *params)
{
	for (size_t i = 0; i < params->n; i++) {
		free(params->items[i].name);
		free(params->items[i].value);
	}
	free(params->items);
	memset(params, 0, sizeof(*params));
}

void http_request_release(struct http_request *req)
{
	strbuf_release(&req->path);
	for (size_t i = 0; i < req->nsegs; i++)
		free(req->segs[i]);
	http_params_release(&req->query);
	http_params_release(&req->form);
	json_object_put(req->body);
	memset(req, 0, sizeof(*req));
}

const char *http_env(const struct http_request *req, const char *name)
{
	if (req->io && req->io->fcgx)
		return FCGX_GetParam(name, req->io->fcgx->envp);
	return getenv(name);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int http_percent_decode(struct strbuf *out, const char *src, size_t len, bool plus_is_space)
{
	strbuf_grow(out, len);
	for (size_t i = 0; i < len; i++) {
		char c = src[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= len)
				return -1;
			hi = hexval((unsigned char)src[i + 1]);
			lo = hexval((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			strbuf_addch(out, hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			strbuf_addch(out, ' ');
		} else {
			strbuf_addch(out, c);
		}
	}
	return 0;
}

const struct http_param *http_param_get(const struct http_params *params, const char *name)
{
	for (size_t i = 0; i < params->n; i++)
		if (!strcmp(params->items[i].name, name))
			return &params->items[i];
	return NULL;
}

int http_parse_params(struct http_params *params, const char *s, size_t len, const char *what,
		      struct http_response *resp)
{
	struct strbuf name = STRBUF_INIT, value = STRBUF_INIT;
	const char *end = s + len;
	int ret = 0;
	while (s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *piece_end = amp ? amp : end;
		const char *eq = memchr(s, '=', (size_t)(piece_end - s));
		const char *name_end = eq ? eq : piece_end;
		if (piece_end == s)
			goto next;
		strbuf_reset(&name);
		strbuf_reset(&value);
		if (http_percent_decode(&name, s, (size_t)(name_end - s), true) < 0 ||
		    (eq &&
		     http_percent_decode(&value, eq + 1, (size_t)(piece_end - eq - 1), true) < 0)) {
			ret = resp_error(resp, ERR_INVALID_QUERY_PARAMETER,
					 "%s: malformed percent-encoding", what);
			goto out;
		}
		if (!utf8_valid(name.buf, name.len) || !utf8_valid(value.buf, value.len)) {
			ret = resp_error(resp, ERR_INVALID_ENCODING,
					 "%s: not UTF-8, or contains NUL", what);
			goto out;
		}
		if (!name.len) {
			ret = resp_error(resp, ERR_INVALID_QUERY_PARAMETER,
					 "%s: a parameter has no name", what);
			goto out;
		}
		const struct http_param *seen = http_param_get(params, name.buf);
		if (seen) {
			if (seen->len != value.len || memcmp(seen->value, value.buf, value.len)) {
				resp_invalid_param(resp, name.buf, "duplicate",
						   "given twice with different values");
				ret = resp_error(resp, ERR_DUPLICATE_PARAMETER,
						 "%s: '%.64s' given twice with different values",
						 what, name.buf);
				goto out;
			}
			goto next;
		}
		if (params->n >= HTTP_MAX_PARAMS) {
			ret = resp_error(resp, ERR_INVALID_QUERY_PARAMETER,
					 "%s: more than %d parameters", what, HTTP_MAX_PARAMS);
			goto out;
		}
		if (params->n == params->alloc) {
			params->alloc = params->alloc ? params->alloc * 2 : 8;
			params->items =
				xrealloc(params->items, params->alloc * sizeof(*params->items));
		}
		params->items[params->n].name = strbuf_detach(&name, NULL);
		params->items[params->n].value =
			strbuf_detach(&value, &params->items[params->n].len);
		params->n++;
	next:
		s = piece_end + (amp ? 1 : 0);
	}
out:
	strbuf_release(&name);
	strbuf_release(&value);
	return ret;
}

static bool valid_request_id(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];
		if (!(isalnum(c) || c == '.' || c == '_' || c == '-'))
			return false;
		if (n >= 64)
			return false;
	}
	return n > 0;
}

static void set_request_id(struct http_request *req)
{
	const char *given = http_env(req, "HTTP_X_REQUEST_ID");
	if (given && valid_request_id(given)) {
		snprintf(req->request_id, sizeof(req->request_id), "%s", given);
		return;
	}
	if (random_uuid(req->request_id) < 0)
		snprintf(req->request_id, sizeof(req->request_id), "pid%d-%ld", (int)getpid(),
			 (long)req->started.tv_nsec);
}

/*
 * The methods of RFC 9110 (and PATCH): a route may not allow one (405), any other is 501. lighttpd
 * answers 501 itself; Apache and nginx pass any method token on, so the programs decide.
 */
static bool method_known(const char *method)
{
	static const char *const known[] = { "GET",    "HEAD",	  "POST",  "PUT",    "PATCH",
					     "DELETE", "OPTIONS", "TRACE", "CONNECT" };
	for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
		if (!strcmp(method, known[i]))
			return true;
	return false;
}

/* X-Kinglet-API-Version: "0" or "1"; absent, api.default_version. Returns false for others. */
static bool set_api_version(struct http_request *req)
{
	const char *given = http_env(req, "HTTP_X_KINGLET_API_VERSION");
	req->api_version = (int)conf.api_default_version;
	if (!given)
		return true;
	if (strcmp(given, "0") && strcmp(given, "1"))
		return false;
	req->api_version = given[0] - '0';
	return true;
}

int http_parse_head(struct http_request *req, struct http_response *resp, const char *base)
{
	const char *uri = http_env(req, "REQUEST_URI");
	const char *method = http_env(req, "REQUEST_METHOD");
	struct strbuf seg = STRBUF_INIT;
	int ret = 0;

	set_request_id(req);
	req->method = method && *method ? method : "GET";
	req->is_head = !strcmp(req->method, "HEAD");
	if (!uri)
		uri = "";
	const char *q = strchr(uri, '?');
	size_t path_len = q ? (size_t)(q - uri) : strlen(uri);
	strbuf_add(&req->path, uri, path_len);
	if (!set_api_version(req)) {
		/* The error itself speaks version 1, the one the contract defines it in. */
		req->api_version = 1;
		ret = resp_error(resp, ERR_UNSUPPORTED_API_VERSION,
				 "X-Kinglet-API-Version must be 0 or 1");
		goto out;
	}
	if (!method_known(req->method)) {
		ret = resp_error(resp, ERR_NOT_IMPLEMENTED, "the method %.32s is not implemented",
				 req->method);
		goto out;
	}

	size_t base_len = strlen(base);
	const char *p = req->path.buf, *end = p + req->path.len;
	if (req->path.len < base_len || memcmp(p, base, base_len) ||
	    (req->path.len > base_len && p[base_len] != '/')) {
		ret = resp_error(resp, ERR_NOT_FOUND, "no route outside %s", base);
		goto out;
	}
	p += base_len;
	while (p < end) {
		const char *start = ++p; /* skip the '/' */
		const char *slash = memchr(start, '/', (size_t)(end - start));
		const char *stop = slash ? slash : end;
		/*
		 * Empty segments are nothing, as in the original (its web client asks for
		 * /users/NAME/logout//), which also makes a trailing slash no segment.
		 */
		if (stop == start) {
			p = stop;
			continue;
		}
		if (req->nsegs == HTTP_MAX_SEGMENTS) {
			ret = resp_error(resp, ERR_NOT_FOUND, "path has too many segments");
			goto out;
		}
		strbuf_reset(&seg);
		if (http_percent_decode(&seg, start, (size_t)(stop - start), false) < 0) {
			ret = resp_error(resp, ERR_INVALID_PATH_PARAMETER,
					 "malformed percent-encoding in the path");
			goto out;
		}
		if (memchr(seg.buf, '/', seg.len)) {
			ret = resp_error(resp, ERR_INVALID_PATH_PARAMETER,
					 "an encoded slash (%%2F) inside a path segment");
			goto out;
		}
		if (!utf8_valid(seg.buf, seg.len)) {
			ret = resp_error(resp, ERR_INVALID_ENCODING,
					 "a path segment is not UTF-8, or contains NUL");
			goto out;
		}
		req->segs[req->nsegs++] = strbuf_detach(&seg, NULL);
		p = stop;
	}
	req->csv_suffix = req->nsegs && format_strip_csv(req->segs[req->nsegs - 1]);
	/* Version 0 is the original's JSON, and only that (API.md §10). */
	req->csv = req->api_version != 0 &&
		   (req->csv_suffix || format_accepts_csv(http_env(req, "HTTP_ACCEPT")));
	if (q)
		ret = http_parse_params(&req->query, q + 1, strlen(q + 1), "query string", resp);
out:
	strbuf_release(&seg);
	return ret;
}

/* The media type of CONTENT_TYPE, lower-cased, and whether its charset (if any) is UTF-8. */
static void media_type(const char *ct, struct strbuf *type, bool *charset_ok)
{
	*charset_ok = true;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	while (*ct && *ct != ';' && *ct != ' ' && *ct != '\t')
		strbuf_addch(type, tolower((unsigned char)*ct++));
	while (*ct) {
		while (*ct == ';' || *ct == ' ' || *ct == '\t')
			ct++;
		if (!strncasecmp(ct, "charset=", 8)) {
			const char *v = ct + 8;
			if (*v == '"')
				v++;
			*charset_ok = !strncasecmp(v, "utf-8", 5) &&
				      (v[5] == '\0' || v[5] == '"' || v[5] == ';' || v[5] == ' ');
		}
		while (*ct && *ct != ';')
			ct++;
	}
}

static ssize_t read_some(struct http_request *req, char *buf, size_t len)
{
	if (req->io && req->io->fcgx)
		return FCGX_GetStr(buf, (int)len, req->io->fcgx->in);
	for (;;) {
		ssize_t n = read(0, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		return n;
	}
}

int http_read_bytes(struct http_request *req, struct http_response *resp, size_t max,
		    struct strbuf *body, bool *is_form)
{
	const char *cl = http_env(req, "CONTENT_LENGTH");
	const char *ct = http_env(req, "CONTENT_TYPE");
	struct strbuf type = STRBUF_INIT;
	unsigned long long length = 0;
	bool charset_ok;
	int ret = 0;

	if (cl && *cl) {
		char *end;
		errno = 0;
		if (!isdigit((unsigned char)*cl) || (length = strtoull(cl, &end, 10), *end) ||
		    errno) {
			ret = resp_error(resp, ERR_BAD_REQUEST, "Content-Length is not a number");
			goto out;
		}
	}
	if (!length)
		goto out;
	if (length > max) {
		ret = resp_error(resp, ERR_PAYLOAD_TOO_LARGE,
				 "the body is %llu bytes; the limit is %zu", length, max);
		goto out;
	}
	media_type(ct ? ct : "", &type, &charset_ok);
	bool is_json = !strcmp(type.buf, "application/json");
	*is_form = !strcmp(type.buf, "application/x-www-form-urlencoded");
	if ((!is_json && !*is_form) || !charset_ok) {
		ret = resp_error(resp, ERR_UNSUPPORTED_MEDIA_TYPE,
				 "Content-Type '%.80s' is not accepted", ct ? ct : "(none)");
		goto out;
	}
	strbuf_grow(body, (size_t)length);
	while (body->len < length) {
		ssize_t n = read_some(req, body->buf + body->len, (size_t)length - body->len);
		if (n <= 0)
			break;
		strbuf_setlen(body, body->len + (size_t)n);
	}
	if (body->len < length) {
		ret = resp_error(resp, ERR_INCOMPLETE_BODY, "got %zu of %llu bytes", body->len,
				 length);
		goto out;
	}
out:
	strbuf_release(&type);
	return ret;
}

static void write_out(struct http_request *req, const char *buf, size_t len)
{
	if (req->io && req->io->fcgx) {
		FCGX_PutStr(buf, (int)len, req->io->fcgx->out);
		return;
	}
	/* A client that went away is nobody to tell. */
	(void)write_in_full(1, buf, len);
}

/*
 * CORS for the configured origins only: the origin is echoed, never "*", and no cookies are
 * involved (credentials travel in headers), so Access-Control-Allow-Credentials is not sent.
 */
static void add_cors(const struct http_request *req, const struct http_response *resp,
		     struct strbuf *out)
{
	const char *origin = http_env(req, "HTTP_ORIGIN");
	if (!origin || !*origin || strpbrk(origin, "\r\n") ||
	    !conf_list_has(conf.http_cors_origins, origin, strlen(origin)))
		return;
	strbuf_addf(out, "Access-Control-Allow-Origin: %s\r\nVary: Origin\r\n", origin);
	if (resp->preflight)
		strbuf_addstr(
			out, "Access-Control-Allow-Methods: GET, HEAD, POST, PUT, PATCH, DELETE\r\n"
			     "Access-Control-Allow-Headers: Authorization, Content-Type, "
			     "X-Api-Key, Idempotency-Key, If-None-Match, X-Request-ID, "
			     "X-Kinglet-API-Version\r\n"
			     "Access-Control-Max-Age: 600\r\n");
	else
		strbuf_addstr(out, "Access-Control-Expose-Headers: X-Request-ID, Location, ETag, "
				   "Link, Retry-After, Idempotent-Replayed, X-RateLimit-Limit, "
				   "X-RateLimit-Remaining, X-RateLimit-Reset, "
				   "X-Kinglet-API-Version\r\n");
}

/*
 * The status line and headers of resp into out: the common ones, Content-Type and (length >= 0)
 * Content-Length when there is a body, the route's own, CORS, and the blank line.
 */
static void add_head(struct http_request *req, struct http_response *resp, struct strbuf *out,
		     const char *content_type, long long length)
{
	strbuf_reset(out);
	strbuf_addf(out,
		    "Status: %d %s\r\n"
		    "X-Request-ID: %s\r\n"
		    "X-Kinglet-API-Version: %d\r\n"
		    "X-Content-Type-Options: nosniff\r\n"
		    "X-Frame-Options: DENY\r\n"
		    "Referrer-Policy: no-referrer\r\n"
		    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n",
		    resp->status, http_reason(resp->status), req->request_id, req->api_version);
	if (!resp->cacheable)
		strbuf_addstr(out, "Cache-Control: no-store\r\n");
	if (resp->rl.checked)
		strbuf_addf(out,
			    "X-RateLimit-Limit: %lld\r\nX-RateLimit-Remaining: %lld\r\n"
			    "X-RateLimit-Reset: %lld\r\n",
			    resp->rl.limit, resp->rl.remaining, resp->rl.reset);
	if (!resp->no_body)
		strbuf_addf(out, "Content-Type: %s\r\n", content_type);
	if (!resp->no_body && length >= 0)
		strbuf_addf(out, "Content-Length: %lld\r\n", length);
	strbuf_add(out, resp->headers.buf, resp->headers.len);
	add_cors(req, resp, out);
	strbuf_addstr(out, "\r\n");
}

void http_send(struct http_request *req, struct http_response *resp)
{
	struct json_object *env = json_object_new_object();
	struct strbuf *out = &resp->out;
	struct strbuf words = STRBUF_INIT;
	bool v0 = req->api_version == 0;
	const char *body = "";
	size_t body_len = 0;

	if (resp->streamed) /* http_send_head sent it, http_write its body */
		goto out;
	if (!resp->status)
		resp->status = 500;
	/* The original answered every client error of the request's content with 400. */
	if (v0 && resp->is_error && (resp->status == 409 || resp->status == 422))
		resp->status = 400;
	json_object_object_add(env, "status", json_object_new_int(resp->status));
	if (resp->is_error || !resp->omit_description)
		json_object_object_add(env, "description",
				       json_object_new_string(v0 && resp->status == 401
								      ? "Not Authorized"
								      : http_reason(resp->status)));
	if (resp->data) {
		json_object_object_foreach (resp->data, key, val)
			json_object_object_add(env, key, json_object_get(val));
	}
	if (resp->is_error && v0) {
		/* The original's four fields (and the route's own, as request_status) only. */
		wire_v0_user_message(req->route ? req->route->method : NULL,
				     req->route ? req->route->pattern : NULL,
				     req->nsegs ? req->segs[0] : "", resp, &words);
		json_object_object_add(env, "user_message",
				       json_object_new_string_len(words.buf, (int)words.len));
		json_object_object_add(env, "system_message",
				       json_object_new_string_len(resp->system_message.buf,
								  (int)resp->system_message.len));
	} else if (resp->is_error) {
		json_object_object_add(env, "user_message",
				       json_object_new_string_len(resp->user_message.buf,
								  (int)resp->user_message.len));
		json_object_object_add(env, "system_message",
				       json_object_new_string_len(resp->system_message.buf,
								  (int)resp->system_message.len));
		json_object_object_add(env, "code",
				       json_object_new_string(err_info(resp->err)->code));
		if (resp->invalid_params)
			json_object_object_add(env, "invalid_params",
					       json_object_get(resp->invalid_params));
		json_object_object_add(env, "request_id", json_object_new_string(req->request_id));
	}
	bool raw = resp->raw && !resp->is_error;
	/* Version 0 ends with the object: the original's scripts append their own newline. */
	bool newline = !raw && !v0;
	if (raw) {
		body = resp->raw;
		body_len = resp->raw_len;
	} else if (!resp->no_body) {
		size_t n;
		body = json_object_to_json_string_length(
			env, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
		body_len = n;
	}

	add_head(req, resp, out, "application/json; charset=utf-8",
		 (long long)body_len + (newline ? 1 : 0));
	size_t head_len = out->len;
	if (!resp->no_body && !req->is_head) {
		strbuf_add(out, body, body_len);
		if (newline)
			strbuf_addch(out, '\n');
	}
	resp->body_bytes = out->len - head_len;
	write_out(req, out->buf, out->len);
out:
	json_object_put(env);
	strbuf_release(&words);
}

void http_send_head(struct http_request *req, struct http_response *resp, const char *content_type)
{
	strbuf_reset(&resp->out);
	add_head(req, resp, &resp->out, content_type, -1);
	write_out(req, resp->out.buf, resp->out.len);
	strbuf_reset(&resp->out);
	resp->streamed = true;
	resp->body_bytes = 0;
}

void http_write(struct http_request *req, struct http_response *resp, const char *buf, size_t len)
{
	if (req->is_head || !len)
		return;
	write_out(req, buf, len);
	resp->body_bytes += len;
}
