/* fuzz_json.c: JSON bodies (body_parse_json) and the typed getters on whatever parsed. */
#include "fuzz.h"

#include "body.h"
#include "conf.h"

/* Input: the body, as sent. */

static int depth(struct json_object *o)
{
	int d = 0;
	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach (o, key, val) {
			(void)key;
			int v = depth(val);
			d = v > d ? v : d;
		}
		return d + 1;
	}
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			int v = depth(json_object_array_get_idx(o, i));
			d = v > d ? v : d;
		}
		return d + 1;
	}
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conf_defaults(); /* api.default_version and the limits a request reads */
	return 0;
}

/* What a handler does with a body: every field through each getter, then the answer. */
static void use_fields(struct json_object *body)
{
	static const char *const known[] = { "user_name", "email", "password", "message_text",
					     NULL };
	struct fuzz_request r;
	struct http_request req;
	struct http_response resp;

	fuzz_request_init(&r, "", 0);
	http_request_init(&req, &r.io);
	http_response_init(&resp);
	req.body = json_object_get(body);
	snprintf(req.request_id, sizeof(req.request_id), "fuzz");
	json_object_object_foreach (body, key, val) {
		size_t len = 0;
		long long n = 0;
		(void)val;
		fuzz_assert(body_has(&req, key));
		const char *s = body_string(&req, &resp, key, false, 1, 300, &len);
		if (s) {
			fuzz_assert(len == strlen(s) && utf8_valid(s, len));
			fuzz_assert(utf8_length(s, len) >= 1 && utf8_length(s, len) <= 300);
		}
		if (body_int(&req, &resp, key, false, 1, 1000, &n))
			fuzz_assert(n >= 1 && n <= 1000);
	}
	body_string(&req, &resp, "message_text", true, 1, 300, NULL);
	body_allow_only(&req, &resp, known);
	int status = resp_validation_result(&resp);
	fuzz_assert(status == 0 || status == 422);
	resp.status = status ? status : 200;
	http_send(&req, &resp);
	fuzz_assert(fuzz_check_response(fuzz_request_output(&r), false, false) == resp.status);
	http_request_release(&req);
	http_response_release(&resp);
	fuzz_request_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response resp;
	struct json_object *obj = NULL;
	/* A copy of exactly the body: reading one byte past it is an ASan report. */
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	http_response_init(&resp);
	int rc = body_parse_json(text, size, &obj, &resp);
	if (rc) {
		fuzz_assert(rc == 400 && !obj);
		fuzz_assert(resp.err == ERR_INVALID_JSON || resp.err == ERR_INVALID_ENCODING);
	} else {
		fuzz_assert(obj && json_object_is_type(obj, json_type_object));
		fuzz_assert(depth(obj) <= BODY_MAX_DEPTH);
		/* What we accepted prints as JSON that we accept again, as the same value. */
		struct json_object *again = NULL;
		size_t n;
		const char *printed =
			json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN, &n);
		struct http_response resp2;
		http_response_init(&resp2);
		fuzz_assert(body_parse_json(printed, n, &again, &resp2) == 0);
		fuzz_assert(json_object_equal(obj, again));
		json_object_put(again);
		http_response_release(&resp2);
		use_fields(obj);
	}
	json_object_put(obj);
	http_response_release(&resp);
	free(text);
	return 0;
}
