/* strvec.h: a growable list of owned strings, for lists of names (after git's strvec). */
#ifndef KINGLET_STRVEC_H
#define KINGLET_STRVEC_H

#include <stddef.h>

/*
 * v[0] .. v[nr - 1] are the strings, in the order pushed, and v[nr] is NULL, so v is never NULL:
 * an empty strvec points at a shared { NULL } until the first push. The vector owns its strings
 * (copies of what was pushed) and frees them in strvec_clear; a pointer from v lives until then.
 */
struct strvec {
	const char **v;
	size_t nr;
	size_t alloc;
};

extern const char *strvec_empty[];
#define STRVEC_INIT                                                                                \
	{                                                                                          \
		strvec_empty, 0, 0                                                                 \
	}

void strvec_init(struct strvec *sv);
/* Append a copy of s (which the caller keeps); returns the copy. */
const char *strvec_push(struct strvec *sv, const char *s);
/* Free every string and the array, and return to the STRVEC_INIT state. */
void strvec_clear(struct strvec *sv);

#endif
