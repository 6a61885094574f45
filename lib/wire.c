/* wire.c: version 0's renderings of single values and of error messages (API.md §10), shared by
 * every family. */
#include "wire.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "render.h"
#include "resp.h"
#include "timefmt.h"

#include "banned.h"

struct json_object *wire_int(int version, long long v)
{
	char b[24];
	if (version != WIRE_V0)
		return json_object_new_int64(v);
	int n = snprintf(b, sizeof(b), "%lld", v);
	return json_object_new_string_len(b, n);
}

struct json_object *wire_true(int version)
{
	return version == WIRE_V0 ? json_object_new_string("true") : json_object_new_boolean(1);
}

const char *wire_status(int version, const char *status)
{
	static const char *const letters[][2] = { { "active", "o" },
						  { "pending", "p" },
						  { "deleted", "d" } };
	if (version != WIRE_V0)
		return status;
	for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if (!strcmp(status, letters[i][0]))
			return letters[i][1];
	return status;
}

/*
 * The start of a mention anchor as render_text writes it under base, up to the name: rendering
 * "@a" and cutting the name and what follows it keeps the escaping render_text's own. with_slash
 * keeps the '/' render_text puts between base and name.
 */
static void mention_prefix(struct strbuf *out, const char *base, bool with_slash)
{
	static const char tail[] = "a\" title=\"a\">@a</a>";
	render_text(out, "@a", 2, base);
	strbuf_setlen(out, out->len - (sizeof(tail) - 1) - (with_slash ? 0 : 1));
}

void wire_v0_html(struct strbuf *out, const char *html, size_t len)
{
	/* Per process: the configuration does not change while it runs. */
	static struct strbuf from = STRBUF_INIT, to = STRBUF_INIT;
	if (!from.len) {
		struct strbuf users = STRBUF_INIT;
		strbuf_addf(&users, "%s/users", conf.http_base_path);
		mention_prefix(&from, users.buf, true);
		mention_prefix(&to, conf.api_v0_user_link, false);
		strbuf_release(&users);
	}
	const char *p = html, *end = html + len, *hit;
	while ((hit = memmem(p, (size_t)(end - p), from.buf, from.len))) {
		strbuf_add(out, p, (size_t)(hit - p));
		strbuf_add(out, to.buf, to.len);
		p = hit + from.len;
	}
	strbuf_add(out, p, (size_t)(end - p));
}

void wire_v0_names(struct strbuf *out, const char *names, char sep)
{
	strbuf_addch(out, sep);
	for (const char *p = names; *p; p++)
		strbuf_addch(out, *p == ' ' ? sep : *p);
	strbuf_addch(out, sep);
}

void wire_time(struct json_object *o, int version, const char *iso_key, const char *human_key,
	       time_t t, enum wire_date form)
{
	if (version != WIRE_V0) {
		time_json_add(o, iso_key, human_key, t);
		return;
	}
	struct strbuf sb = STRBUF_INIT;
	if (form == WIRE_AGO)
		time_v0_ago(&sb, t, time(NULL));
	else if (form == WIRE_DATE)
		time_date(&sb, t);
	else
		time_v0_at(&sb, t);
	json_object_object_add(o, human_key, json_object_new_string_len(sb.buf, (int)sb.len));
	strbuf_release(&sb);
}

/*
 * Version 0's user_message (API.md §10): the original's words for what went wrong, instead of the
 * generic "Invalid input.". A row applies to a route ("METHOD /pattern"; NULL: any), an error
 * code and, for validation errors, the first invalid param's name (NULL: any; "@": a mentioned
 * user, whose name "{name}" stands for) and reason (NULL: any). The first matching row wins.
 */
struct v0_words {
	const char *route;
	enum err_code err;
	const char *param, *reason;
	const char *words;
};

