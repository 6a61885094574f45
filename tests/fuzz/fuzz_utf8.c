/* fuzz_utf8.c: the UTF-8 validator, code-point counter and scrubber, against a plain decoder. */
#include "fuzz.h"

/* Input: any bytes. */

/*
 * RFC 3629 the arithmetic way: decode each sequence, then refuse overlong forms, surrogates,
 * anything above U+10FFFF and NUL. Counts the code points into *count.
 */
static bool reference_valid(const unsigned char *s, size_t len, size_t *count)
{
	*count = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n;
		unsigned long cp, min;
		if (c < 0x80) {
			n = 0, cp = c, min = 1;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
		(*count)++;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t count;
	/* A copy of exactly the bytes: reading one byte past them is an ASan report. */
	char *s = malloc(size ? size : 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	bool valid = utf8_valid(s, size);
	fuzz_assert(valid == reference_valid(data, size, &count));
	if (valid)
		fuzz_assert(utf8_length(s, size) == count);
	/* Scrubbing makes anything valid, and leaves valid text as it was. */
	utf8_scrub(s, size);
	fuzz_assert(utf8_valid(s, size));
	if (valid)
		fuzz_assert(!memcmp(s, data, size));
	for (size_t i = 0; i < size; i++)
		fuzz_assert(s[i] == (char)data[i] || s[i] == '?');
	free(s);
	return 0;
}
