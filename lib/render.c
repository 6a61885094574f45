/* render.c: message text to safe HTML, its @mentions and its thread excerpt, on one tokeniser. */
#include "render.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "banned.h"

/* Bytes in the code point whose lead byte is at s[i], never past len. */
static size_t cp_len(const char *s, size_t len, size_t i)
{
	unsigned char c = (unsigned char)s[i];
	size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	return n < len - i ? n : len - i;
}

/* Bytes in the white space code point at s[i] (Unicode White_Space), 0 if it is not one. */
static size_t space_len(const char *str, size_t len, size_t i)
{
	const unsigned char *s = (const unsigned char *)str + i;
	size_t left = len - i;
	if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
		return 1;
	if (left >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
		return 2;
	if (left < 3)
		return 0;
	if (s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
		return 3;
	if (s[0] == 0xE2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
		return 3;
	if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
		return 3;
	if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* True at the start of the text or just after a white space code point. */
static bool after_space(const char *s, size_t len, size_t i)
{
	if (i == 0)
		return true;
	size_t j = i - 1;
	while (j > 0 && ((unsigned char)s[j] & 0xC0) == 0x80 && i - j < 4)
		j--;
	return space_len(s, len, j) == i - j;
}

static bool is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/*
 * The tokeniser for @mentions, the only one: the length of the name when an @mention starts at
 * s[i] (the '@'), else 0. The name is s[i + 1 .. i + 1 + length).
 */
static size_t mention_at(const char *s, size_t len, size_t i)
{
	if (s[i] != '@' || !after_space(s, len, i))
		return 0;
	size_t n = 0;
	while (i + 1 + n < len && n <= RENDER_NAME_MAX && is_name_char((unsigned char)s[i + 1 + n]))
		n++;
	return n <= RENDER_NAME_MAX ? n : 0;
}

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7F;
}

/* Case-insensitive prefix test for the ASCII word p. */
static bool starts_with_ci(const char *s, size_t len, size_t i, const char *p)
{
	size_t n = strlen(p);
	if (len - i < n)
		return false;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[i + k];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != (unsigned char)p[k])
			return false;
	}
	return true;
}

/*
 * The length of the URL starting at s[i], 0 if none does; *www says it needs "http://" in front.
 * "foohttp://", "a.www." and "user@www." are not URLs: they are inside a word or a host name.
 */
static size_t url_at(const char *s, size_t len, size_t i, bool *www)
{
	static const char *const prefixes[] = { "http://", "https://", "www." };
	size_t p;
	if (i > 0) {
		unsigned char prev = (unsigned char)s[i - 1];
		if (is_name_char(prev) || (prev && strchr("@./-", prev)))
			return 0;
	}
	for (p = 0; p < 3; p++)
		if (starts_with_ci(s, len, i, prefixes[p]))
			break;
	if (p == 3)
		return 0;
	size_t prefix = strlen(prefixes[p]), end = i + prefix, opens = 0, closes = 0;
	while (end < len && !is_control((unsigned char)s[end]) && !strchr("<>\"", s[end]) &&
	       !space_len(s, len, end)) {
		opens += s[end] == '(';
		closes += s[end] == ')';
		end++;
	}
	/* Sentence punctuation after a URL is not part of it; a ')' is when it closes a '('. */
	while (end > i + prefix) {
		char c = s[end - 1];
		if (c == ')' && closes > opens)
			closes--;
		else if (!strchr(".,;:!?'", c))
			break;
		end--;
	}
	*www = p == 2;
	return end > i + prefix ? end - i : 0;
}

/* Append s HTML-escaped (text or attribute value); see render_text for control characters. */
static void add_escaped(struct strbuf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '&':
			strbuf_addstr(out, "&amp;");
			break;
		case '<':
			strbuf_addstr(out, "&lt;");
			break;
		case '>':
			strbuf_addstr(out, "&gt;");
			break;
		case '"':
			strbuf_addstr(out, "&quot;");
			break;
		case '\'':
			strbuf_addstr(out, "&#39;");
			break;
		case '\v':
		case '\f':
			strbuf_addch(out, ' ');
			break;
		default:
			if (c == '\t' || !is_control(c))
				strbuf_addch(out, c);
		}
	}
}

static void add_url_link(struct strbuf *out, const char *url, size_t len, bool www)
{
	struct strbuf href = STRBUF_INIT;
	if (www)
		strbuf_addstr(&href, "http://");
	add_escaped(&href, url, len);
	strbuf_addstr(out, "<a href=\"");
	strbuf_add(out, href.buf, href.len);
	strbuf_addstr(out, "\" title=\"");
	strbuf_add(out, href.buf, href.len);
	strbuf_addstr(out, "\">");
	add_escaped(out, url, len);
	strbuf_addstr(out, "</a>");
	strbuf_release(&href);
}

