/* page.c: parsing pagination parameters and answering pagination metadata and Link headers. */
#include "page.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "conf.h"
#include "log.h"
#include "wire.h"

#include "banned.h"

/* Query parameters the links do not repeat: the paging ones, and credentials. */
static const char *const not_repeated[] = { "page",	"before",     "after",
					    "per_page", "limit",      "user_name",
					    "user_id",	"session_id", NULL };

static int bad(struct http_response *resp, const char *name, const char *why)
{
	return resp_error(resp, ERR_INVALID_QUERY_PARAMETER, "%s: %s", name, why);
}

/* A query parameter that must be a whole number in [min, max]; *out stays when absent. */
static int number_param(const struct http_request *req, struct http_response *resp,
			const char *name, long long min, long long max, long long *out)
{
	const struct http_param *q = http_param_get(&req->query, name);
	char *end;
	if (!q)
		return 0;
	errno = 0;
	long long v = strtoll(q->value, &end, 10);
	if (!q->len || *end || errno || q->value[0] == '-' || q->value[0] == '+' ||
	    q->value[0] == ' ' || v < min || v > max) {
		struct strbuf why = STRBUF_INIT;
		strbuf_addf(&why, "must be a whole number from %lld to %lld", min, max);
		int status = bad(resp, name, why.buf);
		strbuf_release(&why);
		return status;
	}
	*out = v;
	return 0;
}

int page_parse(const struct http_request *req, struct http_response *resp, long long path_page,
	       long long default_per_page, bool newest_first, struct page *p)
{
	long long per_page = 0, limit = 0, page = 0;
	long long max = req->csv ? PAGE_MAX_CSV_PER_PAGE : PAGE_MAX_PER_PAGE;
	int status;

	memset(p, 0, sizeof(*p));
	p->newest_first = newest_first;
	if ((status = number_param(req, resp, "per_page", 1, max, &per_page)) ||
	    (status = number_param(req, resp, "limit", 1, max, &limit)) ||
	    (status = number_param(req, resp, "page", 1, INT64_MAX, &page)) ||
	    (status = number_param(req, resp, "before", 1, INT64_MAX, &p->before)) ||
	    (status = number_param(req, resp, "after", 1, INT64_MAX, &p->after)))
		return status;
	if (per_page && limit && per_page != limit)
		return resp_error(resp, ERR_DUPLICATE_PARAMETER, "per_page and limit differ");
	if (path_page && page && path_page != page)
		return resp_error(resp, ERR_DUPLICATE_PARAMETER,
				  "the page in the path and in the "
				  "query differ");
	p->per_page = per_page ? per_page : (limit ? limit : default_per_page);
	p->page = path_page ? path_page : page;
	if (p->before && p->after)
		return bad(resp, "before", "give before or after, not both");
	if (p->page && (p->before || p->after))
		return bad(resp, "page", "give a page or a cursor, not both");
	if (!p->before && !p->after && !p->page)
		p->page = 1;
	if (p->page && p->page > PAGE_MAX_WINDOW / p->per_page)
		return resp_error(resp, ERR_RESULT_WINDOW_TOO_LARGE,
				  "page %lld of %lld goes beyond the first %d items", p->page,
				  p->per_page, PAGE_MAX_WINDOW);

	/* The cursor in list order continues forward; the other one reads backward. */
	long long ahead = newest_first ? p->before : p->after;
	long long back = newest_first ? p->after : p->before;
	p->limit = p->per_page + 1;
	if (back) {
		p->backward = true;
		p->bound = back;
	} else {
		p->bound = ahead ? ahead : (newest_first ? INT64_MAX : 0);
		p->offset = p->page ? (p->page - 1) * p->per_page : 0;
	}
	/*
	 * Where an empty page resumes backward: the page starts at the cursor's own id, one past
	 * it in list order. Cursors reach INT64_MAX, so after + 1 stops there (no key is larger);
	 * before - 1 cannot go below 0 (a cursor is at least 1).
	 */
	if (newest_first)
		p->resume = p->after ? p->after : (p->before ? p->before - 1 : 0);
	else
		p->resume = p->before
				    ? p->before
				    : (p->after ? (p->after < INT64_MAX ? p->after + 1 : INT64_MAX)
						: 0);
	return 0;
}

