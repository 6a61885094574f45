/* threads.c: the caller's threads by last activity, with a plain-text excerpt of each starter. */
#include "threads.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "csv.h"
#include "db.h"
#include "page.h"
#include "render.h"
#include "timefmt.h"
#include "wire.h"

#include "banned.h"

#define EXCERPT_CHARS 75

/*
 * The key orders and pages the list: the activity key (thread_members.last_message_id: the ids
 * of messages grow in commit order, so it is last_message_at order) or the thread's id (its
 * created_at order), each the second column of an index of thread_members after user_id.
 * STRAIGHT_JOIN keeps the caller's token and then their range of it first (see messages.c);
 * the token (AUTH_FROM) authenticates in the same statement.
 */
#define THREADS_SQL(key, cmp, order)                                                               \
	"SELECT STRAIGHT_JOIN " key ", m.message_id, m.message_markup, "                           \
	"m.message_status, "                                                                       \
	"au.user_name, m.reply_count, m.recipient_names, UNIX_TIMESTAMP(m.created_at), "           \
	"UNIX_TIMESTAMP(COALESCE(m.last_message_at, m.created_at)), "                              \
	"COALESCE(lu.user_name, au.user_name), m.last_message_id, " AUTH_COLUMNS                   \
	" FROM " AUTH_FROM " JOIN thread_members tm ON tm.user_id = t.user_id "                    \
	"JOIN messages m ON m.message_id = tm.thread_id "                                          \
	"JOIN users au FORCE INDEX (PRIMARY) ON au.user_id = m.author_id "                         \
	"LEFT JOIN users lu FORCE INDEX (PRIMARY) ON lu.user_id = m.last_author_id "               \
	"WHERE " key " " cmp " ? ORDER BY " key " " order " LIMIT ? OFFSET ?"
#define ACTIVITY "tm.last_message_id"
#define CREATED "tm.thread_id"
#define THREADS_NCOLS 11

/* One thread in the version's fields: version 0 has no message_status, its names " a b ". */
static void thread_json(struct json_object *o, const struct db_stmt *st, long long viewer,
			int version)
{
	struct strbuf excerpt = STRBUF_INIT, names = STRBUF_INIT;
	size_t len;
	const char *status = db_str(st, 3, NULL);
	const char *markup = db_str(st, 2, &len);
	bool v0 = version == WIRE_V0;
	if (!strcmp(status, "active"))
		render_excerpt(&excerpt, markup, len, EXCERPT_CHARS);
	if (v0)
		wire_v0_names(&names, db_str(st, 6, NULL), ' ');
	else
		strbuf_addstr(&names, db_str(st, 6, NULL));
	json_object_object_add(o, "message_id", wire_int(version, db_int(st, 1)));
	json_object_object_add(o, "message_text",
			       json_object_new_string_len(excerpt.buf, (int)excerpt.len));
	if (!v0)
		json_object_object_add(o, "message_status", json_object_new_string(status));
	json_object_object_add(o, "author_name", json_object_new_string(db_str(st, 4, NULL)));
	json_object_object_add(o, "reply_count", wire_int(version, db_int(st, 5)));
	json_object_object_add(o, "recipient_names",
			       json_object_new_string_len(names.buf, (int)names.len));
	wire_time(o, version, "created_at", "created_date", (time_t)db_int(st, 7), WIRE_AGO);
	wire_time(o, version, "last_message_at", "last_message_date", (time_t)db_int(st, 8),
		  WIRE_AGO);
	json_object_object_add(o, "last_message_author_name",
			       json_object_new_string(db_str(st, 9, NULL)));
	json_object_object_add(o, "last_message_id", wire_int(version, db_int(st, 10)));
	json_object_object_add(o, "logged_in_user", wire_int(version, viewer));
	strbuf_release(&excerpt);
	strbuf_release(&names);
}

/*
 * thread_json's version 1 fields as a CSV row. message_text is the same plain-text excerpt: the
 * thread item's field, never HTML.
 */
static void thread_csv(struct strbuf *out, const struct db_stmt *st, long long viewer)
{
	struct strbuf excerpt = STRBUF_INIT;
	size_t len;
	const char *status = db_str(st, 3, NULL);
	const char *markup = db_str(st, 2, &len);
	if (!strcmp(status, "active"))
		render_excerpt(&excerpt, markup, len, EXCERPT_CHARS);
	csv_cell_int(out, db_int(st, 1));
	csv_cell(out, excerpt.buf, excerpt.len);
	csv_cell_str(out, status);
	csv_cell_str(out, db_str(st, 4, NULL));
	csv_cell_int(out, db_int(st, 5));
	csv_cell_str(out, db_str(st, 6, NULL));
	time_csv_add(out, (time_t)db_int(st, 7), true);
	time_csv_add(out, (time_t)db_int(st, 8), true);
	csv_cell_str(out, db_str(st, 9, NULL));
	csv_cell_int(out, db_int(st, 10));
	csv_cell_int(out, viewer);
	csv_row_end(out);
	strbuf_release(&excerpt);
}

static const struct page_row thread_row = {
	.json = thread_json,
	.ncols = THREADS_NCOLS,
	.csv = thread_csv,
	.csv_head = "message_id,message_text,message_status,author_name,reply_count,"
		    "recipient_names,created_at,created_date,last_message_at,last_message_date,"
		    "last_message_author_name,last_message_id,logged_in_user",
};

static const struct page_order threads_orders[] = {
	{ .field = "last_message_at",
	  .newest_first = true,
	  .forward = THREADS_SQL(ACTIVITY, "<", "DESC"),
	  .backward = THREADS_SQL(ACTIVITY, ">", "ASC") },
	{ .field = "last_message_at",
	  .forward = THREADS_SQL(ACTIVITY, ">", "ASC"),
	  .backward = THREADS_SQL(ACTIVITY, "<", "DESC") },
	{ .field = "created_at",
	  .newest_first = true,
	  .forward = THREADS_SQL(CREATED, "<", "DESC"),
	  .backward = THREADS_SQL(CREATED, ">", "ASC") },
	{ .field = "created_at",
	  .forward = THREADS_SQL(CREATED, ">", "ASC"),
	  .backward = THREADS_SQL(CREATED, "<", "DESC") },
};

/* total=true: the joins of THREADS_SQL keep every row (foreign keys). */
static const struct page_query threads_list_query = {
	.path = "/messages/threads",
	.name = "threads",
	.row = &thread_row,
	PAGE_ORDERS(threads_orders),
	.count = "SELECT COUNT(*) FROM (SELECT 1 FROM thread_members WHERE user_id = ? LIMIT ?) c",
	.per_page = 20,
	.auth = true,
	.page_in_path = true,
};

int threads_list(struct http_request *req, struct http_response *resp)
{
	return page_list(req, resp, &threads_list_query);
}
