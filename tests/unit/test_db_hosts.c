/* test_db_hosts.c: unit tests of db.hosts (lib/db_hosts.c's list of database nodes, checked by
 * lib/conf.c). */
#include "unit.h"

#include "conf.h"
#include "db_hosts.h"

/* db_hosts_parse: a setting gives these nodes (a "|"-joined "addr port" list), or this reason. */
static void test_parse(void **state)
{
	static const struct {
		const char *list;
		int n; /* -1: refused */
		const char *want; /* the nodes, or the reason */
	} cases[] = {
		{ "", 0, "" },
		{ "  , ", 0, "" },
		{ "127.0.0.1:3306", 1, "127.0.0.1 3306" },
		{ "127.0.0.1:3306 127.0.0.1:3307,127.0.0.1:3308", 3,
		  "127.0.0.1 3306|127.0.0.1 3307|127.0.0.1 3308" },
		{ " db-1.example.org:1 , db_2:65535\t", 2, "db-1.example.org 1|db_2 65535" },
		{ "/run/mysqld/mysqld.sock", 1, "/run/mysqld/mysqld.sock 0" },
		{ "[::1]:3306 /var/a.sock", 2, "::1 3306|/var/a.sock 0" },
		{ "127.0.0.1", -1,
		  "db.hosts: '127.0.0.1' is not host:port, [IPv6 address]:port or an absolute "
		  "socket "
		  "path" },
		{ "127.0.0.1:3306 127.0.0.1;3307", -1,
		  "db.hosts: '127.0.0.1;3307' is not host:port, [IPv6 address]:port or an absolute "
		  "socket path" },
		{ ":3306", -1,
		  "db.hosts: ':3306' is not host:port, [IPv6 address]:port or an absolute socket "
		  "path" },
		{ "run/mysqld.sock", -1,
		  "db.hosts: 'run/mysqld.sock' is not host:port, [IPv6 address]:port or an "
		  "absolute "
		  "socket path" },
		{ "127.0.0.1:33o6", -1,
		  "db.hosts: '127.0.0.1:33o6': the port must be a number from 1 to 65535" },
		{ "127.0.0.1:", -1,
		  "db.hosts: '127.0.0.1:': the port must be a number from 1 to 65535" },
		{ "127.0.0.1:0", -1,
		  "db.hosts: '127.0.0.1:0': the port must be a number from 1 to 65535" },
		{ "127.0.0.1:65536", -1,
		  "db.hosts: '127.0.0.1:65536': the port must be a number from 1 to 65535" },
		{ "127.0.0.1:99999999999999999999", -1,
		  "db.hosts: '127.0.0.1:99999999999999999999': the port must be a number from 1 to "
		  "65535" },
		{ "127.0.0.1:3306:3307", -1,
		  "db.hosts: '127.0.0.1:3306:3307': the port must be a number from 1 to 65535" },
		{ "[::1:3306", -1, "db.hosts: '[::1:3306' is not [IPv6 address]:port" },
		{ "[::1]3306", -1, "db.hosts: '[::1]3306' is not [IPv6 address]:port" },
		{ "[nothex]:3306", -1, "db.hosts: '[nothex]:3306' is not [IPv6 address]:port" },
		{ "h:1 h:2 h:3 h:4 h:5 h:6 h:7 h:8 h:9 h:10 h:11 h:12 h:13 h:14 h:15 h:16 h:17", -1,
		  "db.hosts: more than 16 nodes" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct db_host hosts[DB_HOSTS_MAX];
		struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
		int n = db_hosts_parse(cases[i].list, hosts, &err);
		unit_check_int(cases[i].list, n, cases[i].n);
		for (int h = 0; h < n; h++)
			strbuf_addf(&got, "%s%s %u", h ? "|" : "", hosts[h].addr, hosts[h].port);
		unit_check_str(cases[i].list, n < 0 ? err.buf : got.buf, cases[i].want);
		/* Validation only (conf.c's use) answers the same. */
		strbuf_setlen(&err, 0);
		unit_check_int(cases[i].list, db_hosts_parse(cases[i].list, NULL, &err),
			       cases[i].n);
		strbuf_release(&err);
		strbuf_release(&got);
	}
}

/* A typo in db.hosts stops the program at start: conf_parse names the file, the line, the key. */
static void test_conf_line(void **state)
{
	static const char text[] = "db.user = kinglet\n"
				   "db.hosts = 127.0.0.1:3306 127.0.0.1:3307\n"
				   "db.hosts = 127.0.0.1:3306 127.0.0.1:33O7\n";
	struct strbuf err = STRBUF_INIT;
	(void)state;
	conf_defaults();
	assert_string_equal(conf.db_hosts, "");
	assert_int_equal(conf_parse("k.conf", text, strlen(text), &err), -1);
	assert_string_equal(
		err.buf,
		"k.conf:3: db.hosts: '127.0.0.1:33O7': the port must be a number from 1 to 65535");
	/* The good line before it was taken; the bad one changed nothing. */
	assert_string_equal(conf.db_hosts, "127.0.0.1:3306 127.0.0.1:3307");
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_conf_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
