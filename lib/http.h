/* http.h: the request and response of one API call: decoding, body limits, JSON envelope. */
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

struct route; /* router.h */

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

struct http_response {
	int status;
	struct strbuf headers; /* extra header lines, each "Name: value\r\n" */
	struct json_object *data; /* the route's own fields, NULL until resp_data() */
	bool is_error;
	enum err_code err;
	struct strbuf user_message, system_message;
	struct json_object *invalid_params; /* array, NULL when none */
	bool no_body; /* 304: headers only */
	/*
	 * A success without "description": the original's PUT /users/password answer, which its
	 * version 0 keeps (API.md §10). Errors always have one.
	 */
	bool omit_description;
	bool cacheable; /* omit Cache-Control: no-store */
	struct rl_result rl; /* the rate limit, for X-RateLimit-* (when rl.checked) */
	bool preflight; /* an OPTIONS answer: CORS preflight headers for allowed origins */
	size_t body_bytes; /* what http_send wrote as the body (for the log) */
	/*
	 * A JSON body sent as it is instead of the envelope (the OpenAPI document), unless the
	 * response is an error. Borrowed: it must stay valid until http_send(). NULL: the envelope.
	 */
	const char *raw;
	size_t raw_len;
	struct strbuf out; /* serialised response, reused across requests */
};

void http_request_init(struct http_request *req, struct http_io *io);
void http_request_release(struct http_request *req);
void http_response_init(struct http_response *resp);
/* Forget the response's content, keeping buffers for the next request. */
void http_response_reset(struct http_response *resp);
void http_response_release(struct http_response *resp);

/* A CGI variable of the current request (HTTP_* for headers), or NULL. Valid until finish. */
const char *http_env(const struct http_request *req, const char *name);

/*
 * Read method, request id, path and query string from the web server's variables. base is the
 * configured base path. Returns 0, or an HTTP status after writing the error into resp.
 */
int http_parse_head(struct http_request *req, struct http_response *resp, const char *base);
/*
 * Check CONTENT_LENGTH against max (413 before reading), the content type (415), read exactly
 * that many bytes and parse the JSON object or the form (400). Returns 0 or an error status.
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

/* The route's own fields (created on first use; borrowed reference). */
struct json_object *resp_data(struct http_response *resp);
/* Add a header line; name and value must not contain CR or LF (dropped if they do). */
void resp_header(struct http_response *resp, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Make resp the error e. system_fmt (may be NULL) explains it for developers: never put secrets,
 * SQL or library errors in it. Returns the HTTP status, so handlers write
 * `return resp_error(resp, ERR_NOT_FOUND, "no message %lld", id);`.
 */
int resp_error(struct http_response *resp, enum err_code e, const char *system_fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* As resp_error with a user message other than the table's. */
int resp_error_user(struct http_response *resp, enum err_code e, const char *user_message,
		    const char *system_fmt, ...) __attribute__((format(printf, 4, 5)));
/* Record an invalid field for a later ERR_VALIDATION (reason: a snake_case word). */
void resp_invalid_param(struct http_response *resp, const char *name, const char *reason,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* 429 rate_limited with Retry-After from resp->rl. */
int resp_rate_limited(struct http_response *resp);
/* Answer a failed database operation (enum db_rc): 503 database_unavailable, else 500. */
int resp_db_error(struct http_response *resp, int db_rc);
/* 422 validation_failed listing the recorded fields, if any were recorded; else 0. */
int resp_validation_result(struct http_response *resp);

/*
 * Version 0's user_message for the error in resp (API.md §10): the original's words for the
 * route, code and first invalid param, else the first invalid param's message, else resp's own.
 * Appends to out.
 */
void http_v0_user_message(const struct http_request *req, const struct http_response *resp,
			  struct strbuf *out);

/*
 * Serialise resp (envelope, security headers, X-Request-ID) into resp->out and write it.
 * Version 0 (req->api_version): no trailing newline; errors carry only status, description,
 * user_message, system_message (and resp->data's fields), 409 and 422 become 400, and a 401's
 * description is "Not Authorized".
 */
void http_send(struct http_request *req, struct http_response *resp);

#endif
