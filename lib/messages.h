/* messages.h: the message object, visibility, posting, and the messages handlers (API.md
 * §5.2–§5.6). */
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

/*
 * The message_text field: trimmed, 1 to messaging.max_chars code points. Returns the trimmed
 * text (borrowed from the request) and its length, or NULL having recorded an invalid param.
 */
const char *message_text(const struct http_request *req, struct http_response *resp, size_t *len);

/*
 * What a post stores. store() runs inside the transaction and sets *id; the caller fills the
 * rest. message_post() runs the transaction (retried on deadlock) and the Idempotency-Key
 * protocol, and answers 201 with message_id and Location, or the error.
 */
struct post {
	long long author_id;
	const char *markup;
	size_t markup_len;
	struct strbuf html;
	int (*store)(struct post *p, long long *id);
	/* starters: the members (author first) and their names; replies: the thread */
	long long *member_ids;
	size_t nmembers;
	struct strbuf member_names;
	long long thread_id;
};

void post_init(struct post *p, long long author_id, const char *markup, size_t len);
void post_release(struct post *p);
int message_post(struct http_request *req, struct http_response *resp, struct post *p);
/* A store() for thread starters: the message, its members (member_ids), their streams. */
int post_store_starter(struct post *p, long long *id);
/* Inside store(): insert the message row (parent 0 for a starter) and return its id. */
int post_insert_message(struct post *p, long long parent_id, const char *recipient_names,
			size_t names_len, long long *id);
/* Inside store(): give message id to the stream of every member of thread. */
int post_fan_out(long long thread_id, long long id, long long author_id);

/* A page_row_fn: the message object of a list row (key first, then MESSAGE_COLUMNS). */
void message_row(struct json_object *o, const struct db_stmt *st, long long viewer, int version);

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
