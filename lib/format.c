/* format.c: which format an answer takes (API.md §12): a .csv suffix, or the Accept header. */
#include "format.h"

#include <string.h>
#include <strings.h>

#include "banned.h"

bool format_strip_csv(char *seg)
{
	size_t len = strlen(seg);
	if (len <= 4 || strcmp(seg + len - 4, ".csv"))
		return false;
	seg[len - 4] = '\0';
	return true;
}

/* The q value of one media range's parameters ("; q=0.5"): 1 when absent, 0 when malformed. */
static double accept_q(const char *params, const char *end)
{
	double q = 1;
	while (params < end) {
		while (params < end && (*params == ';' || *params == ' ' || *params == '\t'))
			params++;
		if (end - params > 2 && (params[0] == 'q' || params[0] == 'Q') &&
		    params[1] == '=') {
			const char *v = params + 2;
			q = 0;
			if (v < end && (*v == '0' || *v == '1'))
				q = *v++ - '0';
			if (v < end && *v == '.')
				for (double f = 0.1; ++v < end && *v >= '0' && *v <= '9'; f /= 10)
					q += (*v - '0') * f;
			if (q > 1 || (v < end && *v != ';' && *v != ' ' && *v != '\t'))
				return 0;
		}
		while (params < end && *params != ';')
			params++;
	}
	return q;
}

bool format_accepts_csv(const char *accept)
{
	double csv = 0, json = 0;
	const char *p = accept;
	while (p && *p) {
		const char *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		const char *type_end = p;
		while (type_end < end && *type_end != ';' && *type_end != ' ' && *type_end != '\t')
			type_end++;
		size_t len = (size_t)(type_end - p);
		if (len == 8 && !strncasecmp(p, "text/csv", 8))
			csv = accept_q(type_end, end);
		else if (len == 16 && !strncasecmp(p, "application/json", 16))
			json = accept_q(type_end, end);
		p = *end ? end + 1 : end;
	}
	return csv > 0 && csv >= json;
}
