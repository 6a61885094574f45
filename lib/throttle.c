/* throttle.c: one upsert per hit (its count comes back through LAST_INSERT_ID), one read per check.
 * A window opens at the first hit after the last one ended, so it is never cut in two by the clock:
 * within one window, every hit after the first `limit` is over.
 */
#include "throttle.h"

#include <time.h>

#include "conf.h"
#include "db.h"

#include "banned.h"

/* When the bucket's current window opened, for Retry-After (read only when over the limit). */
static int window_start(const struct throttle *t, long long *start)
{
	static const char sql[] = "SELECT window_start FROM throttle WHERE bucket = ?";
	return db_first_int(start, sql, DB_ARGS(DB_STRN(t->bucket, t->len)));
}

/*
 * A new bucket takes away up to 100 that have been dead for a day (no window is longer), more
 * than buckets come: the table holds about a day of client addresses and accounts.
 */
static int prune(long long now)
{
	static const char sql[] = "DELETE FROM throttle WHERE window_start < ? LIMIT 100";
	return db_exec(sql, DB_ARGS(DB_INT(now - CONF_MAX_WINDOW_SECONDS)));
}

int throttle_hit(const struct throttle *t, bool *over, long long *retry_after)
{
	/* Both assignments read the row's old window_start: hits is assigned first. */
	static const char sql[] =
		"INSERT INTO throttle (bucket, window_start, hits) VALUES (?, ?, 1) "
		"ON DUPLICATE KEY UPDATE "
		"hits = LAST_INSERT_ID(IF(window_start > ?, hits + 1, 1)), "
		"window_start = IF(window_start > ?, window_start, VALUES(window_start))";
	long long now = (long long)time(NULL);
	long long expired = now - t->window_seconds;
	long long start = now;
	int rc = db_exec(sql, DB_ARGS(DB_STRN(t->bucket, t->len), DB_INT(now), DB_INT(expired),
				      DB_INT(expired)));
	if (rc)
		return rc;
	/* A fresh row sets no LAST_INSERT_ID: its count is 1. */
	bool fresh = db_affected_rows() == 1;
	long long hits = fresh ? 1 : (long long)db_insert_id();
	if (fresh && (rc = prune(now)))
		return rc;
	*over = hits > t->limit;
	if (*over && (rc = window_start(t, &start)))
		return rc;
	*retry_after = start + t->window_seconds - now;
	return 0;
}

int throttle_reached(const struct throttle *t, bool *reached, long long *retry_after)
{
	static const char sql[] =
		"SELECT hits, window_start FROM throttle WHERE bucket = ? AND window_start > ?";
	struct db_stmt *st;
	long long now = (long long)time(NULL);
	long long start = now;
	int rc = db_run(&st, sql,
			DB_ARGS(DB_STRN(t->bucket, t->len), DB_INT(now - t->window_seconds)));
	if (rc)
		return rc;
	rc = db_next(st);
	*reached = rc == 1 && db_int(st, 0) >= t->limit;
	if (rc == 1)
		start = db_int(st, 1);
	db_done(st);
	*retry_after = start + t->window_seconds - now;
	return rc < 0 ? rc : 0;
}

int throttle_unhit(const struct throttle *t)
{
	static const char sql[] = "UPDATE throttle SET hits = hits - 1 WHERE bucket = ? AND hits > "
				  "0 AND window_start > ?";
	long long now = (long long)time(NULL);
	return db_exec(sql, DB_ARGS(DB_STRN(t->bucket, t->len), DB_INT(now - t->window_seconds)));
}
