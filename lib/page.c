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
static const char *const not_repeated[] = { "page",   "before",	   "after",   "per_page",   "limit",
					    "offset", "user_name", "user_id", "session_id", NULL };

/* A 400 of parameter name: invalid_params names it (API.md §12), the system message says why. */
static int bad_as(struct http_response *resp, enum err_code e, const char *name, const char *why)
{
	resp_invalid_param(resp, name, "invalid", "%s", why);
	return resp_error(resp, e, "%s: %s", name, why);
}

static int bad(struct http_response *resp, const char *name, const char *why)
{
	return bad_as(resp, ERR_INVALID_QUERY_PARAMETER, name, why);
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
	long long per_page = 0, limit = 0, page = 0, offset = -1;
	long long max = req->csv ? PAGE_MAX_CSV_PER_PAGE : PAGE_MAX_PER_PAGE;
	const struct http_param *total = http_param_get(&req->query, "total");
	int status;

	memset(p, 0, sizeof(*p));
	p->newest_first = newest_first;
	if ((status = number_param(req, resp, "per_page", 1, max, &per_page)) ||
	    (status = number_param(req, resp, "limit", 1, max, &limit)) ||
	    (status = number_param(req, resp, "page", 1, INT64_MAX, &page)) ||
	    (status = number_param(req, resp, "before", 1, INT64_MAX, &p->before)) ||
	    (status = number_param(req, resp, "after", 1, INT64_MAX, &p->after)) ||
	    (status = number_param(req, resp, "offset", 0, INT64_MAX, &offset)))
		return status;
	if (total && strcmp(total->value, "true") && strcmp(total->value, "false"))
		return bad(resp, "total", "must be true or false");
	p->total = total && !strcmp(total->value, "true");
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
	if (offset >= 0 && (p->page || p->before || p->after))
		return bad(resp, "offset", "give an offset, a page or a cursor, not two of them");
	p->by_offset = offset >= 0;
	if (!p->before && !p->after && !p->page && !p->by_offset)
		p->page = 1;
	if (p->page && p->page > PAGE_MAX_WINDOW / p->per_page)
		return resp_error(resp, ERR_RESULT_WINDOW_TOO_LARGE,
				  "page %lld of %lld goes beyond the first %d items", p->page,
				  p->per_page, PAGE_MAX_WINDOW);
	if (p->by_offset && offset > PAGE_MAX_WINDOW - p->per_page)
		return bad_as(resp, ERR_RESULT_WINDOW_TOO_LARGE, "offset",
			      "offset + per_page goes beyond the first 10000 items");

	/* The cursor in list order continues forward; the other one reads backward. */
	long long ahead = newest_first ? p->before : p->after;
	long long back = newest_first ? p->after : p->before;
	p->limit = p->per_page + 1;
	if (back) {
		p->backward = true;
		p->bound = back;
	} else {
		p->bound = ahead ? ahead : (newest_first ? INT64_MAX : 0);
		p->offset = p->page ? (p->page - 1) * p->per_page : (p->by_offset ? offset : 0);
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

size_t page_order_parse(const char *value, size_t len, struct page_order_term *terms,
			const char **why)
{
	const char *s = value, *end = value + len;
	size_t n = 0;

	*why = NULL;
	for (;;) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *term_end = comma ? comma : end;
		const char *dot = memchr(s, '.', (size_t)(term_end - s));
		const char *field_end = dot ? dot : term_end;
		struct page_order_term t = { s, (size_t)(field_end - s), false };

		if (n == PAGE_MAX_ORDER_TERMS) {
			*why = "at most two fields";
			return 0;
		}
		if (!t.len) {
			*why = "an empty field: use field.asc or field.desc, comma-separated";
			return 0;
		}
		if (dot) {
			size_t dlen = (size_t)(term_end - dot - 1);
			if (dlen == 4 && !memcmp(dot + 1, "desc", 4))
				t.desc = true;
			else if (dlen != 3 || memcmp(dot + 1, "asc", 3)) {
				*why = "the direction must be asc or desc";
				return 0;
			}
		}
		for (size_t i = 0; i < n; i++) {
			if (terms[i].len == t.len && !memcmp(terms[i].field, t.field, t.len)) {
				*why = "a field given twice";
				return 0;
			}
		}
		terms[n++] = t;
		if (!comma)
			return n;
		s = comma + 1;
	}
}

/* The row of q's orders that serves field in the direction asked, or NULL. */
static const struct page_order *find_order(const struct page_query *q,
					   const struct page_order_term *t, bool any_direction)
{
	for (size_t i = 0; i < q->norders; i++) {
		const struct page_order *o = &q->orders[i];
		if (o->field && strlen(o->field) == t->len && !memcmp(o->field, t->field, t->len) &&
		    (any_direction || o->newest_first == t->desc))
			return o;
	}
	return NULL;
}

/*
 * order=: the row of q's orders it names (the default without it). Ties keep id order: every
 * list's key is an id that grows with time, so the first field decides and a second one is
 * checked but cannot change the order. Returns 0 or a 400 written into resp.
 */
static int select_order(const struct http_request *req, struct http_response *resp,
			const struct page_query *q, const struct page_order **out)
{
	const struct http_param *param = http_param_get(&req->query, "order");
	struct page_order_term terms[PAGE_MAX_ORDER_TERMS];
	const char *why;
	size_t n;

	*out = &q->orders[0];
	if (!param)
		return 0;
	if (!(n = page_order_parse(param->value, param->len, terms, &why)))
		return bad(resp, "order", why);
	for (size_t i = 0; i < n; i++) {
		if (find_order(q, &terms[i], true))
			continue;
		struct strbuf allowed = STRBUF_INIT;
		for (size_t k = 0; k < q->norders; k++) {
			const char *f = q->orders[k].field;
			/* Each field once: its rows (one per direction) are next to each other. */
			if (f &&
			    (!k || !q->orders[k - 1].field || strcmp(q->orders[k - 1].field, f)))
				strbuf_addf(&allowed, "%s%s", allowed.len ? ", " : "", f);
		}
		resp_invalid_param(resp, "order", "not_allowed_order_field",
				   "%.*s is not a field this list can be ordered by (%s)",
				   (int)(terms[i].len > 40 ? 40 : terms[i].len), terms[i].field,
				   allowed.len ? allowed.buf : "none");
		int status =
			resp_error(resp, ERR_NOT_ALLOWED_ORDER_FIELD, "order: %.*s",
				   (int)(terms[i].len > 40 ? 40 : terms[i].len), terms[i].field);
		strbuf_release(&allowed);
		return status;
	}
	if (!(*out = find_order(q, &terms[0], false)))
		return bad(resp, "order", "this list is not served in that direction");
	return 0;
}

void page_all(struct page *p)
{
	p->page = 1;
	p->by_offset = false;
	p->before = p->after = 0;
	p->resume = 0;
	p->backward = false;
	p->bound = p->newest_first ? INT64_MAX : 0;
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
void page_links(const struct page *p, const struct http_request *req, struct http_response *resp,
		const char *path, bool nonempty, long long first, long long last, bool more_next)
{
	/*
	 * The "prev" cursor is always a number, so that a client can come back (poll the
	 * stream for newer messages) from any page: the first key of the page, or on an empty
	 * page the place where the client stood. Page numbers have a prev page from page 2.
	 */
	long long prev_cursor = nonempty ? first : p->resume;
	bool more_prev = p->page ? p->page > 1 : (p->by_offset ? p->offset > 0 : true);
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
		else if (p->by_offset)
			add_link(&link, req, path, "offset", p->offset + p->per_page,
				 per_page_given, "next");
		else
			add_link(&link, req, path, next_param, nonempty ? last : p->bound,
				 per_page_given, "next");
	}
	if (more_prev) {
		if (p->page)
			add_link(&link, req, path, "page", p->page - 1, per_page_given, "prev");
		else if (p->by_offset)
			add_link(&link, req, path, "offset",
				 p->offset > p->per_page ? p->offset - p->per_page : 0,
				 per_page_given, "prev");
		else
			add_link(&link, req, path, prev_param, prev_cursor, per_page_given, "prev");
	}
	if (link.len)
		resp_header(resp, "Link", "%s", link.buf);
	strbuf_release(&link);
}

/*
 * Trim the fetched rows to the page, put backward reads in list order, add the metadata; total
 * is the count of total=true (up to PAGE_MAX_TOTAL + 1), or -1.
 */
static void answer(const struct page *p, const struct http_request *req, struct http_response *resp,
		   const char *path, const char *name, struct json_object *items,
		   const long long *keys, bool more_next, long long total)
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

	/* As in page_links: the first key, or where the client stood. */
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
	if (p->by_offset)
		json_object_object_add(pg, "offset", json_object_new_int64(p->offset));
	if (total >= 0) {
		json_object_object_add(
			pg, "total",
			json_object_new_int64(total > PAGE_MAX_TOTAL ? PAGE_MAX_TOTAL : total));
		json_object_object_add(pg, "total_capped",
				       json_object_new_boolean(total > PAGE_MAX_TOTAL));
	}
	add_cursor(pg, p->newest_first ? "next_before" : "next_after", more_next && n, last);
	add_cursor(pg, p->newest_first ? "prev_after" : "prev_before", true, prev_cursor);
	json_object_object_add(o, "pagination", pg);

	page_links(p, req, resp, path, n > 0, first, last, more_next);
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
	if ((status = select_order(req, resp, q, &r->order)) ||
	    (status = page_parse(req, resp, path_page, q->per_page, r->order->newest_first,
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
const char *page_statement(const struct page_request *r, const struct db_arg *args, size_t nargs,
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

/*
 * total=true: the list's capped count (q->count), binding the caller (q->auth) or the list's own
 * parameters, then the cap: PAGE_MAX_TOTAL + 1 rows at most, so that more is told from exactly
 * PAGE_MAX_TOTAL. 0 or a db rc.
 */
static int count(const struct page_request *r, long long caller, const struct db_arg *args,
		 size_t nargs, long long *total)
{
	struct db_arg *all = xcalloc(nargs + 2, sizeof(*all));
	size_t n = 0;
	if (r->q->auth)
		all[n++] = DB_INT(caller);
	else
		for (size_t i = 0; i < nargs; i++)
			all[n++] = args[i];
	all[n++] = DB_INT(PAGE_MAX_TOTAL + 1);
	int rc = db_first_int(total, r->q->count, all, n);
	free(all);
	return rc;
}

/* The list's canonical path, its {name} segment (if any) the route's first parameter. */
void page_list_path(struct strbuf *sb, const struct http_request *req, const char *path)
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

int page_serve(struct http_request *req, struct http_response *resp, struct page_request *r,
	       long long viewer, const struct db_arg *args, size_t nargs)
{
	const struct page_query *q = r->q;
	const struct page *p = &r->page;
	struct strbuf path = STRBUF_INIT;
	struct db_stmt *st;
	struct db_arg *all;
	size_t nall;
	const char *sql = page_statement(r, args, nargs, &all, &nall);
	size_t alloc = p->limit < 64 ? (size_t)p->limit : 64; /* page_all has no real limit */
	long long *keys = xcalloc(alloc, sizeof(*keys));
	struct json_object *items = json_object_new_array();
	size_t n = 0;
	long long total = -1;
	int rc, status = 0;

	if (req->csv) {
		free(keys);
		free(all);
		json_object_put(items);
		return page_csv_serve(req, resp, r, viewer, args, nargs);
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
	if (rc >= 0 && p->total && req->api_version != WIRE_V0)
		rc = count(r, q->auth ? r->auth.user_id : viewer, args, nargs, &total);
	if (rc < 0) {
		status = resp_db_error(resp, rc);
		goto out;
	}
	page_list_path(&path, req, q->path);
	answer(p, req, resp, path.buf, q->name, items, keys, more_next, total);
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