void page_all(struct page *p)
{
	p->newest_first = false;
	p->page = 1;
	p->before = p->after = 0;
	p->resume = 0;
	p->backward = false;
	p->bound = 0;
	p->offset = 0;
	p->per_page = INT64_MAX - 1;
	p->limit = INT64_MAX;
}

/* Append the list's URL with one paging parameter and the repeated filters. */
static void add_link(struct strbuf *sb, const struct http_request *req, const char *path,
		     const char *param, long long value, long long per_page_given, const char *rel)
{
	strbuf_addf(sb, "%s<%s%s?%s=%lld", sb->len ? ", " : "", conf.http_base_path, path, param,
		    value);
	if (per_page_given)
		strbuf_addf(sb, "&per_page=%lld", per_page_given);
	for (size_t i = 0; i < req->query.n; i++) {
		const struct http_param *q = &req->query.items[i];
		const char *const *skip = not_repeated;
		while (*skip && strcmp(*skip, q->name))
			skip++;
		if (*skip)
			continue;
		strbuf_addch(sb, '&');
		for (int part = 0; part < 2; part++) {
			const unsigned char *s = (const unsigned char *)(part ? q->value : q->name);
			size_t len = part ? q->len : strlen(q->name);
			if (part)
				strbuf_addch(sb, '=');
			for (size_t k = 0; k < len; k++) {
				unsigned char c = s[k];
				if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
				    c == '~')
					strbuf_addch(sb, c);
				else
					strbuf_addf(sb, "%%%02X", c);
			}
		}
	}
	strbuf_addf(sb, ">; rel=\"%s\"", rel);
}

static void add_cursor(struct json_object *o, const char *name, bool present, long long value)
{
	json_object_object_add(o, name, present ? json_object_new_int64(value) : NULL);
}

/*
 * The Link header of a page (nonempty: it has items, first and last its keys in list order): the
 * next page when more_next, the previous one, repeating the query's filters.
 */
static void add_links(const struct page *p, const struct http_request *req,
		      struct http_response *resp, const char *path, bool nonempty, long long first,
		      long long last, bool more_next)
{
	/*
	 * The "prev" cursor is always a number, so that a client can come back (poll the
	 * stream for newer messages) from any page: the first key of the page, or on an empty
	 * page the place where the client stood. Page numbers have a prev page from page 2.
	 */
	long long prev_cursor = nonempty ? first : p->resume;
	bool more_prev = p->page ? p->page > 1 : true;
	long long per_page_given =
		http_param_get(&req->query, "per_page") || http_param_get(&req->query, "limit")
			? p->per_page
			: 0;
	struct strbuf link = STRBUF_INIT;
	const char *next_param = p->newest_first ? "before" : "after";
	const char *prev_param = p->newest_first ? "after" : "before";
	if (more_next) {
		if (p->page)
			add_link(&link, req, path, "page", p->page + 1, per_page_given, "next");
		else
			add_link(&link, req, path, next_param, nonempty ? last : p->bound,
				 per_page_given, "next");
	}
	if (more_prev) {
		if (p->page)
			add_link(&link, req, path, "page", p->page - 1, per_page_given, "prev");
		else
			add_link(&link, req, path, prev_param, prev_cursor, per_page_given, "prev");
	}
	if (link.len)
		resp_header(resp, "Link", "%s", link.buf);
	strbuf_release(&link);
}

