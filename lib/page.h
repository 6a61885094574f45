/* page.h: pagination of every list (API.md §5.1): page numbers, cursors, the pagination object,
 * Link. */
#ifndef KINGLET_PAGE_H
#define KINGLET_PAGE_H

#include <stdbool.h>

#include "auth.h"
#include "db.h"
#include "http.h"
#include "strbuf.h"

#define PAGE_MAX_PER_PAGE 100
#define PAGE_MAX_CSV_PER_PAGE 10000 /* a CSV answer is streamed (page_serve) */
#define PAGE_MAX_WINDOW 10000
/* total=true counts up to this many items, then says total_capped (API.md §12). */
#define PAGE_MAX_TOTAL 10000
/* order=field.direction[,field.direction] (API.md §12). */
#define PAGE_MAX_ORDER_TERMS 2

/*
 * A list is ordered by an integer key (a message id), newest first or oldest first. It is read
 * with one of two statements: "forward" (in list order, from a bound, with an offset: page numbers
 * and the cursor that continues the list) and "backward" (against list order: the cursor that
 * goes back; its rows are reversed before answering).
 */
struct page {
	bool newest_first;
	long long per_page;
	long long page; /* from 1 when paging by page number, else 0 */
	bool by_offset; /* paging by offset= (the offset below is the one given) */
	bool total; /* total=true: count the list (up to PAGE_MAX_TOTAL) */
	long long before; /* cursors, 0 when absent */
	long long after;
	bool backward; /* read with the backward statement */
	long long bound; /* the key bound for the statement (exclusive) */
	long long offset; /* rows to skip (forward, page numbers) */
	long long limit; /* rows to fetch: per_page + 1, to learn whether there are more */
	bool v0_unflagged; /* version 0 answers the items alone, without next_link_bool */
	long long resume; /* the "prev" cursor of an empty page: where the client stood */
};

/*
 * Read page (path_page > 0 when the path had /page/N), per_page or limit, before and after,
 * offset and total from the query. Returns 0, or a 400 written into resp
 * (invalid_query_parameter, result_window_too_large, duplicate_parameter), invalid_params naming
 * the parameter.
 */
int page_parse(const struct http_request *req, struct http_response *resp, long long path_page,
	       long long default_per_page, bool newest_first, struct page *p);

/*
 * The whole list on one page in p's order (version 0's replies, API.md §10: oldest first unless
 * an order says otherwise): no cursor, no offset, no limit; next_link_bool is then always 0.
 */
void page_all(struct page *p);

/*
 * Fill o from the current row in the wire version's fields; column 0 is the list key, the row's
 * own columns follow it.
 */
typedef void (*page_row_fn)(struct json_object *o, const struct db_stmt *st, long long viewer,
			    int version);

/*
 * Append the current row as one CSV row (csv.h), in the columns that csv_head names (the JSON
 * fields of version 1, arrays space-joined, text as written); column 0 is the list key.
 */
typedef void (*page_csv_fn)(struct strbuf *out, const struct db_stmt *st, long long viewer);

/*
 * A kind of list item: its renderer for each response format, and the columns a row has (the key
 * first; in a list that authenticates, AUTH_COLUMNS follow them). Defined once by the module that
 * owns the row (message_row serves every list of messages): a new response format is a new
 * member here, filled in once per kind of item, not code in each list.
 */
struct page_row {
	page_row_fn json;
	unsigned ncols;
	page_csv_fn csv;
	const char *csv_head; /* "name,name,...": the header row of csv's columns */
};

/* One term of order=: a field (pointing into the parameter's value, not NUL-terminated). */
struct page_order_term {
	const char *field;
	size_t len;
	bool desc;
};

/*
 * Parse order's value: one to PAGE_MAX_ORDER_TERMS comma-separated terms field or field.asc or
 * field.desc (asc when left out), no field twice. Whether a field exists is the list's business
 * (page_start). Returns the number of terms, or 0 with *why saying what is wrong (static text).
 * Pure: no allocation, nothing but its arguments.
 */
size_t page_order_parse(const char *value, size_t len, struct page_order_term *terms,
			const char **why);

/*
 * An order of a list: the statements reading it by its key (column 0, an integer), largest
 * first (newest_first) or smallest first. forward reads in list order from a bound (exclusive)
 * with an offset: page numbers and the cursor that continues the list; backward against list
 * order: the cursor that goes back (its rows are reversed before answering). Both bind, after
 * the list's own parameters, the bound, the limit and the offset.
 */
struct page_order {
	/*
	 * The field order= names for it (its direction: newest_first is desc). NULL: the list's one
	 * order, which no field selects (any order= is 400 not_allowed_order_field).
	 */
	const char *field;
	bool newest_first;
	const char *forward;
	const char *backward;
	/*
	 * Optional: forward for a page number past the first, when another plan skips rows more
	 * cheaply; with numbered_token it binds the token's hash once more after the list's own
	 * parameters (a subquery of its own).
	 */
	const char *numbered;
	bool numbered_token;
};

/*
 * A list, described once as a static const (the way cgit keeps each command's needs in its
 * table): how to read it, how to write its items, where it lives. page_start and page_serve do
 * the rest for every list.
 */
