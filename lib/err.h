/* err.h: the error-code table of API.md §3: every code, its HTTP status, reason phrase and default
 * message. */
#ifndef KINGLET_ERR_H
#define KINGLET_ERR_H

/*
 * X(enum name, HTTP status, code (stable, published: never change one), reason phrase, default
 * user message). Several entries may share a code when the contract gives one code two statuses.
 * The first entry of each status is its generic one: it alone carries the status's reason phrase
 * (the others NULL), and err_for_status() answers it for errors the web server made.
 */
#define ERR_TABLE(X)                                                                               \
	X(ERR_BAD_REQUEST, 400, "bad_request", "Bad Request",                                      \
	  "The request could not be understood.")                                                  \
	X(ERR_INVALID_PATH_PARAMETER, 400, "invalid_path_parameter", NULL,                         \
	  "A value in the path is not valid.")                                                     \
	X(ERR_INVALID_QUERY_PARAMETER, 400, "invalid_query_parameter", NULL,                       \
	  "A query parameter is not valid.")                                                       \
	X(ERR_INVALID_JSON, 400, "invalid_json", NULL,                                             \
	  "The request body is not a valid JSON object.")                                          \
	X(ERR_INVALID_ENCODING, 400, "invalid_encoding", NULL,                                     \
	  "Text must be valid UTF-8 without NUL characters.")                                      \
	X(ERR_INVALID_HEADER, 400, "invalid_header", NULL, "A request header is not valid.")       \
	X(ERR_UNSUPPORTED_API_VERSION, 400, "unsupported_api_version", NULL,                       \
	  "That API version is not served here (X-Kinglet-API-Version: 0 or 1).")                  \
	X(ERR_DUPLICATE_PARAMETER, 400, "duplicate_parameter", NULL,                               \
	  "A parameter was given twice with different values.")                                    \
	X(ERR_INCOMPLETE_BODY, 400, "incomplete_body", NULL,                                       \
	  "The request body is shorter than announced.")                                           \
	X(ERR_RESULT_WINDOW_TOO_LARGE, 400, "result_window_too_large", NULL,                       \
	  "That page is too deep; use the before/after cursors.")                                  \
	X(ERR_NOT_ALLOWED_ORDER_FIELD, 400, "not_allowed_order_field", NULL,                       \
	  "This list cannot be ordered by that field.")                                            \
	X(ERR_INVALID_TOKEN, 400, "invalid_token", NULL, "The token is unknown, used or expired.") \
	X(ERR_NOT_AUTHENTICATED, 401, "not_authenticated", "Unauthorized", "Please log in.")       \
	X(ERR_INVALID_SESSION, 401, "invalid_session", NULL,                                       \
	  "Your session is not valid. Please log in again.")                                       \
	X(ERR_INVALID_CREDENTIALS, 401, "invalid_credentials", NULL,                               \
	  "Wrong user name, e-mail or password.")                                                  \
	X(ERR_FORBIDDEN, 403, "forbidden", "Forbidden", "You are not allowed to do that.")         \
	X(ERR_WRONG_PASSWORD, 403, "invalid_credentials", NULL,                                    \
	  "The old password is not correct.")                                                      \
	X(ERR_INSUFFICIENT_SCOPE, 403, "insufficient_scope", NULL, "This token may only read.")    \
	X(ERR_ACCOUNT_NOT_ACTIVATED, 403, "account_not_activated", NULL,                           \
	  "Please activate your account first (see the activation mail).")                         \
	X(ERR_SIGNUPS_CLOSED, 403, "signups_closed", NULL, "Sign-up is closed on this site.")      \
	X(ERR_NOT_FOUND, 404, "not_found", "Not Found", "Not found.")                              \
	X(ERR_METHOD_NOT_ALLOWED, 405, "method_not_allowed", "Method Not Allowed",                 \
	  "That method is not allowed here.")                                                      \
	X(ERR_REQUEST_TIMEOUT, 408, "request_timeout", "Request Timeout",                          \
	  "The request took too long to arrive.")                                                  \
	X(ERR_CONFLICT, 409, "conflict", "Conflict",                                               \
	  "The request conflicts with the current state.")                                         \
	X(ERR_USER_NAME_TAKEN, 409, "user_name_taken", NULL, "That user name is taken.")           \
	X(ERR_EMAIL_TAKEN, 409, "email_taken", NULL, "That e-mail address is already registered.") \
	X(ERR_IDEMPOTENCY_IN_FLIGHT, 409, "idempotency_key_in_flight", NULL,                       \
	  "A request with this Idempotency-Key is still being processed.")                         \
	X(ERR_REQUEST_EXISTS, 409, "request_exists", NULL, "You have asked already.")              \
	X(ERR_WEBHOOK_LIMIT_REACHED, 409, "webhook_limit_reached", NULL,                           \
	  "You have as many webhooks as you may have.")                                            \
	X(ERR_LENGTH_REQUIRED, 411, "length_required", "Length Required",                          \
	  "The request body needs a Content-Length.")                                              \
	X(ERR_PAYLOAD_TOO_LARGE, 413, "payload_too_large", "Payload Too Large",                    \
	  "The request body is too large.")                                                        \
	X(ERR_URI_TOO_LONG, 414, "uri_too_long", "URI Too Long", "The address is too long.")       \
	X(ERR_UNSUPPORTED_MEDIA_TYPE, 415, "unsupported_media_type", "Unsupported Media Type",     \
	  "Send application/json or application/x-www-form-urlencoded.")                           \
	X(ERR_VALIDATION, 422, "validation_failed", "Unprocessable Entity", "Invalid input.")      \
	X(ERR_IDEMPOTENCY_KEY_REUSED, 422, "idempotency_key_reused", NULL,                         \
	  "This Idempotency-Key was used with a different request.")                               \
	X(ERR_RATE_LIMITED, 429, "rate_limited", "Too Many Requests",                              \
	  "Too many requests. Please wait and try again.")                                         \
	X(ERR_HEADERS_TOO_LARGE, 431, "request_header_fields_too_large",                           \
	  "Request Header Fields Too Large", "The request headers are too large.")                 \
	X(ERR_INTERNAL, 500, "internal_error", "Internal Server Error",                            \
	  "Something went wrong on our side.")                                                     \
	X(ERR_NOT_IMPLEMENTED, 501, "not_implemented", "Not Implemented",                          \
	  "The server does not support that method.")                                              \
	X(ERR_BAD_GATEWAY, 502, "bad_gateway", "Bad Gateway", "The application did not answer.")   \
	X(ERR_SERVICE_UNAVAILABLE, 503, "service_unavailable", "Service Unavailable",              \
	  "The service is unavailable. Please try again.")                                         \
	X(ERR_DATABASE_UNAVAILABLE, 503, "database_unavailable", NULL,                             \
	  "The database is unavailable. Please try again shortly.")                                \
	X(ERR_MAIL_UNAVAILABLE, 503, "mail_unavailable", NULL,                                     \
	  "We could not send the mail. Please try again.")                                         \
	X(ERR_GATEWAY_TIMEOUT, 504, "gateway_timeout", "Gateway Timeout",                          \
	  "The application did not answer in time.")

