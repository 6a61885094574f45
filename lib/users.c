/* users.c: an account's life: sign-up, activation (and its mail again), deletion (API.md §4.1,
 * §4.2, §4.9). */
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
#include "wire.h"
#include "work_clock.h"

#include "banned.h"

/* The activation mail: the token, a link, and the password when the server chose it. */
static int send_activation(const char *email, const char *name, const char *token,
			   const char *generated_password)
{
	struct strbuf body = STRBUF_INIT;
	strbuf_addf(&body, "Welcome to Kinglet, %s.\n\n", name);
	if (token) {
		strbuf_addf(
			&body,
			"Activate your account by opening this link:\n\n  "
			"%s%s/users/activate/%s\n\n"
			"or by sending its code, %s, to POST %s/users/activate as user_digest.\n"
			"The link works once and expires in %lld hours.\n",
			conf.site_public_url, conf.http_base_path, token, token,
			conf.http_base_path, conf.auth_activation_hours);
	}
	if (generated_password)
		strbuf_addf(&body, "\nYour password: %s\nChange it with PUT %s/users/password.\n",
			    generated_password, conf.http_base_path);
	int rc = mail_send(email, "Activate your Kinglet account", body.buf);
	strbuf_release(&body);
	return rc;
}

static const char *valid_user_name(const struct http_request *req, struct http_response *resp)
{
	size_t len;
	const char *name = body_string(req, resp, "user_name", true, 1, USER_NAME_MAX, &len);
	if (name && !validate_user_name(name, len)) {
		resp_invalid_param(resp, "user_name", "invalid_format",
				   "Use 1 to 30 letters, digits and underscores.");
		return NULL;
	}
	if (name && validate_user_name_reserved(name)) {
		resp_invalid_param(resp, "user_name", "reserved", "%s is reserved.", name);
		return NULL;
	}
	return name;
}

const char *users_valid_email(const struct http_request *req, struct http_response *resp,
			      bool required)
{
	size_t len;
	const char *email = body_string(req, resp, "email", required, 1, EMAIL_MAX, &len);
	if (email && !validate_email(email, len)) {
		resp_invalid_param(resp, "email", "invalid_format", "Not a valid e-mail address.");
		return NULL;
	}
	return email;
}

/* A sign-up's transaction (db_transaction's body): the account, and its activation token. */
struct signup_tx {
	const char *name, *email, *hash, *status;
	long long user_id; /* out */
	struct strbuf *token; /* out: the activation token, when the account waits for one */
};

static int signup_tx_body(void *ctx)
{
	static const char insert[] = "INSERT INTO users (user_name, email, password_hash, "
				     "user_status) VALUES (?, ?, ?, ?)";
	struct signup_tx *t = ctx;
	int rc = db_exec(insert, DB_ARGS(DB_STR(t->name), DB_STR(t->email), DB_STR(t->hash),
					 DB_STR(t->status)));
	strbuf_reset(t->token);
	if (rc)
		return rc;
	t->user_id = (long long)db_insert_id();
	if (conf.signup_auto_activate)
		return DB_OK;
	return mail_token_create(t->user_id, "activate", conf.auth_activation_hours * 3600,
				 t->token);
}

int users_signup(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "user_name", "email", "password", NULL };
	struct strbuf hash = STRBUF_INIT, token = STRBUF_INIT, generated = STRBUF_INIT;
	const char *name, *email, *password;
	long long user_id;
	int ret, rc;

	if (!conf.signup_enabled)
		return resp_error(resp, ERR_SIGNUPS_CLOSED, NULL);
	body_allow_only(req, resp, fields);
	name = valid_user_name(req, resp);
	email = users_valid_email(req, resp, true);
	password = body_string(req, resp, "password", false, PASSWORD_MIN_CHARS, PASSWORD_MAX_CHARS,
			       NULL);
	if ((ret = resp_validation_result(resp)))
		return ret;
	if ((ret = sessions_limit_address(req, resp, "signup:ip:", conf.signup_per_ip_per_hour,
					  3600)))
		return ret;
	if (!password) {
		if (password_generate(&generated) < 0) {
			ret = resp_error(resp, ERR_INTERNAL, "no randomness");
			goto out;
		}
		password = generated.buf;
	}
	if (password_hash(&hash, password) < 0) {
		ret = resp_error(resp, ERR_INTERNAL, "password hashing failed");
		goto out;
	}
	const char *status = conf.signup_auto_activate ? "active" : "pending";
	struct signup_tx t = {
		.name = name, .email = email, .hash = hash.buf, .status = status, .token = &token
	};
	if ((rc = db_transaction(signup_tx_body, &t)))
		goto db_fail;
	user_id = t.user_id;

	if ((token.len || generated.len) &&
	    send_activation(email, name, token.len ? token.buf : NULL,
			    generated.len ? generated.buf : NULL) < 0) {
		/* The account is kept: POST /users/activate/resend sends a new mail. */
		ret = resp_error(
			resp, ERR_MAIL_UNAVAILABLE,
			"the account was created but the activation mail could not be sent; "
			"use POST /users/activate/resend");
		goto out;
	}
	struct json_object *o = resp_data(resp);
	json_object_object_add(o, "user_id", wire_int(req->api_version, user_id));
	json_object_object_add(o, "user_name", json_object_new_string(name));
	json_object_object_add(o, "email", json_object_new_string(email));
	/* Version 0 leaves out the original's password and digest here: they are mailed. */
	if (req->api_version != WIRE_V0)
		json_object_object_add(o, "user_status", json_object_new_string(status));
	resp_header(resp, "Location", "%s/users/%s", conf.http_base_path, name);
	ret = 201;
	goto out;
