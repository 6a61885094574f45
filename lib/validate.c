/* validate.c: user name and e-mail address syntax. */
#include "validate.h"

#include <string.h>
#include <strings.h>

#include "banned.h"

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool validate_user_name(const char *s, size_t len)
{
	if (len < 1 || len > USER_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '_')
			return false;
	return true;
}

bool validate_user_name_reserved(const char *s)
{
	static const char *const reserved[] = { "login",    "password",	       "tokens", "session",
						"activate", USERS_SYSTEM_NAME, NULL };
	for (const char *const *r = reserved; *r; r++)
		if (!strcasecmp(s, *r))
			return true;
	return false;
}

static bool atext(char c)
{
	return is_alnum(c) || (c && strchr("!#$%&'*+/=?^_`{|}~-", c));
}

bool validate_email(const char *s, size_t len)
{
	const char *at = len ? memchr(s, '@', len) : NULL;
	if (!at || len > EMAIL_MAX || memchr(s, '\0', len))
		return false;
	size_t local_len = (size_t)(at - s);
	const char *domain = at + 1, *end = s + len;
	if (local_len < 1 || local_len > 64)
		return false;
	/* dot-atom: atext runs separated by single dots */
	for (size_t i = 0; i < local_len; i++) {
		if (s[i] == '.') {
			if (i == 0 || i == local_len - 1 || s[i - 1] == '.')
				return false;
		} else if (!atext(s[i])) {
			return false;
		}
	}
	size_t labels = 0;
	const char *label = domain;
	for (const char *p = domain;; p++) {
		if (p == end || *p == '.') {
			size_t n = (size_t)(p - label);
			if (n < 1 || n > 63 || label[0] == '-' || p[-1] == '-')
				return false;
			labels++;
			if (p == end)
				break;
			label = p + 1;
		} else if (!is_alnum(*p) && *p != '-') {
			return false;
		}
	}
	return labels >= 2;
}
