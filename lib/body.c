/*
 * body.c: the request body's bytes into req->body (strict JSON, or form fields as strings), and
 * field getters that record what is wrong with a field.
 */
#include "body.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"
#include "utf8.h"

#include "banned.h"

/* Every string in the tree (keys too) valid UTF-8 without NUL; depth already bounded. */
static bool strings_valid(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_string:
		return utf8_valid(json_object_get_string(o), (size_t)json_object_get_string_len(o));
	case json_type_object: {
		json_object_object_foreach (o, key, val) {
			if (!utf8_valid(key, strlen(key)) || !strings_valid(val))
				return false;
		}
		return true;
	}
	case json_type_array: {
		size_t n = json_object_array_length(o);
		for (size_t i = 0; i < n; i++)
			if (!strings_valid(json_object_array_get_idx(o, i)))
				return false;
		return true;
	}
	default:
		return true;
	}
}

/*
 * Containers nested in o, o included. json-c's max_depth bounds the values inside containers,
 * so an empty container can sit one level below it ({"a":{}} at 33): count them again.
 */
static int nesting(struct json_object *o)
{
	int deepest = 0, d;
	switch (json_object_get_type(o)) {
	case json_type_object: {
		json_object_object_foreach (o, key, val) {
			(void)key;
			if ((d = nesting(val)) > deepest)
				deepest = d;
		}
		return deepest + 1;
	}
	case json_type_array: {
		size_t n = json_object_array_length(o);
		for (size_t i = 0; i < n; i++)
			if ((d = nesting(json_object_array_get_idx(o, i))) > deepest)
				deepest = d;
		return deepest + 1;
	}
	default:
		return 0;
	}
}

/*
 * json-c cuts an object key at an escaped NUL ("a\u0000b" becomes "a"), where no check after
 * parsing can see it: look for the escape in the text, which json-c has found well-formed.
 */
static bool has_escaped_nul(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && len - i >= 6 && !memcmp(s + i + 2, "0000", 4))
			return true;
		i++; /* skip the escaped character: "\\u0000" is a backslash and text */
	}
	return false;
}

int body_parse_json(const char *text, size_t len, struct json_object **out,
		    struct http_response *resp)
{
	/* json-c fails at max_depth nested containers, not beyond: allow exactly BODY_MAX_DEPTH. */
	struct json_tokener *tok = json_tokener_new_ex(BODY_MAX_DEPTH + 1);
	struct json_object *obj = NULL;
	int ret = 0;

	*out = NULL;
	if (!tok)
		return resp_error(resp, ERR_INTERNAL, "cannot allocate a JSON parser");
	if (len > INT_MAX) {
		ret = resp_error(resp, ERR_INVALID_JSON, "body too long to parse");
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue) {
		/* A complete value (a number, say) may still be waiting for its end: flush it. */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
	}
	if (jerr == json_tokener_error_parse_utf8_string) {
		ret = resp_error(resp, ERR_INVALID_ENCODING, "the JSON body is not valid UTF-8");
		goto out;
	}
	if (jerr == json_tokener_error_depth || (obj && nesting(obj) > BODY_MAX_DEPTH)) {
		ret = resp_error(resp, ERR_INVALID_JSON, "JSON nested deeper than %d levels",
				 BODY_MAX_DEPTH);
		goto out;
	}
	if (jerr != json_tokener_success || !obj) {
		ret = resp_error(resp, ERR_INVALID_JSON, "malformed JSON: %s",
				 json_tokener_error_desc(jerr));
		goto out;
	}
	size_t end = json_tokener_get_parse_end(tok);
	while (end < len &&
	       (text[end] == ' ' || text[end] == '\t' || text[end] == '\r' || text[end] == '\n'))
		end++;
	if (end < len) {
		ret = resp_error(resp, ERR_INVALID_JSON, "unexpected data after the JSON object");
		goto out;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		ret = resp_error(resp, ERR_INVALID_JSON, "the body must be a JSON object");
		goto out;
	}
	if (!strings_valid(obj) || has_escaped_nul(text, len)) {
		ret = resp_error(resp, ERR_INVALID_ENCODING,
				 "a JSON string is not valid UTF-8 or contains NUL");
		goto out;
	}
	*out = obj;
	obj = NULL;
out:
	json_object_put(obj);
	json_tokener_free(tok);
	return ret;
}

bool body_is_credential(const char *name)
{
	return !strcmp(name, "user_name") || !strcmp(name, "user_id") ||
	       !strcmp(name, "session_id");
}

