#!/usr/bin/env bash
# Crash safety under load (issue 8): concurrent repliers retry with their Idempotency-Key while
# the FastCGI processes are killed with SIGKILL and MariaDB is restarted. Afterwards every reply
# acknowledged with 201 exists exactly once, none exists twice, and the counters equal the rows.
# alone: it stops and starts the shared MariaDB
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start
ALICE=$(make_user alice)
BOB=$(make_user bob)
api_json POST /api/v1/messages '{"message_text":"crash test @bob"}' -H "Authorization: Bearer $ALICE"
THREAD=$(jq -r .message_id "$KT_TMP/body")
WRITERS=4 REPLIES=20

# writer K: REPLIES replies, each retried with the same key until acknowledged (bounded); one
# line per reply: "key status message_id".
writer() {
	local k=$1 i try code body
	for ((i = 0; i < REPLIES; i++)); do
		for ((try = 0; try < 40; try++)); do
			body=$(curl -s --max-time 10 -w '\n%{http_code}' -H "Authorization: Bearer $BOB" \
				-H "Content-Type: application/json" -H "Idempotency-Key: w$k-$i" \
				--data "{\"message_text\":\"reply w$k-$i\"}" \
				"http://127.0.0.1:$WEB_PORT/api/v1/messages/$THREAD/replies") || body=$'\n000'
			code=${body##*$'\n'}
			[ "$code" = 201 ] && break
			sleep 0.25
		done
		echo "w$k-$i $code $(jq -r '.message_id // 0' <<<"${body%$'\n'*}" 2>/dev/null || echo 0)"
	done >"$KT_TMP/writer.$k"
}

test_expect "concurrent replies survive kill -9 of the programs and a MariaDB restart" '
	pids=()
	for ((k = 0; k < WRITERS; k++)); do
		writer "$k" &
		pids+=($!)
	done
	sleep 1
	kill -9 $(web_program_pids) 2>/dev/null || true
	sleep 1
	db_stop
	sleep 1
	db_start >/dev/null
	sleep 1
	kill -9 $(web_program_pids) 2>/dev/null || true
	wait "${pids[@]}" # not a bare wait: the restarted mariadbd is our child too
	cat "$KT_TMP"/writer.* >"$KT_TMP/outcomes"
	[ "$(wc -l <"$KT_TMP/outcomes")" -eq $((WRITERS * REPLIES)) ]
	! grep -v " 201 " "$KT_TMP/outcomes" || { echo "some replies were never acknowledged"; exit 1; }
'

test_expect "every acknowledged reply exists exactly once, with the id it was acknowledged with" '
	while read -r key code id; do
		[ "$(kt_sql "SELECT COUNT(*) FROM messages WHERE message_markup = \"reply $key\"")" -eq 1 ] ||
			{ echo "reply $key is there $(kt_sql "SELECT COUNT(*) FROM messages WHERE message_markup = \"reply $key\"") times"; exit 1; }
		[ "$(kt_sql "SELECT message_markup FROM messages WHERE message_id = $id")" = "reply $key" ]
	done <"$KT_TMP/outcomes"
'

test_expect "the thread counter equals its rows, and the streams hold every reply once per member" '
	replies=$(kt_sql "SELECT COUNT(*) FROM messages WHERE parent_id = $THREAD")
	[ "$replies" -eq $((WRITERS * REPLIES)) ]
	[ "$(kt_sql "SELECT reply_count FROM messages WHERE message_id = $THREAD")" -eq "$replies" ]
	[ "$(kt_sql "SELECT COUNT(*) FROM inbox i JOIN messages m ON m.message_id = i.message_id
		WHERE m.parent_id = $THREAD")" -eq $((2 * replies)) ]
	api GET "/api/v1/messages/$THREAD" -H "Authorization: Bearer $ALICE"
	assert_json .reply_count "$replies"
'

test_done
