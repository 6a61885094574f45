/* db.c: with db_nodes.c, the only files that talk to libmariadb (MariaDB Connector/C). */
#include "db.h"

#include <mysql.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "conf.h"
#include "db_nodes.h"
#include "log.h"
#include "strbuf.h"

#include "banned.h"

struct db_col {
	bool is_int;
	long long ival;
	char *buf;
	unsigned long cap; /* bytes in buf; the bound length is cap - 1, leaving room for NUL */
	unsigned long len;
	my_bool is_null, error;
};

struct db_stmt {
	const char *sql; /* the caller's constant: the cache key */
	bool is_select;
	MYSQL_STMT *stmt; /* NULL until prepared on the current connection */
	unsigned nparams, ncols;
	MYSQL_BIND *params, *results;
	struct db_col *cols;
	struct db_stmt *next;
};

static MYSQL *conn;
static struct db_stmt *cache;
static bool in_tx;
static unsigned long long last_affected, last_insert_id;
static char last_error[256];
static unsigned long connects;

static int node = -1; /* the index in db.hosts of the connection's node (db_nodes.c) */
static unsigned last_errno; /* the server's or the client library's code of the last failure */

static int classify(unsigned err)
{
	if (db_nodes_gone(err))
		return DB_UNAVAILABLE;
	switch (err) {
	case ER_DUP_ENTRY:
	case ER_DUP_ENTRY_WITH_KEY_NAME:
		return DB_DUPLICATE;
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT:
		return DB_CONFLICT;
	default:
		return DB_ERROR;
	}
}

/* Forget the connection and every statement prepared on it. */
static void drop_connection(void)
{
	for (struct db_stmt *st = cache; st; st = st->next) {
		if (st->stmt)
			mysql_stmt_close(st->stmt);
		st->stmt = NULL;
	}
	if (conn)
		mysql_close(conn);
	conn = NULL;
}

/*
 * Connect to the first healthy node among the first `limit` of db.hosts (-1: all of them; the
 * single server when it is empty); a connection there replaces the current one. quiet: a
 * periodic look for an earlier node (not worth a log line a request when one is down).
 */
static int connect_first(int limit, bool quiet)
{
	int i = -1;
	MYSQL *m = db_nodes_connect(limit, node, quiet, &i);
	if (!m)
		return DB_UNAVAILABLE;
	drop_connection();
	conn = m;
	node = i;
	connects++;
	return DB_OK;
}

int db_connect(void)
{
	return conn ? DB_OK : connect_first(-1, false);
}

/*
 * Between transactions, a process on a later node of db.hosts moves back to the first healthy
 * earlier one, every few seconds at most (db_nodes_recheck_due). Failing that it stays where it is.
 */
static void recheck_node(void)
{
	if (in_tx || !conn || node <= 0 || !db_nodes_recheck_due())
		return;
	connect_first(node, true);
}

const char *db_node(void)
{
	return conn ? db_nodes_name(node) : "";
}

void db_close(void)
{
	drop_connection();
	while (cache) {
		struct db_stmt *st = cache;
		cache = st->next;
		for (unsigned i = 0; i < st->ncols; i++)
			free(st->cols[i].buf);
		free(st->cols);
		free(st->params);
		free(st->results);
		free(st);
	}
	in_tx = false;
}

/* Record and classify the error of a failed call; log what is not the caller's to handle. */
static int fail(unsigned err, const char *msg, const char *sql)
{
	int rc = classify(err);
	last_errno = err;
	snprintf(last_error, sizeof(last_error), "%s", msg);
	if (rc == DB_ERROR)
		log_error("database error %u: %s (statement: %.120s)", err, msg, sql);
	else if (rc == DB_UNAVAILABLE)
		log_warn("database connection lost (%u: %s)", err, msg);
	if (rc == DB_UNAVAILABLE)
		drop_connection();
	return rc;
}

static struct db_stmt *lookup(const char *sql)
{
	struct db_stmt *st;
	for (st = cache; st; st = st->next)
		if (st->sql == sql)
			return st;
	st = xcalloc(1, sizeof(*st));
	st->sql = sql;
	const char *p = sql;
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '(')
		p++;
	st->is_select = !strncasecmp(p, "SELECT", 6);
	st->next = cache;
	cache = st;
	return st;
}

static bool is_int_type(enum enum_field_types t)
{
	return t == MYSQL_TYPE_TINY || t == MYSQL_TYPE_SHORT || t == MYSQL_TYPE_LONG ||
	       t == MYSQL_TYPE_LONGLONG || t == MYSQL_TYPE_INT24 || t == MYSQL_TYPE_YEAR;
}

