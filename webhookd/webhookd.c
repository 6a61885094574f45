/* webhookd.c: kinglet-webhookd, the webhook delivery daemon (API.md §11): fans the outbox out into
 * deliveries and sends them, signed, with libcurl's multi interface; leases in the database let
 * several daemons share the work. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
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
#define TRANSFER_MAX_MS 10000 /* CURLOPT_TIMEOUT_MS: an attempt never takes longer */
#define LEASE_MARGIN_MS 2000 /* and recording it takes less than this */
#define RECORD_MS 20 /* finished attempts wait at most this long to be recorded */

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
	long code; /* the answer's status (0: none) */
	char *error; /* why the attempt failed without an answer, or NULL */
	long long ms; /* how long it took */
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

/* (below, with the waiting list the deliveries a fan-out claims go to) */
static void owner_name(struct strbuf *out, unsigned long batch);
static long read_claimed(unsigned long batch, const long long *ids, size_t n, long long claimed_ms);

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

/* An outbox event, as fan_out_tx read it. */
struct ev {
	long long id, message_id, actor, subject;
	char kind[24], status[17], since[32];
	char *audience;
	time_t when;
};

/* One fan-out transaction: the events it took, the lease it gives the deliveries it makes. */
struct fan_out_ctx {
	const char *owner; /* the lease of the deliveries claimed as they are made */
	long room; /* how many may be claimed so */
	long long *ids; /* the ids of those claimed (room of them at most) */
	struct ev *evs;
	size_t n;
	long long deliveries, claimed;
};

/* One event's deliveries in (the first ctx->room of them claimed), itself out. 0 or a db rc. */
static int fan_out_one(struct fan_out_ctx *ctx, const struct ev *e)
{
	static const char insert[] =
		"INSERT IGNORE INTO webhook_deliveries (webhook_id, event_id, event_uid, type, "
		"payload, lease_owner, lease_until) VALUES (?, ?, ?, ?, ?, ?, "
		"NOW(3) + INTERVAL ? SECOND)"; /* NULL and NULL: not claimed */
	static const char done[] = "DELETE FROM webhook_events WHERE event_id = ?";
	struct targets t = { 0 };
	int rc;

	if (!strcmp(e->kind, "message.created"))
		rc = targets_message(&t, e->message_id, e->since, e->when);
	else if (!strcmp(e->kind, "message.deleted"))
		rc = targets_deleted(&t, e->message_id, e->audience, e->since, e->when);
	else
		rc = targets_approval(&t, e->kind, e->actor, e->subject, e->status, e->since,
				      e->when);
	for (size_t i = 0; !rc && i < t.n; i++) {
		struct strbuf uid = STRBUF_INIT;
		uint8_t raw[16];
		if (random_bytes(raw, sizeof(raw))) {
			rc = DB_ERROR;
			break;
		}
		strbuf_addstr(&uid, "evt_");
		token_base64url(&uid, raw, sizeof(raw));
		/* Claimed as it is made: no second commit before it can be sent. */
		bool claim = ctx->claimed < ctx->room;
		rc = db_exec(insert,
			     DB_ARGS(DB_INT(t.v[i].webhook_id), DB_INT(e->id), DB_STR(uid.buf),
				     DB_STR(t.v[i].type), DB_STRN(t.v[i].body.buf, t.v[i].body.len),
				     claim ? DB_STR(ctx->owner) : DB_NULL,
				     claim ? DB_INT(conf.webhooks_lease_seconds) : DB_NULL));
		strbuf_release(&uid);
		if (!rc && db_affected_rows()) {
			ctx->deliveries++;
			if (claim)
				ctx->ids[ctx->claimed++] = (long long)db_insert_id();
		}
	}
	if (!rc)
		rc = db_exec(done, DB_ARGS(DB_INT(e->id)));
	targets_release(&t);
	return rc;
}

