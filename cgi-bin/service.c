/* service: the service routes of API.md §8 (handshake, time, health, the OpenAPI document). */
#include "app.h"
#include "service.h"

static const struct route routes[] = {
	{ "GET", "/", service_handshake },
	{ "GET", "/time", service_time },
	{ "GET", "/health", service_health },
	{ "GET", "/openapi.json", service_openapi },
};

int main(int argc, char **argv)
{
	return app_main(argc, argv, "service", routes, sizeof(routes) / sizeof(routes[0]));
}
