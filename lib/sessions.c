/* sessions.c: login, logout, personal access tokens (API.md §4.3, §4.4, §4.8), and the counters
 * that hold back password guessing and mail flooding (§9). */
#include "sessions.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "body.h"
#include "conf.h"
#include "db.h"
#include "password.h"
#include "throttle.h"
#include "timefmt.h"
#include "token.h"
#include "wire.h"

#include "banned.h"

#define TOKEN_NAME_MAX 64
#define TOKEN_DAYS_MAX 3650

/* ---- brute-force and abuse limits (API.md §9) ---- */

/* No bucket name is longer than the column (VARBINARY(300) in sql/001_users.sql). */
#define BUCKET_MAX 300

/* "prefix" + lower-cased key, the name of a throttle bucket. */
static void bucket_name(struct strbuf *sb, const char *prefix, const char *key)
{
	strbuf_addstr(sb, prefix);
	for (; *key && sb->len < 280; key++)
		strbuf_addch(sb, tolower((unsigned char)*key));
}

/*
 * The client's address as the counters know it: an IPv6 client stands for its /64 (a subscriber
 * gets a whole /64 and may take any address in it), an IPv4-mapped one for its IPv4 address.
 */
static void add_client(struct strbuf *sb, const struct http_request *req)
{
	const char *addr = auth_client_addr(req);
	struct in6_addr a6;
	char text[INET6_ADDRSTRLEN];
	if (!strchr(addr, ':') || inet_pton(AF_INET6, addr, &a6) != 1) {
		bucket_name(sb, "", addr);
		return;
	}
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		inet_ntop(AF_INET, a6.s6_addr + 12, text, sizeof(text));
		strbuf_addstr(sb, text);
		return;
	}
	memset(a6.s6_addr + 8, 0, 8);
	inet_ntop(AF_INET6, &a6, text, sizeof(text));
	strbuf_addf(sb, "%s/64", text);
}

/*
 * The account as the counters know it: "user:ID" once it is found, else "acct:" and the
 * identifier as the database compares it (trimmed, case-folded), so that no spelling of one name
 * is a fresh counter (API.md §2).
 */
static void add_account(struct strbuf *sb, long long user_id, const char *identifier)
{
	if (user_id) {
		strbuf_addf(sb, "user:%lld", user_id);
		return;
	}
	const char *end = identifier + strlen(identifier);
	while (isspace((unsigned char)*identifier))
		identifier++;
	while (end > identifier && isspace((unsigned char)end[-1]))
		end--;
	strbuf_addstr(sb, "acct:");
	for (; identifier < end && sb->len < BUCKET_MAX; identifier++)
		strbuf_addch(sb, tolower((unsigned char)*identifier));
}

/* 429 when a counter's window ends in retry_after seconds (never 0: the window is still on). */
static int too_many(struct http_response *resp, long long retry_after)
{
	resp->rl.retry_after = retry_after > 0 ? retry_after : 1;
	return resp_rate_limited(resp);
}

/* Count one hit of the counter named b. 0, or 429, or a 5xx. */
static int count_hit(struct http_response *resp, const struct strbuf *b, long long limit,
		     long long window)
{
	struct throttle t = { b->buf, b->len, window, limit };
	bool over = false;
	long long retry = 0;
	int rc = throttle_hit(&t, &over, &retry);
	if (rc)
		return resp_db_error(resp, rc);
	return over ? too_many(resp, retry) : 0;
}

int sessions_limit_address(struct http_request *req, struct http_response *resp, const char *what,
			   long long limit, long long window)
{
	struct strbuf b = STRBUF_INIT;
	strbuf_addstr(&b, what);
	add_client(&b, req);
	int ret = count_hit(resp, &b, limit, window);
	strbuf_release(&b);
	return ret;
}

int sessions_limit_account(struct http_response *resp, const char *what, long long user_id,
			   const char *identifier, long long limit, long long window)
{
	struct strbuf b = STRBUF_INIT;
	strbuf_addstr(&b, what);
	add_account(&b, user_id, identifier);
	int ret = count_hit(resp, &b, limit, window);
	strbuf_release(&b);
	return ret;
}

/*
 * The counters of one password attempt, in the order they are hit: the client address, the
 * account from that address, and the account from anywhere (a higher ceiling, so that strangers
 * elsewhere cannot lock the owner out: API.md §9).
 */
#define LOGIN_COUNTERS 3
struct login_counters {
	struct strbuf name[LOGIN_COUNTERS];
	struct throttle t[LOGIN_COUNTERS];
};

