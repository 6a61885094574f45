/* throttle.h: windowed counters in the database, shared by every process (brute-force limits).
 */
#ifndef KINGLET_THROTTLE_H
#define KINGLET_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A counter's name ("login:ip:127.0.0.1"), its window length (at most CONF_MAX_WINDOW_SECONDS, the
 * bound conf.h gives every window key) and its limit.
 */
struct throttle {
	const char *bucket;
	size_t len;
	long long window_seconds;
	long long limit;
};

/*
 * Count one hit. *over is set when the hits in the current window (this one included) exceed the
 * limit, with *retry_after the seconds until the window ends. 0 or a negative enum db_rc.
 */
int throttle_hit(const struct throttle *t, bool *over, long long *retry_after);
/* Whether the limit is already reached in this window, without counting. 0 or enum db_rc. */
int throttle_reached(const struct throttle *t, bool *reached, long long *retry_after);
/*
 * Take back one hit of the current window (an attempt counted before it was known to be good).
 * Nothing when the window has ended meanwhile. 0 or enum db_rc.
 */
int throttle_unhit(const struct throttle *t);

#endif
