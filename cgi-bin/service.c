/* service: the service routes of API.md §8 (handshake, time, health). */
#include "app.h"
#include "service.h"

static const struct route routes[] = {
	{ "GET", "/", service_handshake },
	{ "GET", "/time", service_time },
	{ "GET", "/health", service_health },
};

int main(int argc, char **argv)
{
	return app_main(argc, argv, "service", routes, sizeof(routes) / sizeof(routes[0]));
}
