#!/usr/bin/env bash
# kinglet-webhookd through a MariaDB restart under load (API.md §11, issue 19): writers keep
# posting (retrying with their Idempotency-Key through the outage) while deliveries are in flight
# to a slow receiver and MariaDB stops and starts again. The daemon rides it out without a
# restart, every committed event arrives at least once, and the copies of one carry one webhook-id.
# once: kinglet-webhookd and the database, the same behind every server
# alone: it stops and starts the shared MariaDB
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

webhook_receiver_start

test_web_start webhooks.allow_private=true "webhooks.retry_schedule=1s 1s 1s 1s 1s 1s 1s 1s" \
	webhooks.scan_ms=200 webhooks.lease_seconds=15
ALICE=$(make_user alice)
BOB=$(make_user bob)
WRITERS=3 POSTS=15

api_json POST /api/v1/webhooks "{\"url\":\"$R/slow/0.2/bob\",\"events\":[\"message.received\"]}" -H "Authorization: Bearer $BOB"
[ "$API_STATUS" = 201 ] || stack_die "hook: $API_STATUS $API_BODY"
HOOK=$(jq -r .webhook_id "$KT_TMP/body")
MARK=$(kt_sql "SELECT COALESCE(MAX(message_id), 0) FROM messages")

# writer K: POSTS posts mentioning bob, each retried with its key until acknowledged (bounded);
# one line per post: "key status".
writer() {
	local k=$1 i try code
	for ((i = 0; i < POSTS; i++)); do
		for ((try = 0; try < 80; try++)); do
			code=$(curl -s -o /dev/null --max-time 10 -w '%{http_code}' \
				-H "Authorization: Bearer $ALICE" -H "Content-Type: application/json" \
				-H "Idempotency-Key: w$k-$i" --data "{\"message_text\":\"w$k-$i for @bob\"}" \
				"http://127.0.0.1:$WEB_PORT/api/v1/messages") || code=000
			[ "$code" = 201 ] && break
			sleep 0.25 # the outage's length is not ours to know: try again shortly
		done
		echo "w$k-$i $code"
	done >"$KT_TMP/writer.$k"
}
arrivals() { cat "$RECV"/*.path 2>/dev/null | grep -cx "/slow/0.2/bob" || true; }
arrived() { [ "$(arrivals)" -ge "$1" ]; }
sql_is() { test "$(kt_sql "$1")" "$2" "$3"; }

test_expect "posts keep coming and deliveries are in flight while MariaDB restarts; the daemon rides it out" '
	pid=$(webhookd_pid)
	pids=()
	for ((k = 0; k < WRITERS; k++)); do
		writer "$k" &
		pids+=($!)
	done
	retry 20 arrived 3
	db_stop
	kill -0 "$pid" || kt_fail "kinglet-webhookd died with the database"
	db_start >/dev/null
	wait "${pids[@]}" # not a bare wait: the receiver and the restarted mariadbd are our children too
	cat "$KT_TMP"/writer.* >"$KT_TMP/outcomes"
	[ "$(wc -l <"$KT_TMP/outcomes")" -eq $((WRITERS * POSTS)) ]
	! grep -v " 201$" "$KT_TMP/outcomes" || kt_fail "some posts were never acknowledged"
	[ "$(webhookd_pid)" = "$pid" ] || kt_fail "kinglet-webhookd was restarted"
	grep -q "prog=webhookd .*level=warn" "$WEB_LOG/kinglet.log" || kt_fail "the daemon never noticed the outage"
'

# Every post of the run committed (acknowledged or not) has bob as a member: its event must reach him.
COMMITTED="SELECT COUNT(*) FROM messages WHERE message_id > $MARK AND parent_id = 0"
test_expect "every committed event is delivered at least once" '
	[ "$(kt_sql "$COMMITTED")" -eq $((WRITERS * POSTS)) ]
	retry 90 sql_is "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $HOOK AND status = '\''delivered'\''" -eq $((WRITERS * POSTS))
	[ "$(kt_sql "SELECT COUNT(*) FROM webhook_events")" -eq 0 ]
	for f in $(grep -lx /slow/0.2/bob "$RECV"/*.path); do
		printf "%s %s\n" "$(jq -r .data.message_id "${f%.path}.body")" "$(sed -n "s/^webhook-id: //p" "${f%.path}.head")"
	done | sort -u >"$KT_TMP/pairs"
	kt_sql "SELECT message_id FROM messages WHERE message_id > $MARK AND parent_id = 0 ORDER BY message_id" >"$KT_TMP/committed"
	cut -d" " -f1 "$KT_TMP/pairs" | sort -u | sort -n >"$KT_TMP/arrived"
	diff "$KT_TMP/committed" "$KT_TMP/arrived" || kt_fail "committed (<) and arrived (>) differ"
'

test_expect "the copies of one event carry one webhook-id" '
	[ "$(wc -l <"$KT_TMP/pairs")" -eq $((WRITERS * POSTS)) ] ||
		kt_fail "a message arrived under two webhook-ids: $(cut -d" " -f1 "$KT_TMP/pairs" | uniq -d)"
	echo "# $(arrivals) requests for $((WRITERS * POSTS)) events"
'

test_done
