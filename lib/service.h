/* service.h: handlers of the service routes (API.md §8): handshake, time, health. */
#ifndef KINGLET_SERVICE_H
#define KINGLET_SERVICE_H

#include "http.h"

#define KINGLET_VERSION "0.1.0"

int service_handshake(struct http_request *req, struct http_response *resp);
int service_time(struct http_request *req, struct http_response *resp);
int service_health(struct http_request *req, struct http_response *resp);

#endif
