/*
 * http.h: the request of one API call (decoding, body limits), the route table's types, and
 * sending the response (resp.h) as the JSON envelope.
 */
#ifndef KINGLET_HTTP_H
#define KINGLET_HTTP_H

#include <fcgiapp.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "ratelimit.h"
#include "resp.h"
#include "strbuf.h"

#define HTTP_MAX_PARAMS 256 /* query or form fields; more is 400 */
#define HTTP_MAX_SEGMENTS 16 /* path segments after the base path; more is 404 */
#define HTTP_MAX_ROUTE_PARAMS 4

/* Where a request comes from: a FastCGI request, or (fcgx NULL) plain CGI on stdin/stdout. */
struct http_io {
	FCGX_Request *fcgx;
};

struct http_param {
	char *name; /* decoded, NUL-terminated */
	char *value; /* decoded, NUL-terminated, valid UTF-8 without NUL */
	size_t len;
};

struct http_params {
	struct http_param *items;
	size_t n, alloc;
};

struct route;

/* A path parameter captured by the router: the decoded segment, and its number when numeric. */
struct route_param {
	const char *str;
	long long num;
};

/*
 * All strings are owned by the request (released by http_request_release) except those from
 * http_env(), which live until the request is finished.
 */
struct http_request {
	struct http_io *io;
	const char *method; /* as sent, HEAD too (its route is a GET one: route->method) */
	bool is_head;
	char request_id[65];
	/*
	 * The wire version of the answer (API.md §10): X-Kinglet-API-Version, else
	 * api.default_version. 1 is the contract; 0 renders the original Kinglet's shapes.
	 */
	int api_version;
	/*
	 * The answer is CSV where the route has a CSV form (API.md §12): asked for with a .csv
	 * suffix on the last path segment (csv_suffix: stripped before routing, so that every
	 * route matches as without it) or with Accept: text/csv. Version 0 answers JSON only.
	 */
	bool csv;
	bool csv_suffix;
	struct timespec started;
	struct strbuf path; /* raw path of REQUEST_URI, without the query string (for the log) */
	char *segs[HTTP_MAX_SEGMENTS];
	size_t nsegs; /* decoded segments after the base path; empty ones (// and a trailing /)
			 skipped */
	struct http_params query;
	struct http_params form; /* fields of a form-encoded body */
	struct json_object
		*body; /* the body's JSON object (reference owned), NULL without a body */
	bool body_is_form; /* body came from form fields without a json field: all strings */
	const struct route *route;
	long long user_id; /* the authenticated caller (auth_require), 0 when none */
	struct route_param params[HTTP_MAX_ROUTE_PARAMS];
	size_t nparams;
};

/* A handler fills resp (resp_data(), resp_header()) and returns the HTTP status. */
typedef int (*route_handler)(struct http_request *req, struct http_response *resp);

/*
 * pattern is relative to the base path: "/", "/time", "/messages/{id}/replies". A {name} segment
 * captures one path segment into req->params in order. {id} and {page} must be decimal integers
 * from 1, {epoch} from 0, all at most 2^63-1; other names take any segment. Where two patterns
 * match a path, the one with more literal segments wins (so "/messages/threads" beats
 * "/messages/{id}").
 */
struct route {
	const char *method;
	const char *pattern;
	route_handler handler;
	enum rl_class limit; /* its rate-limit class; RL_DEFAULT when left out */
};

void http_request_init(struct http_request *req, struct http_io *io);
void http_request_release(struct http_request *req);

/* A CGI variable of the current request (HTTP_* for headers), or NULL. Valid until finish. */
const char *http_env(const struct http_request *req, const char *name);

/*
 * Read method, request id, path and query string from the web server's variables. base is the
 * configured base path. Returns 0, or an HTTP status after writing the error into resp.
 */
int http_parse_head(struct http_request *req, struct http_response *resp, const char *base);
/*
 * Check CONTENT_LENGTH against max (413 before reading) and the content type (415: JSON or a
 * form, UTF-8), and read exactly that many bytes into body (appended; nothing without a body).
 * *is_form tells a form from JSON. Returns 0 or an error status written into resp.
 */
int http_read_bytes(struct http_request *req, struct http_response *resp, size_t max,
		    struct strbuf *body, bool *is_form);
/*
 * http_read_bytes, then parse the JSON object or the form into req->body (400). Returns 0 or an
 * error status. It lives in body.c, which owns turning the bytes into req->body; it is declared
 * here because reading the body is a step of every request, like http_parse_head.
 */
int http_read_body(struct http_request *req, struct http_response *resp, size_t max);

/* Percent-decode src (plus_is_space for query/form). Returns 0, or -1 on a malformed escape. */
int http_percent_decode(struct strbuf *out, const char *src, size_t len, bool plus_is_space);
/*
 * Parse an a=1&b=2 string into params. Returns 0 or an error status written into resp
 * (invalid_query_parameter, invalid_encoding, duplicate_parameter). what names the source.
 */
int http_parse_params(struct http_params *params, const char *s, size_t len, const char *what,
		      struct http_response *resp);
/* The value of name in params, or NULL. */
const struct http_param *http_param_get(const struct http_params *params, const char *name);
void http_params_release(struct http_params *params);

/*
 * Serialise resp (envelope, security headers, X-Request-ID) into resp->out and write it.
 * Version 0 (req->api_version): no trailing newline; errors carry only status, description,
 * user_message, system_message (and resp->data's fields), 409 and 422 become 400, and a 401's
 * description is "Not Authorized".
 */
void http_send(struct http_request *req, struct http_response *resp);

/*
 * A streamed answer (a CSV list): send resp's status (resp->status) and headers now, with
 * content_type and no Content-Length, then the body in pieces with http_write; http_send does
 * nothing more for it. Headers added to resp after http_send_head are not sent.
 */
void http_send_head(struct http_request *req, struct http_response *resp, const char *content_type);
/* Write len bytes of a streamed body (nothing for HEAD); counted in resp->body_bytes. */
void http_write(struct http_request *req, struct http_response *resp, const char *buf, size_t len);

#endif
