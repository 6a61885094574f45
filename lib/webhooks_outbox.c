/* webhooks_outbox.c: the transactional outbox: event rows written inside the change's own
 * transaction (a rolled-back change sends nothing), and the nudge that wakes kinglet-webhookd. */
#include "webhooks.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "db.h"

#include "banned.h"

/*
 * rc is a statement's that may have written an event: when it did, nudge the daemon right after
 * the COMMIT. Every outbox write runs inside a db_transaction body, so a rolled-back change nudges
 * nothing. Returns rc.
 */
static int nudge_if_written(int rc)
{
	if (!rc && db_affected_rows())
		db_after_commit(webhooks_nudge);
	return rc;
}

/*
 * Each statement writes its row only when someone concerned has an active hook, and the daemon has
 * nothing to skip. A post that knows already that none has one (WEBHOOKS_HOOKED_*) does not call.
 */
int webhooks_outbox_message(long long thread_id, long long message_id)
{
	static const char sql[] =
		"INSERT INTO webhook_events (kind, message_id) SELECT 'message.created', ? "
		"FROM DUAL WHERE EXISTS (SELECT 1 FROM thread_members tm JOIN webhooks w "
		"ON w.user_id = tm.user_id AND w.active = 1 WHERE tm.thread_id = ?)";
	return nudge_if_written(db_exec(sql, DB_ARGS(DB_INT(message_id), DB_INT(thread_id))));
}

int webhooks_outbox_deleted(long long thread_id, long long message_id)
{
	/* The audience is fixed now: deleting an unanswered starter removes its members. */
	static const char sql[] =
		"INSERT INTO webhook_events (kind, message_id, audience) "
		"SELECT 'message.deleted', ?, GROUP_CONCAT(DISTINCT tm.user_id) "
		"FROM thread_members tm JOIN webhooks w ON w.user_id = tm.user_id AND w.active = 1 "
		"WHERE tm.thread_id = ? HAVING COUNT(*) > 0";
	return nudge_if_written(db_exec(sql, DB_ARGS(DB_INT(message_id), DB_INT(thread_id))));
}

int webhooks_outbox_approval(bool decided, long long actor_id, long long subject_id,
			     const char *status)
{
	static const char sql[] = "INSERT INTO webhook_events (kind, actor_id, subject_id, status) "
				  "SELECT ?, ?, ?, ? FROM DUAL WHERE EXISTS (SELECT 1 FROM "
				  "webhooks WHERE user_id = ? AND active = 1)";
	return nudge_if_written(
		db_exec(sql, DB_ARGS(DB_STR(decided ? "approval.decided" : "approval.requested"),
				     DB_INT(actor_id), DB_INT(subject_id), DB_STR(status),
				     DB_INT(subject_id))));
}

void webhooks_nudge(void)
{
	static int fd = -1;
	struct sockaddr_un sun;
	size_t n = strlen(conf.webhooks_socket);
	if (!n || n >= sizeof(sun.sun_path))
		return;
	if (fd < 0 && (fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, conf.webhooks_socket, n);
	/* A lost nudge only delays: the daemon scans the outbox on a timer too. */
	(void)sendto(fd, "!", 1, MSG_DONTWAIT, (struct sockaddr *)&sun, sizeof(sun));
}
