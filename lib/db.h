/* db.h: the process's one MariaDB connection: cached prepared statements, reconnect, transactions.
 */
#ifndef KINGLET_DB_H
#define KINGLET_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Results of db_* operations: 0 or one of these. */
enum db_rc {
	DB_OK = 0,
	DB_UNAVAILABLE = -1, /* cannot connect, or the connection was lost: answer 503 */
	DB_DUPLICATE = -2, /* a unique key refused the row (see db_duplicate_key) */
	DB_CONFLICT = -3, /* deadlock or lock wait timeout: the transaction may be retried */
	DB_ERROR = -4, /* anything else (logged): answer 500 */
};

enum db_type { DB_T_NULL, DB_T_INT, DB_T_STR };

/* One bound parameter. Strings are not copied: they must live until the statement ran. */
struct db_arg {
	enum db_type type;
	long long i;
	const char *s;
	size_t len;
};

#define DB_INT(x) ((struct db_arg){ .type = DB_T_INT, .i = (long long)(x) })
#define DB_STR(x) ((struct db_arg){ .type = DB_T_STR, .s = (x), .len = strlen(x) })
#define DB_STRN(x, n) ((struct db_arg){ .type = DB_T_STR, .s = (x), .len = (n) })
#define DB_NULL ((struct db_arg){ .type = DB_T_NULL })
/* db_run(&st, SQL, DB_ARGS(DB_INT(id), DB_STR(name))) */
#define DB_ARGS(...)                                                                               \
	(const struct db_arg[]){ __VA_ARGS__ },                                                    \
		sizeof((const struct db_arg[]){ __VA_ARGS__ }) / sizeof(struct db_arg)
#define DB_NOARGS NULL, 0
/* The number of arguments in an array of them (the list functions take the array and its count). */
#define DB_NARGS(args) (sizeof(args) / sizeof((args)[0]))

struct db_stmt;

/*
 * Connect now (programs call it at start; failure is not fatal: every db_run connects when
 * needed). Returns 0 or DB_UNAVAILABLE.
 */
int db_connect(void);
/* Close the connection and every prepared statement (at exit). */
void db_close(void);

/*
 * Prepare sql (once per process: sql must be a string constant, cached by its address), bind
 * args and execute. For a statement with a result, fetch the rows with db_next and end with
 * db_done. Outside a transaction, a lost connection is reconnected once and a SELECT retried.
 * Returns 0 with *out set, or a negative enum db_rc (logged) with *out NULL.
 */
int db_run(struct db_stmt **out, const char *sql, const struct db_arg *args, size_t nargs);
/*
 * db_run for a result read row by row as db_next fetches it from the server, instead of all of
 * it at once (a streamed export: memory does not grow with the rows). Until db_done, nothing
 * else may run on the connection: no other statement, transaction or ping. A lost connection
 * shows in db_next, after rows may already have been used: nothing is retried then.
 */
int db_stream(struct db_stmt **out, const char *sql, const struct db_arg *args, size_t nargs);
/* db_run for statements whose result is not needed (db_done is implied). */
int db_exec(const char *sql, const struct db_arg *args, size_t nargs);
/*
 * db_run for a statement whose answer is one integer: the first column of its first row into
 * *out, which stays as it is when there is no row. 0 or a negative enum db_rc.
 */
int db_first_int(long long *out, const char *sql, const struct db_arg *args, size_t nargs);
/* 1: a row is ready; 0: no more rows; or a negative enum db_rc. */
int db_next(struct db_stmt *st);
/* Release the result of st (safe with NULL). */
void db_done(struct db_stmt *st);

/* Column i of the current row: NULL test, integer value (0 for NULL), text (NUL-terminated). */
bool db_is_null(const struct db_stmt *st, unsigned i);
long long db_int(const struct db_stmt *st, unsigned i);
/* db_str's text is st's column buffer: valid until the next db_next on st or db_run of its sql. */
const char *db_str(const struct db_stmt *st, unsigned i, size_t *len);

/* After an INSERT/UPDATE/DELETE run by db_run or db_exec. */
unsigned long long db_affected_rows(void);
unsigned long long db_insert_id(void);
/* After DB_DUPLICATE: true when the refusing unique key is named key. */
bool db_duplicate_key(const char *key);

/*
 * A transaction: body(ctx) runs between START TRANSACTION and COMMIT. body returns 0 to commit,
 * a negative enum db_rc (a statement failed: it is rolled back), or a positive value of its own
 * (nothing to commit, e.g. an unknown token: rolled back, and returned). A transaction the server
 * aborted (a deadlock, or Galera's certification failure: 1213, at any statement or at COMMIT)
 * was rolled back whole, so its outcome is known: body runs again from its start, up to 4 times
 * in all, after a random pause that grows. So body sets what it fills in ctx afresh each time,
 * and what it does outside the database must bear being done twice. Never run again: a lost
 * connection (at COMMIT the outcome is unknown; a client retries with its Idempotency-Key) and a
 * lock wait timeout (DB_CONFLICT). Returns 0, body's positive value, or a negative enum db_rc.
 */
int db_transaction(int (*body)(void *ctx), void *ctx);
/*
 * Run fn once, right after the transaction db_transaction is running commits (not at all when it
 * fails): the webhooks' nudge, so that kinglet-webhookd wakes before the answer is written.
 */
void db_after_commit(void (*fn)(void));

/*
 * After DB_CONFLICT: whether the work that got it may run again from its start (having slept a
 * random pause that grows with *conflicts, the conflicts so far, which it counts). Only after a
 * deadlock, which is also how Galera reports a certification failure (1213): the server rolled
 * the work back whole, so its outcome is known. Not after a lock wait timeout: another request
 * holds the row, and waiting again would take as long. db_transaction's rule, and db_run's for an
 * autocommit statement (a transaction of its own).
 */
bool db_conflict_retry(unsigned *conflicts);

/*
 * The steps of a transaction, for db_transaction (code written before it still calls them).
 * db_begin reconnects first if the connection was lost (nothing is lost by that). After a failed
 * statement inside a transaction, call db_rollback.
 */
int db_begin(void);
int db_commit(void);
void db_rollback(void);

/* The server's or the client library's code of the last failed call (1213: a deadlock). */
unsigned db_errno(void);

/* Connections made since the process started (a count that grows means reconnects). */
unsigned long db_connects(void);

#ifdef KINGLET_FAULTS
/*
 * Test builds only (make faults): make the N-th database call from now fail. spec "db=N": as a
 * lost connection (odd N) or a server error (even N); "lost=N": a lost connection; "deadlock=N":
 * as Galera's abort (1213); NULL or anything else: no fault. The programs arm it from a request
 * header; see lib/app.c.
 */
void db_fault_arm(const char *spec);
/* Whether the armed fault has fired (the answer then carries X-Kinglet-Fault-Hit). */
bool db_fault_fired(void);
#endif

/* SELECT 1 with the round-trip time in microseconds; 0 or a negative enum db_rc. */
int db_ping(long long *usec);

/*
 * The node this process's connection is on ("127.0.0.1:3306" or the socket path; "" when not
 * connected), for the health route. db.hosts, the list of nodes, is described in db_hosts.h.
 * Borrowed: valid until the next db_* call.
 */
const char *db_node(void);

#endif
