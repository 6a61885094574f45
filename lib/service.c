/* service.c: the handshake, /time and /health (which is the only one touching the database). */
#include "service.h"

#include <time.h>

#include "db.h"
#include "timefmt.h"

#include "banned.h"

static void add_time(struct json_object *o, time_t now)
{
	struct strbuf iso = STRBUF_INIT;
	time_iso8601(&iso, now);
	json_object_object_add(o, "server_epoch_seconds", json_object_new_int64((int64_t)now));
	json_object_object_add(o, "server_time", json_object_new_string_len(iso.buf, (int)iso.len));
	strbuf_release(&iso);
}

int service_handshake(struct http_request *req, struct http_response *resp)
{
	struct json_object *o = resp_data(resp);
	(void)req;
	json_object_object_add(o, "name", json_object_new_string("Kinglet"));
	json_object_object_add(o, "version", json_object_new_string(KINGLET_VERSION));
	json_object_object_add(o, "api_version", json_object_new_int(1));
	add_time(o, time(NULL));
	return 200;
}

int service_time(struct http_request *req, struct http_response *resp)
{
	(void)req;
	add_time(resp_data(resp), time(NULL));
	return 200;
}

int service_health(struct http_request *req, struct http_response *resp)
{
	long long usec = 0;
	(void)req;
	int rc = db_ping(&usec);
	if (rc != DB_OK) {
		json_object_object_add(resp_data(resp), "health", json_object_new_string("down"));
		return resp_error(resp, ERR_DATABASE_UNAVAILABLE, "the database does not answer");
	}
	json_object_object_add(resp_data(resp), "health", json_object_new_string("up"));
	return 200;
}
