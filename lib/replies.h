/* replies.h: handlers of the replies family (API.md §5.7). */
#ifndef KINGLET_REPLIES_H
#define KINGLET_REPLIES_H

#include "http.h"

/* GET /messages/{id}/replies */
int replies_list(struct http_request *req, struct http_response *resp);
/* POST /messages/{id}/replies */
int replies_create(struct http_request *req, struct http_response *resp);

#endif
