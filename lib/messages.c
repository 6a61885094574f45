/* messages.c: message objects, visibility, and the messages routes (posting itself: post.c). */
#include "messages.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "body.h"
#include "conf.h"
#include "page.h"
#include "post.h"
#include "router.h"
#include "timefmt.h"
#include "token.h"
#include "webhooks.h"
#include "wire.h"

#include "banned.h"

/* ---- the message object ---- */

void message_digest(char out[32], long long id, const char *status, const char *markup, size_t len)
{
	static const char b64url[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint8_t h[SHA256_LEN];
	struct sha256 c;
	char head[48];
	int n = snprintf(head, sizeof(head), "%lld:%s:", id, status);
	sha256_init(&c);
	sha256_update(&c, head, (size_t)n);
	sha256_update(&c, markup, len);
	sha256_final(&c, h);
	/* token_base64url of the first 16 bytes, without a heap buffer: it runs once per row. */
	char *o = out;
	for (int i = 0; i < 15; i += 3) {
		uint32_t v = (uint32_t)h[i] << 16 | (uint32_t)h[i + 1] << 8 | h[i + 2];
		*o++ = b64url[(v >> 18) & 63];
		*o++ = b64url[(v >> 12) & 63];
		*o++ = b64url[(v >> 6) & 63];
		*o++ = b64url[v & 63];
	}
	*o++ = b64url[h[15] >> 2];
	*o++ = b64url[(h[15] & 3) << 4];
	*o = '\0';
}

/*
 * message_json's keys are literals, each added once to a new object: json-c need neither copy
 * nor look them up (a stream page adds about 320).
 */
static void put(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add_ex(o, key, v,
				  JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

/* The fields of a message object; a version's table lists the ones it writes, in order. */
enum message_field {
	MF_ID,
	MF_PARENT,
	MF_TEXT,
	MF_MARKUP,
	MF_STATUS,
	MF_AUTHOR_ID,
	MF_AUTHOR,
	MF_AUTHOR_TYPE,
	MF_REPLIES,
	MF_NAMES,
	MF_DIGEST,
	MF_CREATED,
	MF_VIEWER,
	MF_END
};

/* Version 1 (API.md §5): the same object alone and in lists. */
static const enum message_field v1_fields[] = { MF_ID,	    MF_PARENT,	  MF_TEXT,   MF_MARKUP,
						MF_STATUS,  MF_AUTHOR_ID, MF_AUTHOR, MF_AUTHOR_TYPE,
						MF_REPLIES, MF_NAMES,	  MF_DIGEST, MF_CREATED,
						MF_VIEWER,  MF_END };
/* Version 0 (API.md §10): GET /messages/{id} as the original answered it ... */
static const enum message_field v0_alone[] = { MF_ID,	     MF_PARENT,	 MF_TEXT,   MF_STATUS,
					       MF_AUTHOR_ID, MF_AUTHOR,	 MF_DIGEST, MF_NAMES,
					       MF_REPLIES,   MF_CREATED, MF_END };
/* ... and the items of its stream and replies lists. */
static const enum message_field v0_item[] = { MF_ID,	  MF_PARENT,	  MF_TEXT,    MF_STATUS,
					      MF_AUTHOR,  MF_AUTHOR_TYPE, MF_REPLIES, MF_NAMES,
					      MF_CREATED, MF_VIEWER,	  MF_END };

static void add_names(struct json_object *o, const char *names, int version, bool alone)
{
	if (version == WIRE_V0) {
		struct strbuf sb = STRBUF_INIT;
		wire_v0_names(&sb, names, alone ? '|' : ' ');
		put(o, "recipient_names", json_object_new_string_len(sb.buf, (int)sb.len));
		strbuf_release(&sb);
		return;
	}
	struct json_object *arr = json_object_new_array();
	const char *p = names;
	while (*p) {
		size_t n = strcspn(p, " ");
		if (n)
			json_object_array_add(arr, json_object_new_string_len(p, (int)n));
		p += n;
		while (*p == ' ')
			p++;
	}
	put(o, "recipient_names", json_object_new_string(names));
	put(o, "recipients", arr);
}

static void add_text(struct json_object *o, const char *html, size_t len, int version)
{
	if (version != WIRE_V0) {
		put(o, "message_text", json_object_new_string_len(html, (int)len));
		return;
	}
	struct strbuf sb = STRBUF_INIT;
	wire_v0_html(&sb, html, len);
	put(o, "message_text", json_object_new_string_len(sb.buf, (int)sb.len));
	strbuf_release(&sb);
}

/*
 * The message object of a row (MESSAGE_COLUMNS from column c) in the version's fields: alone
 * (GET /messages/{id}) or as a list item.
 */
static void message_fields(struct json_object *o, const struct db_stmt *st, unsigned c,
			   long long viewer, int version, bool alone)
{
	const enum message_field *f = version != WIRE_V0 ? v1_fields : alone ? v0_alone : v0_item;
	size_t markup_len, html_len;
	long long id = db_int(st, c);
	const char *markup = db_str(st, c + 2, &markup_len);
	const char *html = db_str(st, c + 3, &html_len);
	const char *status = db_str(st, c + 4, NULL);
	bool deleted = strcmp(status, "active") != 0;
	long long author = db_int(st, c + 5);
	char dg[32];

	for (; *f != MF_END; f++) {
		switch (*f) {
		case MF_ID:
			put(o, "message_id", wire_int(version, id));
			break;
		case MF_PARENT:
			put(o, "parent_id", wire_int(version, db_int(st, c + 1)));
			break;
		case MF_TEXT:
			add_text(o, html, deleted ? 0 : html_len, version);
			break;
		case MF_MARKUP:
			put(o, "message_markup",
			    json_object_new_string_len(markup, deleted ? 0 : (int)markup_len));
			break;
		case MF_STATUS:
			put(o, "message_status",
			    json_object_new_string(wire_status(version, status)));
			break;
		case MF_AUTHOR_ID:
			put(o, "author_id", wire_int(version, author));
			break;
		case MF_AUTHOR:
			put(o, "author_name", json_object_new_string(db_str(st, c + 6, NULL)));
			break;
		case MF_AUTHOR_TYPE:
			put(o, "author_type",
			    json_object_new_string(author == viewer ? "you" : "others"));
			break;
		case MF_REPLIES:
			put(o, "reply_count", wire_int(version, db_int(st, c + 7)));
			break;
		case MF_NAMES:
			add_names(o, db_str(st, c + 8, NULL), version, alone);
			break;
		case MF_DIGEST:
			message_digest(dg, id, status, markup, markup_len);
			put(o, "content_digest", json_object_new_string(dg));
			break;
		case MF_CREATED:
			wire_time(o, version, "created_at", "created_date",
				  (time_t)db_int(st, c + 9), alone ? WIRE_AT : WIRE_AGO);
			break;
		case MF_VIEWER:
			put(o, "logged_in_user", wire_int(version, viewer));
			break;
		case MF_END:
			break;
		}
	}
}

void message_json(struct json_object *o, const struct db_stmt *st, unsigned c, long long viewer,
		  int version)
{
	message_fields(o, st, c, viewer, version, true);
}

/* ---- visibility ---- */

/* A message is visible to the members of its thread (the starter's id, or its own). */
#define VISIBLE_TO_VIEWER                                                                          \
	"JOIN thread_members tm ON tm.thread_id = IF(m.parent_id = 0, m.message_id, m.parent_id) " \
	"AND tm.user_id = ?"

int message_target(struct http_request *req, struct http_response *resp, enum auth_need need,
		   struct auth *a, struct message_ref *ref)
{
	static const char sql[] =
		"SELECT m.message_id, m.parent_id, m.author_id, m.message_status, "
		"m.message_markup FROM messages m " VISIBLE_TO_VIEWER " WHERE m.message_id = ?";
	long long id = req->params[0].num;
	struct db_stmt *st;
	int ret, rc;

	memset(ref, 0, sizeof(*ref));
	if ((ret = auth_require(req, resp, need, a)))
		return ret;
	if ((rc = db_run(&st, sql, DB_ARGS(DB_INT(a->user_id), DB_INT(id)))))
		return resp_db_error(resp, rc);
	if ((rc = db_next(st)) == 1) {
		size_t len;
		const char *status = db_str(st, 3, NULL);
		const char *markup = db_str(st, 4, &len);
		ref->id = db_int(st, 0);
		ref->thread_id = db_int(st, 1) ? db_int(st, 1) : ref->id;
		ref->author_id = db_int(st, 2);
		ref->deleted = strcmp(status, "active") != 0;
		message_digest(ref->digest, ref->id, status, markup, len);
	}
	db_done(st);
	if (rc < 0)
		return resp_db_error(resp, rc);
	if (rc == 0 || ref->deleted)
		return resp_error(resp, ERR_NOT_FOUND, "no message %lld", id);
	return 0;
}

/* ---- POST /messages ---- */

int messages_create(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "message_text", NULL };
	struct auth a;
	struct post p;
	size_t len = 0;
	bool mentioned;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_WRITE, &a)))
		return ret;
	body_allow_only(req, resp, fields);
	const char *text = post_text(req, resp, &len);
	if (!text)
		return resp_validation_result(resp);
	post_init(&p, POST_STARTER, a.user_id, text, len);
	if ((rc = post_resolve_mentions(resp, &a, &p, &mentioned))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	if (!mentioned)
		resp_invalid_param(resp, "message_text", "no_mention",
				   "Mention at least one user with @name (yourself for a note).");
	if (!resp->invalid_params && conf.messaging_require_approval &&
	    (rc = post_check_approvals(resp, p.author_id, p.member_ids, p.member_names.v,
				       p.member_names.nr, 0))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	if (!(ret = resp_validation_result(resp)))
		ret = post_run(req, resp, &p);
out:
	post_release(&p);
	return ret;
}

/* ---- GET /messages/{id} ---- */

int messages_get(struct http_request *req, struct http_response *resp)
{
	/*
	 * Authentication and the message in one statement (an inner join: cheaper for MariaDB
	 * than a LEFT JOIN); no row: the token is looked up alone to tell 401 from 404.
	 */
	static const char sql[] =
		"SELECT " MESSAGE_COLUMNS ", " AUTH_COLUMNS " FROM " AUTH_FROM " JOIN " MESSAGE_FROM
		" ON m.message_id = ? AND m.message_status = 'active' JOIN thread_members tm ON "
		"tm.thread_id = IF(m.parent_id = 0, m.message_id, m.parent_id) AND "
		"tm.user_id = t.user_id";
	struct auth_pending ap;
	struct strbuf csv = STRBUF_INIT;
	struct db_stmt *st;
	struct auth a;
	int ret, rc;

	if ((ret = auth_begin(req, resp, AUTH_READ, &ap)))
		return ret;
	if ((rc = db_run(&st, sql, DB_ARGS(AUTH_ARGS(&ap), DB_INT(req->params[0].num)))))
		return resp_db_error(resp, rc);
	rc = db_next(st);
	if (rc >= 0 && (ret = auth_end(req, resp, &ap, rc == 1 ? st : NULL, MESSAGE_NCOLS, &a))) {
		db_done(st);
		return ret;
	}
	if (rc == 1) {
		/* The JSON object too: the ETag below is made of its fields. */
		message_json(resp_data(resp), st, 0, a.user_id, req->api_version);
		if (req->csv) {
			strbuf_addstr(&csv, MESSAGE_CSV_HEAD "\r\n");
			message_csv(&csv, st, 0, a.user_id);
		}
	}
	db_done(st);
	if (rc < 0)
		return resp_db_error(resp, rc);
	if (rc == 0)
		return resp_error(resp, ERR_NOT_FOUND, "no message %lld", req->params[0].num);

	/* A weak validator: the same message, reply count and viewer look the same. */
	struct json_object *o = resp_data(resp), *dg, *count;
	json_object_object_get_ex(o, "content_digest", &dg);
	json_object_object_get_ex(o, "reply_count", &count);
	struct strbuf tag = STRBUF_INIT, etag = STRBUF_INIT;
	uint8_t h[SHA256_LEN];
	strbuf_addf(&tag, "%s.%lld.%lld", json_object_get_string(dg),
		    (long long)json_object_get_int64(count), a.user_id);
	if (req->api_version == WIRE_V0) /* another body: another tag */
		strbuf_addstr(&tag, ".v0");
	if (req->csv)
		strbuf_addstr(&tag, ".csv");
	sha256(tag.buf, tag.len, h);
	strbuf_addstr(&etag, "W/\"");
	token_base64url(&etag, h, 16);
	strbuf_addch(&etag, '"');
	resp_header(resp, "ETag", "%s", etag.buf);
	const char *inm = http_env(req, "HTTP_IF_NONE_MATCH");
	bool match = false;
	if (inm) {
		/* A list of tags; weak comparison ignores the W/ prefix. */
		const char *bare = etag.buf + 2;
		match = strstr(inm, bare) != NULL || !strcmp(inm, "*");
	}
	strbuf_release(&tag);
	strbuf_release(&etag);
	if (match) {
		resp->no_body = true;
		ret = 304;
	} else if (req->csv) {
		resp->status = 200;
		http_send_head(req, resp, "text/csv; charset=utf-8");
		http_write(req, resp, csv.buf, csv.len);
		ret = 200;
	} else {
		ret = 200;
	}
	strbuf_release(&csv);
	return ret;
}

/* ---- DELETE /messages/{id} ---- */

/* A deletion's transaction (db_transaction's body; ctx: the message): marked, unlisted, told. */
static int delete_tx_body(void *ctx)
{
	static const char mark[] = "UPDATE messages SET message_status = 'deleted' "
				   "WHERE message_id = ? AND message_status = 'active'";
	static const char unlist[] = "DELETE FROM inbox WHERE message_id = ?";
	/* A starter nobody answered leaves no thread behind. */
	static const char drop_thread[] =
		"DELETE tm FROM thread_members tm JOIN messages m ON m.message_id = tm.thread_id "
		"WHERE tm.thread_id = ? AND m.parent_id = 0 AND m.reply_count = 0";
	const struct message_ref *ref = ctx;
	int rc;
	if ((rc = db_exec(mark, DB_ARGS(DB_INT(ref->id)))) ||
	    (rc = db_exec(unlist, DB_ARGS(DB_INT(ref->id)))) ||
	    (rc = webhooks_outbox_deleted(ref->thread_id, ref->id)))
		return rc;
	return db_exec(drop_thread, DB_ARGS(DB_INT(ref->id)));
}

int messages_delete(struct http_request *req, struct http_response *resp)
{
	struct message_ref ref;
	struct auth a;
	int ret, rc;

	if ((ret = message_target(req, resp, AUTH_WRITE, &a, &ref)))
		return ret;
	if (ref.author_id != a.user_id)
		return resp_error(resp, ERR_FORBIDDEN, "only the author deletes a message");
	if ((rc = db_transaction(delete_tx_body, &ref)))
		return resp_db_error(resp, rc);
	json_object_object_add(resp_data(resp), "deleted", wire_true(req->api_version));
	return 200;
}

/* ---- lists: the stream and since ---- */

static void message_item(struct json_object *o, const struct db_stmt *st, long long viewer,
			 int version)
{
	message_fields(o, st, 1, viewer, version, false);
}

const struct page_row message_row = { .json = message_item,
				      .ncols = 1 + MESSAGE_NCOLS,
				      .csv = message_item_csv,
				      .csv_head = MESSAGE_CSV_HEAD };

/*
 * STRAIGHT_JOIN: the FROM order is the index path (the caller's token, then their inbox range);
 * left to itself, the optimizer may start from the small users table and sort everything. The
 * token (AUTH_FROM) authenticates in the same statement.
 */
#define STREAM_SQL(cmp, order)                                                                     \
	"SELECT STRAIGHT_JOIN i.message_id, " MESSAGE_COLUMNS ", " AUTH_COLUMNS " FROM " AUTH_FROM \
	" JOIN inbox i ON i.user_id = t.user_id JOIN " MESSAGE_FROM                                \
	" ON m.message_id = i.message_id WHERE i.message_id " cmp " ? "                            \
	"ORDER BY i.message_id " order " LIMIT ? OFFSET ?"
/*
 * A page number past the first: the page's ids first, from the inbox index alone, so that the
 * rows skipped are not joined with their messages (page 50 read 1,000 messages for 20).
 */
#define STREAM_PAGE_SQL(cmp, order)                                                                \
	"SELECT STRAIGHT_JOIN i.message_id, " MESSAGE_COLUMNS ", " AUTH_COLUMNS " FROM " AUTH_FROM \
	" JOIN (SELECT message_id FROM inbox WHERE user_id = "                                     \
	"(SELECT user_id FROM tokens WHERE token_hash = ?) AND message_id " cmp " ? "              \
	"ORDER BY message_id " order " LIMIT ? OFFSET ?) i JOIN " MESSAGE_FROM                     \
	" ON m.message_id = i.message_id ORDER BY i.message_id " order

/*
 * Message ids grow in commit order, so created_at order is id order (a tie of created_at keeps
 * id order): every order of a list of messages reads the same index, one way or the other.
 */
static const struct page_order stream_orders[] = {
	{ .field = "created_at",
	  .newest_first = true,
	  .forward = STREAM_SQL("<", "DESC"),
	  .backward = STREAM_SQL(">", "ASC"),
	  .numbered = STREAM_PAGE_SQL("<", "DESC"),
	  .numbered_token = true },
	{ .field = "created_at",
	  .forward = STREAM_SQL(">", "ASC"),
	  .backward = STREAM_SQL("<", "DESC"),
	  .numbered = STREAM_PAGE_SQL(">", "ASC"),
	  .numbered_token = true },
};

/*
 * total=true: a deleted message leaves every inbox, and the joins of STREAM_SQL keep every row
 * (foreign keys), so the caller's inbox range alone counts the stream.
 */
static const struct page_query stream_list = {
	.path = "/messages",
	.name = "messages",
	.row = &message_row,
	PAGE_ORDERS(stream_orders),
	.count = "SELECT COUNT(*) FROM (SELECT 1 FROM inbox WHERE user_id = ? LIMIT ?) c",
	.per_page = 20,
	.auth = true,
	.page_in_path = true,
};

int messages_stream(struct http_request *req, struct http_response *resp)
{
	return page_list(req, resp, &stream_list);
}

#define SINCE_WHERE                                                                                \
	" ON m.message_id = i.message_id WHERE i.user_id = ? AND i.author_id <> ? AND "            \
	"i.message_id >= ? AND m.created_at > FROM_UNIXTIME(?) "
#define SINCE_SQL(cmp, order)                                                                      \
	"SELECT STRAIGHT_JOIN i.message_id, " MESSAGE_COLUMNS                                      \
	" FROM inbox i JOIN " MESSAGE_FROM SINCE_WHERE "AND i.message_id " cmp                     \
	" ? ORDER BY i.message_id " order " LIMIT ? OFFSET ?"

/* The list requests waiting for user_id's decision (approvals: lists.c), into *count. */
static int pending_count(long long user_id, long long *count)
{
	static const char sql[] =
		"SELECT COUNT(*) FROM approvals WHERE approver_id = ? AND status = 'pending'";
	*count = 0;
	return db_first_int(count, sql, DB_ARGS(DB_INT(user_id)));
}

static const struct page_order since_orders[] = {
	{ .field = "created_at",
	  .newest_first = true,
	  .forward = SINCE_SQL("<", "DESC"),
	  .backward = SINCE_SQL(">", "ASC") },
	{ .field = "created_at",
	  .forward = SINCE_SQL(">", "ASC"),
	  .backward = SINCE_SQL("<", "DESC") },
};

static const struct page_query since_list = {
	.path = "/messages/since/{epoch}",
	.name = "messages",
	.row = &message_row,
	PAGE_ORDERS(since_orders),
	.count = "SELECT COUNT(*) FROM (SELECT STRAIGHT_JOIN 1 FROM inbox i JOIN messages "
		 "m" SINCE_WHERE "LIMIT ?) c",
	.per_page = 20,
};

int messages_since(struct http_request *req, struct http_response *resp)
{
	/* Ids grow with time: the first message after EPOCH bounds every scan below. */
	static const char first[] =
		"SELECT message_id FROM messages "
		"WHERE created_at > FROM_UNIXTIME(?) ORDER BY created_at LIMIT 1";
	static const char count[] =
		"SELECT STRAIGHT_JOIN COUNT(*) FROM inbox i JOIN messages m" SINCE_WHERE;
	struct page_request r;
	struct auth a;
	long long epoch = req->params[0].num, first_id = 0, total = 0;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_READ, &a)) ||
	    (ret = page_start(req, resp, &since_list, &r)))
		return ret;
	if ((rc = db_first_int(&first_id, first, DB_ARGS(DB_INT(epoch)))))
		return resp_db_error(resp, rc);
	if (!first_id)
		first_id = INT64_MAX; /* nothing is that new: empty answers, no scan */
	if ((rc = db_first_int(&total, count,
			       DB_ARGS(DB_INT(a.user_id), DB_INT(a.user_id), DB_INT(first_id),
				       DB_INT(epoch)))))
		return resp_db_error(resp, rc);
	json_object_object_add(resp_data(resp), "new_message_count", json_object_new_int64(total));
	long long pending;
	if ((rc = pending_count(a.user_id, &pending)))
		return resp_db_error(resp, rc);
	json_object_object_add(resp_data(resp), "pending_requests_count",
			       json_object_new_int64(pending));
	if (req->api_version == WIRE_V0)
		return 200; /* the original answered the two counts only */
	return page_serve(
		req, resp, &r, a.user_id,
		DB_ARGS(DB_INT(a.user_id), DB_INT(a.user_id), DB_INT(first_id), DB_INT(epoch)));
}
