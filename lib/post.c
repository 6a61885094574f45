/* post.c: writing posts in their transaction, a starter's members from its mentions,
 * Idempotency-Key, and the approval check. */
#include "post.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "body.h"
#include "conf.h"
#include "db.h"
#include "render.h"
#include "router.h"
#include "digest.h"
#include "token.h"
#include "utf8.h"
#include "webhooks.h"
#include "wire.h"

#include "banned.h"

#define IDEMPOTENCY_KEY_MAX 128
#define POST_ATTEMPTS 3

const char *post_text(const struct http_request *req, struct http_response *resp, size_t *len)
{
	size_t n;
	const char *s = body_string(req, resp, "message_text", true, 0, SIZE_MAX, &n);
	if (!s)
		return NULL;
	while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	size_t chars = utf8_length(s, n);
	if (!chars) {
		resp_invalid_param(resp, "message_text", "missing", "Write something.");
		return NULL;
	}
	if (chars > (size_t)conf.messaging_max_chars) {
		resp_invalid_param(resp, "message_text", "too_long",
				   "%zu chars entered. Max is %lld.", chars,
				   conf.messaging_max_chars);
		return NULL;
	}
	*len = n;
	return s;
}

void post_init(struct post *p, enum post_kind kind, long long author_id, const char *markup,
	       size_t len)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->author_id = author_id;
	p->markup = markup;
	p->markup_len = len;
	strbuf_init(&p->html, 0);
	strvec_init(&p->member_names);
	struct strbuf users = STRBUF_INIT;
	strbuf_addf(&users, "%s/users", conf.http_base_path);
	render_text(&p->html, markup, len, users.buf);
	strbuf_release(&users);
}

void post_add_member(struct post *p, long long user_id, const char *name)
{
	/* member_ids grows with the names: member_ids[i] is member_names.v[i]'s user. */
	p->member_ids = xrealloc(p->member_ids, (p->member_names.nr + 1) * sizeof(*p->member_ids));
	p->member_ids[p->member_names.nr] = user_id;
	strvec_push(&p->member_names, name);
}

void post_release(struct post *p)
{
	strbuf_release(&p->html);
	strvec_clear(&p->member_names);
	free(p->member_ids);
	p->member_ids = NULL;
}

int post_resolve_mentions(struct http_response *resp, const struct auth *a, struct post *p,
			  bool *mentioned)
{
	static const char sql[] =
		"SELECT u.user_id, u.user_name, j.name, " WEBHOOKS_HOOKED_USER
		" FROM JSON_TABLE(?, '$[*]' COLUMNS ("
		"ord FOR ORDINALITY, name VARCHAR(30) CHARACTER SET ascii PATH '$')) j "
		"LEFT JOIN users u ON u.user_name = j.name AND u.user_status = 'active' "
		"ORDER BY j.ord";
	struct render_names names = RENDER_NAMES_INIT;
	struct json_object *list = NULL;
	struct db_stmt *st;
	int rc = 0;

	render_mentions(&names, p->markup, p->markup_len);
	*mentioned = names.nr > 0;
	post_add_member(p, a->user_id, a->user_name);
	if (!names.nr)
		goto out;
	list = json_object_new_array_ext((int)names.nr + 1);
	for (size_t i = 0; i < names.nr; i++)
		json_object_array_add(
			list, json_object_new_string_len(names.v[i].name, (int)names.v[i].len));
	/* The author last, only for their hooks: that row is neither a mention nor an error. */
	if (WEBHOOKS_OUTBOX)
		json_object_array_add(list, json_object_new_string(a->user_name));
	if ((rc = db_run(&st, sql,
			 DB_ARGS(DB_STR(
				 json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN))))))
		goto out;
	p->hooks = POST_HOOKS_NONE;
	for (size_t row = 0; (rc = db_next(st)) == 1; row++) {
		if (db_int(st, 3))
			p->hooks = POST_HOOKS_SOME;
		if (row == names.nr)
			continue;
		if (db_is_null(st, 0)) {
			struct strbuf at = STRBUF_INIT;
			strbuf_addf(&at, "@%s", db_str(st, 2, NULL));
			resp_invalid_param(resp, at.buf, "unknown_user",
					   "%s is not an active user.", at.buf);
			strbuf_release(&at);
		} else if (db_int(st, 0) != a->user_id) {
			post_add_member(p, db_int(st, 0), db_str(st, 1, NULL));
		}
	}
	db_done(st);
	rc = rc < 0 ? rc : 0;
