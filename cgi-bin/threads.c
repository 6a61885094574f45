/* threads: the caller's threads by last activity (API.md §5.8). */
#include "app.h"
#include "threads.h"

static const struct route routes[] = {
	{ "GET", "/messages/threads", threads_list, RL_DEFAULT },
	{ "GET", "/messages/threads/{page}", threads_list, RL_DEFAULT },
	{ "GET", "/messages/threads/page/{page}", threads_list, RL_DEFAULT },
};
/* Not static: the header fuzz target routes with every program's own table. */
const struct route *const threads_routes = routes;
const size_t threads_nroutes = sizeof(routes) / sizeof(routes[0]);

int main(int argc, char **argv)
{
	return app_main(argc, argv, "threads", routes, sizeof(routes) / sizeof(routes[0]));
}
