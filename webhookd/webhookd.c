/* webhookd.c: kinglet-webhookd, the webhook delivery daemon (API.md §11): fans the outbox out into
 * deliveries and sends them, signed, with libcurl's multi interface; leases in the database let
 * several daemons share the work. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "db.h"
#include "digest.h"
#include "log.h"
#include "messages.h"
#include "post.h"
#include "random.h"
#include "strbuf.h"
#include "timefmt.h"
#include "token.h"
#include "validate.h"
#include "webhooks.h"

#include "banned.h"

#define WEBHOOKD_VERSION "1"
#define EVENT_BATCH 100
#define RESPONSE_MAX ((size_t)64 * 1024) /* read no more of an answer than this */
#define EXCERPT_MAX 200 /* and keep this much of it */
#define MAX_RETRIES 32
#define RETENTION_EVERY_MS (60 * 1000LL) /* from the start, then this often */
#define RETENTION_BATCHES 20

static volatile sig_atomic_t stop_requested, report_requested;

/* What SIGUSR2 reports. */
static struct {
	long long events, deliveries, delivered, failed_attempts, failed, dropped, disabled,
		forbidden;
} counters;

/* webhooks.retry_schedule in seconds: the wait before retry 1, 2, ... */
static long long schedule[MAX_RETRIES];
static size_t nschedule;

/* This process's lease name prefix, and the batch counter that makes each claim distinct. */
static char owner_prefix[48];
static unsigned long batch_seq;

/* One delivery in flight. */
struct job {
	long long delivery_id, webhook_id, user_id;
	int attempts; /* before this one */
	char type[33];
	CURL *easy;
	struct curl_slist *headers;
	struct strbuf payload, response;
	struct strbuf refused; /* why an address libcurl was about to connect to was refused */
	bool truncated;
	struct timespec started;
	struct job *next;
};

