/* timefmt.h: the two time forms of API.md §3: ISO-8601 UTC, and Kinglet's human display string. */
#ifndef KINGLET_TIMEFMT_H
#define KINGLET_TIMEFMT_H

#include <time.h>

#include "strbuf.h"

/* "2026-11-23T14:08:39Z" */
void time_iso8601(struct strbuf *sb, time_t t);
/* "N mins ago" / "N hrs ago" when then is less than 24 hours before now, else "Nov 23, 2026". */
void time_human(struct strbuf *sb, time_t then, time_t now);

#endif
