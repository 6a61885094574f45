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
 * Transactions. db_begin reconnects first if the connection was lost (nothing is lost by that).
 * After a failed statement inside a transaction, call db_rollback.
 */
int db_begin(void);
int db_commit(void);
void db_rollback(void);

/* Connections made since the process started (a count that grows means reconnects). */
unsigned long db_connects(void);

#ifdef KINGLET_FAULTS
/*
 * Test builds only (make faults): make the n-th database call from now fail (0: none). The
 * programs arm it from a request header; see lib/app.c.
 */
void db_fault_arm(long n);
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
