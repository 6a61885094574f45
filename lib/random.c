/* random.c: getrandom(2) with EINTR handling, and UUIDv4 formatting. */
#include "random.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "banned.h"

int random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;
	while (len) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int random_uuid(char out[37])
{
	/* Request ids are made for every request: one getrandom(2) per 256 of them, not per id. */
	static uint8_t pool[4096];
	static size_t left;
	uint8_t b[16];
	if (left < sizeof(b)) {
		if (random_bytes(pool, sizeof(pool)) < 0)
			return -1;
		left = sizeof(pool);
	}
	memcpy(b, pool + sizeof(pool) - left, sizeof(b));
	left -= sizeof(b);
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	/* By hand: snprintf's format parsing was 5% of a GET /messages/N's instructions. */
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[b[i] >> 4];
		*o++ = hex[b[i] & 15];
	}
	*o = '\0';
	return 0;
}
