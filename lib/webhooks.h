/* webhooks.h: webhooks (API.md §11): the /webhooks routes, the outbox the posting code writes, the
 * address rules against SSRF and the signing secrets at rest. */
#ifndef KINGLET_WEBHOOKS_H
#define KINGLET_WEBHOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "http.h"
#include "strbuf.h"

#define WEBHOOKS_URL_MAX 2048
#define WEBHOOKS_SECRET_BYTES 32
/* The secret as stored: AES-256-GCM nonce, ciphertext, tag. */
#define WEBHOOKS_SEALED_BYTES (12 + WEBHOOKS_SECRET_BYTES + 16)

/* ---- the routes (lib/webhooks.c) ---- */

/* POST /webhooks */
int webhooks_create(struct http_request *req, struct http_response *resp);
/* GET /webhooks */
int webhooks_list(struct http_request *req, struct http_response *resp);
/* GET /webhooks/{id} */
int webhooks_get(struct http_request *req, struct http_response *resp);
/* PATCH /webhooks/{id} */
int webhooks_update(struct http_request *req, struct http_response *resp);
/* DELETE /webhooks/{id} */
int webhooks_delete(struct http_request *req, struct http_response *resp);
/* POST /webhooks/{id}/secret */
int webhooks_rotate(struct http_request *req, struct http_response *resp);
/* POST /webhooks/{id}/ping */
int webhooks_ping(struct http_request *req, struct http_response *resp);
/* GET /webhooks/{id}/deliveries */
int webhooks_deliveries(struct http_request *req, struct http_response *resp);
/* POST /webhooks/{id}/deliveries/{did}/redeliver */
int webhooks_redeliver(struct http_request *req, struct http_response *resp);

/* ---- the outbox (lib/webhooks_outbox.c): one call inside each change's transaction ---- */

/*
 * The outbox's test read by a statement the change runs anyway: true when one of the users
 * concerned has an active hook. A change that learns "none" this way runs no outbox statement, so
 * that without hooks a post runs just the statements it ran before webhooks (issue 19); a hook
 * registered while such a request is under way may miss that one change (README, "Webhooks").
 * WEBHOOKS_HOOKED_USER: a column of user u (users.active_hooks, migration 011), so the members'
 * lookup of a new thread adds its author's name to read it for them too (WEBHOOKS_OUTBOX).
 * WEBHOOKS_HOOKED_THREAD: a member of the thread whose starter is m has one.
 */
#ifndef KINGLET_BENCH_NO_OUTBOX
enum { WEBHOOKS_OUTBOX = 1 };
#define WEBHOOKS_HOOKED_USER "u.active_hooks > 0"
#define WEBHOOKS_HOOKED_THREAD                                                                     \
	"EXISTS (SELECT 1 FROM thread_members tm JOIN webhooks w ON w.user_id = tm.user_id "       \
	"AND w.active = 1 WHERE tm.thread_id = m.message_id)"
#else
/* make bench's "POST /messages as before webhooks" (post_base): no hooks looked for. */
enum { WEBHOOKS_OUTBOX = 0 };
#define WEBHOOKS_HOOKED_USER "0"
#define WEBHOOKS_HOOKED_THREAD "0"
#endif

/*
 * Message id was stored (a starter or a reply, in thread_id): its members' sent and received
 * events, written only when one of them has an active hook. 0 or a negative enum db_rc.
 */
int webhooks_outbox_message(long long thread_id, long long message_id);
/*
 * Message id of thread_id is being deleted: call before the thread's members may go, since they
 * are who could see it. 0 or a negative enum db_rc.
 */
int webhooks_outbox_deleted(long long thread_id, long long message_id);
/*
 * An approval request: requested (actor asked subject, status "pending") or decided (actor
 * decided subject's request, status "approved" or "rejected"). 0 or a negative enum db_rc.
 */
int webhooks_outbox_approval(bool decided, long long actor_id, long long subject_id,
			     const char *status);
/*
 * Tell kinglet-webhookd (a datagram on webhooks.socket) that there is something to send, so that
 * it need not wait for its next scan: after an outbox write's COMMIT (db_after_commit), and from
 * the ping and redeliver routes.
 */
void webhooks_nudge(void);

/* ---- addresses (lib/webhooks_addr.c) ---- */

/* A parsed hook URL: https or http, the host as written (brackets removed), the port. */
struct webhooks_url {
	bool https;
	char host[256];
	int port;
};

/*
 * Check url's syntax: http or https, at most WEBHOOKS_URL_MAX bytes, a host, no user or
 * password, no white space or control characters. Returns 0, or -1 with a reason in why.
 */
int webhooks_url_parse(const char *url, size_t len, struct webhooks_url *out, struct strbuf *why);
/* Whether an address is one webhooks may never reach (loopback, private, reserved, ...). */
bool webhooks_addr_forbidden(const struct sockaddr *sa);
/*
 * Whether sa may be reached (always, with allow_private): 0, or -1 with a reason in why. The
 * address's text into text either way (empty when it is not IPv4 or IPv6).
 */
int webhooks_addr_check(const struct sockaddr *sa, bool allow_private, char text[64],
			struct strbuf *why);
/*
 * Resolve u's host and check every address (unless allow_private), blocking: the registration
 * route's check (kinglet-webhookd checks the address libcurl connects to instead). Returns 0 with
 * the first address's text in addr (for pinning the connection to it), -1 with a reason in why when
 * an address is forbidden, -2 when the name does not resolve.
 */
int webhooks_resolve(const struct webhooks_url *u, bool allow_private, char addr[64],
		     struct strbuf *why);

/* ---- secrets (lib/webhooks_secret.c) ---- */

/*
 * Read the 256-bit key of webhooks.key_file (64 hex digits; the file must not be readable by
 * group or others). Returns 0, or -1 (logged). Kept for the process.
 */
int webhooks_key_load(void);
/* A fresh secret: its bytes into raw, its text (whsec_ and base64) appended to text. 0 or -1. */
int webhooks_secret_new(uint8_t raw[WEBHOOKS_SECRET_BYTES], struct strbuf *text);
/* Seal raw for user_id's hook into out (WEBHOOKS_SEALED_BYTES). 0 or -1. */
int webhooks_secret_seal(const uint8_t raw[WEBHOOKS_SECRET_BYTES], long long user_id,
			 uint8_t out[WEBHOOKS_SEALED_BYTES]);
/* Open a sealed secret of user_id's hook into raw. 0, or -1 when it is not authentic. */
int webhooks_secret_open(const uint8_t *sealed, size_t len, long long user_id,
			 uint8_t raw[WEBHOOKS_SECRET_BYTES]);

#endif
