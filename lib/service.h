/* service.h: handlers of the service routes (API.md §8): handshake, time, health, OpenAPI. */
#ifndef KINGLET_SERVICE_H
#define KINGLET_SERVICE_H

#include "http.h"

#define KINGLET_VERSION "0.1.0"

int service_handshake(struct http_request *req, struct http_response *resp);
int service_time(struct http_request *req, struct http_response *resp);
int service_health(struct http_request *req, struct http_response *resp);
/*
 * GET /openapi.json: the file named by openapi.file (default SERVICE_OPENAPI_DEFAULT, relative to
 * the working directory like every relative path in the configuration), sent as it is. 503
 * service_unavailable when it cannot be read or is not a JSON object.
 */
#define SERVICE_OPENAPI_DEFAULT "openapi/openapi.json"
int service_openapi(struct http_request *req, struct http_response *resp);

#endif
