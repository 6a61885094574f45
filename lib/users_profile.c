/* users_profile.c: an account's profile: reading it, updating it, and changing its e-mail
 * address with the link that confirms it (API.md §4.5, §4.6). */
#include "users.h"

#include <string.h>

#include "auth.h"
#include "body.h"
#include "conf.h"
#include "db.h"
#include "mail.h"
#include "mail_token.h"
#include "password.h"
#include "ratelimit.h"
#include "render.h"
#include "sessions.h"
#include "token.h"
#include "wire.h"

#include "banned.h"

#define DESC_MAX_CHARS 2000

/*
 * The profile of the row (user_id, user_name, email, user_status, created_at, desc_markup,
 * desc_format): one's own, or another's. Version 0 writes the original's fields: another's
 * profile is user_name and desc_format, the date is "Nov 23, 2026", mentions link to
 * api.v0_user_link.
 */
static void profile_json(struct json_object *o, const struct db_stmt *st, bool self, int version)
{
	bool v0 = version == WIRE_V0;
	size_t len;
	const char *s;
	if (self || !v0)
		json_object_object_add(o, "user_id", wire_int(version, db_int(st, 0)));
	json_object_object_add(o, "user_name", json_object_new_string(db_str(st, 1, NULL)));
	if (self) {
		json_object_object_add(o, "email", json_object_new_string(db_str(st, 2, NULL)));
		json_object_object_add(
			o, "user_status",
			json_object_new_string(wire_status(version, db_str(st, 3, NULL))));
	}
	if (self || !v0)
		wire_time(o, version, "created_at", "created_date", (time_t)db_int(st, 4),
			  WIRE_DATE);
	if (self) {
		s = db_str(st, 5, &len);
		json_object_object_add(o, "desc_markup", json_object_new_string_len(s, (int)len));
	}
	struct strbuf html = STRBUF_INIT;
	s = db_str(st, 6, &len);
	if (v0)
		wire_v0_html(&html, s, len);
	else
		strbuf_add(&html, s, len);
	json_object_object_add(o, "desc_format",
			       json_object_new_string_len(html.buf, (int)html.len));
	strbuf_release(&html);
}

int users_profile(struct http_request *req, struct http_response *resp)
{
	static const char sql[] =
		"SELECT user_id, user_name, email, user_status, UNIX_TIMESTAMP(created_at), "
		"desc_markup, desc_format FROM users WHERE user_name = ?";
	struct auth a;
	struct db_stmt *st;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_READ, &a)))
		return ret;
	if ((rc = db_run(&st, sql, DB_ARGS(DB_STR(req->params[0].str)))))
		return resp_db_error(resp, rc);
	rc = db_next(st);
	if (rc == 1) {
		bool self = db_int(st, 0) == a.user_id;
		const char *status = db_str(st, 3, NULL);
		if (!self && strcmp(status, "active")) {
			rc = 0; /* pending and deleted accounts are not there for others */
		} else {
			profile_json(resp_data(resp), st, self, req->api_version);
		}
	}
	db_done(st);
	if (rc < 0)
		return resp_db_error(resp, rc);
	if (rc == 0)
		return resp_error(resp, ERR_NOT_FOUND, "no such user");
	return 200;
}

/* ---- updates and e-mail changes ---- */

/*
 * Count the request in class c as well, per address and per user, on top of its route's class:
 * for what the body makes more sensitive than the route (an e-mail change answers 409 for a
 * registered address, a cheap oracle in the default class). 0 or 429.
 */
static int limit_class(struct http_request *req, struct http_response *resp, long long user_id,
		       enum rl_class c)
{
	struct strbuf key = STRBUF_INIT;
	if (!conf.ratelimit_enabled)
		return 0;
	strbuf_addf(&key, "ip:%s", auth_client_addr(req));
	ratelimit_take(c, key.buf, &resp->rl);
	if (resp->rl.allowed) {
		strbuf_reset(&key);
		strbuf_addf(&key, "user:%lld", user_id);
		ratelimit_take(c, key.buf, &resp->rl);
	}
	strbuf_release(&key);
	return resp->rl.allowed ? 0 : resp_rate_limited(resp);
}

/* The account whose address is email (compared as the unique key does), 0 when none. */
static int email_owner(const char *email, long long *user_id)
{
	static const char sql[] = "SELECT user_id FROM users WHERE email = ?";
	*user_id = 0;
	return db_first_int(user_id, sql, DB_ARGS(DB_STR(email)));
}

/*
 * Inside a transaction: give user_id the address email, and end its pending changes (their links
 * would move the address again). 0 or a db rc, DB_DUPLICATE when the address is taken.
 */
static int email_set(long long user_id, const char *email)
{
	static const char set[] = "UPDATE users SET email = ? WHERE user_id = ?";
	static const char end[] = "UPDATE mail_tokens SET used_at = NOW() WHERE user_id = ? AND "
				  "purpose = 'email' AND used_at IS NULL";
	int rc = db_exec(set, DB_ARGS(DB_STR(email), DB_INT(user_id)));
	return rc ? rc : db_exec(end, DB_ARGS(DB_INT(user_id)));
}

