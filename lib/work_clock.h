/* work_clock.h: equal answer time for known and unknown accounts on the routes that mail. */
#ifndef KINGLET_WORK_CLOCK_H
#define KINGLET_WORK_CLOCK_H

#include <stdbool.h>

/*
 * The forgotten-password and resend routes make a token and a mail for a known account only,
 * yet must answer an unknown one in the same time (API.md §4.7). Both wait until the work of a
 * known account would be done: twice the slowest of its last runs (the machine's load may rise
 * meanwhile). A known account waits for the rest of that, an unknown one all of it, so the answers
 * of both kinds come at that same moment. Per process, so a fresh process has little to go on for
 * its first few requests.
 */
#define WORK_CLOCK_SAMPLES 32
struct work_clock {
	long long us[WORK_CLOCK_SAMPLES];
	unsigned next;
};

/* The monotonic clock in microseconds: a request's start. */
long long work_clock_now(void);
/*
 * Wait until the known-account time has passed since start (work_clock_now()); learn from
 * did_work runs (a known account's). c is the route's own, static, per process.
 */
void work_clock_wait(struct work_clock *c, long long start, bool did_work);

#endif
