/* replies: a thread's replies and replying (API.md §5.7). */
#include "app.h"
#include "replies.h"

static const struct route routes[] = {
	{ "GET", "/messages/{id}/replies", replies_list, RL_DEFAULT },
	{ "POST", "/messages/{id}/replies", replies_create, RL_POST },
};
/* Not static: the header fuzz target routes with every program's own table. */
const struct route *const replies_routes = routes;
const size_t replies_nroutes = sizeof(routes) / sizeof(routes[0]);

int main(int argc, char **argv)
{
	return app_main(argc, argv, "replies", routes, sizeof(routes) / sizeof(routes[0]));
}