static void bind_col(struct db_stmt *st, unsigned i)
{
	struct db_col *c = &st->cols[i];
	MYSQL_BIND *b = &st->results[i];
	memset(b, 0, sizeof(*b));
	b->is_null = &c->is_null;
	b->error = &c->error;
	b->length = &c->len;
	if (c->is_int) {
		b->buffer_type = MYSQL_TYPE_LONGLONG;
		b->buffer = &c->ival;
	} else {
		b->buffer_type = MYSQL_TYPE_STRING;
		b->buffer = c->buf;
		b->buffer_length = c->cap - 1;
	}
}

static int prepare(struct db_stmt *st)
{
	MYSQL_STMT *stmt = mysql_stmt_init(conn);
	MYSQL_RES *meta = NULL;
	if (!stmt)
		return fail(mysql_errno(conn), mysql_error(conn), st->sql);
	if (mysql_stmt_prepare(stmt, st->sql, (unsigned long)strlen(st->sql))) {
		int rc = fail(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), st->sql);
		mysql_stmt_close(stmt);
		return rc;
	}
	unsigned nparams = (unsigned)mysql_stmt_param_count(stmt);
	unsigned ncols = mysql_stmt_field_count(stmt);
	if (!st->params && !st->results) {
		st->nparams = nparams;
		st->ncols = ncols;
		st->params = xcalloc(nparams ? nparams : 1, sizeof(*st->params));
		st->results = xcalloc(ncols ? ncols : 1, sizeof(*st->results));
		st->cols = xcalloc(ncols ? ncols : 1, sizeof(*st->cols));
	} else if (nparams != st->nparams || ncols != st->ncols) {
		log_error("statement changed shape after a reconnect: %.120s", st->sql);
		mysql_stmt_close(stmt);
		return DB_ERROR;
	}
	if (ncols) {
		meta = mysql_stmt_result_metadata(stmt);
		for (unsigned i = 0; i < ncols; i++) {
			MYSQL_FIELD *f = meta ? mysql_fetch_field_direct(meta, i) : NULL;
			struct db_col *c = &st->cols[i];
			c->is_int = f && is_int_type(f->type);
			if (!c->buf) {
				c->cap = 256;
				c->buf = xmalloc(c->cap);
			}
			bind_col(st, i);
		}
		if (meta)
			mysql_free_result(meta);
		if (mysql_stmt_bind_result(stmt, st->results)) {
			int rc = fail(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), st->sql);
			mysql_stmt_close(stmt);
			return rc;
		}
	}
	st->stmt = stmt;
	return DB_OK;
}

static int bind_params(struct db_stmt *st, const struct db_arg *args, size_t nargs)
{
	if (nargs != st->nparams) {
		log_error("statement takes %u parameters, got %zu: %.120s", st->nparams, nargs,
			  st->sql);
		return DB_ERROR;
	}
	for (size_t i = 0; i < nargs; i++) {
		MYSQL_BIND *b = &st->params[i];
		memset(b, 0, sizeof(*b));
		switch (args[i].type) {
		case DB_T_NULL:
			b->buffer_type = MYSQL_TYPE_NULL;
			break;
		case DB_T_INT:
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->buffer = (void *)&args[i].i;
			break;
		case DB_T_STR:
			b->buffer_type = MYSQL_TYPE_STRING;
			b->buffer = (void *)args[i].s;
			b->buffer_length = (unsigned long)args[i].len;
			break;
		}
	}
	if (nargs && mysql_stmt_bind_param(st->stmt, st->params))
		return fail(mysql_stmt_errno(st->stmt), mysql_stmt_error(st->stmt), st->sql);
	return DB_OK;
}

static int run(struct db_stmt **out, const char *sql, const struct db_arg *args, size_t nargs,
	       bool store);

/* Statements slower than db.slow_query_ms are logged (the text, never the arguments). */
static int timed_run(struct db_stmt **out, const char *sql, const struct db_arg *args, size_t nargs,
		     bool store)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int rc = run(out, sql, args, nargs, store);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long long ms = (b.tv_sec - a.tv_sec) * 1000LL + (b.tv_nsec - a.tv_nsec) / 1000000;
	if (conf.db_slow_query_ms && ms >= conf.db_slow_query_ms)
		log_warn("slow query: %lld ms: %.200s", ms, sql);
	return rc;
}

int db_run(struct db_stmt **out, const char *sql, const struct db_arg *args, size_t nargs)
{
	return timed_run(out, sql, args, nargs, true);
}

int db_stream(struct db_stmt **out, const char *sql, const struct db_arg *args, size_t nargs)
{
	return timed_run(out, sql, args, nargs, false);
}

#ifdef KINGLET_FAULTS
static long fault_at, fault_calls;
static char fault_kind; /* 'd' (db=), 'l' (lost=), 'x' (deadlock=) */

