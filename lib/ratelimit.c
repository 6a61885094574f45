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

#define RL_MAGIC 0x4b524c32u /* "KRL2": the layout below */
#define RL_PROBES 16
#define RL_KEY_MAX 47
/* How long a request waits for the table's lock before it is refused (see table_lock). */
#define RL_LOCK_WAIT_NS 200000000
/* Opening the file races with processes replacing it: after this many turns, give up. */
#define RL_OPEN_TRIES 8

struct rl_slot {
	uint64_t hash; /* 0: never used */
	int64_t last_ns;
	double short_tokens, minute_tokens;
	uint32_t cls;
	char key[RL_KEY_MAX + 1];
};

struct rl_table {
	uint32_t magic;
	uint32_t nslots; /* checked once, at ratelimit_init; never used after that */
	uint32_t slot_size;
	uint32_t reserved;
	pthread_mutex_t lock; /* process-shared and robust: a killed holder does not wedge us */
	struct rl_slot slots[];
};

/*
 * The mapping and its geometry as this process set them up. Everything that bounds an index is
 * kept here, in process memory: whoever can write the file cannot steer where we write.
 */
static struct rl_table *table;
static uint32_t table_nslots;
static size_t table_bytes;

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
	t->slot_size = (uint32_t)sizeof(struct rl_slot);
	if (pthread_mutexattr_init(&attr) ||
	    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) ||
	    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) ||
	    pthread_mutex_init(&t->lock, &attr))
		return -1;
	pthread_mutexattr_destroy(&attr);
	__atomic_store_n(&t->magic, RL_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

/*
 * The directory of ratelimit.file (created 0700 when missing), opened without following a link:
 * it must be ours or root's and writable by nobody else, or anyone could swap the file in it.
 * Returns its descriptor, or -1 with the reason in why.
 */
static int open_dir(const char *dir, struct strbuf *why)
{
	struct stat sb;
	int fd;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		strbuf_addf(why, "cannot create the directory %s: %s", dir, strerror(errno));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		strbuf_addf(why, "cannot open the directory %s: %s", dir,
			    errno == ELOOP || errno == ENOTDIR ? "not a directory (a link?)"
							       : strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0)
		strbuf_addf(why, "%s: %s", dir, strerror(errno));
	else if (sb.st_uid != geteuid() && sb.st_uid != 0)
		strbuf_addf(why, "the directory %s belongs to uid %u, not to this user (uid %u)",
			    dir, (unsigned)sb.st_uid, (unsigned)geteuid());
	else if (sb.st_mode & (S_IWGRP | S_IWOTH))
		strbuf_addf(why, "the directory %s is writable by others (mode %03o)", dir,
			    (unsigned)(sb.st_mode & 0777));
	else
		return fd;
	close(fd);
	return -1;
}

/* The file must be a plain file of ours that nobody else may read or write. */
static int check_file(int fd, const char *path, struct stat *sb, struct strbuf *why)
{
	if (fstat(fd, sb) < 0)
		strbuf_addf(why, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(sb->st_mode))
		strbuf_addf(why, "%s is not a regular file", path);
	else if (sb->st_uid != geteuid())
		strbuf_addf(why, "%s belongs to uid %u, not to this user (uid %u)", path,
			    (unsigned)sb->st_uid, (unsigned)geteuid());
	else if (sb->st_mode & 077)
		strbuf_addf(why, "%s is open to others (mode %03o, want 600)", path,
			    (unsigned)(sb->st_mode & 0777));
	else
		return 0;
	return -1;
}

/*
 * A fresh table under a temporary name, then moved to name: over the file held by old_fd (which
 * the caller has locked and found unusable), or only where there is none (old_fd < 0). Processes
 * still mapping the old file keep it until they exit; those waiting for its lock see that the
 * name moved on and open it again. Returns 0, or -1 with the reason in why.
 */
static int create_table(int dirfd, const char *name, int old_fd, struct strbuf *why)
{
	struct strbuf tmp = STRBUF_INIT;
	void *map = MAP_FAILED;
	size_t size = table_size(table_nslots);
	int fd, ret = -1;

	strbuf_addf(&tmp, ".%s.%ld", name, (long)getpid());
	unlinkat(dirfd, tmp.buf, 0); /* left by a process of the same pid that died here */
	fd = openat(dirfd, tmp.buf, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	if (ftruncate(fd, (off_t)size) < 0)
		goto out;
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED || init_table(map, table_nslots) < 0)
		goto out;
	if (old_fd >= 0 ? renameat(dirfd, tmp.buf, dirfd, name)
			: renameat2(dirfd, tmp.buf, dirfd, name, RENAME_NOREPLACE)) {
		if (errno == EEXIST) /* another process made one first: that one counts */
			ret = 0;
		goto out;
	}
	ret = 0;
out:
	if (ret < 0 || fd < 0)
		strbuf_addf(why, "cannot create %s: %s", name, strerror(errno));
	if (map != MAP_FAILED)
		munmap(map, size);
	if (fd >= 0) {
		close(fd);
		unlinkat(dirfd, tmp.buf, 0); /* nothing when the rename took it */
	}
	strbuf_release(&tmp);
	return ret;
}

/*
 * Whether the mapping is a table of our geometry. The header is read once, here; what the file
 * says later does not matter.
 */
static bool table_fits(const struct rl_table *t)
{
	return __atomic_load_n(&t->magic, __ATOMIC_ACQUIRE) == RL_MAGIC &&
	       t->nslots == table_nslots && t->slot_size == sizeof(struct rl_slot);
}

/*
 * One turn: open name, lock it, check it and map it when it fits. Returns 0 (mapped), 1 (try
 * again: it was missing, moved or replaced by us) or -1 (refused, the reason in why).
 */
static int open_table(int dirfd, const char *path, const char *name, struct strbuf *why)
{
	struct stat sb, now;
	void *map = MAP_FAILED;
	int fd, ret = -1;

	fd = openat(dirfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return create_table(dirfd, name, -1, why) < 0 ? -1 : 1;
		strbuf_addf(why, "cannot open %s: %s", path,
			    errno == ELOOP ? "it is a symbolic link" : strerror(errno));
		return -1;
	}
	/* The lock serialises checking and replacing; after waiting, the name may be elsewhere. */
	if (flock(fd, LOCK_EX) < 0) {
		strbuf_addf(why, "cannot lock %s: %s", path, strerror(errno));
		goto out;
	}
	if (check_file(fd, path, &sb, why) < 0)
		goto out;
	if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) < 0 || now.st_ino != sb.st_ino ||
	    now.st_dev != sb.st_dev) {
		ret = 1;
		goto out;
	}
	if ((uint64_t)sb.st_size == table_bytes) {
		map = mmap(NULL, table_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			strbuf_addf(why, "cannot map %s: %s", path, strerror(errno));
			goto out;
		}
		if (table_fits(map)) {
			table = map;
			map = MAP_FAILED;
			ret = 0;
			goto out;
		}
	}
	/* Another size (ratelimit.slots changed), another layout, or not a table at all. */
	log_warn("rate limiter: %s is not a table of %u slots; replacing it", path,
		 (unsigned)table_nslots);
	ret = create_table(dirfd, name, fd, why) < 0 ? -1 : 1;
