/* users: accounts, sessions and personal access tokens (API.md §4). */
#include "app.h"
#include "sessions.h"
#include "users.h"

static const struct route routes[] = {
	{ "POST", "/users", users_signup, RL_SIGNUP },
	{ "PUT", "/users", users_update, RL_DEFAULT },
	{ "PATCH", "/users", users_update, RL_DEFAULT },
	{ "DELETE", "/users", users_delete, RL_DEFAULT },
	{ "GET", "/users/email/confirm/{token}", users_email_confirm_get, RL_DEFAULT },
	{ "POST", "/users/email/confirm", users_email_confirm_post, RL_DEFAULT },
	{ "GET", "/users/activate/{digest}", users_activate_get, RL_DEFAULT },
	{ "POST", "/users/activate", users_activate_post, RL_DEFAULT },
	{ "POST", "/users/activate/resend", users_activate_resend, RL_RESET },
	{ "POST", "/users/login", sessions_login, RL_LOGIN },
	{ "GET", "/users/{name}/logout", sessions_logout_named, RL_DEFAULT },
	{ "POST", "/users/{name}/logout", sessions_logout_named, RL_DEFAULT },
	{ "DELETE", "/users/{name}/logout", sessions_logout_named, RL_DEFAULT },
	{ "DELETE", "/users/session", sessions_logout, RL_DEFAULT },
	{ "POST", "/users/password", users_password_forgot, RL_RESET },
	{ "PUT", "/users/password", users_password_change, RL_RESET },
	{ "POST", "/users/tokens", sessions_token_create, RL_DEFAULT },
	{ "GET", "/users/tokens", sessions_token_list, RL_DEFAULT },
	{ "DELETE", "/users/tokens/{id}", sessions_token_revoke, RL_DEFAULT },
	{ "GET", "/users/{name}", users_profile, RL_DEFAULT },
};
/* Not static: the header fuzz target routes with every program's own table. */
const struct route *const users_routes = routes;
const size_t users_nroutes = sizeof(routes) / sizeof(routes[0]);

int main(int argc, char **argv)
{
	return app_main(argc, argv, "users", routes, sizeof(routes) / sizeof(routes[0]));
}
