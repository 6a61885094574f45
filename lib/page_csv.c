/* page_csv.c: a list as CSV (API.md §12), streamed: a few probes for the Link header, the headers,
 * then each row as MariaDB hands it over. */
#include "page.h"

#include <stdint.h>

#include "auth.h"
#include "http.h"
#include "log.h"
#include "resp.h"
#include "banned.h"

/* One CSV answer in the making: what the probes have learnt, and the token they proved. */
struct csv_read {
	struct http_request *req;
	struct http_response *resp;
	struct page_request *r;
	const struct db_arg *args;
	size_t nargs;
	bool authed; /* q->auth: a row has proved the token (auth_end ran) */
	int status; /* an answer auth_end made */
};

/*
 * Read at most two rows of r's list with its forward or backward statement from bound,
 * skipping offset rows, for their keys. The first row read authenticates (q->auth). Returns the
 * number of rows (0 to limit), or a negative db rc; c->status when the token is refused.
 */
static int peek(struct csv_read *c, bool backward, long long bound, long long offset,
		long long limit, long long keys[2])
{
	struct page_request at = *c->r;
	struct db_stmt *st;
	struct db_arg *all;
	size_t nall;
	int rc, n = 0;

	at.page.backward = backward;
	at.page.bound = bound;
	at.page.offset = offset;
	at.page.limit = limit;
	const char *sql = page_statement(&at, c->args, c->nargs, &all, &nall);
	if (!(rc = db_run(&st, sql, all, nall))) {
		while (n < limit && n < 2 && (rc = db_next(st)) == 1) {
			if (c->r->q->auth && !c->authed) {
				c->authed = true;
				if ((c->status = auth_end(c->req, c->resp, &c->r->ap, st,
							  c->r->q->row->ncols, &c->r->auth)))
					break;
			}
			keys[n++] = db_int(st, 0);
		}
		db_done(st);
	}
	free(all);
	return rc < 0 ? rc : n;
}

/* Whether key lies beyond the page of a backward cursor (at the cursor or past it). */
static bool past_cursor(const struct page *p, long long key)
{
	return p->newest_first ? key <= p->bound : key >= p->bound;
}

/*
 * The page's rows, written as they are read: the forward statement from bound (exclusive)
 * skipping offset, at most per_page rows, up to a backward cursor. The headers are gone: a
 * failure now can only end the body early.
 */
static void stream_rows(struct csv_read *c, long long viewer, long long bound, long long offset,
			bool stop_at_cursor)
{
	const struct page *p = &c->r->page;
	struct page_request at = *c->r;
	struct strbuf out = STRBUF_INIT;
	struct db_stmt *st;
	struct db_arg *all;
	size_t nall;
	long long n = 0;
	int rc = 0;

	strbuf_addstr(&out, c->r->q->row->csv_head);
	strbuf_addstr(&out, "\r\n");
	at.page.backward = false;
	at.page.bound = bound;
	at.page.offset = offset;
	at.page.limit = p->per_page;
	const char *sql = page_statement(&at, c->args, c->nargs, &all, &nall);
	if (c->req->is_head || (rc = db_stream(&st, sql, all, nall)))
		goto out;
	while (n < p->per_page && (rc = db_next(st)) == 1) {
		if (stop_at_cursor && past_cursor(p, db_int(st, 0)))
			break;
		c->r->q->row->csv(&out, st, viewer);
		n++;
		/* libfcgi's stream buffers too; this only saves a call a row. */
		if (out.len >= 16384) {
			http_write(c->req, c->resp, out.buf, out.len);
			strbuf_reset(&out);
		}
	}
	db_done(st);
out:
	if (rc < 0)
		log_error("CSV of %s ended after %lld rows: database error %d", c->r->q->path, n,
			  rc);
	http_write(c->req, c->resp, out.buf, out.len);
	strbuf_release(&out);
	free(all);
}

int page_csv_serve(struct http_request *req, struct http_response *resp, struct page_request *r,
		   long long viewer, const struct db_arg *args, size_t nargs)
{
	struct csv_read c = { req, resp, r, args, nargs, false, 0 };
	const struct page *p = &r->page;
	struct strbuf path = STRBUF_INIT;
	long long k[2] = { 0, 0 }, first = 0, last = 0, from = p->bound, offset = p->offset;
	bool nonempty, more_next, stop = false;
	int rc;

	if (!p->backward) {
		/* The page's last row and the one after it; with a cursor, its first row. */
		if ((rc = peek(&c, false, p->bound, p->offset + p->per_page - 1, 2, k)) < 0 ||
		    c.status)
			goto out;
		last = k[0];
		more_next = rc == 2;
		nonempty = rc > 0;
		if (!p->page) {
			if ((rc = peek(&c, false, p->bound, p->offset, 1, k)) < 0 || c.status)
				goto out;
			nonempty = rc > 0;
			first = k[0];
		}
	} else {
		/* The row nearest the cursor is the page's last, the per_page-th its first. */
		if ((rc = peek(&c, true, p->bound, 0, 1, k)) < 0 || c.status)
			goto out;
		nonempty = rc > 0;
		last = k[0];
		stop = true;
		offset = 0;
		from = p->newest_first ? INT64_MAX : 0; /* the start of the list */
		if (nonempty) {
			if ((rc = peek(&c, true, p->bound, p->per_page - 1, 1, k)) < 0)
				goto out;
			if (rc) /* from is first's neighbour: the read starts with first */
				from = p->newest_first ? k[0] + 1 : k[0] - 1;
			else if ((rc = peek(&c, false, from, 0, 1, k)) < 0)
				goto out;
			first = k[0];
		}
		if ((rc = peek(&c, false, nonempty ? last : p->bound, 0, 1, k)) < 0 || c.status)
			goto out;
		more_next = rc == 1;
	}
	rc = 0;
	/* No row at all: an empty page, or a token that is not valid. */
	if (r->q->auth && !c.authed)
		c.status = auth_end(req, resp, &r->ap, NULL, 0, &r->auth);
	if (c.status)
		goto out;
	if (r->q->auth)
		viewer = r->auth.user_id;
	page_list_path(&path, req, r->q->path);
	if (req->csv_suffix)
		strbuf_addstr(&path, ".csv");
	page_links(p, req, resp, path.buf, nonempty, first, last, more_next);
	resp->status = 200;
	http_send_head(req, resp, "text/csv; charset=utf-8");
	stream_rows(&c, viewer, from, offset, stop);
out:
	strbuf_release(&path);
	if (rc < 0)
		return resp_db_error(resp, rc);
	return c.status ? c.status : 200;
}
