/* webhooks.c: the /webhooks routes (API.md §11): hooks, their secrets, pings and the deliveries
 * log.
 */
#include "webhooks.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "body.h"
#include "conf.h"
#include "csv.h"
#include "db.h"
#include "page.h"
#include "random.h"
#include "timefmt.h"
#include "token.h"
#include "wire.h"

#include "banned.h"

/* The events a hook may subscribe to, as the SET column of sql/007_webhooks.sql has them. */
static const char *const event_types[] = { "message.received", "message.sent",
					   "message.deleted",  "approval.requested",
					   "approval.decided", NULL };

#define HOOK_COLUMNS                                                                               \
	"w.webhook_id, w.url, w.events, w.label, w.active, UNIX_TIMESTAMP(w.created_at), "         \
	"w.failure_count, w.disabled_reason, UNIX_TIMESTAMP(w.last_delivery_at)"

static void put_time_or_null(struct json_object *o, const char *key, const struct db_stmt *st,
			     unsigned col)
{
	struct strbuf sb = STRBUF_INIT;
	if (db_is_null(st, col)) {
		json_object_object_add(o, key, NULL);
		return;
	}
	time_iso8601(&sb, (time_t)db_int(st, col));
	json_object_object_add(o, key, json_object_new_string(sb.buf));
	strbuf_release(&sb);
}

static void put_str_or_null(struct json_object *o, const char *key, const struct db_stmt *st,
			    unsigned col)
{
	json_object_object_add(
		o, key, db_is_null(st, col) ? NULL : json_object_new_string(db_str(st, col, NULL)));
}

/* The hook object from HOOK_COLUMNS starting at column c (never the secret). */
static void hook_fields(struct json_object *o, const struct db_stmt *st, unsigned c)
{
	struct json_object *events = json_object_new_array();
	const char *e = db_str(st, c + 2, NULL);
	while (*e) {
		size_t n = strcspn(e, ",");
		json_object_array_add(events, json_object_new_string_len(e, (int)n));
		e += n + (e[n] == ',');
	}
	json_object_object_add(o, "webhook_id", json_object_new_int64(db_int(st, c)));
	json_object_object_add(o, "url", json_object_new_string(db_str(st, c + 1, NULL)));
	json_object_object_add(o, "events", events);
	json_object_object_add(o, "label", json_object_new_string(db_str(st, c + 3, NULL)));
	json_object_object_add(o, "active", json_object_new_boolean(db_int(st, c + 4) != 0));
	wire_time(o, 1, "created_at", "created_date", (time_t)db_int(st, c + 5), WIRE_DATE);
	json_object_object_add(o, "failure_count", json_object_new_int64(db_int(st, c + 6)));
	put_str_or_null(o, "disabled_reason", st, c + 7);
	put_time_or_null(o, "last_delivery_at", st, c + 8);
}

static void hook_row(struct json_object *o, const struct db_stmt *st, long long viewer, int version)
{
	(void)viewer;
	(void)version;
	hook_fields(o, st, 1);
}

/* The caller's hook {id} into resp's data (when data), else only its existence. 0 or a status. */
static int load_hook(struct http_response *resp, long long user_id, long long id, bool data)
{
	static const char sql[] = "SELECT " HOOK_COLUMNS " FROM webhooks w "
				  "WHERE w.webhook_id = ? AND w.user_id = ?";
	struct db_stmt *st;
	int rc = db_run(&st, sql, DB_ARGS(DB_INT(id), DB_INT(user_id)));
	if (rc)
		return resp_db_error(resp, rc);
	if ((rc = db_next(st)) == 1 && data)
		hook_fields(resp_data(resp), st, 0);
	db_done(st);
	if (rc < 0)
		return resp_db_error(resp, rc);
	if (rc == 0) /* another user's hook is as unknown as one that never was */
		return resp_error(resp, ERR_NOT_FOUND, "no webhook %lld", id);
	return 0;
}

