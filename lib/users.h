/* users.h: handlers of the users family (API.md §4): accounts, activation, profile, passwords
 * (users.c, users_profile.c, users_password.c; sessions in sessions.h). */
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

/*
 * The body's "email" (required or not), checked as an address; NULL when absent or invalid (then
 * recorded as an invalid param). Borrowed from the request body.
 */
const char *users_valid_email(const struct http_request *req, struct http_response *resp,
			      bool required);

#endif
