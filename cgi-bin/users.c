/* users: accounts, sessions and personal access tokens (API.md §4). */
#include "app.h"
#include "users.h"

static const struct route routes[] = {
	{ "POST", "/users", users_signup },
	{ "PUT", "/users", users_update },
	{ "PATCH", "/users", users_update },
	{ "DELETE", "/users", users_delete },
	{ "GET", "/users/activate/{digest}", users_activate_get },
	{ "POST", "/users/activate", users_activate_post },
	{ "POST", "/users/activate/resend", users_activate_resend },
	{ "POST", "/users/login", sessions_login },
	{ "GET", "/users/{name}/logout", sessions_logout_named },
	{ "POST", "/users/{name}/logout", sessions_logout_named },
	{ "DELETE", "/users/{name}/logout", sessions_logout_named },
	{ "DELETE", "/users/session", sessions_logout },
	{ "POST", "/users/password", users_password_forgot },
	{ "PUT", "/users/password", users_password_change },
	{ "POST", "/users/tokens", sessions_token_create },
	{ "GET", "/users/tokens", sessions_token_list },
	{ "DELETE", "/users/tokens/{id}", sessions_token_revoke },
	{ "GET", "/users/{name}", users_profile },
};

int main(int argc, char **argv)
{
	return app_main(argc, argv, "users", routes, sizeof(routes) / sizeof(routes[0]));
}
