/* mail.c: message formatting and the two delivery modes, spool and sendmail. */
#include "mail.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "io.h"
#include "log.h"
#include "random.h"

#include "banned.h"

extern char **environ;

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || *s == '\r' || *s == '\n')
			return false;
	return true;
}

/* RFC 2047 "B" encoding of a UTF-8 header text. */
static void add_encoded_word(struct strbuf *out, const char *s)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	strbuf_addstr(out, "=?UTF-8?B?");
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0) |
			     (i + 2 < len ? p[i + 2] : 0);
		strbuf_addch(out, b64[(v >> 18) & 63]);
		strbuf_addch(out, b64[(v >> 12) & 63]);
		strbuf_addch(out, i + 1 < len ? b64[(v >> 6) & 63] : '=');
		strbuf_addch(out, i + 2 < len ? b64[v & 63] : '=');
	}
	strbuf_addstr(out, "?=");
}

static const char *domain_of(const char *from)
{
	const char *at = strrchr(from, '@');
	return at ? at + 1 : "localhost";
}

void mail_format(struct strbuf *out, const char *to, const char *subject, const char *body)
{
	char id[37], date[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (random_uuid(id) < 0)
		snprintf(id, sizeof(id), "%lld.%d", (long long)now, (int)getpid());
	const char *domain = domain_of(conf.mail_from);
	size_t dlen = strcspn(domain, ">");

	strbuf_addf(out, "From: %s\r\nTo: <%s>\r\nSubject: ", conf.mail_from, to);
	if (is_ascii(subject))
		strbuf_addstr(out, subject);
	else
		add_encoded_word(out, subject);
	strbuf_addf(out,
		    "\r\nDate: %s\r\nMessage-ID: <%s@%.*s>\r\nMIME-Version: 1.0\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
		    "8bit\r\n\r\n",
		    date, id, (int)dlen, domain);
	for (const char *p = body; *p; p++) {
		if (*p == '\n' && (p == body || p[-1] != '\r'))
			strbuf_addch(out, '\r');
		strbuf_addch(out, *p);
	}
	if (out->len < 2 || strcmp(out->buf + out->len - 2, "\r\n"))
		strbuf_addstr(out, "\r\n");
}

static int spool(const struct strbuf *msg)
{
	struct strbuf tmp = STRBUF_INIT, final = STRBUF_INIT;
	char id[37];
	int ret = -1, fd = -1;
	if (random_uuid(id) < 0)
		goto out;
	/* Names sort by time to the nanosecond, so the newest mail is the last file (two mails of
	 * one second, a sign-up's and a reset's, in the order they were sent). */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	strbuf_addf(&final, "%s/%lld.%09ld-%s.eml", conf.mail_spool_dir, (long long)now.tv_sec,
		    now.tv_nsec, id);
	strbuf_addf(&tmp, "%s/.tmp-%s", conf.mail_spool_dir, id);
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0 || write_in_full(fd, msg->buf, msg->len) < 0 || fsync(fd) < 0) {
		log_error("mail spool %s: %s", conf.mail_spool_dir, strerror(errno));
		goto out;
	}
	if (rename(tmp.buf, final.buf) < 0) {
		log_error("mail spool rename: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		unlink(tmp.buf);
	strbuf_release(&tmp);
	strbuf_release(&final);
	return ret;
}

static int pipe_to_sendmail(const struct strbuf *msg)
{
	char *cmd = xstrdup(conf.mail_sendmail_command);
	char *argv[32];
	size_t argc = 0;
	int pipefd[2] = { -1, -1 }, status = 0, ret = -1;
	pid_t pid = -1;
	posix_spawn_file_actions_t fa;

	for (char *tok = strtok(cmd, " \t"); tok && argc < 31; tok = strtok(NULL, " \t"))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (!argc || pipe2(pipefd, O_CLOEXEC) < 0) {
		log_error("mail: cannot run '%s'", conf.mail_sendmail_command);
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[0], 0);
	int err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[0]);
	if (err) {
		log_error("mail: cannot start %s: %s", argv[0], strerror(err));
		goto out;
	}
	int wr = write_in_full(pipefd[1], msg->buf, msg->len);
	close(pipefd[1]);
	pipefd[1] = -1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (wr < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		log_error("mail: %s failed (status %d)", argv[0], status);
		goto out;
	}
	ret = 0;
out:
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	free(cmd);
	return ret;
}

int mail_send(const char *to, const char *subject, const char *body)
{
	struct strbuf msg = STRBUF_INIT;
	mail_format(&msg, to, subject, body);
	int rc = !strcmp(conf.mail_mode, "sendmail") ? pipe_to_sendmail(&msg) : spool(&msg);
	strbuf_release(&msg);
	return rc;
}
