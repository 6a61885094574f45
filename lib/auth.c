/* auth.c: authenticating requests by token, and creating and revoking sessions. */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conf.h"
#include "db.h"
#include "ratelimit.h"
#include "resp.h"
#include "router.h"
#include "token.h"

#include "banned.h"

/* Refresh last_used_at at most this often: a write per request would cost throughput. */
#define TOUCH_AFTER_SECONDS 60

struct presented {
	const char *token; /* the token text seen so far, or NULL */
	size_t len;
	bool mismatch;
};

static void present(struct presented *p, const char *token, size_t len)
{
	if (!p->token) {
		p->token = token;
		p->len = len;
	} else if (!token_equal(p->token, p->len, token, len)) {
		p->mismatch = true;
	}
}

/* One credential field of the triple, from the query string or the form; both must agree. */
static int triple_field(struct http_request *req, struct http_response *resp, const char *name,
			const char **out)
{
	const struct http_param *q = http_param_get(&req->query, name);
	const struct http_param *f = http_param_get(&req->form, name);
	if (q && f && (q->len != f->len || memcmp(q->value, f->value, q->len)))
		return resp_error(resp, ERR_DUPLICATE_PARAMETER,
				  "%s differs between the query string and the form", name);
	*out = q ? q->value : (f ? f->value : NULL);
	return 0;
}

/*
 * The credential fields inside the JSON body, as the original's forms build them: user_name and
 * user_id (a number or decimal text) for auth_end to compare with the caller, session_id one more
 * presentation of the token. Any other type cannot be the caller's: invalid_session.
 */
static bool body_credentials(const struct http_request *req, struct auth_pending *ap,
			     struct presented *p)
{
	struct json_object *v;
	if (!req->body)
		return true;
	if (json_object_object_get_ex(req->body, "user_name", &v)) {
		if (!json_object_is_type(v, json_type_string))
			return false;
		ap->j_name = json_object_get_string(v);
	}
	if (json_object_object_get_ex(req->body, "user_id", &v)) {
		if (json_object_is_type(v, json_type_int))
			snprintf(ap->j_id, sizeof(ap->j_id), "%lld",
				 (long long)json_object_get_int64(v));
		else if (json_object_is_type(v, json_type_string) &&
			 json_object_get_string_len(v) < (int)sizeof(ap->j_id))
			snprintf(ap->j_id, sizeof(ap->j_id), "%s", json_object_get_string(v));
		else
			return false;
		if (!ap->j_id[0])
			return false;
	}
	if (json_object_object_get_ex(req->body, "session_id", &v)) {
		if (!json_object_is_type(v, json_type_string))
			return false;
		present(p, json_object_get_string(v), (size_t)json_object_get_string_len(v));
	}
	return true;
}

/* Whether a user_name and user_id presented (either may be NULL) name the caller. */
static bool names_caller(const struct auth *a, const char *name, const char *id)
{
	char own[24];
	snprintf(own, sizeof(own), "%lld", a->user_id);
	if (id && !token_equal(own, strlen(own), id, strlen(id)))
		return false;
	return !name || (strlen(name) == strlen(a->user_name) && !strcasecmp(name, a->user_name));
}

static int unauthorized(struct http_response *resp, enum err_code e, const char *why)
{
	if (e == ERR_INVALID_SESSION)
		resp_header(resp, "WWW-Authenticate",
			    "Bearer realm=\"kinglet\", error=\"invalid_token\"");
	else
		resp_header(resp, "WWW-Authenticate", "Bearer realm=\"kinglet\"");
	return resp_error(resp, e, "%s", why);
}

int auth_begin(struct http_request *req, struct http_response *resp, enum auth_need need,
	       struct auth_pending *ap)
{
	struct presented p = { NULL, 0, false };
	const char *header = http_env(req, "HTTP_AUTHORIZATION");
	const char *api_key = http_env(req, "HTTP_X_API_KEY");
	const char *t_session = NULL;
	int status;

