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
/* Number of code points in valid UTF-8 (counts lead bytes). */
size_t utf8_length(const char *s, size_t len);

#endif
