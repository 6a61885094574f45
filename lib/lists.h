/* lists.h: approved lists (API.md §5.9): requests and decisions (the check on posting: post.h). */
#ifndef KINGLET_LISTS_H
#define KINGLET_LISTS_H

#include "http.h"

/* GET|POST /lists/request/{name} */
int lists_request(struct http_request *req, struct http_response *resp);
/* GET /lists/requests */
int lists_requests(struct http_request *req, struct http_response *resp);
/* GET|POST /lists/approve/{name} */
int lists_approve(struct http_request *req, struct http_response *resp);
/* GET|POST /lists/reject/{name} */
int lists_reject(struct http_request *req, struct http_response *resp);

#endif
