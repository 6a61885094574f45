/* mail_token.h: the single-use tokens account mails carry, and the account such a mail goes to. */
#ifndef KINGLET_MAIL_TOKEN_H
#define KINGLET_MAIL_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "strbuf.h"

/*
 * Create a single-use token for purpose ("activate", "reset", "email"), valid for seconds; its
 * text is appended to token (the caller's). Only its hash is stored. 0 or a db rc.
 */
int mail_token_create(long long user_id, const char *purpose, long long seconds,
		      struct strbuf *token);
/*
 * The user of the usable (unused, unexpired) token of purpose, 0 in *user_id when there is none;
 * never the system account's (API.md §2). With lock, the token's row stays locked until the
 * transaction ends. 0 or a db rc.
 */
int mail_token_find(const char *token, size_t len, const char *purpose, bool lock,
		    long long *user_id);
/*
 * Inside a transaction: mark the usable token of purpose used and give its user. *user_id is 0
 * when there is no such token. 0 or a db rc.
 */
int mail_token_consume(const char *token, size_t len, const char *purpose, long long *user_id);

/* The account a token mail goes to; owns its strings (mail_token_recipient_release). */
struct mail_token_recipient {
	long long user_id; /* 0: no such account */
	struct strbuf name, email;
};
#define MAIL_TOKEN_RECIPIENT_INIT                                                                  \
	{                                                                                          \
		0, STRBUF_INIT, STRBUF_INIT                                                        \
	}

/* Run sql (selecting user_id, user_name, email) and keep the first row in r. 0 or a db rc. */
int mail_token_recipient_find(const char *sql, const struct db_arg *args, size_t nargs,
			      struct mail_token_recipient *r);
void mail_token_recipient_release(struct mail_token_recipient *r);

#endif
