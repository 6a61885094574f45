/* users_password.c: passwords: forgotten (the reset mail), reset with its token, changed with the
 * old one (API.md §4.7). */
#include "users.h"

#include <string.h>

#include "auth.h"
#include "body.h"
#include "conf.h"
#include "db.h"
#include "mail.h"
#include "mail_token.h"
#include "password.h"
#include "sessions.h"
#include "timefmt.h"
#include "wire.h"
#include "work_clock.h"

#include "banned.h"

/* new_password and verify_password: present, 8–128 characters, equal. Records invalid params. */
static const char *new_password(const struct http_request *req, struct http_response *resp)
{
	const char *pw = body_string(req, resp, "new_password", true, PASSWORD_MIN_CHARS,
				     PASSWORD_MAX_CHARS, NULL);
	const char *verify =
		body_string(req, resp, "verify_password", true, 0, PASSWORD_MAX_CHARS, NULL);
	if (pw && verify && strcmp(pw, verify)) {
		resp_invalid_param(resp, "verify_password", "mismatch",
				   "verify_password differs from new_password.");
		return NULL;
	}
	return pw;
}

static struct work_clock forgot_clock;

int users_password_forgot(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "user_name", "email", NULL };
	static const char sql[] =
		"SELECT user_id, user_name, email FROM users WHERE "
		"(? IS NULL OR user_name = ?) AND (? IS NULL OR email = ?) "
		"AND user_status = 'active' AND user_name <> '" USERS_SYSTEM_NAME "'";
	struct strbuf token = STRBUF_INIT, body = STRBUF_INIT;
	struct mail_token_recipient r = MAIL_TOKEN_RECIPIENT_INIT;
	int ret, rc;

	body_allow_only(req, resp, fields);
	const char *n = body_string(req, resp, "user_name", false, 1, USER_NAME_MAX, NULL);
	const char *e = body_string(req, resp, "email", false, 1, EMAIL_MAX, NULL);
	if (!n && !e && !resp->invalid_params)
		resp_invalid_param(resp, "user_name", "missing", "Give user_name and/or email.");
	if ((ret = resp_validation_result(resp)))
		return ret;
	if ((ret = sessions_limit_address(req, resp, "reset:ip:", conf.auth_resets_per_hour, 3600)))
		return ret;
	struct db_arg nn = n ? DB_STR(n) : DB_NULL, ee = e ? DB_STR(e) : DB_NULL;
	if ((rc = mail_token_recipient_find(sql, DB_ARGS(nn, nn, ee, ee), &r))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	/* Per account, however it is spelt: one account is one counter (API.md §2). */
	if ((ret = sessions_limit_account(resp, "reset:", r.user_id, n ? n : e,
					  conf.auth_resets_per_hour, 3600)))
		goto out;
	long long start = work_clock_now();
	if (r.user_id) {
		if ((rc = mail_token_create(r.user_id, "reset", conf.auth_reset_minutes * 60,
					    &token))) {
			ret = resp_db_error(resp, rc);
			goto out;
		}
		strbuf_addf(
			&body,
			"Hello %s,\n\nsomeone (we hope you) asked to reset your Kinglet password.\n"
			"Your reset token: %s\n\nSet a new password with PUT %s%s/users/password "
			"and "
			"the body\n  {\"reset_token\": \"%s\", \"new_password\": \"...\", "
			"\"verify_password\": \"...\"}\n\nThe token works once and expires in %lld "
			"minutes. If you did not ask, ignore this mail.\n",
			r.name.buf, token.buf, conf.site_public_url, conf.http_base_path, token.buf,
			conf.auth_reset_minutes);
		if (mail_send(r.email.buf, "Reset your Kinglet password", body.buf) < 0) {
			ret = resp_error(resp, ERR_MAIL_UNAVAILABLE, NULL);
			goto out;
		}
	}
	work_clock_wait(&forgot_clock, start, r.user_id != 0);
	/* Version 0: status and description only (the original's new password is mailed now). */
	if (req->api_version != WIRE_V0)
		json_object_object_add(resp_data(resp), "reset_requested",
				       json_object_new_boolean(1));
	ret = 200;
out:
	strbuf_release(&token);
	strbuf_release(&body);
	mail_token_recipient_release(&r);
	return ret;
}

static const char set_password_sql[] =
	"UPDATE users SET password_hash = ? WHERE user_id = ? AND user_status = 'active'";

/* A reset's transaction (db_transaction's body): the token taken, the password set. */
struct reset_tx {
	const char *token;
	size_t token_len;
	const char *hash;
	long long user_id; /* out */
	struct strbuf *name; /* out: the account's user_name */
};

