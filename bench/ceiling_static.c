/* ceiling_static.c: ceiling (a) of make bench, the least a FastCGI answer can cost: a fixed body.
 */
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
	FCGX_ShutdownPending();
}

int main(void)
{
	static const char body[] = "{\"status\":200,\"description\":\"OK\"}\n";
	char reply[256];
	struct sigaction sa;
	FCGX_Request r;
	/* Built once: the loop only writes it. */
	int len = snprintf(reply, sizeof(reply),
			   "Status: 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
			   "Content-Length: %zu\r\n\r\n%s",
			   sizeof(body) - 1, body);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term; /* no SA_RESTART: accept() must return so the loop ends */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	if (FCGX_Init() != 0)
		return 1;
	FCGX_InitRequest(&r, 0, 0);
	while (!stop && FCGX_Accept_r(&r) >= 0) {
		FCGX_PutStr(reply, len, r.out);
		FCGX_Finish_r(&r);
	}
	FCGX_Free(&r, 1);
	return 0;
}
