/* fuzz.h: what the libFuzzer targets share: a FastCGI request from bytes, and response checks. */
#ifndef KINGLET_FUZZ_H
#define KINGLET_FUZZ_H

#include <fcgiapp.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "strbuf.h"
#include "utf8.h"

/* libFuzzer's entry points (no header of theirs declares them for C). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A broken property: print it and abort, so that libFuzzer saves the input as a crash. */
#define fuzz_assert(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: fuzz_assert(%s) failed\n", __FILE__, __LINE__,     \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define FUZZ_MAX_ENV 16

/*
 * A FastCGI request the library reads as it reads one from the web server (http_env, the body
 * stream) and answers into out: CGI variables "NAME=value" in env, the body from in_data.
 */
struct fuzz_request {
	FCGX_Request fcgx;
	FCGX_Stream in, out;
	struct http_io io;
	char *env[FUZZ_MAX_ENV + 1];
	size_t nenv;
	unsigned char *in_data;
	unsigned char out_chunk[512]; /* small, so that the writer's flush path runs too */
	struct strbuf written;
};

/* The body stream has nothing more to give: the connection is closed. */
static inline void fuzz_fill(FCGX_Stream *s)
{
	s->isClosed = 1;
}

/* Move what the library wrote into the request's buffer. */
static inline void fuzz_empty(FCGX_Stream *s, int do_close)
{
	struct fuzz_request *r = s->data;
	strbuf_add(&r->written, r->out_chunk, (size_t)(s->wrNext - r->out_chunk));
	s->wrNext = r->out_chunk;
	if (do_close)
		s->isClosed = 1;
}

/* A request with no variables whose body is body[0..len). */
static inline void fuzz_request_init(struct fuzz_request *r, const void *body, size_t len)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->written, 0);
	r->in_data = (unsigned char *)xmemdupz(body, len);
	r->in.rdNext = r->in.stopUnget = r->in_data;
	r->in.stop = r->in_data + len;
	r->in.isReader = 1;
	r->in.fillBuffProc = fuzz_fill;
	r->out.wrNext = r->out_chunk;
	r->out.stop = r->out_chunk + sizeof(r->out_chunk);
	r->out.emptyBuffProc = fuzz_empty;
	r->out.data = r;
	r->fcgx.in = &r->in;
	r->fcgx.out = &r->out;
	r->fcgx.envp = r->env;
	r->io.fcgx = &r->fcgx;
}

/* Set the variable name to value[0..len) (a C string to the web server: cut at a NUL). */
static inline void fuzz_request_setenv(struct fuzz_request *r, const char *name, const void *value,
				       size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	fuzz_assert(r->nenv < FUZZ_MAX_ENV);
	strbuf_addf(&sb, "%s=", name);
	strbuf_add(&sb, value, len);
	r->env[r->nenv++] = strbuf_detach(&sb, NULL);
}

static inline void fuzz_request_setenv_str(struct fuzz_request *r, const char *name,
					   const char *value)
{
	fuzz_request_setenv(r, name, value, strlen(value));
}

/* What the library wrote so far (headers and body), flushed into r->written. */
static inline const struct strbuf *fuzz_request_output(struct fuzz_request *r)
{
	fuzz_empty(&r->out, 0);
	return &r->written;
}

static inline void fuzz_request_release(struct fuzz_request *r)
{
	for (size_t i = 0; i < r->nenv; i++)
		free(r->env[i]);
	free(r->in_data);
	strbuf_release(&r->written);
}

/*
 * The one promise every answer keeps, whatever came in: "Status: N", header lines without stray
 * CR or LF, a Content-Length that is the body's, and a body that is one JSON object whose status
 * is N (no body for HEAD or when resp says so), followed by a newline in version 1 and by nothing
 * in version 0 (X-Kinglet-API-Version, API.md §10). Returns the status.
 */
static inline int fuzz_check_response(const struct strbuf *out, bool head, bool no_body)
{
	const char *s = out->buf, *end = s + out->len;
	const char *blank = memmem(s, out->len, "\r\n\r\n", 4);
	long long content_length = -1;
	int status = 0, version = -1;

	fuzz_assert(out->len > 8 && !memcmp(s, "Status: ", 8));
	fuzz_assert(blank);
	status = atoi(s + 8);
	fuzz_assert(status >= 200 && status <= 599);
	for (const char *line = s; line < blank + 2;) {
		const char *crlf = memmem(line, (size_t)(blank + 2 - line), "\r\n", 2);
		fuzz_assert(crlf);
		fuzz_assert(!memchr(line, '\r', (size_t)(crlf - line)));
		fuzz_assert(!memchr(line, '\n', (size_t)(crlf - line)));
		fuzz_assert(!memchr(line, '\0', (size_t)(crlf - line)));
		fuzz_assert(memchr(line, ':', (size_t)(crlf - line)));
		if (!strncmp(line, "Content-Length: ", 16))
			content_length = atoll(line + 16);
		if (!strncmp(line, "X-Kinglet-API-Version: ", 23)) {
			fuzz_assert(crlf - line == 24 && (line[23] == '0' || line[23] == '1'));
			version = line[23] - '0';
		}
		/* The client's own id only when it is [A-Za-z0-9._-]{1,64}. */
		if (!strncmp(line, "X-Request-ID: ", 14)) {
			size_t n = (size_t)(crlf - line) - 14;
			fuzz_assert(n >= 1 && n <= 64);
			for (const char *c = line + 14; c < crlf; c++)
				fuzz_assert((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
					    (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' ||
					    *c == '-');
		}
		line = crlf + 2;
	}
	const char *body = blank + 4;
	size_t body_len = (size_t)(end - body);
	if (no_body) {
		fuzz_assert(content_length < 0 && body_len == 0);
		return status;
	}
	fuzz_assert(content_length >= 0);
	if (head) {
		fuzz_assert(body_len == 0);
		return status;
	}
	fuzz_assert((size_t)content_length == body_len);
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, body, (int)body_len);
	struct json_object *st = NULL;
	fuzz_assert(o && json_object_is_type(o, json_type_object));
	fuzz_assert(version >= 0);
	fuzz_assert(body[body_len - 1] == (version == 1 ? '\n' : '}'));
	for (size_t i = json_tokener_get_parse_end(tok); i < body_len; i++)
		fuzz_assert(body[i] == '\n');
	fuzz_assert(json_object_object_get_ex(o, "status", &st));
	fuzz_assert(json_object_get_int(st) == status);
	fuzz_assert(utf8_valid(body, body_len));
	json_object_put(o);
	json_tokener_free(tok);
	return status;
}

#endif