/*
 * The transaction (db_transaction's body): take up to EVENT_BATCH events that no other daemon
 * holds (their row locks are the claim: a daemon that dies rolls back and frees them), and fan
 * each out. One durable commit for the events and their deliveries, claimed.
 */
static int fan_out_tx(void *arg)
{
	static const char take[] =
		"SELECT event_id, kind, message_id, actor_id, subject_id, status, "
		"COALESCE(audience, ''), UNIX_TIMESTAMP(created_at), "
		"DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s.%f') FROM webhook_events "
		"ORDER BY event_id LIMIT 100 FOR UPDATE SKIP LOCKED";
	struct fan_out_ctx *ctx = arg;
	struct db_stmt *st;
	int rc;

	for (size_t i = 0; i < ctx->n; i++)
		free(ctx->evs[i].audience);
	ctx->n = 0; /* run again after a conflict: from the start */
	ctx->deliveries = ctx->claimed = 0;
	if ((rc = db_run(&st, take, NULL, 0)))
		return rc;
	while (ctx->n < EVENT_BATCH && (rc = db_next(st)) == 1) {
		struct ev *e = &ctx->evs[ctx->n++];
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
	if (rc < 0) /* else 1 (a full batch) or 0 */
		return rc;
	rc = 0;
	for (size_t i = 0; i < ctx->n && !rc; i++)
		rc = fan_out_one(ctx, &ctx->evs[i]);
	return rc;
}

/*
 * Fan a batch of the outbox out, its first room deliveries claimed under lease owner batch and
 * put on the waiting list. Sets *handled to the events taken.
 */
static int fan_out(unsigned long batch, long room, size_t *handled)
{
	struct strbuf owner = STRBUF_INIT;
	struct fan_out_ctx ctx = { .room = room };
	long long t = now_ms();
	int rc;

	owner_name(&owner, batch);
	ctx.owner = owner.buf;
	ctx.evs = xcalloc(EVENT_BATCH, sizeof(*ctx.evs));
	ctx.ids = xcalloc(room > 0 ? (size_t)room : 1, sizeof(*ctx.ids));
	rc = db_transaction(fan_out_tx, &ctx);
	*handled = rc ? 0 : ctx.n;
	if (!rc) {
		counters.events += (long long)ctx.n;
		counters.deliveries += ctx.deliveries;
		if (ctx.claimed && read_claimed(batch, ctx.ids, (size_t)ctx.claimed, t) < 0)
			log_warn("reading claimed deliveries failed; they are sent when their "
				 "leases end");
	}
	for (size_t i = 0; i < ctx.n; i++)
		free(ctx.evs[i].audience);
	free(ctx.evs);
	free(ctx.ids);
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

/* Disabling a hook: which, why, and whether this transaction was the one that did. */
struct disable_tx {
	long long webhook_id, user_id;
	const char *reason;
	bool disabled;
};

/* db_transaction's body: off (once), its pending deliveries dropped, its owner told. */
static int disable_tx_body(void *arg)
{
	static const char off[] = "UPDATE webhooks SET active = 0, disabled_reason = ? "
				  "WHERE webhook_id = ? AND active = 1";
	static const char drop[] = "UPDATE webhook_deliveries SET status = 'dropped', "
				   "lease_owner = NULL, lease_until = NULL "
				   "WHERE webhook_id = ? AND status = 'pending'";
	struct disable_tx *t = arg;
	int rc;
	t->disabled = false;
	if ((rc = db_exec(off, DB_ARGS(DB_STR(t->reason), DB_INT(t->webhook_id)))) ||
	    !db_affected_rows()) /* already off: nothing more to do */
		return rc;
	t->disabled = true;
	if ((rc = db_exec(drop, DB_ARGS(DB_INT(t->webhook_id)))))
		return rc;
	return tell_owner(t->user_id, t->webhook_id, t->reason);
}

static void ready_forget_hook(long long webhook_id);

/* Disable hook id (once) with reason: its pending deliveries are dropped, its owner told. */
static int disable_hook(long long webhook_id, long long user_id, const char *reason)
{
	struct disable_tx t = { .webhook_id = webhook_id, .user_id = user_id, .reason = reason };
	int rc = db_transaction(disable_tx_body, &t);
	if (rc || !t.disabled)
		return rc;
	ready_forget_hook(webhook_id); /* claimed and waiting here: dropped too */
	counters.disabled++;
	struct strbuf line = STRBUF_INIT;
	strbuf_addf(&line,
		    "event=webhook_disabled webhook_id=%lld user_id=%lld reason=", webhook_id,
		    user_id);
	log_add_value(&line, reason, strlen(reason));
	log_fields(line.buf, line.len);
	strbuf_release(&line);
	return 0;
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
	free(j->error);
	free(j);
}

/*
 * Attempts over and not yet recorded: recorded together, one transaction (one durable commit)
 * for many, at most RECORD_MS after the first of them ended. Until then their leases hold them.
 */
static struct job *done_head, **done_tail = &done_head;
static size_t n_done;
static long long done_since; /* now_ms() when the oldest ended */

/* The attempt is over (code, or error when it had no answer): to be recorded. */
static void job_done(struct job *j, long code, const char *error)
{
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	j->ms = (end.tv_sec - j->started.tv_sec) * 1000 +
		(end.tv_nsec - j->started.tv_nsec) / 1000000;
	j->code = code;
	j->error = error ? xstrdup(error) : NULL;
	j->next = NULL;
	if (!n_done++)
		done_since = now_ms();
	*done_tail = j;
	done_tail = &j->next;
}

static bool job_delivered(const struct job *j)
{
	return !j->error && j->code >= 200 && j->code < 300;
}

static bool job_gone(const struct job *j)
{
	return !j->error && j->code == 410;
}

/* Whether the delivery has a retry left after this attempt. */
static bool job_more(const struct job *j)
{
	return !job_delivered(j) && !job_gone(j) && (size_t)j->attempts + 1 <= nschedule;
}

/* Record one attempt: the delivery's row, and its hook's (unless ok_hook says already ok). */
static int record_one(const struct job *j, long long *ok_hook)
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
	struct strbuf excerpt = STRBUF_INIT;
	bool delivered = job_delivered(j), more = job_more(j);
	int rc;

	/* Printable ASCII only: the answer is the receiver's, the column is text. */
	for (size_t i = 0; i < j->response.len && excerpt.len < EXCERPT_MAX; i++) {
		unsigned char c = (unsigned char)j->response.buf[i];
		strbuf_addch(&excerpt, c >= 0x20 && c < 0x7f ? c : '?');
	}
	struct db_arg code_arg = j->code ? DB_INT(j->code) : DB_NULL;
	if (delivered)
		rc = db_exec(ok, DB_ARGS(code_arg, DB_STR(excerpt.buf), DB_INT(j->ms),
					 DB_INT(j->delivery_id)));
	else {
		struct strbuf why = STRBUF_INIT;
		if (j->error)
			strbuf_addstr(&why, j->error);
		else
			strbuf_addf(&why, "HTTP %ld", j->code);
		rc = db_exec(again, DB_ARGS(DB_STR(more ? "pending" : "failed"), code_arg,
					    DB_STR(why.buf), DB_STR(excerpt.buf), DB_INT(j->ms),
					    DB_INT(more ? schedule[j->attempts] : 0),
					    DB_INT(j->delivery_id)));
		strbuf_release(&why);
	}
	strbuf_release(&excerpt);
	/* A hook that is ok again after ok in this same batch: no second update of its row. */
	if (!rc && !(delivered && *ok_hook == j->webhook_id))
		rc = db_exec(delivered ? hook_ok : hook_failed, DB_ARGS(DB_INT(j->webhook_id)));
	*ok_hook = delivered ? j->webhook_id : *ok_hook == j->webhook_id ? 0 : *ok_hook;
	return rc;
}

/* db_transaction's body: every attempt of the done list. */
static int record_tx(void *arg)
{
	long long ok_hook = 0;
	int rc = 0;
	(void)arg;
	for (struct job *j = done_head; j && !rc; j = j->next)
		rc = record_one(j, &ok_hook);
	return rc;
}

/* Recorded: its counters, its log line, and whether its hook is to be disabled. */
static void report_one(const struct job *j, bool recorded)
{
	static const char failing_long[] =
		"SELECT 1 FROM webhooks WHERE webhook_id = ? AND active = 1 AND "
		"failing_since <= NOW() - INTERVAL ? HOUR";
	struct strbuf line = STRBUF_INIT;
	bool delivered = job_delivered(j), more = job_more(j);

	if (delivered)
		counters.delivered++;
	else {
		counters.failed_attempts++;
		counters.failed += !more;
	}
	strbuf_addf(&line,
		    "event=delivery delivery_id=%lld webhook_id=%lld type=%s attempt=%d "
		    "status=%s code=%ld duration_ms=%lld",
		    j->delivery_id, j->webhook_id, j->type, j->attempts + 1,
		    delivered ? "delivered"
		    : more    ? "retry"
			      : "failed",
		    j->code, j->ms);
	if (j->error) {
		strbuf_addstr(&line, " error=");
		log_add_value(&line, j->error, strlen(j->error));
	}
	log_fields(line.buf, line.len);
	strbuf_release(&line);
	if (!recorded)
		return;
	if (job_gone(j))
		disable_later(j->webhook_id, j->user_id, "the receiver answered 410 Gone");
	else if (!delivered) {
		struct db_stmt *st;
		if (!db_run(&st, failing_long,
			    DB_ARGS(DB_INT(j->webhook_id),
				    DB_INT(conf.webhooks_disable_after_hours)))) {
			int rc = db_next(st);
			db_done(st);
			if (rc == 1)
				disable_later(
					j->webhook_id, j->user_id,
					"every delivery failed for webhooks.disable_after_hours");
		}
	}
}

/*
 * Record every finished attempt, all in one transaction (one durable commit for a batch). Should
 * it fail, their leases end and they are sent again: at least once.
 */
static void record_done(void)
{
	if (!n_done)
		return;
	int rc = db_transaction(record_tx, NULL);
	if (rc)
		log_error("recording %zu deliveries failed (they will be sent again when their "
			  "leases end)",
			  n_done);
	while (done_head) {
		struct job *j = done_head;
		done_head = j->next;
		report_one(j, !rc);
		job_free(j);
	}
	done_tail = &done_head;
	n_done = 0;
	disable_now();
}

/* An attempt that never left (bad URL, forbidden address, no secret): recorded as failed. */
static void finish_early(struct job *j, const char *error)
{
	clock_gettime(CLOCK_MONOTONIC, &j->started);
	job_done(j, 0, error);
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
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)TRANSFER_MAX_MS);
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

