/*
 * webhook_seal.c: SQL that gives every user of a bench data set one webhook, for make bench's
 * "every recipient has a hook" runs. The secrets are sealed as POST /webhooks seals them
 * (lib/webhooks_secret.c, the key of the kinglet.conf named by KINGLET_CONF), so kinglet-webhookd
 * signs with them; registering 10,000 hooks through the API would take minutes of logins.
 *   webhook_seal URL EVENTS <user-ids     (EVENTS: the SET, "message.received,message.sent")
 * Prints INSERT statements on stdout; the secret of every hook is the same 32 bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "conf.h"
#include "strbuf.h"
#include "webhooks.h"

int main(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT, text = STRBUF_INIT;
	uint8_t raw[WEBHOOKS_SECRET_BYTES], sealed[WEBHOOKS_SEALED_BYTES];
	long long user_id;
	if (argc != 3) {
		fprintf(stderr, "usage: webhook_seal URL EVENTS <user-ids\n");
		return 2;
	}
	if (strpbrk(argv[1], "'\\") || strpbrk(argv[2], "'\\")) {
		fprintf(stderr, "webhook_seal: no quote or backslash in URL and EVENTS\n");
		return 2;
	}
	if (conf_load(getenv("KINGLET_CONF"), &err) < 0) {
		fprintf(stderr, "webhook_seal: %s\n", err.buf);
		return 1;
	}
	if (webhooks_key_load() || webhooks_secret_new(raw, &text))
		return 1;
	while (scanf("%lld", &user_id) == 1) {
		if (webhooks_secret_seal(raw, user_id, sealed))
			return 1;
		printf("INSERT INTO webhooks (user_id, url, events, secret_enc) VALUES (%lld, "
		       "'%s', "
		       "'%s', X'",
		       user_id, argv[1], argv[2]);
		for (size_t i = 0; i < sizeof(sealed); i++)
			printf("%02X", sealed[i]);
		printf("');\n");
	}
	strbuf_release(&err);
	strbuf_release(&text);
	return 0;
}
