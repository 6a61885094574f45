/*
 * format.h: which format an answer takes (API.md §12): JSON, or CSV asked for with a .csv suffix
 * on the last path segment or with Accept: text/csv. http_parse_head asks; a route with a CSV
 * form answers req->csv (http.h).
 */
#ifndef KINGLET_FORMAT_H
#define KINGLET_FORMAT_H

#include <stdbool.h>

/*
 * Take a .csv suffix off seg (a decoded path segment, NUL-terminated) and return true; false
 * when it has none, or is nothing but ".csv". It comes off before any routing, so that
 * /messages/7.csv is /messages/7 to every route table (and /messages/5x.csv the same 400 as
 * /messages/5x).
 */
bool format_strip_csv(char *seg);

/*
 * Whether an Accept header (NULL: none) asks for CSV: text/csv with a q above 0 that
 * application/json does not outrank. Wildcards ask for nothing in particular: JSON, the
 * default, serves them.
 */
bool format_accepts_csv(const char *accept);

#endif
