/* db.c: the only file that talks to libmariadb (MariaDB Connector/C). */
#include "db.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <errmsg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "random.h"
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

/* db.hosts, parsed at the first connect (conf_load checked it); 0 nodes: the single server. */
static struct db_host hosts[DB_HOSTS_MAX];
static int nhosts = -1; /* -1: not parsed yet */
static int node = -1; /* the index in hosts of the connection's node */
static time_t node_rechecked; /* when the nodes before `node` were last tried */
static unsigned tx_conflicts; /* transactions aborted by a conflict since the last commit */
static char node_name[DB_HOST_ADDR_MAX + 8];

/*
 * A process on a later node tries the earlier ones this often, so that the whole cluster writes
 * to one node again soon after the first comes back (one writer keeps conflicts rare and ids in
 * commit order).
 */
#define DB_RECHECK_SECONDS 5
/* An autocommit statement aborted by a conflict (deadlock, Galera certification) is tried again. */
#define DB_CONFLICT_RETRIES 3

static int classify(unsigned err)
{
	switch (err) {
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_LOST_EXTENDED:
	case CR_COMMANDS_OUT_OF_SYNC:
	case ER_SERVER_SHUTDOWN:
	case ER_CONNECTION_KILLED:
	/*
	 * 1047 from a Galera node outside the primary component ("WSREP has not yet prepared
	 * node for application use"): nothing ran; the next connect picks another node.
	 */
	case ER_UNKNOWN_COM_ERROR:
	case 4031: /* ER_CLIENT_INTERACTION_TIMEOUT */
		return DB_UNAVAILABLE;
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

static bool host_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

/* One entry of db.hosts (n bytes at p, no separators in it) into h. */
static int host_parse(const char *p, size_t n, struct db_host *h, struct strbuf *err)
{
	const char *host = p, *colon;
	size_t hlen;
	unsigned long port = 0;
	char v6[DB_HOST_ADDR_MAX];

	if (*p == '/') {
		if (n >= DB_HOST_ADDR_MAX) {
			strbuf_addf(err, "db.hosts: socket path '%.*s' is longer than %d bytes",
				    (int)n, p, DB_HOST_ADDR_MAX - 1);
			return -1;
		}
		memcpy(h->addr, p, n);
		h->addr[n] = '\0';
		h->port = 0;
		return 0;
	}
	if (*p == '[') {
		const char *close = memchr(p, ']', n);
		host = p + 1;
		hlen = close ? (size_t)(close - host) : 0;
		colon = close && close + 1 < p + n && close[1] == ':' ? close + 1 : NULL;
		if (colon && hlen < sizeof(v6)) {
			memcpy(v6, host, hlen);
			v6[hlen] = '\0';
		}
		if (!colon || hlen >= sizeof(v6) || inet_pton(AF_INET6, v6, h->addr) != 1) {
			strbuf_addf(err, "db.hosts: '%.*s' is not [IPv6 address]:port", (int)n, p);
			return -1;
		}
	} else {
		colon = memchr(p, ':', n);
		hlen = colon ? (size_t)(colon - p) : n;
		for (size_t i = 0; i < hlen; i++)
			if (!host_char(p[i]))
				hlen = 0;
		if (!colon || !hlen || hlen >= DB_HOST_ADDR_MAX) {
			strbuf_addf(err,
				    "db.hosts: '%.*s' is not host:port, [IPv6 address]:port or an "
				    "absolute socket path",
				    (int)n, p);
			return -1;
		}
	}
	size_t plen = (size_t)(p + n - colon - 1);
	for (size_t i = 0; i < plen && port <= 65535; i++)
		port = isdigit((unsigned char)colon[1 + i])
			       ? port * 10 + (unsigned)(colon[1 + i] - '0')
			       : 65536;
	if (!plen || port < 1 || port > 65535) {
		strbuf_addf(err, "db.hosts: '%.*s': the port must be a number from 1 to 65535",
			    (int)n, p);
		return -1;
	}
	memcpy(h->addr, host, hlen);
	h->addr[hlen] = '\0';
	h->port = (unsigned)port;
	return 0;
}

int db_hosts_parse(const char *list, struct db_host *out, struct strbuf *err)
{
	struct db_host scratch;
	int n = 0;
	const char *p = list + strspn(list, " ,\t");
	while (*p) {
		size_t len = strcspn(p, " ,\t");
		if (n == DB_HOSTS_MAX) {
			strbuf_addf(err, "db.hosts: more than %d nodes", DB_HOSTS_MAX);
			return -1;
		}
		if (host_parse(p, len, out ? &out[n] : &scratch, err) < 0)
			return -1;
		n++;
		p += len;
		p += strspn(p, " ,\t");
	}
	return n;
}

/* A new connection to h (NULL: the single server of db.socket or db.host), or NULL. */
static MYSQL *open_conn(const struct db_host *h, bool quiet)
{
	unsigned int timeout = (unsigned int)conf.db_timeout_seconds;
	my_bool off = 0;
	const char *socket = conf.db_socket[0] ? conf.db_socket : NULL;
	const char *host = socket ? "localhost" : conf.db_host;
	unsigned port = (unsigned)conf.db_port;
	MYSQL *m;

	if (h) {
		socket = h->port ? NULL : h->addr;
		host = h->port ? h->addr : "localhost";
		port = h->port;
	}
	m = mysql_init(NULL);
	if (!m)
		return NULL;
	mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &timeout);
	mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
	mysql_optionsv(m, MYSQL_OPT_RECONNECT, &off);
	mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* UTC for UNIX_TIMESTAMP(), and lock waits short enough to answer within a request. */
	mysql_optionsv(m, MYSQL_INIT_COMMAND,
		       "SET time_zone = '+00:00', innodb_lock_wait_timeout = 10");
	if (!mysql_real_connect(m, host, conf.db_user, conf.db_password, conf.db_name, port, socket,
				0)) {
		if (!quiet)
			log_error("database connect failed: %s", mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	return m;
}

/*
 * Whether the node behind m takes writes: for Galera, wsrep_ready ON and wsrep_local_state 4
 * (Synced; a joiner or a node outside the primary component answers SELECT 1 but refuses table
 * reads with 1047). A server without Galera, or with wsrep off, is healthy.
 */
static bool node_healthy(MYSQL *m, int i)
{
	static const char sql[] = "SELECT @@wsrep_on, "
				  "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
				  "WHERE VARIABLE_NAME = 'WSREP_READY'), "
				  "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
				  "WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE')";
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	bool ok = false;

	if (mysql_real_query(m, sql, (unsigned long)strlen(sql))) {
		if (mysql_errno(m) == ER_UNKNOWN_SYSTEM_VARIABLE)
			return true; /* built without Galera */
		log_warn("database node %d: health query failed: %s", i + 1, mysql_error(m));
		return false;
	}
	res = mysql_store_result(m);
	row = res ? mysql_fetch_row(res) : NULL;
	if (!row || !row[0] || !strcmp(row[0], "0")) {
		ok = row != NULL;
		goto out;
	}
	ok = row[1] && !strcasecmp(row[1], "ON") && row[2] && !strcmp(row[2], "4");
	if (!ok)
		log_warn("database node %d (%s%s%u) skipped: wsrep_ready %s, wsrep_local_state %s "
			 "(4 is synced)",
			 i + 1, hosts[i].addr, hosts[i].port ? ":" : "", hosts[i].port,
			 row[1] ? row[1] : "?", row[2] ? row[2] : "?");
out:
	if (res)
		mysql_free_result(res);
	return ok;
}

/*
 * Connect to the first healthy node among the first `limit` of db.hosts; a connection there
 * replaces the current one. quiet: a periodic look for an earlier node (not worth a log line
 * a request when one is down).
 */
static int connect_first(int limit, bool quiet)
{
	for (int i = 0; i < limit; i++) {
		MYSQL *m = open_conn(&hosts[i], quiet);
		if (!m)
			continue;
		if (!node_healthy(m, i)) {
			mysql_close(m);
			continue;
		}
		drop_connection();
		if (i != node)
			log_info("database node %d of %d: %s%s%u", i + 1, nhosts, hosts[i].addr,
				 hosts[i].port ? ":" : "", hosts[i].port);
		conn = m;
		node = i;
		node_rechecked = time(NULL);
		connects++;
		return DB_OK;
	}
	if (!quiet)
		log_error("no healthy database node among the %d of db.hosts", limit);
	return DB_UNAVAILABLE;
}

int db_connect(void)
{
	if (nhosts < 0) {
		struct strbuf err = STRBUF_INIT;
		nhosts = db_hosts_parse(conf.db_hosts, hosts, &err);
		if (nhosts < 0) {
			/* conf_load refuses such a setting: not reached from the programs */
			log_error("%s", err.buf);
			nhosts = 0;
		}
		strbuf_release(&err);
	}
	if (conn)
		return DB_OK;
	if (nhosts)
		return connect_first(nhosts, false);
	conn = open_conn(NULL, false);
	if (!conn)
		return DB_UNAVAILABLE;
	connects++;
	return DB_OK;
}

/*
 * Between transactions, a process on a later node of db.hosts moves back to the first healthy
 * earlier one, every DB_RECHECK_SECONDS at most. Failing that it stays where it is.
 */
static void recheck_node(void)
{
	time_t now;
	if (in_tx || !conn || node <= 0)
		return;
	now = time(NULL);
	if (now - node_rechecked < DB_RECHECK_SECONDS)
		return;
	node_rechecked = now;
	connect_first(node, true);
}

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

const char *db_node(void)
{
	if (!conn)
		return "";
	if (nhosts > 0 && node >= 0) {
		const struct db_host *h = &hosts[node];
		if (h->port)
			snprintf(node_name, sizeof(node_name), "%s:%u", h->addr, h->port);
		else
			snprintf(node_name, sizeof(node_name), "%s", h->addr);
	} else if (conf.db_socket[0]) {
		snprintf(node_name, sizeof(node_name), "%s", conf.db_socket);
	} else {
		snprintf(node_name, sizeof(node_name), "%s:%lld", conf.db_host, conf.db_port);
	}
	return node_name;
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
	snprintf(last_error, sizeof(last_error), "%s", msg);
	if (rc == DB_ERROR)
		log_error("database error %u: %s (statement: %.120s)", err, msg, sql);
	else if (rc == DB_UNAVAILABLE)
		log_warn("database connection lost (%u: %s)", err, msg);
	if (rc == DB_UNAVAILABLE)
		drop_connection();
	if (rc == DB_CONFLICT && in_tx && tx_conflicts < 8)
		tx_conflicts++;
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

static int run(struct db_stmt **out, const char *sql, const struct db_arg *args, size_t nargs);

/* Statements slower than db.slow_query_ms are logged (the text, never the arguments). */
int db_run(struct db_stmt **out, const char *sql, const struct db_arg *args, size_t nargs)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int rc = run(out, sql, args, nargs);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long long ms = (b.tv_sec - a.tv_sec) * 1000LL + (b.tv_nsec - a.tv_nsec) / 1000000;
	if (conf.db_slow_query_ms && ms >= conf.db_slow_query_ms)
		log_warn("slow query: %lld ms: %.200s", ms, sql);
	return rc;
}

#ifdef KINGLET_FAULTS
static long fault_at, fault_calls;

void db_fault_arm(long n)
{
	fault_at = n;
	fault_calls = 0;
}

/*
 * The armed call fails: an odd N like a lost connection (the connection is dropped, so the
 * reconnect path runs too), an even N like any other server error.
 */
static int injected_fault(const char *sql)
{
	if (!fault_at || ++fault_calls != fault_at)
		return DB_OK;
	log_warn("injected database fault at call %ld: %.80s", fault_calls, sql);
	if (fault_at % 2) {
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

static int run(struct db_stmt **out, const char *sql, const struct db_arg *args, size_t nargs)
{
	struct db_stmt *st = lookup(sql);
	int rc = DB_UNAVAILABLE;
	*out = NULL;
	unsigned conflicts = 0;
	if ((rc = injected_fault(sql)))
		return rc;
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
		if (mysql_stmt_execute(st->stmt)) {
			rc = fail(mysql_stmt_errno(st->stmt), mysql_stmt_error(st->stmt), sql);
			if (rc == DB_UNAVAILABLE && !in_tx && st->is_select)
				continue; /* a read is safe to repeat */
			/*
			 * An autocommit statement that lost to a conflict was rolled back whole:
			 * its outcome is known, so it runs again after a random pause.
			 */
			if (rc == DB_CONFLICT && !in_tx && conflicts < DB_CONFLICT_RETRIES) {
				conflict_backoff(++conflicts);
				attempt--;
				continue;
			}
			return rc;
		}
		if (st->ncols) {
			if (mysql_stmt_store_result(st->stmt)) {
				rc = fail(mysql_stmt_errno(st->stmt), mysql_stmt_error(st->stmt),
					  sql);
				if (rc == DB_UNAVAILABLE && !in_tx && st->is_select)
					continue;
				return rc;
			}
		} else {
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
	/* The caller starts again after a conflict: a random pause first, so that two
	 * transactions that collided do not collide again (Galera's certification failures too). */
	if (tx_conflicts)
		conflict_backoff(tx_conflicts);
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
	else
		tx_conflicts = 0;
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