/* Trim the fetched rows to the page, put backward reads in list order, add the metadata. */
static void answer(const struct page *p, const struct http_request *req, struct http_response *resp,
		   const char *path, const char *name, struct json_object *items,
		   const long long *keys, bool more_next)
{
	size_t fetched = json_object_array_length(items);
	size_t n = fetched > (size_t)p->per_page ? (size_t)p->per_page : fetched;
	struct json_object *list = json_object_new_array_ext((int)n);
	long long first = 0, last = 0;

	for (size_t i = 0; i < n; i++) {
		size_t from = p->backward ? n - 1 - i : i;
		json_object_array_add(list,
				      json_object_get(json_object_array_get_idx(items, from)));
	}
	if (n) {
		first = keys[p->backward ? n - 1 : 0];
		last = keys[p->backward ? 0 : n - 1];
	}
	json_object_put(items);

	/* As in add_links: the first key, or where the client stood. */
	long long prev_cursor = n ? first : p->resume;

	struct json_object *o = resp_data(resp);
	json_object_object_add(o, name, list);
	if (req->api_version == WIRE_V0) {
		/* The original's lists: no pagination object, no links to follow. */
		if (!p->v0_unflagged)
			json_object_object_add(o, "next_link_bool",
					       json_object_new_int(more_next ? 1 : 0));
		return;
	}
	json_object_object_add(o, "next_link_bool", json_object_new_int(more_next ? 1 : 0));
	struct json_object *pg = json_object_new_object();
	json_object_object_add(pg, "per_page", json_object_new_int64(p->per_page));
	if (p->page)
		json_object_object_add(pg, "page", json_object_new_int64(p->page));
	add_cursor(pg, p->newest_first ? "next_before" : "next_after", more_next && n, last);
	add_cursor(pg, p->newest_first ? "prev_after" : "prev_before", true, prev_cursor);
	json_object_object_add(o, "pagination", pg);

	add_links(p, req, resp, path, n > 0, first, last, more_next);
}

/* Whether the statement finds any row past bound: one row, no offset. 1, 0 or a db rc. */
static int probe(const char *sql, struct db_arg *args, size_t nargs, long long bound)
{
	struct db_stmt *st;
	args[nargs - 3] = DB_INT(bound);
	args[nargs - 2] = DB_INT(1);
	args[nargs - 1] = DB_INT(0);
	int rc = db_run(&st, sql, args, nargs);
	if (rc)
		return rc;
	rc = db_next(st);
	db_done(st);
	return rc;
}

int page_start(struct http_request *req, struct http_response *resp, const struct page_query *q,
	       struct page_request *r)
{
	long long path_page = q->page_in_path && req->nparams ? req->params[0].num : 0;
	int status;

	memset(r, 0, sizeof(*r));
	r->q = q;
	r->order = &q->orders[0];
	if (q->auth && (status = auth_begin(req, resp, AUTH_READ, &r->ap)))
		return status;
	if ((status = page_parse(req, resp, path_page, q->per_page, r->order->newest_first,
				 &r->page))) {
		/* A token that is not valid answers first, as everywhere (it replaces the 400). */
		int auth_status = q->auth ? auth_end(req, resp, &r->ap, NULL, 0, &r->auth) : 0;
		return auth_status ? auth_status : status;
	}
	r->page.v0_unflagged = q->v0_unflagged;
	if (q->v0_whole && req->api_version == WIRE_V0)
		page_all(&r->page);
	return 0;
}

/*
 * The statement for this page and its arguments: AUTH_ARGS (q->auth), the list's own, the
 * token's hash again (a numbered statement that asks), and three slots for the bound, limit and
 * offset. The array is the caller's to free.
 */
static const char *statement(const struct page_request *r, const struct db_arg *args, size_t nargs,
			     struct db_arg **out, size_t *nout)
{
	const struct page_order *o = r->order;
	bool numbered = o->numbered && r->page.offset && !r->page.backward;
	const char *sql = r->page.backward ? o->backward : numbered ? o->numbered : o->forward;
	struct db_arg *all = xcalloc(nargs + 5, sizeof(*all));
	size_t n = 0;

	if (r->q->auth)
		all[n++] = AUTH_ARGS(&r->ap);
	for (size_t i = 0; i < nargs; i++)
		all[n++] = args[i];
	if (numbered && o->numbered_token)
		all[n++] = DB_STRN((const char *)r->ap.hash, SHA256_LEN);
	all[n++] = DB_INT(r->page.bound);
	all[n++] = DB_INT(r->page.limit);
	all[n++] = DB_INT(r->page.offset);
	*out = all;
	*nout = n;
	return sql;
}

