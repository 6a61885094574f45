/* mail_token.c: the single-use tokens account mails carry (activation, reset, e-mail change), and
 * the account such a mail goes to. */
#include "mail_token.h"

#include "token.h"
#include "validate.h"

#include "banned.h"

int mail_token_create(long long user_id, const char *purpose, long long seconds,
		      struct strbuf *token)
{
	static const char sql[] =
		"INSERT INTO mail_tokens (token_hash, user_id, purpose, expires_at) "
		"VALUES (?, ?, ?, NOW() + INTERVAL ? SECOND)";
	uint8_t hash[SHA256_LEN];
	if (token_new_hashed(token, hash) < 0)
		return DB_ERROR;
	return db_exec(sql, DB_ARGS(DB_STRN((const char *)hash, sizeof(hash)), DB_INT(user_id),
				    DB_STR(purpose), DB_INT(seconds)));
}

/* The unused, unexpired token of a purpose; never one of the system account (API.md §2). */
#define MAIL_TOKEN_FIND                                                                            \
	"SELECT m.user_id FROM mail_tokens m JOIN users u ON u.user_id = m.user_id "               \
	"WHERE m.token_hash = ? AND m.purpose = ? AND m.used_at IS NULL AND "                      \
	"m.expires_at > NOW() AND u.user_name <> '" USERS_SYSTEM_NAME "'"

int mail_token_find(const char *token, size_t len, const char *purpose, bool lock,
		    long long *user_id)
{
	static const char find[] = MAIL_TOKEN_FIND;
	static const char find_locked[] = MAIL_TOKEN_FIND " FOR UPDATE";
	uint8_t hash[SHA256_LEN];
	*user_id = 0;
	if (!token_well_formed(token, len))
		return 0;
	token_hash(token, len, hash);
	return db_first_int(user_id, lock ? find_locked : find,
			    DB_ARGS(DB_STRN((const char *)hash, sizeof(hash)), DB_STR(purpose)));
}

int mail_token_consume(const char *token, size_t len, const char *purpose, long long *user_id)
{
	static const char use[] = "UPDATE mail_tokens SET used_at = NOW() WHERE token_hash = ?";
	uint8_t hash[SHA256_LEN];
	int rc = mail_token_find(token, len, purpose, true, user_id);
	if (rc || !*user_id)
		return rc;
	token_hash(token, len, hash);
	return db_exec(use, DB_ARGS(DB_STRN((const char *)hash, sizeof(hash))));
}

int mail_token_recipient_find(const char *sql, const struct db_arg *args, size_t nargs,
			      struct mail_token_recipient *r)
{
	struct db_stmt *st;
	int rc = db_run(&st, sql, args, nargs);
	if (rc)
		return rc;
	if ((rc = db_next(st)) == 1) {
		r->user_id = db_int(st, 0);
		strbuf_addstr(&r->name, db_str(st, 1, NULL));
		strbuf_addstr(&r->email, db_str(st, 2, NULL));
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

void mail_token_recipient_release(struct mail_token_recipient *r)
{
	strbuf_release(&r->name);
	strbuf_release(&r->email);
}
