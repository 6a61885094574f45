/* resp.c: building the response: error fields, invalid params, headers, the route's data. */
#include "resp.h"

#include <stdarg.h>
#include <string.h>

#include "db.h"
#include "utf8.h"

#include "banned.h"

void http_response_init(struct http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	strbuf_init(&resp->headers, 0);
	strbuf_init(&resp->user_message, 0);
	strbuf_init(&resp->system_message, 0);
	strbuf_init(&resp->out, 0);
}

void http_response_reset(struct http_response *resp)
{
	resp->status = 0;
	strbuf_reset(&resp->headers);
	json_object_put(resp->data);
	resp->data = NULL;
	resp->is_error = false;
	resp->err = ERR_INTERNAL;
	strbuf_reset(&resp->user_message);
	strbuf_reset(&resp->system_message);
	json_object_put(resp->invalid_params);
	resp->invalid_params = NULL;
	resp->no_body = false;
	resp->omit_description = false;
	resp->cacheable = false;
	memset(&resp->rl, 0, sizeof(resp->rl));
	resp->raw = NULL;
	resp->raw_len = 0;
	resp->streamed = false;
	resp->body_bytes = 0;
	strbuf_reset(&resp->out);
}

void http_response_release(struct http_response *resp)
{
	http_response_reset(resp);
	strbuf_release(&resp->headers);
	strbuf_release(&resp->user_message);
	strbuf_release(&resp->system_message);
	strbuf_release(&resp->out);
}

struct json_object *resp_data(struct http_response *resp)
{
	if (!resp->data)
		resp->data = json_object_new_object();
	return resp->data;
}

void resp_header(struct http_response *resp, const char *name, const char *fmt, ...)
{
	size_t start = resp->headers.len;
	va_list ap;
	strbuf_addstr(&resp->headers, name);
	strbuf_addstr(&resp->headers, ": ");
	va_start(ap, fmt);
	strbuf_vaddf(&resp->headers, fmt, ap);
	va_end(ap);
	if (memchr(resp->headers.buf + start, '\r', resp->headers.len - start) ||
	    memchr(resp->headers.buf + start, '\n', resp->headers.len - start)) {
		strbuf_setlen(&resp->headers, start);
		return;
	}
	strbuf_addstr(&resp->headers, "\r\n");
}

/* system_fmt is the callers' printf format (clang checks the va_list use against it). */
static int verror(struct http_response *resp, enum err_code e, const char *user_message,
		  const char *system_fmt, va_list ap) __attribute__((format(printf, 4, 0)));
static int verror(struct http_response *resp, enum err_code e, const char *user_message,
		  const char *system_fmt, va_list ap)
{
	const struct err_info *info = err_info(e);
	resp->is_error = true;
	resp->err = e;
	resp->status = info->status;
	strbuf_reset(&resp->user_message);
	strbuf_addstr(&resp->user_message, user_message ? user_message : info->user_message);
	strbuf_reset(&resp->system_message);
	if (system_fmt)
		strbuf_vaddf(&resp->system_message, system_fmt, ap);
	else
		strbuf_addstr(&resp->system_message, info->code);
	/* It may quote what was sent, cut at a byte count ("%.40s"): the answer must be UTF-8. */
	utf8_scrub(resp->system_message.buf, resp->system_message.len);
	return info->status;
}

int resp_error(struct http_response *resp, enum err_code e, const char *system_fmt, ...)
{
	va_list ap;
	va_start(ap, system_fmt);
	int status = verror(resp, e, NULL, system_fmt, ap);
	va_end(ap);
	return status;
}

int resp_error_user(struct http_response *resp, enum err_code e, const char *user_message,
		    const char *system_fmt, ...)
{
	va_list ap;
	va_start(ap, system_fmt);
	int status = verror(resp, e, user_message, system_fmt, ap);
	va_end(ap);
	return status;
}

void resp_invalid_param(struct http_response *resp, const char *name, const char *reason,
			const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	utf8_scrub(msg.buf, msg.len);
	if (!resp->invalid_params)
		resp->invalid_params = json_object_new_array();
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_object_add(o, "message", json_object_new_string_len(msg.buf, (int)msg.len));
	json_object_array_add(resp->invalid_params, o);
	strbuf_release(&msg);
}

int resp_rate_limited(struct http_response *resp)
{
	resp_header(resp, "Retry-After", "%lld", resp->rl.retry_after);
	return resp_error(resp, ERR_RATE_LIMITED, "over the limit; retry in %lld s",
			  resp->rl.retry_after);
}

int resp_db_error(struct http_response *resp, int db_rc)
{
	if (db_rc == DB_UNAVAILABLE)
		return resp_error(resp, ERR_DATABASE_UNAVAILABLE, NULL);
	if (db_rc == DB_CONFLICT)
		return resp_error(resp, ERR_SERVICE_UNAVAILABLE,
				  "a concurrent change got in the way; retry");
	return resp_error(resp, ERR_INTERNAL, NULL);
}

int resp_validation_result(struct http_response *resp)
{
	if (!resp->invalid_params)
		return 0;
	struct strbuf sys = STRBUF_INIT;
	size_t n = json_object_array_length(resp->invalid_params);
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(resp->invalid_params, i);
		struct json_object *name, *msg;
		json_object_object_get_ex(p, "name", &name);
		json_object_object_get_ex(p, "message", &msg);
		strbuf_addf(&sys, "%s%s: %s", i ? "; " : "", json_object_get_string(name),
			    json_object_get_string(msg));
	}
	int status = resp_error(resp, ERR_VALIDATION, "%s", sys.buf);
	strbuf_release(&sys);
	return status;
}
