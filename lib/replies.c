/* replies.c: listing a thread's replies and replying (one transaction for reply, stream, counters).
 */
#include "replies.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "body.h"
#include "conf.h"
#include "lists.h"
#include "messages.h"
#include "page.h"
#include "wire.h"

#include "banned.h"

/* STRAIGHT_JOIN: the thread's range of messages first, then each author (see messages.c). */
#define REPLIES_SQL(cmp, order)                                                                    \
	"SELECT STRAIGHT_JOIN m.message_id, " MESSAGE_COLUMNS " FROM " MESSAGE_FROM                \
	" WHERE m.parent_id = ? AND m.message_id " cmp " ? ORDER BY m.message_id " order           \
	" LIMIT ? OFFSET ?"

int replies_list(struct http_request *req, struct http_response *resp)
{
	static const char forward[] = REPLIES_SQL(">", "ASC");
	static const char backward[] = REPLIES_SQL("<", "DESC");
	struct message_ref ref;
	struct page p;
	struct auth a;
	int ret;

	if ((ret = message_target(req, resp, AUTH_READ, &a, &ref)))
		return ret;
	if ((ret = page_parse(req, resp, 0, 100, false, &p)))
		return ret;
	if (req->api_version == WIRE_V0)
		page_all(&p); /* the original answered the whole thread at once */

	struct db_arg args[] = { DB_INT(ref.thread_id), DB_NULL, DB_NULL, DB_NULL };
	struct strbuf path = STRBUF_INIT;
	strbuf_addf(&path, "/messages/%lld/replies", req->params[0].num);
	ret = page_list(req, resp, &p, forward, backward, args, DB_NARGS(args), message_row,
			a.user_id, path.buf, "messages");
	strbuf_release(&path);
	return ret;
}

static int store_reply(struct post *p, long long *id)
{
	/* Locking the starter first serialises replies to one thread: counters stay exact. */
	static const char lock[] =
		"SELECT recipient_names FROM messages WHERE message_id = ? FOR UPDATE";
	static const char count[] =
		"UPDATE messages SET reply_count = reply_count + 1, last_message_id = ?, "
		"last_author_id = ?, last_message_at = NOW() WHERE message_id = ?";
	static const char activity[] =
		"UPDATE thread_members SET last_message_id = ? WHERE thread_id = ?";
	struct strbuf names = STRBUF_INIT;
	struct db_stmt *st;
	int rc = db_run(&st, lock, DB_ARGS(DB_INT(p->thread_id)));
	if (rc)
		return rc;
	if ((rc = db_next(st)) == 1)
		strbuf_addstr(&names, db_str(st, 0, NULL));
	db_done(st);
	if (rc == 0)
		rc = DB_ERROR; /* the starter is never removed */
	if (rc < 0)
		goto out;
	if (!(rc = post_insert_message(p, p->thread_id, names.buf, names.len, id)) &&
	    !(rc = db_exec(count,
			   DB_ARGS(DB_INT(*id), DB_INT(p->author_id), DB_INT(p->thread_id)))) &&
	    !(rc = db_exec(activity, DB_ARGS(DB_INT(*id), DB_INT(p->thread_id)))))
		rc = post_fan_out(p->thread_id, *id, p->author_id);
out:
	strbuf_release(&names);
	return rc;
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
	struct strbuf names = STRBUF_INIT;
	long long *ids = NULL, starter = 0;
	size_t n = 0, alloc = 0, *offsets = NULL;
	struct db_stmt *st;
	int rc = db_run(&st, sql, DB_ARGS(DB_INT(thread)));
	if (rc)
		return rc;
	while ((rc = db_next(st)) == 1) {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			ids = xrealloc(ids, alloc * sizeof(*ids));
			offsets = xrealloc(offsets, alloc * sizeof(*offsets));
		}
		ids[n] = db_int(st, 0);
		offsets[n++] = names.len;
		strbuf_addstr(&names, db_str(st, 1, NULL));
		strbuf_addch(&names, '\0');
		starter = db_int(st, 2);
	}
	db_done(st);
	if (rc == 0) {
		const char **v = xcalloc(n ? n : 1, sizeof(*v));
		for (size_t i = 0; i < n; i++)
			v[i] = names.buf + offsets[i];
		rc = lists_check(resp, author, ids, v, n, starter);
		free(v);
	}
	free(ids);
	free(offsets);
	strbuf_release(&names);
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
	const char *text = message_text(req, resp, &len);
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
	post_init(&p, a.user_id, text, len);
	p.store = store_reply;
	p.thread_id = ref.thread_id;
	ret = message_post(req, resp, &p);
	post_release(&p);
	return ret;
}
