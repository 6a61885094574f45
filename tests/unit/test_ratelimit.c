/* test_ratelimit.c: unit tests of lib/ratelimit.c (bucket arithmetic) and the client address of
 * lib/auth.c. */
#include "unit.h"

#include "auth.h"
#include "conf.h"
#include "ratelimit.h"

static char shm_path[64];

static int setup(void **state)
{
	struct strbuf err = STRBUF_INIT;
	(void)state;
	conf_defaults();
	snprintf(shm_path, sizeof(shm_path), "/tmp/kinglet-rl-test-%d", (int)getpid());
	unlink(shm_path);
	conf_set("ratelimit.file", shm_path, &err);
	conf_set("ratelimit.slots", "1024", &err);
	conf_set("ratelimit.login.per_second", "1", &err);
	conf_set("ratelimit.login.burst", "3", &err);
	conf_set("ratelimit.login.per_minute", "5", &err);
	strbuf_release(&err);
	return ratelimit_init();
}

static int teardown(void **state)
{
	(void)state;
	unlink(shm_path);
	return 0;
}

/* The burst passes at once, the next request waits about a second, headers count down. */
static void test_burst(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++) {
		struct rl_result r = { 0 };
		ratelimit_take(RL_LOGIN, "ip:192.0.2.1", &r);
		unit_check("burst", r.checked && r.allowed);
		unit_check_int("limit", r.limit, 3);
		unit_check_int("remaining", r.remaining, 2 - i);
	}
	struct rl_result r = { 0 };
	ratelimit_take(RL_LOGIN, "ip:192.0.2.1", &r);
	unit_check("over the burst", !r.allowed);
	unit_check_int("retry after", r.retry_after, 1);
	/* Other keys and other classes have buckets of their own. */
	struct rl_result other = { 0 }, cls = { 0 };
	ratelimit_take(RL_LOGIN, "ip:192.0.2.2", &other);
	ratelimit_take(RL_DEFAULT, "ip:192.0.2.1", &cls);
	unit_check("another address", other.allowed);
	unit_check("another class", cls.allowed && cls.limit == 20);
}

/* The minute bucket caps what the per-second refill would allow. */
static void test_minute_cap(void **state)
{
	(void)state;
	int allowed = 0;
	for (int second = 0; second < 4; second++) {
		for (int i = 0; i < 3; i++) {
			struct rl_result r = { 0 };
			ratelimit_take(RL_LOGIN, "user:7", &r);
			allowed += r.allowed;
		}
		usleep(1050 * 1000);
	}
	/* 3 at once, then 1 a second, but never more than 5 in the minute. */
	unit_check_int("allowed in 4 s", allowed, 5);
}

/* Two results: the stricter one is kept for the headers. */
static void test_stricter_kept(void **state)
{
	(void)state;
	struct rl_result r = { 0 };
	ratelimit_take(RL_DEFAULT, "ip:198.51.100.1", &r);
	for (int i = 0; i < 5; i++) {
		struct rl_result u = { 0 };
		ratelimit_take(RL_DEFAULT, "user:9", &u);
	}
	ratelimit_take(RL_DEFAULT, "user:9", &r);
	unit_check_int("remaining of the user bucket", r.remaining, 14);
}

/* REMOTE_ADDR, unless it is a trusted proxy: then the nearest untrusted X-Forwarded-For entry. */
static void test_client_addr(void **state)
{
	static const struct {
		const char *trusted, *remote, *xff, *want;
	} cases[] = {
		{ "", "203.0.113.5", "10.0.0.1", "203.0.113.5" },
		{ "127.0.0.1", "127.0.0.1", NULL, "127.0.0.1" },
		{ "127.0.0.1", "127.0.0.1", "10.0.0.1", "10.0.0.1" },
		{ "127.0.0.1", "203.0.113.5", "10.0.0.1", "203.0.113.5" },
		{ "127.0.0.1, 10.9.9.9", "127.0.0.1", "6.6.6.6, 10.0.0.1, 10.9.9.9", "10.0.0.1" },
		{ "127.0.0.1", "127.0.0.1", " 10.0.0.1 ,  ", "10.0.0.1" },
		{ "127.0.0.1 10.9.9.9", "127.0.0.1", "10.9.9.9", "127.0.0.1" },
	};
	struct strbuf err = STRBUF_INIT;
	struct http_request req;
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		conf_set("http.trusted_proxies", cases[i].trusted, &err);
		setenv("REMOTE_ADDR", cases[i].remote, 1);
		if (cases[i].xff)
			setenv("HTTP_X_FORWARDED_FOR", cases[i].xff, 1);
		else
			unsetenv("HTTP_X_FORWARDED_FOR");
		http_request_init(&req, NULL);
		unit_check_str(cases[i].want, auth_client_addr(&req), cases[i].want);
		http_request_release(&req);
	}
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_minute_cap),
		cmocka_unit_test(test_stricter_kept),
		cmocka_unit_test(test_client_addr),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