#define V0_NOT_ASKED "You cannot message '{name}' because "
static const struct v0_words v0_words[] = {
	{ NULL, ERR_NOT_AUTHENTICATED, NULL, NULL, "Invalid access." },
	{ NULL, ERR_INVALID_SESSION, NULL, NULL, "Invalid access." },
	{ NULL, ERR_FORBIDDEN, NULL, NULL, "Invalid access." },
	{ NULL, ERR_INVALID_CREDENTIALS, NULL, NULL, "Invalid login." },
	{ NULL, ERR_WRONG_PASSWORD, NULL, NULL, "Old password is incorrect." },
	{ "POST /users", ERR_USER_NAME_TAKEN, NULL, NULL, "CreateUser - Error creating account." },
	{ "POST /users", ERR_EMAIL_TAKEN, NULL, NULL, "CreateUser - Error creating account." },
	{ NULL, ERR_EMAIL_TAKEN, NULL, NULL, "Duplicate entry" },
	{ "GET /messages/{id}", ERR_NOT_FOUND, NULL, NULL, "Message unavailable." },
	{ "GET /messages/{id}", ERR_INVALID_PATH_PARAMETER, NULL, NULL, "Invalid message ID." },
	{ "GET /users/{name}", ERR_NOT_FOUND, NULL, NULL, "Could not retrieve user information." },
	{ "GET /lists/request/{name}", ERR_NOT_FOUND, NULL, NULL, "Invalid recipient username." },
	{ "POST /lists/request/{name}", ERR_NOT_FOUND, NULL, NULL, "Invalid recipient username." },
	{ NULL, ERR_REQUEST_EXISTS, NULL, NULL, "Request made earlier." },
	{ NULL, ERR_VALIDATION, "user_name", "self", "Invalid request." },
	{ "GET /lists/approve/{name}", ERR_NOT_FOUND, NULL, NULL, "No request." },
	{ "POST /lists/approve/{name}", ERR_NOT_FOUND, NULL, NULL, "No request." },
	{ "GET /lists/reject/{name}", ERR_NOT_FOUND, NULL, NULL, "No request." },
	{ "POST /lists/reject/{name}", ERR_NOT_FOUND, NULL, NULL, "No request." },
	{ NULL, ERR_VALIDATION, "message_text", "missing", "You must enter text." },
	{ NULL, ERR_VALIDATION, "message_text", "no_mention",
	  "You have to include at least one recipient name in your new message." },
	{ NULL, ERR_VALIDATION, "@", "unknown_user", "User '{name}' does not exist." },
	{ NULL, ERR_VALIDATION, "@", "not_asked",
	  V0_NOT_ASKED "you have not requested to be added to the user's approved list." },
	{ NULL, ERR_VALIDATION, "@", "pending",
	  V0_NOT_ASKED "your request to be added to the user's approved list is still pending a "
		       "decision by the user." },
	{ NULL, ERR_VALIDATION, "@", "rejected",
	  V0_NOT_ASKED "your request to be added to the user's approved list was rejected." },
	{ NULL, ERR_VALIDATION, "reply_to_id", "mismatch", "Invalid reply to id given." },
	{ NULL, ERR_VALIDATION, "reply_to_id", NULL,
	  "The message id being replied to is missing or not numeric." },
	{ NULL, ERR_VALIDATION, "reply_to_content_digest", "mismatch",
	  "Invalid reply to content digest given." },
	{ NULL, ERR_VALIDATION, "reply_to_content_digest", NULL, "Missing content digest." },
	{ NULL, ERR_VALIDATION, "user_name", "missing", "Missing username." },
	{ NULL, ERR_VALIDATION, "user_name", NULL,
	  "Username must contain fewer than 31 characters, and only letters, numbers, and "
	  "underscores are allowed." },
	{ NULL, ERR_VALIDATION, "email", "missing", "Missing e-mail." },
	{ NULL, ERR_VALIDATION, "email", NULL, "E-mail has incorrect syntax." },
	{ NULL, ERR_VALIDATION, "verify_password", "mismatch",
	  "New password and verify password do not match." },
	{ NULL, ERR_VALIDATION, "old_password", "missing",
	  "Missing old, new, or verify password." },
	{ NULL, ERR_VALIDATION, "new_password", "missing",
	  "Missing old, new, or verify password." },
	{ NULL, ERR_VALIDATION, "verify_password", "missing",
	  "Missing old, new, or verify password." },
	{ NULL, ERR_VALIDATION, "new_password", NULL,
	  "Password shorter than eight characters or longer than 30 characters or contains "
	  "invalid characters." },
};
#undef V0_NOT_ASKED

/* Whether the row's route ("METHOD /pattern", NULL: any) is the request's (method NULL: none). */
static bool v0_route_is(const char *method, const char *pattern, const char *route)
{
	if (!route)
		return true;
	if (!method)
		return false;
	size_t mlen = strlen(method);
	return !strncmp(route, method, mlen) && route[mlen] == ' ' &&
	       !strcmp(route + mlen + 1, pattern);
}

/* The string field key of the first invalid param, or "". */
static const char *first_invalid(const struct http_response *resp, const char *key)
{
	struct json_object *p, *v;
	if (!resp->invalid_params || !json_object_array_length(resp->invalid_params))
		return "";
	p = json_object_array_get_idx(resp->invalid_params, 0);
	return json_object_object_get_ex(p, key, &v) ? json_object_get_string(v) : "";
}

/* out = words with "{name}" replaced by name. */
static void v0_fill(struct strbuf *out, const char *words, const char *name)
{
	const char *hole = strstr(words, "{name}");
	if (!hole) {
		strbuf_addstr(out, words);
		return;
	}
	strbuf_add(out, words, (size_t)(hole - words));
	strbuf_addstr(out, name);
	strbuf_addstr(out, hole + 6);
}

void wire_v0_user_message(const char *method, const char *pattern, const char *first_segment,
			  const struct http_response *resp, struct strbuf *out)
{
	const char *param = first_invalid(resp, "name");
	const char *reason = first_invalid(resp, "reason");
	bool mention = param[0] == '@';

	/* A handler's own words (resp_error_user) are already the right ones. */
	if (strcmp(resp->user_message.buf, err_info(resp->err)->user_message)) {
		strbuf_add(out, resp->user_message.buf, resp->user_message.len);
		return;
	}
	if (resp->err == ERR_NOT_FOUND && !method) {
		strbuf_addf(out, "Invalid function: %.64s.", first_segment);
		return;
	}
	for (size_t i = 0; i < sizeof(v0_words) / sizeof(*v0_words); i++) {
		const struct v0_words *w = &v0_words[i];
		if (w->err != resp->err || !v0_route_is(method, pattern, w->route))
			continue;
		if (w->param && strcmp(w->param, mention ? "@" : param))
			continue;
		if (w->reason && strcmp(w->reason, reason))
			continue;
		v0_fill(out, w->words, mention ? param + 1 : param);
		return;
	}
	if (resp->err == ERR_VALIDATION && *first_invalid(resp, "message"))
		strbuf_addstr(out, first_invalid(resp, "message"));
	else
		strbuf_add(out, resp->user_message.buf, resp->user_message.len);
}
