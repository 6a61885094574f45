/* err.c: lookups in the error-code table and the HTTP reason phrases. */
#include "err.h"

#include <stddef.h>

#include "banned.h"

#define ERR_ROW(name, st, cd, msg) { .status = (st), .code = (cd), .user_message = (msg) },
static const struct err_info table[ERR__COUNT] = { ERR_TABLE(ERR_ROW) };
#undef ERR_ROW

const struct err_info *err_info(enum err_code e)
{
	if ((unsigned)e >= ERR__COUNT)
		e = ERR_INTERNAL;
	return &table[e];
}

const struct err_info *err_for_status(int status, enum err_code *out)
{
	for (size_t i = 0; i < ERR__COUNT; i++) {
		if (table[i].status == status) {
			if (out)
				*out = (enum err_code)i;
			return &table[i];
		}
	}
	return NULL;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 413:
		return "Payload Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 417:
		return "Expectation Failed";
	case 422:
		return "Unprocessable Entity";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Unknown";
	}
}
