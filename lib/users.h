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
 * Brute-force limits on passwords, shared by login and the routes that take the current password:
 * users_login_blocked answers 429 (with Retry-After) when the account (a user name or e-mail,
 * compared case-insensitively) or the client address has too many recent failures, else 0;
 * users_login_failed counts one failure for both.
 */
int users_login_blocked(struct http_request *req, struct http_response *resp, const char *account);
int users_login_failed(struct http_request *req, struct http_response *resp, const char *account);

#endif
