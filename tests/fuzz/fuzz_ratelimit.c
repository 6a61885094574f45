/* fuzz_ratelimit.c: the limiter's shared file (lib/ratelimit.c) as whoever can write it leaves it.
 */
#include "fuzz.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "ratelimit.h"

/*
 * Input: bytes laid over the table's header fields (magic, nslots, slot size: the first 12) and,
 * repeated, over every slot, while the programs have it mapped; then the table is taken from again,
 * and set up again (which reads the header) and taken from once more. The lock is left alone: it
 * is the C library's, not parsed by us.
 */

/* The head of the file as lib/ratelimit.c lays it out (struct rl_table). */
struct table_head {
	uint32_t magic, nslots, slot_size, reserved;
	pthread_mutex_t lock;
};

static char dir[64], path[96];

static void cleanup(void)
{
	ratelimit_close();
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct strbuf err = STRBUF_INIT;
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/kinglet-fuzz-rl-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/table", dir);
	conf_defaults();
	if (conf_set("ratelimit.file", path, &err) || conf_set("ratelimit.slots", "1024", &err) ||
	    conf_set("ratelimit.login.burst", "3", &err) || ratelimit_init())
		abort();
	strbuf_release(&err);
	return 0;
}

static void overlay(const uint8_t *data, size_t size)
{
	struct stat sb;
	int fd = open(path, O_RDWR);
	if (fd < 0 || fstat(fd, &sb) < 0)
		abort();
	char *map = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		abort();
	close(fd);
	memcpy(map, data, size < 12 ? size : 12);
	for (size_t off = sizeof(struct table_head); off < (size_t)sb.st_size; off += size) {
		size_t n = (size_t)sb.st_size - off;
		memcpy(map + off, data, n < size ? n : size);
	}
	munmap(map, (size_t)sb.st_size);
}

static void take(const char *key)
{
	for (int c = 0; c < RL__COUNT; c++) {
		struct rl_result r = { 0 };
		ratelimit_take((enum rl_class)c, key, &r);
		fuzz_assert(r.checked);
		fuzz_assert(r.limit >= 1 && r.remaining >= 0 && r.remaining <= r.limit);
		fuzz_assert(r.allowed || r.retry_after >= 1);
	}
	/* The login class's burst is 3: a fourth request at once is refused, whatever was there. */
	struct rl_result r = { 0 };
	for (int i = 0; i < 4; i++) {
		r = (struct rl_result){ 0 };
		ratelimit_take(RL_LOGIN, key, &r);
	}
	fuzz_assert(!r.allowed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long run;
	char key[64];
	if (!size)
		return 0;
	overlay(data, size);
	snprintf(key, sizeof(key), "ip:fuzz-%lu", run++);
	take(key);
	ratelimit_close();
	fuzz_assert(ratelimit_init() == 0);
	snprintf(key, sizeof(key), "user:fuzz-%lu", run++);
	take(key);
	return 0;
}