/* The url field: syntax, then every address it resolves to. NULL having recorded why not. */
static const char *check_url(const struct http_request *req, struct http_response *resp,
			     bool required)
{
	struct strbuf why = STRBUF_INIT;
	struct webhooks_url u;
	char addr[64];
	size_t len;
	const char *url = body_string(req, resp, "url", required, 1, WEBHOOKS_URL_MAX, &len);
	if (!url)
		return NULL;
	if (webhooks_url_parse(url, len, &u, &why)) {
		resp_invalid_param(resp, "url", "invalid_url", "The URL is not usable: %s.",
				   why.buf);
		url = NULL;
	} else {
		int rc = webhooks_resolve(&u, conf.webhooks_allow_private, addr, &why);
		if (rc == -1)
			resp_invalid_param(resp, "url", "forbidden_address",
					   "Webhooks may not reach %s.", why.buf);
		else if (rc == -2)
			resp_invalid_param(resp, "url", "unresolvable", "%s.", why.buf);
		if (rc)
			url = NULL;
	}
	strbuf_release(&why);
	return url;
}

/*
 * The events field: a non-empty array of known event types, into set (the SET column's text).
 * Returns true when present and valid.
 */
static bool check_events(const struct http_request *req, struct http_response *resp, bool required,
			 struct strbuf *set)
{
	struct json_object *v = NULL;
	if (!req->body || !json_object_object_get_ex(req->body, "events", &v)) {
		if (required)
			resp_invalid_param(resp, "events", "missing",
					   "Name the events to receive.");
		return false;
	}
	if (!json_object_is_type(v, json_type_array) || !json_object_array_length(v)) {
		resp_invalid_param(resp, "events", "invalid",
				   "events must be a non-empty array of event types.");
		return false;
	}
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		const char *name =
			json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
		size_t k = 0;
		while (name && event_types[k] && strcmp(event_types[k], name))
			k++;
		if (!name || !event_types[k]) {
			resp_invalid_param(resp, "events", "unknown_event",
					   "Event types are message.received, message.sent, "
					   "message.deleted, approval.requested and "
					   "approval.decided.");
			return false;
		}
		if (set->len)
			strbuf_addch(set, ',');
		strbuf_addstr(set, name);
	}
	return true;
}

/* A new secret, sealed for user_id; its text appended to text. 0 or an answered status. */
static int new_secret(struct http_response *resp, long long user_id, struct strbuf *text,
		      uint8_t sealed[WEBHOOKS_SEALED_BYTES])
{
	uint8_t raw[WEBHOOKS_SECRET_BYTES];
	int rc = webhooks_secret_new(raw, text) || webhooks_secret_seal(raw, user_id, sealed);
	memset(raw, 0, sizeof(raw));
	if (rc)
		return resp_error(resp, ERR_INTERNAL, "webhook secrets are not available");
	return 0;
}

/* A new hook (db_transaction's body): the limit checked and the row written, or LIMIT_REACHED. */
struct create_tx {
	long long user_id, id;
	const char *url, *events, *label;
	const uint8_t *sealed;
};
#define LIMIT_REACHED 1

static int create_tx_body(void *arg)
{
	static const char lock[] = "SELECT user_id FROM users WHERE user_id = ? FOR UPDATE";
	static const char count[] = "SELECT COUNT(*) FROM webhooks WHERE user_id = ?";
	static const char insert[] = "INSERT INTO webhooks (user_id, url, events, label, "
				     "secret_enc) VALUES (?, ?, ?, ?, ?)";
	struct create_tx *t = arg;
	struct db_stmt *st;
	long long n = 0;
	/* The user's row serialises their creations: the limit holds under concurrent requests. */
	int rc = db_exec(lock, DB_ARGS(DB_INT(t->user_id)));
	if (rc || (rc = db_run(&st, count, DB_ARGS(DB_INT(t->user_id)))))
		return rc;
	if ((rc = db_next(st)) == 1)
		n = db_int(st, 0);
	db_done(st);
	if (rc < 0)
		return rc;
	if (n >= conf.webhooks_max_per_user)
		return LIMIT_REACHED;
	if ((rc = db_exec(insert,
			  DB_ARGS(DB_INT(t->user_id), DB_STR(t->url), DB_STR(t->events),
				  DB_STR(t->label),
				  DB_STRN((const char *)t->sealed, WEBHOOKS_SEALED_BYTES)))))
		return rc;
	t->id = (long long)db_insert_id();
	return 0;
}