static struct job *jobs;
static long in_flight;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_report(int sig)
{
	(void)sig;
	report_requested = 1;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_report;
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "10s 1m 5m 30m 2h 6h 12h 24h" into schedule[]. 0 or -1 (logged). */
static int parse_schedule(const char *s)
{
	nschedule = 0;
	while (*s) {
		char *end;
		while (*s == ' ' || *s == ',')
			s++;
		if (!*s)
			break;
		long long v = strtoll(s, &end, 10);
		long long unit = *end == 'h' ? 3600 : *end == 'm' ? 60 : 1;
		if (end == s || v < 0 || nschedule == MAX_RETRIES) {
			log_error("webhooks.retry_schedule: '%s' is not a list of durations "
				  "(10s, 5m, 2h; at most %d)",
				  conf.webhooks_retry_schedule, MAX_RETRIES);
			return -1;
		}
		if (*end == 'h' || *end == 'm' || *end == 's')
			end++;
		schedule[nschedule++] = v * unit;
		s = end;
	}
	return 0;
}

/* ---- the outbox: events into deliveries ---- */

/* A target of an event: a hook, its owner, and the body it gets. */
struct target {
	long long webhook_id, user_id;
	const char *type;
	struct strbuf body;
};

struct targets {
	struct target *v;
	size_t n, alloc;
};

static struct target *target_add(struct targets *t, long long hook, long long user,
				 const char *type)
{
	if (t->n == t->alloc) {
		t->alloc = t->alloc ? 2 * t->alloc : 8;
		t->v = xrealloc(t->v, t->alloc * sizeof(*t->v));
	}
	struct target *x = &t->v[t->n++];
	x->webhook_id = hook;
	x->user_id = user;
	x->type = type;
	strbuf_init(&x->body, 0);
	return x;
}

static void targets_release(struct targets *t)
{
	for (size_t i = 0; i < t->n; i++)
		strbuf_release(&t->v[i].body);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* {"type":..., "timestamp":..., "data": data} into out; takes data's reference. */
static void envelope(struct strbuf *out, const char *type, time_t when, struct json_object *data)
{
	struct json_object *o = json_object_new_object();
	struct strbuf ts = STRBUF_INIT;
	time_iso8601(&ts, when);
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "timestamp", json_object_new_string(ts.buf));
	json_object_object_add(o, "data", data);
	strbuf_addstr(out, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	strbuf_release(&ts);
}

/* message.created: the author's hooks get message.sent, the other members' message.received. */
static int targets_message(struct targets *t, long long message_id, const char *since, time_t when)
{
	static const char hooks[] =
		"SELECT w.webhook_id, w.user_id, m.author_id, "
		"FIND_IN_SET('message.sent', w.events) > 0, "
		"FIND_IN_SET('message.received', w.events) > 0 FROM messages m "
		"JOIN thread_members tm ON tm.thread_id = IF(m.parent_id = 0, m.message_id, "
		"m.parent_id) JOIN webhooks w ON w.user_id = tm.user_id AND w.active = 1 AND "
		"w.active_since <= ? WHERE m.message_id = ?";
	static const char message[] =
		"SELECT " MESSAGE_COLUMNS " FROM " MESSAGE_FROM " WHERE m.message_id = ?";
	struct db_stmt *st;
	int rc = db_run(&st, hooks, DB_ARGS(DB_STR(since), DB_INT(message_id)));
	if (rc)
		return rc;
	while ((rc = db_next(st)) == 1) {
		bool sent = db_int(st, 1) == db_int(st, 2);
		if (sent ? db_int(st, 3) : db_int(st, 4))
			target_add(t, db_int(st, 0), db_int(st, 1),
				   sent ? "message.sent" : "message.received");
	}
	db_done(st);
	if (rc < 0 || !t->n)
		return rc < 0 ? rc : 0;
	/* The message object as GET /messages/N gives it to each owner (version 1). */
	if ((rc = db_run(&st, message, DB_ARGS(DB_INT(message_id)))))
		return rc;
	if ((rc = db_next(st)) == 1) {
		for (size_t i = 0; i < t->n; i++) {
			struct json_object *data = json_object_new_object();
			message_json(data, st, 0, t->v[i].user_id, 1);
			envelope(&t->v[i].body, t->v[i].type, when, data);
		}
	}
	db_done(st);
	if (rc == 0)
		t->n = 0; /* the message is gone: nothing to say */
	return rc < 0 ? rc : 0;
}

static int targets_deleted(struct targets *t, long long message_id, const char *audience,
			   const char *since, time_t when)
{
	static const char hooks[] =
		"SELECT webhook_id, user_id FROM webhooks WHERE active = 1 AND active_since <= ? "
		"AND FIND_IN_SET('message.deleted', events) > 0 AND FIND_IN_SET(user_id, ?) > 0";
	struct db_stmt *st;
	int rc = db_run(&st, hooks, DB_ARGS(DB_STR(since), DB_STR(audience)));
	if (rc)
		return rc;
	while ((rc = db_next(st)) == 1) {
		struct target *x = target_add(t, db_int(st, 0), db_int(st, 1), "message.deleted");
		struct json_object *data = json_object_new_object();
		json_object_object_add(data, "message_id", json_object_new_int64(message_id));
		envelope(&x->body, x->type, when, data);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* approval.*: the subject's hooks; data names the actor (who asked, or who decided). */
static int targets_approval(struct targets *t, const char *kind, long long actor, long long subject,
			    const char *status, const char *since, time_t when)
{
	static const char name[] = "SELECT user_name FROM users WHERE user_id = ?";
	static const char hooks[] =
		"SELECT webhook_id FROM webhooks WHERE user_id = ? AND active = 1 AND "
		"active_since <= ? AND FIND_IN_SET(?, events) > 0";
	struct strbuf actor_name = STRBUF_INIT;
	struct db_stmt *st;
	int rc = db_run(&st, name, DB_ARGS(DB_INT(actor)));
	if (rc)
		return rc;
	if ((rc = db_next(st)) == 1)
		strbuf_addstr(&actor_name, db_str(st, 0, NULL));
	db_done(st);
	if (rc < 0 ||
	    (rc = db_run(&st, hooks, DB_ARGS(DB_INT(subject), DB_STR(since), DB_STR(kind)))))
		goto out;
	while ((rc = db_next(st)) == 1) {
		struct target *x = target_add(t, db_int(st, 0), subject, kind);
		struct json_object *data = json_object_new_object();
		json_object_object_add(data, "user_name", json_object_new_string(actor_name.buf));
		json_object_object_add(data, "status", json_object_new_string(status));
		envelope(&x->body, x->type, when, data);
	}
	db_done(st);
out:
	strbuf_release(&actor_name);
	return rc < 0 ? rc : 0;
}

/* One event: its deliveries in, itself out, in one transaction. 0 or a db rc. */
static int fan_out_one(long long event_id, const char *kind, long long message_id, long long actor,
		       long long subject, const char *status, const char *audience, time_t when,
		       const char *since)
{
	static const char insert[] =
		"INSERT IGNORE INTO webhook_deliveries (webhook_id, event_id, event_uid, type, "
		"payload) VALUES (?, ?, ?, ?, ?)";
	static const char done[] = "DELETE FROM webhook_events WHERE event_id = ?";
	struct targets t = { 0 };
	int rc;

	if ((rc = db_begin()))
		return rc;
	if (!strcmp(kind, "message.created"))
		rc = targets_message(&t, message_id, since, when);
	else if (!strcmp(kind, "message.deleted"))
		rc = targets_deleted(&t, message_id, audience, since, when);
	else
		rc = targets_approval(&t, kind, actor, subject, status, since, when);
	for (size_t i = 0; !rc && i < t.n; i++) {
		struct strbuf uid = STRBUF_INIT;
		uint8_t raw[16];
		if (random_bytes(raw, sizeof(raw))) {
			rc = DB_ERROR;
			break;
		}
		strbuf_addstr(&uid, "evt_");
		token_base64url(&uid, raw, sizeof(raw));
		rc = db_exec(insert, DB_ARGS(DB_INT(t.v[i].webhook_id), DB_INT(event_id),
					     DB_STR(uid.buf), DB_STR(t.v[i].type),
					     DB_STRN(t.v[i].body.buf, t.v[i].body.len)));
		strbuf_release(&uid);
		counters.deliveries++;
	}
	if (!rc)
		rc = db_exec(done, DB_ARGS(DB_INT(event_id)));
	if (!rc)
		rc = db_commit();
	if (rc)
		db_rollback();
	targets_release(&t);
	return rc;
}

/* Claim a batch of events (a lease: a crashed daemon's expire) and fan each out. */
static int fan_out(size_t *handled)
{
	static const char claim[] =
		"UPDATE webhook_events SET lease_owner = ?, lease_until = NOW(3) + INTERVAL ? "
		"SECOND "
		"WHERE lease_until IS NULL OR lease_until < NOW(3) ORDER BY event_id LIMIT 100";
	static const char claimed[] =
		"SELECT event_id, kind, message_id, actor_id, subject_id, status, "
		"COALESCE(audience, ''), UNIX_TIMESTAMP(created_at), "
		"DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s.%f') FROM webhook_events "
		"WHERE lease_owner = ? ORDER BY event_id";
	struct strbuf owner = STRBUF_INIT;
	struct db_stmt *st;
	struct ev {
		long long id, message_id, actor, subject;
		char kind[24], status[17], since[32];
		char *audience;
		time_t when;
	} *evs = NULL;
	size_t n = 0;
	int rc;

	*handled = 0;
	strbuf_addf(&owner, "%s:%lu", owner_prefix, ++batch_seq);
	if ((rc = db_exec(claim,
			  DB_ARGS(DB_STR(owner.buf), DB_INT(conf.webhooks_lease_seconds)))) ||
	    !db_affected_rows())
		goto out;
	if ((rc = db_run(&st, claimed, DB_ARGS(DB_STR(owner.buf)))))
		goto out;
	evs = xcalloc(EVENT_BATCH, sizeof(*evs));
	while (n < EVENT_BATCH && (rc = db_next(st)) == 1) {
		struct ev *e = &evs[n++];
		e->id = db_int(st, 0);
		snprintf(e->kind, sizeof(e->kind), "%s", db_str(st, 1, NULL));
		e->message_id = db_int(st, 2);
		e->actor = db_int(st, 3);
		e->subject = db_int(st, 4);
		snprintf(e->status, sizeof(e->status), "%s", db_str(st, 5, NULL));
		e->audience = xstrdup(db_str(st, 6, NULL));
		e->when = (time_t)db_int(st, 7);
		snprintf(e->since, sizeof(e->since), "%s", db_str(st, 8, NULL));
	}
	db_done(st);
	rc = rc < 0 ? rc : 0;
	for (size_t i = 0; !rc && i < n; i++) {
		rc = fan_out_one(evs[i].id, evs[i].kind, evs[i].message_id, evs[i].actor,
				 evs[i].subject, evs[i].status, evs[i].audience, evs[i].when,
				 evs[i].since);
		if (!rc)
			counters.events++;
	}
	*handled = n;
out:
	for (size_t i = 0; i < n; i++)
		free(evs[i].audience);
	free(evs);
	strbuf_release(&owner);
	return rc;
}

/* ---- the system message on disable ---- */

/* Inside a transaction: the system account tells user_id that their hook was disabled. */
static int tell_owner(long long user_id, long long webhook_id, const char *reason)
{
	static const char users[] = "SELECT u.user_id, o.user_name FROM users u JOIN users o "
				    "ON o.user_id = ? WHERE u.user_name = ?";
	struct strbuf text = STRBUF_INIT, name = STRBUF_INIT;
	long long system_id = 0, id;
	struct db_stmt *st;
	struct post p;
	int rc = db_run(&st, users, DB_ARGS(DB_INT(user_id), DB_STR(USERS_SYSTEM_NAME)));
	if (rc)
		return rc;
	if ((rc = db_next(st)) == 1) {
		system_id = db_int(st, 0);
		strbuf_addstr(&name, db_str(st, 1, NULL));
	}
	db_done(st);
	if (rc <= 0) /* no system account (the migrations make it), or the database failed */
		return rc < 0 ? rc : DB_ERROR;
	strbuf_addf(&text,
		    "@%s your webhook %lld was disabled: %s. Fix the receiver, then turn it on "
		    "again with PATCH /webhooks/%lld and {\"active\": true}.",
		    name.buf, webhook_id, reason, webhook_id);
	post_init(&p, POST_STARTER, system_id, text.buf, text.len);
	post_add_member(&p, system_id, USERS_SYSTEM_NAME);
	post_add_member(&p, user_id, name.buf);
	rc = post_store(&p, &id);
	post_release(&p);
	strbuf_release(&text);
	strbuf_release(&name);
	return rc;
}

/* Disable hook id (once) with reason: its pending deliveries are dropped, its owner told. */
static int disable_hook(long long webhook_id, long long user_id, const char *reason)
{
	static const char off[] = "UPDATE webhooks SET active = 0, disabled_reason = ? "
				  "WHERE webhook_id = ? AND active = 1";
	static const char drop[] = "UPDATE webhook_deliveries SET status = 'dropped', "
				   "lease_owner = NULL, lease_until = NULL "
				   "WHERE webhook_id = ? AND status = 'pending'";
	int rc;
	if ((rc = db_begin()) || (rc = db_exec(off, DB_ARGS(DB_STR(reason), DB_INT(webhook_id)))))
		goto fail;
	if (!db_affected_rows()) {
		db_rollback();
		return 0;
	}
	if ((rc = db_exec(drop, DB_ARGS(DB_INT(webhook_id)))) ||
	    (rc = tell_owner(user_id, webhook_id, reason)) || (rc = db_commit()))
		goto fail;
	counters.disabled++;
	{
		struct strbuf line = STRBUF_INIT;
		strbuf_addf(&line, "event=webhook_disabled webhook_id=%lld user_id=%lld reason=",
			    webhook_id, user_id);
		log_add_value(&line, reason, strlen(reason));
		log_fields(line.buf, line.len);
		strbuf_release(&line);
	}
	return 0;
fail:
	db_rollback();
	return rc;
}

/* Hooks to disable once the attempts that judged them are recorded (a transaction of its own). */
static struct to_disable {
	long long webhook_id, user_id;
	const char *reason;
} to_disable[64];
static size_t n_disable;

static void disable_later(long long webhook_id, long long user_id, const char *reason)
{
	for (size_t i = 0; i < n_disable; i++)
		if (to_disable[i].webhook_id == webhook_id)
			return;
	/* A full list only waits: the next failure of the hook judges it again. */
	if (n_disable < sizeof(to_disable) / sizeof(to_disable[0]))
		to_disable[n_disable++] = (struct to_disable){ .webhook_id = webhook_id,
							       .user_id = user_id,
							       .reason = reason };
}

static void disable_now(void)
{
	for (size_t i = 0; i < n_disable; i++)
		disable_hook(to_disable[i].webhook_id, to_disable[i].user_id, to_disable[i].reason);
	n_disable = 0;
}

/* ---- sending ---- */

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct job *j = arg;
	size_t len = size * n;
	if (j->response.len + len > RESPONSE_MAX) {
		/* Enough: the status is known, the rest of the answer is not ours to read. */
		j->truncated = true;
		return 0;
	}
	strbuf_add(&j->response, data, len);
	return len;
}

/* base64 of HMAC-SHA256(secret, "<id>.<ts>.<body>") appended as a "v1,..." entry. */
static void sign(struct strbuf *out, const uint8_t secret[WEBHOOKS_SECRET_BYTES], const char *uid,
		 long long ts, const struct strbuf *body)
{
	struct strbuf msg = STRBUF_INIT;
	uint8_t mac[SHA256_LEN];
	char b64[4 * ((SHA256_LEN + 2) / 3) + 1];
	strbuf_addf(&msg, "%s.%lld.", uid, ts);
	strbuf_add(&msg, body->buf, body->len);
	hmac_sha256(secret, WEBHOOKS_SECRET_BYTES, msg.buf, msg.len, mac);
	EVP_EncodeBlock((unsigned char *)b64, mac, SHA256_LEN);
	if (out->len)
		strbuf_addch(out, ' ');
	strbuf_addf(out, "v1,%s", b64);
	strbuf_release(&msg);
}

static void job_free(struct job *j)
{
	if (j->easy)
		curl_easy_cleanup(j->easy);
	curl_slist_free_all(j->headers);
	strbuf_release(&j->payload);
	strbuf_release(&j->refused);
	strbuf_release(&j->response);
	free(j);
}

/* The attempt is over: record it, schedule the next or give up, judge the hook. */
static void finish(struct job *j, long code, const char *error)
{
	static const char ok[] =
		"UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, "
		"last_status_code = ?, last_error = NULL, response_excerpt = ?, "
		"last_attempt_at = NOW(3), duration_ms = ?, lease_owner = NULL, lease_until = NULL "
		"WHERE delivery_id = ?";
	static const char again[] =
		"UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, "
		"last_status_code = ?, last_error = ?, response_excerpt = ?, "
		"last_attempt_at = NOW(3), duration_ms = ?, "
		"next_attempt_at = NOW(3) + INTERVAL ? SECOND, lease_owner = NULL, "
		"lease_until = NULL WHERE delivery_id = ?";
	static const char hook_ok[] =
		"UPDATE webhooks SET failure_count = 0, failing_since = NULL, "
		"last_delivery_at = NOW() WHERE webhook_id = ?";
	static const char hook_failed[] =
		"UPDATE webhooks SET failure_count = failure_count + 1, "
		"failing_since = COALESCE(failing_since, NOW()) WHERE webhook_id = ?";
	static const char failing_long[] =
		"SELECT 1 FROM webhooks WHERE webhook_id = ? AND active = 1 AND "
		"failing_since <= NOW() - INTERVAL ? HOUR";
	struct strbuf excerpt = STRBUF_INIT, line = STRBUF_INIT;
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	long long ms = (end.tv_sec - j->started.tv_sec) * 1000 +
		       (end.tv_nsec - j->started.tv_nsec) / 1000000;
	int attempt = j->attempts + 1, rc;
	bool delivered = !error && code >= 200 && code < 300;
	bool gone = !error && code == 410;
	bool more = !delivered && !gone && (size_t)attempt <= nschedule;

	/* Printable ASCII only: the answer is the receiver's, the column is text. */
	for (size_t i = 0; i < j->response.len && excerpt.len < EXCERPT_MAX; i++) {
		unsigned char c = (unsigned char)j->response.buf[i];
		strbuf_addch(&excerpt, c >= 0x20 && c < 0x7f ? c : '?');
	}
	struct db_arg code_arg = code ? DB_INT(code) : DB_NULL;
	if (delivered)
		rc = db_exec(ok, DB_ARGS(code_arg, DB_STR(excerpt.buf), DB_INT(ms),
					 DB_INT(j->delivery_id)));
	else {
		struct strbuf why = STRBUF_INIT;
		if (error)
			strbuf_addstr(&why, error);
		else
			strbuf_addf(&why, "HTTP %ld", code);
		rc = db_exec(again, DB_ARGS(DB_STR(more ? "pending" : "failed"), code_arg,
					    DB_STR(why.buf), DB_STR(excerpt.buf), DB_INT(ms),
					    DB_INT(more ? schedule[attempt - 1] : 0),
					    DB_INT(j->delivery_id)));
		strbuf_release(&why);
	}
	if (!rc)
		rc = db_exec(delivered ? hook_ok : hook_failed, DB_ARGS(DB_INT(j->webhook_id)));
	if (delivered)
		counters.delivered++;
	else {
		counters.failed_attempts++;
		counters.failed += !more;
	}
	strbuf_addf(&line,
		    "event=delivery delivery_id=%lld webhook_id=%lld type=%s attempt=%d "
		    "status=%s code=%ld duration_ms=%lld",
		    j->delivery_id, j->webhook_id, j->type, attempt,
		    delivered ? "delivered"
		    : more    ? "retry"
			      : "failed",
		    code, ms);
	if (error) {
		strbuf_addstr(&line, " error=");
		log_add_value(&line, error, strlen(error));
	}
	log_fields(line.buf, line.len);
	if (rc)
		log_error("recording delivery %lld failed (it will be tried again when its lease "
			  "ends)",
			  j->delivery_id);
	else if (gone)
		disable_later(j->webhook_id, j->user_id, "the receiver answered 410 Gone");
	else if (!delivered) {
		struct db_stmt *st;
		if (!db_run(&st, failing_long,
			    DB_ARGS(DB_INT(j->webhook_id),
				    DB_INT(conf.webhooks_disable_after_hours)))) {
			rc = db_next(st);
			db_done(st);
			if (rc == 1)
				disable_later(
					j->webhook_id, j->user_id,
					"every delivery failed for webhooks.disable_after_hours");
		}
	}
	strbuf_release(&excerpt);
	strbuf_release(&line);
}

/* Record an attempt that never left (bad URL, forbidden address, no secret). */
static void finish_early(struct job *j, const char *error)
{
	clock_gettime(CLOCK_MONOTONIC, &j->started);
	finish(j, 0, error);
	job_free(j);
}

/*
 * libcurl resolved the host (in its resolver thread: a slow name never holds up this loop) and
 * is about to connect to one of its addresses: the address checked here is the very one
 * connected to, with no second resolution in between. A refused one is never connected to.
 */
static curl_socket_t open_checked(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct job *j = arg;
	char text[64];
	strbuf_reset(&j->refused);
	if (purpose != CURLSOCKTYPE_IPCXN) {
		strbuf_addstr(&j->refused, "not a connection to the receiver");
		return CURL_SOCKET_BAD;
	}
	if (webhooks_addr_check(&a->addr, conf.webhooks_allow_private, text, &j->refused))
		return CURL_SOCKET_BAD;
	strbuf_reset(&j->refused);
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static int start_job(CURLM *multi, struct job *j, const char *url, const uint8_t *sealed,
		     size_t sealed_len, const uint8_t *old_sealed, size_t old_len, const char *uid)
{
	struct strbuf why = STRBUF_INIT, sig = STRBUF_INIT, h = STRBUF_INIT;
	uint8_t secret[WEBHOOKS_SECRET_BYTES];
	struct webhooks_url u;
	long long ts = (long long)time(NULL);
	int ret = -1;

	clock_gettime(CLOCK_MONOTONIC, &j->started);
	/* The syntax here; the address when libcurl connects (open_checked), at every attempt. */
	if (webhooks_url_parse(url, strlen(url), &u, &why)) {
		counters.forbidden++;
		finish_early(j, why.len ? why.buf : "unusable URL");
		goto out;
	}
	if (webhooks_secret_open(sealed, sealed_len, j->user_id, secret)) {
		finish_early(j, "the hook's secret cannot be read (webhooks.key_file)");
		goto out;
	}
	sign(&sig, secret, uid, ts, &j->payload);
	if (old_sealed && !webhooks_secret_open(old_sealed, old_len, j->user_id, secret))
		sign(&sig, secret, uid, ts, &j->payload);
	memset(secret, 0, sizeof(secret));

	j->headers = curl_slist_append(j->headers, "Content-Type: application/json");
	j->headers = curl_slist_append(j->headers, "Expect:");
	strbuf_addf(&h, "webhook-id: %s", uid);
	j->headers = curl_slist_append(j->headers, h.buf);
	strbuf_reset(&h);
	strbuf_addf(&h, "webhook-timestamp: %lld", ts);
	j->headers = curl_slist_append(j->headers, h.buf);
	strbuf_reset(&h);
	strbuf_addf(&h, "webhook-signature: %s", sig.buf);
	j->headers = curl_slist_append(j->headers, h.buf);

	CURL *e = j->easy = curl_easy_init();
	if (!e) {
		finish_early(j, "out of memory");
		goto out;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_checked);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, j);
	/* Resolved again for every new connection; no proxy from the environment between. */
	curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "Kinglet-Webhooks/" WEBHOOKD_VERSION);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->payload.buf);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)j->payload.len);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_multi_add_handle(multi, e);
	j->next = jobs;
	jobs = j;
	in_flight++;
	ret = 0;
