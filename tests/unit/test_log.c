/* test_log.c: unit tests of lib/log.c: logfmt value escaping and the lines written to the log. */
#include "unit.h"

#include <ctype.h>
#include <fcntl.h>

#include "log.h"

#define S(x) x, sizeof(x) - 1

static void test_add_value(void **state)
{
	static const struct {
		const char *name;
		const char *value;
		size_t len;
		const char *want;
	} cases[] = {
		{ "bare word", S("GET"), "GET" },
		{ "bare path", S("/api/v1/messages/5"), "/api/v1/messages/5" },
		{ "bare punctuation", S("a-b_c.d:e/f?g&h"), "a-b_c.d:e/f?g&h" },
		{ "empty", S(""), "\"\"" },
		{ "space", S("a b"), "\"a b\"" },
		{ "equals", S("a=b"), "\"a=b\"" },
		{ "quote", S("say \"hi\""), "\"say \\\"hi\\\"\"" },
		{ "backslash", S("a\\b"), "\"a\\\\b\"" },
		{ "newline (log injection)", S("x\nts=forged level=error"),
		  "\"x\\nts=forged level=error\"" },
		{ "carriage return", S("a\rb"), "\"a\\x0db\"" },
		{ "tab", S("a\tb"), "\"a\\x09b\"" },
		{ "escape", S("\x1b[31m"), "\"\\x1b[31m\"" },
		{ "DEL", S("a\x7f"), "\"a\\x7f\"" },
		{ "NUL", S("a\0b"), "\"a\\x00b\"" },
		{ "UTF-8 kept, quoted", S("caf\xc3\xa9"), "\"caf\xc3\xa9\"" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addstr(&sb, "k=");
		log_add_value(&sb, cases[i].value, cases[i].len);
		unit_check_str(cases[i].name, sb.buf + 2, cases[i].want);
		unit_check_int(cases[i].name, sb.len, 2 + strlen(cases[i].want));
		strbuf_release(&sb);
	}
}

/* The whole content of the file at path. */
static void slurp(const char *path, struct strbuf *out)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	unit_read_all(fd, out);
}

/* line is "ts=YYYY-MM-DDTHH:MM:SS.mmmZ prog=unit pid=PID level=LEVEL REST\n". */
static void check_record(const char *line, size_t len, const char *level, const char *rest)
{
	static const char ts_shape[] = "ts=dddd-dd-ddTdd:dd:dd.dddZ ";
	struct strbuf want = STRBUF_INIT;
	size_t ts_len = sizeof(ts_shape) - 1;
	assert_true(len > ts_len);
	for (size_t i = 0; i < ts_len; i++) {
		if (ts_shape[i] == 'd')
			unit_check(line, isdigit((unsigned char)line[i]));
		else
			unit_check(line, line[i] == ts_shape[i]);
	}
	strbuf_addf(&want, "prog=unit pid=%d level=%s %s\n", (int)getpid(), level, rest);
	unit_check_int(line, len - ts_len, want.len);
	unit_check(line, !memcmp(line + ts_len, want.buf, want.len));
	strbuf_release(&want);
}

static void test_records(void **state)
{
	char path[] = "/tmp/kinglet-log-XXXXXX";
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
	int fd = mkstemp(path), saved, err_fd;
	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(log_open(path, "unit"), 0);
	log_error("cannot %s: %d", "connect", 5);
	log_warn("two\nlines");
	log_info("plain");
	log_fields("rid=abc status=200", 18);
	err_fd = unit_redirect_begin(2, &saved);
	assert_int_equal(log_open(NULL, "unit"), 0); /* back to standard error: the file is done */
	log_info("on stderr");
	unit_redirect_end(2, saved, err_fd, &err);
	check_record(err.buf, err.len, "info", "msg=\"on stderr\"");
	strbuf_release(&err);

	slurp(path, &text);
	static const struct {
		const char *level, *rest;
	} want[] = {
		{ "error", "msg=\"cannot connect: 5\"" },
		{ "warn", "msg=\"two\\nlines\"" },
		{ "info", "msg=plain" },
		{ "info", "rid=abc status=200" },
	};
	const char *line = text.buf, *end = text.buf + text.len;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(want); i++) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		assert_non_null(nl);
		check_record(line, (size_t)(nl - line + 1), want[i].level, want[i].rest);
		line = nl + 1;
	}
	assert_ptr_equal(line, end);
	strbuf_release(&text);
	unlink(path);
}

/* A log file that cannot be opened is reported on standard error, which stays the log. */
static void test_open_failure(void **state)
{
	struct strbuf err = STRBUF_INIT;
	int saved, fd = unit_redirect_begin(2, &saved);
	(void)state;
	assert_int_equal(log_open("", "unit"), 0);
	assert_int_equal(log_open("/nonexistent-dir/x.log", "unit"), -1);
	log_info("still here");
	unit_redirect_end(2, saved, fd, &err);
	const char *nl = memchr(err.buf, '\n', err.len);
	assert_non_null(nl);
	check_record(
		err.buf, (size_t)(nl - err.buf + 1), "error",
		"msg=\"cannot open log file /nonexistent-dir/x.log: No such file or directory\"");
	check_record(nl + 1, err.len - (size_t)(nl + 1 - err.buf), "info", "msg=\"still here\"");
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_value),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_open_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
