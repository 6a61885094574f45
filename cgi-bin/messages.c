/* messages: the stream, since, one message, posting and deleting (API.md §5.2–§5.6). */
#include "app.h"
#include "messages.h"

static const struct route routes[] = {
	{ "GET", "/messages", messages_stream, RL_DEFAULT },
	{ "POST", "/messages", messages_create, RL_POST },
	{ "GET", "/messages/page/{page}", messages_stream, RL_DEFAULT },
	{ "GET", "/messages/since/{epoch}", messages_since, RL_DEFAULT },
	{ "GET", "/messages/{id}", messages_get, RL_DEFAULT },
	{ "DELETE", "/messages/{id}", messages_delete, RL_DEFAULT },
};
/* Not static: the header fuzz target routes with every program's own table. */
const struct route *const messages_routes = routes;
const size_t messages_nroutes = sizeof(routes) / sizeof(routes[0]);

int main(int argc, char **argv)
{
	return app_main(argc, argv, "messages", routes, sizeof(routes) / sizeof(routes[0]));
}