out:
	json_object_put(list);
	render_names_release(&names);
	return rc;
}

/* Insert the message row (parent 0 for a starter) and return its id. */
static int insert_message(struct post *p, long long parent_id, const char *names, size_t names_len,
			  long long *id)
{
	static const char sql[] = "INSERT INTO messages (parent_id, author_id, message_markup, "
				  "message_html, recipient_names) VALUES (?, ?, ?, ?, ?)";
	int rc =
		db_exec(sql, DB_ARGS(DB_INT(parent_id), DB_INT(p->author_id),
				     DB_STRN(p->markup, p->markup_len),
				     DB_STRN(p->html.buf, p->html.len), DB_STRN(names, names_len)));
	*id = (long long)db_insert_id();
	return rc;
}

/* Give message id to the stream of every member of thread, and to their hooks if they have any. */
static int fan_out(const struct post *p, long long thread_id, long long id)
{
	static const char sql[] = "INSERT INTO inbox (user_id, message_id, author_id) "
				  "SELECT user_id, ?, ? FROM thread_members WHERE thread_id = ?";
	int rc = db_exec(sql, DB_ARGS(DB_INT(id), DB_INT(p->author_id), DB_INT(thread_id)));
	if (rc || p->hooks == POST_HOOKS_NONE)
		return rc;
	return webhooks_outbox_message(thread_id, id);
}

/* A starter: the message (its recipient_names the members' names), its members, streams. */
static int store_starter(struct post *p, long long *id)
{
	/* Every member in one statement (their ids as a JSON array), not one round trip each. */
	static const char members[] = "INSERT INTO thread_members (thread_id, user_id, "
				      "last_message_id) SELECT ?, j.id, ? "
				      "FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) j";
	struct strbuf names = STRBUF_INIT, ids = STRBUF_INIT;
	for (size_t i = 0; i < p->member_names.nr; i++)
		strbuf_addf(&names, "%s%s", i ? " " : "", p->member_names.v[i]);
	int rc = insert_message(p, 0, names.buf, names.len, id);
	if (!rc) {
		for (size_t i = 0; i < p->member_names.nr; i++)
			strbuf_addf(&ids, "%c%lld", i ? ',' : '[', p->member_ids[i]);
		strbuf_addch(&ids, ']');
		rc = db_exec(members, DB_ARGS(DB_INT(*id), DB_INT(*id), DB_STRN(ids.buf, ids.len)));
	}
	strbuf_release(&names);
	strbuf_release(&ids);
	return rc ? rc : fan_out(p, *id, *id);
}

/* A reply: the message (the starter's recipient_names), the thread's counters, the streams. */
static int store_reply(struct post *p, long long *id)
{
	/*
	 * Locking the starter first serialises replies to one thread: counters stay exact. (The
	 * hook test reads without locking.)
	 */
	static const char lock[] = "SELECT m.recipient_names, " WEBHOOKS_HOOKED_THREAD
				   " FROM messages m WHERE m.message_id = ? FOR UPDATE";
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
	if ((rc = db_next(st)) == 1) {
		strbuf_addstr(&names, db_str(st, 0, NULL));
		p->hooks = db_int(st, 1) ? POST_HOOKS_SOME : POST_HOOKS_NONE;
	}
	db_done(st);
	if (rc == 0)
		rc = DB_ERROR; /* the starter is never removed */
	if (rc < 0)
		goto out;
	if (!(rc = insert_message(p, p->thread_id, names.buf, names.len, id)) &&
	    !(rc = db_exec(count,
			   DB_ARGS(DB_INT(*id), DB_INT(p->author_id), DB_INT(p->thread_id)))) &&
	    !(rc = db_exec(activity, DB_ARGS(DB_INT(*id), DB_INT(p->thread_id)))))
		rc = fan_out(p, p->thread_id, *id);
out:
	strbuf_release(&names);
	return rc;
}

