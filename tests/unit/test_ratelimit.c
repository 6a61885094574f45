/* test_ratelimit.c: unit tests of lib/ratelimit.c (bucket arithmetic, the shared file's safety) and
 * the client address of lib/auth.c. */
#include "unit.h"

#include "auth.h"
#include "conf.h"
#include "ratelimit.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

/* The limiter's private directory (mkdtemp: mode 700, ours) and the file in it. */
static char rl_dir[64], rl_path[96];

/* The head of the file as lib/ratelimit.c lays it out (struct rl_table), for tests that damage it.
 */
struct table_head {
	uint32_t magic, nslots, slot_size, reserved;
	pthread_mutex_t lock;
};

static int setup(void **state)
{
	struct strbuf err = STRBUF_INIT;
	(void)state;
	conf_defaults();
	snprintf(rl_dir, sizeof(rl_dir), "/tmp/kinglet-rl-test-XXXXXX");
	if (!mkdtemp(rl_dir))
		return -1;
	snprintf(rl_path, sizeof(rl_path), "%s/ratelimit", rl_dir);
	conf_set("ratelimit.file", rl_path, &err);
	conf_set("ratelimit.slots", "1024", &err);
	conf_set("ratelimit.login.per_second", "1", &err);
	conf_set("ratelimit.login.burst", "3", &err);
	conf_set("ratelimit.login.per_minute", "5", &err);
	strbuf_release(&err);
	return ratelimit_init();
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	ratelimit_close();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rl_dir);
	return system(cmd) ? -1 : 0;
}

/* ratelimit_init on what is at rl_path now, with its log line captured into why. */
static int init_logged(struct strbuf *why)
{
	int saved, fd = unit_redirect_begin(2, &saved);
	int rc = ratelimit_init();
	unit_redirect_end(2, saved, fd, why);
	return rc;
}

/* The burst of the login class (3) passes for key, the next is refused: the limiter works. */
static void check_limits(const char *label, const char *key)
{
	for (int i = 0; i < 3; i++) {
		struct rl_result r = { 0 };
		ratelimit_take(RL_LOGIN, key, &r);
		unit_check(label, r.checked && r.allowed);
	}
	struct rl_result r = { 0 };
	ratelimit_take(RL_LOGIN, key, &r);
	unit_check(label, r.checked && !r.allowed && r.retry_after >= 1);
}

/* Map the whole file as it is now (the caller unmaps *size bytes). */
static void *map_file(size_t *size)
{
	struct stat sb;
	int fd = open(rl_path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	*size = (size_t)sb.st_size;
	void *map = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	close(fd);
	return map;
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

/*
 * Keys are cut to the slot's key field when stored; the lookup must compare the same cut, or a
 * long key never finds its bucket and is never limited.
 */
static void test_long_key(void **state)
{
	char key[128];
	(void)state;
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	memcpy(key, "user:", 5);
	check_limits("a 127-byte key", key);
}

/*
 * The file and its directory are refused unless they are private to this user: the program
 * does not start rather than run without limits (or with a table someone else can write).
 */
static void test_unsafe_refused(void **state)
{
	struct strbuf why = STRBUF_INIT;
	char other[128], link_dir[96];
	(void)state;
	ratelimit_close();

	/* A directory others may write to: they could swap the file. */
	assert_int_equal(chmod(rl_dir, 0770), 0);
	unit_check_int("group-writable directory", init_logged(&why), -1);
	unit_check("logged",
		   strstr(why.buf, "writable by others") && strstr(why.buf, "not starting"));
	assert_int_equal(chmod(rl_dir, 0700), 0);

	/* The file open to others. */
	strbuf_reset(&why);
	assert_int_equal(chmod(rl_path, 0660), 0);
	unit_check_int("mode 660", init_logged(&why), -1);
	unit_check("logged", strstr(why.buf, "open to others"));
	assert_int_equal(chmod(rl_path, 0600), 0);

	/* A symbolic link in place of the file: never followed, the target untouched. */
	strbuf_reset(&why);
	snprintf(other, sizeof(other), "%s/elsewhere", rl_dir);
	assert_int_equal(unlink(rl_path), 0);
	int fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlink(other, rl_path), 0);
	unit_check_int("symbolic link", init_logged(&why), -1);
	unit_check("logged", strstr(why.buf, "symbolic link"));
	struct stat sb;
	assert_int_equal(stat(other, &sb), 0);
	unit_check_int("the link's target", sb.st_size, 0);
	assert_int_equal(unlink(rl_path), 0);

	/* A symbolic link in place of the directory. */
	strbuf_reset(&why);
	snprintf(link_dir, sizeof(link_dir), "%s.link", rl_dir);
	unlink(link_dir);
	assert_int_equal(symlink(rl_dir, link_dir), 0);
	struct strbuf err = STRBUF_INIT, path = STRBUF_INIT;
	strbuf_addf(&path, "%s/ratelimit", link_dir);
	conf_set("ratelimit.file", path.buf, &err);
	unit_check_int("linked directory", init_logged(&why), -1);
	unit_check("logged", strstr(why.buf, "not a directory"));
	conf_set("ratelimit.file", rl_path, &err);
	unlink(link_dir);

	/* Another user's file or directory (needs root to make one). */
	if (geteuid() == 0) {
		strbuf_reset(&why);
		assert_int_equal(ratelimit_init(), 0);
		ratelimit_close();
		assert_int_equal(chown(rl_path, 65534, 65534), 0);
		unit_check_int("another user's file", init_logged(&why), -1);
		unit_check("logged", strstr(why.buf, "belongs to uid 65534"));
		assert_int_equal(unlink(rl_path), 0);
		strbuf_reset(&why);
		assert_int_equal(chown(rl_dir, 65534, 65534), 0);
		unit_check_int("another user's directory", init_logged(&why), -1);
		assert_int_equal(chown(rl_dir, 0, 0), 0);
	}

	/* ratelimit.enabled = false is the way to run without limits. */
	conf_set("ratelimit.enabled", "false", &err);
	assert_int_equal(chmod(rl_dir, 0777), 0);
	unit_check_int("limits off", ratelimit_init(), 0);
	assert_int_equal(chmod(rl_dir, 0700), 0);
	conf_set("ratelimit.enabled", "true", &err);
	strbuf_release(&err);
	strbuf_release(&path);
	strbuf_release(&why);
	unlink(other);
	assert_int_equal(ratelimit_init(), 0);
}

/* A file that is not a table of ours (wrong size, damaged header) is replaced, never refused. */
static void test_bad_file_replaced(void **state)
{
	static const char *const labels[] = { "empty", "short", "zeroed header", "other nslots" };
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(labels); i++) {
		struct stat before, after;
		ratelimit_close();
		if (i < 2) {
			int fd = open(rl_path, O_WRONLY | O_TRUNC);
			assert_true(fd >= 0);
			if (i == 1)
				assert_int_equal(write(fd, "garbage", 7), 7);
			close(fd);
		} else {
			size_t size;
			struct table_head *h = map_file(&size);
			if (i == 2)
				memset(h, 0, sizeof(*h));
			else
				h->nslots = 2048;
			munmap(h, size);
		}
		assert_int_equal(stat(rl_path, &before), 0);
		unit_check_int(labels[i], ratelimit_init(), 0);
		assert_int_equal(stat(rl_path, &after), 0);
		unit_check(labels[i], after.st_ino != before.st_ino);
		unit_check(labels[i], (after.st_mode & 0777) == 0600);
		check_limits(labels[i], "ip:192.0.2.50");
		/* Not left locked: the next process to start would wait for ever. */
		int fd = open(rl_path, O_RDWR);
		assert_true(fd >= 0);
		unit_check(labels[i], flock(fd, LOCK_EX | LOCK_NB) == 0);
		close(fd);
	}
}

