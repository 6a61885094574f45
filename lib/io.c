/* io.c: one write loop for every file descriptor: logs, mail pipes, CGI answers. */
#include "io.h"

#include <errno.h>
#include <unistd.h>

#include "banned.h"

int write_in_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