/*
 * Claimed deliveries read back and waiting for a free slot: a claim takes more than the free
 * slots (fewer durable commits, and the next batch is at hand when one ends), so that
 * webhooks.max_in_flight stays full under a backlog.
 */
struct ready {
	struct job *j;
	char *url, *uid;
	uint8_t sealed[WEBHOOKS_SEALED_BYTES + 1], old[WEBHOOKS_SEALED_BYTES + 1];
	size_t sealed_len, old_len;
	bool has_old, drop;
	unsigned long batch; /* the claim's lease owner (owner_name) */
	long long lease_end_ms; /* now_ms() when the lease ends at the earliest */
	struct ready *next;
};
static struct ready *ready_head, **ready_tail = &ready_head;
static long n_ready;

/* The lease owner name of claim number batch. */
static void owner_name(struct strbuf *out, unsigned long batch)
{
	strbuf_addf(out, "%s:%lu", owner_prefix, batch);
}

static void ready_free(struct ready *r)
{
	if (r->j)
		job_free(r->j);
	free(r->url);
	free(r->uid);
	free(r);
}

/* Take the first waiting delivery off the list (NULL when none). */
static struct ready *ready_pop(void)
{
	struct ready *r = ready_head;
	if (!r)
		return NULL;
	if (!(ready_head = r->next))
		ready_tail = &ready_head;
	n_ready--;
	return r;
}

