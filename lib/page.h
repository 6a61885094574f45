/* page.h: pagination of every list (API.md §5.1): page numbers, cursors, the pagination object,
 * Link. */
#ifndef KINGLET_PAGE_H
#define KINGLET_PAGE_H

#include <stdbool.h>

#include "auth.h"
#include "db.h"
#include "http.h"

#define PAGE_MAX_PER_PAGE 100
#define PAGE_MAX_WINDOW 10000

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
 * Read page (path_page > 0 when the path had /page/N), per_page or limit, before and after from
 * the query. Returns 0, or a 400 written into resp (invalid_query_parameter,
 * result_window_too_large, duplicate_parameter).
 */
int page_parse(const struct http_request *req, struct http_response *resp, long long path_page,
	       long long default_per_page, bool newest_first, struct page *p);

/*
 * The whole list on one page, oldest first (version 0's replies, API.md §10): no cursor, no
 * offset, no limit; next_link_bool is then always 0.
 */
void page_all(struct page *p);

/*
 * Fill o from the current row in the wire version's fields; column 0 is the list key, the row's
 * own columns follow it.
 */
typedef void (*page_row_fn)(struct json_object *o, const struct db_stmt *st, long long viewer,
			    int version);

/*
 * Run a list statement (forward or backward per p) and answer the page: `name` (the items, in
 * list order, at most per_page), next_link_bool, pagination and the Link header (version 0:
 * the items and, unless p->v0_unflagged, next_link_bool). args end with
 * three slots that this fills with p's bound, limit and offset. path is the list's canonical
 * path under the base path ("/messages/since/5"); the query's own filters are repeated in the
 * links, credentials and paging parameters are not. Returns the HTTP status.
 */
int page_list(struct http_request *req, struct http_response *resp, const struct page *p,
	      const char *forward_sql, const char *backward_sql, struct db_arg *args, size_t nargs,
	      page_row_fn row, long long viewer, const char *path, const char *name);

/*
 * page_list with the caller's authentication in the list statements themselves (see auth_begin
 * in auth.h): one round trip for both. The statements bind AUTH_ARGS first and select
 * AUTH_COLUMNS from column auth_col on; the viewer is the token's user (*a). Answers auth_end's
 * errors too (when no row comes back, the token is looked up alone).
 */
int page_list_auth(struct http_request *req, struct http_response *resp, const struct page *p,
		   const char *forward_sql, const char *backward_sql, struct db_arg *args,
		   size_t nargs, page_row_fn row, const struct auth_pending *ap, unsigned auth_col,
		   struct auth *a, const char *path, const char *name);

#endif
