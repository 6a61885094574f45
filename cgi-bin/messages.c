/* messages: the stream, since, one message, posting and deleting (API.md §5.2–§5.6). */
#include "app.h"
#include "messages.h"

static const struct route routes[] = {
	{ "GET", "/messages", messages_stream },
	{ "POST", "/messages", messages_create },
	{ "GET", "/messages/page/{page}", messages_stream },
	{ "GET", "/messages/since/{epoch}", messages_since },
	{ "GET", "/messages/{id}", messages_get },
	{ "DELETE", "/messages/{id}", messages_delete },
};

int main(int argc, char **argv)
{
	return app_main(argc, argv, "messages", routes, sizeof(routes) / sizeof(routes[0]));
}