int webhooks_create(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "url", "events", "label", NULL };
	struct strbuf set = STRBUF_INIT, secret = STRBUF_INIT;
	uint8_t sealed[WEBHOOKS_SEALED_BYTES];
	struct auth a;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_WRITE, &a)))
		return ret;
	body_allow_only(req, resp, fields);
	const char *url = check_url(req, resp, true);
	check_events(req, resp, true, &set);
	const char *label = body_string(req, resp, "label", false, 0, 200, NULL);
	if ((ret = resp_validation_result(resp)) ||
	    (ret = new_secret(resp, a.user_id, &secret, sealed)))
		goto out;
	struct create_tx t = { a.user_id, 0, url, set.buf, label ? label : "", sealed };
	if ((rc = db_transaction(create_tx_body, &t))) {
		ret = rc != LIMIT_REACHED ? resp_db_error(resp, rc)
					  : resp_error(resp, ERR_WEBHOOK_LIMIT_REACHED,
						       "at most %lld webhooks per user",
						       conf.webhooks_max_per_user);
		goto out;
	}
	if ((ret = load_hook(resp, a.user_id, t.id, true)))
		goto out;
	json_object_object_add(resp_data(resp), "secret",
			       json_object_new_string_len(secret.buf, (int)secret.len));
	resp_header(resp, "Location", "%s/webhooks/%lld", conf.http_base_path, t.id);
	ret = 201;
out:
	strbuf_release(&set);
	strbuf_release(&secret);
	return ret;
}

/* FORCE INDEX: the owner's range, not the primary key's filtered by owner (lists.c). */
#define HOOKS_SQL(cmp, order)                                                                      \
	"SELECT w.webhook_id, " HOOK_COLUMNS " FROM webhooks w FORCE INDEX (webhooks_user) "       \
	"WHERE w.user_id = ? AND "                                                                 \
	"w.webhook_id " cmp " ? ORDER BY w.webhook_id " order " LIMIT ? OFFSET ?"

/* A column that may be NULL: the empty cell (JSON's null), else its text. */
static void cell_or_null(struct strbuf *out, const struct db_stmt *st, unsigned col)
{
	csv_cell_str(out, db_is_null(st, col) ? NULL : db_str(st, col, NULL));
}

/* A time that may be NULL: the empty cell, else ISO-8601 (put_time_or_null's). */
static void time_cell_or_null(struct strbuf *out, const struct db_stmt *st, unsigned col)
{
	if (db_is_null(st, col))
		csv_cell_str(out, NULL);
	else
		time_csv_add(out, (time_t)db_int(st, col), false);
}

/* hook_fields as a CSV row, the key first: events space-joined, active as true or false. */
static void hook_csv(struct strbuf *out, const struct db_stmt *st, long long viewer)
{
	struct strbuf events = STRBUF_INIT;
	(void)viewer;
	for (const char *e = db_str(st, 3, NULL); *e;) {
		size_t n = strcspn(e, ",");
		strbuf_addf(&events, "%s%.*s", events.len ? " " : "", (int)n, e);
		e += n + (e[n] == ',');
	}
	csv_cell_int(out, db_int(st, 1));
	csv_cell_str(out, db_str(st, 2, NULL));
	csv_cell(out, events.buf, events.len);
	csv_cell_str(out, db_str(st, 4, NULL));
	csv_cell_str(out, db_int(st, 5) ? "true" : "false");
	time_csv_add(out, (time_t)db_int(st, 6), true);
	csv_cell_int(out, db_int(st, 7));
	cell_or_null(out, st, 8);
	time_cell_or_null(out, st, 9);
	csv_row_end(out);
	strbuf_release(&events);
}

/* The key, then the 9 columns of HOOK_COLUMNS. */
static const struct page_row hook_list_row = {
	.json = hook_row,
	.ncols = 10,
	.csv = hook_csv,
	.csv_head = "webhook_id,url,events,label,active,created_at,created_date,failure_count,"
		    "disabled_reason,last_delivery_at",
};
static const struct page_order hooks_orders[] = {
	{ .forward = HOOKS_SQL(">", "ASC"), .backward = HOOKS_SQL("<", "DESC") },
};
static const struct page_query hooks_query = {
	.path = "/webhooks",
	.name = "webhooks",
	.row = &hook_list_row,
	PAGE_ORDERS(hooks_orders),
	.count = "SELECT COUNT(*) FROM (SELECT 1 FROM webhooks WHERE user_id = ? LIMIT ?) c",
	.per_page = 20,
};