out:
	strbuf_release(&why);
	strbuf_release(&sig);
	strbuf_release(&h);
	return ret;
}

/* Claim due deliveries (at most room) and start them. Returns how many were claimed. */
static size_t start_due(CURLM *multi, long room)
{
	static const char claim[] =
		"UPDATE webhook_deliveries SET lease_owner = ?, "
		"lease_until = NOW(3) + INTERVAL ? SECOND WHERE status = 'pending' AND "
		"next_attempt_at <= NOW(3) AND (lease_until IS NULL OR lease_until < NOW(3)) "
		"ORDER BY next_attempt_at LIMIT ?";
	static const char claimed[] =
		"SELECT d.delivery_id, d.webhook_id, d.event_uid, d.type, d.payload, d.attempts, "
		"w.user_id, w.url, w.active, w.secret_enc, "
		"IF(w.old_secret_until > NOW(), w.old_secret_enc, NULL) "
		"FROM webhook_deliveries d JOIN webhooks w ON w.webhook_id = d.webhook_id "
		"WHERE d.lease_owner = ? ORDER BY d.delivery_id";
	static const char drop[] =
		"UPDATE webhook_deliveries SET status = 'dropped', lease_owner = NULL, "
		"lease_until = NULL WHERE delivery_id = ?";
	struct strbuf owner = STRBUF_INIT;
	struct db_stmt *st;
	struct pending {
		struct job *j;
		char *url, *uid;
		uint8_t sealed[WEBHOOKS_SEALED_BYTES + 1], old[WEBHOOKS_SEALED_BYTES + 1];
		size_t sealed_len, old_len;
		bool has_old, drop;
	} *v = NULL;
	size_t n = 0, claimed_n = 0;
	int rc;

	strbuf_addf(&owner, "%s:%lu", owner_prefix, ++batch_seq);
	if ((rc = db_exec(claim, DB_ARGS(DB_STR(owner.buf), DB_INT(conf.webhooks_lease_seconds),
					 DB_INT(room)))) ||
	    !(claimed_n = db_affected_rows()))
		goto out;
	if ((rc = db_run(&st, claimed, DB_ARGS(DB_STR(owner.buf)))))
		goto out;
	v = xcalloc(claimed_n, sizeof(*v));
	while (n < claimed_n && (rc = db_next(st)) == 1) {
		struct pending *p = &v[n++];
		struct job *j = p->j = xcalloc(1, sizeof(*j));
		size_t len;
		const char *s;
		j->delivery_id = db_int(st, 0);
		j->webhook_id = db_int(st, 1);
		p->uid = xstrdup(db_str(st, 2, NULL));
		snprintf(j->type, sizeof(j->type), "%s", db_str(st, 3, NULL));
		strbuf_init(&j->payload, 0);
		strbuf_init(&j->response, 0);
		strbuf_init(&j->refused, 0);
		s = db_str(st, 4, &len);
		strbuf_add(&j->payload, s, len);
		j->attempts = (int)db_int(st, 5);
		j->user_id = db_int(st, 6);
		p->url = xstrdup(db_str(st, 7, NULL));
		/* An inactive hook gets nothing, except the ping its owner asked for. */
		p->drop = !db_int(st, 8) && strcmp(j->type, "ping");
		s = db_str(st, 9, &len);
		p->sealed_len = len < sizeof(p->sealed) ? len : sizeof(p->sealed);
		memcpy(p->sealed, s, p->sealed_len);
		if ((p->has_old = !db_is_null(st, 10))) {
			s = db_str(st, 10, &len);
			p->old_len = len < sizeof(p->old) ? len : sizeof(p->old);
			memcpy(p->old, s, p->old_len);
		}
	}
	db_done(st);
	for (size_t i = 0; i < n; i++) {
		struct pending *p = &v[i];
		if (p->drop) {
			db_exec(drop, DB_ARGS(DB_INT(p->j->delivery_id)));
			counters.dropped++;
			job_free(p->j);
		} else {
			start_job(multi, p->j, p->url, p->sealed, p->sealed_len,
				  p->has_old ? p->old : NULL, p->old_len, p->uid);
		}
		free(p->url);
		free(p->uid);
	}
	disable_now();
out:
	/* What was claimed and not started waits for its lease to end. */
	if (rc < 0)
		log_warn("claiming due deliveries failed; trying again later");
	free(v);
	strbuf_release(&owner);
	return claimed_n;
}

