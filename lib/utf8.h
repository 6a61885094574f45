/* utf8.h: strict UTF-8 validation and code-point counting for all text from outside. */
#ifndef KINGLET_UTF8_H
#define KINGLET_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when s[0..len) is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF) and contains no NUL byte.
 */
bool utf8_valid(const char *s, size_t len);
/*
 * Make s[0..len) valid UTF-8 without NUL in place: every byte that does not belong to a
 * well-formed sequence becomes '?'. For text we answer with that may hold bytes from outside cut
 * anywhere ("%.40s" of a path segment, a Content-Type as sent): JSON must be UTF-8.
 */
void utf8_scrub(char *s, size_t len);
/* Number of code points in valid UTF-8 (counts lead bytes). */
size_t utf8_length(const char *s, size_t len);

#endif
