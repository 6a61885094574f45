/* fuzz_body.c: reading a request body (http_read_body): length, type, JSON or form, then getters.
 */
#include "fuzz.h"

#include "body.h"
#include "conf.h"

/*
 * Input: byte 0 picks the Content-Type, byte 1 how Content-Length relates to the body (exact,
 * longer than what comes: the client went away; shorter: more came than announced; not a
 * number), then the body. The limit is 1024 bytes, so that 413 is reached too.
 */
#define MAX_BODY 1024

static const char *const content_types[] = {
	"application/json",
	"application/x-www-form-urlencoded",
	"application/json; charset=utf-8",
	"application/x-www-form-urlencoded; charset=UTF-8",
	"Application/JSON;charset=\"utf-8\"",
	"application/json; charset=latin1",
	"text/plain",
	"",
	"multipart/form-data; boundary=x",
	"application/json\xff\xfe; charset=\xc3",
	NULL,
};
#define NTYPES (sizeof(content_types) / sizeof(content_types[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conf_defaults();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const char *ct = content_types[data[0] % NTYPES];
	const char *body = (const char *)data + 2;
	size_t len = size - 2;
	char cl[32];
	size_t announced = SIZE_MAX; /* what Content-Length says, when it is a number */
	unsigned mode = data[1] % 8;
	switch (mode) {
	case 0:
	case 1:
		announced = len;
		break;
	case 2:
		announced = len + 1 + data[1] / 8;
		break;
	case 3:
		announced = len > data[1] / 8 ? len - data[1] / 8 : 0;
		break;
	case 4:
		snprintf(cl, sizeof(cl), "%s", data[1] & 8 ? "-1" : "18446744073709551616");
		break;
	case 5:
		snprintf(cl, sizeof(cl), "%s", data[1] & 8 ? " 5" : "5x");
		break;
	case 6:
		snprintf(cl, sizeof(cl), "%s", data[1] & 8 ? "" : "0");
		break;
	default:
		announced = len + MAX_BODY;
		break;
	}
	if (announced != SIZE_MAX)
		snprintf(cl, sizeof(cl), "%zu", announced);

	struct fuzz_request r;
	struct http_request req;
	struct http_response resp;
	fuzz_request_init(&r, body, len);
	if (mode != 6 || data[1] & 8)
		fuzz_request_setenv_str(&r, "CONTENT_LENGTH", cl);
	if (ct)
		fuzz_request_setenv_str(&r, "CONTENT_TYPE", ct);
	http_request_init(&req, &r.io);
	http_response_init(&resp);
	snprintf(req.request_id, sizeof(req.request_id), "fuzz");
	req.method = "POST";

	int status = http_read_body(&req, &resp, MAX_BODY);
	if (status) {
		fuzz_assert(resp.is_error && !req.body);
		fuzz_assert(status == 400 || status == 413 || status == 415);
	} else if (req.body) {
		fuzz_assert(json_object_is_type(req.body, json_type_object));
		long long n;
		size_t slen;
		json_object_object_foreach (req.body, key, val) {
			(void)val;
			if (req.body_is_form)
				fuzz_assert(json_object_is_type(val, json_type_string));
			const char *s = body_string(&req, &resp, key, false, 0, 100000, &slen);
			if (s)
				fuzz_assert(utf8_valid(s, slen));
			body_int(&req, &resp, key, false, -5, 5, &n);
		}
		/* The credentials of the original form never become body fields. */
		if (req.body_is_form)
			fuzz_assert(!body_has(&req, "user_name") && !body_has(&req, "session_id"));
		body_int(&req, &resp, "user_id", true, 1, INT64_MAX, &n);
		status = resp_validation_result(&resp);
		fuzz_assert(status == 0 || status == 422);
	}
	resp.status = status ? status : 200;
	http_send(&req, &resp);
	fuzz_assert(fuzz_check_response(fuzz_request_output(&r), false, false) == resp.status);
	/* Never a byte beyond what was announced: the rest is the next request's, or nobody's. */
	size_t consumed = (size_t)(r.in.rdNext - r.in_data);
	fuzz_assert(consumed <= len);
	if (announced != SIZE_MAX)
		fuzz_assert(consumed <= announced);
	else
		fuzz_assert(consumed == 0);
	/* A body announced but cut short is incomplete_body, when it was acceptable otherwise. */
	if (announced != SIZE_MAX && announced > len && announced <= MAX_BODY && req.body == NULL &&
	    status == 400)
		fuzz_assert(resp.err == ERR_INCOMPLETE_BODY);

	http_request_release(&req);
	http_response_release(&resp);
	fuzz_request_release(&r);
	return 0;
}
