/* render.h: message text (API.md §6): safe HTML, the @names a text mentions, the §5.8 excerpt. */
#ifndef KINGLET_RENDER_H
#define KINGLET_RENDER_H

#include <stddef.h>

#include "strbuf.h"

/*
 * The one token rule all three functions share (API.md §5): an @mention is '@' at the start of the
 * text or just after a white space code point (Unicode White_Space: ASCII space, \t \n \v \f \r,
 * U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), then a user
 * name of 1 to RENDER_NAME_MAX characters [A-Za-z0-9_] not followed by another name character.
 * So "@jr," mentions jr; "a@jr", "@@jr" and a 31-character name mention nobody (a name that long
 * cannot be a user, and taking its first 30 characters could mention somebody else).
 *
 * Text is valid UTF-8 without NUL (utf8_valid) with an explicit length; other bytes are not read
 * out of bounds but are otherwise passed through unchanged.
 */
#define RENDER_NAME_MAX 30

/*
 * Append to out the safe HTML of text: everything HTML-escaped (& < > " ' as &amp; &lt; &gt;
 * &quot; &#39;), then
 *  - URLs linked as <a href="URL" title="URL">URL</a>: "http://", "https://" (any letter case,
 *    written as given) or "www." (href and title get "http://" in front), starting at the start of
 *    the text or after anything but a letter, digit or one of "_@./-", running to white space,
 *    '<', '>', '"' or a control character, less trailing ". , ; : ! ? '" and any ')' without a
 *    matching '(' in the URL; a bare "http://" or "www." is not linked. No other scheme, ever;
 *  - @mentions linked as <a href="USER_BASE_URL/NAME" title="NAME">@NAME</a>, the name as written
 *    (whether the user exists is the caller's business; render_mentions lists the names);
 *  - "\r\n", "\n" and a lone "\r" each written as <br />; \v and \f as a space, other C0 control
 *    characters dropped (XML forbids them).
 * The result is well-formed and contains no markup other than those <a> and <br /> elements.
 * user_base_url is trusted configuration such as "/api/v1/users"; it is attribute-escaped too.
 * Nothing is allocated except in out, which the caller owns.
 */
void render_text(struct strbuf *out, const char *text, size_t len, const char *user_base_url);

/* A user name as it was written in a text: a NUL-terminated copy, len bytes long. */
struct render_name {
	char name[RENDER_NAME_MAX + 1];
	size_t len;
};

/* A growable array of names; the caller owns it and frees it with render_names_release. */
struct render_names {
	struct render_name *v;
	size_t nr, alloc;
};
#define RENDER_NAMES_INIT                                                                          \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/*
 * Append to names every @mention of text (the rule above: exactly the names render_text links)
 * that names does not hold yet, compared without regard to ASCII case; the first spelling is kept
 * and names stay in order of first appearance. The names are copies: text may go away after.
 * Each new name is compared with all names held, so give it a text within the length limit.
 */
void render_mentions(struct render_names *names, const char *text, size_t len);
/* Free the array and return names to RENDER_NAMES_INIT. */
void render_names_release(struct render_names *names);

/*
 * Append to out the plain-text excerpt of API.md §5.8 from the raw markup text: @mentions (the
 * whole token), tags ('<' then a letter, '/' and a letter, '!' or '?', through the next '>') and
 * character references (&name; &#123; &#x7B;) removed, not decoded. A tag that is never closed
 * ("@bob <img src=x onerror=...") is removed to the end of the text, as an HTML tokeniser reads it
 * (the text after it is inside the tag), and every other '<', '>' and '&' ("a < b", "AT&T") is
 * dropped as a character: the excerpt never contains any of the three, so no markup survives even
 * where it is shown unescaped. Runs of white space become one space, leading and trailing white
 * space goes, control characters are dropped. At most max_chars code points are kept, cut on a
 * code point boundary, and " ..." is appended only when something was cut ("..." when
 * max_chars is 0). The excerpt is plain text, not HTML: whoever shows it as HTML must escape it.
 * Nothing is allocated except in out, which the caller owns.
 */
void render_excerpt(struct strbuf *out, const char *text, size_t len, size_t max_chars);

#endif
