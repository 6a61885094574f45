/* timefmt.c: ISO-8601 and "N mins ago" time strings. */
#include "timefmt.h"

#include "banned.h"

void time_iso8601(struct strbuf *sb, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strbuf_addf(sb, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void time_human(struct strbuf *sb, time_t then, time_t now)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	long long age = (long long)now - (long long)then;
	if (age < 0)
		age = 0;
	if (age < 3600) {
		long long m = age / 60;
		strbuf_addf(sb, "%lld min%s ago", m, m == 1 ? "" : "s");
	} else if (age < 86400) {
		long long h = age / 3600;
		strbuf_addf(sb, "%lld hr%s ago", h, h == 1 ? "" : "s");
	} else {
		struct tm tm;
		gmtime_r(&then, &tm);
		strbuf_addf(sb, "%s %02d, %d", months[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900);
	}
}

void time_json_add(struct json_object *o, const char *iso_key, const char *human_key, time_t t)
{
	struct strbuf sb = STRBUF_INIT;
	time_iso8601(&sb, t);
	json_object_object_add(o, iso_key, json_object_new_string_len(sb.buf, (int)sb.len));
	if (human_key) {
		strbuf_reset(&sb);
		time_human(&sb, t, time(NULL));
		json_object_object_add(o, human_key,
				       json_object_new_string_len(sb.buf, (int)sb.len));
	}
	strbuf_release(&sb);
}