db_fail:
	if (rc == DB_DUPLICATE && db_duplicate_key("users_user_name"))
		ret = resp_error(resp, ERR_USER_NAME_TAKEN, "user_name %s is taken", name);
	else if (rc == DB_DUPLICATE && db_duplicate_key("users_email"))
		ret = resp_error(resp, ERR_EMAIL_TAKEN, "that e-mail address is registered");
	else
		ret = resp_db_error(resp, rc);
out:
	strbuf_release(&hash);
	strbuf_release(&token);
	strbuf_release(&generated);
	return ret;
}

/* An activation's transaction (db_transaction's body): the token taken, the account active. */
struct activate_tx {
	const char *token;
};

/* 1 when the token is unknown, used or expired. */
static int activate_tx_body(void *ctx)
{
	static const char sql[] = "UPDATE users SET user_status = 'active' WHERE user_id = ? AND "
				  "user_status = 'pending'";
	struct activate_tx *t = ctx;
	long long user_id;
	int rc = mail_token_consume(t->token, strlen(t->token), "activate", &user_id);
	if (rc)
		return rc;
	if (!user_id)
		return 1;
	return db_exec(sql, DB_ARGS(DB_INT(user_id)));
}

static int activate(const struct http_request *req, struct http_response *resp, const char *token)
{
	struct activate_tx t = { .token = token };
	int rc = db_transaction(activate_tx_body, &t);
	if (rc > 0)
		return resp_error(resp, ERR_INVALID_TOKEN,
				  "unknown, used or expired activation token");
	if (rc)
		return resp_db_error(resp, rc);
	json_object_object_add(resp_data(resp), "activate_account", wire_true(req->api_version));
	return 200;
}

int users_activate_get(struct http_request *req, struct http_response *resp)
{
	return activate(req, resp, req->params[0].str);
}

int users_activate_post(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "user_digest", NULL };
	int ret;
	body_allow_only(req, resp, fields);
	const char *token = body_string(req, resp, "user_digest", true, 1, 256, NULL);
	if ((ret = resp_validation_result(resp)))
		return ret;
	return activate(req, resp, token);
}

static struct work_clock resend_clock;

int users_activate_resend(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "email", NULL };
	static const char sql[] = "SELECT user_id, user_name, email FROM users "
				  "WHERE email = ? AND user_status = 'pending' AND "
				  "user_name <> '" USERS_SYSTEM_NAME "'";
	struct strbuf token = STRBUF_INIT;
	struct mail_token_recipient r = MAIL_TOKEN_RECIPIENT_INIT;
	int ret, rc;

	body_allow_only(req, resp, fields);
	const char *given = users_valid_email(req, resp, true);
	if ((ret = resp_validation_result(resp)))
		return ret;
	if ((ret = sessions_limit_address(req, resp, "resend:ip:", conf.auth_resets_per_hour,
					  3600)))
		return ret;
	if ((rc = mail_token_recipient_find(sql, DB_ARGS(DB_STR(given)), &r))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	/* The same answer, in the same time, whether or not a pending account has that address. */
	long long start = work_clock_now();
	if (r.user_id) {
		if ((rc = mail_token_create(r.user_id, "activate",
					    conf.auth_activation_hours * 3600, &token))) {
			ret = resp_db_error(resp, rc);
			goto out;
		}
		if (send_activation(r.email.buf, r.name.buf, token.buf, NULL) < 0) {
			ret = resp_error(resp, ERR_MAIL_UNAVAILABLE, NULL);
			goto out;
		}
	}
	work_clock_wait(&resend_clock, start, r.user_id != 0);
	json_object_object_add(resp_data(resp), "activation_sent", wire_true(req->api_version));
	ret = 200;
out:
	strbuf_release(&token);
	mail_token_recipient_release(&r);
	return ret;
}

/* ---- deletion ---- */

/* A deletion's transaction (db_transaction's body; ctx: the user id): the account, its access. */
static int delete_tx_body(void *ctx)
{
	static const char sql[] = "UPDATE users SET user_status = 'deleted' WHERE user_id = ?";
	const long long *user_id = ctx;
	int rc = db_exec(sql, DB_ARGS(DB_INT(*user_id)));
	return rc ? rc : auth_revoke_user(*user_id, true);
}

int users_delete(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "password", NULL };
	struct auth a;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_WRITE, &a)))
		return ret;
	body_allow_only(req, resp, fields);
	const char *pw = body_string(req, resp, "password", true, 1, PASSWORD_MAX_CHARS, NULL);
	if ((ret = resp_validation_result(resp)) ||
	    (ret = sessions_check_password(req, resp, &a, pw)))
		return ret;
	if ((rc = db_transaction(delete_tx_body, &a.user_id)))
		return resp_db_error(resp, rc);
	json_object_object_add(resp_data(resp), "deleted", wire_true(req->api_version));
	return 200;
}
