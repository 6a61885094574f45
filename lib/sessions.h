/* sessions.h: login, logout, personal access tokens, and the counters against guessing (§9). */
#ifndef KINGLET_SESSIONS_H
#define KINGLET_SESSIONS_H

#include "auth.h"
#include "http.h"

/* POST /users/login */
int sessions_login(struct http_request *req, struct http_response *resp);
/* GET, POST, DELETE /users/{name}/logout */
int sessions_logout_named(struct http_request *req, struct http_response *resp);
/* DELETE /users/session */
int sessions_logout(struct http_request *req, struct http_response *resp);
/* POST /users/tokens */
int sessions_token_create(struct http_request *req, struct http_response *resp);
/* GET /users/tokens */
int sessions_token_list(struct http_request *req, struct http_response *resp);
/* DELETE /users/tokens/{id} */
int sessions_token_revoke(struct http_request *req, struct http_response *resp);

/*
 * Check the caller's current password against the database, counting failures like failed
 * logins (API.md §9). 0 when it matches, else an error status (403 invalid_credentials, 429, 5xx).
 */
int sessions_check_password(struct http_request *req, struct http_response *resp,
			    const struct auth *a, const char *password);
/*
 * Count one request of the client's address in the counter what ("signup:ip:") against limit
 * per window seconds: 0, or 429 with Retry-After, or a 5xx.
 */
int sessions_limit_address(struct http_request *req, struct http_response *resp, const char *what,
			   long long limit, long long window);
/*
 * The same for an account, however it is spelt: user_id once found, else the identifier asked
 * for, trimmed and case-folded (API.md §2).
 */
int sessions_limit_account(struct http_response *resp, const char *what, long long user_id,
			   const char *identifier, long long limit, long long window);

#endif