out:
	if (map != MAP_FAILED)
		munmap(map, table_bytes);
	/* Explicitly: the mapping keeps the open file, and with it the lock, past close(). */
	flock(fd, LOCK_UN);
	close(fd);
	return ret;
}

int ratelimit_init(void)
{
	struct strbuf dir = STRBUF_INIT, why = STRBUF_INIT;
	const char *path = conf.ratelimit_file, *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	int dirfd = -1, ret = -1;

	if (!conf.ratelimit_enabled)
		return 0;
	ratelimit_close();
	table_nslots = (uint32_t)conf.ratelimit_slots;
	table_bytes = table_size(table_nslots);
	if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
		strbuf_addf(&why, "%s names no file", path);
		goto out;
	}
	if (!slash)
		strbuf_addstr(&dir, ".");
	else
		strbuf_add(&dir, path, slash > path ? (size_t)(slash - path) : 1);
	if ((dirfd = open_dir(dir.buf, &why)) < 0)
		goto out;
	for (int i = 0; i < RL_OPEN_TRIES && ret < 0 && !why.len; i++) {
		int rc = open_table(dirfd, path, name, &why);
		if (rc == 0)
			ret = 0;
	}
	if (ret < 0 && !why.len)
		strbuf_addf(&why, "%s kept changing under us", path);
