/* err.c: lookups in the error-code table, the reason phrases of HTTP statuses included. */
#include "err.h"

#include <stddef.h>

#include "banned.h"

#define ERR_ROW(name, status_, code_, reason_, msg)                                                \
	{ .status = (status_), .code = (code_), .reason = (reason_), .user_message = (msg) },
/* Indexed by enum err_code: the server's rows start at ERR__COUNT. */
static const struct err_info table[ERR__ALL] = { ERR_TABLE(ERR_ROW) ERR_SERVER_TABLE(ERR_ROW) };
#undef ERR_ROW

/* The statuses that are not errors: their reason phrases. */
static const struct {
	int status;
	const char *reason;
} success[] = { { 200, "OK" },
		{ 201, "Created" },
		{ 202, "Accepted" },
		{ 204, "No Content" },
		{ 304, "Not Modified" } };

const struct err_info *err_info(enum err_code e)
{
	if ((unsigned)e >= ERR__COUNT)
		e = ERR_INTERNAL;
	return &table[e];
}

/* The first entry of status among the first n of the table (its generic one), or -1. */
static int first_of(int status, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].status == status)
			return (int)i;
	return -1;
}

const struct err_info *err_for_status(int status, enum err_code *out)
{
	int i = first_of(status, ERR__COUNT);
	if (i < 0)
		return NULL;
	if (out)
		*out = (enum err_code)i;
	return &table[i];
}

const struct err_info *err_page(int status)
{
	int i = first_of(status, ERR__ALL);
	return i < 0 ? NULL : &table[i];
}

const char *http_reason(int status)
{
	const struct err_info *info = err_page(status);
	if (info)
		return info->reason;
	for (size_t i = 0; i < sizeof(success) / sizeof(*success); i++)
		if (success[i].status == status)
			return success[i].reason;
	return "Unknown";
}
