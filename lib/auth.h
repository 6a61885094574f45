/* auth.h: who is calling (API.md §2): Bearer token, X-Api-Key, or the Kinglet triple; sessions. */
#ifndef KINGLET_AUTH_H
#define KINGLET_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "db.h"
#include "http.h"
#include "digest.h"
#include "strbuf.h"
#include "validate.h"

enum auth_need {
	AUTH_READ, /* any valid credential */
	AUTH_WRITE, /* not a read-scoped personal access token (403 insufficient_scope) */
	AUTH_SESSION, /* a session from login, not a personal access token (403 forbidden) */
};

struct auth {
	long long user_id;
	char user_name[USER_NAME_MAX + 1];
	long long token_id; /* the credential's row, for logout and revocation */
	bool is_session; /* from login (else a personal access token) */
	bool can_write;
};

/*
 * Authenticate req. Every credential presented (Bearer, X-Api-Key, the triple's session_id) must
 * be the same token, and the triple's user_id and user_name must be its owner. Returns 0 with *a
 * filled, or an error status written into resp: 401 not_authenticated (nothing presented) or
 * invalid_session (with WWW-Authenticate), 400 duplicate_parameter, 403 per need, 429 when the
 * user is over the route's rate limit, 503.
 */
int auth_require(struct http_request *req, struct http_response *resp, enum auth_need need,
		 struct auth *a);

/*
 * auth_require in two halves, so that a handler's own statement can authenticate too (one round
 * trip to the database instead of two). auth_begin reads the credentials and answers what needs
 * no database (401 for missing, malformed or mismatched credentials, 400). The statement then
 * starts its FROM with AUTH_FROM (tokens t, their users tu), binds AUTH_ARGS before its own
 * arguments, and selects the AUTH_NCOLS columns AUTH_COLUMNS somewhere; a row means the token
 * exists (auth_end checks that it may be used). auth_end finishes with that row's columns from
 * first (st NULL when the statement read no row: it then looks the token up alone) and answers like
 * auth_require.
 */
struct auth_pending {
	enum auth_need need;
	uint8_t hash[SHA256_LEN]; /* of the token presented */
	bool api_key; /* presented as X-Api-Key: must be a personal access token */
	const char *t_name, *t_id; /* the triple's user_name and user_id, or NULL */
	/* user_name and user_id inside the JSON body (API.md §1): as text, or NULL */
	const char *j_name;
	char j_id[24];
};

/*
 * Whether the token may be used (not revoked, its user active, not expired) is a column, not a
 * condition of the join, and a session's idle time is checked in auth_end: MariaDB optimizes a
 * prepared statement again at every execution, and those conditions made it spend a third more
 * on GET /messages/N (bench/README.md).
 */
#define AUTH_FROM "tokens t JOIN users tu ON tu.user_id = t.user_id AND t.token_hash = ?"
#define AUTH_ARGS(ap) DB_STRN((const char *)(ap)->hash, SHA256_LEN)
#define AUTH_COLUMNS                                                                               \
	"t.token_id, t.user_id, t.kind, t.scope, tu.user_name, "                                   \
	"TIMESTAMPDIFF(SECOND, t.last_used_at, NOW()), t.revoked_at IS NULL AND "                  \
	"tu.user_status = 'active' AND (t.expires_at IS NULL OR t.expires_at > NOW())"
#define AUTH_NCOLS 7

int auth_begin(struct http_request *req, struct http_response *resp, enum auth_need need,
	       struct auth_pending *ap);
int auth_end(struct http_request *req, struct http_response *resp, const struct auth_pending *ap,
	     const struct db_stmt *st, unsigned first, struct auth *a);

/*
 * The client's address, for per-address limits: REMOTE_ADDR, or, when that is one of
 * http.trusted_proxies, the nearest address in X-Forwarded-For that is not a trusted proxy.
 * Valid until the next call.
 */
const char *auth_client_addr(const struct http_request *req);

/*
 * Create a session for user_id, ending auth.session_max_days after now however much it is used,
 * and append its token to token_out; *expires_at gets when it ends if unused: the earlier of its
 * idle expiry and that (Unix seconds). 0 or a negative enum db_rc.
 */
int auth_session_create(long long user_id, struct strbuf *token_out, long long *expires_at);
/* Revoke every session of user_id (and its personal access tokens too when all). 0 or db rc. */
int auth_revoke_user(long long user_id, bool all);

#endif