/* A hook was disabled: what this daemon claimed of it and has not sent is not sent. */
static void ready_forget_hook(long long webhook_id)
{
	struct ready **pp = &ready_head;
	ready_tail = &ready_head;
	while (*pp) {
		struct ready *r = *pp;
		if (r->j->webhook_id == webhook_id) {
			*pp = r->next;
			n_ready--;
			ready_free(r);
			continue;
		}
		ready_tail = &r->next;
		pp = &r->next;
	}
}

/* Claimed ids go to the database CLAIM_CHUNK at a time (one prepared statement for every size). */
#define CLAIM_CHUNK 16
#define IDS_16 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"

/* args[first ...] = ids[0 .. n) (n at most CLAIM_CHUNK), padded with ids[0]. */
static void chunk_args(struct db_arg *args, const long long *ids, size_t n)
{
	for (size_t i = 0; i < CLAIM_CHUNK; i++)
		args[i] = DB_INT(ids[i < n ? i : 0]);
}

/*
 * Read back deliveries ids[0 .. n), claimed under lease owner batch at claimed_ms, onto the
 * waiting list. Returns how many, or -1.
 */
static long read_claimed(unsigned long batch, const long long *ids, size_t n, long long claimed_ms)
{
	static const char claimed[] =
		"SELECT d.delivery_id, d.webhook_id, d.event_uid, d.type, d.payload, d.attempts, "
		"w.user_id, w.url, w.active, w.secret_enc, "
		"IF(w.old_secret_until > NOW(), w.old_secret_enc, NULL) "
		"FROM webhook_deliveries d JOIN webhooks w ON w.webhook_id = d.webhook_id "
		"WHERE d.delivery_id IN (" IDS_16 ") ORDER BY d.delivery_id";
	struct db_arg args[CLAIM_CHUNK];
	long got = 0;
	int rc = 0;

	for (size_t at = 0; at < n && rc >= 0; at += CLAIM_CHUNK) {
		size_t k = n - at < CLAIM_CHUNK ? n - at : CLAIM_CHUNK;
		struct db_stmt *st;
		chunk_args(args, ids + at, k);
		if ((rc = db_run(&st, claimed, args, CLAIM_CHUNK)))
			break;
		while ((rc = db_next(st)) == 1) {
			struct ready *p = xcalloc(1, sizeof(*p));
			struct job *j = p->j = xcalloc(1, sizeof(*j));
			size_t len;
			const char *s;
			p->batch = batch;
			p->lease_end_ms = claimed_ms + conf.webhooks_lease_seconds * 1000;
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
			*ready_tail = p;
			ready_tail = &p->next;
			n_ready++;
			got++;
		}
		db_done(st);
	}
	return rc < 0 ? -1 : got;
}

