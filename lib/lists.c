/* lists.c: approval requests and decisions, and the decision's system message. */
#include "lists.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "conf.h"
#include "csv.h"
#include "db.h"
#include "page.h"
#include "post.h"
#include "timefmt.h"
#include "validate.h"
#include "webhooks.h"
#include "wire.h"

#include "banned.h"

/* An active user by name: *id is 0 when there is none. 0 or a db rc. */
static int find_user(const char *name, long long *id, struct strbuf *canonical)
{
	static const char sql[] = "SELECT user_id, user_name FROM users WHERE user_name = ? AND "
				  "user_status = 'active'";
	struct db_stmt *st;
	int rc = db_run(&st, sql, DB_ARGS(DB_STR(name)));
	*id = 0;
	if (rc)
		return rc;
	if ((rc = db_next(st)) == 1) {
		*id = db_int(st, 0);
		strbuf_addstr(canonical, db_str(st, 1, NULL));
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* A request's transaction (db_transaction's body): the request and its webhook event, together
 * (API.md §11). */
struct request_tx {
	long long requester, approver;
};

static int request_tx_body(void *ctx)
{
	static const char insert[] =
		"INSERT INTO approvals (requester_id, approver_id) VALUES (?, ?)";
	struct request_tx *t = ctx;
	int rc = db_exec(insert, DB_ARGS(DB_INT(t->requester), DB_INT(t->approver)));
	return rc ? rc : webhooks_outbox_approval(false, t->requester, t->approver, "pending");
}

int lists_request(struct http_request *req, struct http_response *resp)
{
	static const char existing[] =
		"SELECT status FROM approvals WHERE requester_id = ? AND approver_id = ?";
	struct strbuf name = STRBUF_INIT;
	struct db_stmt *st;
	struct auth a;
	long long target;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_WRITE, &a)))
		return ret;
	if ((rc = find_user(req->params[0].str, &target, &name))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	if (!target || !strcmp(name.buf, USERS_SYSTEM_NAME)) {
		ret = resp_error(resp, ERR_NOT_FOUND, "no such user");
		goto out;
	}
	if (target == a.user_id) {
		resp_invalid_param(resp, "user_name", "self", "You cannot ask yourself.");
		ret = resp_validation_result(resp);
		goto out;
	}
	rc = db_transaction(request_tx_body, &(struct request_tx){ a.user_id, target });
	if (rc == DB_DUPLICATE) {
		if ((rc = db_run(&st, existing, DB_ARGS(DB_INT(a.user_id), DB_INT(target))))) {
			ret = resp_db_error(resp, rc);
			goto out;
		}
		if ((rc = db_next(st)) == 1)
			json_object_object_add(resp_data(resp), "request_status",
					       json_object_new_string(db_str(st, 0, NULL)));
		db_done(st);
		ret = rc == 1 ? resp_error(resp, ERR_REQUEST_EXISTS, "you asked %s already",
					   name.buf)
			      : resp_db_error(resp, rc < 0 ? rc : DB_ERROR);
		goto out;
	}
	if (rc) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	json_object_object_add(resp_data(resp), "made_request", wire_true(req->api_version));
	if (req->api_version != WIRE_V0)
		json_object_object_add(resp_data(resp), "user_name",
				       json_object_new_string(name.buf));
	ret = 200;
out:
	strbuf_release(&name);
	return ret;
}

static void request_json(struct json_object *o, const struct db_stmt *st, long long viewer,
			 int version)
{
	(void)viewer;
	json_object_object_add(o, "user_name", json_object_new_string(db_str(st, 1, NULL)));
	json_object_object_add(o, "status", json_object_new_string(db_str(st, 2, NULL)));
	wire_time(o, version, "created_at", "created_date", (time_t)db_int(st, 3), WIRE_DATE);
}

/*
 * FORCE INDEX: on a small table the optimizer takes the primary key's range and filters it by
 * approver, which grows with everyone's requests; the approver's own range does not.
 */
#define REQUESTS_SQL(cmp, order)                                                                   \
	"SELECT STRAIGHT_JOIN a.request_id, u.user_name, a.status, UNIX_TIMESTAMP(a.created_at) "  \
	"FROM approvals a FORCE INDEX (approvals_approver_all) "                                   \
	"JOIN users u FORCE INDEX (PRIMARY) ON u.user_id = a.requester_id "                        \
	"WHERE a.approver_id = ? AND a.request_id " cmp " ? ORDER BY a.request_id " order          \
	" LIMIT ? OFFSET ?"

static void request_csv(struct strbuf *out, const struct db_stmt *st, long long viewer)
{
	(void)viewer;
	csv_cell_str(out, db_str(st, 1, NULL));
	csv_cell_str(out, db_str(st, 2, NULL));
	time_csv_add(out, (time_t)db_int(st, 3), true);
	csv_row_end(out);
}

static const struct page_row request_row = { .json = request_json,
					     .ncols = 4,
					     .csv = request_csv,
					     .csv_head =
						     "user_name,status,created_at,created_date" };

/* Request ids grow in commit order: created_at order is id order (a tie keeps id order). */
static const struct page_order requests_orders[] = {
	{ .field = "created_at",
	  .newest_first = true,
	  .forward = REQUESTS_SQL("<", "DESC"),
	  .backward = REQUESTS_SQL(">", "ASC") },
	{ .field = "created_at",
	  .forward = REQUESTS_SQL(">", "ASC"),
	  .backward = REQUESTS_SQL("<", "DESC") },
};

