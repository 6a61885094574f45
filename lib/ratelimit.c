/* ratelimit.c: a hash table of token buckets in a shared file mapping, under a robust mutex. */
#include "ratelimit.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"

#include "banned.h"

#define RL_MAGIC 0x4b524c31u /* "KRL1" */
#define RL_PROBES 16
#define RL_KEY_MAX 47

struct rl_slot {
	uint64_t hash; /* 0: never used */
	int64_t last_ns;
	double short_tokens, minute_tokens;
	uint32_t cls;
	char key[RL_KEY_MAX + 1];
};

struct rl_table {
	uint32_t magic;
	uint32_t nslots;
	pthread_mutex_t lock; /* process-shared and robust: a killed holder does not wedge us */
	struct rl_slot slots[];
};

static struct rl_table *table;

struct rl_params {
	double rate, burst, per_minute;
};

static struct rl_params params(enum rl_class c)
{
	switch (c) {
#define RL_CASE(e, name)                                                                           \
	case e:                                                                                    \
		return (struct rl_params){ (double)conf.rl_##name##_per_second,                    \
					   (double)conf.rl_##name##_burst,                         \
					   (double)conf.rl_##name##_per_minute };
		RL_CLASSES(RL_CASE)
#undef RL_CASE
	default:
		return (struct rl_params){ 1, 1, 1 };
	}
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static size_t table_size(uint32_t nslots)
{
	return sizeof(struct rl_table) + (size_t)nslots * sizeof(struct rl_slot);
}

static int init_table(struct rl_table *t, uint32_t nslots)
{
	pthread_mutexattr_t attr;
	memset(t, 0, table_size(nslots));
	t->nslots = nslots;
	if (pthread_mutexattr_init(&attr) ||
	    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) ||
	    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) ||
	    pthread_mutex_init(&t->lock, &attr))
		return -1;
	pthread_mutexattr_destroy(&attr);
	__atomic_store_n(&t->magic, RL_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

int ratelimit_init(void)
{
	uint32_t nslots = (uint32_t)conf.ratelimit_slots;
	size_t size = table_size(nslots);
	struct stat sb;
	void *map = MAP_FAILED;
	int fd, ret = -1;

	if (!conf.ratelimit_enabled)
		return 0;
	fd = open(conf.ratelimit_file, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
	if (fd < 0) {
		log_error("rate limiting off: cannot open %s: %s", conf.ratelimit_file,
			  strerror(errno));
		return -1;
	}
	/* The first process sizes and initialises the table; the others wait for it. */
	if (flock(fd, LOCK_EX) < 0 || fstat(fd, &sb) < 0)
		goto out;
	if (sb.st_size != 0 && (size_t)sb.st_size != size) {
		log_error("rate limiting off: %s has another size (ratelimit.slots changed?); "
			  "remove it",
			  conf.ratelimit_file);
		goto out;
	}
	if (!sb.st_size && ftruncate(fd, (off_t)size) < 0)
		goto out;
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto out;
	struct rl_table *t = map;
	if ((__atomic_load_n(&t->magic, __ATOMIC_ACQUIRE) != RL_MAGIC || t->nslots != nslots) &&
	    init_table(t, nslots) < 0)
		goto out;
	table = t;
	map = MAP_FAILED;
	ret = 0;
out:
	if (ret < 0 && errno)
		log_error("rate limiting off: %s: %s", conf.ratelimit_file, strerror(errno));
	if (map != MAP_FAILED)
		munmap(map, size);
	flock(fd, LOCK_UN);
	close(fd);
	return ret;
}

static uint64_t hash_key(enum rl_class c, const char *key)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)c;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h ? h : 1;
}

static void refill(struct rl_slot *s, const struct rl_params *p, int64_t now)
{
	double elapsed = (double)(now - s->last_ns) / 1e9;
	if (elapsed > 0) {
		s->short_tokens = fmin(p->burst, s->short_tokens + elapsed * p->rate);
		s->minute_tokens =
			fmin(p->per_minute, s->minute_tokens + elapsed * p->per_minute / 60);
	}
	s->last_ns = now;
}

/* A bucket that has refilled completely is as good as a new one: its slot may be reused. */
static bool idle(const struct rl_slot *s, int64_t now)
{
	struct rl_slot copy = *s;
	struct rl_params p = params((enum rl_class)s->cls);
	refill(&copy, &p, now);
	return copy.short_tokens >= p.burst && copy.minute_tokens >= p.per_minute;
}

static struct rl_slot *find_slot(uint64_t h, enum rl_class c, const char *key, int64_t now)
{
	struct rl_slot *reuse = NULL, *oldest = NULL;
	for (uint32_t i = 0; i < RL_PROBES; i++) {
		struct rl_slot *s = &table->slots[(h + i) % table->nslots];
		if (s->hash == h && s->cls == (uint32_t)c && !strcmp(s->key, key))
			return s;
		if (!reuse && (!s->hash || idle(s, now)))
			reuse = s;
		if (!oldest || s->last_ns < oldest->last_ns)
			oldest = s;
	}
	struct rl_slot *s = reuse ? reuse : oldest;
	struct rl_params p = params(c);
	s->hash = h;
	s->cls = (uint32_t)c;
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->short_tokens = p.burst;
	s->minute_tokens = p.per_minute;
	s->last_ns = now;
	return s;
}

void ratelimit_take(enum rl_class c, const char *key, struct rl_result *r)
{
	struct rl_params p = params(c);
	int64_t now = now_ns();
	uint64_t h = hash_key(c, key);
	struct rl_result mine = { .checked = true, .allowed = true };

	if (!table) {
		if (!r->checked)
			r->allowed = true;
		return;
	}
	int err = pthread_mutex_lock(&table->lock);
	if (err == EOWNERDEAD)
		pthread_mutex_consistent(&table->lock);
	else if (err) {
		r->allowed = true; /* fail open: a broken lock must not take the service down */
		return;
	}
	struct rl_slot *s = find_slot(h, c, key, now);
	refill(s, &p, now);
	if (s->short_tokens >= 1 && s->minute_tokens >= 1) {
		s->short_tokens -= 1;
		s->minute_tokens -= 1;
	} else {
		mine.allowed = false;
		double wait = fmax(
			s->short_tokens >= 1 ? 0 : (1 - s->short_tokens) / p.rate,
			s->minute_tokens >= 1 ? 0 : (1 - s->minute_tokens) * 60 / p.per_minute);
		mine.retry_after = (long long)ceil(wait);
		if (mine.retry_after < 1)
			mine.retry_after = 1;
	}
	double left = fmin(s->short_tokens, s->minute_tokens);
	mine.remaining = left > 0 ? (long long)floor(left) : 0;
	mine.reset = (long long)ceil((p.burst - s->short_tokens) / p.rate);
	pthread_mutex_unlock(&table->lock);
	mine.limit = (long long)p.burst;

	if (!r->checked || !mine.allowed || mine.remaining < r->remaining)
		*r = mine;
}
