/* app.c: the FastCGI loop: signals, one request's life (parse → route → handle → send), the log
 * line. */
#include "app.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "ratelimit.h"

#include "banned.h"

static volatile sig_atomic_t shutdown_requested;

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
	strbuf_addf(&line, " status=%d us=%lld", resp->status, us);
	if (resp->is_error)
		strbuf_addf(&line, " code=%s", err_info(resp->err)->code);
	log_fields(line.buf, line.len);
	strbuf_release(&line);
}

static void handle(struct http_io *io, const struct route *routes, size_t nroutes,
		   struct http_response *resp)
{
	struct http_request req;
	int status;

	http_request_init(&req, io);
	http_response_reset(resp);
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
	/* A handler that left a transaction open loses it rather than leaking it to the next. */
	db_rollback();
	http_send(&req, resp);
	access_log(&req, resp);
	http_request_release(&req);
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
	if (conf_load(getenv("KINGLET_CONF"), &err) < 0) {
		log_error("configuration: %s", err.buf);
		strbuf_release(&err);
		return 1;
	}
	strbuf_release(&err);
	log_open(conf.log_file, name);
	install_signals();
	http_response_init(&resp);
	ratelimit_init();
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