/* The Idempotency-Key header: absent (NULL), or 1–128 visible ASCII characters. */
static int idempotency_key(const struct http_request *req, struct http_response *resp,
			   const char **key)
{
	const char *k = http_env(req, "HTTP_IDEMPOTENCY_KEY");
	*key = NULL;
	if (!k)
		return 0;
	size_t n = strlen(k);
	bool ok = n >= 1 && n <= IDEMPOTENCY_KEY_MAX;
	for (size_t i = 0; ok && i < n; i++)
		ok = k[i] > 0x20 && k[i] < 0x7f;
	if (!ok)
		return resp_error(resp, ERR_INVALID_HEADER,
				  "Idempotency-Key must be 1 to %d visible ASCII characters",
				  IDEMPOTENCY_KEY_MAX);
	*key = k;
	return 0;
}

/* What makes two posts "the same request": the route, its target, and the body. */
static void request_hash(const struct http_request *req, uint8_t out[SHA256_LEN])
{
	struct sha256 c;
	const char *body = json_object_to_json_string_ext(req->body, JSON_C_TO_STRING_PLAIN);
	sha256_init(&c);
	sha256_update(&c, req->route->pattern, strlen(req->route->pattern) + 1);
	for (size_t i = 0; i < req->nparams; i++)
		sha256_update(&c, req->params[i].str, strlen(req->params[i].str) + 1);
	sha256_update(&c, body, strlen(body));
	sha256_final(&c, out);
}

static int created(const struct http_request *req, struct http_response *resp, long long id,
		   bool replayed)
{
	json_object_object_add(resp_data(resp), "message_id", wire_int(req->api_version, id));
	resp_header(resp, "Location", "%s/messages/%lld", conf.http_base_path, id);
	if (replayed)
		resp_header(resp, "Idempotent-Replayed", "true");
	return 201;
}

/*
 * The key is taken: replay the first answer, or refuse a different request. *retry is set when
 * the record vanished or expired meanwhile (and was removed): the post should be tried again.
 */
static int replay(const struct http_request *req, struct http_response *resp, long long user,
		  const char *key, const uint8_t hash[SHA256_LEN], bool *retry)
{
	static const char find[] = "SELECT request_hash, message_id, "
				   "created_at > NOW() - INTERVAL 1 DAY FROM idempotency_keys "
				   "WHERE user_id = ? AND idem_key = ?";
	static const char expire[] = "DELETE FROM idempotency_keys WHERE user_id = ? AND "
				     "idem_key = ? AND created_at <= NOW() - INTERVAL 1 DAY";
	struct db_stmt *st;
	size_t len = 0;
	long long id = 0;
	bool same = false, fresh = false;
	int rc = db_run(&st, find, DB_ARGS(DB_INT(user), DB_STR(key)));
	*retry = false;
	if (rc)
		return resp_db_error(resp, rc);
	if ((rc = db_next(st)) == 1) {
		const char *stored = db_str(st, 0, &len);
		same = len == SHA256_LEN && token_equal(stored, len, hash, SHA256_LEN);
		id = db_int(st, 1);
		fresh = db_int(st, 2) != 0;
	}
	db_done(st);
	if (rc < 0)
		return resp_db_error(resp, rc);
	if (rc == 0 || !fresh) {
		if (rc == 1 && (rc = db_exec(expire, DB_ARGS(DB_INT(user), DB_STR(key)))))
			return resp_db_error(resp, rc);
		*retry = true;
		return 0;
	}
	if (!same)
		return resp_error(resp, ERR_IDEMPOTENCY_KEY_REUSED,
				  "this Idempotency-Key was used for a different request");
	return created(req, resp, id, true);
}

int post_store(struct post *p, long long *id)
{
	return p->kind == POST_REPLY ? store_reply(p, id) : store_starter(p, id);
}

/* A post's transaction (db_transaction's body): its Idempotency-Key claimed, the post, the key's
 * id. */
