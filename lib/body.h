/* body.h: parsing JSON request bodies, and typed, bounded getters for their fields (after kore). */
#ifndef KINGLET_BODY_H
#define KINGLET_BODY_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "http.h"

#define BODY_MAX_DEPTH 32

/*
 * Parse text as exactly one JSON object: nesting at most BODY_MAX_DEPTH, nothing after it, every
 * string (keys included) valid UTF-8 without NUL. Returns 0 with *out a new reference, or an
 * error status written into resp (invalid_json or invalid_encoding).
 */
int body_parse_json(const char *text, size_t len, struct json_object **out,
		    struct http_response *resp);

/* user_name, user_id and session_id: credentials wherever they appear, never unknown fields. */
bool body_is_credential(const char *name);

/*
 * Record every field of the body not in fields (a NULL-terminated list) as an invalid param
 * "unknown_field", so that no handler assigns fields it does not know (no mass assignment).
 */
void body_allow_only(const struct http_request *req, struct http_response *resp,
		     const char *const *fields);

/* True when the body has the field (any type, null included). */
bool body_has(const struct http_request *req, const char *name);

/*
 * A string field of min_chars..max_chars code points. Returns the value (borrowed from the
 * request) with *len its length in bytes, or NULL when absent or invalid; records an invalid
 * param when it is invalid, or absent and required.
 */
const char *body_string(const struct http_request *req, struct http_response *resp,
			const char *name, bool required, size_t min_chars, size_t max_chars,
			size_t *len);

/*
 * An integer field in [min, max] (a string of decimal digits counts too: form-built
 * JSON carries ids as text; a sign only in form bodies). Returns
 * true with *out set; false when absent or invalid, recording an invalid param when it is
 * invalid, or absent and required.
 */
bool body_int(const struct http_request *req, struct http_response *resp, const char *name,
	      bool required, long long min, long long max, long long *out);

#endif
