/* router.h: matching a request against the {method, pattern, handler} route table (http.h). */
#ifndef KINGLET_ROUTER_H
#define KINGLET_ROUTER_H

#include <stddef.h>

#include "http.h"

/*
 * Find the route for req (HEAD is served by GET routes). Returns 0 with req->route and
 * req->params set, or an error status written into resp: 404 not_found, 405 method_not_allowed
 * with an Allow header, 400 invalid_path_parameter for a numeric parameter that is not one.
 */
int router_match(const struct route *routes, size_t n, struct http_request *req,
		 struct http_response *resp);
/* The route that router_match would choose, or NULL; sets nothing and answers nothing. */
const struct route *router_find(const struct route *routes, size_t n,
				const struct http_request *req);

#endif
