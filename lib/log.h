/* log.h: one-line logfmt records (errors, and the access line of every request). */
#ifndef KINGLET_LOG_H
#define KINGLET_LOG_H

#include "strbuf.h"

/*
 * Open the log: path NULL or "" means standard error. prog names the program in every line.
 * Returns 0, or -1 (and keeps logging to standard error) when the file cannot be opened.
 */
int log_open(const char *path, const char *prog);

/* "ts=... prog=... pid=... level=LEVEL msg=\"...\"": the message is quoted and escaped. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Write a record whose fields the caller formatted (logfmt, values already safe): the log adds
 * ts, prog, pid and level=info in front. One write(2) per line, so lines from several processes
 * appending to one file never interleave.
 */
void log_fields(const char *fields, size_t len);

/* The log's file descriptor, for writers that cannot use the functions above (signal handlers). */
int log_fd(void);

/* Append value to sb as a logfmt value: bare when safe, otherwise quoted with escapes. */
void log_add_value(struct strbuf *sb, const char *value, size_t len);

#endif
