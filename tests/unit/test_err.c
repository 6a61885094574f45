/* test_err.c: unit tests of lib/err.c: the error-code table, err_for_status and reason phrases. */
#include "unit.h"

#include <stdbool.h>

#include "err.h"

/* snake_case: lower-case words of letters and digits joined by single underscores. */
static bool is_snake_case(const char *s)
{
	if (!(*s >= 'a' && *s <= 'z'))
		return false;
	for (; *s; s++) {
		bool word = (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9');
		if (!word && !(*s == '_' && s[1] && s[1] != '_'))
			return false;
	}
	return true;
}

static void test_every_entry_is_well_formed(void **state)
{
	(void)state;
	for (int e = 0; e < ERR__COUNT; e++) {
		const struct err_info *info = err_info((enum err_code)e);
		char label[80];
		snprintf(label, sizeof(label), "entry %d (%s)", e, info->code);
		unit_check(label, is_snake_case(info->code));
		unit_check(label, info->status >= 400 && info->status <= 599);
		unit_check(label, strcmp(http_reason(info->status), "Unknown") != 0);
		size_t n = strlen(info->user_message);
		unit_check(label, n > 0 && info->user_message[n - 1] == '.');
		/* A code shared by two entries must mean two statuses, else one entry is redundant.
		 */
		for (int f = e + 1; f < ERR__COUNT; f++)
			if (!strcmp(err_info((enum err_code)f)->code, info->code))
				unit_check(label,
					   err_info((enum err_code)f)->status != info->status);
	}
}

/* The codes and statuses API.md publishes: clients switch on these, so they never change. */
static void test_published_codes(void **state)
{
	static const struct {
		const char *code;
		int status;
	} published[] = {
		{ "invalid_path_parameter", 400 },
		{ "invalid_query_parameter", 400 },
		{ "invalid_json", 400 },
		{ "invalid_encoding", 400 },
		{ "duplicate_parameter", 400 },
		{ "result_window_too_large", 400 },
		{ "invalid_token", 400 },
		{ "not_authenticated", 401 },
		{ "invalid_session", 401 },
		{ "invalid_credentials", 401 },
		{ "invalid_credentials", 403 },
		{ "insufficient_scope", 403 },
		{ "account_not_activated", 403 },
		{ "signups_closed", 403 },
		{ "not_found", 404 },
		{ "method_not_allowed", 405 },
		{ "user_name_taken", 409 },
		{ "email_taken", 409 },
		{ "payload_too_large", 413 },
		{ "unsupported_media_type", 415 },
		{ "validation_failed", 422 },
		{ "idempotency_key_reused", 422 },
		{ "rate_limited", 429 },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(published); i++) {
		bool found = false;
		for (int e = 0; e < ERR__COUNT && !found; e++) {
			const struct err_info *info = err_info((enum err_code)e);
			found = !strcmp(info->code, published[i].code) &&
				info->status == published[i].status;
		}
		unit_check(published[i].code, found);
	}
}

/*
 * What a web-server error turns into: the status's generic code, never a specific one
 * (a 403 from the server is not "invalid_credentials", a 409 is not "user_name_taken").
 */
static void test_err_for_status(void **state)
{
	static const struct {
		int status;
		const char *code; /* NULL: no entry */
	} cases[] = {
		{ 400, "bad_request" },
		{ 401, "not_authenticated" },
		{ 403, "forbidden" },
		{ 404, "not_found" },
		{ 405, "method_not_allowed" },
		{ 408, "request_timeout" },
		{ 409, "conflict" },
		{ 411, "length_required" },
		{ 413, "payload_too_large" },
		{ 414, "uri_too_long" },
		{ 415, "unsupported_media_type" },
		{ 422, "validation_failed" },
		{ 429, "rate_limited" },
		{ 431, "request_header_fields_too_large" },
		{ 500, "internal_error" },
		{ 501, "not_implemented" },
		{ 502, "bad_gateway" },
		{ 503, "service_unavailable" },
		{ 504, "gateway_timeout" },
		{ 200, NULL },
		{ 302, NULL },
		{ 402, NULL },
		{ 418, NULL },
		{ 599, NULL },
		{ 0, NULL },
		{ -1, NULL },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		enum err_code e = ERR__COUNT;
		char label[32];
		snprintf(label, sizeof(label), "status %d", cases[i].status);
		const struct err_info *info = err_for_status(cases[i].status, &e);
		unit_check_str(label, info ? info->code : NULL, cases[i].code);
		if (info) {
			unit_check(label, err_info(e) == info);
			unit_check(label, err_for_status(cases[i].status, NULL) == info);
		} else {
			unit_check_int(label, e, ERR__COUNT); /* *out untouched */
		}
	}
	/* Every status in the table has its generic entry listed above. */
	for (int e = 0; e < ERR__COUNT; e++) {
		bool listed = false;
		for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++)
			listed |= cases[i].code &&
				  cases[i].status == err_info((enum err_code)e)->status;
		unit_check(err_info((enum err_code)e)->code, listed);
	}
}

