/* csv.c: CSV cells and rows (RFC 4180) with spreadsheet formula injection neutralised. */
#include "csv.h"

#include <stdbool.h>
#include <string.h>

#include "banned.h"

/* What a spreadsheet may take for the start of a formula (OWASP's list, and CR). */
static bool formula_start(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

void csv_cell(struct strbuf *row, const char *s, size_t len)
{
	bool quote = false;
	for (size_t i = 0; i < len && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (quote)
		strbuf_addch(row, '"');
	if (len && formula_start(s[0]))
		strbuf_addch(row, '\'');
	if (quote) {
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '"')
				strbuf_addch(row, '"');
			strbuf_addch(row, s[i]);
		}
		strbuf_addch(row, '"');
	} else {
		strbuf_add(row, s, len);
	}
	strbuf_addch(row, ',');
}

void csv_cell_str(struct strbuf *row, const char *s)
{
	csv_cell(row, s ? s : "", s ? strlen(s) : 0);
}

void csv_cell_int(struct strbuf *row, long long v)
{
	/* Through csv_cell like any text: a negative number would begin with '-'. */
	char digits[24];
	size_t n = 0;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		digits[sizeof(digits) - 1 - n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		digits[sizeof(digits) - 1 - n++] = '-';
	csv_cell(row, digits + sizeof(digits) - n, n);
}

void csv_row_end(struct strbuf *row)
{
	if (row->len && row->buf[row->len - 1] == ',')
		strbuf_setlen(row, row->len - 1);
	strbuf_addstr(row, "\r\n");
}