static void add_mention_link(struct strbuf *out, const char *name, size_t len, const char *base)
{
	/* The name is [A-Za-z0-9_]: nothing in it needs escaping. */
	strbuf_addstr(out, "<a href=\"");
	add_escaped(out, base, strlen(base));
	strbuf_addch(out, '/');
	strbuf_add(out, name, len);
	strbuf_addstr(out, "\" title=\"");
	strbuf_add(out, name, len);
	strbuf_addstr(out, "\">@");
	strbuf_add(out, name, len);
	strbuf_addstr(out, "</a>");
}

void render_text(struct strbuf *out, const char *text, size_t len, const char *user_base_url)
{
	size_t i = 0, n;
	bool www;
	while (i < len) {
		if ((n = mention_at(text, len, i))) {
			add_mention_link(out, text + i + 1, n, user_base_url);
			i += 1 + n;
		} else if ((n = url_at(text, len, i, &www))) {
			add_url_link(out, text + i, n, www);
			i += n;
		} else if (text[i] == '\r' || text[i] == '\n') {
			strbuf_addstr(out, "<br />");
			i += text[i] == '\r' && i + 1 < len && text[i + 1] == '\n' ? 2 : 1;
		} else {
			add_escaped(out, text + i, 1);
			i++;
		}
	}
}

static bool names_have(const struct render_names *names, const char *name, size_t len)
{
	for (size_t k = 0; k < names->nr; k++)
		if (names->v[k].len == len && !strncasecmp(names->v[k].name, name, len))
			return true;
	return false;
}

void render_mentions(struct render_names *names, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t n = mention_at(text, len, i);
		if (!n || names_have(names, text + i + 1, n))
			continue;
		if (names->nr == names->alloc) {
			names->alloc = names->alloc ? 2 * names->alloc : 8;
			names->v = xrealloc(names->v, names->alloc * sizeof(*names->v));
		}
		struct render_name *name = &names->v[names->nr++];
		memcpy(name->name, text + i + 1, n);
		name->name[n] = '\0';
		name->len = n;
		i += n;
	}
}

void render_names_release(struct render_names *names)
{
	free(names->v);
	names->v = NULL;
	names->nr = names->alloc = 0;
}

/*
 * The length of the tag starting at s[i] ("<b>", "</p>", "<!-- -->", "<?x?>"), 0 if none does.
 * A tag with no '>' after it runs to the end of the text, as an HTML tokeniser reads it. gt_end
 * is one past the text's last '>' (0 if it has none), so that "<a<a<a..." stays linear.
 */
static size_t tag_at(const char *s, size_t len, size_t gt_end, size_t i)
{
	if (s[i] != '<' || i + 1 >= len)
		return 0;
	unsigned char c = (unsigned char)s[i + 1];
	if (c == '/')
		c = i + 2 < len ? (unsigned char)s[i + 2] : 0;
	else if (c == '!' || c == '?')
		c = 'a';
	if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
		return 0;
	if (i + 1 >= gt_end)
		return len - i;
	/* s[gt_end - 1] is a '>' past s[i + 1]: the search always finds one. */
	const char *gt = memchr(s + i + 1, '>', gt_end - i - 1);
	return (size_t)(gt - (s + i)) + 1;
}

static bool is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The length of the character reference at s[i] ("&amp;", "&#39;", "&#x27;"), 0 if none. */
static size_t entity_at(const char *s, size_t len, size_t i)
{
	if (s[i] != '&')
		return 0;
	size_t j = i + 1, start, max;
	bool hex = false, named = false;
	if (j < len && s[j] == '#') {
		j++;
		if (j < len && (s[j] == 'x' || s[j] == 'X')) {
			hex = true;
			j++;
		}
		max = hex ? 6 : 7;
	} else {
		named = true;
		max = 32;
		if (j >= len || !((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z')))
			return 0;
	}
	start = j;
	while (j < len && j - start < max) {
		unsigned char c = (unsigned char)s[j];
		if (!(named ? is_name_char(c) && c != '_' : hex ? is_hex(c) : c >= '0' && c <= '9'))
			break;
		j++;
	}
	if (j == start || j >= len || s[j] != ';')
		return 0;
	return j + 1 - i;
}

void render_excerpt(struct strbuf *out, const char *text, size_t len, size_t max_chars)
{
	size_t start = out->len, count = 0, i = 0, n, gt_end = len;
	bool space = false, cut = false;
	while (gt_end > 0 && text[gt_end - 1] != '>')
		gt_end--;
	while (i < len) {
		if ((n = space_len(text, len, i))) {
			space = true;
		} else if ((n = mention_at(text, len, i))) {
			n++;
		} else if (!(n = tag_at(text, len, gt_end, i)) && !(n = entity_at(text, len, i))) {
			n = cp_len(text, len, i);
			/* What is left of markup goes too: an excerpt has no < > & at all. */
			if (is_control((unsigned char)text[i]) || strchr("<>&", text[i])) {
				i += n;
				continue;
			}
			space = space && out->len > start;
			if (count + space + 1 > max_chars) {
				cut = true;
				break;
			}
			if (space)
				strbuf_addch(out, ' ');
			strbuf_add(out, text + i, n);
			count += space + 1;
			space = false;
		}
		i += n;
	}
	if (cut)
		strbuf_addstr(out, out->len > start ? " ..." : "...");
}
