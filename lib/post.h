/* post.h: writing a post — a thread starter, a reply, the system's message on a decision — in its
 * transaction, with the Idempotency-Key protocol and the approval check (API.md §5.4, §5.7, §5.9).
 */
#ifndef KINGLET_POST_H
#define KINGLET_POST_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "strbuf.h"
#include "strvec.h"

struct auth;

/*
 * The message_text field: trimmed, 1 to messaging.max_chars code points. Returns the trimmed
 * text (borrowed from the request) and its length, or NULL having recorded an invalid param.
 */
const char *post_text(const struct http_request *req, struct http_response *resp, size_t *len);

enum post_kind {
	POST_STARTER, /* a new thread: the message, its members, their streams */
	POST_REPLY, /* a reply in thread_id: the message, the thread's counters, the streams */
};

/*
 * What a post stores. Every message row is written by post_store (post.c), inside a transaction:
 * post_run's, or the caller's own (a decision on a list request tells the requester in the
 * decision's transaction). What must happen with every message (issue 19's webhook outbox)
 * belongs there.
 */
/* Whether a member of the post has an active webhook, as far as the caller's statements told. */
enum post_hooks {
	POST_HOOKS_UNKNOWN, /* post_init's: the outbox statement looks for itself */
	POST_HOOKS_NONE, /* a WEBHOOKS_HOOKED_* column said none: no outbox statement */
	POST_HOOKS_SOME,
};

struct post {
	enum post_kind kind;
	long long author_id;
	const char *markup; /* borrowed from the caller; must outlive the post */
	size_t markup_len;
	struct strbuf html; /* the rendered markup (owned) */
	/*
	 * Starters: the members, the author first. member_ids[i] is the user named
	 * member_names.v[i]; both are owned by the post (post_add_member grows them,
	 * post_release frees them): a caller never lends its own array.
	 */
	long long *member_ids;
	struct strvec member_names;
	long long thread_id; /* replies: the thread's starter */
	enum post_hooks hooks; /* starters: the caller sets it; replies: post_store does */
};

/* Start a post of kind by author_id of markup (borrowed: it must outlive the post), rendered. */
void post_init(struct post *p, enum post_kind kind, long long author_id, const char *markup,
	       size_t len);
/* Add a member to a starter (name is copied). */
void post_add_member(struct post *p, long long user_id, const char *name);
/*
 * Fill starter p's members from the @mentions of its text (*mentioned: whether it has any): the
 * author first, then each mentioned active user once. Records an invalid param per unknown name. 0
 * or a db rc. All the names in one statement (a JSON array, in the order of the text), not one
 * round trip each; and whether a member has an active webhook (p->hooks), from the same rows.
 */
int post_resolve_mentions(struct http_response *resp, const struct auth *a, struct post *p,
			  bool *mentioned);
/* Free what the post owns (html, member_ids, member_names). */
void post_release(struct post *p);

/*
 * Inside the caller's transaction: write the post (per p->kind) and set *id to the new message.
 * 0 or a negative enum db_rc (the caller rolls back).
 */
int post_store(struct post *p, long long *id);

/*
 * Run the post's transaction (retried on deadlock) with the Idempotency-Key protocol, and answer
 * 201 with message_id and Location, a replay of the first answer, or the error. Returns the HTTP
 * status.
 */
int post_run(struct http_request *req, struct http_response *resp, struct post *p);

/*
 * With messaging.require_approval: record an invalid param for every recipient (ids[i], named
 * names[i]) other than author_id who has not approved author_id — except exempt_id (a thread's
 * starter, who invited its members), when not 0. 0 or a negative enum db_rc.
 */
int post_check_approvals(struct http_response *resp, long long author_id, const long long *ids,
			 const char *const *names, size_t n, long long exempt_id);

#endif
