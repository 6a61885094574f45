/* test_mail.c: unit tests of lib/mail.c's message format (RFC 5322, RFC 2047) and spool. */
#include "unit.h"

#include <dirent.h>
#include <fcntl.h>
#include <regex.h>
#include <sys/stat.h>

#include "conf.h"
#include "mail.h"

/* The header block of msg (up to the blank line), and where the body starts. */
static const char *split(const struct strbuf *msg, struct strbuf *head)
{
	const char *blank = strstr(msg->buf, "\r\n\r\n");
	assert_non_null(blank);
	strbuf_add(head, msg->buf, (size_t)(blank - msg->buf) + 2);
	return blank + 4;
}

static void check_matches(const char *label, const char *s, const char *pattern)
{
	regex_t re;
	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE | REG_NOSUB), 0);
	if (regexec(&re, s, 0, NULL, 0))
		fail_msg("%s: \"%s\" does not match %s", label, s, pattern);
	regfree(&re);
}

/* The headers, in order, each ended by CRLF; Message-ID in the sender's domain. */
static void test_headers(void **state)
{
	struct strbuf msg = STRBUF_INIT, head = STRBUF_INIT;
	(void)state;
	mail_format(&msg, "alice@example.com", "Activate your Kinglet account", "Hello.\n");
	split(&msg, &head);
	check_matches("headers", head.buf,
		      "^From: Kinglet <noreply@kinglet\\.example>\r\n"
		      "To: <alice@example\\.com>\r\n"
		      "Subject: Activate your Kinglet account\r\n"
		      "Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
		      "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
		      "[0-9]{2}:[0-9]{2}:[0-9]{2} \\+0000\r\n"
		      "Message-ID: <[0-9a-f-]{36}@kinglet\\.example>\r\n"
		      "MIME-Version: 1\\.0\r\n"
		      "Content-Type: text/plain; charset=utf-8\r\n"
		      "Content-Transfer-Encoding: 8bit\r\n$");
	strbuf_release(&msg);
	strbuf_release(&head);
}

/* Two messages never share a Message-ID. */
static void test_message_ids_differ(void **state)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	(void)state;
	mail_format(&a, "a@example.com", "s", "b");
	mail_format(&b, "a@example.com", "s", "b");
	const char *ia = strstr(a.buf, "Message-ID: "), *ib = strstr(b.buf, "Message-ID: ");
	assert_non_null(ia);
	assert_non_null(ib);
	assert_false(!strncmp(ia, ib, 12 + 38));
	strbuf_release(&a);
	strbuf_release(&b);
}

/* The body's lines end in CRLF whatever they ended in, and the message ends with one. */
static void test_body_line_ends(void **state)
{
	static const struct {
		const char *body, *want;
	} cases[] = {
		{ "one\ntwo\n", "one\r\ntwo\r\n" },
		{ "one\r\ntwo\r\n", "one\r\ntwo\r\n" },
		{ "one\ntwo", "one\r\ntwo\r\n" },
		{ "\n\nx", "\r\n\r\nx\r\n" },
		{ "mixed\r\nends\n", "mixed\r\nends\r\n" },
		{ "", "" },
		{ "caf\xc3\xa9 \xe2\x9c\x93\n", "caf\xc3\xa9 \xe2\x9c\x93\r\n" }, /* 8bit: as is */
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf msg = STRBUF_INIT, head = STRBUF_INIT;
		mail_format(&msg, "a@example.com", "s", cases[i].body);
		unit_check_str(cases[i].want, split(&msg, &head), cases[i].want);
		strbuf_release(&msg);
		strbuf_release(&head);
	}
}

/*
 * A subject that is not plain ASCII is one RFC 2047 encoded word, so that neither UTF-8 nor a line
 * break (a header injection) reaches the header raw.
 */
