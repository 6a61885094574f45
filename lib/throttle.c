/* throttle.c: one upsert per hit (its count comes back through LAST_INSERT_ID), one read per check.
 */
#include "throttle.h"

#include <time.h>

#include "db.h"

#include "banned.h"

int throttle_hit(const struct throttle *t, bool *over, long long *retry_after)
{
	static const char sql[] =
		"INSERT INTO throttle (bucket, window_start, hits) VALUES (?, ?, 1) "
		"ON DUPLICATE KEY UPDATE "
		"hits = LAST_INSERT_ID(IF(window_start = VALUES(window_start), hits + 1, 1)), "
		"window_start = VALUES(window_start)";
	long long now = (long long)time(NULL);
	long long start = now - now % t->window_seconds;
	int rc = db_exec(sql, DB_ARGS(DB_STRN(t->bucket, t->len), DB_INT(start)));
	if (rc)
		return rc;
	/* A fresh row sets no LAST_INSERT_ID: its count is 1. */
	long long hits = db_affected_rows() == 1 ? 1 : (long long)db_insert_id();
	*over = hits > t->limit;
	*retry_after = start + t->window_seconds - now;
	return 0;
}

int throttle_reached(const struct throttle *t, bool *reached, long long *retry_after)
{
	static const char sql[] = "SELECT hits FROM throttle WHERE bucket = ? AND window_start = ?";
	struct db_stmt *st;
	long long now = (long long)time(NULL);
	long long start = now - now % t->window_seconds;
	int rc = db_run(&st, sql, DB_ARGS(DB_STRN(t->bucket, t->len), DB_INT(start)));
	if (rc)
		return rc;
	rc = db_next(st);
	*reached = rc == 1 && db_int(st, 0) >= t->limit;
	db_done(st);
	*retry_after = start + t->window_seconds - now;
	return rc < 0 ? rc : 0;
}
