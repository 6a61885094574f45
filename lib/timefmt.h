/* timefmt.h: the two time forms of API.md §3: ISO-8601 UTC, and Kinglet's human display string. */
#ifndef KINGLET_TIMEFMT_H
#define KINGLET_TIMEFMT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <time.h>

#include "strbuf.h"

/* "2026-11-23T14:08:39Z" */
void time_iso8601(struct strbuf *sb, time_t t);
/* "N mins ago" / "N hrs ago" when then is less than 24 hours before now, else "Nov 23, 2026". */
void time_human(struct strbuf *sb, time_t then, time_t now);
/* The date of t: "Nov 03, 2026" (the original Kinglet's "%b %d, %Y", in UTC). */
void time_date(struct strbuf *sb, time_t t);
/*
 * Version 0's list date (API.md §10): "N secs ago" under a minute (0 and 1 too), then as
 * time_human ("1 min ago", "N mins ago", "1 hr ago", "N hrs ago", "Nov 23, 2026").
 */
void time_v0_ago(struct strbuf *sb, time_t then, time_t now);
/* Version 0's date of one message: "Jan 17, 2014 at 06:03:54 PM" (UTC, no zone marker). */
void time_v0_at(struct strbuf *sb, time_t t);
/* Add both forms of t to o: iso_key (ISO-8601) and, when human_key is not NULL, human_key. */
void time_json_add(struct json_object *o, const char *iso_key, const char *human_key, time_t t);
/* As time_json_add, as CSV cells (csv.h) of a row: the ISO-8601 one, then (human) the other. */
void time_csv_add(struct strbuf *row, time_t t, bool human);

#endif