int webhooks_list(struct http_request *req, struct http_response *resp)
{
	struct page_request r;
	struct auth a;
	int ret;

	if ((ret = auth_require(req, resp, AUTH_READ, &a)) ||
	    (ret = page_start(req, resp, &hooks_query, &r)))
		return ret;
	return page_serve(req, resp, &r, a.user_id, DB_ARGS(DB_INT(a.user_id)));
}

int webhooks_get(struct http_request *req, struct http_response *resp)
{
	struct auth a;
	int ret;
	if ((ret = auth_require(req, resp, AUTH_READ, &a)) ||
	    (ret = load_hook(resp, a.user_id, req->params[0].num, true)))
		return ret;
	return 200;
}

/* The active field: a JSON boolean, or "true"/"false" from a form. -1 when absent or invalid. */
static int check_active(const struct http_request *req, struct http_response *resp)
{
	struct json_object *v = NULL;
	if (!req->body || !json_object_object_get_ex(req->body, "active", &v))
		return -1;
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v) ? 1 : 0;
	if (json_object_is_type(v, json_type_string) &&
	    (!strcmp(json_object_get_string(v), "true") ||
	     !strcmp(json_object_get_string(v), "false")))
		return !strcmp(json_object_get_string(v), "true");
	resp_invalid_param(resp, "active", "invalid", "active must be true or false.");
	return -1;
}

int webhooks_update(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "url", "events", "label", "active", NULL };
	/* One statement (db.c runs an aborted one again); NULL keeps a field. Left to right: back
	 * on from off, a clean slate and nothing from the time it was off, then active itself. */
	static const char sql[] =
		"UPDATE webhooks SET url = COALESCE(?, url), events = COALESCE(?, events), "
		"label = COALESCE(?, label), "
		"failure_count = IF(? = 1 AND active = 0, 0, failure_count), "
		"failing_since = IF(? = 1 AND active = 0, NULL, failing_since), "
		"disabled_reason = IF(? = 1 AND active = 0, NULL, disabled_reason), "
		"active_since = IF(? = 1 AND active = 0, NOW(3), active_since), "
		"active = COALESCE(?, active) WHERE webhook_id = ?";
	struct strbuf set = STRBUF_INIT;
	long long id = req->params[0].num;
	struct auth a;
	int ret, rc, active;

	if ((ret = auth_require(req, resp, AUTH_WRITE, &a)) ||
	    (ret = load_hook(resp, a.user_id, id, false)))
		return ret;
	body_allow_only(req, resp, fields);
	const char *url = body_has(req, "url") ? check_url(req, resp, true) : NULL;
	bool events = check_events(req, resp, false, &set);
	const char *label = body_string(req, resp, "label", false, 0, 200, NULL);
	active = check_active(req, resp);
	if ((ret = resp_validation_result(resp)))
		goto out;
	struct db_arg on = active >= 0 ? DB_INT(active) : DB_NULL;
	if ((rc = db_exec(sql,
			  DB_ARGS(url ? DB_STR(url) : DB_NULL, events ? DB_STR(set.buf) : DB_NULL,
				  label ? DB_STR(label) : DB_NULL, on, on, on, on, on,
				  DB_INT(id))))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	ret = load_hook(resp, a.user_id, id, true);
	if (!ret)
		ret = 200;
out:
	strbuf_release(&set);
	return ret;
}

int webhooks_delete(struct http_request *req, struct http_response *resp)
{
	/* Its deliveries go with it (ON DELETE CASCADE): the pending ones are never sent. */
	static const char sql[] = "DELETE FROM webhooks WHERE webhook_id = ? AND user_id = ?";
	long long id = req->params[0].num;
	struct auth a;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_WRITE, &a)))
		return ret;
	if ((rc = db_exec(sql, DB_ARGS(DB_INT(id), DB_INT(a.user_id)))))
		return resp_db_error(resp, rc);
	if (!db_affected_rows())
		return resp_error(resp, ERR_NOT_FOUND, "no webhook %lld", id);
	json_object_object_add(resp_data(resp), "deleted", json_object_new_boolean(1));
	return 200;
}

