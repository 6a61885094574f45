/* test_conf.c: unit tests of lib/conf.c: defaults, ranges, the file format, error messages. */
#include "unit.h"

#include "conf.h"

static void test_defaults(void **state)
{
	(void)state;
	conf_defaults();
	assert_string_equal(conf.db_socket, "");
	assert_string_equal(conf.db_host, "localhost");
	assert_int_equal(conf.db_port, 3306);
	assert_string_equal(conf.db_user, "kinglet");
	assert_string_equal(conf.db_password, "");
	assert_string_equal(conf.db_name, "kinglet");
	assert_int_equal(conf.db_timeout_seconds, 5);
	assert_string_equal(conf.http_base_path, "/api/v1");
	assert_int_equal(conf.http_max_body_bytes, 65536);
	assert_string_equal(conf.log_file, "");
	assert_true(conf.signup_enabled);
	assert_false(
		conf.signup_auto_activate); /* API.md §4.1: activation by mail unless switched */
	assert_string_equal(conf.mail_mode, "spool"); /* API.md §7 */
	/* Defaults again after changes: strings set before are replaced (and freed). */
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(conf_set("db.host", "elsewhere", &err), 0);
	assert_int_equal(conf_set("db.port", "1", &err), 0);
	conf_defaults();
	assert_string_equal(conf.db_host, "localhost");
	assert_int_equal(conf.db_port, 3306);
	strbuf_release(&err);
}

/* The setting of key as text (the keys test_set uses). */
static void setting(const char *key, struct strbuf *out)
{
	if (!strcmp(key, "db.port"))
		strbuf_addf(out, "%lld", conf.db_port);
	else if (!strcmp(key, "db.timeout_seconds"))
		strbuf_addf(out, "%lld", conf.db_timeout_seconds);
	else if (!strcmp(key, "http.max_body_bytes"))
		strbuf_addf(out, "%lld", conf.http_max_body_bytes);
	else if (!strcmp(key, "signup.enabled"))
		strbuf_addstr(out, conf.signup_enabled ? "true" : "false");
	else if (!strcmp(key, "signup.auto_activate"))
		strbuf_addstr(out, conf.signup_auto_activate ? "true" : "false");
	else if (!strcmp(key, "mail.mode"))
		strbuf_addstr(out, conf.mail_mode);
}

/*
 * conf_set: the setting after a good value, the reason for a bad one. Integers are whole numbers
 * in range, booleans the usual words in any case, choices only their listed words, exactly.
 */
