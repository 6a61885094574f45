/* conf.h: the configuration: one table of keys with types, defaults and ranges (after redis). */
#ifndef KINGLET_CONF_H
#define KINGLET_CONF_H

#include <stdbool.h>

#include "strbuf.h"

/*
 * The longest window a key may give a throttle (throttle.h): a day. throttle.c prunes the buckets
 * whose window started longer ago than this.
 */
#define CONF_MAX_WINDOW_SECONDS 86400

/*
 * STR(key, field, default)  INT(key, field, default, min, max)  BOOL(key, field, default)
 * CHOICE(key, field, default, "a|b"): a string that must be one of the listed words.
 * CHECKED(key, field, default, check): a string that check(key, value, err) accepts (0; else -1
 * with "key: reason" in err), so that a typo stops the program at start.
 * Adding a key here adds it to the file format, the defaults and the validation; document it in
 * conf/kinglet.conf.example.
 */
#define CONF_TABLE(STR, INT, BOOL, CHOICE, CHECKED)                                                \
	STR("db.socket", db_socket, "")                                                            \
	STR("db.host", db_host, "localhost")                                                       \
	INT("db.port", db_port, 3306, 1, 65535)                                                    \
	STR("db.user", db_user, "kinglet")                                                         \
	STR("db.password", db_password, "")                                                        \
	STR("db.name", db_name, "kinglet")                                                         \
	INT("db.timeout_seconds", db_timeout_seconds, 5, 1, 300)                                   \
	CHECKED("db.hosts", db_hosts, "", db_hosts_check)                                          \
	STR("http.base_path", http_base_path, "/api/v1")                                           \
	INT("api.default_version", api_default_version, 1, 0, 1)                                   \
	STR("api.v0_user_link", api_v0_user_link, "/user/")                                        \
	INT("http.max_body_bytes", http_max_body_bytes, 65536, 1024, 1048576)                      \
	STR("log.file", log_file, "")                                                              \
	STR("openapi.file", openapi_file, "")                                                      \
	STR("site.public_url", site_public_url, "http://127.0.0.1:8080")                           \
	BOOL("signup.enabled", signup_enabled, true)                                               \
	BOOL("signup.auto_activate", signup_auto_activate, false)                                  \
	INT("signup.per_ip_per_hour", signup_per_ip_per_hour, 20, 1, 1000000)                      \
	INT("auth.session_idle_days", auth_session_idle_days, 30, 1, 3650)                         \
	INT("auth.session_max_days", auth_session_max_days, 90, 1, 3650)                           \
	INT("auth.activation_hours", auth_activation_hours, 48, 1, 8760)                           \
	INT("auth.reset_minutes", auth_reset_minutes, 60, 5, 10080)                                \
	INT("auth.login_failures_per_account", auth_login_failures_per_account, 5, 1, 1000000)     \
	INT("auth.login_failures_per_account_all", auth_login_failures_per_account_all, 50, 1,     \
	    1000000)                                                                               \
	INT("auth.login_failures_per_ip", auth_login_failures_per_ip, 20, 1, 1000000)              \
	INT("auth.login_window_seconds", auth_login_window_seconds, 60, 1,                         \
	    CONF_MAX_WINDOW_SECONDS)                                                               \
	INT("auth.resets_per_hour", auth_resets_per_hour, 5, 1, 1000000)                           \
	INT("scrypt.log2_n", scrypt_log2_n, 15, 10, 20)                                            \
	INT("scrypt.r", scrypt_r, 8, 1, 32)                                                        \
	INT("scrypt.p", scrypt_p, 3, 1, 16)                                                        \
	INT("messaging.max_chars", messaging_max_chars, 300, 1, 10000)                             \
	BOOL("messaging.require_approval", messaging_require_approval, false)                      \
	BOOL("ratelimit.enabled", ratelimit_enabled, true)                                         \
	STR("ratelimit.file", ratelimit_file, "/run/kinglet/ratelimit/table")                      \
	INT("ratelimit.slots", ratelimit_slots, 65536, 1024, 16777216)                             \
	INT("ratelimit.default.per_second", rl_default_per_second, 10, 1, 1000000)                 \
	INT("ratelimit.default.burst", rl_default_burst, 20, 1, 1000000)                           \
	INT("ratelimit.default.per_minute", rl_default_per_minute, 300, 1, 60000000)               \
	INT("ratelimit.login.per_second", rl_login_per_second, 1, 1, 1000000)                      \
	INT("ratelimit.login.burst", rl_login_burst, 5, 1, 1000000)                                \
	INT("ratelimit.login.per_minute", rl_login_per_minute, 20, 1, 60000000)                    \
	INT("ratelimit.signup.per_second", rl_signup_per_second, 1, 1, 1000000)                    \
	INT("ratelimit.signup.burst", rl_signup_burst, 3, 1, 1000000)                              \
	INT("ratelimit.signup.per_minute", rl_signup_per_minute, 10, 1, 60000000)                  \
	INT("ratelimit.reset.per_second", rl_reset_per_second, 1, 1, 1000000)                      \
	INT("ratelimit.reset.burst", rl_reset_burst, 3, 1, 1000000)                                \
	INT("ratelimit.reset.per_minute", rl_reset_per_minute, 10, 1, 60000000)                    \
	INT("ratelimit.post.per_second", rl_post_per_second, 2, 1, 1000000)                        \
	INT("ratelimit.post.burst", rl_post_burst, 10, 1, 1000000)                                 \
	INT("ratelimit.post.per_minute", rl_post_per_minute, 60, 1, 60000000)                      \
	STR("http.trusted_proxies", http_trusted_proxies, "")                                      \
	STR("http.cors_origins", http_cors_origins, "")                                            \
	CHECKED("health.verbose_from", health_verbose_from, "127.0.0.0/8 ::1",                     \
		conf_check_addr_list)                                                              \
	INT("db.slow_query_ms", db_slow_query_ms, 500, 0, 3600000)                                 \
	CHOICE("mail.mode", mail_mode, "spool", "spool|sendmail")                                  \
	STR("mail.spool_dir", mail_spool_dir, "var/mail")                                          \
	STR("mail.sendmail_command", mail_sendmail_command, "/usr/sbin/sendmail -t -i")            \
	STR("mail.from", mail_from, "Kinglet <kinglet@localhost>")                                 \
	STR("webhooks.key_file", webhooks_key_file, "/etc/kinglet/webhooks.key")                   \
	STR("webhooks.socket", webhooks_socket, "/run/kinglet/webhookd.sock")                      \
	BOOL("webhooks.allow_private", webhooks_allow_private, false)                              \
	INT("webhooks.max_per_user", webhooks_max_per_user, 10, 1, 1000)                           \
	STR("webhooks.retry_schedule", webhooks_retry_schedule, "10s 1m 5m 30m 2h 6h 12h 24h")     \
	INT("webhooks.disable_after_hours", webhooks_disable_after_hours, 48, 0, 8760)             \
	INT("webhooks.max_in_flight", webhooks_max_in_flight, 32, 1, 1000)                         \
	INT("webhooks.scan_ms", webhooks_scan_ms, 1000, 10, 60000)                                 \
	INT("webhooks.log_days", webhooks_log_days, 30, 1, 3650)                                   \
	INT("webhooks.lease_seconds", webhooks_lease_seconds, 60, 15, 3600)

