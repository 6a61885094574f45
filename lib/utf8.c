/* utf8.c: the UTF-8 validator (Unicode Table 3-7 well-formed byte sequences). */
#include "utf8.h"

#include "banned.h"

/* The length of the well-formed sequence at s (before end), 0 if there is none or it is NUL. */
static size_t sequence_len(const unsigned char *s, const unsigned char *end)
{
	unsigned char c = *s;
	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 1;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 2;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 3;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if ((size_t)(end - s) <= n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i <= n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n + 1;
}

bool utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len;
	while (s < end) {
		size_t n = sequence_len(s, end);
		if (!n)
			return false;
		s += n;
	}
	return true;
}

void utf8_scrub(char *str, size_t len)
{
	unsigned char *s = (unsigned char *)str, *end = s + len;
	while (s < end) {
		size_t n = sequence_len(s, end);
		if (!n) {
			*s = '?';
			n = 1;
		}
		s += n;
	}
}

size_t utf8_length(const char *str, size_t len)
{
	size_t count = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)str[i] & 0xC0) != 0x80)
			count++;
	return count;
}
