/* unit.h: what the cmocka unit tests share: case-labelled checks, CGI requests on fds 0 and 1. */
#ifndef KINGLET_UNIT_H
#define KINGLET_UNIT_H

/* cmocka.h needs these before it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "strbuf.h"

#define UNIT_BASE "/api/v1"
#define UNIT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Checks for table-driven tests: on failure they name the case (label), which cmocka's own
 * assertions cannot, so that a failing row is found without a debugger.
 */
#define unit_check_str(label, got, want)                                                           \
	do {                                                                                       \
		const char *unit_g_ = (got), *unit_w_ = (want);                                    \
		if (!unit_g_ != !unit_w_ || (unit_g_ && strcmp(unit_g_, unit_w_)))                 \
			fail_msg("%s: got \"%s\", want \"%s\"", (label),                           \
				 unit_g_ ? unit_g_ : "(null)", unit_w_ ? unit_w_ : "(null)");      \
	} while (0)

#define unit_check_int(label, got, want)                                                           \
	do {                                                                                       \
		long long unit_g_ = (long long)(got), unit_w_ = (long long)(want);                 \
		if (unit_g_ != unit_w_)                                                            \
			fail_msg("%s: got %lld, want %lld", (label), unit_g_, unit_w_);            \
	} while (0)

#define unit_check(label, cond)                                                                    \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fail_msg("%s: %s is false", (label), #cond);                               \
	} while (0)

/* The published code of resp's error, or "" when resp holds no error. */
static inline const char *unit_code(const struct http_response *resp)
{
	return resp->is_error ? err_info(resp->err)->code : "";
}

/* Check the status a call returned and the error code it left in resp ("" for success). */
#define unit_check_result(label, rc, resp, want_status, want_code)                                 \
	do {                                                                                       \
		unit_check_int(label, rc, want_status);                                            \
		unit_check_str(label, unit_code(resp), want_code);                                 \
	} while (0)

/* Set (value non-NULL) or remove a variable of the CGI environment. */
static inline void unit_setenv(const char *name, const char *value)
{
	if (value)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

/* A temporary file holding data, positioned at its start (the caller closes it). */
static inline int unit_temp_fd(const void *data, size_t len)
{
	char path[] = "/tmp/kinglet-unit-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* Make standard input read exactly data, as the web server's body would be read in CGI mode. */
static inline void unit_stdin(const void *data, size_t len)
{
	int fd = unit_temp_fd(data, len);
	assert_true(dup2(fd, 0) == 0);
	close(fd);
}

/* Append everything in fd, from its start, to out, and close fd. */
static inline void unit_read_all(int fd, struct strbuf *out)
{
	char chunk[4096];
	ssize_t n;
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		strbuf_add(out, chunk, (size_t)n);
	close(fd);
}

/*
 * Point target (1: standard output, 2: standard error) at a fresh temporary file, which is
 * returned; *saved keeps the old target for unit_redirect_end().
 */
static inline int unit_redirect_begin(int target, int *saved)
{
	int fd = unit_temp_fd("", 0);
	fflush(target == 1 ? stdout : stderr);
	*saved = dup(target);
	assert_true(*saved >= 0);
	assert_true(dup2(fd, target) == target);
	return fd;
}

/* Restore target and append what was written to it to out. */
static inline void unit_redirect_end(int target, int saved, int fd, struct strbuf *out)
{
	assert_true(dup2(saved, target) == target);
	close(saved);
	unit_read_all(fd, out);
}

/* Run http_send with standard output captured into out. */
static inline void unit_send(struct http_request *req, struct http_response *resp,
			     struct strbuf *out)
{
	int saved, fd = unit_redirect_begin(1, &saved);
	http_send(req, resp);
	unit_redirect_end(1, saved, fd, out);
}

/* A request and its response, made from the CGI environment as the FastCGI loop makes them. */
struct unit_exchange {
	struct http_request req;
	struct http_response resp;
};

/* Set REQUEST_METHOD and REQUEST_URI (NULL: unset); clear the body and request-id variables. */
static inline void unit_cgi(const char *method, const char *uri)
{
	unit_setenv("REQUEST_METHOD", method);
	unit_setenv("REQUEST_URI", uri);
	unit_setenv("CONTENT_TYPE", NULL);
	unit_setenv("CONTENT_LENGTH", NULL);
	unit_setenv("HTTP_X_REQUEST_ID", NULL);
}

/* Initialise x and run http_parse_head on the current environment. Returns its status. */
static inline int unit_parse(struct unit_exchange *x)
{
	http_request_init(&x->req, NULL);
	http_response_init(&x->resp);
	return http_parse_head(&x->req, &x->resp, UNIT_BASE);
}

/* unit_cgi(method, uri), then unit_parse(x). */
static inline int unit_parse_head(struct unit_exchange *x, const char *method, const char *uri)
{
	unit_cgi(method, uri);
	return unit_parse(x);
}

/*
 * Serve body (len bytes) on standard input with the given CONTENT_TYPE and CONTENT_LENGTH (NULL:
 * unset) and run http_read_body with limit max on a fresh POST request. Returns its status.
 */
static inline int unit_read_body(struct unit_exchange *x, const char *type, const char *length,
				 const void *body, size_t len, size_t max)
{
	assert_int_equal(unit_parse_head(x, "POST", UNIT_BASE "/"), 0);
	unit_setenv("CONTENT_TYPE", type);
	unit_setenv("CONTENT_LENGTH", length);
	unit_stdin(body, len);
	return http_read_body(&x->req, &x->resp, max);
}

/* As unit_read_body with a NUL-terminated body, its exact length announced, limit 64 KiB. */
static inline int unit_post(struct unit_exchange *x, const char *type, const char *body)
{
	char length[32];
	snprintf(length, sizeof(length), "%zu", strlen(body));
	return unit_read_body(x, type, length, body, strlen(body), 65536);
}

static inline void unit_exchange_release(struct unit_exchange *x)
{
	http_request_release(&x->req);
	http_response_release(&x->resp);
}

#endif
