/* csv.h: writing CSV rows (RFC 4180, API.md §12) with spreadsheet formulas neutralised. */
#ifndef KINGLET_CSV_H
#define KINGLET_CSV_H

#include <stddef.h>

#include "strbuf.h"

/*
 * A row is built by appending its cells to a strbuf and ending it with csv_row_end. Each cell
 * is followed by a comma, which csv_row_end turns into the row's CRLF: no state to carry.
 *
 * A cell is quoted when it holds a comma, a double quote, CR or LF (quotes doubled inside). A
 * cell that would begin with '=', '+', '-', '@', a tab or CR gets a "'" in front of it, so that
 * a spreadsheet shows it as text instead of running it as a formula.
 */

/* Append the cell s (len bytes, any bytes) and its separator. */
void csv_cell(struct strbuf *row, const char *s, size_t len);
/* csv_cell of a NUL-terminated string; NULL is the empty cell (JSON's null). */
void csv_cell_str(struct strbuf *row, const char *s);
/* csv_cell of a number in decimal. */
void csv_cell_int(struct strbuf *row, long long v);
/* End the row: its last separator becomes CRLF (a row without cells is an empty line). */
void csv_row_end(struct strbuf *row);

#endif
