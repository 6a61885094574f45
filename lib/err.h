/* err.h: the error-code table of API.md §3: every code, its HTTP status and default message. */
#ifndef KINGLET_ERR_H
#define KINGLET_ERR_H

/*
 * X(enum name, HTTP status, code (stable, published: never change one), default user message).
 * Several entries may share a code when the contract gives one code two statuses. The first entry
 * of each status is its generic one: err_for_status() answers it for errors the web server made.
 */
#define ERR_TABLE(X)                                                                               \
	X(ERR_BAD_REQUEST, 400, "bad_request", "The request could not be understood.")             \
	X(ERR_INVALID_PATH_PARAMETER, 400, "invalid_path_parameter",                               \
	  "A value in the path is not valid.")                                                     \
	X(ERR_INVALID_QUERY_PARAMETER, 400, "invalid_query_parameter",                             \
	  "A query parameter is not valid.")                                                       \
	X(ERR_INVALID_JSON, 400, "invalid_json", "The request body is not a valid JSON object.")   \
	X(ERR_INVALID_ENCODING, 400, "invalid_encoding",                                           \
	  "Text must be valid UTF-8 without NUL characters.")                                      \
	X(ERR_INVALID_HEADER, 400, "invalid_header", "A request header is not valid.")             \
	X(ERR_UNSUPPORTED_API_VERSION, 400, "unsupported_api_version",                             \
	  "That API version is not served here (X-Kinglet-API-Version: 0 or 1).")                  \
	X(ERR_DUPLICATE_PARAMETER, 400, "duplicate_parameter",                                     \
	  "A parameter was given twice with different values.")                                    \
	X(ERR_INCOMPLETE_BODY, 400, "incomplete_body",                                             \
	  "The request body is shorter than announced.")                                           \
	X(ERR_RESULT_WINDOW_TOO_LARGE, 400, "result_window_too_large",                             \
	  "That page is too deep; use the before/after cursors.")                                  \
	X(ERR_INVALID_TOKEN, 400, "invalid_token", "The token is unknown, used or expired.")       \
	X(ERR_NOT_AUTHENTICATED, 401, "not_authenticated", "Please log in.")                       \
	X(ERR_INVALID_SESSION, 401, "invalid_session",                                             \
	  "Your session is not valid. Please log in again.")                                       \
	X(ERR_INVALID_CREDENTIALS, 401, "invalid_credentials",                                     \
	  "Wrong user name, e-mail or password.")                                                  \
	X(ERR_FORBIDDEN, 403, "forbidden", "You are not allowed to do that.")                      \
	X(ERR_WRONG_PASSWORD, 403, "invalid_credentials", "The old password is not correct.")      \
	X(ERR_INSUFFICIENT_SCOPE, 403, "insufficient_scope", "This token may only read.")          \
	X(ERR_ACCOUNT_NOT_ACTIVATED, 403, "account_not_activated",                                 \
	  "Please activate your account first (see the activation mail).")                         \
	X(ERR_SIGNUPS_CLOSED, 403, "signups_closed", "Sign-up is closed on this site.")            \
	X(ERR_NOT_FOUND, 404, "not_found", "Not found.")                                           \
	X(ERR_METHOD_NOT_ALLOWED, 405, "method_not_allowed", "That method is not allowed here.")   \
	X(ERR_REQUEST_TIMEOUT, 408, "request_timeout", "The request took too long to arrive.")     \
	X(ERR_CONFLICT, 409, "conflict", "The request conflicts with the current state.")          \
	X(ERR_USER_NAME_TAKEN, 409, "user_name_taken", "That user name is taken.")                 \
	X(ERR_EMAIL_TAKEN, 409, "email_taken", "That e-mail address is already registered.")       \
	X(ERR_IDEMPOTENCY_IN_FLIGHT, 409, "idempotency_key_in_flight",                             \
	  "A request with this Idempotency-Key is still being processed.")                         \
	X(ERR_REQUEST_EXISTS, 409, "request_exists", "You have asked already.")                    \
	X(ERR_WEBHOOK_LIMIT_REACHED, 409, "webhook_limit_reached",                                 \
	  "You have as many webhooks as you may have.")                                            \
	X(ERR_LENGTH_REQUIRED, 411, "length_required", "The request body needs a Content-Length.") \
	X(ERR_PAYLOAD_TOO_LARGE, 413, "payload_too_large", "The request body is too large.")       \
	X(ERR_URI_TOO_LONG, 414, "uri_too_long", "The address is too long.")                       \
	X(ERR_UNSUPPORTED_MEDIA_TYPE, 415, "unsupported_media_type",                               \
	  "Send application/json or application/x-www-form-urlencoded.")                           \
	X(ERR_VALIDATION, 422, "validation_failed", "Invalid input.")                              \
	X(ERR_IDEMPOTENCY_KEY_REUSED, 422, "idempotency_key_reused",                               \
	  "This Idempotency-Key was used with a different request.")                               \
	X(ERR_RATE_LIMITED, 429, "rate_limited", "Too many requests. Please wait and try again.")  \
	X(ERR_HEADERS_TOO_LARGE, 431, "request_header_fields_too_large",                           \
	  "The request headers are too large.")                                                    \
	X(ERR_INTERNAL, 500, "internal_error", "Something went wrong on our side.")                \
	X(ERR_NOT_IMPLEMENTED, 501, "not_implemented", "The server does not support that method.") \
	X(ERR_BAD_GATEWAY, 502, "bad_gateway", "The application did not answer.")                  \
	X(ERR_SERVICE_UNAVAILABLE, 503, "service_unavailable",                                     \
	  "The service is unavailable. Please try again.")                                         \
	X(ERR_DATABASE_UNAVAILABLE, 503, "database_unavailable",                                   \
	  "The database is unavailable. Please try again shortly.")                                \
	X(ERR_MAIL_UNAVAILABLE, 503, "mail_unavailable",                                           \
	  "We could not send the mail. Please try again.")                                         \
	X(ERR_GATEWAY_TIMEOUT, 504, "gateway_timeout", "The application did not answer in time.")

#define ERR_ENUM(name, status, code, msg) name,
enum err_code { ERR_TABLE(ERR_ENUM) ERR__COUNT };
#undef ERR_ENUM

struct err_info {
	int status;
	const char *code;
	const char *user_message;
};

/* The table entry of e (static storage). */
const struct err_info *err_info(enum err_code e);
/* The first entry whose HTTP status is status, or NULL (used for errors the web server made). */
const struct err_info *err_for_status(int status, enum err_code *out);
/* The reason phrase of an HTTP status ("OK", "Not Found"); "Unknown" for others. */
const char *http_reason(int status);

#endif