/* 1 when the token was used by a request that came at the same time. */
static int reset_tx_body(void *ctx)
{
	static const char who[] = "SELECT user_name FROM users WHERE user_id = ?";
	struct reset_tx *t = ctx;
	struct db_stmt *st;
	int rc;
	strbuf_reset(t->name);
	if ((rc = mail_token_consume(t->token, t->token_len, "reset", &t->user_id)))
		return rc;
	if (!t->user_id)
		return 1;
	/* A reset means the account may have been taken: its personal access tokens go too. */
	if ((rc = db_exec(set_password_sql, DB_ARGS(DB_STR(t->hash), DB_INT(t->user_id)))) ||
	    (rc = auth_revoke_user(t->user_id, true)) ||
	    (rc = db_run(&st, who, DB_ARGS(DB_INT(t->user_id)))))
		return rc;
	if ((rc = db_next(st)) == 1)
		strbuf_addstr(t->name, db_str(st, 0, NULL));
	db_done(st);
	return rc < 0 ? rc : DB_OK;
}

static int password_reset(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "reset_token", "new_password", "verify_password",
					      NULL };
	struct strbuf hash = STRBUF_INIT, name = STRBUF_INIT;
	long long user_id = 0;
	size_t token_len;
	int ret, rc;

	body_allow_only(req, resp, fields);
	const char *token = body_string(req, resp, "reset_token", true, 1, 256, &token_len);
	const char *pw = new_password(req, resp);
	if ((ret = resp_validation_result(resp)))
		return ret;
	/*
	 * The token first: a request without a usable one costs no scrypt (API.md §4.7). Then hash
	 * before the transaction (scrypt takes long, locks should not) and take the token in it.
	 */
	if ((rc = mail_token_find(token, token_len, "reset", false, &user_id)))
		goto db_fail;
	if (!user_id) {
		ret = resp_error(resp, ERR_INVALID_TOKEN, "unknown, used or expired reset token");
		goto out;
	}
	if (password_hash(&hash, pw) < 0) {
		ret = resp_error(resp, ERR_INTERNAL, "password hashing failed");
		goto out;
	}
	struct reset_tx t = {
		.token = token, .token_len = token_len, .hash = hash.buf, .name = &name
	};
	if ((rc = db_transaction(reset_tx_body, &t)) > 0) {
		ret = resp_error(resp, ERR_INVALID_TOKEN, "unknown, used or expired reset token");
		goto out;
	}
	if (rc)
		goto db_fail;
	struct json_object *o = resp_data(resp);
	if (name.len)
		json_object_object_add(o, "user_name", json_object_new_string(name.buf));
	json_object_object_add(o, "user_id", wire_int(req->api_version, t.user_id));
	json_object_object_add(o, "password_changed", wire_true(req->api_version));
	resp->omit_description = req->api_version == WIRE_V0; /* as the original's change */
	ret = 200;
	goto out;
db_fail:
	ret = resp_db_error(resp, rc);
out:
	strbuf_release(&hash);
	strbuf_release(&name);
	return ret;
}

/* A change's transaction (db_transaction's body): the password, the other sessions out, a new one.
 */
struct change_tx {
	long long user_id;
	const char *hash;
	struct strbuf *session; /* out */
	long long expires_at; /* out */
};

static int change_tx_body(void *ctx)
{
	struct change_tx *t = ctx;
	int rc;
	strbuf_reset(t->session);
	if ((rc = db_exec(set_password_sql, DB_ARGS(DB_STR(t->hash), DB_INT(t->user_id)))) ||
	    (rc = auth_revoke_user(t->user_id, false)))
		return rc;
	return auth_session_create(t->user_id, t->session, &t->expires_at);
}

int users_password_change(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "old_password", "new_password", "verify_password",
					      NULL };
	struct strbuf hash = STRBUF_INIT, session = STRBUF_INIT;
	struct auth a;
	long long expires_at;
	int ret, rc;

	if (body_has(req, "reset_token"))
		return password_reset(req, resp);
	if ((ret = auth_require(req, resp, AUTH_WRITE, &a)))
		return ret;
	body_allow_only(req, resp, fields);
	const char *old = body_string(req, resp, "old_password", true, 1, PASSWORD_MAX_CHARS, NULL);
	const char *pw = new_password(req, resp);
	if ((ret = resp_validation_result(resp)) ||
	    (ret = sessions_check_password(req, resp, &a, old)))
		return ret;
	if (password_hash(&hash, pw) < 0) {
		ret = resp_error(resp, ERR_INTERNAL, "password hashing failed");
		goto out;
	}
	struct change_tx t = { .user_id = a.user_id, .hash = hash.buf, .session = &session };
	if ((rc = db_transaction(change_tx_body, &t))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	expires_at = t.expires_at;
	struct json_object *o = resp_data(resp);
	json_object_object_add(o, "user_id", wire_int(req->api_version, a.user_id));
	json_object_object_add(o, "user_name", json_object_new_string(a.user_name));
	json_object_object_add(o, "session_id",
			       json_object_new_string_len(session.buf, (int)session.len));
	if (req->api_version == WIRE_V0) /* the original's answer: no description, no expiry */
		resp->omit_description = true;
	else
		time_json_add(o, "expires_at", NULL, (time_t)expires_at);
	ret = 200;
out:
	strbuf_release(&hash);
	strbuf_release(&session);
	return ret;
}
