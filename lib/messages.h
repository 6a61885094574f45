/* messages.h: the message object, visibility, and the messages handlers (API.md §5.2–§5.6). */
#ifndef KINGLET_MESSAGES_H
#define KINGLET_MESSAGES_H

#include <stdbool.h>

#include "auth.h"
#include "db.h"
#include "http.h"
#include "page.h"
#include "digest.h"
#include "strbuf.h"

/*
 * The columns message_json() reads, from messages m joined with its author users u. Selects that
 * use it put it last, after their own columns.
 */
#define MESSAGE_COLUMNS                                                                            \
	"m.message_id, m.parent_id, m.message_markup, m.message_html, m.message_status, "          \
	"m.author_id, u.user_name, m.reply_count, m.recipient_names, UNIX_TIMESTAMP(m.created_at)"
#define MESSAGE_NCOLS 10
/* FORCE INDEX: a small users table invites a join buffer, which loses the list's index order. */
#define MESSAGE_FROM "messages m JOIN users u FORCE INDEX (PRIMARY) ON u.user_id = m.author_id"

/*
 * The message object of API.md §5 (version 0: §10's GET /messages/{id}) from the row's
 * MESSAGE_COLUMNS starting at column first.
 */
void message_json(struct json_object *o, const struct db_stmt *st, unsigned first, long long viewer,
		  int version);

/* content_digest (API.md §5): changes whenever what the message says or its status changes. */
void message_digest(char out[32], long long id, const char *status, const char *markup, size_t len);

/* The CSV header of a message: version 1's fields (message_csv writes the row). */
#define MESSAGE_CSV_HEAD                                                                           \
	"message_id,parent_id,message_text,message_markup,message_status,author_id,author_name,"   \
	"author_type,reply_count,recipient_names,recipients,content_digest,created_at,"            \
	"created_date,logged_in_user"

/*
 * Append the message of a row (MESSAGE_COLUMNS from column first) as a CSV row (csv.h) in the
 * columns of MESSAGE_CSV_HEAD: message_text holds the text as written, never its HTML.
 */
void message_csv(struct strbuf *out, const struct db_stmt *st, unsigned first, long long viewer);
/* message_csv of a list row (page.h: the key, then MESSAGE_COLUMNS): message_row's CSV. */
void message_item_csv(struct strbuf *out, const struct db_stmt *st, long long viewer);

/* A message as the posting and deleting code needs it: found only when visible to the viewer. */
struct message_ref {
	long long id, thread_id, author_id;
	bool deleted;
	char digest[32]; /* content_digest */
};

/*
 * The message of the route's {id} for a request that acts on it: authenticates with need into *a,
 * then finds the message, visible to the caller and not deleted, into *ref. Returns 0, or the
 * status of the answer it made (401, 403, 404, 5xx).
 */
int message_target(struct http_request *req, struct http_response *resp, enum auth_need need,
		   struct auth *a, struct message_ref *ref);

/* The items of every list of messages: the list key first, then MESSAGE_COLUMNS. */
extern const struct page_row message_row;

/* GET /messages, /messages/page/{page} */
int messages_stream(struct http_request *req, struct http_response *resp);
/* GET /messages/since/{epoch} */
int messages_since(struct http_request *req, struct http_response *resp);
/* GET /messages/{id} */
int messages_get(struct http_request *req, struct http_response *resp);
/* POST /messages */
int messages_create(struct http_request *req, struct http_response *resp);
/* DELETE /messages/{id} */
int messages_delete(struct http_request *req, struct http_response *resp);

#endif