static int parse_form_body(struct http_request *req, struct http_response *resp, const char *body,
			   size_t len)
{
	int ret = http_parse_params(&req->form, body, len, "form body", resp);
	if (ret)
		return ret;
	const struct http_param *json = http_param_get(&req->form, "json");
	if (json)
		return body_parse_json(json->value, json->len, &req->body, resp);
	/* No json field: the fields themselves (credentials aside) are the object, as strings. */
	req->body = json_object_new_object();
	req->body_is_form = true;
	for (size_t i = 0; i < req->form.n; i++) {
		const struct http_param *f = &req->form.items[i];
		if (!body_is_credential(f->name))
			json_object_object_add(req->body, f->name,
					       json_object_new_string_len(f->value, (int)f->len));
	}
	return 0;
}

int http_read_body(struct http_request *req, struct http_response *resp, size_t max)
{
	struct strbuf bytes = STRBUF_INIT;
	bool is_form = false;
	int ret = http_read_bytes(req, resp, max, &bytes, &is_form);
	if (ret || !bytes.len)
		goto out;
	if (is_form)
		ret = parse_form_body(req, resp, bytes.buf, bytes.len);
	else
		ret = body_parse_json(bytes.buf, bytes.len, &req->body, resp);
out:
	strbuf_release(&bytes);
	return ret;
}

void body_allow_only(const struct http_request *req, struct http_response *resp,
		     const char *const *fields)
{
	if (!req->body)
		return;
	json_object_object_foreach (req->body, key, val) {
		const char *const *f = fields;
		(void)val;
		while (*f && strcmp(*f, key))
			f++;
		/* The original clients put their credentials in the JSON too: auth.c checks them.
		 */
		if (!*f && !body_is_credential(key))
			resp_invalid_param(resp, key, "unknown_field", "%.64s is not a field here",
					   key);
	}
}

bool body_has(const struct http_request *req, const char *name)
{
	return req->body && json_object_object_get_ex(req->body, name, NULL);
}

const char *body_string(const struct http_request *req, struct http_response *resp,
			const char *name, bool required, size_t min_chars, size_t max_chars,
			size_t *len)
{
	struct json_object *v = NULL;
	if (!req->body || !json_object_object_get_ex(req->body, name, &v) || !v) {
		if (required)
			resp_invalid_param(resp, name, "missing", "%s is required", name);
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		resp_invalid_param(resp, name, "not_a_string", "%s must be a string", name);
		return NULL;
	}
	const char *s = json_object_get_string(v);
	size_t bytes = (size_t)json_object_get_string_len(v);
	size_t chars = utf8_length(s, bytes);
	if (chars < min_chars) {
		resp_invalid_param(resp, name, chars ? "too_short" : "missing",
				   "%zu chars entered. Min is %zu.", chars, min_chars);
		return NULL;
	}
	if (chars > max_chars) {
		resp_invalid_param(resp, name, "too_long", "%zu chars entered. Max is %zu.", chars,
				   max_chars);
		return NULL;
	}
	if (len)
		*len = bytes;
	return s;
}

/*
 * True when s is a decimal (optionally negative when signed_ok); *overflow when it is outside
 * long long.
 */
static bool parse_decimal(const char *s, bool signed_ok, long long *out, bool *overflow)
{
	const char *p = s;
	if (*p == '-' && signed_ok)
		p++;
	if (*p < '0' || *p > '9')
		return false;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return false;
	errno = 0;
	*out = strtoll(s, NULL, 10);
	*overflow = errno != 0;
	return true;
}

bool body_int(const struct http_request *req, struct http_response *resp, const char *name,
	      bool required, long long min, long long max, long long *out)
{
	struct json_object *v = NULL;
	long long n;
	bool overflow = false;
	if (!req->body || !json_object_object_get_ex(req->body, name, &v) || !v) {
		if (required)
			resp_invalid_param(resp, name, "missing", "%s is required", name);
		return false;
	}
	if (json_object_is_type(v, json_type_int)) {
		/* json-c clamps silently: a number over INT64_MAX shows only as a larger uint64. */
		n = json_object_get_int64(v);
		overflow = n == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX;
	} else if (json_object_is_type(v, json_type_string) &&
		   parse_decimal(json_object_get_string(v), req->body_is_form, &n, &overflow)) {
		/* Form fields are text, and so are the ids in the JSON the original's forms build.
		 */
	} else {
		resp_invalid_param(resp, name, "not_an_integer", "%s must be a whole number", name);
		return false;
	}
	if (overflow || n < min || n > max) {
		resp_invalid_param(resp, name, "out_of_range", "%s must be %lld to %lld", name, min,
				   max);
		return false;
	}
	*out = n;
	return true;
}