/*
 * The statuses only web servers produce (same columns): the static pages they answer with when no
 * program can (conf/, --error-pages in app.c) show these codes. A program never answers them, and
 * an error page request of such a status gets the generic code of its class (app.c).
 */
#define ERR_SERVER_TABLE(X)                                                                        \
	X(ERR_EXPECTATION_FAILED, 417, "expectation_failed", "Expectation Failed",                 \
	  "The Expect header cannot be met.")                                                      \
	X(ERR_HTTP_VERSION_NOT_SUPPORTED, 505, "http_version_not_supported",                       \
	  "HTTP Version Not Supported", "This HTTP version is not supported.")

/* The server's rows follow ERR__COUNT (the first is equal to it), outside what err_info gives. */
#define ERR_ENUM(name, status, code, reason, msg) name,
enum err_code {
	ERR_TABLE(ERR_ENUM) ERR__COUNT,
	ERR__SERVER_BEFORE = ERR__COUNT - 1,
	ERR_SERVER_TABLE(ERR_ENUM) ERR__ALL
};
#undef ERR_ENUM

struct err_info {
	int status;
	const char *code;
	const char *reason; /* NULL but on the generic entry of a status */
	const char *user_message;
};

/* The table entry of e (static storage); ERR_INTERNAL's for e outside [0, ERR__COUNT). */
const struct err_info *err_info(enum err_code e);
/*
 * The generic entry of an HTTP status among the programs' (ERR_TABLE), or NULL (used for errors the
 * web server made).
 */
const struct err_info *err_for_status(int status, enum err_code *out);
/* The generic entry of status in either table, or NULL: what its static error page shows. */
const struct err_info *err_page(int status);
/* The reason phrase of an HTTP status ("OK", "Not Found"); "Unknown" for others. */
const char *http_reason(int status);

#endif
