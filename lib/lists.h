/* lists.h: approved lists (API.md §5.9): requests, decisions, and the check on posting. */
#ifndef KINGLET_LISTS_H
#define KINGLET_LISTS_H

#include <stddef.h>

#include "http.h"

/* GET|POST /lists/request/{name} */
int lists_request(struct http_request *req, struct http_response *resp);
/* GET /lists/requests */
int lists_requests(struct http_request *req, struct http_response *resp);
/* GET|POST /lists/approve/{name} */
int lists_approve(struct http_request *req, struct http_response *resp);
/* GET|POST /lists/reject/{name} */
int lists_reject(struct http_request *req, struct http_response *resp);

/*
 * With messaging.require_approval: record an invalid param for every recipient (ids[i], named
 * names[i]) other than author_id who has not approved author_id — except exempt_id (a thread's
 * starter, who invited its members), when not 0. 0 or a negative enum db_rc.
 */
int lists_check(struct http_response *resp, long long author_id, const long long *ids,
		const char *const *names, size_t n, long long exempt_id);

/* The number of requests waiting for user_id's decision, into *count. 0 or enum db_rc. */
int lists_pending_count(long long user_id, long long *count);

#endif
