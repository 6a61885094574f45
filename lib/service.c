/* service.c: the handshake, /time, /health (the only one touching the database) and the OpenAPI
 * document. */
#include "service.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "resp.h"
#include "timefmt.h"
#include "wire.h"

#include "banned.h"

/* The server's time: version 0 (the original's /time) has the epoch seconds only. */
static void add_time(struct json_object *o, time_t now, int version)
{
	struct strbuf iso = STRBUF_INIT;
	json_object_object_add(o, "server_epoch_seconds", json_object_new_int64((int64_t)now));
	if (version == WIRE_V0)
		return;
	time_iso8601(&iso, now);
	json_object_object_add(o, "server_time", json_object_new_string_len(iso.buf, (int)iso.len));
	strbuf_release(&iso);
}

int service_handshake(struct http_request *req, struct http_response *resp)
{
	struct json_object *o = resp_data(resp);
	struct json_object *versions = json_object_new_array_ext(2);
	json_object_object_add(o, "name", json_object_new_string("Kinglet"));
	json_object_object_add(o, "version", json_object_new_string(KINGLET_VERSION));
	/* The version this answer speaks, and those a client may ask for (API.md §10). */
	json_object_object_add(o, "api_version", json_object_new_int(req->api_version));
	json_object_array_add(versions, json_object_new_int(0));
	json_object_array_add(versions, json_object_new_int(1));
	json_object_object_add(o, "api_versions", versions);
	add_time(o, time(NULL), 1); /* the original had no handshake: one form for both */
	return 200;
}

int service_time(struct http_request *req, struct http_response *resp)
{
	add_time(resp_data(resp), time(NULL), req->api_version);
	return 200;
}

/*
 * ?verbose=1, for operators: the database's round trip, the schema's migration version and the
 * server's version, which tell an attacker what to try: only to health.verbose_from.
 */
static int health_details(struct json_object *o, long long usec)
{
	static const char sql[] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
	struct db_stmt *st;
	int rc = db_run(&st, sql, DB_NOARGS);
	if (rc)
		return rc;
	if ((rc = db_next(st)) == 1)
		json_object_object_add(o, "migration_version",
				       json_object_new_int64(db_int(st, 0)));
	db_done(st);
	json_object_object_add(o, "database_latency_us", json_object_new_int64(usec));
	/* Which database node this process writes to: db.hosts lists several (issue 20). */
	json_object_object_add(o, "database_node", json_object_new_string(db_node()));
	json_object_object_add(o, "version", json_object_new_string(KINGLET_VERSION));
	return rc < 0 ? rc : 0;
}

int service_health(struct http_request *req, struct http_response *resp)
{
	const struct http_param *verbose = http_param_get(&req->query, "verbose");
	long long usec = 0;
	int rc = db_ping(&usec);
	if (rc == DB_OK && verbose && strcmp(verbose->value, "0") &&
	    conf_list_has_addr(conf.health_verbose_from, auth_client_addr(req)))
		rc = health_details(resp_data(resp), usec);
	if (rc != DB_OK) {
		json_object_object_add(resp_data(resp), "health", json_object_new_string("down"));
		return resp_error(resp, ERR_DATABASE_UNAVAILABLE, "the database does not answer");
	}
	json_object_object_add(resp_data(resp), "health", json_object_new_string("up"));
	return 200;
}

/* The OpenAPI document is a few tens of KiB; anything near this is not it. */
#define OPENAPI_MAX_BYTES ((size_t)4 * 1024 * 1024)
#define OPENAPI_MAX_DEPTH 128

/*
 * Read path into doc and check that it is one JSON object. Returns 0, or -1 with the reason
 * logged (the path goes to the log only: never into a response).
 */
static int openapi_read(const char *path, struct strbuf *doc)
{
	FILE *f = fopen(path, "rb");
	struct json_object *obj = NULL;
	int ret = -1;
	if (!f) {
		log_error("openapi.file %s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		strbuf_grow(doc, 8192);
		size_t n = fread(doc->buf + doc->len, 1, doc->alloc - doc->len - 1, f);
		strbuf_setlen(doc, doc->len + n);
		if (doc->len > OPENAPI_MAX_BYTES) {
			log_error("openapi.file %s: larger than %zu bytes", path,
				  OPENAPI_MAX_BYTES);
			goto out;
		}
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		log_error("openapi.file %s: read error", path);
		goto out;
	}
	/* Depth: an OpenAPI document nests deeper than a request body may. */
	struct json_tokener *tok = json_tokener_new_ex(OPENAPI_MAX_DEPTH);
	if (!tok)
		goto out;
	obj = json_tokener_parse_ex(tok, doc->buf, (int)doc->len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (end < doc->len && (doc->buf[end] == ' ' || doc->buf[end] == '\t' ||
				  doc->buf[end] == '\r' || doc->buf[end] == '\n'))
		end++;
	bool whole = jerr == json_tokener_success && end == doc->len;
	if (!whole || !json_object_is_type(obj, json_type_object)) {
		log_error("openapi.file %s: not one JSON object (%s)", path,
			  json_tokener_error_desc(jerr));
		goto out;
	}
	ret = 0;
out:
	json_object_put(obj);
	fclose(f);
	if (ret)
		strbuf_release(doc);
	return ret;
}

int service_openapi(struct http_request *req, struct http_response *resp)
{
	/* Read on the first request of the process and kept: the file is part of the release. */
	static struct strbuf doc = STRBUF_INIT;
	static int loaded; /* 0: not yet tried, 1: in doc, -1: failed (logged once) */
	(void)req;
	if (!loaded) {
		const char *path = *conf.openapi_file ? conf.openapi_file : SERVICE_OPENAPI_DEFAULT;
		loaded = openapi_read(path, &doc) == 0 ? 1 : -1;
	}
	if (loaded < 0)
		return resp_error(resp, ERR_SERVICE_UNAVAILABLE,
				  "the OpenAPI document could not be read (see the server log)");
	resp->raw = doc.buf;
	resp->raw_len = doc.len;
	resp->cacheable = true;
	return 200;
}