/* A claim of due deliveries: at most want, under lease owner; the ids it took. */
struct claim_tx {
	const char *owner;
	long want;
	long long *ids;
	size_t n;
};

/*
 * db_transaction's body: lock due deliveries no other daemon holds (SKIP LOCKED: two claims never
 * take one row), and lease them by primary key, so that the lease outlives the transaction.
 */
static int claim_tx_body(void *arg)
{
	static const char due[] =
		"SELECT delivery_id FROM webhook_deliveries WHERE status = 'pending' AND "
		"next_attempt_at <= NOW(3) AND (lease_until IS NULL OR lease_until < NOW(3)) "
		"ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED";
	static const char lease[] =
		"UPDATE webhook_deliveries SET lease_owner = ?, lease_until = NOW(3) + INTERVAL ? "
		"SECOND WHERE delivery_id IN (" IDS_16 ")";
	struct claim_tx *c = arg;
	struct db_arg args[2 + CLAIM_CHUNK];
	struct db_stmt *st;
	int rc;

	c->n = 0;
	if ((rc = db_run(&st, due, DB_ARGS(DB_INT(c->want)))))
		return rc;
	while ((long)c->n < c->want && (rc = db_next(st)) == 1)
		c->ids[c->n++] = db_int(st, 0);
	db_done(st);
	if (rc < 0) /* else 1 (as many as wanted) or 0 */
		return rc;
	rc = 0;
	args[0] = DB_STR(c->owner);
	args[1] = DB_INT(conf.webhooks_lease_seconds);
	for (size_t at = 0; at < c->n && !rc; at += CLAIM_CHUNK) {
		size_t k = c->n - at < CLAIM_CHUNK ? c->n - at : CLAIM_CHUNK;
		chunk_args(args + 2, c->ids + at, k);
		rc = db_exec(lease, args, 2 + CLAIM_CHUNK);
	}
	return rc;
}