static void test_err_info_out_of_range(void **state)
{
	(void)state;
	assert_string_equal(err_info(ERR__COUNT)->code, "internal_error");
	assert_string_equal(err_info((enum err_code) - 1)->code, "internal_error");
	assert_string_equal(err_info(ERR_NOT_FOUND)->code, "not_found");
	assert_int_equal(err_info(ERR_NOT_FOUND)->status, 404);
}

static void test_http_reason(void **state)
{
	static const struct {
		int status;
		const char *reason;
	} cases[] = {
		{ 200, "OK" },
		{ 201, "Created" },
		{ 204, "No Content" },
		{ 304, "Not Modified" },
		{ 400, "Bad Request" },
		{ 401, "Unauthorized" },
		{ 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 413, "Payload Too Large" },
		{ 415, "Unsupported Media Type" },
		{ 422, "Unprocessable Entity" },
		{ 429, "Too Many Requests" },
		{ 503, "Service Unavailable" },
		{ 418, "Unknown" },
		{ 0, "Unknown" },
		{ 999, "Unknown" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		char label[32];
		snprintf(label, sizeof(label), "status %d", cases[i].status);
		unit_check_str(label, http_reason(cases[i].status), cases[i].reason);
	}
}

/*
 * The reason phrase is on the generic (first) entry of each status and nowhere else; err_page
 * finds the web servers' own statuses as well (for their static pages), err_for_status does not.
 */
static void test_reason_phrases_and_pages(void **state)
{
	(void)state;
	for (int e = 0; e < ERR__COUNT; e++) {
		const struct err_info *info = err_info((enum err_code)e);
		bool generic = err_for_status(info->status, NULL) == info;
		unit_check(info->code, generic == (info->reason != NULL));
		unit_check(info->code,
			   err_page(info->status) == err_for_status(info->status, NULL));
	}
	static const struct {
		int status;
		const char *code, *reason;
	} server[] = {
		{ 417, "expectation_failed", "Expectation Failed" },
		{ 505, "http_version_not_supported", "HTTP Version Not Supported" },
	};
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(server); i++) {
		const struct err_info *info = err_page(server[i].status);
		unit_check_str(server[i].code, info ? info->code : NULL, server[i].code);
		unit_check_str(server[i].code, info ? info->reason : NULL, server[i].reason);
		unit_check_str(server[i].code, http_reason(server[i].status), server[i].reason);
		unit_check(server[i].code, !err_for_status(server[i].status, NULL));
	}
	assert_null(err_page(418));
	assert_null(err_page(200));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_entry_is_well_formed),
		cmocka_unit_test(test_published_codes),
		cmocka_unit_test(test_err_for_status),
		cmocka_unit_test(test_err_info_out_of_range),
		cmocka_unit_test(test_http_reason),
		cmocka_unit_test(test_reason_phrases_and_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
