/* random.h: bytes from the kernel's CSPRNG and the ids made from them. */
#ifndef KINGLET_RANDOM_H
#define KINGLET_RANDOM_H

#include <stddef.h>

/* Fill buf with len random bytes from getrandom(2). Returns 0, or -1 if the kernel refused. */
int random_bytes(void *buf, size_t len);
/* Write a fresh UUIDv4 (36 characters and NUL) into out. Returns 0 or -1. */
int random_uuid(char out[37]);

#endif
