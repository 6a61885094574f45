/* conf.h: the configuration: one table of keys with types, defaults and ranges (after redis). */
#ifndef KINGLET_CONF_H
#define KINGLET_CONF_H

#include <stdbool.h>

#include "strbuf.h"

/*
 * STR(key, field, default)  INT(key, field, default, min, max)  BOOL(key, field, default)
 * Adding a key here adds it to the file format, the defaults and the validation; document it in
 * conf/kinglet.conf.example.
 */
#define CONF_TABLE(STR, INT, BOOL)                                                                 \
	STR("db.socket", db_socket, "")                                                            \
	STR("db.host", db_host, "localhost")                                                       \
	INT("db.port", db_port, 3306, 1, 65535)                                                    \
	STR("db.user", db_user, "kinglet")                                                         \
	STR("db.password", db_password, "")                                                        \
	STR("db.name", db_name, "kinglet")                                                         \
	INT("db.timeout_seconds", db_timeout_seconds, 5, 1, 300)                                   \
	STR("http.base_path", http_base_path, "/api/v1")                                           \
	INT("http.max_body_bytes", http_max_body_bytes, 65536, 1024, 1048576)                      \
	STR("log.file", log_file, "")

#define CONF_STR_FIELD(key, field, def) char *field;
#define CONF_INT_FIELD(key, field, def, min, max) long long field;
#define CONF_BOOL_FIELD(key, field, def) bool field;
struct conf {
	CONF_TABLE(CONF_STR_FIELD, CONF_INT_FIELD, CONF_BOOL_FIELD)
};
#undef CONF_STR_FIELD
#undef CONF_INT_FIELD
#undef CONF_BOOL_FIELD

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

#endif
