/* app.c: the FastCGI loop: signals, one request's life (parse → route → handle → send), the log
 * line. */
#include "app.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "ratelimit.h"
#include "resp.h"

#include "banned.h"

static volatile sig_atomic_t shutdown_requested;

/* What kill -USR2 reports: requests by status class since start. */
static struct {
	const char *prog;
	time_t started;
	volatile long requests, by_class[6]; /* index: status / 100 */
} counters;

static void add_text(char *buf, size_t *n, size_t cap, const char *s)
{
	while (*s && *n < cap)
		buf[(*n)++] = *s++;
}

static void add_number(char *buf, size_t *n, size_t cap, long long v)
{
	char digits[24];
	size_t k = 0;
	if (v < 0)
		v = 0;
	do {
		digits[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && k < sizeof(digits));
	while (k && *n < cap)
		buf[(*n)++] = digits[--k];
}

/* SIGUSR2: log the counters now. Only async-signal-safe calls (no stdio, no malloc). */
static void on_usr2(int sig)
{
	static const char *const names[] = { " s1xx=", " s2xx=", " s3xx=", " s4xx=", " s5xx=" };
	char buf[320];
	size_t n = 0;
	int saved = errno;
	(void)sig;
	add_text(buf, &n, sizeof(buf), "epoch=");
	add_number(buf, &n, sizeof(buf), (long long)time(NULL));
	add_text(buf, &n, sizeof(buf), " prog=");
	add_text(buf, &n, sizeof(buf), counters.prog ? counters.prog : "kinglet");
	add_text(buf, &n, sizeof(buf), " pid=");
	add_number(buf, &n, sizeof(buf), (long long)getpid());
	add_text(buf, &n, sizeof(buf), " level=info counters=1 uptime_s=");
	add_number(buf, &n, sizeof(buf), (long long)(time(NULL) - counters.started));
	add_text(buf, &n, sizeof(buf), " requests=");
	add_number(buf, &n, sizeof(buf), counters.requests);
	for (int i = 1; i <= 5; i++) {
		add_text(buf, &n, sizeof(buf), names[i - 1]);
		add_number(buf, &n, sizeof(buf), counters.by_class[i]);
	}
	add_text(buf, &n, sizeof(buf), " db_connects=");
	add_number(buf, &n, sizeof(buf), (long long)db_connects());
	add_text(buf, &n, sizeof(buf), "\n");
	if (write(log_fd(), buf, n) < 0)
		errno = saved;
	errno = saved;
}

static void on_shutdown(int sig)
{
	(void)sig;
	shutdown_requested = 1;
	FCGX_ShutdownPending();
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_shutdown; /* no SA_RESTART: accept() must return so the loop can end */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_usr2;
	sa.sa_flags = SA_RESTART; /* a report must not interrupt the request in flight */
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/*
 * The web server re-ran this request to render an error it made itself (lighttpd
 * server.error-handler sets REDIRECT_STATUS; it is 200 on ordinary requests): answer that status
 * as JSON. parse_status is what our own parsing of the original request said: a 400 there names
 * the precise reason (lighttpd refuses %FF and %00 itself), so it is kept.
 */
static int server_error(struct http_request *req, struct http_response *resp, int parse_status)
{
	const char *rs = http_env(req, "REDIRECT_STATUS");
	int status = rs ? atoi(rs) : 0;
	enum err_code e;
	if (status < 400 || status > 599)
		return 0;
	if (parse_status == 400 && (status == 400 || status == 404))
		return 400; /* lighttpd does not route a path that is not UTF-8: it answers 404 */
	if (!err_for_status(status, &e))
		e = status < 500 ? ERR_BAD_REQUEST : ERR_INTERNAL;
	resp_error(resp, e, "the web server refused the request (%d)", status);
	resp->status = status;
	return status;
}

static void access_log(struct http_request *req, struct http_response *resp)
{
	struct timespec now;
	struct strbuf line = STRBUF_INIT;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long us = (now.tv_sec - req->started.tv_sec) * 1000000LL +
		       (now.tv_nsec - req->started.tv_nsec) / 1000;
	strbuf_addf(&line, "rid=%s method=", req->request_id);
	log_add_value(&line, req->method, strlen(req->method));
	strbuf_addstr(&line, " path=");
	log_add_value(&line, req->path.buf, req->path.len);
	if (req->route)
		strbuf_addf(&line, " route=%s%s", conf.http_base_path, req->route->pattern);
	if (req->user_id)
		strbuf_addf(&line, " user=%lld", req->user_id);
	strbuf_addf(&line, " status=%d us=%lld bytes=%zu", resp->status, us, resp->body_bytes);
	if (resp->is_error)
		strbuf_addf(&line, " code=%s", err_info(resp->err)->code);
	log_fields(line.buf, line.len);
	strbuf_release(&line);
}

/*
 * OPTIONS on a known path: 204 with Allow (and, from an allowed origin, the CORS preflight
 * headers http_send adds); an unknown path stays 404.
 */
static int preflight(struct http_request *req, struct http_response *resp,
		     const struct route *routes, size_t nroutes)
{
	int status = router_match(routes, nroutes, req, resp);
	if (status != 405)
		return status;
	/* router_match answered 405 with the Allow header we want: keep it, drop the error. */
	resp->is_error = false;
	resp->no_body = true;
	resp->preflight = true;
	return 204;
}

static void handle(struct http_io *io, const struct route *routes, size_t nroutes,
		   struct http_response *resp)
{
	struct http_request req;
	int status;

	http_request_init(&req, io);
	http_response_reset(resp);
#ifdef KINGLET_FAULTS
	/* Test builds only: "X-Kinglet-Fault: db=N" (lost=N, deadlock=N) fails the N-th database
	 * call of this request. */
	db_fault_arm(http_env(&req, "HTTP_X_KINGLET_FAULT"));
#endif
	status = http_parse_head(&req, resp, conf.http_base_path);
	/* An error page request answers its status whatever the path looked like. */
	int server_status = server_error(&req, resp, status);
	if (server_status)
		status = server_status;
	if (!status && conf.ratelimit_enabled) {
		const struct route *r = router_find(routes, nroutes, &req);
		struct strbuf key = STRBUF_INIT;
		strbuf_addf(&key, "ip:%s", auth_client_addr(&req));
		ratelimit_take(r ? r->limit : RL_DEFAULT, key.buf, &resp->rl);
		strbuf_release(&key);
		if (!resp->rl.allowed)
			status = resp_rate_limited(resp);
	}
	if (!status && !strcmp(req.method, "OPTIONS")) {
		status = preflight(&req, resp, routes, nroutes);
		goto send;
	}
	if (status || (status = http_read_body(&req, resp, (size_t)conf.http_max_body_bytes)) ||
	    (status = router_match(routes, nroutes, &req, resp)))
		goto send;
	status = req.route->handler(&req, resp);
	if (status < 200 || status > 599) {
		log_error("handler for %s %s returned %d", req.route->method, req.route->pattern,
			  status);
		status = resp_error(resp, ERR_INTERNAL, NULL);
	}
send:
	resp->status = status;
#ifdef KINGLET_FAULTS
	if (db_fault_fired())
		resp_header(resp, "X-Kinglet-Fault-Hit", "1");
#endif
	/* A handler that left a transaction open loses it rather than leaking it to the next. */
	db_rollback();
	http_send(&req, resp);
	access_log(&req, resp);
	counters.requests++;
	counters.by_class[status / 100 <= 5 ? status / 100 : 5]++;
	http_request_release(&req);
}

/*
 * The statuses lighttpd, Apache and nginx answer themselves (conf/): each gets a static page, for
 * when no program can render it. (No 401: version 0 would name it "Not Authorized".)
 */
static const int server_statuses[] = { 400, 403, 404, 405, 408, 411, 413, 414,
				       417, 431, 500, 501, 502, 503, 504, 505 };

/* One static page: version 1's fields and newline, or version 0's four fields (API.md §10). */
static int write_error_page(const char *dir, const struct err_info *info, bool v0)
{
	static const char refused[] =
		"Answered by the web server: the request did not reach the application.";
	static const char unreachable[] =
		"Answered by the web server: the application could not be reached.";
	struct json_object *o = json_object_new_object();
	struct strbuf path = STRBUF_INIT;
	int ret = -1;
	json_object_object_add(o, "status", json_object_new_int(info->status));
	json_object_object_add(o, "description", json_object_new_string(info->reason));
	if (!v0)
		json_object_object_add(o, "code", json_object_new_string(info->code));
	json_object_object_add(o, "user_message", json_object_new_string(info->user_message));
	json_object_object_add(o, "system_message",
			       json_object_new_string(info->status < 500 ? refused : unreachable));
	if (!v0)
		json_object_object_add(o, "request_id", NULL);
	strbuf_addf(&path, "%s/%s%d.html", dir, v0 ? "v0/" : "", info->status);
	FILE *f = fopen(path.buf, "w");
	if (!f)
		goto out;
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							JSON_C_TO_STRING_NOSLASHESCAPE),
	      f);
	if (!v0)
		fputc('\n', f);
	bool bad = ferror(f);
	ret = (fclose(f) || bad) ? -1 : 0;
out:
	if (ret < 0)
		fprintf(stderr, "%s: %s\n", path.buf, strerror(errno));
	strbuf_release(&path);
	json_object_put(o);
	return ret;
}