/* Claim up to want due deliveries onto the waiting list. Returns how many (-1: failed). */
static long claim_due(long want)
{
	struct strbuf owner = STRBUF_INIT;
	unsigned long batch = ++batch_seq;
	long long t = now_ms();
	struct claim_tx c = { .want = want };
	long n = 0;

	if (want <= 0)
		return 0;
	owner_name(&owner, batch);
	c.owner = owner.buf;
	c.ids = xcalloc((size_t)want, sizeof(*c.ids));
	/* On failure what was claimed and not read waits for its lease to end. */
	if (db_transaction(claim_tx_body, &c) || (c.n && read_claimed(batch, c.ids, c.n, t) < 0))
		n = -1;
	else
		n = (long)c.n;
	if (n < 0)
		log_warn("claiming due deliveries failed; trying again later");
	free(c.ids);
	strbuf_release(&owner);
	return n;
}

/*
 * Start waiting deliveries while there is room. One whose lease would end before its attempt
 * surely has (10 s) is left to expire and be claimed again, so that no two daemons ever send it
 * together.
 */
static void start_ready(CURLM *multi)
{
	static const char drop[] =
		"UPDATE webhook_deliveries SET status = 'dropped', lease_owner = NULL, "
		"lease_until = NULL WHERE delivery_id = ?";
	struct ready *p;
	while (in_flight < conf.webhooks_max_in_flight && (p = ready_pop())) {
		if (p->drop) {
			db_exec(drop, DB_ARGS(DB_INT(p->j->delivery_id)));
			counters.dropped++;
		} else if (now_ms() + TRANSFER_MAX_MS + LEASE_MARGIN_MS > p->lease_end_ms) {
			log_warn("delivery %lld waited too long for a slot; it is sent when its "
				 "lease "
				 "ends",
				 p->j->delivery_id);
		} else {
			start_job(multi, p->j, p->url, p->sealed, p->sealed_len,
				  p->has_old ? p->old : NULL, p->old_len, p->uid);
			p->j = NULL; /* start_job's now */
		}
		ready_free(p);
	}
	disable_now();
}

/* Stopping: what was claimed and not started is given back at once, not when its lease ends. */
static void ready_release(void)
{
	static const char release[] =
		"UPDATE webhook_deliveries SET lease_owner = NULL, "
		"lease_until = NULL WHERE delivery_id = ? AND lease_owner = ?";
	struct ready *p;
	while ((p = ready_pop())) {
		struct strbuf owner = STRBUF_INIT;
		owner_name(&owner, p->batch);
		db_exec(release, DB_ARGS(DB_INT(p->j->delivery_id), DB_STR(owner.buf)));
		strbuf_release(&owner);
		ready_free(p);
	}
}

