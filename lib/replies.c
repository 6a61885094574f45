/* replies.c: listing a thread's replies and replying (the reply's transaction: post.c). */
#include "replies.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "body.h"
#include "conf.h"
#include "messages.h"
#include "page.h"
#include "post.h"
#include "strvec.h"
#include "wire.h"

#include "banned.h"

/* STRAIGHT_JOIN: the thread's range of messages first, then each author (see messages.c). */
#define REPLIES_SQL(cmp, order)                                                                    \
	"SELECT STRAIGHT_JOIN m.message_id, " MESSAGE_COLUMNS " FROM " MESSAGE_FROM                \
	" WHERE m.parent_id = ? AND m.message_id " cmp " ? ORDER BY m.message_id " order           \
	" LIMIT ? OFFSET ?"

/* created_at order is id order (messages.c): the thread's index, one way or the other. */
static const struct page_order replies_orders[] = {
	{ .field = "created_at",
	  .newest_first = false,
	  .forward = REPLIES_SQL(">", "ASC"),
	  .backward = REPLIES_SQL("<", "DESC") },
	{ .field = "created_at",
	  .newest_first = true,
	  .forward = REPLIES_SQL("<", "DESC"),
	  .backward = REPLIES_SQL(">", "ASC") },
};

/*
 * Version 0 answered the whole thread at once. total=true: the join of REPLIES_SQL keeps every
 * row (a foreign key), so the thread's range alone counts it.
 */
static const struct page_query replies_list_query = {
	.path = "/messages/{id}/replies",
	.name = "messages",
	.row = &message_row,
	PAGE_ORDERS(replies_orders),
	.count = "SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE parent_id = ? LIMIT ?) c",
	.per_page = 100,
	.v0_whole = true,
};

int replies_list(struct http_request *req, struct http_response *resp)
{
	struct message_ref ref;
	struct page_request r;
	struct auth a;
	int ret;

	if ((ret = message_target(req, resp, AUTH_READ, &a, &ref)) ||
	    (ret = page_start(req, resp, &replies_list_query, &r)))
		return ret;
	return page_serve(req, resp, &r, a.user_id, DB_ARGS(DB_INT(ref.thread_id)));
}

/*
 * messaging.require_approval: every other member of the thread must have approved the replier,
 * except the starter's author, who invited the members by mentioning them.
 */
static int check_thread(struct http_response *resp, long long author, long long thread)
{
	static const char sql[] =
		"SELECT STRAIGHT_JOIN tm.user_id, u.user_name, m.author_id FROM thread_members tm "
		"JOIN users u FORCE INDEX (PRIMARY) ON u.user_id = tm.user_id "
		"JOIN messages m ON m.message_id = tm.thread_id WHERE tm.thread_id = ?";
	struct strvec names = STRVEC_INIT;
	long long *ids = NULL, starter = 0;
	struct db_stmt *st;
	int rc = db_run(&st, sql, DB_ARGS(DB_INT(thread)));
	if (rc)
		return rc;
	while ((rc = db_next(st)) == 1) {
		/* ids[i] is the user named names.v[i]. */
		ids = xrealloc(ids, (names.nr + 1) * sizeof(*ids));
		ids[names.nr] = db_int(st, 0);
		strvec_push(&names, db_str(st, 1, NULL));
		starter = db_int(st, 2);
	}
	db_done(st);
	if (rc == 0)
		rc = post_check_approvals(resp, author, ids, names.v, names.nr, starter);
	free(ids);
	strvec_clear(&names);
	return rc;
}

int replies_create(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "message_text", "reply_to_id",
					      "reply_to_content_digest", NULL };
	struct message_ref ref;
	struct auth a;
	struct post p;
	long long reply_to = 0;
	size_t len = 0;
	int ret, rc;

	if ((ret = message_target(req, resp, AUTH_WRITE, &a, &ref)))
		return ret;
	body_allow_only(req, resp, fields);
	const char *text = post_text(req, resp, &len);
	if (body_int(req, resp, "reply_to_id", false, 1, INT64_MAX, &reply_to) &&
	    reply_to != ref.id)
		resp_invalid_param(resp, "reply_to_id", "mismatch",
				   "reply_to_id %lld is not the message replied to (%lld).",
				   reply_to, ref.id);
	const char *dg = body_string(req, resp, "reply_to_content_digest", false, 1, 64, NULL);
	if (dg && strcmp(dg, ref.digest))
		resp_invalid_param(resp, "reply_to_content_digest", "mismatch",
				   "The message changed since you read it.");
	if (!resp->invalid_params && conf.messaging_require_approval &&
	    (rc = check_thread(resp, a.user_id, ref.thread_id)))
		return resp_db_error(resp, rc);
	if ((ret = resp_validation_result(resp)))
		return ret;
	post_init(&p, POST_REPLY, a.user_id, text, len);
	p.thread_id = ref.thread_id;
	ret = post_run(req, resp, &p);
	post_release(&p);
	return ret;
}