/*
 * Every transfer that ended: judged and recorded, all in one transaction (one durable commit
 * for a batch, not two per delivery). Should it fail, their leases end and they are sent again:
 * at least once. Returns how many.
 */
static size_t reap(CURLM *multi)
{
	size_t reaped = 0;
	CURLMsg *m;
	int left;
	bool tx = false;
	while ((m = curl_multi_info_read(multi, &left))) {
		if (!tx && m->msg == CURLMSG_DONE)
			tx = !db_begin();
		if (m->msg != CURLMSG_DONE)
			continue;
		struct job *j = NULL, **pp;
		long code = 0;
		CURLcode result = m->data.result;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
		curl_multi_remove_handle(multi, m->easy_handle);
		for (pp = &jobs; *pp && *pp != j; pp = &(*pp)->next)
			;
		if (*pp)
			*pp = j->next;
		in_flight--;
		if (result == CURLE_WRITE_ERROR && j->truncated)
			result = CURLE_OK; /* we stopped reading, the answer itself was whole */
		/* Failed because an address was refused: that is the reason to show. */
		bool refused = result != CURLE_OK && j->refused.len;
		counters.forbidden += refused;
		finish(j, code,
		       result == CURLE_OK ? NULL
		       : refused	  ? j->refused.buf
					  : curl_easy_strerror(result));
		job_free(j);
		reaped++;
	}
	if (tx && db_commit()) {
		db_rollback();
		log_warn("recording %zu deliveries failed (they will be sent again when their "
			 "leases "
			 "end)",
			 reaped);
	}
	disable_now();
	return reaped;
}