static void test_set(void **state)
{
	static const struct {
		const char *key, *value;
		const char *want; /* the setting after success */
		const char *err; /* NULL: accepted */
	} cases[] = {
		{ "db.port", "1", "1", NULL },
		{ "db.port", "65535", "65535", NULL },
		{ "db.port", "0", NULL, "db.port: 0 is out of range (1 to 65535)" },
		{ "db.port", "65536", NULL, "db.port: 65536 is out of range (1 to 65535)" },
		{ "db.port", "-1", NULL, "db.port: -1 is out of range (1 to 65535)" },
		{ "db.port", "", NULL, "db.port: '' is not a whole number" },
		{ "db.port", "33o6", NULL, "db.port: '33o6' is not a whole number" },
		{ "db.port", "0x10", NULL, "db.port: '0x10' is not a whole number" },
		{ "db.port", "3306.0", NULL, "db.port: '3306.0' is not a whole number" },
		{ "db.port", "99999999999999999999", NULL,
		  "db.port: '99999999999999999999' is not a whole number" },
		{ "db.timeout_seconds", "1", "1", NULL },
		{ "db.timeout_seconds", "300", "300", NULL },
		{ "db.timeout_seconds", "301", NULL,
		  "db.timeout_seconds: 301 is out of range (1 to 300)" },
		{ "http.max_body_bytes", "1024", "1024", NULL },
		{ "http.max_body_bytes", "1048576", "1048576", NULL },
		{ "http.max_body_bytes", "1023", NULL,
		  "http.max_body_bytes: 1023 is out of range (1024 to 1048576)" },
		{ "http.max_body_bytes", "1048577", NULL,
		  "http.max_body_bytes: 1048577 is out of range (1024 to 1048576)" },
		{ "signup.auto_activate", "true", "true", NULL },
		{ "signup.auto_activate", "TRUE", "true", NULL },
		{ "signup.auto_activate", "yes", "true", NULL },
		{ "signup.auto_activate", "On", "true", NULL },
		{ "signup.auto_activate", "1", "true", NULL },
		{ "signup.enabled", "false", "false", NULL },
		{ "signup.enabled", "False", "false", NULL },
		{ "signup.enabled", "no", "false", NULL },
		{ "signup.enabled", "OFF", "false", NULL },
		{ "signup.enabled", "0", "false", NULL },
		{ "signup.enabled", "", NULL, "signup.enabled: '' is not true or false" },
		{ "signup.enabled", "2", NULL, "signup.enabled: '2' is not true or false" },
		{ "signup.enabled", "tru", NULL, "signup.enabled: 'tru' is not true or false" },
		{ "signup.enabled", "enabled", NULL,
		  "signup.enabled: 'enabled' is not true or false" },
		{ "mail.mode", "spool", "spool", NULL },
		{ "mail.mode", "sendmail", "sendmail", NULL },
		{ "mail.mode", "", NULL, "mail.mode: '' is not one of spool|sendmail" },
		{ "mail.mode", "smtp", NULL, "mail.mode: 'smtp' is not one of spool|sendmail" },
		{ "mail.mode", "Spool", NULL, "mail.mode: 'Spool' is not one of spool|sendmail" },
		{ "mail.mode", "spoo", NULL, "mail.mode: 'spoo' is not one of spool|sendmail" },
		{ "mail.mode", "sendmail|spool", NULL,
		  "mail.mode: 'sendmail|spool' is not one of spool|sendmail" },
		{ "db.prot", "3306", NULL, "unknown key 'db.prot'" },
		{ "DB.PORT", "3306", NULL, "unknown key 'DB.PORT'" },
		{ "", "x", NULL, "unknown key ''" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
		char label[80];
		snprintf(label, sizeof(label), "%s = '%s'", cases[i].key, cases[i].value);
		conf_defaults();
		int rc = conf_set(cases[i].key, cases[i].value, &err);
		unit_check_int(label, rc, cases[i].err ? -1 : 0);
		unit_check_str(label, err.buf, cases[i].err ? cases[i].err : "");
		if (!cases[i].err) {
			setting(cases[i].key, &got);
			unit_check_str(label, got.buf, cases[i].want);
		}
		strbuf_release(&err);
		strbuf_release(&got);
	}
}

static void test_set_strings(void **state)
{
	struct strbuf err = STRBUF_INIT;
	(void)state;
	conf_defaults();
	assert_int_equal(conf_set("db.password", "p#ss word=1", &err), 0);
	assert_string_equal(conf.db_password, "p#ss word=1");
	assert_int_equal(conf_set("db.host", "", &err), 0);
	assert_string_equal(conf.db_host, "");
	assert_string_equal(err.buf, "");
	strbuf_release(&err);
}

/* conf_parse: a file's text gives these settings, or this "file:line: reason". */
static void test_parse(void **state)
{
	static const struct {
		const char *name;
		const char *text;
		size_t len; /* 0: strlen(text) */
		const char *err; /* NULL: parsed */
		long long port;
		const char *user;
	} cases[] = {
		{ "empty file", "", 0, NULL, 3306, "kinglet" },
		{ "one key", "db.port = 1234\n", 0, NULL, 1234, "kinglet" },
		{ "no spaces", "db.port=1234\n", 0, NULL, 1234, "kinglet" },
		{ "tabs and spaces", "\t db.port \t=\t 1234 \t\n", 0, NULL, 1234, "kinglet" },
		{ "no final newline", "db.user = bob", 0, NULL, 3306, "bob" },
		{ "CRLF", "db.user = bob\r\ndb.port = 7\r\n", 0, NULL, 7, "bob" },
		{ "comments and blank lines",
		  "# Kinglet\n\n   \n\t# db.port = 1\r\n\r\ndb.user = ann\n#db.user = bob\n", 0,
		  NULL, 3306, "ann" },
		{ "later line wins", "db.port = 1\ndb.user = a\ndb.port = 2\ndb.user = b\n", 0,
		  NULL, 2, "b" },
		{ "value with '=' and '#'", "db.user = a=b#c\n", 0, NULL, 3306, "a=b#c" },
		{ "empty value", "db.user =\n", 0, NULL, 3306, "" },
		{ "unknown key", "db.port = 1\n\n# note\ndb.nmae = x\n", 0,
		  "t.conf:4: unknown key 'db.nmae'", 0, NULL },
		{ "out of range", "db.port = 0\n", 0,
		  "t.conf:1: db.port: 0 is out of range (1 to 65535)", 0, NULL },
		{ "not a number after CRLF lines", "# a\r\n\r\ndb.port = many\r\n", 0,
		  "t.conf:3: db.port: 'many' is not a whole number", 0, NULL },
		{ "no equals sign", "db.user = a\ndb.port 3306\n", 0,
		  "t.conf:2: expected 'key = value'", 0, NULL },
		{ "NUL byte", "db.user = a\ndb.user = b\0c\n", 26, "t.conf:2: NUL byte in line", 0,
		  NULL },
		{ "comment after a value is part of it", "db.port = 3306 # default\n", 0,
		  "t.conf:1: db.port: '3306 # default' is not a whole number", 0, NULL },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf err = STRBUF_INIT;
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		conf_defaults();
		int rc = conf_parse("t.conf", cases[i].text, len, &err);
		unit_check_int(cases[i].name, rc, cases[i].err ? -1 : 0);
		unit_check_str(cases[i].name, err.buf, cases[i].err ? cases[i].err : "");
		if (!cases[i].err) {
			unit_check_int(cases[i].name, conf.db_port, cases[i].port);
			unit_check_str(cases[i].name, conf.db_user, cases[i].user);
		}
		strbuf_release(&err);
	}
}

/* Write text to a new temporary file and put its name into path (a mkstemp template). */
static void write_conf(char *path, const char *text)
{
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* conf_load: defaults, the file, then KINGLET_DB_PASSWORD; the base path is checked last. */
static void test_load(void **state)
{
	static const struct {
		const char *name;
		const char *text; /* NULL: no file */
		const char *env_password; /* NULL: unset */
		const char *err; /* NULL: loaded; else the start of the message after the path */
		const char *password;
	} cases[] = {
		{ "no file", NULL, NULL, NULL, "" },
		{ "file", "db.password = from-file\n", NULL, NULL, "from-file" },
		{ "environment beats the file", "db.password = from-file\n", "from-env", NULL,
		  "from-env" },
		{ "environment without a file", NULL, "from-env", NULL, "from-env" },
		{ "empty environment value counts", "db.password = x\n", "", NULL, "" },
		{ "bad line", "db.port = 1\nbogus = 2\n", NULL, ":2: unknown key 'bogus'", NULL },
		{ "base path with trailing slash", "http.base_path = /api/v1/\n", NULL,
		  "http.base_path: '/api/v1/' must start with '/' and not end with '/'", NULL },
		{ "base path without leading slash", "http.base_path = api\n", NULL,
		  "http.base_path: 'api' must start", NULL },
		{ "base path empty", "http.base_path =\n", NULL, "http.base_path: '' must start",
		  NULL },
		{ "base path root", "http.base_path = /\n", NULL, "http.base_path: '/' must start",
		  NULL },
		{ "other base path", "http.base_path = /kinglet\n", NULL, NULL, "" },
		{ "address list", "health.verbose_from = 10.0.0.0/8, ::1 2001:db8::/32\n", NULL,
		  NULL, "" },
		{ "not an address", "health.verbose_from = 127.0.0.0/8 localhost\n", NULL,
		  ":1: health.verbose_from: 'localhost' is not an address or address/bits", NULL },
		{ "prefix too long", "health.verbose_from = 10.0.0.0/33\n", NULL,
		  ":1: health.verbose_from: '10.0.0.0/33' is not", NULL },
		{ "db.hosts typo", "db.hosts = db1:3306, db2:33o6\n", NULL,
		  ":1: db.hosts: ", NULL },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		char path[] = "/tmp/kinglet-conf-XXXXXX";
		struct strbuf err = STRBUF_INIT;
		if (cases[i].text)
			write_conf(path, cases[i].text);
		unit_setenv("KINGLET_DB_PASSWORD", cases[i].env_password);
		conf_set("db.port", "1", &err); /* loading starts from the defaults */
		int rc = conf_load(cases[i].text ? path : NULL, &err);
		unit_check_int(cases[i].name, rc, cases[i].err ? -1 : 0);
		if (cases[i].err) {
			/* File errors name the file; whole-config errors do not. */
			const char *msg = err.buf;
			if (cases[i].err[0] == ':') {
				unit_check(cases[i].name, !strncmp(msg, path, strlen(path)));
				msg += strlen(path);
			}
			unit_check(cases[i].name,
				   !strncmp(msg, cases[i].err, strlen(cases[i].err)));
		} else {
			unit_check_str(cases[i].name, err.buf, "");
			unit_check_str(cases[i].name, conf.db_password, cases[i].password);
			unit_check_int(cases[i].name, conf.db_port, 3306);
		}
		if (cases[i].text)
			unlink(path);
		strbuf_release(&err);
	}
	unsetenv("KINGLET_DB_PASSWORD");
}

/* The lists of http.trusted_proxies and http.cors_origins: whole words only. */
static void test_list_has(void **state)
{
	(void)state;
	const char *list = " 10.0.0.1, ,192.0.2.7 https://a.example";
	assert_true(conf_list_has(list, "10.0.0.1", 8));
	assert_true(conf_list_has(list, "192.0.2.7", 9));
	assert_true(conf_list_has(list, "https://a.example", 17));
	assert_true(conf_list_has(list, "192.0.2.70", 9)); /* len bytes of the word */
	assert_false(conf_list_has(list, "10.0.0.10", 9));
	assert_false(conf_list_has(list, "10.0.0.", 7));
	assert_false(conf_list_has(list, "https://a.example.org", 21));
	assert_false(conf_list_has(list, "", 0));
	assert_false(conf_list_has("", "10.0.0.1", 8));
}

/* health.verbose_from: addresses and prefixes of either family; IPv4-mapped IPv6 is IPv4. */
static void test_list_has_addr(void **state)
{
	static const struct {
		const char *list, *addr;
		bool want;
	} cases[] = {
		{ "127.0.0.0/8 ::1", "127.0.0.1", true },
		{ "127.0.0.0/8 ::1", "127.255.0.9", true },
		{ "127.0.0.0/8 ::1", "::1", true },
		{ "127.0.0.0/8 ::1", "::ffff:127.0.0.1", true },
		{ "127.0.0.0/8 ::1", "128.0.0.1", false },
		{ "127.0.0.0/8 ::1", "::2", false },
		{ "127.0.0.0/8 ::1", "unknown", false },
		{ "127.0.0.0/8 ::1", "", false },
		{ "192.0.2.0/25", "192.0.2.127", true },
		{ "192.0.2.0/25", "192.0.2.128", false },
		{ "2001:db8::/32, 10.1.2.3", "2001:db8:ffff::1", true },
		{ "2001:db8::/32, 10.1.2.3", "2001:db9::1", false },
		{ "2001:db8::/32, 10.1.2.3", "10.1.2.3", true },
		{ "2001:db8::/32, 10.1.2.3", "10.1.2.4", false },
		{ "0.0.0.0/0", "203.0.113.1", true },
		{ "0.0.0.0/0", "2001:db8::1", false },
		{ "::ffff:10.0.0.0/104", "10.0.0.1", true },
		{ "", "127.0.0.1", false },
		{ "bogus 127.0.0.1/40", "127.0.0.1", false },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		char label[96];
		snprintf(label, sizeof(label), "%s in '%s'", cases[i].addr, cases[i].list);
		unit_check_int(label, conf_list_has_addr(cases[i].list, cases[i].addr),
			       cases[i].want);
	}
}

static void test_load_missing_file(void **state)
{
	struct strbuf err = STRBUF_INIT;
	(void)state;
	assert_int_equal(conf_load("/nonexistent/kinglet.conf", &err), -1);
	assert_string_equal(err.buf,
			    "/nonexistent/kinglet.conf: cannot open: No such file or directory");
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),    cmocka_unit_test(test_set),
		cmocka_unit_test(test_set_strings), cmocka_unit_test(test_parse),
		cmocka_unit_test(test_load),	    cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_list_has),    cmocka_unit_test(test_list_has_addr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