void db_fault_arm(const char *spec)
{
	static const char *const kinds[] = { "db=", "lost=", "deadlock=" };
	fault_at = fault_calls = 0;
	for (size_t i = 0; spec && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strncmp(spec, kinds[i], strlen(kinds[i]))) {
			fault_kind = "dlx"[i];
			fault_at = atol(spec + strlen(kinds[i]));
		}
	}
}

/*
 * The armed call fails. "lost": as a lost connection (dropped, so the reconnect path runs too;
 * at COMMIT the server never saw it). "deadlock": as a transaction Galera aborted (1213; the
 * caller rolls back, as the server would have). "db": an odd N lost, an even N any other error.
 */
static int injected_fault(const char *sql)
{
	if (!fault_at || ++fault_calls != fault_at)
		return DB_OK;
	log_warn("injected database fault at call %ld: %.80s", fault_calls, sql);
	if (fault_kind == 'x')
		return fail(ER_LOCK_DEADLOCK, "Deadlock found when trying to get lock (injected)",
			    sql);
	if (fault_kind == 'l' || fault_at % 2) {
		drop_connection();
		return DB_UNAVAILABLE;
	}
	return DB_ERROR;
}
bool db_fault_fired(void)
{
	return fault_at && fault_calls >= fault_at;
}
#else
#define injected_fault(sql) DB_OK
#endif

static int run(struct db_stmt **out, const char *sql, const struct db_arg *args, size_t nargs,
	       bool store)
{
	struct db_stmt *st = lookup(sql);
	int rc = DB_UNAVAILABLE;
	*out = NULL;
	unsigned conflicts = 0;
	/* An injected deadlock stands for the execution's failure below (its retry included). */
	int fault = injected_fault(sql);
	if (fault && fault != DB_CONFLICT)
		return fault;
	recheck_node();
	for (int attempt = 0; attempt < 2; attempt++) {
		/* Inside a transaction a lost connection lost the transaction: no silent retry. */
		if (!conn && (in_tx || db_connect()))
			return DB_UNAVAILABLE;
		if (!st->stmt && (rc = prepare(st)) != DB_OK) {
			if (rc == DB_UNAVAILABLE && !in_tx)
				continue; /* nothing was sent: safe to retry */
			return rc;
		}
		if ((rc = bind_params(st, args, nargs)) != DB_OK)
			return rc;
		if (fault || mysql_stmt_execute(st->stmt)) {
			rc = fault ? fault
				   : fail(mysql_stmt_errno(st->stmt), mysql_stmt_error(st->stmt),
					  sql);
			fault = DB_OK;
			if (rc == DB_UNAVAILABLE && !in_tx && st->is_select)
				continue; /* a read is safe to repeat */
			/* An autocommit statement is a transaction of its own (db_transaction's
			 * rule). */
			if (rc == DB_CONFLICT && !in_tx && db_conflict_retry(&conflicts)) {
				attempt--;
				continue;
			}
			return rc;
		}
		if (st->ncols && store) {
			if (mysql_stmt_store_result(st->stmt)) {
				rc = fail(mysql_stmt_errno(st->stmt), mysql_stmt_error(st->stmt),
					  sql);
				if (rc == DB_UNAVAILABLE && !in_tx && st->is_select)
					continue;
				return rc;
			}
		} else if (!st->ncols) {
			last_affected = (unsigned long long)mysql_stmt_affected_rows(st->stmt);
			last_insert_id = (unsigned long long)mysql_stmt_insert_id(st->stmt);
		}
		*out = st;
		return DB_OK;
	}
	return rc;
}

int db_exec(const char *sql, const struct db_arg *args, size_t nargs)
{
	struct db_stmt *st;
	int rc = db_run(&st, sql, args, nargs);
	db_done(st);
	return rc;
}

int db_first_int(long long *out, const char *sql, const struct db_arg *args, size_t nargs)
{
	struct db_stmt *st;
	int rc = db_run(&st, sql, args, nargs);
	if (!st) /* rc says why (db_run: st only with DB_OK) */
		return rc;
	rc = db_next(st);
	if (rc == 1)
		*out = db_int(st, 0);
	db_done(st);
	return rc < 0 ? rc : 0;
}

