/* service: the service routes of API.md §8 (handshake, time, health, the OpenAPI document). */
#include "app.h"
#include "service.h"

static const struct route routes[] = {
	{ "GET", "/", service_handshake, RL_DEFAULT },
	{ "GET", "/time", service_time, RL_DEFAULT },
	{ "GET", "/health", service_health, RL_DEFAULT },
	{ "GET", "/openapi.json", service_openapi, RL_DEFAULT },
};
/* Not static: the header fuzz target routes with every program's own table. */
const struct route *const service_routes = routes;
const size_t service_nroutes = sizeof(routes) / sizeof(routes[0]);

int main(int argc, char **argv)
{
	return app_main(argc, argv, "service", routes, sizeof(routes) / sizeof(routes[0]));
}
