/* validate.h: the syntax rules for user names and e-mail addresses (API.md §4.1). */
#ifndef KINGLET_VALIDATE_H
#define KINGLET_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#define USER_NAME_MAX 30
/*
 * The system account that writes approval decisions (sql/003_lists.sql): no sign-up can take the
 * name, and no authentication flow accepts it (API.md §2).
 */
#define USERS_SYSTEM_NAME "kinglet"
#define EMAIL_MAX 254

/* 1–30 of [A-Za-z0-9_]. */
bool validate_user_name(const char *s, size_t len);
/*
 * Names that would shadow a route under /users (login, password, tokens, session, activate), and
 * the system account (kinglet): refused at sign-up, compared case-insensitively.
 */
bool validate_user_name_reserved(const char *s);
/*
 * local@domain, at most 254 characters, ASCII: a dot-atom local part of at most 64 characters,
 * and a domain of at least two dot-separated labels of letters, digits and inner hyphens (any
 * top-level domain length).
 */
bool validate_email(const char *s, size_t len);

#endif
