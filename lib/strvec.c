/* strvec.c: growable lists of owned strings. */
#include "strvec.h"

#include <stdlib.h>

#include "strbuf.h"

#include "banned.h"

const char *strvec_empty[] = { NULL };

void strvec_init(struct strvec *sv)
{
	sv->v = strvec_empty;
	sv->nr = 0;
	sv->alloc = 0;
}

const char *strvec_push(struct strvec *sv, const char *s)
{
	/* One slot more than nr for the terminating NULL. */
	if (sv->nr + 2 > sv->alloc) {
		size_t alloc = sv->alloc ? sv->alloc * 2 : 8;
		const char **v = xrealloc(sv->alloc ? sv->v : NULL, alloc * sizeof(*v));
		sv->v = v;
		sv->alloc = alloc;
	}
	const char *copy = xstrdup(s);
	sv->v[sv->nr++] = copy;
	sv->v[sv->nr] = NULL;
	return copy;
}

void strvec_clear(struct strvec *sv)
{
	if (sv->alloc) {
		for (size_t i = 0; i < sv->nr; i++)
			free((char *)sv->v[i]);
		free(sv->v);
	}
	strvec_init(sv);
}
