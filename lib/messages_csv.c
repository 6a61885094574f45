/* messages_csv.c: a message as a CSV row (API.md §12): its JSON fields, its text as written. */
#include "messages.h"

#include <string.h>
#include <time.h>

#include "csv.h"
#include "timefmt.h"

#include "banned.h"

/* message_fields' version 1 object as a CSV row (API.md §12), from MESSAGE_COLUMNS at c. */
void message_csv(struct strbuf *out, const struct db_stmt *st, unsigned c, long long viewer)
{
	size_t markup_len;
	long long id = db_int(st, c);
	const char *markup = db_str(st, c + 2, &markup_len);
	const char *status = db_str(st, c + 4, NULL);
	const char *names = db_str(st, c + 8, NULL);
	size_t text_len = strcmp(status, "active") ? 0 : markup_len;
	char dg[32];

	csv_cell_int(out, id);
	csv_cell_int(out, db_int(st, c + 1));
	/* Never the HTML: a spreadsheet shows text, and the cell is what was written. */
	csv_cell(out, markup, text_len);
	csv_cell(out, markup, text_len);
	csv_cell_str(out, status);
	csv_cell_int(out, db_int(st, c + 5));
	csv_cell_str(out, db_str(st, c + 6, NULL));
	csv_cell_str(out, db_int(st, c + 5) == viewer ? "you" : "others");
	csv_cell_int(out, db_int(st, c + 7));
	csv_cell_str(out, names);
	/* The recipients array, space-joined: its names as add_names splits them. */
	struct strbuf joined = STRBUF_INIT;
	for (const char *p = names; *p;) {
		size_t n = strcspn(p, " ");
		if (n)
			strbuf_addf(&joined, "%s%.*s", joined.len ? " " : "", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
	csv_cell(out, joined.buf, joined.len);
	strbuf_release(&joined);
	message_digest(dg, id, status, markup, markup_len);
	csv_cell_str(out, dg);
	time_csv_add(out, (time_t)db_int(st, c + 9), true);
	csv_cell_int(out, viewer);
	csv_row_end(out);
}

void message_item_csv(struct strbuf *out, const struct db_stmt *st, long long viewer)
{
	message_csv(out, st, 1, viewer);
}
