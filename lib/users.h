/* users.h: handlers of the users family (API.md §4): accounts, activation, profile, passwords. */
#ifndef KINGLET_USERS_H
#define KINGLET_USERS_H

#include "http.h"

/* POST /users */
int users_signup(struct http_request *req, struct http_response *resp);
/* GET /users/activate/{digest} */
int users_activate_get(struct http_request *req, struct http_response *resp);
/* POST /users/activate {"user_digest"} */
int users_activate_post(struct http_request *req, struct http_response *resp);
/* POST /users/activate/resend {"email"} */
int users_activate_resend(struct http_request *req, struct http_response *resp);
/* GET /users/{name} */
int users_profile(struct http_request *req, struct http_response *resp);
/* PUT and PATCH /users */
int users_update(struct http_request *req, struct http_response *resp);
/* GET /users/email/confirm/{token}: follow the link of an e-mail change */
int users_email_confirm_get(struct http_request *req, struct http_response *resp);
/* POST /users/email/confirm {"token"} */
int users_email_confirm_post(struct http_request *req, struct http_response *resp);
/* DELETE /users */
int users_delete(struct http_request *req, struct http_response *resp);
/* POST /users/password: forgotten password */
int users_password_forgot(struct http_request *req, struct http_response *resp);
/* PUT /users/password: change (old password) or reset (reset_token) */
int users_password_change(struct http_request *req, struct http_response *resp);

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
 * The system account that writes approval decisions (sql/003_lists.sql): no sign-up can take the
 * name, and no authentication flow accepts it (API.md §2).
 */
#define USERS_SYSTEM_NAME "kinglet"

/*
 * Brute-force limits on passwords, shared by login and the routes that take the current password
 * (API.md §9). The account is its id once found (user_id), else the identifier asked for, trimmed
 * and case-folded. users_login_attempt counts the attempt before any hashing against the client
 * address, the account from that address and the account from anywhere, and answers 429 (with
 * Retry-After) when one of them is over its limit, so that concurrent guesses cannot pass it; else
 * 0. users_login_succeeded takes the attempt back once the password was right (0 or a 5xx).
 */
int users_login_attempt(struct http_request *req, struct http_response *resp, long long user_id,
			const char *identifier);
int users_login_succeeded(struct http_request *req, struct http_response *resp, long long user_id,
			  const char *identifier);

#endif