struct post_tx {
	struct post *p;
	const char *key; /* NULL: no Idempotency-Key */
	const uint8_t *hash; /* the request's, with a key */
	long long id; /* out: the new message */
	bool claim_failed; /* out: the key's INSERT failed (rc says how) */
};

static int post_tx_body(void *ctx)
{
	static const char claim[] =
		"INSERT INTO idempotency_keys (user_id, idem_key, request_hash, "
		"message_id) VALUES (?, ?, ?, 0)";
	static const char finish[] = "UPDATE idempotency_keys SET message_id = ? "
				     "WHERE user_id = ? AND idem_key = ?";
	struct post_tx *t = ctx;
	int rc;
	t->id = 0;
	t->claim_failed = false;
	if (t->key && (rc = db_exec(claim, DB_ARGS(DB_INT(t->p->author_id), DB_STR(t->key),
						   DB_STRN((const char *)t->hash, SHA256_LEN))))) {
		t->claim_failed = true;
		return rc;
	}
	if ((rc = post_store(t->p, &t->id)))
		return rc;
	if (t->key)
		rc = db_exec(finish,
			     DB_ARGS(DB_INT(t->id), DB_INT(t->p->author_id), DB_STR(t->key)));
	return rc;
}

int post_run(struct http_request *req, struct http_response *resp, struct post *p)
{
	uint8_t hash[SHA256_LEN];
	struct post_tx t = { .p = p, .hash = hash };
	int status, rc = DB_ERROR;

	if ((status = idempotency_key(req, resp, &t.key)))
		return status;
	if (t.key)
		request_hash(req, hash);
	/* Another round only when the key's record vanished or expired meanwhile (replay). */
	for (int attempt = 0; attempt < POST_ATTEMPTS; attempt++) {
		bool retry = false;
		rc = db_transaction(post_tx_body, &t);
		if (!t.claim_failed)
			break;
		/* Committed by an earlier request with this key (we waited for it). */
		if (rc == DB_DUPLICATE &&
		    ((status = replay(req, resp, p->author_id, t.key, hash, &retry)) || !retry))
			return status;
		/* A lock wait: the earlier request has not finished (a deadlock was retried). */
		if (rc == DB_CONFLICT)
			return resp_error(resp, ERR_IDEMPOTENCY_IN_FLIGHT, NULL);
		if (!retry)
			break;
		rc = DB_CONFLICT; /* the answer if the rounds run out */
	}
	if (rc)
		return resp_db_error(resp, rc);
	return created(req, resp, t.id, false);
}

/* One recipient's standing: record why they may not be messaged, if they may not. */
static void check_one(struct http_response *resp, const char *name, const char *status)
{
	if (status && !strcmp(status, "approved"))
		return;
	struct strbuf at = STRBUF_INIT;
	strbuf_addf(&at, "@%s", name);
	if (!status)
		resp_invalid_param(resp, at.buf, "not_asked",
				   "%s has not approved you: ask with POST /lists/request/%s.",
				   at.buf, name);
	else if (!strcmp(status, "pending"))
		resp_invalid_param(resp, at.buf, "pending",
				   "%s has not decided on your request yet.", at.buf);
	else
		resp_invalid_param(resp, at.buf, "rejected", "%s declined your request.", at.buf);
	strbuf_release(&at);
}

int post_check_approvals(struct http_response *resp, long long author_id, const long long *ids,
			 const char *const *names, size_t n, long long exempt_id)
{
	static const char sql[] =
		"SELECT status FROM approvals WHERE requester_id = ? AND approver_id = ?";
	if (!conf.messaging_require_approval)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct db_stmt *st;
		if (ids[i] == author_id || ids[i] == exempt_id)
			continue;
		int rc = db_run(&st, sql, DB_ARGS(DB_INT(author_id), DB_INT(ids[i])));
		if (rc)
			return rc;
		rc = db_next(st);
		if (rc >= 0)
			check_one(resp, names[i], rc == 1 ? db_str(st, 0, NULL) : NULL);
		db_done(st);
		if (rc < 0)
			return rc;
	}
	return 0;
}
