/* fuzz_conf.c: the configuration file (conf_parse): key = value lines, comments, ranges. */
#include "fuzz.h"

#include "conf.h"

/* Input: the file's text. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	/* A copy of exactly the text: reading one byte past it is an ASan report. */
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	conf_defaults();
	int rc = conf_parse("fuzz.conf", text, size, &err);
	if (rc) {
		fuzz_assert(rc == -1);
		/* The message names the file and the line. */
		fuzz_assert(!strncmp(err.buf, "fuzz.conf:", 10) && err.len > 12);
	} else {
		fuzz_assert(err.len == 0);
	}
	/* Whatever was accepted is within the table's ranges. */
	fuzz_assert(conf.db_port >= 1 && conf.db_port <= 65535);
	fuzz_assert(conf.http_max_body_bytes >= 1024 && conf.http_max_body_bytes <= 1048576);
	fuzz_assert(conf.scrypt_log2_n >= 10 && conf.scrypt_log2_n <= 20);
	fuzz_assert(conf.messaging_max_chars >= 1 && conf.messaging_max_chars <= 10000);
	fuzz_assert(!strcmp(conf.mail_mode, "spool") || !strcmp(conf.mail_mode, "sendmail"));
	fuzz_assert(conf.db_name && conf.http_base_path && conf.mail_from);
	fuzz_assert(!strchr(conf.db_name, '\n') && !strchr(conf.mail_from, '\n'));
	strbuf_release(&err);
	free(text);
	return 0;
}
