/* lists: approved lists, the original Kinglet's spam shield (API.md §5.9). */
#include "app.h"
#include "lists.h"

static const struct route routes[] = {
	{ "GET", "/lists/request/{name}", lists_request },
	{ "POST", "/lists/request/{name}", lists_request },
	{ "GET", "/lists/requests", lists_requests },
	{ "GET", "/lists/approve/{name}", lists_approve },
	{ "POST", "/lists/approve/{name}", lists_approve },
	{ "GET", "/lists/reject/{name}", lists_reject },
	{ "POST", "/lists/reject/{name}", lists_reject },
};

int main(int argc, char **argv)
{
	return app_main(argc, argv, "lists", routes, sizeof(routes) / sizeof(routes[0]));
}