	memset(ap, 0, sizeof(*ap));
	ap->need = need;
	if (!header || !*header)
		header = http_env(req, "REDIRECT_HTTP_AUTHORIZATION"); /* Apache rewrite rules */
	if ((status = triple_field(req, resp, "user_name", &ap->t_name)) ||
	    (status = triple_field(req, resp, "user_id", &ap->t_id)) ||
	    (status = triple_field(req, resp, "session_id", &t_session)))
		return status;

	if (header && *header) {
		if (strncasecmp(header, "Bearer ", 7))
			return unauthorized(resp, ERR_INVALID_SESSION,
					    "the Authorization header must be 'Bearer <token>'");
		const char *tok = header + 7;
		while (*tok == ' ')
			tok++;
		present(&p, tok, strlen(tok));
	}
	if (api_key && *api_key) {
		present(&p, api_key, strlen(api_key));
		ap->api_key = true;
	}
	if (ap->t_name || ap->t_id || t_session) {
		if (!ap->t_name || !ap->t_id || !t_session)
			return unauthorized(resp, ERR_INVALID_SESSION,
					    "user_name, user_id and session_id go together");
		present(&p, t_session, strlen(t_session));
	}
	if (!body_credentials(req, ap, &p))
		return unauthorized(resp, ERR_INVALID_SESSION,
				    "a credential field in the body has the wrong type");
	if (!p.token)
		return unauthorized(resp, ERR_NOT_AUTHENTICATED, "no credentials");
	if (p.mismatch)
		return unauthorized(resp, ERR_INVALID_SESSION,
				    "the credentials name different tokens");
	if (!token_well_formed(p.token, p.len))
		return unauthorized(resp, ERR_INVALID_SESSION, "malformed token");
	token_hash(p.token, p.len, ap->hash);
	return 0;
}

int auth_end(struct http_request *req, struct http_response *resp, const struct auth_pending *ap,
	     const struct db_stmt *st, unsigned first, struct auth *a)
{
	static const char sql[] = "SELECT " AUTH_COLUMNS " FROM " AUTH_FROM;
	static const char touch[] = "UPDATE tokens SET last_used_at = NOW() WHERE token_id = ?";
	struct db_stmt *own = NULL;
	long long idle;
	bool usable;
	int rc;

	memset(a, 0, sizeof(*a));
	if (!st) {
		if ((rc = db_run(&own, sql, DB_ARGS(AUTH_ARGS(ap)))))
			return resp_db_error(resp, rc);
		if ((rc = db_next(own)) != 1) {
			db_done(own);
			if (rc < 0)
				return resp_db_error(resp, rc);
			return unauthorized(resp, ERR_INVALID_SESSION,
					    "unknown, expired or revoked token");
		}
		st = own;
		first = 0;
	}
	a->token_id = db_int(st, first);
	a->user_id = db_int(st, first + 1);
	a->is_session = !strcmp(db_str(st, first + 2, NULL), "session");
	a->can_write = !strcmp(db_str(st, first + 3, NULL), "write");
	snprintf(a->user_name, sizeof(a->user_name), "%s", db_str(st, first + 4, NULL));
	idle = db_int(st, first + 5);
	usable = db_int(st, first + 6) &&
		 (!a->is_session || idle < (long long)conf.auth_session_idle_days * 86400);
	db_done(own);
	if (!usable)
		return unauthorized(resp, ERR_INVALID_SESSION, "unknown, expired or revoked token");
	if (idle >= TOUCH_AFTER_SECONDS && (rc = db_exec(touch, DB_ARGS(DB_INT(a->token_id)))))
		return resp_db_error(resp, rc);
	if (ap->api_key && a->is_session)
		return unauthorized(resp, ERR_INVALID_SESSION,
				    "X-Api-Key takes a personal access token, not a session");
	if (ap->t_name && !names_caller(a, ap->t_name, ap->t_id))
		return unauthorized(resp, ERR_INVALID_SESSION,
				    "user_name and user_id do not match the session");
	if (!names_caller(a, ap->j_name, ap->j_id[0] ? ap->j_id : NULL))
		return unauthorized(resp, ERR_INVALID_SESSION,
				    "user_name or user_id in the body is not the caller");
	req->user_id = a->user_id;
	if (conf.ratelimit_enabled) {
		char key[40];
		snprintf(key, sizeof(key), "user:%lld", a->user_id);
		ratelimit_take(req->route ? req->route->limit : RL_DEFAULT, key, &resp->rl);
		if (!resp->rl.allowed)
			return resp_rate_limited(resp);
	}
	if (ap->need == AUTH_WRITE && !a->can_write)
		return resp_error(resp, ERR_INSUFFICIENT_SCOPE, "this token has the read scope");
	if (ap->need == AUTH_SESSION && !a->is_session)
		return resp_error_user(resp, ERR_FORBIDDEN,
				       "Log in to manage tokens: a token cannot do this.",
				       "this route needs a session from login");
	return 0;
}

