/* users.c: accounts: sign-up, activation, profile, update, deletion, forgotten and changed
 * passwords. */
#include "users.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "body.h"
#include "conf.h"
#include "db.h"
#include "mail.h"
#include "password.h"
#include "ratelimit.h"
#include "render.h"
#include "throttle.h"
#include "timefmt.h"
#include "token.h"
#include "wire.h"

#include "banned.h"

#define DESC_MAX_CHARS 2000

/* ---- brute-force and abuse limits ---- */

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

static int too_many(struct http_response *resp, long long retry_after)
{
	resp_header(resp, "Retry-After", "%lld", retry_after > 0 ? retry_after : 1);
	return resp_error(resp, ERR_RATE_LIMITED, "too many attempts; retry in %lld s",
			  retry_after);
}

/* Count one request against a per-address limit of limit per window; 0 or an error status. */
static int limit_address(struct http_request *req, struct http_response *resp, const char *what,
			 long long limit, long long window)
{
	struct strbuf b = STRBUF_INIT;
	bool over = false;
	long long retry = 0;
	strbuf_addstr(&b, what);
	add_client(&b, req);
	struct throttle t = { b.buf, b.len, window, limit };
	int rc = throttle_hit(&t, &over, &retry);
	strbuf_release(&b);
	if (rc)
		return resp_db_error(resp, rc);
	return over ? too_many(resp, retry) : 0;
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

int users_login_attempt(struct http_request *req, struct http_response *resp, long long user_id,
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

int users_login_succeeded(struct http_request *req, struct http_response *resp, long long user_id,
			  const char *identifier)
{
	struct login_counters c;
	login_counters_init(&c, req, user_id, identifier);
	int rc = login_counters_unhit(&c, LOGIN_COUNTERS);
	login_counters_release(&c);
	return rc ? resp_db_error(resp, rc) : 0;
}

/* ---- mail tokens (activation, reset) ---- */

/* Create a single-use token for purpose, valid for seconds; its text is appended to token. */
static int mail_token_create(long long user_id, const char *purpose, long long seconds,
			     struct strbuf *token)
{
	static const char sql[] =
		"INSERT INTO mail_tokens (token_hash, user_id, purpose, expires_at) "
		"VALUES (?, ?, ?, NOW() + INTERVAL ? SECOND)";
	uint8_t hash[SHA256_LEN];
	if (token_new_hashed(token, hash) < 0)
		return DB_ERROR;
	return db_exec(sql, DB_ARGS(DB_STRN((const char *)hash, sizeof(hash)), DB_INT(user_id),
				    DB_STR(purpose), DB_INT(seconds)));
}

/* The unused, unexpired token of a purpose; never one of the system account (API.md §2). */
#define MAIL_TOKEN_FIND                                                                            \
	"SELECT m.user_id FROM mail_tokens m JOIN users u ON u.user_id = m.user_id "               \
	"WHERE m.token_hash = ? AND m.purpose = ? AND m.used_at IS NULL AND "                      \
	"m.expires_at > NOW() AND u.user_name <> '" USERS_SYSTEM_NAME "'"

/*
 * The user of the usable token of purpose, 0 in *user_id when there is none; with lock, the
 * token's row stays locked until the transaction ends. 0 or a db rc.
 */
static int mail_token_find(const char *token, size_t len, const char *purpose, bool lock,
			   long long *user_id)
{
	static const char find[] = MAIL_TOKEN_FIND;
	static const char find_locked[] = MAIL_TOKEN_FIND " FOR UPDATE";
	uint8_t hash[SHA256_LEN];
	struct db_stmt *st;
	*user_id = 0;
	if (!token_well_formed(token, len))
		return 0;
	token_hash(token, len, hash);
	int rc = db_run(&st, lock ? find_locked : find,
			DB_ARGS(DB_STRN((const char *)hash, sizeof(hash)), DB_STR(purpose)));
	if (rc)
		return rc;
	rc = db_next(st);
	if (rc == 1)
		*user_id = db_int(st, 0);
	db_done(st);
	return rc < 0 ? rc : 0;
}

/*
 * Inside a transaction: mark the usable token of purpose used and give its user. *user_id is 0
 * when there is no such token. 0 or a db rc.
 */
static int mail_token_consume(const char *token, size_t len, const char *purpose,
			      long long *user_id)
{
	static const char use[] = "UPDATE mail_tokens SET used_at = NOW() WHERE token_hash = ?";
	uint8_t hash[SHA256_LEN];
	int rc = mail_token_find(token, len, purpose, true, user_id);
	if (rc || !*user_id)
		return rc;
	token_hash(token, len, hash);
	return db_exec(use, DB_ARGS(DB_STRN((const char *)hash, sizeof(hash))));
}

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

/* The account a token mail goes to. */
struct recipient {
	long long user_id; /* 0: no such account */
	struct strbuf name, email;
};
#define RECIPIENT_INIT                                                                             \
	{                                                                                          \
		0, STRBUF_INIT, STRBUF_INIT                                                        \
	}

/* Run sql (selecting user_id, user_name, email) and keep the first row in r. 0 or a db rc. */
static int find_recipient(const char *sql, const struct db_arg *args, size_t nargs,
			  struct recipient *r)
{
	struct db_stmt *st;
	int rc = db_run(&st, sql, args, nargs);
	if (rc)
		return rc;
	if ((rc = db_next(st)) == 1) {
		r->user_id = db_int(st, 0);
		strbuf_addstr(&r->name, db_str(st, 1, NULL));
		strbuf_addstr(&r->email, db_str(st, 2, NULL));
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

static void recipient_release(struct recipient *r)
{
	strbuf_release(&r->name);
	strbuf_release(&r->email);
}

/* ---- equal time for known and unknown accounts ---- */

/*
 * The forgotten-password and resend routes make a token and a mail for a known account only,
 * yet must answer an unknown one in the same time (API.md §4.7). Both wait until the work of a
 * known account would be done: twice the slowest of its last runs (the machine's load may rise
 * meanwhile). A known account waits for the rest of that, an unknown one all of it, so the answers
 * of both kinds come at that same moment. Per process, so a fresh process has little to go on for
 * its first few requests.
 */
#define WORK_SAMPLES 32
struct work_clock {
	long long us[WORK_SAMPLES];
	unsigned next;
};

static long long monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long work_clock_target(const struct work_clock *c)
{
	long long max = 0;
	for (unsigned i = 0; i < WORK_SAMPLES; i++)
		if (c->us[i] > max)
			max = c->us[i];
	return 2 * max;
}

/* Wait until the known-account time has passed since start; learn from did_work runs. */
static void work_clock_wait(struct work_clock *c, long long start, bool did_work)
{
	long long until = start + work_clock_target(c);
	if (did_work) {
		c->us[c->next] = monotonic_us() - start;
		c->next = (c->next + 1) % WORK_SAMPLES;
	}
	struct timespec ts = { (time_t)(until / 1000000), (long)(until % 1000000) * 1000 };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* ---- sign-up and activation ---- */

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

static const char *valid_email(const struct http_request *req, struct http_response *resp,
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

int users_signup(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "user_name", "email", "password", NULL };
	static const char insert[] = "INSERT INTO users (user_name, email, password_hash, "
				     "user_status) VALUES (?, ?, ?, ?)";
	struct strbuf hash = STRBUF_INIT, token = STRBUF_INIT, generated = STRBUF_INIT;
	const char *name, *email, *password;
	long long user_id;
	int ret, rc;

	if (!conf.signup_enabled)
		return resp_error(resp, ERR_SIGNUPS_CLOSED, NULL);
	body_allow_only(req, resp, fields);
	name = valid_user_name(req, resp);
	email = valid_email(req, resp, true);
	password = body_string(req, resp, "password", false, PASSWORD_MIN_CHARS, PASSWORD_MAX_CHARS,
			       NULL);
	if ((ret = resp_validation_result(resp)))
		return ret;
	if ((ret = limit_address(req, resp, "signup:ip:", conf.signup_per_ip_per_hour, 3600)))
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
	if ((rc = db_begin()) || (rc = db_exec(insert, DB_ARGS(DB_STR(name), DB_STR(email),
							       DB_STR(hash.buf), DB_STR(status)))))
		goto db_fail;
	user_id = (long long)db_insert_id();
	if (!conf.signup_auto_activate &&
	    (rc = mail_token_create(user_id, "activate", conf.auth_activation_hours * 3600,
				    &token)))
		goto db_fail;
	if ((rc = db_commit()))
		goto db_fail;

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
	db_rollback();
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

static int activate(const struct http_request *req, struct http_response *resp, const char *token)
{
	static const char sql[] = "UPDATE users SET user_status = 'active' WHERE user_id = ? AND "
				  "user_status = 'pending'";
	long long user_id;
	int rc;
	if ((rc = db_begin()) ||
	    (rc = mail_token_consume(token, strlen(token), "activate", &user_id)))
		goto fail;
	if (!user_id) {
		db_rollback();
		return resp_error(resp, ERR_INVALID_TOKEN,
				  "unknown, used or expired activation token");
	}
	if ((rc = db_exec(sql, DB_ARGS(DB_INT(user_id)))) || (rc = db_commit()))
		goto fail;
	json_object_object_add(resp_data(resp), "activate_account", wire_true(req->api_version));
	return 200;
fail:
	db_rollback();
	return resp_db_error(resp, rc);
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
	struct recipient r = RECIPIENT_INIT;
	int ret, rc;

	body_allow_only(req, resp, fields);
	const char *given = valid_email(req, resp, true);
	if ((ret = resp_validation_result(resp)))
		return ret;
	if ((ret = limit_address(req, resp, "resend:ip:", conf.auth_resets_per_hour, 3600)))
		return ret;
	if ((rc = find_recipient(sql, DB_ARGS(DB_STR(given)), &r))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	/* The same answer, in the same time, whether or not a pending account has that address. */
	long long start = monotonic_us();
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
	recipient_release(&r);
	return ret;
}

/* ---- profile ---- */

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

/* ---- profile updates and e-mail changes ---- */

static int check_current_password(struct http_request *req, struct http_response *resp,
				  const struct auth *a, const char *password);

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
	struct db_stmt *st;
	int rc = db_run(&st, sql, DB_ARGS(DB_STR(email)));
	*user_id = 0;
	if (rc)
		return rc;
	if ((rc = db_next(st)) == 1)
		*user_id = db_int(st, 0);
	db_done(st);
	return rc < 0 ? rc : 0;
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
static int send_email_confirm(const struct recipient *r, const char *new_email, const char *token)
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
static int send_email_changed(const struct recipient *r, const char *new_email)
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

/* Roll back a failed e-mail change: 409 when the address was taken meanwhile, else the db error. */
static int email_db_fail(struct http_response *resp, int rc)
{
	db_rollback();
	if (rc == DB_DUPLICATE)
		return resp_error(resp, ERR_EMAIL_TAKEN, "that e-mail address is registered");
	return resp_db_error(resp, rc);
}

int users_update(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "email", "desc_markup", "password", NULL };
	static const char me_sql[] =
		"SELECT user_id, user_name, email FROM users WHERE user_id = ?";
	static const char desc_sql[] = "UPDATE users SET desc_markup = ?, desc_format = ? "
				       "WHERE user_id = ?";
	struct strbuf html = STRBUF_INIT, users_url = STRBUF_INIT, token = STRBUF_INIT;
	struct recipient me = RECIPIENT_INIT;
	struct auth a;
	size_t desc_len = 0;
	long long owner = 0;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_WRITE, &a)))
		return ret;
	body_allow_only(req, resp, fields);
	const char *email = valid_email(req, resp, false);
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
	if (pw && (ret = check_current_password(req, resp, &a, pw)))
		return ret;
	if (email) {
		if ((rc = find_recipient(me_sql, DB_ARGS(DB_INT(a.user_id)), &me)) ||
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
	if ((rc = db_begin()))
		goto db_fail;
	if (desc) {
		strbuf_addf(&users_url, "%s/users", conf.http_base_path);
		render_text(&html, desc, desc_len, users_url.buf);
		if ((rc = db_exec(desc_sql,
				  DB_ARGS(DB_STRN(desc, desc_len), DB_STRN(html.buf, html.len),
					  DB_INT(a.user_id)))))
			goto db_fail;
	}
	if (email && (rc = pw ? email_set(a.user_id, email)
			      : email_change_request(a.user_id, email, &token)))
		goto db_fail;
	/* Before the commit: a change nobody was told of must not happen. */
	if (email &&
	    (pw ? send_email_changed(&me, email) : send_email_confirm(&me, email, token.buf)) < 0) {
		db_rollback();
		ret = resp_error(resp, ERR_MAIL_UNAVAILABLE, "the e-mail change mail was not sent");
		goto out;
	}
	if ((rc = db_commit()))
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
	recipient_release(&me);
	return ret;
}

/* Follow an e-mail change link: the address becomes the one its mail announced. */
static int email_confirm(struct http_response *resp, const char *token, size_t len)
{
	static const char find[] = "SELECT m.new_email FROM mail_tokens m JOIN users u ON "
				   "u.user_id = m.user_id AND u.user_status = 'active' "
				   "WHERE m.token_hash = ?";
	struct strbuf email = STRBUF_INIT;
	uint8_t hash[SHA256_LEN];
	struct db_stmt *st;
	long long user_id;
	int ret, rc;

	if ((rc = db_begin()) || (rc = mail_token_consume(token, len, "email", &user_id)))
		goto db_fail;
	if (user_id) {
		token_hash(token, len, hash);
		if ((rc = db_run(&st, find, DB_ARGS(DB_STRN((const char *)hash, sizeof(hash))))))
			goto db_fail;
		if ((rc = db_next(st)) == 1)
			strbuf_addstr(&email, db_str(st, 0, NULL));
		db_done(st);
		if (rc < 0)
			goto db_fail;
	}
	if (!email.len) {
		db_rollback();
		ret = resp_error(resp, ERR_INVALID_TOKEN,
				 "unknown, used or expired e-mail confirmation token");
		goto out;
	}
	/* Taken since the request: the link stays unused, to work once the address is free. */
	if ((rc = email_set(user_id, email.buf)) || (rc = db_commit()))
		goto db_fail;
	json_object_object_add(resp_data(resp), "email_changed", json_object_new_boolean(1));
	ret = 200;
	goto out;
db_fail:
	ret = email_db_fail(resp, rc);
out:
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

/* ---- passwords ---- */

/*
 * Check the caller's current password (field) against the database, counting failures like
 * failed logins. 0 when it matches, else an error status (403 invalid_credentials, 429, 5xx).
 */
static int check_current_password(struct http_request *req, struct http_response *resp,
				  const struct auth *a, const char *password)
{
	static const char sql[] = "SELECT password_hash FROM users WHERE user_id = ?";
	struct strbuf hash = STRBUF_INIT;
	struct db_stmt *st;
	int ret, rc;
	if ((ret = users_login_attempt(req, resp, a->user_id, a->user_name)))
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
		return users_login_succeeded(req, resp, a->user_id, a->user_name);
	return resp_error(resp, ERR_WRONG_PASSWORD, "the current password is not correct");
}

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
	struct strbuf token = STRBUF_INIT, body = STRBUF_INIT, bucket = STRBUF_INIT;
	struct recipient r = RECIPIENT_INIT;
	int ret, rc;

	body_allow_only(req, resp, fields);
	const char *n = body_string(req, resp, "user_name", false, 1, USER_NAME_MAX, NULL);
	const char *e = body_string(req, resp, "email", false, 1, EMAIL_MAX, NULL);
	if (!n && !e && !resp->invalid_params)
		resp_invalid_param(resp, "user_name", "missing", "Give user_name and/or email.");
	if ((ret = resp_validation_result(resp)))
		return ret;
	if ((ret = limit_address(req, resp, "reset:ip:", conf.auth_resets_per_hour, 3600)))
		return ret;
	struct db_arg nn = n ? DB_STR(n) : DB_NULL, ee = e ? DB_STR(e) : DB_NULL;
	if ((rc = find_recipient(sql, DB_ARGS(nn, nn, ee, ee), &r))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	/* Per account, however it is spelt: one account is one counter (API.md §2). */
	strbuf_addstr(&bucket, "reset:");
	add_account(&bucket, r.user_id, n ? n : e);
	struct throttle t = { bucket.buf, bucket.len, 3600, conf.auth_resets_per_hour };
	bool over = false;
	long long retry = 0;
	if ((rc = throttle_hit(&t, &over, &retry))) {
		ret = resp_db_error(resp, rc);
		goto out;
	}
	if (over) {
		ret = too_many(resp, retry);
		goto out;
	}
	long long start = monotonic_us();
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
	strbuf_release(&bucket);
	recipient_release(&r);
	return ret;
}

static const char set_password_sql[] =
	"UPDATE users SET password_hash = ? WHERE user_id = ? AND user_status = 'active'";

static int password_reset(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "reset_token", "new_password", "verify_password",
					      NULL };
	static const char who[] = "SELECT user_name FROM users WHERE user_id = ?";
	struct strbuf hash = STRBUF_INIT;
	struct db_stmt *st;
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
	if ((rc = db_begin()) || (rc = mail_token_consume(token, token_len, "reset", &user_id)))
		goto db_fail;
	if (!user_id) { /* used by a request that came at the same time */
		db_rollback();
		ret = resp_error(resp, ERR_INVALID_TOKEN, "unknown, used or expired reset token");
		goto out;
	}
	/* A reset means the account may have been taken: its personal access tokens go too. */
	if ((rc = db_exec(set_password_sql, DB_ARGS(DB_STR(hash.buf), DB_INT(user_id)))) ||
	    (rc = auth_revoke_user(user_id, true)) ||
	    (rc = db_run(&st, who, DB_ARGS(DB_INT(user_id)))))
		goto db_fail;
	struct json_object *o = resp_data(resp);
	if ((rc = db_next(st)) == 1)
		json_object_object_add(o, "user_name", json_object_new_string(db_str(st, 0, NULL)));
	db_done(st);
	if (rc < 0 || (rc = db_commit()))
		goto db_fail;
	json_object_object_add(o, "user_id", wire_int(req->api_version, user_id));
	json_object_object_add(o, "password_changed", wire_true(req->api_version));
	resp->omit_description = req->api_version == WIRE_V0; /* as the original's change */
	ret = 200;
	goto out;
db_fail:
	db_rollback();
	ret = resp_db_error(resp, rc);
out:
	strbuf_release(&hash);
	return ret;
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
	    (ret = check_current_password(req, resp, &a, old)))
		return ret;
	if (password_hash(&hash, pw) < 0) {
		ret = resp_error(resp, ERR_INTERNAL, "password hashing failed");
		goto out;
	}
	if ((rc = db_begin()) ||
	    (rc = db_exec(set_password_sql, DB_ARGS(DB_STR(hash.buf), DB_INT(a.user_id)))) ||
	    (rc = auth_revoke_user(a.user_id, false)) ||
	    (rc = auth_session_create(a.user_id, &session, &expires_at)) || (rc = db_commit())) {
		db_rollback();
		ret = resp_db_error(resp, rc);
		goto out;
	}
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

/* ---- deletion ---- */

int users_delete(struct http_request *req, struct http_response *resp)
{
	static const char *const fields[] = { "password", NULL };
	static const char sql[] = "UPDATE users SET user_status = 'deleted' WHERE user_id = ?";
	struct auth a;
	int ret, rc;

	if ((ret = auth_require(req, resp, AUTH_WRITE, &a)))
		return ret;
	body_allow_only(req, resp, fields);
	const char *pw = body_string(req, resp, "password", true, 1, PASSWORD_MAX_CHARS, NULL);
	if ((ret = resp_validation_result(resp)) ||
	    (ret = check_current_password(req, resp, &a, pw)))
		return ret;
	if ((rc = db_begin()) || (rc = db_exec(sql, DB_ARGS(DB_INT(a.user_id)))) ||
	    (rc = auth_revoke_user(a.user_id, true)) || (rc = db_commit())) {
		db_rollback();
		return resp_db_error(resp, rc);
	}
	json_object_object_add(resp_data(resp), "deleted", wire_true(req->api_version));
	return 200;
}