/* mkdir path unless it is there. 0 or -1 (said on standard error). */
static int make_dir(const char *path)
{
	if (!mkdir(path, 0755) || errno == EEXIST)
		return 0;
	fprintf(stderr, "%s: %s\n", path, strerror(errno));
	return -1;
}

/* --error-pages DIR: DIR/STATUS.html and DIR/v0/STATUS.html for every server status. 0 or 1. */
static int write_error_pages(const char *dir)
{
	struct strbuf v0 = STRBUF_INIT;
	strbuf_addf(&v0, "%s/v0", dir);
	int failed = make_dir(dir) || make_dir(v0.buf);
	strbuf_release(&v0);
	for (size_t i = 0; !failed && i < sizeof(server_statuses) / sizeof(*server_statuses); i++) {
		const struct err_info *info = err_page(server_statuses[i]);
		failed = !info || write_error_page(dir, info, false) ||
			 write_error_page(dir, info, true);
	}
	return failed;
}

int app_main(int argc, char **argv, const char *name, const struct route *routes, size_t nroutes)
{
	struct strbuf err = STRBUF_INIT;
	struct http_response resp;
	FCGX_Request fcgx;
	struct http_io io = { NULL };

	log_open(NULL, name);
	if (argc == 2 && !strcmp(argv[1], "--routes")) {
		conf_defaults();
		for (size_t i = 0; i < nroutes; i++)
			printf("%s %s%s\n", routes[i].method, conf.http_base_path,
			       strcmp(routes[i].pattern, "/") ? routes[i].pattern : "/");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--error-pages"))
		return write_error_pages(argv[2]);
	if (conf_load(getenv("KINGLET_CONF"), &err) < 0) {
		log_error("configuration: %s", err.buf);
		strbuf_release(&err);
		return 1;
	}
	strbuf_release(&err);
	log_open(conf.log_file, name);
	/*
	 * No fastbins: a request frees hundreds of small JSON nodes, and each large allocation of
	 * the next one (libfcgi's stream buffers) would consolidate them all again (measured: a
	 * sixth of a stream page's CPU). tcache still serves small blocks.
	 */
	mallopt(M_MXFAST, 0);
	counters.prog = name;
	counters.started = time(NULL);
	install_signals();
	http_response_init(&resp);
	/* Serving without the limits would be serving without them unnoticed: refuse (logged). */
	if (ratelimit_init() < 0)
		return 1;
	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		return 1;
	}
	if (FCGX_IsCGI()) {
		handle(&io, routes, nroutes, &resp);
	} else {
		db_connect();
		FCGX_InitRequest(&fcgx, 0, 0);
		io.fcgx = &fcgx;
		while (!shutdown_requested && FCGX_Accept_r(&fcgx) >= 0) {
			handle(&io, routes, nroutes, &resp);
			FCGX_Finish_r(&fcgx);
		}
		FCGX_Free(&fcgx, 1);
	}
	http_response_release(&resp);
	db_close();
	return 0;
}
