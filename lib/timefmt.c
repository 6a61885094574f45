/* timefmt.c: ISO-8601 and "N mins ago" time strings. */
#include "timefmt.h"

#include <string.h>

#include "csv.h"

#include "banned.h"

/* Two digits of v (0-99) at p; the next position. */
static char *two_digits(char *p, int v)
{
	*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/*
 * Digits by hand for years 0-9999 (what printf would write): every message of a list has two
 * times, and vsnprintf was a tenth of a stream page's instructions.
 */
void time_iso8601(struct strbuf *sb, time_t t)
{
	struct tm tm;
	char b[20], *p = b;
	gmtime_r(&t, &tm);
	int year = tm.tm_year + 1900;
	if (year < 0 || year > 9999) {
		strbuf_addf(sb, "%04d-%02d-%02dT%02d:%02d:%02dZ", year, tm.tm_mon + 1, tm.tm_mday,
			    tm.tm_hour, tm.tm_min, tm.tm_sec);
		return;
	}
	p = two_digits(two_digits(p, year / 100), year % 100);
	*p++ = '-';
	p = two_digits(p, tm.tm_mon + 1);
	*p++ = '-';
	p = two_digits(p, tm.tm_mday);
	*p++ = 'T';
	p = two_digits(p, tm.tm_hour);
	*p++ = ':';
	p = two_digits(p, tm.tm_min);
	*p++ = ':';
	p = two_digits(p, tm.tm_sec);
	*p++ = 'Z';
	strbuf_add(sb, b, (size_t)(p - b));
}

void time_date(struct strbuf *sb, time_t t)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	char b[16], *p = b;
	gmtime_r(&t, &tm);
	int year = tm.tm_year + 1900;
	if (year < 0 || year > 9999) {
		strbuf_addf(sb, "%s %02d, %d", months[tm.tm_mon], tm.tm_mday, year);
		return;
	}
	memcpy(p, months[tm.tm_mon], 3);
	p += 3;
	*p++ = ' ';
	p = two_digits(p, tm.tm_mday);
	*p++ = ',';
	*p++ = ' ';
	if (year >= 1000)
		p = two_digits(p, year / 100);
	else if (year >= 100)
		*p++ = (char)('0' + year / 100);
	if (year >= 10)
		p = two_digits(p, year % 100);
	else
		*p++ = (char)('0' + year);
	strbuf_add(sb, b, (size_t)(p - b));
}

void time_human(struct strbuf *sb, time_t then, time_t now)
{
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
		time_date(sb, then);
	}
}

void time_v0_ago(struct strbuf *sb, time_t then, time_t now)
{
	long long age = (long long)now - (long long)then;
	/* The original counted seconds under a minute, always "secs" (and "0 secs ago"). */
	if (age < 60)
		strbuf_addf(sb, "%lld secs ago", age < 0 ? 0 : age);
	else
		time_human(sb, then, now);
}

void time_v0_at(struct strbuf *sb, time_t t)
{
	struct tm tm;
	char b[16], *p = b;
	gmtime_r(&t, &tm);
	time_date(sb, t);
	int h12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
	p = two_digits(p, h12);
	*p++ = ':';
	p = two_digits(p, tm.tm_min);
	*p++ = ':';
	p = two_digits(p, tm.tm_sec);
	memcpy(p, tm.tm_hour < 12 ? " AM" : " PM", 3);
	p += 3;
	strbuf_addstr(sb, " at ");
	strbuf_add(sb, b, (size_t)(p - b));
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

void time_csv_add(struct strbuf *row, time_t t, bool human)
{
	struct strbuf sb = STRBUF_INIT;
	time_iso8601(&sb, t);
	csv_cell(row, sb.buf, sb.len);
	if (human) {
		strbuf_reset(&sb);
		time_human(&sb, t, time(NULL));
		csv_cell(row, sb.buf, sb.len);
	}
	strbuf_release(&sb);
}
