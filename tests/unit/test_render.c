/* test_render.c: unit tests for lib/render.c: safe HTML, the @mention list, the thread excerpt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "render.h"
#include "strbuf.h"
#include "utf8.h"

#include "banned.h"

#define BASE "/api/v1/users"
/* The expected markup of a mention, a URL link and a www. link (text as escaped in the output). */
#define U(name) "<a href=\"" BASE "/" name "\" title=\"" name "\">@" name "</a>"
#define L(url) "<a href=\"" url "\" title=\"" url "\">" url "</a>"
#define W(url) "<a href=\"http://" url "\" title=\"http://" url "\">" url "</a>"

#define NAME30 "abcdefghijklmnopqrstuvwxyz0123"
#define A10 "aaaaaaaaaa"
#define A74 A10 A10 A10 A10 A10 A10 A10 "aaaa"
#define E10 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
#define E75 E10 E10 E10 E10 E10 E10 E10 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
#define G5 "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
#define G25 G5 G5 G5 G5 G5
#define G75 G25 G25 G25

struct text_case {
	const char *in, *want;
};

static const struct text_case text_cases[] = {
	{ "", "" },
	{ "hello", "hello" },
	/* Markup and script are text, never markup. */
	{ "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ "<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;" },
	{ "<a href=\"javascript:alert(1)\">x</a>",
	  "&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;" },
	{ "\" onmouseover=\"alert(1)", "&quot; onmouseover=&quot;alert(1)" },
	{ "' onmouseover='alert(1)", "&#39; onmouseover=&#39;alert(1)" },
	{ "it's AT&T & <b>", "it&#39;s AT&amp;T &amp; &lt;b&gt;" },
	{ "&amp; &#39;", "&amp;amp; &amp;#39;" },
	/* No scheme but http and https is ever linked. */
	{ "javascript:alert(1)", "javascript:alert(1)" },
	{ "JaVaScRiPt:alert(1)", "JaVaScRiPt:alert(1)" },
	{ "data:text/html,<script>alert(1)</script>",
	  "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ "vbscript:msgbox(1)", "vbscript:msgbox(1)" },
	{ "ftp://example.com mailto:a@example.com", "ftp://example.com mailto:a@example.com" },
	{ "javascript:http://x.org", "javascript:" L("http://x.org") },
	/* URLs. */
	{ "http://example.com", L("http://example.com") },
	{ "https://example.com/path?q=1#frag", L("https://example.com/path?q=1#frag") },
	{ "http://example.com/a?b=1&c=2", L("http://example.com/a?b=1&amp;c=2") },
	{ "HTTP://EXAMPLE.COM/X and Https://x.org",
	  L("HTTP://EXAMPLE.COM/X") " and " L("Https://x.org") },
	{ "www.example.com", W("www.example.com") },
	{ "www.example.com.", W("www.example.com") "." },
	{ "see WWW.x.org, then", "see " W("WWW.x.org") ", then" },
	{ "http://x.org/a.b.c...", L("http://x.org/a.b.c") "..." },
	{ "http://x.org/?!;:,.'", L("http://x.org/") "?!;:,.&#39;" },
	{ "(see http://x.org/a_(b))", "(see " L("http://x.org/a_(b)") ")" },
	{ "(see http://x.org/a)", "(see " L("http://x.org/a") ")" },
	{ "http://x.org/a).", L("http://x.org/a") ")." },
	{ "<http://x.org>", "&lt;" L("http://x.org") "&gt;" },
	{ "\"http://x.org\"", "&quot;" L("http://x.org") "&quot;" },
	{ "'http://x.org'", "&#39;" L("http://x.org") "&#39;" },
	{ "http://x.org/it's", L("http://x.org/it&#39;s") },
	/* A URL cannot leave its attribute. */
	{ "http://x\"onmouseover=alert(1)", L("http://x") "&quot;onmouseover=alert(1)" },
	{ "http://x/<script>alert(1)</script>",
	  L("http://x/") "&lt;script&gt;alert(1)&lt;/script&gt;" },
	{ "http://x/>", L("http://x/") "&gt;" },
	{ "http://x/'onclick='alert(1)'", L("http://x/&#39;onclick=&#39;alert(1)") "&#39;" },
	{ "http://x.org/a\nb", L("http://x.org/a") "<br />b" },
	/* A scheme alone, or inside a word or host name, is not a link. */
	{ "http://", "http://" },
	{ "http:// x", "http:// x" },
	{ "https://.", "https://." },
	{ "www.", "www." },
	{ "www..", "www.." },
	{ "foohttp://x.org", "foohttp://x.org" },
	{ "a.www.x.org", "a.www.x.org" },
	{ "jr@www.example.com", "jr@www.example.com" },
	/* Non-ASCII in and after URLs; Unicode white space ends a URL. */
	{ "http://x.org/caf\xc3\xa9 ok", L("http://x.org/caf\xc3\xa9") " ok" },
	{ "http://x.org\xe3\x80\x80next", L("http://x.org") "\xe3\x80\x80next" },
	{ "\xc3\xa9http://x.org", "\xc3\xa9" L("http://x.org") },
	/* @mentions. */
	{ "@jr", U("jr") },
	{ "@jr hi", U("jr") " hi" },
	{ "hi @jr", "hi " U("jr") },
	{ "@jr, @jr. @jr! @jr's", U("jr") ", " U("jr") ". " U("jr") "! " U("jr") "&#39;s" },
	{ "@Jr_2 @_", U("Jr_2") " " U("_") },
	{ "email@example.com", "email@example.com" },
	{ "@", "@" },
	{ "hi @ there @", "hi @ there @" },
	{ "@@jr", "@@jr" },
	{ "(@jr)", "(@jr)" },
	{ "@" NAME30, U(NAME30) },
	{ "@" NAME30 "4", "@" NAME30 "4" },
	{ "@jr-smith", U("jr") "-smith" },
	{ "@www.x.org", U("www") ".x.org" },
	{ "h\xc3\xa9llo @jr \xf0\x9f\x98\x80", "h\xc3\xa9llo " U("jr") " \xf0\x9f\x98\x80" },
	{ "a\xc2\xa0@jr \xe3\x80\x80@ann", "a\xc2\xa0" U("jr") " \xe3\x80\x80" U("ann") },
	{ "\xc3\xa9@jr", "\xc3\xa9@jr" },
	{ "\t@jr", "\t" U("jr") },
	/* Newlines. */
	{ "a\r\nb", "a<br />b" },
	{ "a\n\nb", "a<br /><br />b" },
	{ "a\rb\r\r\n", "a<br />b<br /><br />" },
	{ "\n@jr\r\n@ann", "<br />" U("jr") "<br />" U("ann") },
	/* Control characters: \v \f are spaces, the rest go (XML forbids them). */
	{ "x\x01y\tz\vw\fv\x7f", "xy\tz w v" },
};

/*
 * NULL when html holds only escaped text, <br /> and <a href="..." title="...">...</a> whose
 * href is an http(s) URL or a user's; else what is wrong.
 */
static const char *html_problem(const char *html)
{
	static const char *const entities[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
	bool in_a = false;
	const char *p = html;
	while (*p) {
		if (*p == '&') {
			size_t k;
			for (k = 0; k < 5; k++)
				if (!strncmp(p, entities[k], strlen(entities[k])))
					break;
			if (k == 5)
				return "unknown entity";
			p += strlen(entities[k]);
		} else if (*p == '>' || *p == '"' || *p == '\'') {
			return "raw > \" or ' in text";
		} else if ((unsigned char)*p < 0x20 && *p != '\t') {
			return "control character";
		} else if (*p != '<') {
			p++;
		} else if (!strncmp(p, "<br />", 6)) {
			if (in_a)
				return "<br /> inside a link";
			p += 6;
		} else if (!strncmp(p, "</a>", 4)) {
			if (!in_a)
				return "</a> without <a>";
			in_a = false;
			p += 4;
		} else if (!strncmp(p, "<a href=\"", 9)) {
			if (in_a)
				return "nested <a>";
			p += 9;
			if (strncasecmp(p, "http://", 7) && strncasecmp(p, "https://", 8) &&
			    strncmp(p, BASE "/", strlen(BASE "/")))
				return "href is not http(s) or a user";
			for (int attr = 0; attr < 2; attr++) {
				while (*p && *p != '"') {
					if (*p == '<' || *p == '>' || *p == '\'' ||
					    (unsigned char)*p < 0x20)
						return "raw character in an attribute";
					p++;
				}
				const char *after = attr ? "\">" : "\" title=\"";
				if (strncmp(p, after, strlen(after)))
					return "malformed <a> tag";
				p += strlen(after);
			}
			in_a = true;
		} else {
			return "markup other than <a> and <br />";
		}
	}
	return in_a ? "unclosed <a>" : NULL;
}

/* The user names render_text linked, distinct without regard to case, space-separated. */
static void linked_names(struct strbuf *out, const char *html)
{
	static const char prefix[] = "<a href=\"" BASE "/";
	struct strbuf words = STRBUF_INIT, word = STRBUF_INIT;
	strbuf_addch(&words, ' ');
	for (const char *p = strstr(html, prefix); p; p = strstr(p, prefix)) {
		p += strlen(prefix);
		strbuf_reset(&word);
		strbuf_addch(&word, ' ');
		strbuf_add(&word, p, strcspn(p, "\""));
		strbuf_addch(&word, ' ');
		if (!strcasestr(words.buf, word.buf))
			strbuf_add(&words, word.buf + 1, word.len - 1);
	}
	if (words.len > 1)
		strbuf_add(out, words.buf + 1, words.len - 2);
	strbuf_release(&words);
	strbuf_release(&word);
}

static void mention_list(struct strbuf *out, const char *text, size_t len)
{
	struct render_names names = RENDER_NAMES_INIT;
	render_mentions(&names, text, len);
	for (size_t k = 0; k < names.nr; k++) {
		assert_int_equal(strlen(names.v[k].name), names.v[k].len);
		if (k)
			strbuf_addch(out, ' ');
		strbuf_add(out, names.v[k].name, names.v[k].len);
	}
	render_names_release(&names);
}

/* The properties every rendering has, whatever the input. */
static void check_rendering(const char *in, size_t len, const char *html, size_t html_len)
{
	const char *problem = html_problem(html);
	if (problem)
		fail_msg("%s: input \"%s\" gave \"%s\"", problem, in, html);
	assert_int_equal(strlen(html), html_len);
	assert_true(utf8_valid(html, html_len));

	struct strbuf linked = STRBUF_INIT, listed = STRBUF_INIT;
	linked_names(&linked, html);
	mention_list(&listed, in, len);
	if (strcmp(linked.buf, listed.buf))
		fail_msg("input \"%s\": render_text links \"%s\", render_mentions lists \"%s\"", in,
			 linked.buf, listed.buf);
	strbuf_release(&linked);
	strbuf_release(&listed);
}

static void test_render_text(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;
	for (size_t k = 0; k < sizeof(text_cases) / sizeof(*text_cases); k++) {
		const struct text_case *c = &text_cases[k];
		assert_true(utf8_valid(c->in, strlen(c->in)));
		strbuf_reset(&out);
		render_text(&out, c->in, strlen(c->in), BASE);
		if (strcmp(out.buf, c->want))
			fail_msg("case %zu \"%s\":\n got  \"%s\"\n want \"%s\"", k, c->in, out.buf,
				 c->want);
		check_rendering(c->in, strlen(c->in), out.buf, out.len);
	}
	strbuf_release(&out);
}

static void test_render_text_appends(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;
	strbuf_addstr(&out, "<p>");
	render_text(&out, "@jr&", 4, "/u?a&b");
	assert_string_equal(out.buf, "<p><a href=\"/u?a&amp;b/jr\" title=\"jr\">@jr</a>&amp;");
	strbuf_release(&out);
}

/* Random texts from fragments that have broken autolinkers; the properties must always hold. */
static void test_render_text_fuzz(void **state)
{
	(void)state;
	static const char *const frags[] = {
		"http://",     "https://",
		"HTTP://",     "www.",
		"@",	       "@jr",
		"@Jr",	       "@" NAME30,
		"a",	       "Z9",
		"_",	       ".",
		",",	       "!",
		"?",	       "'",
		"\"",	       "<",
		">",	       "&",
		"&amp;",       "(",
		")",	       " ",
		"\t",	       "\r",
		"\n",	       "\r\n",
		"\xc3\xa9",    "\xf0\x9f\x98\x80",
		"\xc2\xa0",    "\xe3\x80\x80",
		"javascript:", "x.org",
		"/",	       "-",
		":",	       ";",
		"<b>",	       "&#39;",
		"\x01",
	};
	const size_t nfrags = sizeof(frags) / sizeof(*frags);
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	uint32_t seed = 2463534242u;
	for (int round = 0; round < 20000; round++) {
		strbuf_reset(&in);
		strbuf_reset(&out);
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		for (uint32_t n = seed % 12, r = seed; n; n--) {
			r = r * 1103515245u + 12345u;
			strbuf_addstr(&in, frags[(r >> 8) % nfrags]);
		}
		render_text(&out, in.buf, in.len, BASE);
		check_rendering(in.buf, in.len, out.buf, out.len);

		strbuf_reset(&out);
		render_excerpt(&out, in.buf, in.len, 5);
		assert_true(utf8_valid(out.buf, out.len));
		assert_null(strpbrk(out.buf, "<>&"));
		assert_true(utf8_length(out.buf, out.len) <= 5 + strlen(" ..."));
	}
	strbuf_release(&in);
	strbuf_release(&out);
}

struct mention_case {
	const char *in, *want;
};

static const struct mention_case mention_cases[] = {
	{ "", "" },
	{ "no one here", "" },
	{ "@jr", "jr" },
	{ "@jr @ann @JR @Ann @bob", "jr ann bob" },
	{ "@JR then @jr", "JR" },
	{ "@jr, @ann. @bob! @cy?", "jr ann bob cy" },
	{ "email@example.com @ x @@jr a@b (@cy)", "" },
	{ "@" NAME30 " @" NAME30 "4", NAME30 },
	{ "h\xc3\xa9llo @jr \xf0\x9f\x98\x80", "jr" },
	{ "\n@jr\r\n@ann\t@bob\xc2\xa0@cy", "jr ann bob cy" },
	{ "http://x.org/@jr @ann", "ann" },
	{ "@u0 @u1 @u2 @u3 @u4 @u5 @u6 @u7 @u8 @u9 @u10 @u11 @U0 @u12",
	  "u0 u1 u2 u3 u4 u5 u6 u7 u8 u9 u10 u11 u12" },
};

static void test_render_mentions(void **state)
{
	(void)state;
	struct strbuf got = STRBUF_INIT;
	for (size_t k = 0; k < sizeof(mention_cases) / sizeof(*mention_cases); k++) {
		const struct mention_case *c = &mention_cases[k];
		strbuf_reset(&got);
		mention_list(&got, c->in, strlen(c->in));
		if (strcmp(got.buf, c->want))
			fail_msg("case %zu \"%s\": got \"%s\", want \"%s\"", k, c->in, got.buf,
				 c->want);
	}
	strbuf_release(&got);
}

static void test_render_mentions_appends(void **state)
{
	(void)state;
	struct render_names names = RENDER_NAMES_INIT;
	char text[] = "@ann @jr";
	render_mentions(&names, "@JR", 3);
	render_mentions(&names, text, strlen(text));
	memset(text, 'x', strlen(text));
	assert_int_equal(names.nr, 2);
	assert_string_equal(names.v[0].name, "JR");
	assert_string_equal(names.v[1].name, "ann");
	render_names_release(&names);
	assert_null(names.v);
	assert_int_equal(names.nr, 0);
	render_names_release(&names);
}

struct excerpt_case {
	const char *in;
	size_t max;
	const char *want;
};

static const struct excerpt_case excerpt_cases[] = {
	{ "", 75, "" },
	{ " \t\r\n ", 75, "" },
	{ "hello", 75, "hello" },
	{ "  hi \n\n there\t\r\n ", 75, "hi there" },
	{ "a\xc2\xa0\xe3\x80\x80"
	  "b",
	  75, "a b" },
	/* @names go, whole. */
	{ "@jr hello", 75, "hello" },
	{ "hello @jr", 75, "hello" },
	{ "@jr @ann hi @bob there @cy", 75, "hi there" },
	{ "@jr, hi", 75, ", hi" },
	{ "email@example.com @@jr @" NAME30 "4", 75, "email@example.com @@jr @" NAME30 "4" },
	/* Tags and entities go, not decoded; what only looks like them stays. */
	{ "<b>bold</b> text", 75, "bold text" },
	{ "<script>alert(1)</script>", 75, "alert(1)" },
	{ "<img src=x onerror=alert(1)>pic", 75, "pic" },
	{ "<!-- c --><?x?>ok", 75, "ok" },
	/* What only looks like them loses its < > &: an excerpt never holds any of the three. */
	{ "<a<b>x x</ x</>y <>", 75, "x x/ x/y" },
	{ "a < b > c, I <3 you, <b unclosed", 75, "a b c, I 3 you," },
	{ "Tom &amp; Jerry", 75, "Tom Jerry" },
	{ "it&#39;s &#x27;q&#X27; &nbsp;x&hellip;", 75, "its q x" },
	{ "AT&T & co &; &#; &#x; &#12345678;", 75, "ATT co ; #; #x; #12345678;" },
	/* A tag never closed runs to the end of the text (an HTML tokeniser reads it so). */
	{ "@bob <img src=x onerror=alert(document.domain)//", 75, "" },
	{ "hi <b>there</b> <img src=x onerror=alert(1)// and more", 75, "hi there" },
	{ "x <script", 75, "x" },
	{ "x </p", 75, "x" },
	{ "x <", 75, "x" },
	{ "x </", 75, "x /" },
	{ "<b>a</b> &lt;img&gt; &amp;lt;", 75, "a img lt;" },
	{ ">>> quoted && <<<", 75, "quoted" },
	{ "@jr <p>Hi&amp;</p>\n\n@ann there", 75, "Hi there" },
	/* 75 code points fit; the 76th is cut, and only then " ..." follows. */
	{ A74 "a", 75, A74 "a" },
	{ A74 "ab", 75, A74 "a ..." },
	{ E75, 75, E75 },
	{ E75 "\xc3\xa9", 75, E75 " ..." },
	{ G75, 75, G75 },
	{ G75 "x", 75, G75 " ..." },
	{ A74 " b", 75, A74 " ..." },
	{ A74 "a  @jr <br> &amp;\n", 75, A74 "a" },
	{ "h\xc3\xa9llo w\xc3\xb6rld", 5, "h\xc3\xa9llo ..." },
	{ "h\xc3\xa9llo w\xc3\xb6rld", 7, "h\xc3\xa9llo w ..." },
	{ "hi", 0, "..." },
	{ "@jr", 0, "" },
};

static void test_render_excerpt(void **state)
{
	(void)state;
	struct strbuf out = STRBUF_INIT;
	for (size_t k = 0; k < sizeof(excerpt_cases) / sizeof(*excerpt_cases); k++) {
		const struct excerpt_case *c = &excerpt_cases[k];
		strbuf_reset(&out);
		render_excerpt(&out, c->in, strlen(c->in), c->max);
		if (strcmp(out.buf, c->want))
			fail_msg("case %zu \"%s\":\n got  \"%s\"\n want \"%s\"", k, c->in, out.buf,
				 c->want);
		assert_true(utf8_valid(out.buf, out.len));
	}
	strbuf_addstr(&out, "X");
	render_excerpt(&out, "  hi ", 5, 75);
	assert_string_equal(out.buf + out.len - 3, "Xhi");
	strbuf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_text),
		cmocka_unit_test(test_render_text_appends),
		cmocka_unit_test(test_render_text_fuzz),
		cmocka_unit_test(test_render_mentions),
		cmocka_unit_test(test_render_mentions_appends),
		cmocka_unit_test(test_render_excerpt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