/* Every transfer that ended: off the multi handle, onto the list to record. Returns how many. */
static size_t reap(CURLM *multi)
{
	size_t reaped = 0;
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct job *j = NULL, **pp;
		long code = 0;
		CURLcode result = m->data.result;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
		curl_multi_remove_handle(multi, m->easy_handle);
		curl_easy_cleanup(j->easy); /* the connection stays in multi's pool */
		j->easy = NULL;
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
		job_done(j, code,
			 result == CURLE_OK ? NULL
			 : refused	    ? j->refused.buf
					    : curl_easy_strerror(result));
		reaped++;
	}
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
	/*
	 * GnuTLS comes with libcurl (through librtmp) and initialises itself as it loads, about 600
	 * KiB resident for a library this daemon never calls, unless the environment says not to:
	 * then run again with it so.
	 */
	if (!getenv("GNUTLS_NO_IMPLICIT_INIT") && !setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 1))
		execv("/proc/self/exe", argv); /* on failure, go on as we are */
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
	/*
	 * Before libcurl initialises OpenSSL: no error strings (the deliveries log shows libcurl's
	 * own messages) and no openssl.cnf, whose only use here would be a TLS policy, set on each
	 * transfer instead (TLS 1.2 at least). Both are run-once, so libcurl's later init with
	 * OPENSSL_INIT_LOAD_CONFIG keeps them off: about 1 MiB less resident.
	 */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS,
			    NULL);
	OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_SSL_STRINGS, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
	db_connect();
	if (pidfile)
		write_pidfile(pidfile);
	log_info("kinglet-webhookd started: socket %s, %lld in flight at most, %zu retries",
		 conf.webhooks_socket, conf.webhooks_max_in_flight, nschedule);

	/* Claimed and waiting beside what is in flight: a full house and two more in hand. */
	long ahead = 3 * conf.webhooks_max_in_flight;
	bool more_due = true; /* the last claim was full, or a nudge came: claim again now */
	long long next_fan = 0, next_claim = 0, next_prune = 0;
	while (!stop_requested || in_flight || n_done) {
		long long t = now_ms();
		if (report_requested) {
			report_requested = 0;
			report();
		}
		if (stop_requested && n_ready)
			ready_release();
		if (!stop_requested && t >= next_prune) {
			prune();
			next_prune = t + RETENTION_EVERY_MS;
		}
		/* The outbox: its deliveries claimed as they are made, and sent at once. */
		if (!stop_requested && t >= next_fan) {
			long room = ahead - in_flight - n_ready;
			size_t fanned = 0;
			if (fan_out(++batch_seq, room > 0 ? room : 0, &fanned))
				log_warn("fanning out the outbox failed; trying again later");
			/* Work until a batch comes back short: then the timer or a nudge goes on.
			 */
			next_fan = fanned == EVENT_BATCH ? t : t + conf.webhooks_scan_ms;
			start_ready(multi);
			curl_multi_perform(multi, &running);
		}
		/* Due deliveries (retries, pings, redeliveries, a backlog) before the list runs
		 * dry. */
		if (!stop_requested && (more_due || t >= next_claim) &&
		    n_ready < conf.webhooks_max_in_flight) {
			long want = ahead - in_flight - n_ready;
			long got = claim_due(want);
			more_due = got == want;
			next_claim = t + conf.webhooks_scan_ms;
		}
		start_ready(multi);
		curl_multi_perform(multi, &running);
		reap(multi);
		/* Recorded together: when a house full has ended, a little later, or when idle. */
		if (n_done && ((long)n_done >= conf.webhooks_max_in_flight ||
			       now_ms() - done_since >= RECORD_MS || stop_requested ||
			       (!in_flight && !n_ready))) {
			record_done();
			start_ready(multi);
		}
		struct curl_waitfd extra = { .fd = sock, .events = POLLIN };
		long long wait = (next_fan < next_claim ? next_fan : next_claim) - now_ms();
		if (more_due && n_ready < conf.webhooks_max_in_flight)
			wait = 0;
		if (n_done && done_since + RECORD_MS - now_ms() < wait)
			wait = done_since + RECORD_MS - now_ms();
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
			next_fan = 0;
			more_due = true;
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