/*
 * Inside a transaction: a confirmation token for moving user_id to email (its text appended to
 * token), bound to that address so that a link confirms exactly what its mail announced.
 */
static int email_change_request(long long user_id, const char *email, struct strbuf *token)
{
	static const char bind[] = "UPDATE mail_tokens SET new_email = ? WHERE token_hash = ?";
	uint8_t hash[SHA256_LEN];
	int rc = mail_token_create(user_id, "email", conf.auth_activation_hours * 3600, token);
	if (rc)
		return rc;
	token_hash(token->buf, token->len, hash);
	return db_exec(bind, DB_ARGS(DB_STR(email), DB_STRN((const char *)hash, sizeof(hash))));
}

/* To the current address: confirm the change to new_email with token. This mail is its notice. */
static int send_email_confirm(const struct mail_token_recipient *r, const char *new_email,
			      const char *token)
{
	struct strbuf body = STRBUF_INIT;
	strbuf_addf(
		&body,
		"Hello %s,\n\nsomeone (we hope you) asked to change the e-mail address of your "
		"Kinglet account to\n\n  %s\n\nNothing changes until you open this link:\n\n  "
		"%s%s/users/email/confirm/%s\n\n"
		"or send its code, %s, to POST %s/users/email/confirm as token.\n"
		"The link works once and expires in %lld hours. If you did not ask, ignore this "
		"mail and change your password: whoever asked could use your account.\n",
		r->name.buf, new_email, conf.site_public_url, conf.http_base_path, token, token,
		conf.http_base_path, conf.auth_activation_hours);
	int rc = mail_send(r->email.buf, "Confirm your new Kinglet e-mail address", body.buf);
	strbuf_release(&body);
	return rc;
}

/* To the old address: the address was changed (with the password) to new_email. */
static int send_email_changed(const struct mail_token_recipient *r, const char *new_email)
{
	struct strbuf body = STRBUF_INIT;
	strbuf_addf(&body,
		    "Hello %s,\n\nthe e-mail address of your Kinglet account was changed to\n\n  "
		    "%s\n\nwith your password. Mail for the account, password resets included, now "
		    "goes there.\nIf you did not do this, tell the operators of %s at once.\n",
		    r->name.buf, new_email, conf.site_public_url);
	int rc = mail_send(r->email.buf, "Your Kinglet e-mail address was changed", body.buf);
	strbuf_release(&body);
	return rc;
}

/* A failed e-mail change: 409 when the address was taken meanwhile, else the db error. */
static int email_db_fail(struct http_response *resp, int rc)
{
	if (rc == DB_DUPLICATE)
		return resp_error(resp, ERR_EMAIL_TAKEN, "that e-mail address is registered");
	return resp_db_error(resp, rc);
}

/* A profile change's transaction (db_transaction's body): the description, the address. */
struct update_tx {
	long long user_id;
	const char *desc; /* NULL: unchanged */
	size_t desc_len;
	const struct strbuf *html; /* desc rendered */
	const char *email; /* NULL: unchanged */
	bool pw; /* the password came with email: it changes now, else a link confirms it */
	const struct mail_token_recipient *me;
	struct strbuf *token; /* the confirmation link's token */
};

/* 1 when the mail about the address was not sent. */
static int update_tx_body(void *ctx)
{
	static const char desc_sql[] = "UPDATE users SET desc_markup = ?, desc_format = ? "
				       "WHERE user_id = ?";
	struct update_tx *t = ctx;
	int rc;
	strbuf_reset(t->token);
	if (t->desc && (rc = db_exec(desc_sql, DB_ARGS(DB_STRN(t->desc, t->desc_len),
						       DB_STRN(t->html->buf, t->html->len),
						       DB_INT(t->user_id)))))
		return rc;
	if (!t->email)
		return DB_OK;
	if ((rc = t->pw ? email_set(t->user_id, t->email)
			: email_change_request(t->user_id, t->email, t->token)))
		return rc;
	/*
	 * Before the commit: a change nobody was told of must not happen. (A commit that loses a
	 * conflict runs this again: a second mail, whose link is the one that works.)
	 */
	if ((t->pw ? send_email_changed(t->me, t->email)
		   : send_email_confirm(t->me, t->email, t->token->buf)) < 0)
		return 1;
	return DB_OK;
}