static void test_subject_encoding(void **state)
{
	static const struct {
		const char *subject, *want;
	} cases[] = {
		{ "plain", "Subject: plain\r\n" },
		{ "Willkommen, J\xc3\xbcrgen",
		  "Subject: =?UTF-8?B?V2lsbGtvbW1lbiwgSsO8cmdlbg==?=\r\n" },
		{ "\xc3\xa9", "Subject: =?UTF-8?B?w6k=?=\r\n" },
		{ "\xe2\x9c\x93", "Subject: =?UTF-8?B?4pyT?=\r\n" },
		{ "hi\r\nBcc: eve@example.com",
		  "Subject: =?UTF-8?B?aGkNCkJjYzogZXZlQGV4YW1wbGUuY29t?=\r\n" },
		{ "a\nb", "Subject: =?UTF-8?B?YQpi?=\r\n" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf msg = STRBUF_INIT, head = STRBUF_INIT;
		mail_format(&msg, "a@example.com", cases[i].subject, "b");
		split(&msg, &head);
		const char *subject = strstr(head.buf, "\r\nSubject: ");
		assert_non_null(subject);
		const char *end = strstr(subject + 2, "\r\n");
		struct strbuf line = STRBUF_INIT;
		strbuf_add(&line, subject + 2, (size_t)(end - subject));
		unit_check_str(cases[i].want, line.buf, cases[i].want);
		unit_check(cases[i].want, !strstr(head.buf, "\r\nBcc:"));
		strbuf_release(&line);
		strbuf_release(&msg);
		strbuf_release(&head);
	}
}

/* A From without an address still gives a Message-ID domain. */
static void test_from_without_domain(void **state)
{
	struct strbuf msg = STRBUF_INIT, err = STRBUF_INIT;
	(void)state;
	assert_int_equal(conf_set("mail.from", "Kinglet", &err), 0);
	mail_format(&msg, "a@example.com", "s", "b");
	check_matches("From", msg.buf, "^From: Kinglet\r\n");
	check_matches("Message-ID", msg.buf, "^Message-ID: <[0-9a-f-]{36}@localhost>\r\n");
	assert_int_equal(conf_set("mail.from", "Kinglet <noreply@kinglet.example>", &err), 0);
	strbuf_release(&msg);
	strbuf_release(&err);
}

/* Spool mode: one NNN.eml file per message holding the formatted message, nothing else left. */
static void test_spool(void **state)
{
	char dir[] = "/tmp/kinglet-unit-mail-XXXXXX";
	struct strbuf err = STRBUF_INIT, path = STRBUF_INIT, text = STRBUF_INIT;
	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(conf_set("mail.mode", "spool", &err), 0);
	assert_int_equal(conf_set("mail.spool_dir", dir, &err), 0);
	assert_int_equal(mail_send("bob@example.com", "Hi", "line\n"), 0);
	assert_int_equal(mail_send("carol@example.com", "Hi", "line\n"), 0);
	DIR *d = opendir(dir);
	struct dirent *e;
	int files = 0;
	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		files++;
		check_matches("spool file name", e->d_name, "^[0-9A-Za-z_.-]+\\.eml$");
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir, e->d_name);
		strbuf_reset(&text);
		unit_read_all(open(path.buf, O_RDONLY), &text);
		check_matches("spooled mail", text.buf, "^To: <(bob|carol)@example\\.com>\r$");
		check_matches("spooled mail", text.buf, "^line\r$");
		unlink(path.buf);
	}
	closedir(d);
	rmdir(dir);
	assert_int_equal(files, 2);
	strbuf_release(&err);
	strbuf_release(&path);
	strbuf_release(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_message_ids_differ),
		cmocka_unit_test(test_body_line_ends),
		cmocka_unit_test(test_subject_encoding),
		cmocka_unit_test(test_from_without_domain),
		cmocka_unit_test(test_spool),
	};
	struct strbuf err = STRBUF_INIT;
	conf_defaults();
	if (conf_set("mail.from", "Kinglet <noreply@kinglet.example>", &err) < 0)
		return 1;
	strbuf_release(&err);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
