/* io.h: writing to file descriptors the way every caller needs it (after git's wrapper.c). */
#ifndef KINGLET_IO_H
#define KINGLET_IO_H

#include <stddef.h>

/*
 * Write all len bytes of buf to fd, again after a signal (EINTR) or a partial write. Returns 0, or
 * -1 when write fails (errno set) or writes nothing.
 */
int write_in_full(int fd, const void *buf, size_t len);

#endif