/*
 * Retention: finished deliveries older than webhooks.log_days go, a small batch a statement so
 * that no lock is held for long; at most RETENTION_BATCHES batches a pass, the rest next pass.
 */
static void prune(void)
{
	static const char sql[] =
		"DELETE FROM webhook_deliveries WHERE created_at < NOW() - INTERVAL ? DAY "
		"AND status <> 'pending' ORDER BY created_at LIMIT 1000";
	unsigned long long total = 0, n;
	int i = 0;
	do {
		if (db_exec(sql, DB_ARGS(DB_INT(conf.webhooks_log_days))))
			break;
		n = db_affected_rows();
		total += n;
	} while (n == 1000 && ++i < RETENTION_BATCHES);
	if (total) {
		struct strbuf line = STRBUF_INIT;
		strbuf_addf(&line, "event=retention deleted=%llu log_days=%lld", total,
			    conf.webhooks_log_days);
		log_fields(line.buf, line.len);
		strbuf_release(&line);
	}
}

static void report(void)
{
	struct strbuf line = STRBUF_INIT;
	strbuf_addf(&line,
		    "counters=1 in_flight=%ld events=%lld deliveries=%lld delivered=%lld "
		    "failed_attempts=%lld failed=%lld dropped=%lld disabled=%lld forbidden=%lld "
		    "db_connects=%lu",
		    in_flight, counters.events, counters.deliveries, counters.delivered,
		    counters.failed_attempts, counters.failed, counters.dropped, counters.disabled,
		    counters.forbidden, db_connects());
	log_fields(line.buf, line.len);
	strbuf_release(&line);
}

