/* fuzz_params.c: percent-decoding and a=1&b=2 parameter strings (the query string, form bodies). */
#include "fuzz.h"

/*
 * Input: one byte of flags (bit 0: '+' is a space), then the text, NUL bytes included (a form
 * body may hold them; a query string from the web server cannot).
 */

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The decoder written again, the plain way, to compare with. */
static int reference_decode(struct strbuf *out, const unsigned char *s, size_t len, bool plus)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (len - i < 3 || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
				return -1;
			strbuf_addch(out, hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			strbuf_addch(out, plus && s[i] == '+' ? ' ' : s[i]);
		}
	}
	return 0;
}

static void check_decode(const char *s, size_t len, bool plus)
{
	struct strbuf got = STRBUF_INIT, want = STRBUF_INIT;
	int rc = http_percent_decode(&got, s, len, plus);
	int want_rc = reference_decode(&want, (const unsigned char *)s, len, plus);
	fuzz_assert(rc == want_rc);
	if (!rc) {
		fuzz_assert(got.len == want.len && !memcmp(got.buf, want.buf, got.len));
		fuzz_assert(got.len <= len && got.buf[got.len] == '\0');
	}
	strbuf_release(&got);
	strbuf_release(&want);
}

static void check_params(const char *s, size_t len)
{
	struct http_params params = { NULL, 0, 0 };
	struct http_response resp;
	http_response_init(&resp);
	int rc = http_parse_params(&params, s, len, "fuzz", &resp);
	fuzz_assert(rc == 0 || (rc == 400 && resp.is_error));
	fuzz_assert(params.n <= HTTP_MAX_PARAMS);
	for (size_t i = 0; i < params.n; i++) {
		const struct http_param *p = &params.items[i];
		fuzz_assert(*p->name && utf8_valid(p->name, strlen(p->name)));
		fuzz_assert(strlen(p->value) == p->len && utf8_valid(p->value, p->len));
		fuzz_assert(http_param_get(&params, p->name) == p);
	}
	/* A string this short cannot name more parameters than it has '&'s plus one. */
	if (!rc) {
		size_t amps = 0;
		for (size_t i = 0; i < len; i++)
			amps += s[i] == '&';
		fuzz_assert(params.n <= amps + 1);
	}
	http_params_release(&params);
	http_response_release(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	/* A copy of exactly the text: reading one byte past it is an ASan report. */
	char *text = xmemdupz(data + 1, size - 1);
	check_decode(text, size - 1, data[0] & 1);
	check_params(text, size - 1);
	free(text);
	return 0;
}
