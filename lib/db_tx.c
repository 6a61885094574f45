/* db_tx.c: transactions run again after the server aborted them (deadlock, Galera certification).
 */
#include "db.h"

#include <errno.h>
#include <mysqld_error.h>
#include <stdbool.h>
#include <time.h>

#include "log.h"
#include "random.h"

#include "banned.h"

/*
 * A transaction (or autocommit statement) the server aborted runs at most this often in all: a
 * conflict that repeats three times is load the client had better hear about (503).
 */
#define DB_TX_ATTEMPTS 4

/* Sleep a random time below a bound that doubles with n (1: up to 20 ms; at most 320 ms). */
static void conflict_backoff(unsigned n)
{
	unsigned r = 0;
	long max_us = 10000L << (n > 5 ? 5 : n);
	(void)random_bytes(&r, sizeof(r));
	long us = (long)(r % (unsigned long)max_us);
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

bool db_conflict_retry(unsigned *conflicts)
{
	if (db_errno() != ER_LOCK_DEADLOCK || *conflicts + 1 >= DB_TX_ATTEMPTS)
		return false;
	conflict_backoff(++*conflicts);
	return true;
}

/* What db_after_commit asked for in the transaction's current attempt. */
static void (*after_commit)(void);

void db_after_commit(void (*fn)(void))
{
	after_commit = fn;
}

int db_transaction(int (*body)(void *ctx), void *ctx)
{
	unsigned conflicts = 0;
	for (;;) {
		after_commit = NULL; /* an attempt rolled back asked for nothing */
		int rc = db_begin();
		if (rc == DB_OK && (rc = body(ctx)) == DB_OK)
			rc = db_commit(); /* rolls back itself when it fails */
		else
			db_rollback();
		if (rc != DB_CONFLICT || !db_conflict_retry(&conflicts)) {
			void (*fn)(void) = after_commit;
			after_commit = NULL;
			if (rc == DB_OK && fn)
				fn();
			return rc;
		}
		log_info("transaction aborted by a conflict (error %u); running it again, "
			 "attempt %u of %d",
			 db_errno(), conflicts + 1, DB_TX_ATTEMPTS);
	}
}
