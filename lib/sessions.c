/* sessions.c: login, logout, and personal access tokens (API.md §4.3, §4.4, §4.8). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "body.h"
#include "conf.h"
#include "db.h"
#include "password.h"
#include "timefmt.h"
#include "token.h"
#include "users.h"
#include "wire.h"

#include "banned.h"

#define TOKEN_NAME_MAX 64
#define TOKEN_DAYS_MAX 3650

struct login_row {
	long long user_id;
	struct strbuf user_name, hash, status;
};

/*
 * Find the account by e-mail (the identifier has an '@') or by user name. The system account is
 * never found: nobody logs in as it (API.md §2). 0 or a db rc.
 */
static int find_account(const char *identifier, struct login_row *row, bool *found)
{
#define NOT_SYSTEM " AND user_name <> '" USERS_SYSTEM_NAME "'"
	static const char by_name[] = "SELECT user_id, user_name, password_hash, user_status "
				      "FROM users WHERE user_name = ?" NOT_SYSTEM;
	static const char by_email[] = "SELECT user_id, user_name, password_hash, user_status "
				       "FROM users WHERE email = ?" NOT_SYSTEM;
#undef NOT_SYSTEM
	struct db_stmt *st;
	int rc = db_run(&st, strchr(identifier, '@') ? by_email : by_name,
			DB_ARGS(DB_STR(identifier)));
	*found = false;
	if (rc)
		return rc;
	if ((rc = db_next(st)) == 1) {
		*found = true;
		row->user_id = db_int(st, 0);
		strbuf_addstr(&row->user_name, db_str(st, 1, NULL));
		strbuf_addstr(&row->hash, db_str(st, 2, NULL));
		strbuf_addstr(&row->status, db_str(st, 3, NULL));
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* A hash made at an older cost is replaced, unless the password changed meanwhile. */
static void rehash(const struct login_row *row, const char *password)
{
	static const char sql[] =
		"UPDATE users SET password_hash = ? WHERE user_id = ? AND password_hash = ?";
	struct strbuf hash = STRBUF_INIT;
	if (password_hash(&hash, password) == 0)
		db_exec(sql,
			DB_ARGS(DB_STR(hash.buf), DB_INT(row->user_id), DB_STR(row->hash.buf)));
	strbuf_release(&hash);
}

int sessions_login(struct http_request *req, struct http_response *resp)
{
	/* savepassword: the original's "keep me logged in" box, a client-side matter: ignored. */
	static const char *const fields[] = { "email",	  "user_name",	  "auth_data",
					      "password", "savepassword", NULL };
	struct login_row row = { 0, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT };
	struct strbuf session = STRBUF_INIT;
	const char *identifier = NULL;
	bool found;
	long long expires_at;
	int ret, rc;

	body_allow_only(req, resp, fields);
	for (size_t i = 0; i < 3 && !identifier; i++)
		identifier = body_string(req, resp, fields[i], false, 1, 254, NULL);
	const char *password =
		body_string(req, resp, "password", true, 1, PASSWORD_MAX_CHARS, NULL);
	/* Present but null, or of the wrong type, is as good as missing: never a NULL identifier.
	 */
	if (!identifier && !resp->invalid_params)
		resp_invalid_param(resp, "user_name", "missing",
				   "Give email, user_name or auth_data.");
	if ((ret = resp_validation_result(resp)))
		return ret;
	if (!identifier) /* recorded as missing above; this keeps the analyser sure of it */
		return resp_error(resp, ERR_VALIDATION, "give email, user_name or auth_data");
	if ((rc = find_account(identifier, &row, &found))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	/* Counted before hashing, so that concurrent guesses cannot pass the limit. */
	if ((ret = users_login_attempt(req, resp, row.user_id, identifier)))
		goto out;
	/* Unknown accounts spend the same scrypt time (password_verify with NULL). */
	rc = password_verify(found ? row.hash.buf : NULL, password);
	if (rc != 1 || !strcmp(row.status.buf, "deleted")) {
		ret = resp_error(resp, ERR_INVALID_CREDENTIALS, "wrong identifier or password");
		goto out;
	}
	if ((ret = users_login_succeeded(req, resp, row.user_id, identifier)))
		goto out;
	if (!strcmp(row.status.buf, "pending")) {
		ret = resp_error(resp, ERR_ACCOUNT_NOT_ACTIVATED, NULL);
		goto out;
	}
	if (password_needs_rehash(row.hash.buf))
		rehash(&row, password);
	if ((rc = auth_session_create(row.user_id, &session, &expires_at))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	struct json_object *o = resp_data(resp);
	json_object_object_add(o, "user_id", wire_int(req->api_version, row.user_id));
	json_object_object_add(
		o, "user_name",
		json_object_new_string_len(row.user_name.buf, (int)row.user_name.len));
	json_object_object_add(o, "session_id",
			       json_object_new_string_len(session.buf, (int)session.len));
	if (req->api_version != WIRE_V0) /* the original's sessions never expired */
		time_json_add(o, "expires_at", NULL, (time_t)expires_at);
	ret = 200;
out:
	strbuf_release(&row.user_name);
	strbuf_release(&row.hash);
	strbuf_release(&row.status);
	strbuf_release(&session);
	return ret;
}

static int revoke_current(const struct http_request *req, struct http_response *resp,
			  const struct auth *a)
{
	static const char sql[] = "UPDATE tokens SET revoked_at = NOW() WHERE token_id = ?";
	int rc = db_exec(sql, DB_ARGS(DB_INT(a->token_id)));
	if (rc)
		return resp_db_error(resp, rc);
	json_object_object_add(resp_data(resp), "logged_out", wire_true(req->api_version));
	return 200;
}

int sessions_logout_named(struct http_request *req, struct http_response *resp)
{
	struct auth a;
	int ret;
	if ((ret = auth_require(req, resp, AUTH_SESSION, &a)))
		return ret;
	if (strcasecmp(req->params[0].str, a.user_name))
		return resp_error(resp, ERR_FORBIDDEN, "you can only log yourself out");
	return revoke_current(req, resp, &a);
}

int sessions_logout(struct http_request *req, struct http_response *resp)
{
	struct auth a;
	int ret;
	if ((ret = auth_require(req, resp, AUTH_SESSION, &a)))
		return ret;
	return revoke_current(req, resp, &a);
}

/* The JSON of one personal access token row: id, name, scope, created, last used, expiry. */
static void token_json(struct json_object *o, const struct db_stmt *st)
{
	json_object_object_add(o, "token_id", json_object_new_int64(db_int(st, 0)));
	json_object_object_add(o, "name", json_object_new_string(db_str(st, 1, NULL)));
	json_object_object_add(o, "scope", json_object_new_string(db_str(st, 2, NULL)));
	time_json_add(o, "created_at", NULL, (time_t)db_int(st, 3));
	time_json_add(o, "last_used_at", NULL, (time_t)db_int(st, 4));
	if (db_is_null(st, 5))
		json_object_object_add(o, "expires_at", NULL);
	else
		time_json_add(o, "expires_at", NULL, (time_t)db_int(st, 5));
}

#define TOKEN_COLUMNS                                                                              \
	"token_id, name, scope, UNIX_TIMESTAMP(created_at), UNIX_TIMESTAMP(last_used_at), "        \
	"UNIX_TIMESTAMP(expires_at)"

int sessions_token_create(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "name", "scope", "expires_in_days", NULL };
	static const char insert[] =
		"INSERT INTO tokens (user_id, token_hash, kind, scope, name, expires_at) VALUES "
		"(?, ?, 'personal', ?, ?, IF(? = 0, NULL, NOW() + INTERVAL ? DAY))";
	static const char select[] = "SELECT " TOKEN_COLUMNS " FROM tokens WHERE token_id = ?";
	struct strbuf token = STRBUF_INIT;
	uint8_t hash[SHA256_LEN];
	struct db_stmt *st;
	struct auth a;
	long long days = 0;
	size_t name_len;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_SESSION, &a)))
		return ret;
	body_allow_only(req, resp, fields);
	const char *name = body_string(req, resp, "name", true, 1, TOKEN_NAME_MAX, &name_len);
	const char *scope = body_string(req, resp, "scope", false, 1, 16, NULL);
	if (scope && strcmp(scope, "read") && strcmp(scope, "write"))
		resp_invalid_param(resp, "scope", "invalid_value", "scope is read or write.");
	body_int(req, resp, "expires_in_days", false, 1, TOKEN_DAYS_MAX, &days);
	if ((ret = resp_validation_result(resp)))
		return ret;
	if (token_new_hashed(&token, hash) < 0) {
		ret = resp_error(resp, ERR_INTERNAL, "no randomness");
		goto out;
	}
	if ((rc = db_exec(insert,
			  DB_ARGS(DB_INT(a.user_id), DB_STRN((const char *)hash, sizeof(hash)),
				  DB_STR(scope ? scope : "read"), DB_STRN(name, name_len),
				  DB_INT(days), DB_INT(days))))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	long long id = (long long)db_insert_id();
	if ((rc = db_run(&st, select, DB_ARGS(DB_INT(id))))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	if ((rc = db_next(st)) == 1)
		token_json(resp_data(resp), st);
	db_done(st);
	if (rc != 1) {
		ret = resp_db_error(resp, rc < 0 ? rc : DB_ERROR);
		goto out;
	}
	json_object_object_add(resp_data(resp), "token",
			       json_object_new_string_len(token.buf, (int)token.len));
	resp_header(resp, "Location", "%s/users/tokens/%lld", conf.http_base_path, id);
	ret = 201;
out:
	strbuf_release(&token);
	return ret;
}

int sessions_token_list(struct http_request *req, struct http_response *resp)
{
	static const char sql[] = "SELECT " TOKEN_COLUMNS " FROM tokens WHERE user_id = ? AND "
				  "kind = 'personal' AND revoked_at IS NULL ORDER BY token_id";
	struct db_stmt *st;
	struct auth a;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_SESSION, &a)))
		return ret;
	if ((rc = db_run(&st, sql, DB_ARGS(DB_INT(a.user_id)))))
		return resp_db_error(resp, rc);
	struct json_object *list = json_object_new_array();
	while ((rc = db_next(st)) == 1) {
		struct json_object *o = json_object_new_object();
		token_json(o, st);
		json_object_array_add(list, o);
	}
	db_done(st);
	if (rc < 0) {
		json_object_put(list);
		return resp_db_error(resp, rc);
	}
	json_object_object_add(resp_data(resp), "tokens", list);
	return 200;
}

int sessions_token_revoke(struct http_request *req, struct http_response *resp)
{
	static const char sql[] = "UPDATE tokens SET revoked_at = NOW() WHERE token_id = ? AND "
				  "user_id = ? AND kind = 'personal' AND revoked_at IS NULL";
	struct auth a;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_SESSION, &a)))
		return ret;
	if ((rc = db_exec(sql, DB_ARGS(DB_INT(req->params[0].num), DB_INT(a.user_id)))))
		return resp_db_error(resp, rc);
	if (!db_affected_rows())
		return resp_error(resp, ERR_NOT_FOUND, "no such token");
	json_object_object_add(resp_data(resp), "revoked", json_object_new_boolean(1));
	return 200;
}
