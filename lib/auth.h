/* auth.h: who is calling (API.md §2): Bearer token, X-Api-Key, or the Kinglet triple; sessions. */
#ifndef KINGLET_AUTH_H
#define KINGLET_AUTH_H

#include <stdbool.h>

#include "http.h"
#include "strbuf.h"
#include "validate.h"

enum auth_need {
	AUTH_READ, /* any valid credential */
	AUTH_WRITE, /* not a read-scoped personal access token (403 insufficient_scope) */
	AUTH_SESSION, /* a session from login, not a personal access token (403 forbidden) */
};

struct auth {
	long long user_id;
	char user_name[USER_NAME_MAX + 1];
	long long token_id; /* the credential's row, for logout and revocation */
	bool is_session; /* from login (else a personal access token) */
	bool can_write;
};

/*
 * Authenticate req. Every credential presented (Bearer, X-Api-Key, the triple's session_id) must
 * be the same token, and the triple's user_id and user_name must be its owner. Returns 0 with *a
 * filled, or an error status written into resp: 401 not_authenticated (nothing presented) or
 * invalid_session (with WWW-Authenticate), 400 duplicate_parameter, 403 per need, 429 when the
 * user is over the route's rate limit, 503.
 */
int auth_require(struct http_request *req, struct http_response *resp, enum auth_need need,
		 struct auth *a);

/*
 * The client's address, for per-address limits: REMOTE_ADDR, or, when that is one of
 * http.trusted_proxies, the nearest address in X-Forwarded-For that is not a trusted proxy.
 * Valid until the next call.
 */
const char *auth_client_addr(const struct http_request *req);

/*
 * Create a session for user_id and append its token to token_out; *expires_at gets the idle
 * expiry (Unix seconds). 0 or a negative enum db_rc.
 */
int auth_session_create(long long user_id, struct strbuf *token_out, long long *expires_at);
/* Revoke every session of user_id (and its personal access tokens too when all). 0 or db rc. */
int auth_revoke_user(long long user_id, bool all);

#endif