/*
 * The original's requests list had no paging: version 0 has no next_link_bool. total=true: the
 * join of REQUESTS_SQL keeps every row (a foreign key).
 */
static const struct page_query requests_list = {
	.path = "/lists/requests",
	.name = "requests",
	.row = &request_row,
	PAGE_ORDERS(requests_orders),
	.count = "SELECT COUNT(*) FROM (SELECT 1 FROM approvals WHERE approver_id = ? LIMIT ?) c",
	.per_page = 20,
	.v0_unflagged = true,
};

int lists_requests(struct http_request *req, struct http_response *resp)
{
	struct page_request r;
	struct auth a;
	int ret;

	if ((ret = auth_require(req, resp, AUTH_READ, &a)) ||
	    (ret = page_start(req, resp, &requests_list, &r)))
		return ret;
	return page_serve(req, resp, &r, a.user_id, DB_ARGS(DB_INT(a.user_id)));
}

/* Inside the decision's transaction: the system account tells the requester. */
static int tell_requester(long long requester, const char *requester_name,
			  const char *approver_name, bool approved)
{
	struct strbuf text = STRBUF_INIT, canonical = STRBUF_INIT;
	long long system_id;
	struct post p;
	long long id;
	int rc = find_user(USERS_SYSTEM_NAME, &system_id, &canonical);
	if (rc || !system_id) {
		strbuf_release(&canonical);
		return rc ? rc : DB_ERROR;
	}
	if (approved)
		strbuf_addf(&text, "@%s approved your request, @%s: you can message them now.",
			    approver_name, requester_name);
	else
		strbuf_addf(&text, "@%s declined your request, @%s.", approver_name,
			    requester_name);
	post_init(&p, POST_STARTER, system_id, text.buf, text.len);
	post_add_member(&p, system_id, USERS_SYSTEM_NAME);
	post_add_member(&p, requester, requester_name);
	rc = post_store(&p, &id);
	post_release(&p);
	strbuf_release(&text);
	strbuf_release(&canonical);
	return rc;
}

/* A decision's transaction (db_transaction's body): the request's status, the requester told. */
struct decide_tx {
	long long approver;
	const char *approver_name, *requester_name; /* the latter as the URL gave it */
	bool approve;
	long long requester; /* out */
	struct strbuf *name; /* out: the requester's user_name */
};

/* 1 when that user asked nothing of the approver. */
static int decide_tx_body(void *ctx)
{
	static const char find[] =
		"SELECT a.request_id, a.status, u.user_id, u.user_name FROM users u "
		"JOIN approvals a ON a.requester_id = u.user_id AND a.approver_id = ? "
		"WHERE u.user_name = ? FOR UPDATE";
	static const char update[] =
		"UPDATE approvals SET status = ?, decided_at = NOW() WHERE request_id = ?";
	struct decide_tx *t = ctx;
	const char *decision = t->approve ? "approved" : "rejected";
	long long request_id = 0;
	bool unchanged = false;
	struct db_stmt *st;
	int rc = db_run(&st, find, DB_ARGS(DB_INT(t->approver), DB_STR(t->requester_name)));
	strbuf_reset(t->name);
	if (rc)
		return rc;
	if ((rc = db_next(st)) == 1) {
		request_id = db_int(st, 0);
		unchanged = !strcmp(db_str(st, 1, NULL), decision);
		t->requester = db_int(st, 2);
		strbuf_addstr(t->name, db_str(st, 3, NULL));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (!request_id)
		return 1;
	/* Deciding the same way twice changes nothing and sends no second message. */
	if (unchanged)
		return DB_OK;
	if ((rc = db_exec(update, DB_ARGS(DB_STR(decision), DB_INT(request_id)))) ||
	    (rc = tell_requester(t->requester, t->name->buf, t->approver_name, t->approve)))
		return rc;
	return webhooks_outbox_approval(true, t->approver, t->requester, decision);
}

static int decide(struct http_request *req, struct http_response *resp, bool approve)
{
	const char *decision = approve ? "approved" : "rejected";
	struct strbuf name = STRBUF_INIT;
	struct auth a;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_WRITE, &a)))
		return ret;
	struct decide_tx t = { .approver = a.user_id,
			       .approver_name = a.user_name,
			       .requester_name = req->params[0].str,
			       .approve = approve,
			       .name = &name };
	if ((rc = db_transaction(decide_tx_body, &t)) > 0) {
		ret = resp_error(resp, ERR_NOT_FOUND, "no request from that user");
		goto out;
	}
	if (rc) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	if (req->api_version != WIRE_V0) { /* the original answered status and description */
		json_object_object_add(resp_data(resp), decision, json_object_new_boolean(1));
		json_object_object_add(resp_data(resp), "user_name",
				       json_object_new_string(name.buf));
	}
	ret = 200;
out:
	strbuf_release(&name);
	return ret;
}

int lists_approve(struct http_request *req, struct http_response *resp)
{
	return decide(req, resp, true);
}

int lists_reject(struct http_request *req, struct http_response *resp)
{
	return decide(req, resp, false);
}
