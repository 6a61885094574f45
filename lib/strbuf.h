/* strbuf.h: a growable, always NUL-terminated byte buffer (after git's strbuf). */
#ifndef KINGLET_STRBUF_H
#define KINGLET_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * buf is never NULL: an empty strbuf points at a shared "" until the first write. len excludes
 * the terminating NUL; the bytes may contain NULs. Allocation failure aborts the process (the
 * process manager respawns it): requests are bounded, so this only happens when the machine is
 * out of memory.
 */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT                                                                                \
	{                                                                                          \
		strbuf_slopbuf, 0, 0                                                               \
	}

/* Initialise with room for hint bytes (0: allocate lazily). */
void strbuf_init(struct strbuf *sb, size_t hint);
/* Free the memory and return to the STRBUF_INIT state. */
void strbuf_release(struct strbuf *sb);
/* Make room for extra more bytes. */
void strbuf_grow(struct strbuf *sb, size_t extra);
/* Empty the buffer, keeping its memory for reuse. */
static inline void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}
/* Set the length (<= alloc - 1) after writing into buf directly. */
void strbuf_setlen(struct strbuf *sb, size_t len);

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Hand the buffer to the caller (who frees it) and reset sb to STRBUF_INIT. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

/* Allocation helpers that abort on failure, for the rest of the library. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xmemdupz(const void *data, size_t len);

#endif
