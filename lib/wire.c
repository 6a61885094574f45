/* wire.c: version 0's renderings of single values (API.md §10), shared by every family. */
#include "wire.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "render.h"
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
