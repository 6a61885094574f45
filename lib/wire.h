/* wire.h: how a value is written in each wire version (API.md §10): version 0's strings, status
 * letters, mention links, recipient lists and dates beside version 1's forms. */
#ifndef KINGLET_WIRE_H
#define KINGLET_WIRE_H

#include <json-c/json.h>
#include <stddef.h>
#include <time.h>

#include "strbuf.h"

struct http_response; /* resp.h */

/* The version that renders the original Kinglet's shapes; 1 is the contract. */
#define WIRE_V0 0

/*
 * A number the original read from its database (an id, a stored count): version 1 writes the
 * number, version 0 its decimal string ("36"). A new reference.
 */
struct json_object *wire_int(int version, long long v);
/* A flag that is set: true, or the original's "true" in version 0. A new reference. */
struct json_object *wire_true(int version);
/*
 * A user or message status: version 1's word, or version 0's letter ("active" "o", "pending"
 * "p", "deleted" "d"). Returns status itself, or a static string.
 */
const char *wire_status(int version, const char *status);

/*
 * Append the stored HTML of a text (render_text with @name linked under http.base_path/users)
 * with each mention linked as version 0 links it instead: api.v0_user_link followed by the
 * name. Only render_text's own anchors can hold that prefix: text arrives escaped.
 */
void wire_v0_html(struct strbuf *out, const char *html, size_t len);

/*
 * Append stored recipient names ("a b c", space-separated) as version 0 writes them: sep before
 * and after each name (' ' for " a b c " in lists, '|' for "|a|b|c|" of one message).
 */
void wire_v0_names(struct strbuf *out, const char *names, char sep);

/* Version 0's display forms of a time (timefmt.h). */
enum wire_date {
	WIRE_AGO, /* "N secs ago" ... "Nov 23, 2026" (lists) */
	WIRE_DATE, /* "Nov 23, 2026" */
	WIRE_AT, /* "Nov 23, 2026 at 02:08:39 PM" */
};

/*
 * Add the time t to o: version 1 both forms (iso_key ISO-8601, human_key "N mins ago", as
 * time_json_add), version 0 only human_key in the form given.
 */
void wire_time(struct json_object *o, int version, const char *iso_key, const char *human_key,
	       time_t t, enum wire_date form);

/*
 * Version 0's user_message for the error in resp: the original's words for the route (method and
 * pattern of the matched route, both NULL when none matched; first_segment names an unknown
 * one), code and first invalid param, else the first invalid param's message, else resp's own.
 * Appends to out.
 */
void wire_v0_user_message(const char *method, const char *pattern, const char *first_segment,
			  const struct http_response *resp, struct strbuf *out);

#endif
