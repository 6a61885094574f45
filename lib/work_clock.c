/* work_clock.c: equal answer time for known and unknown accounts on the routes that mail. */
#include "work_clock.h"

#include <errno.h>
#include <time.h>

#include "banned.h"

long long work_clock_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long work_clock_target(const struct work_clock *c)
{
	long long max = 0;
	for (unsigned i = 0; i < WORK_CLOCK_SAMPLES; i++)
		if (c->us[i] > max)
			max = c->us[i];
	return 2 * max;
}

void work_clock_wait(struct work_clock *c, long long start, bool did_work)
{
	long long until = start + work_clock_target(c);
	if (did_work) {
		c->us[c->next] = work_clock_now() - start;
		c->next = (c->next + 1) % WORK_CLOCK_SAMPLES;
	}
	struct timespec ts = { (time_t)(until / 1000000), (long)(until % 1000000) * 1000 };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}
