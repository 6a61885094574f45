/* threads.h: the handler of the threads family (API.md §5.8). */
#ifndef KINGLET_THREADS_H
#define KINGLET_THREADS_H

#include "http.h"

/* GET /messages/threads, /messages/threads/{page}, /messages/threads/page/{page} */
int threads_list(struct http_request *req, struct http_response *resp);

#endif
