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

int main(int argc, char **argv)
{
	return app_main(argc, argv, "messages", routes, sizeof(routes) / sizeof(routes[0]));
}