static void login_counters_init(struct login_counters *c, const struct http_request *req,
				long long user_id, const char *identifier)
{
	static const char *const prefix[] = { "login:ip:", "login:pair:", "login:" };
	const long long limit[] = { conf.auth_login_failures_per_ip,
				    conf.auth_login_failures_per_account,
				    conf.auth_login_failures_per_account_all };
	struct strbuf addr = STRBUF_INIT, acct = STRBUF_INIT;
	add_client(&addr, req);
	add_account(&acct, user_id, identifier);
	for (int i = 0; i < LOGIN_COUNTERS; i++) {
		struct strbuf *n = &c->name[i];
		strbuf_init(n, 0);
		strbuf_addstr(n, prefix[i]);
		if (i < 2)
			strbuf_add(n, addr.buf, addr.len);
		if (i == 1)
			strbuf_addch(n, ':');
		if (i > 0)
			strbuf_add(n, acct.buf, acct.len);
		if (n->len > BUCKET_MAX)
			strbuf_setlen(n, BUCKET_MAX);
		c->t[i] = (struct throttle){ n->buf, n->len, conf.auth_login_window_seconds,
					     limit[i] };
	}
	strbuf_release(&addr);
	strbuf_release(&acct);
}

static void login_counters_release(struct login_counters *c)
{
	for (int i = 0; i < LOGIN_COUNTERS; i++)
		strbuf_release(&c->name[i]);
}

/* Take back the hits of the first n counters. 0 or a db rc. */
static int login_counters_unhit(const struct login_counters *c, int n)
{
	int rc = 0;
	for (int i = 0; i < n && !rc; i++)
		rc = throttle_unhit(&c->t[i]);
	return rc;
}

/*
 * Count a password attempt before any hashing against the client address, the account from that
 * address and the account from anywhere: 429 (with Retry-After) when one of them is over its
 * limit, so that concurrent guesses cannot pass it; else 0. The account is user_id once found,
 * else the identifier asked for.
 */
static int login_attempt(struct http_request *req, struct http_response *resp, long long user_id,
			 const char *identifier)
{
	struct login_counters c;
	int ret = 0;
	login_counters_init(&c, req, user_id, identifier);
	for (int i = 0; i < LOGIN_COUNTERS && !ret; i++) {
		bool over = false;
		long long retry = 0;
		int rc = throttle_hit(&c.t[i], &over, &retry);
		if (rc) {
			ret = resp_db_error(resp, rc);
		} else if (over) {
			/*
			 * A refused attempt counts only where it was refused: a stranger's
			 * refused guesses must not fill the owner's ceiling across addresses.
			 */
			if ((rc = login_counters_unhit(&c, i)))
				ret = resp_db_error(resp, rc);
			else
				ret = too_many(resp, retry);
		}
	}
	login_counters_release(&c);
	return ret;
}

/* The password was right: take the attempt back. 0 or a 5xx. */
static int login_succeeded(struct http_request *req, struct http_response *resp, long long user_id,
			   const char *identifier)
{
	struct login_counters c;
	login_counters_init(&c, req, user_id, identifier);
	int rc = login_counters_unhit(&c, LOGIN_COUNTERS);
	login_counters_release(&c);
	return rc ? resp_db_error(resp, rc) : 0;
}

int sessions_check_password(struct http_request *req, struct http_response *resp,
			    const struct auth *a, const char *password)
{
	static const char sql[] = "SELECT password_hash FROM users WHERE user_id = ?";
	struct strbuf hash = STRBUF_INIT;
	struct db_stmt *st;
	int ret, rc;
	if ((ret = login_attempt(req, resp, a->user_id, a->user_name)))
		return ret;
	if ((rc = db_run(&st, sql, DB_ARGS(DB_INT(a->user_id)))))
		return resp_db_error(resp, rc);
	if ((rc = db_next(st)) == 1)
		strbuf_addstr(&hash, db_str(st, 0, NULL));
	db_done(st);
	if (rc != 1) {
		strbuf_release(&hash);
		return resp_db_error(resp, rc < 0 ? rc : DB_ERROR);
	}
	rc = password_verify(hash.buf, password);
	strbuf_release(&hash);
	if (rc == 1)
		return login_succeeded(req, resp, a->user_id, a->user_name);
	return resp_error(resp, ERR_WRONG_PASSWORD, "the current password is not correct");
}

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
	if ((ret = login_attempt(req, resp, row.user_id, identifier)))
		goto out;
	/* Unknown accounts spend the same scrypt time (password_verify with NULL). */
	rc = password_verify(found ? row.hash.buf : NULL, password);
	if (rc != 1 || !strcmp(row.status.buf, "deleted")) {
		ret = resp_error(resp, ERR_INVALID_CREDENTIALS, "wrong identifier or password");
		goto out;
	}
	if ((ret = login_succeeded(req, resp, row.user_id, identifier)))
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
