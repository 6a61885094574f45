/* webhooks: users' webhooks, their secrets, pings and delivery logs (API.md §11). */
#include "app.h"
#include "webhooks.h"

static const struct route routes[] = {
	{ "POST", "/webhooks", webhooks_create, RL_DEFAULT },
	{ "GET", "/webhooks", webhooks_list, RL_DEFAULT },
	{ "GET", "/webhooks/{id}", webhooks_get, RL_DEFAULT },
	{ "PATCH", "/webhooks/{id}", webhooks_update, RL_DEFAULT },
	{ "DELETE", "/webhooks/{id}", webhooks_delete, RL_DEFAULT },
	{ "POST", "/webhooks/{id}/secret", webhooks_rotate, RL_DEFAULT },
	{ "POST", "/webhooks/{id}/ping", webhooks_ping, RL_DEFAULT },
	{ "GET", "/webhooks/{id}/deliveries", webhooks_deliveries, RL_DEFAULT },
	{ "POST", "/webhooks/{id}/deliveries/{id}/redeliver", webhooks_redeliver, RL_DEFAULT },
};

int main(int argc, char **argv)
{
	return app_main(argc, argv, "webhooks", routes, sizeof(routes) / sizeof(routes[0]));
}