struct page_query {
	/* Under the base path; a {name} segment stands for the route's first parameter. */
	const char *path;
	const char *name; /* the items' array in the answer */
	const struct page_row *row;
	/*
	 * The list's orders, the default first: one row per field and direction of order=, each
	 * with its own statements (over an index: tests/integration/t0360-query-plans.sh).
	 */
	const struct page_order *orders;
	size_t norders;
	/*
	 * total=true: SELECT COUNT(*) FROM (SELECT 1 ... LIMIT ?) over the list's index, binding
	 * the caller's user id (q->auth) or the list's own parameters, then the limit. It counts
	 * what the list answers, whatever the order.
	 */
	const char *count;
	long long per_page; /* when the query gives none */
	/* Authenticate in the list's statements (auth_begin in auth.h): AUTH_ARGS bound first. */
	bool auth;
	bool page_in_path; /* the route's first parameter, when it has one, is the page number */
	bool v0_unflagged; /* version 0 answers the items alone, without next_link_bool */
	bool v0_whole; /* version 0 answers the whole list on one page (page_all) */
};

/* In a page_query: its orders table and how many rows it has. */
#define PAGE_ORDERS(table) .orders = (table), .norders = sizeof(table) / sizeof((table)[0])

/* One request's reading of a list: filled by page_start, used by page_serve. */
struct page_request {
	const struct page_query *q;
	const struct page_order *order;
	struct page page;
	struct auth_pending ap; /* q->auth: the credentials presented */
	struct auth auth; /* q->auth: the caller, once page_serve has read the token's row */
};

/*
 * Start reading list q: with q->auth the credentials (auth_begin), then order= (one of
 * q->orders, else 400 not_allowed_order_field or invalid_query_parameter) and the paging
 * parameters (page_parse). Returns 0, or the status of the answer it made; a token that is not
 * valid answers before a 400 of the parameters, as everywhere.
 */
int page_start(struct http_request *req, struct http_response *resp, const struct page_query *q,
	       struct page_request *r);

/*
 * A CSV answer (req->csv, API.md §12) is streamed: the status and headers go out first, then the
 * header row and each row as the database hands it over (db_stream), so that a program's memory
 * does not grow with per_page (up to PAGE_MAX_CSV_PER_PAGE). The Link header is the JSON
 * answer's (targets keep a .csv suffix), and what it needs is learnt before the first row by
 * probes of at most two rows with the list's own statements, not by reading the page twice:
 *  - Reading forward (page numbers, the cursor that continues the list): the rows at
 *    offset + per_page - 1 and the one after it give the page's last key and whether there is
 *    more (the JSON answer's per_page + 1 row, without the page); with a cursor, the row at the
 *    offset gives the first key. Where the list has a cheaper statement for skipping rows
 *    (page_order.numbered), the probe past the page uses it.
 *  - The cursor that goes back: its rows come against list order, which a stream cannot turn
 *    round. The backward statement's rows 1 and per_page give the page's two ends; the page is
 *    then read forward from its first key (or from the start of the list when fewer than
 *    per_page rows lie beyond the cursor), stopping at the cursor. Whether there is more comes
 *    from the JSON answer's probe.
 * Rows that change between the probes and the read can make the links one row off, as between
 * any two requests; the page itself is one statement. A database failure after the headers
 * ends the body early (logged): a short CSV, never an error document glued to it.
 */

/*
 * Read the page and answer it: `name` (the items, in list order, at most per_page),
 * next_link_bool, pagination and the Link header (version 0: the items and, unless
 * v0_unflagged, next_link_bool). args are the list's own parameters (borrowed), bound after
 * AUTH_ARGS and before the bound, limit and offset. viewer is the caller of a list that
 * authenticated beforehand; with q->auth it is the token's user, and the answer is auth_end's
 * when the token is not valid (when no row comes back, the token is looked up alone). The links
 * repeat the query's own filters and order= and total=, not credentials or paging parameters.
 * With total=true (version 1) the count (q->count) follows the page. Returns the HTTP status.
 */
int page_serve(struct http_request *req, struct http_response *resp, struct page_request *r,
	       long long viewer, const struct db_arg *args, size_t nargs);

/* page_start, then page_serve, for a list that authenticates itself and binds nothing else. */
int page_list(struct http_request *req, struct http_response *resp, const struct page_query *q);

/*
 * Shared by page.c and page_csv.c (the CSV answer of page_serve), not for the lists themselves.
 */

/*
 * The statement for r's page and its arguments: AUTH_ARGS (q->auth), the list's own (args,
 * borrowed), the token's hash again when a numbered statement asks, then the bound, limit and
 * offset of r->page. *out is the caller's to free.
 */
const char *page_statement(const struct page_request *r, const struct db_arg *args, size_t nargs,
			   struct db_arg **out, size_t *nout);

/* The list's canonical path into sb, its {name} segment (if any) the route's first parameter. */
void page_list_path(struct strbuf *sb, const struct http_request *req, const char *path);

/*
 * The Link header of a page (nonempty: it has items, first and last its keys in list order): the
 * next page when more_next, the previous one, repeating the query's filters.
 */
void page_links(const struct page *p, const struct http_request *req, struct http_response *resp,
		const char *path, bool nonempty, long long first, long long last, bool more_next);

/* page_serve's CSV answer (page.h): probes, headers, then the rows as they are read. */
int page_csv_serve(struct http_request *req, struct http_response *resp, struct page_request *r,
		   long long viewer, const struct db_arg *args, size_t nargs);

#endif
