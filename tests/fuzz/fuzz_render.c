/* fuzz_render.c: message text to HTML (render_text) and the plain-text excerpt (render_excerpt). */
#include "fuzz.h"

#include "render.h"

/* Input: one byte, the excerpt's max_chars, then the message text (any bytes). */
#define USER_BASE "/api/v1/users"

static bool starts(const char *s, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);
	return (size_t)(end - s) >= n && !memcmp(s, prefix, n);
}

/* An attribute value up to its closing quote: escaped text only. Returns the quote, or NULL. */
static const char *attr_end(const char *s, const char *end)
{
	for (; s < end && *s != '"'; s++)
		if (*s == '<' || *s == '>' || *s == '\'')
			return NULL;
	return s < end ? s : NULL;
}

static bool href_allowed(const char *s, const char *end)
{
	if (starts(s, end, USER_BASE "/"))
		return true;
	size_t n = (size_t)(end - s);
	return (n >= 7 && !strncasecmp(s, "http://", 7)) ||
	       (n >= 8 && !strncasecmp(s, "https://", 8));
}

/*
 * The promise of render_text: escaped text, <br /> and <a href="..." title="...">text</a> with an
 * http(s) or user link, nothing else; no control characters but tab.
 */
static void check_html(const char *s, size_t len)
{
	static const char *const entities[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
	const char *end = s + len;
	bool in_link = false;
	while (s < end) {
		unsigned char c = (unsigned char)*s;
		if (c == '&') {
			size_t e = 0;
			while (e < 5 && !starts(s, end, entities[e]))
				e++;
			fuzz_assert(e < 5);
			s += strlen(entities[e]);
		} else if (c == '<') {
			if (starts(s, end, "<br />")) {
				s += 6;
			} else if (in_link) {
				fuzz_assert(starts(s, end, "</a>"));
				s += 4;
				in_link = false;
			} else {
				fuzz_assert(starts(s, end, "<a href=\""));
				const char *href = s + 9, *q = attr_end(href, end);
				fuzz_assert(q && href_allowed(href, q));
				fuzz_assert(starts(q, end, "\" title=\""));
				q = attr_end(q + 9, end);
				fuzz_assert(q && starts(q, end, "\">"));
				s = q + 2;
				in_link = true;
			}
		} else {
			fuzz_assert(c != '>' && c != '"' && c != '\'');
			fuzz_assert(c == '\t' || (c >= 0x20 && c != 0x7f));
			s++;
		}
	}
	fuzz_assert(!in_link);
}

static void check_excerpt(const char *s, size_t len, size_t max_chars, bool valid_input)
{
	/* Text that is not UTF-8 breaks render_excerpt's contract: it only must not crash. */
	if (!valid_input)
		return;
	fuzz_assert(!memchr(s, '\0', len));
	fuzz_assert(utf8_valid(s, len));
	fuzz_assert(utf8_length(s, len) <= max_chars + 4);
	fuzz_assert(!len || s[0] != ' ');
	fuzz_assert(!memmem(s, len, "  ", 2));
	/* No markup survives, closed or not (API.md §5.8). */
	for (size_t i = 0; i < len; i++)
		fuzz_assert((unsigned char)s[i] >= 0x20 && s[i] != 0x7f && s[i] != '<' &&
			    s[i] != '>' && s[i] != '&');
	bool cut =
		(len >= 4 && !memcmp(s + len - 4, " ...", 4)) || (len == 3 && !memcmp(s, "...", 3));
	if (!cut)
		fuzz_assert(!len || s[len - 1] != ' ');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf html = STRBUF_INIT, excerpt = STRBUF_INIT;
	if (!size)
		return 0;
	size_t max_chars = data[0];
	size_t len = size - 1;
	/* A copy of exactly the text: reading one byte past it is an ASan report. */
	char *text = malloc(len ? len : 1);
	if (!text)
		abort();
	memcpy(text, data + 1, len);
	bool valid = utf8_valid(text, len);

	render_text(&html, text, len, USER_BASE);
	if (valid) {
		check_html(html.buf, html.len);
		fuzz_assert(utf8_valid(html.buf, html.len));
	}
	render_excerpt(&excerpt, text, len, max_chars);
	check_excerpt(excerpt.buf, excerpt.len, max_chars, valid);

	strbuf_release(&html);
	strbuf_release(&excerpt);
	free(text);
	return 0;
}
