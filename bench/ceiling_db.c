/*
 * ceiling_db.c: ceiling (b) of make bench: one prepared primary-key SELECT on messages answered as
 * JSON, with nothing else (no authentication, no log line): the fastest any endpoint of ours could
 * be. GET /ceiling/db/ID. The database settings come from the kinglet.conf named by BENCH_CONF
 * (not KINGLET_CONF: the stack scripts count their own programs by that variable).
 */
#include <fcgiapp.h>
#include <mysql.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "strbuf.h"

#include "banned.h"

enum { C_ID, C_PARENT, C_AUTHOR, C_MARKUP, C_HTML, C_STATUS, C_REPLIES, C_NAMES, C_CREATED, NCOLS };
#define TEXT_MAX 16384

static const char select_sql[] =
	"SELECT message_id, parent_id, author_id, message_markup, message_html, message_status, "
	"reply_count, recipient_names, UNIX_TIMESTAMP(created_at) FROM messages WHERE message_id = "
	"?";

static volatile sig_atomic_t stop;
static MYSQL *conn;
static MYSQL_STMT *stmt;
static long long param_id, ints[NCOLS];
static char texts[NCOLS][TEXT_MAX];
static unsigned long lens[NCOLS];
static my_bool nulls[NCOLS];

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
	FCGX_ShutdownPending();
}

static void db_close(void)
{
	if (stmt)
		mysql_stmt_close(stmt);
	if (conn)
		mysql_close(conn);
	stmt = NULL;
	conn = NULL;
}

/* Connect, prepare and bind once; 0 or -1. */
static int db_open(void)
{
	MYSQL_BIND param, res[NCOLS];
	const char *socket = conf.db_socket[0] ? conf.db_socket : NULL;

	conn = mysql_init(NULL);
	if (!conn)
		return -1;
	mysql_optionsv(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_optionsv(conn, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
	if (!mysql_real_connect(conn, socket ? "localhost" : conf.db_host, conf.db_user,
				conf.db_password, conf.db_name, (unsigned int)conf.db_port, socket,
				0))
		goto fail;
	if (!(stmt = mysql_stmt_init(conn)) ||
	    mysql_stmt_prepare(stmt, select_sql, (unsigned long)strlen(select_sql)))
		goto fail;
	memset(&param, 0, sizeof(param));
	param.buffer_type = MYSQL_TYPE_LONGLONG;
	param.buffer = &param_id;
	memset(res, 0, sizeof(res));
	for (int i = 0; i < NCOLS; i++) {
		bool text = i == C_MARKUP || i == C_HTML || i == C_STATUS || i == C_NAMES;
		res[i].buffer_type = text ? MYSQL_TYPE_STRING : MYSQL_TYPE_LONGLONG;
		res[i].buffer = text ? (void *)texts[i] : (void *)&ints[i];
		res[i].buffer_length = text ? TEXT_MAX : 0;
		res[i].length = &lens[i];
		res[i].is_null = &nulls[i];
	}
	if (mysql_stmt_bind_param(stmt, &param) || mysql_stmt_bind_result(stmt, res))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "ceiling_db: %s\n", conn ? mysql_error(conn) : "out of memory");
	db_close();
	return -1;
}

static void add_json_string(struct strbuf *sb, const char *s, size_t len)
{
	strbuf_addch(sb, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, c);
		} else if (c < 0x20) {
			strbuf_addf(sb, "\\u%04x", c);
		} else {
			strbuf_addch(sb, c);
		}
	}
	strbuf_addch(sb, '"');
}

/* The row of message id as JSON into body; the HTTP status. */
static int lookup(long long id, struct strbuf *body)
{
	int rc = 1;
	param_id = id;
	for (int attempt = 0; attempt < 2 && rc == 1; attempt++) {
		if (!conn && db_open() < 0)
			break;
		if (mysql_stmt_execute(stmt)) {
			db_close(); /* a lost connection: connect again once */
			continue;
		}
		rc = mysql_stmt_fetch(stmt);
		mysql_stmt_free_result(stmt);
		if (rc == MYSQL_DATA_TRUNCATED || rc == 1)
			break;
	}
	if (rc == MYSQL_NO_DATA) {
		strbuf_addstr(body, "{\"status\":404,\"description\":\"Not Found\"}\n");
		return 404;
	}
	if (rc != 0) {
		strbuf_addstr(body, "{\"status\":500,\"description\":\"Internal Server Error\"}\n");
		return 500;
	}
	strbuf_addf(
		body,
		"{\"status\":200,\"description\":\"OK\",\"message_id\":%lld,\"parent_id\":%lld,"
		"\"author_id\":%lld,\"reply_count\":%lld,\"created_at\":%lld,\"message_markup\":",
		ints[C_ID], ints[C_PARENT], ints[C_AUTHOR], ints[C_REPLIES], ints[C_CREATED]);
	add_json_string(body, texts[C_MARKUP], lens[C_MARKUP]);
	strbuf_addstr(body, ",\"message_text\":");
	add_json_string(body, texts[C_HTML], lens[C_HTML]);
	strbuf_addstr(body, ",\"message_status\":");
	add_json_string(body, texts[C_STATUS], lens[C_STATUS]);
	strbuf_addstr(body, ",\"recipient_names\":");
	add_json_string(body, texts[C_NAMES], lens[C_NAMES]);
	strbuf_addstr(body, "}\n");
	return 200;
}

int main(void)
{
	struct strbuf err = STRBUF_INIT, body = STRBUF_INIT, out = STRBUF_INIT;
	struct sigaction sa;
	FCGX_Request r;

	if (conf_load(getenv("BENCH_CONF"), &err) < 0) {
		fprintf(stderr, "ceiling_db: %s\n", err.buf);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term; /* no SA_RESTART: accept() must return so the loop ends */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	if (FCGX_Init() != 0)
		return 1;
	db_open();
	FCGX_InitRequest(&r, 0, 0);
	while (!stop && FCGX_Accept_r(&r) >= 0) {
		const char *uri = FCGX_GetParam("REQUEST_URI", r.envp);
		const char *slash = uri ? strrchr(uri, '/') : NULL;
		long long id = slash ? strtoll(slash + 1, NULL, 10) : 0;
		strbuf_reset(&body);
		strbuf_reset(&out);
		int status = lookup(id, &body);
		strbuf_addf(&out,
			    "Status: %d\r\nContent-Type: application/json; charset=utf-8\r\n"
			    "Content-Length: %zu\r\n\r\n",
			    status, body.len);
		strbuf_add(&out, body.buf, body.len);
		FCGX_PutStr(out.buf, (int)out.len, r.out);
		FCGX_Finish_r(&r);
	}
	FCGX_Free(&r, 1);
	db_close();
	strbuf_release(&err);
	strbuf_release(&body);
	strbuf_release(&out);
	return 0;
}
