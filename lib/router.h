/* router.h: the {method, pattern, handler} route table every program declares. */
#ifndef KINGLET_ROUTER_H
#define KINGLET_ROUTER_H

#include <stddef.h>

#include "http.h"
#include "ratelimit.h"

/* A handler fills resp (resp_data(), resp_header()) and returns the HTTP status. */
typedef int (*route_handler)(struct http_request *req, struct http_response *resp);

/*
 * pattern is relative to the base path: "/", "/time", "/messages/{id}/replies". A {name} segment
 * captures one path segment into req->params in order. {id} and {page} must be decimal integers
 * from 1, {epoch} from 0, all at most 2^63-1; other names take any segment. Where two patterns
 * match a path, the one with more literal segments wins (so "/messages/threads" beats
 * "/messages/{id}").
 */
struct route {
	const char *method;
	const char *pattern;
	route_handler handler;
	enum rl_class limit; /* its rate-limit class; RL_DEFAULT when left out */
};

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
