/* resp.h: the response of one API call as handlers build it: status, error, headers, fields. */
#ifndef KINGLET_RESP_H
#define KINGLET_RESP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "ratelimit.h"
#include "strbuf.h"

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
	bool streamed; /* http_send_head sent the headers: the body follows with http_write */
	/*
	 * A JSON body sent as it is instead of the envelope (the OpenAPI document), unless the
	 * response is an error. Borrowed: it must stay valid until http_send(). NULL: the envelope.
	 */
	const char *raw;
	size_t raw_len;
	struct strbuf out; /* serialised response, reused across requests */
};

void http_response_init(struct http_response *resp);
/* Forget the response's content, keeping buffers for the next request. */
void http_response_reset(struct http_response *resp);
void http_response_release(struct http_response *resp);

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

#endif
