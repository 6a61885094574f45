/* log.c: logfmt lines to a file opened O_APPEND, or to standard error. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

#include "banned.h"

static int log_fd_ = 2;
static char log_prog[32] = "kinglet";
static int log_pid; /* getpid() is a system call: ask once (the programs do not fork) */

int log_open(const char *path, const char *prog)
{
	snprintf(log_prog, sizeof(log_prog), "%s", prog ? prog : "kinglet");
	log_pid = (int)getpid();
	if (!path || !*path) {
		if (log_fd_ > 2)
			close(log_fd_);
		log_fd_ = 2;
		return 0;
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		log_error("cannot open log file %s: %s", path, strerror(errno));
		return -1;
	}
	if (log_fd_ > 2)
		close(log_fd_);
	log_fd_ = fd;
	return 0;
}

static void add_prefix(struct strbuf *sb, const char *level)
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strbuf_addf(sb, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03dZ prog=%s pid=%d level=%s ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    (int)(tv.tv_usec / 1000), log_prog, log_pid ? log_pid : (int)getpid(), level);
}

static void write_line(struct strbuf *sb)
{
	strbuf_addch(sb, '\n');
	/* Nowhere to report a failed log write. */
	(void)write_in_full(log_fd_, sb->buf, sb->len);
}

void log_add_value(struct strbuf *sb, const char *value, size_t len)
{
	bool bare = len > 0;
	for (size_t i = 0; i < len && bare; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f)
			bare = false;
	}
	if (bare) {
		strbuf_add(sb, value, len);
		return;
	}
	strbuf_addch(sb, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c == '"' || c == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, c);
		} else if (c == '\n') {
			strbuf_addstr(sb, "\\n");
		} else if (c < ' ' || c == 0x7f) {
			strbuf_addf(sb, "\\x%02x", c);
		} else {
			strbuf_addch(sb, c);
		}
	}
	strbuf_addch(sb, '"');
}

static void log_msg(const char *level, const char *fmt, va_list ap)
{
	struct strbuf msg = STRBUF_INIT, line = STRBUF_INIT;
	strbuf_vaddf(&msg, fmt, ap);
	add_prefix(&line, level);
	strbuf_addstr(&line, "msg=");
	log_add_value(&line, msg.buf, msg.len);
	write_line(&line);
	strbuf_release(&msg);
	strbuf_release(&line);
}

#define LOG_FN(name, level)                                                                        \
	void name(const char *fmt, ...)                                                            \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		log_msg(level, fmt, ap);                                                           \
		va_end(ap);                                                                        \
	}
LOG_FN(log_error, "error")
LOG_FN(log_warn, "warn")
LOG_FN(log_info, "info")
#undef LOG_FN

void log_fields(const char *fields, size_t len)
{
	struct strbuf line = STRBUF_INIT;
	add_prefix(&line, "info");
	strbuf_add(&line, fields, len);
	write_line(&line);
	strbuf_release(&line);
}

int log_fd(void)
{
	return log_fd_;
}
