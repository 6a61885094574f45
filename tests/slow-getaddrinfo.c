/* slow-getaddrinfo.c: an LD_PRELOAD shim for the webhook tests: the name slow.kinglet.test takes
 * three seconds to resolve (to 127.0.0.1), as a slow DNS server would; other names are untouched.
 *
 *   cc -shared -fPIC -o slow.so tests/slow-getaddrinfo.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	int (*real)(const char *, const char *, const struct addrinfo *, struct addrinfo **) =
		(int (*)(const char *, const char *, const struct addrinfo *,
			 struct addrinfo **))dlsym(RTLD_NEXT, "getaddrinfo");
	if (node && !strcmp(node, "slow.kinglet.test")) {
		sleep(3);
		node = "127.0.0.1";
	}
	return real(node, service, hints, res);
}
