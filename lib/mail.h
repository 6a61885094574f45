/* mail.h: sending a plain-text mail (API.md §7): to a spool directory, or piped to sendmail. */
#ifndef KINGLET_MAIL_H
#define KINGLET_MAIL_H

#include "strbuf.h"

/*
 * Format an RFC 5322 message (From from mail.from, an RFC 2047-encoded Subject when not ASCII,
 * Date, Message-ID, UTF-8 text body) into out. to must be a validated address (no CR/LF).
 */
void mail_format(struct strbuf *out, const char *to, const char *subject, const char *body);
/*
 * Deliver per mail.mode: "spool" writes one file per message into mail.spool_dir (atomically:
 * written under a temporary name, then renamed to NNN.eml); "sendmail" pipes the message to
 * mail.sendmail_command (split on spaces, no shell) and requires exit status 0.
 * Returns 0, or -1 (logged) when the mail could not be handed over.
 */
int mail_send(const char *to, const char *subject, const char *body);

#endif
