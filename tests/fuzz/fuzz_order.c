/* fuzz_order.c: order= values (page_order_parse), against a plain reading of API.md §12's grammar.
 */
#include "fuzz.h"

#include "page.h"

/* Input: the parameter's value (any bytes, NUL included: the parser takes a length). */

struct ref_term {
	size_t start, len; /* the field's offset and length in the value */
	bool desc;
};

/*
 * The grammar written again, the plain way, by offsets: up to PAGE_MAX_ORDER_TERMS
 * comma-separated terms, each a non-empty field, then nothing, ".asc" or ".desc"; no field twice.
 * Returns the number of terms, or 0.
 */
static size_t reference_parse(const char *s, size_t len, struct ref_term *t)
{
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != ',')
			continue;
		if (n == PAGE_MAX_ORDER_TERMS)
			return 0;
		size_t part = i - start, flen = 0;
		while (flen < part && s[start + flen] != '.')
			flen++;
		if (!flen)
			return 0;
		if (flen < part) {
			const char *dir = s + start + flen + 1;
			size_t dlen = part - flen - 1;
			t[n].desc = dlen == 4 && !memcmp(dir, "desc", 4);
			if (!t[n].desc && !(dlen == 3 && !memcmp(dir, "asc", 3)))
				return 0;
		} else {
			t[n].desc = false;
		}
		t[n].start = start;
		t[n].len = flen;
		for (size_t k = 0; k < n; k++)
			if (t[k].len == flen && !memcmp(s + t[k].start, s + start, flen))
				return 0;
		n++;
		start = i + 1;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct page_order_term terms[PAGE_MAX_ORDER_TERMS];
	struct ref_term want[PAGE_MAX_ORDER_TERMS];
	const char *why;
	/* A copy of exactly the value: reading one byte past it is an ASan report. */
	char *value = xmemdupz(data, size);

	size_t n = page_order_parse(value, size, terms, &why);
	fuzz_assert(n == reference_parse(value, size, want));
	fuzz_assert(n ? why == NULL : why != NULL && *why);
	for (size_t i = 0; i < n; i++) {
		fuzz_assert(terms[i].field == value + want[i].start);
		fuzz_assert(terms[i].len == want[i].len && terms[i].desc == want[i].desc);
		fuzz_assert(!memchr(terms[i].field, ',', terms[i].len));
		fuzz_assert(!memchr(terms[i].field, '.', terms[i].len));
	}
	free(value);
	return 0;
}