/* The nudge socket: a datagram on it means "the outbox has something", nothing more. */
static int open_socket(void)
{
	struct sockaddr_un sun;
	size_t n = strlen(conf.webhooks_socket);
	int fd;
	if (!n || n >= sizeof(sun.sun_path)) {
		log_error("webhooks.socket: a path of 1 to %zu bytes", sizeof(sun.sun_path) - 1);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, conf.webhooks_socket, n);
	unlink(conf.webhooks_socket);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		log_error("webhooks.socket %s: %s", conf.webhooks_socket, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void write_pidfile(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	strbuf_addf(&sb, "%d\n", (int)getpid());
	if (write(fd, sb.buf, sb.len) < 0)
		log_warn("cannot write %s", path);
	close(fd);
	strbuf_release(&sb);
}

int main(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	const char *conf_path = getenv("KINGLET_CONF"), *pidfile = NULL;
	char host[32] = "";
	CURLM *multi;
	int sock, running = 0;
	long long next_scan = 0, next_prune = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pidfile") && i + 1 < argc)
			pidfile = argv[++i];
		else if (argv[i][0] != '-')
			conf_path = argv[i];
		else {
			fprintf(stderr, "usage: kinglet-webhookd [--pidfile FILE] [CONFIG]\n");
			return 2;
		}
	}
	log_open(NULL, "webhookd");
	if (conf_load(conf_path, &err) < 0) {
		log_error("configuration: %s", err.buf);
		return 1;
	}
	strbuf_release(&err);
	log_open(conf.log_file, "webhookd");
	if (parse_schedule(conf.webhooks_retry_schedule) || webhooks_key_load() ||
	    (sock = open_socket()) < 0)
		return 1;
	gethostname(host, sizeof(host) - 1);
	snprintf(owner_prefix, sizeof(owner_prefix), "%s:%d", host, (int)getpid());
	install_signals();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
	db_connect();
	if (pidfile)
		write_pidfile(pidfile);
	log_info("kinglet-webhookd started: socket %s, %lld in flight at most, %zu retries",
		 conf.webhooks_socket, conf.webhooks_max_in_flight, nschedule);

	while (!stop_requested || in_flight) {
		long long t = now_ms();
		if (report_requested) {
			report_requested = 0;
			report();
		}
		if (!stop_requested && t >= next_prune) {
			prune();
			next_prune = t + RETENTION_EVERY_MS;
		}
		/* Work until a batch comes back short: then the scan timer or a nudge goes on. */
		if (!stop_requested && t >= next_scan) {
			size_t fanned = 0, started = 0;
			if (fan_out(&fanned))
				log_warn("fanning out the outbox failed; trying again later");
			if (in_flight < conf.webhooks_max_in_flight)
				started = start_due(multi, conf.webhooks_max_in_flight - in_flight);
			next_scan =
				fanned == EVENT_BATCH || started ? t : t + conf.webhooks_scan_ms;
		}
		curl_multi_perform(multi, &running);
		/* Room again after a full house: more may be due at once. */
		bool full = in_flight >= conf.webhooks_max_in_flight;
		if (reap(multi) && full)
			next_scan = 0;
		struct curl_waitfd extra = { .fd = sock, .events = POLLIN };
		long long wait = next_scan - now_ms();
		if (stop_requested || wait > conf.webhooks_scan_ms)
			wait = stop_requested ? 100 : conf.webhooks_scan_ms;
		if (wait < 0)
			wait = 0;
		int nfds = 0;
		curl_multi_poll(multi, &extra, 1, (int)wait, &nfds);
		if (extra.revents & POLLIN) {
			char buf[64];
			while (recv(sock, buf, sizeof(buf), 0) > 0)
				;
			next_scan = 0;
		}
	}
	log_info("kinglet-webhookd stopping: nothing in flight");
	report();
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	close(sock);
	unlink(conf.webhooks_socket);
	db_close();
	return 0;
}