int webhooks_rotate(struct http_request *req, struct http_response *resp)
{
	/* The old secret signs beside the new one for a day, so receivers can switch over. */
	static const char sql[] = "UPDATE webhooks SET old_secret_enc = secret_enc, "
				  "old_secret_until = NOW() + INTERVAL 1 DAY, secret_enc = ? "
				  "WHERE webhook_id = ? AND user_id = ?";
	struct strbuf secret = STRBUF_INIT;
	uint8_t sealed[WEBHOOKS_SEALED_BYTES];
	long long id = req->params[0].num;
	struct auth a;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_WRITE, &a)) ||
	    (ret = load_hook(resp, a.user_id, id, false)) ||
	    (ret = new_secret(resp, a.user_id, &secret, sealed)))
		goto out;
	if ((rc = db_exec(sql, DB_ARGS(DB_STRN((const char *)sealed, sizeof(sealed)), DB_INT(id),
				       DB_INT(a.user_id))))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	json_object_object_add(resp_data(resp), "webhook_id", json_object_new_int64(id));
	json_object_object_add(resp_data(resp), "secret",
			       json_object_new_string_len(secret.buf, (int)secret.len));
	ret = 200;
out:
	strbuf_release(&secret);
	return ret;
}

int webhooks_ping(struct http_request *req, struct http_response *resp)
{
	static const char sql[] = "INSERT INTO webhook_deliveries (webhook_id, event_uid, type, "
				  "payload) VALUES (?, ?, 'ping', ?)";
	struct strbuf uid = STRBUF_INIT, payload = STRBUF_INIT, now = STRBUF_INIT;
	long long id = req->params[0].num;
	uint8_t raw[16];
	struct auth a;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_WRITE, &a)) ||
	    (ret = load_hook(resp, a.user_id, id, false)))
		return ret;
	if (random_bytes(raw, sizeof(raw))) {
		ret = resp_error(resp, ERR_INTERNAL, "no random bytes");
		goto out;
	}
	strbuf_addstr(&uid, "evt_");
	token_base64url(&uid, raw, sizeof(raw));
	time_iso8601(&now, time(NULL));
	strbuf_addf(&payload,
		    "{\"type\":\"ping\",\"timestamp\":\"%s\",\"data\":{\"webhook_id\":%lld}}",
		    now.buf, id);
	if ((rc = db_exec(sql, DB_ARGS(DB_INT(id), DB_STR(uid.buf), DB_STR(payload.buf))))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	json_object_object_add(resp_data(resp), "delivery_id",
			       json_object_new_int64((long long)db_insert_id()));
	json_object_object_add(resp_data(resp), "event_id", json_object_new_string(uid.buf));
	webhooks_nudge();
	ret = 202;
out:
	strbuf_release(&uid);
	strbuf_release(&payload);
	strbuf_release(&now);
	return ret;
}

static void delivery_row(struct json_object *o, const struct db_stmt *st, long long viewer,
			 int version)
{
	(void)viewer;
	(void)version;
	json_object_object_add(o, "delivery_id", json_object_new_int64(db_int(st, 0)));
	json_object_object_add(o, "event_id", json_object_new_string(db_str(st, 1, NULL)));
	json_object_object_add(o, "type", json_object_new_string(db_str(st, 2, NULL)));
	json_object_object_add(o, "status", json_object_new_string(db_str(st, 3, NULL)));
	json_object_object_add(o, "attempts", json_object_new_int64(db_int(st, 4)));
	json_object_object_add(o, "last_status_code",
			       db_is_null(st, 5) ? NULL : json_object_new_int64(db_int(st, 5)));
	put_str_or_null(o, "last_error", st, 6);
	put_time_or_null(o, "last_attempt_at", st, 7);
	put_time_or_null(o, "next_attempt_at", st, 8);
	json_object_object_add(o, "duration_ms",
			       db_is_null(st, 9) ? NULL : json_object_new_int64(db_int(st, 9)));
}