int users_update(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "email", "desc_markup", "password", NULL };
	static const char me_sql[] =
		"SELECT user_id, user_name, email FROM users WHERE user_id = ?";
	struct strbuf html = STRBUF_INIT, users_url = STRBUF_INIT, token = STRBUF_INIT;
	struct mail_token_recipient me = MAIL_TOKEN_RECIPIENT_INIT;
	struct auth a;
	size_t desc_len = 0;
	long long owner = 0;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_WRITE, &a)))
		return ret;
	body_allow_only(req, resp, fields);
	const char *email = users_valid_email(req, resp, false);
	const char *desc =
		body_string(req, resp, "desc_markup", false, 0, DESC_MAX_CHARS, &desc_len);
	const char *pw = body_string(req, resp, "password", false, 1, PASSWORD_MAX_CHARS, NULL);
	if (!email && !desc && !resp->invalid_params)
		resp_invalid_param(resp, "email", "missing", "Give email and/or desc_markup.");
	if ((ret = resp_validation_result(resp)))
		return ret;
	/* The address decides where password resets go: a token must not be able to take it. */
	if (email && !a.is_session)
		return resp_error_user(resp, ERR_INSUFFICIENT_SCOPE,
				       "Log in to change your e-mail address: a token cannot.",
				       "a personal access token never changes the e-mail address");
	if (email && (ret = limit_class(req, resp, a.user_id, RL_RESET)))
		return ret;
	if (pw && (ret = sessions_check_password(req, resp, &a, pw)))
		return ret;
	if (email) {
		if ((rc = mail_token_recipient_find(me_sql, DB_ARGS(DB_INT(a.user_id)), &me)) ||
		    (rc = email_owner(email, &owner))) {
			ret = resp_db_error(resp, rc);
			goto out;
		}
		if (owner && owner != a.user_id) {
			ret = resp_error(resp, ERR_EMAIL_TAKEN,
					 "that e-mail address is registered");
			goto out;
		}
		if (owner == a.user_id)
			email = NULL; /* the address it has already: nothing to prove */
	}
	if (desc) {
		strbuf_addf(&users_url, "%s/users", conf.http_base_path);
		render_text(&html, desc, desc_len, users_url.buf);
	}
	struct update_tx t = { .user_id = a.user_id,
			       .desc = desc,
			       .desc_len = desc_len,
			       .html = &html,
			       .email = email,
			       .pw = pw != NULL,
			       .me = &me,
			       .token = &token };
	if ((rc = db_transaction(update_tx_body, &t)) > 0) {
		ret = resp_error(resp, ERR_MAIL_UNAVAILABLE, "the e-mail change mail was not sent");
		goto out;
	}
	if (rc)
		goto db_fail;
	bool pending = email && !pw;
	struct json_object *o = resp_data(resp);
	/* The request is done (API.md §4.6's answer); what waits for the link says so beside it. */
	json_object_object_add(o, "profile_updated", wire_true(req->api_version));
	/* Version 0 answers the original's one field (API.md §10). */
	if (body_has(req, "email") && req->api_version >= 1)
		json_object_object_add(o, "email_change_pending", json_object_new_boolean(pending));
	ret = 200;
	goto out;
db_fail:
	ret = email_db_fail(resp, rc);
out:
	strbuf_release(&html);
	strbuf_release(&users_url);
	strbuf_release(&token);
	mail_token_recipient_release(&me);
	return ret;
}

/* An e-mail change link's transaction (db_transaction's body): the token taken, the address set. */
struct confirm_tx {
	const char *token;
	size_t len;
	struct strbuf *email; /* out: the address the link confirms */
};

/* 1 when the token is unknown, used or expired. */
static int confirm_tx_body(void *ctx)
{
	static const char find[] = "SELECT m.new_email FROM mail_tokens m JOIN users u ON "
				   "u.user_id = m.user_id AND u.user_status = 'active' "
				   "WHERE m.token_hash = ?";
	struct confirm_tx *t = ctx;
	uint8_t hash[SHA256_LEN];
	struct db_stmt *st;
	long long user_id;
	int rc;
	strbuf_reset(t->email);
	if ((rc = mail_token_consume(t->token, t->len, "email", &user_id)))
		return rc;
	if (user_id) {
		token_hash(t->token, t->len, hash);
		if ((rc = db_run(&st, find, DB_ARGS(DB_STRN((const char *)hash, sizeof(hash))))))
			return rc;
		if ((rc = db_next(st)) == 1)
			strbuf_addstr(t->email, db_str(st, 0, NULL));
		db_done(st);
		if (rc < 0)
			return rc;
	}
	if (!t->email->len)
		return 1;
	/* Taken since the request: the link stays unused, to work once the address is free. */
	return email_set(user_id, t->email->buf);
}

/* Follow an e-mail change link: the address becomes the one its mail announced. */
static int email_confirm(struct http_response *resp, const char *token, size_t len)
{
	struct strbuf email = STRBUF_INIT;
	struct confirm_tx t = { .token = token, .len = len, .email = &email };
	int ret, rc = db_transaction(confirm_tx_body, &t);
	if (rc > 0)
		ret = resp_error(resp, ERR_INVALID_TOKEN,
				 "unknown, used or expired e-mail confirmation token");
	else if (rc)
		ret = email_db_fail(resp, rc);
	else {
		json_object_object_add(resp_data(resp), "email_changed",
				       json_object_new_boolean(1));
		ret = 200;
	}
	strbuf_release(&email);
	return ret;
}

int users_email_confirm_get(struct http_request *req, struct http_response *resp)
{
	return email_confirm(resp, req->params[0].str, strlen(req->params[0].str));
}

int users_email_confirm_post(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "token", NULL };
	size_t len = 0;
	int ret;
	body_allow_only(req, resp, fields);
	const char *token = body_string(req, resp, "token", true, 1, 256, &len);
	if ((ret = resp_validation_result(resp)))
		return ret;
	return email_confirm(resp, token, len);
}