int auth_require(struct http_request *req, struct http_response *resp, enum auth_need need,
		 struct auth *a)
{
	struct auth_pending ap;
	int status;
	memset(a, 0, sizeof(*a));
	if ((status = auth_begin(req, resp, need, &ap)))
		return status;
	return auth_end(req, resp, &ap, NULL, 0, a);
}

const char *auth_client_addr(const struct http_request *req)
{
	static char client[64];
	const char *addr = http_env(req, "REMOTE_ADDR");
	const char *xff = http_env(req, "HTTP_X_FORWARDED_FOR");
	if (!addr || !*addr)
		return "unknown";
	if (!xff || !conf_list_has(conf.http_trusted_proxies, addr, strlen(addr)))
		return addr;
	/* The client is the nearest address that is not one of our proxies (right to left). */
	const char *end = xff + strlen(xff);
	while (end > xff) {
		const char *start = end;
		while (start > xff && start[-1] != ',')
			start--;
		const char *s = start, *e = end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > s && !conf_list_has(conf.http_trusted_proxies, s, (size_t)(e - s))) {
			snprintf(client, sizeof(client), "%.*s", (int)(e - s), s);
			return client;
		}
		end = start > xff ? start - 1 : xff;
	}
	return addr;
}

int auth_session_create(long long user_id, struct strbuf *token_out, long long *expires_at)
{
	/* The absolute lifetime is the row's expiry, checked with personal tokens' (AUTH_COLUMNS).
	 */
	static const char sql[] =
		"INSERT INTO tokens (user_id, token_hash, kind, scope, expires_at) VALUES "
		"(?, ?, 'session', 'write', NOW() + INTERVAL ? DAY)";
	uint8_t hash[SHA256_LEN];
	size_t start = token_out->len;
	if (token_new_hashed(token_out, hash) < 0)
		return DB_ERROR;
	int rc = db_exec(sql, DB_ARGS(DB_INT(user_id), DB_STRN((const char *)hash, sizeof(hash)),
				      DB_INT(conf.auth_session_max_days)));
	if (rc)
		strbuf_setlen(token_out, start);
	/* Unused, it ends when it has idled out, unless its lifetime ends first. */
	long long days = conf.auth_session_idle_days < conf.auth_session_max_days
				 ? conf.auth_session_idle_days
				 : conf.auth_session_max_days;
	*expires_at = (long long)time(NULL) + days * 86400;
	return rc;
}

int auth_revoke_user(long long user_id, bool all)
{
	static const char sessions[] =
		"UPDATE tokens SET revoked_at = NOW() "
		"WHERE user_id = ? AND kind = 'session' AND revoked_at IS NULL";
	static const char every[] = "UPDATE tokens SET revoked_at = NOW() "
				    "WHERE user_id = ? AND revoked_at IS NULL";
	return db_exec(all ? every : sessions, DB_ARGS(DB_INT(user_id)));
}