/*
 * Whoever writes the file after the programs mapped it (nslots = 0x7fffffff or 0 crashed or
 * divided by zero; keys without a terminating NUL, impossible classes and token counts) cannot
 * make them read or write outside the table: under ASan any of it is a report.
 */
static void test_hostile_contents(void **state)
{
	static const uint32_t nslots[] = { 0x7fffffff, 0, 1, 0xffffffff };
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(nslots); i++) {
		size_t size;
		struct table_head *h = map_file(&size);
		h->nslots = nslots[i];
		h->slot_size = 1;
		/* Every slot: bytes of 0xff (no NUL in the key, class 0xffffffff, NaN tokens). */
		memset((char *)h + sizeof(*h), 0xff, size - sizeof(*h));
		munmap(h, size);
		char key[32];
		snprintf(key, sizeof(key), "ip:198.51.100.%zu", i);
		check_limits("after the file was overwritten", key);
		/* A slot that looks in use: a matching hash is not enough when the rest is damaged.
		 */
		h = map_file(&size);
		for (char *p = (char *)h + sizeof(*h); p + 8 <= (char *)h + size; p += 8)
			memcpy(p, "\x01\x00\x00\x00\x00\x00\x00\x00", 8);
		munmap(h, size);
		snprintf(key, sizeof(key), "ip:198.51.101.%zu", i);
		check_limits("after the slots were overwritten", key);
	}
}

static bool child_holds_lock(pid_t pid)
{
	char path[64], state = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	int n = fscanf(f, "%*d (%*[^)]) %c", &state);
	fclose(f);
	return n == 1 && state == 'T';
}

/*
 * A process that holds the lock and is stopped does not hang the others: they are refused after
 * a short wait (the limits hold). Once it dies, the robust mutex lets them go on.
 */
static void test_stuck_holder(void **state)
{
	size_t size;
	struct table_head *h = map_file(&size);
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pthread_mutex_lock(&h->lock);
		raise(SIGSTOP);
		_exit(0);
	}
	for (int i = 0; i < 500 && !child_holds_lock(pid); i++)
		usleep(10000);
	unit_check("the holder stopped", child_holds_lock(pid));
	struct timespec t0, t1;
	struct rl_result r = { 0 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ratelimit_take(RL_DEFAULT, "ip:203.0.113.77", &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unit_check("refused while the lock is held", r.checked && !r.allowed && r.retry_after >= 1);
	unit_check("within a few seconds", t1.tv_sec - t0.tv_sec < 5);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	munmap(h, size);
	check_limits("after the holder died", "ip:203.0.113.78");
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
		cmocka_unit_test(test_long_key),
		cmocka_unit_test(test_unsafe_refused),
		cmocka_unit_test(test_bad_file_replaced),
		cmocka_unit_test(test_hostile_contents),
		cmocka_unit_test(test_stuck_holder),
		cmocka_unit_test(test_client_addr),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