out:
	if (ret < 0)
		log_error("rate limiter: %s; not starting (ratelimit.enabled = false runs without "
			  "limits)",
			  why.buf);
	if (dirfd >= 0)
		close(dirfd);
	strbuf_release(&dir);
	strbuf_release(&why);
	return ret;
}

void ratelimit_close(void)
{
	if (table)
		munmap(table, table_bytes);
	table = NULL;
}

/* The key as a slot stores it (cut to RL_KEY_MAX bytes): what is looked up is what is stored. */
static void stored_key(char out[RL_KEY_MAX + 1], const char *key)
{
	size_t len = strnlen(key, RL_KEY_MAX);
	memcpy(out, key, len);
	out[len] = '\0';
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
	double elapsed = ((double)now - (double)s->last_ns) / 1e9;
	if (elapsed > 0) {
		s->short_tokens = fmin(p->burst, s->short_tokens + elapsed * p->rate);
		s->minute_tokens =
			fmin(p->per_minute, s->minute_tokens + elapsed * p->per_minute / 60);
	}
	s->last_ns = now;
}

/*
 * Whether a used slot holds what this code could have written: a class, a terminated key,
 * token counts within the class's bucket and a time not in the future. Anything else (another
 * configuration's buckets, a damaged file) is treated as a free slot.
 */
static bool slot_sane(const struct rl_slot *s, int64_t now)
{
	if (s->cls >= RL__COUNT || !memchr(s->key, '\0', sizeof(s->key)) || s->last_ns > now)
		return false;
	struct rl_params p = params((enum rl_class)s->cls);
	return s->short_tokens >= 0 && s->short_tokens <= p.burst && s->minute_tokens >= 0 &&
	       s->minute_tokens <= p.per_minute;
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
		struct rl_slot *s = &table->slots[(h + i) % table_nslots];
		bool sane = s->hash && slot_sane(s, now);
		if (sane && s->hash == h && s->cls == (uint32_t)c && !strcmp(s->key, key))
			return s;
		if (!reuse && (!sane || idle(s, now)))
			reuse = s;
		if (!oldest || s->last_ns < oldest->last_ns)
			oldest = s;
	}
	struct rl_slot *s = reuse ? reuse : oldest;
	struct rl_params p = params(c);
	memset(s, 0, sizeof(*s));
	s->hash = h;
	s->cls = (uint32_t)c;
	memcpy(s->key, key, strlen(key) + 1);
	s->short_tokens = p.burst;
	s->minute_tokens = p.per_minute;
	s->last_ns = now;
	return s;
}

/*
 * Lock the table. A holder that died leaves the lock to us (robust mutex: EOWNERDEAD; the bucket
 * it was updating is at worst one request off). A holder that is alive but stuck (stopped,
 * traced, starved) must not hang every request behind it: after RL_LOCK_WAIT_NS we give up and
 * the caller refuses the request, which keeps the limits (failing open would lift them for
 * whoever can make the machine slow). Returns 0 or an errno value.
 */
static int table_lock(void)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += RL_LOCK_WAIT_NS;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	int err = pthread_mutex_clocklock(&table->lock, CLOCK_MONOTONIC, &until);
	if (err == EOWNERDEAD)
		err = pthread_mutex_consistent(&table->lock);
	if (err) {
		static time_t logged;
		time_t t = time(NULL);
		if (t - logged >= 60) {
			log_error("rate limiter: cannot lock %s: %s; refusing requests meanwhile",
				  conf.ratelimit_file, strerror(err));
			logged = t;
		}
	}
	return err;
}

void ratelimit_take(enum rl_class c, const char *key, struct rl_result *r)
{
	struct rl_params p = params(c);
	int64_t now = now_ns();
	char stored[RL_KEY_MAX + 1];
	struct rl_result mine = { .checked = true, .allowed = true, .limit = (long long)p.burst };

	if (!table) {
		if (!r->checked)
			r->allowed = true;
		return;
	}
	stored_key(stored, key);
	uint64_t h = hash_key(c, stored);
	if (table_lock()) {
		mine.allowed = false;
		mine.retry_after = 1;
		*r = mine;
		return;
	}
	struct rl_slot *s = find_slot(h, c, stored, now);
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

	if (!r->checked || !mine.allowed || mine.remaining < r->remaining)
		*r = mine;
}
