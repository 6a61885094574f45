/* lists: approved lists, the original Kinglet's spam shield (API.md §5.9). */
#include "app.h"
#include "lists.h"

static const struct route routes[] = {
	{ "GET", "/lists/request/{name}", lists_request, RL_DEFAULT },
	{ "POST", "/lists/request/{name}", lists_request, RL_DEFAULT },
	{ "GET", "/lists/requests", lists_requests, RL_DEFAULT },
	{ "GET", "/lists/approve/{name}", lists_approve, RL_DEFAULT },
	{ "POST", "/lists/approve/{name}", lists_approve, RL_DEFAULT },
	{ "GET", "/lists/reject/{name}", lists_reject, RL_DEFAULT },
	{ "POST", "/lists/reject/{name}", lists_reject, RL_DEFAULT },
};
/* Not static: the header fuzz target routes with every program's own table. */
const struct route *const lists_routes = routes;
const size_t lists_nroutes = sizeof(routes) / sizeof(routes[0]);

int main(int argc, char **argv)
{
	return app_main(argc, argv, "lists", routes, sizeof(routes) / sizeof(routes[0]));
}
