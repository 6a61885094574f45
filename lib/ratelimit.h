/* ratelimit.h: per-address and per-user token buckets shared by every process of the host (API.md
 * §9). */
#ifndef KINGLET_RATELIMIT_H
#define KINGLET_RATELIMIT_H

#include <stdbool.h>

/*
 * Route classes, each with its own limits (configuration keys ratelimit.<name>.per_second,
 * .burst, .per_minute, fields rl_<name>_* of struct conf): X(enum, name).
 */
#define RL_CLASSES(X)                                                                              \
	X(RL_DEFAULT, default)                                                                     \
	X(RL_LOGIN, login)                                                                         \
	X(RL_SIGNUP, signup)                                                                       \
	X(RL_RESET, reset)                                                                         \
	X(RL_POST, post)

#define RL_ENUM(e, name) e,
enum rl_class { RL_CLASSES(RL_ENUM) RL__COUNT };
#undef RL_ENUM

/* What a request was allowed, for the X-RateLimit-* headers and Retry-After. */
struct rl_result {
	bool checked; /* false: rate limiting is off, no headers */
	bool allowed;
	long long limit; /* the burst of the class */
	long long remaining; /* whole tokens left after this request */
	long long reset; /* seconds until the bucket is full again */
	long long retry_after; /* when refused: seconds until a token is there */
};

/*
 * Map the shared table (ratelimit.file, created by the first process in a directory private to
 * this user: the directory and the file must be this user's, the directory writable by no one
 * else, the file mode 600, neither a symbolic link). A file that is not a table of
 * ratelimit.slots slots is replaced. Returns 0 (also when ratelimit.enabled is false); -1 with
 * the reason logged, and then the program must not serve: it would serve without limits.
 */
int ratelimit_init(void);
/* Unmap the table (tests; a process keeps it until it exits). */
void ratelimit_close(void);
/*
 * Take one token for key ("ip:127.0.0.1", "user:42") in class c: both the short bucket
 * (per_second, burst) and the minute bucket (per_minute) must have one. Fills *r; when r already
 * holds a result, keeps the stricter of the two (for the headers).
 */
void ratelimit_take(enum rl_class c, const char *key, struct rl_result *r);

#endif