#define CONF_STR_FIELD(key, field, def) char *field;
#define CONF_INT_FIELD(key, field, def, min, max) long long field;
#define CONF_BOOL_FIELD(key, field, def) bool field;
#define CONF_CHOICE_FIELD(key, field, def, choices) char *field;
#define CONF_CHECKED_FIELD(key, field, def, check) char *field;
struct conf {
	CONF_TABLE(CONF_STR_FIELD, CONF_INT_FIELD, CONF_BOOL_FIELD, CONF_CHOICE_FIELD,
		   CONF_CHECKED_FIELD)
};
#undef CONF_STR_FIELD
#undef CONF_INT_FIELD
#undef CONF_BOOL_FIELD
#undef CONF_CHOICE_FIELD
#undef CONF_CHECKED_FIELD

/* The process's configuration; valid after conf_load() returned 0. Read-only afterwards. */
extern struct conf conf;

/* Reset every key to its default (frees strings set before). */
void conf_defaults(void);
/*
 * Set one key from its text form. Returns 0, or -1 with a reason in err (unknown key, not a
 * number, out of range, not a boolean).
 */
int conf_set(const char *key, const char *value, struct strbuf *err);
/*
 * Defaults, then the file at path (NULL or "": defaults only), then secrets from the environment
 * (KINGLET_DB_PASSWORD). Returns 0, or -1 with "file:line: reason" in err.
 */
int conf_load(const char *path, struct strbuf *err);
/* Parse a whole file's text (the file loader and the fuzzer share this). name is for messages. */
int conf_parse(const char *name, const char *text, size_t len, struct strbuf *err);

/* Whether the word (len bytes) is one of list's words (a setting separated by spaces or commas). */
bool conf_list_has(const char *list, const char *word, size_t len);
/*
 * Whether the address addr (text, IPv4 or IPv6; IPv4-mapped IPv6 counts as IPv4) is in list: a
 * setting of addresses and address/bits prefixes separated by spaces or commas.
 */
bool conf_list_has_addr(const char *list, const char *addr);
/* Check that every entry of an address list parses. Returns 0, or -1 with "key: reason" in err. */
int conf_check_addr_list(const char *key, const char *list, struct strbuf *err);

#endif