#define DELIVERIES_SQL(cmp, order)                                                                 \
	"SELECT delivery_id, event_uid, type, status, attempts, last_status_code, last_error, "    \
	"UNIX_TIMESTAMP(last_attempt_at), IF(status = 'pending', "                                 \
	"UNIX_TIMESTAMP(next_attempt_at), NULL), duration_ms FROM webhook_deliveries "             \
	"FORCE INDEX (webhook_deliveries_hook) "                                                   \
	"WHERE webhook_id = ? AND delivery_id " cmp " ? ORDER BY delivery_id " order               \
	" LIMIT ? OFFSET ?"

static void delivery_csv(struct strbuf *out, const struct db_stmt *st, long long viewer)
{
	(void)viewer;
	csv_cell_int(out, db_int(st, 0));
	for (unsigned col = 1; col <= 3; col++)
		csv_cell_str(out, db_str(st, col, NULL));
	csv_cell_int(out, db_int(st, 4));
	cell_or_null(out, st, 5);
	cell_or_null(out, st, 6);
	time_cell_or_null(out, st, 7);
	time_cell_or_null(out, st, 8);
	cell_or_null(out, st, 9);
	csv_row_end(out);
}

static const struct page_row delivery_list_row = {
	.json = delivery_row,
	.ncols = 10,
	.csv = delivery_csv,
	.csv_head = "delivery_id,event_id,type,status,attempts,last_status_code,last_error,"
		    "last_attempt_at,next_attempt_at,duration_ms",
};
static const struct page_order deliveries_orders[] = {
	{ .newest_first = true,
	  .forward = DELIVERIES_SQL("<", "DESC"),
	  .backward = DELIVERIES_SQL(">", "ASC") },
};
static const struct page_query deliveries_query = {
	.path = "/webhooks/{name}/deliveries",
	.name = "deliveries",
	.row = &delivery_list_row,
	PAGE_ORDERS(deliveries_orders),
	.count = "SELECT COUNT(*) FROM (SELECT 1 FROM webhook_deliveries WHERE webhook_id = ? "
		 "LIMIT ?) c",
	.per_page = 20,
};

int webhooks_deliveries(struct http_request *req, struct http_response *resp)
{
	long long id = req->params[0].num;
	struct page_request r;
	struct auth a;
	int ret;

	if ((ret = auth_require(req, resp, AUTH_READ, &a)) ||
	    (ret = load_hook(resp, a.user_id, id, false)) ||
	    (ret = page_start(req, resp, &deliveries_query, &r)))
		return ret;
	return page_serve(req, resp, &r, a.user_id, DB_ARGS(DB_INT(id)));
}

int webhooks_redeliver(struct http_request *req, struct http_response *resp)
{
	/* The same row, so the same webhook-id and body; one more attempt, due now. */
	static const char sql[] =
		"UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = NOW(3) "
		"WHERE delivery_id = ? AND webhook_id = ?";
	long long id = req->params[0].num, did = req->params[1].num;
	struct auth a;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_WRITE, &a)) ||
	    (ret = load_hook(resp, a.user_id, id, false)))
		return ret;
	if ((rc = db_exec(sql, DB_ARGS(DB_INT(did), DB_INT(id)))))
		return resp_db_error(resp, rc);
	/* 0 rows: unknown, or already pending and due (MariaDB counts changed rows only). */
	if (!db_affected_rows()) {
		static const char exists[] = "SELECT 1 FROM webhook_deliveries "
					     "WHERE delivery_id = ? AND webhook_id = ?";
		struct db_stmt *st;
		if ((rc = db_run(&st, exists, DB_ARGS(DB_INT(did), DB_INT(id)))))
			return resp_db_error(resp, rc);
		rc = db_next(st);
		db_done(st);
		if (rc < 0)
			return resp_db_error(resp, rc);
		if (rc == 0)
			return resp_error(resp, ERR_NOT_FOUND, "no delivery %lld", did);
	}
	json_object_object_add(resp_data(resp), "delivery_id", json_object_new_int64(did));
	webhooks_nudge();
	return 202;
}