/* The list's canonical path, its {name} segment (if any) the route's first parameter. */
static void list_path(struct strbuf *sb, const struct http_request *req, const char *path)
{
	const char *open = strchr(path, '{'), *close = open ? strchr(open, '}') : NULL;
	if (!close || !req->nparams) {
		strbuf_addstr(sb, path);
		return;
	}
	strbuf_add(sb, path, (size_t)(open - path));
	strbuf_addf(sb, "%lld", req->params[0].num);
	strbuf_addstr(sb, close + 1);
}

/* ---- CSV: streamed (page.h) ---- */

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
	const char *sql = statement(&at, c->args, c->nargs, &all, &nall);
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
	const char *sql = statement(&at, c->args, c->nargs, &all, &nall);
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

/* page_serve's CSV answer (page.h): probes, headers, then the rows. */
static int serve_csv(struct http_request *req, struct http_response *resp, struct page_request *r,
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
	list_path(&path, req, r->q->path);
	if (req->csv_suffix)
		strbuf_addstr(&path, ".csv");
	add_links(p, req, resp, path.buf, nonempty, first, last, more_next);
	resp->status = 200;
	http_send_head(req, resp, "text/csv; charset=utf-8");
	stream_rows(&c, viewer, from, offset, stop);
out:
	strbuf_release(&path);
	if (rc < 0)
		return resp_db_error(resp, rc);
	return c.status ? c.status : 200;
}

int page_serve(struct http_request *req, struct http_response *resp, struct page_request *r,
	       long long viewer, const struct db_arg *args, size_t nargs)
{
	const struct page_query *q = r->q;
	const struct page *p = &r->page;
	struct strbuf path = STRBUF_INIT;
	struct db_stmt *st;
	struct db_arg *all;
	size_t nall;
	const char *sql = statement(r, args, nargs, &all, &nall);
	size_t alloc = p->limit < 64 ? (size_t)p->limit : 64; /* page_all has no real limit */
	long long *keys = xcalloc(alloc, sizeof(*keys));
	struct json_object *items = json_object_new_array();
	size_t n = 0;
	int rc, status = 0;

	if (req->csv) {
		free(keys);
		free(all);
		json_object_put(items);
		return serve_csv(req, resp, r, viewer, args, nargs);
	}
	if (!(rc = db_run(&st, sql, all, nall))) {
		while ((rc = db_next(st)) == 1 && n < (size_t)p->limit) {
			struct json_object *o;
			/* The first row proves the token (every row carries its columns). */
			if (q->auth && !n &&
			    (status = auth_end(req, resp, &r->ap, st, q->row->ncols, &r->auth)))
				break;
			if (q->auth && !n)
				viewer = r->auth.user_id;
			o = json_object_new_object();
			if (n == alloc)
				keys = xrealloc(keys, (alloc *= 2) * sizeof(*keys));
			keys[n++] = db_int(st, 0);
			q->row->json(o, st, viewer, req->api_version);
			json_object_array_add(items, o);
		}
		db_done(st);
	}
	/* No row at all: an empty page, or a token that is not valid. */
	if (q->auth && !n && rc >= 0 && !status)
		status = auth_end(req, resp, &r->ap, NULL, 0, &r->auth);
	if (status)
		goto out;
	/*
	 * More in list order: the extra row tells when reading forward; reading backward (the
	 * cursor against list order), a one-row probe from the page's far edge (keys[0], the row
	 * read first) or from the cursor on an empty page.
	 */
	bool more_next = n > (size_t)p->per_page;
	if (rc >= 0 && p->backward) {
		rc = probe(r->order->forward, all, nall, n ? keys[0] : p->bound);
		more_next = rc == 1;
	}
	if (rc < 0) {
		status = resp_db_error(resp, rc);
		goto out;
	}
	list_path(&path, req, q->path);
	answer(p, req, resp, path.buf, q->name, items, keys, more_next);
	items = NULL; /* answer took it */
	status = 200;
out:
	json_object_put(items);
	strbuf_release(&path);
	free(keys);
	free(all);
	return status;
}

int page_list(struct http_request *req, struct http_response *resp, const struct page_query *q)
{
	struct page_request r;
	int status = page_start(req, resp, q, &r);
	return status ? status : page_serve(req, resp, &r, 0, NULL, 0);
}