int db_next(struct db_stmt *st)
{
	int rc = mysql_stmt_fetch(st->stmt);
	if (rc == MYSQL_NO_DATA)
		return 0;
	if (rc == 1)
		return fail(mysql_stmt_errno(st->stmt), mysql_stmt_error(st->stmt), st->sql);
	if (rc == MYSQL_DATA_TRUNCATED) {
		bool rebind = false;
		for (unsigned i = 0; i < st->ncols; i++) {
			struct db_col *c = &st->cols[i];
			if (c->is_int || c->is_null || c->len < c->cap)
				continue;
			c->cap = c->len + 1;
			c->buf = xrealloc(c->buf, c->cap);
			bind_col(st, i);
			if (mysql_stmt_fetch_column(st->stmt, &st->results[i], i, 0))
				return fail(mysql_stmt_errno(st->stmt), mysql_stmt_error(st->stmt),
					    st->sql);
			rebind = true;
		}
		if (rebind && mysql_stmt_bind_result(st->stmt, st->results))
			return fail(mysql_stmt_errno(st->stmt), mysql_stmt_error(st->stmt),
				    st->sql);
		for (unsigned i = 0; i < st->ncols; i++) {
			if (!st->cols[i].is_null && st->cols[i].error && st->cols[i].is_int) {
				log_error("integer column %u out of range: %.120s", i, st->sql);
				return DB_ERROR;
			}
		}
	}
	for (unsigned i = 0; i < st->ncols; i++) {
		struct db_col *c = &st->cols[i];
		if (!c->is_int)
			c->buf[c->is_null ? 0 : c->len] = '\0';
	}
	return 1;
}

void db_done(struct db_stmt *st)
{
	if (st && st->stmt)
		mysql_stmt_free_result(st->stmt);
}

bool db_is_null(const struct db_stmt *st, unsigned i)
{
	return i >= st->ncols || st->cols[i].is_null;
}

long long db_int(const struct db_stmt *st, unsigned i)
{
	if (db_is_null(st, i))
		return 0;
	if (st->cols[i].is_int)
		return st->cols[i].ival;
	return strtoll(st->cols[i].buf, NULL, 10);
}

const char *db_str(const struct db_stmt *st, unsigned i, size_t *len)
{
	if (db_is_null(st, i)) {
		if (len)
			*len = 0;
		return "";
	}
	struct db_col *c = &st->cols[i];
	if (c->is_int) {
		int n = snprintf(c->buf, c->cap, "%lld", c->ival);
		c->len = (unsigned long)n;
	}
	if (len)
		*len = c->len;
	return c->buf;
}

unsigned db_errno(void)
{
	return last_errno;
}

unsigned long db_connects(void)
{
	return connects;
}

unsigned long long db_affected_rows(void)
{
	return last_affected;
}

unsigned long long db_insert_id(void)
{
	return last_insert_id;
}

bool db_duplicate_key(const char *key)
{
	const char *p = strstr(last_error, "for key '");
	if (!p)
		return false;
	p += strlen("for key '");
	const char *dot = strchr(p, '.');
	const char *quote = strchr(p, '\'');
	if (dot && quote && dot < quote)
		p = dot + 1;
	size_t n = strlen(key);
	return !strncmp(p, key, n) && p[n] == '\'';
}

static int simple_command(const char *sql)
{
	int rc = injected_fault(sql);
	if (rc)
		return rc;
	if (mysql_real_query(conn, sql, (unsigned long)strlen(sql)))
		return fail(mysql_errno(conn), mysql_error(conn), sql);
	return DB_OK;
}

int db_begin(void)
{
	int rc = DB_UNAVAILABLE;
	if (in_tx) {
		log_error("db_begin inside a transaction");
		return DB_ERROR;
	}
	recheck_node();
	for (int attempt = 0; attempt < 2; attempt++) {
		if (!conn && db_connect())
			return DB_UNAVAILABLE;
		rc = simple_command("START TRANSACTION");
		if (rc == DB_OK) {
			in_tx = true;
			return DB_OK;
		}
		if (rc != DB_UNAVAILABLE)
			return rc;
	}
	return rc;
}

int db_commit(void)
{
	int rc;
	if (!in_tx)
		return DB_ERROR;
	/*
	 * A lost connection here leaves the outcome unknown (the commit may have been applied):
	 * DB_UNAVAILABLE, never retried by db.c; a client retries with its Idempotency-Key.
	 */
	rc = conn ? simple_command("COMMIT") : DB_UNAVAILABLE;
	if (rc != DB_OK)
		db_rollback();
	in_tx = false;
	return rc;
}

void db_rollback(void)
{
	if (conn && in_tx && mysql_real_query(conn, "ROLLBACK", 8))
		fail(mysql_errno(conn), mysql_error(conn), "ROLLBACK");
	in_tx = false;
}

int db_ping(long long *usec)
{
	static const char sql[] = "SELECT 1";
	struct timespec a, b;
	struct db_stmt *st;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int rc = db_run(&st, sql, DB_NOARGS);
	if (rc == DB_OK) {
		rc = db_next(st);
		db_done(st);
		rc = rc == 1 ? DB_OK : (rc == 0 ? DB_ERROR : rc);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (usec)
		*usec = (b.tv_sec - a.tv_sec) * 1000000LL + (b.tv_nsec - a.tv_nsec) / 1000;
	return rc;
}
