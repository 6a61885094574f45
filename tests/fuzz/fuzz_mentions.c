/* fuzz_mentions.c: the @names a message text mentions (render_mentions), against render_text. */
#include "fuzz.h"

#include <strings.h>

#include "render.h"

/* Input: the message text (any bytes). */
#define USER_BASE "/u"

static bool is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/*
 * The names render_text linked, in order, each once (without regard to case): render_mentions
 * promises exactly these. A user link is <a href="/u/NAME" title="NAME">@NAME</a>.
 */
static void linked_names(struct render_names *names, const char *html, size_t len)
{
	static const char link[] = "<a href=\"" USER_BASE "/";
	const char *s = html, *end = html + len;
	while ((s = memmem(s, (size_t)(end - s), link, sizeof(link) - 1))) {
		const char *name = s + sizeof(link) - 1,
			   *q = memchr(name, '"', (size_t)(end - name));
		fuzz_assert(q);
		size_t n = (size_t)(q - name);
		bool seen = false;
		for (size_t k = 0; k < names->nr; k++)
			seen |= names->v[k].len == n && !strncasecmp(names->v[k].name, name, n);
		if (!seen) {
			fuzz_assert(n >= 1 && n <= RENDER_NAME_MAX);
			if (names->nr == names->alloc) {
				names->alloc = names->alloc ? 2 * names->alloc : 8;
				names->v = realloc(names->v, names->alloc * sizeof(*names->v));
				fuzz_assert(names->v);
			}
			memcpy(names->v[names->nr].name, name, n);
			names->v[names->nr].name[n] = '\0';
			names->v[names->nr++].len = n;
		}
		s = q;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct render_names names = RENDER_NAMES_INIT, linked = RENDER_NAMES_INIT;
	struct strbuf html = STRBUF_INIT;
	/* A copy of exactly the text: reading one byte past it is an ASan report. */
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);

	render_mentions(&names, text, size);
	for (size_t k = 0; k < names.nr; k++) {
		const struct render_name *nm = &names.v[k];
		fuzz_assert(nm->len >= 1 && nm->len <= RENDER_NAME_MAX);
		fuzz_assert(strlen(nm->name) == nm->len);
		for (size_t i = 0; i < nm->len; i++)
			fuzz_assert(is_name_char((unsigned char)nm->name[i]));
		for (size_t j = 0; j < k; j++)
			fuzz_assert(nm->len != names.v[j].len ||
				    strncasecmp(nm->name, names.v[j].name, nm->len));
	}
	/* Adding the same text again adds nothing. */
	size_t nr = names.nr;
	render_mentions(&names, text, size);
	fuzz_assert(names.nr == nr);

	if (utf8_valid(text, size)) {
		render_text(&html, text, size, USER_BASE);
		linked_names(&linked, html.buf, html.len);
		fuzz_assert(linked.nr == names.nr);
		for (size_t k = 0; k < names.nr; k++)
			fuzz_assert(linked.v[k].len == names.v[k].len &&
				    !memcmp(linked.v[k].name, names.v[k].name, names.v[k].len));
	}

	render_names_release(&names);
	render_names_release(&linked);
	strbuf_release(&html);
	free(text);
	return 0;
}
