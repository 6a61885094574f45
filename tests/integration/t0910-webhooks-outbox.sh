#!/usr/bin/env bash
# The webhooks outbox (API.md §11, issue 19 part 2): each change that concerns a hook writes its
# event in the change's own transaction — posts, replies, deletions, approval requests and
# decisions — and a change that does not commit leaves none. Programs built with -DKINGLET_FAULTS
# (make faults); kinglet-webhookd is stopped, so the events stay in the outbox to be counted.
# once: the outbox rows of the programs' transactions, the same behind every server
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
BUILD=${FAULT_BUILD:-build-faults} test_web_start webhooks.allow_private=true
webhookd_stop
ALICE=$(make_user alice)
BOB=$(make_user bob)
CAROL=$(make_user carol)
ALICE_ID=$(user_id_of alice "$ALICE")
BOB_ID=$(user_id_of bob "$BOB")

post() {
	api_json POST /api/v1/messages "{\"message_text\":\"$2\"}" -H "Authorization: Bearer $1" "${@:3}"
}
events() { kt_sql "SELECT COUNT(*) FROM webhook_events ${1:-}"; }

test_expect "without hooks, a post writes no event" '
	post "$ALICE" "hello @bob"
	assert_status 201
	[ "$(events)" -eq 0 ]
'

test_expect "with a hook of a member, a post, a reply and a deletion each write one event" '
	api_json POST /api/v1/webhooks "{\"url\":\"http://127.0.0.1:9/\",\"events\":[\"message.received\"]}" -H "Authorization: Bearer $BOB"
	assert_status 201
	post "$ALICE" "news for @bob"
	id=$(jq -r .message_id "$KT_TMP/body")
	[ "$(events "WHERE kind = '\''message.created'\'' AND message_id = $id")" -eq 1 ]
	api_json POST "/api/v1/messages/$id/replies" "{\"message_text\":\"thanks\"}" -H "Authorization: Bearer $BOB"
	assert_status 201
	reply=$(jq -r .message_id "$KT_TMP/body")
	[ "$(events "WHERE kind = '\''message.created'\'' AND message_id = $reply")" -eq 1 ]
	api DELETE "/api/v1/messages/$id" -H "Authorization: Bearer $ALICE"
	assert_status 200
	[ "$(kt_sql "SELECT audience FROM webhook_events WHERE kind = '\''message.deleted'\'' AND message_id = $id")" = "$BOB_ID" ]
'

test_expect "a post between others writes nothing; the audience of a deletion is fixed before the thread goes" '
	before=$(events)
	post "$ALICE" "only @carol"
	id=$(jq -r .message_id "$KT_TMP/body")
	[ "$(events)" -eq "$before" ]
	post "$ALICE" "short-lived, @bob"
	id=$(jq -r .message_id "$KT_TMP/body")
	api DELETE "/api/v1/messages/$id" -H "Authorization: Bearer $ALICE"
	assert_status 200
	# the unanswered starter took its members with it; the event still names bob
	[ "$(kt_sql "SELECT COUNT(*) FROM thread_members WHERE thread_id = $id")" -eq 0 ]
	[ "$(kt_sql "SELECT audience FROM webhook_events WHERE kind = '\''message.deleted'\'' AND message_id = $id")" = "$BOB_ID" ]
'

test_expect "an approval request writes approval.requested for the asked user; the decision approval.decided" '
	api_json POST /api/v1/webhooks "{\"url\":\"http://127.0.0.1:9/\",\"events\":[\"approval.decided\"]}" -H "Authorization: Bearer $ALICE"
	assert_status 201
	api POST /api/v1/lists/request/bob --data "" -H "Authorization: Bearer $ALICE"
	assert_status 200
	[ "$(events "WHERE kind = '\''approval.requested'\'' AND actor_id = $ALICE_ID AND subject_id = $BOB_ID AND status = '\''pending'\''")" -eq 1 ]
	api POST /api/v1/lists/approve/alice --data "" -H "Authorization: Bearer $BOB"
	assert_status 200
	[ "$(events "WHERE kind = '\''approval.decided'\'' AND actor_id = $BOB_ID AND subject_id = $ALICE_ID AND status = '\''approved'\''")" -eq 1 ]
	api POST /api/v1/lists/request/bob --data "" -H "Authorization: Bearer $ALICE"
	assert_error 409 request_exists
	[ "$(events "WHERE kind = '\''approval.requested'\''")" -eq 1 ]
'

test_expect "the hook of the author alone, or of a member who is not the one replying, is enough" '
	dave=$(make_user dave)
	api_json POST /api/v1/webhooks "{\"url\":\"http://127.0.0.1:9/\",\"events\":[\"message.sent\"]}" -H "Authorization: Bearer $CAROL"
	assert_status 201
	hook=$(jq -r .webhook_id "$KT_TMP/body")
	post "$CAROL" "a note for @dave"
	assert_status 201
	id=$(jq -r .message_id "$KT_TMP/body")
	[ "$(events "WHERE kind = '\''message.created'\'' AND message_id = $id")" -eq 1 ] ||
		kt_fail "no event for a post whose author alone has a hook"
	api_json POST "/api/v1/messages/$id/replies" "{\"message_text\":\"got it\"}" -H "Authorization: Bearer $dave"
	assert_status 201
	reply=$(jq -r .message_id "$KT_TMP/body")
	[ "$(events "WHERE kind = '\''message.created'\'' AND message_id = $reply")" -eq 1 ] ||
		kt_fail "no event for a reply by a hookless member to a hooked one"
	api_json PATCH "/api/v1/webhooks/$hook" "{\"active\":false}" -H "Authorization: Bearer $CAROL"
	assert_status 200
	before=$(events)
	api_json POST "/api/v1/messages/$id/replies" "{\"message_text\":\"and again\"}" -H "Authorization: Bearer $dave"
	assert_status 201
	[ "$(events)" -eq "$before" ] || kt_fail "an inactive hook still made an event"
	post "$CAROL" "while inactive, @dave"
	[ "$(events)" -eq "$before" ] || kt_fail "an inactive hook of the author still made an event"
	api_json PATCH "/api/v1/webhooks/$hook" "{\"active\":true}" -H "Authorization: Bearer $CAROL"
	assert_status 200
	post "$CAROL" "active again, @dave"
	[ "$(events)" -eq $((before + 1)) ] || kt_fail "a hook active again made no event"
	api DELETE "/api/v1/webhooks/$hook" -H "Authorization: Bearer $CAROL"
	assert_status 200
	post "$CAROL" "after the delete, @dave"
	[ "$(events)" -eq $((before + 1)) ] || kt_fail "a deleted hook still made an event"
'

# The invariant of a transactional outbox: a message with a hooked member exists exactly when its
# event does (for the messages after MARK: earlier ones were posted before bob had a hook).
MARK=$(kt_sql "SELECT COALESCE(MAX(message_id), 0) FROM messages")
consistent() {
	[ "$(kt_sql "SELECT COUNT(*) FROM messages m JOIN thread_members tm ON tm.thread_id = m.message_id AND tm.user_id = $BOB_ID LEFT JOIN webhook_events e ON e.message_id = m.message_id AND e.kind = 'message.created' WHERE m.message_id > $MARK AND m.parent_id = 0 AND e.event_id IS NULL")" -eq 0 ] ||
		kt_fail "a committed post without its event"
	[ "$(kt_sql "SELECT COUNT(*) FROM webhook_events e LEFT JOIN messages m ON m.message_id = e.message_id WHERE e.kind = 'message.created' AND m.message_id IS NULL")" -eq 0 ] ||
		kt_fail "an event of a post that did not commit"
}

test_expect "each database call of a post failing in turn: the post and its event commit together or not at all" '
	rolled_back=""
	for ((n = 1; n <= 30; n++)); do
		before=$(events)
		post "$ALICE" "try $n, @bob" -H "Idempotency-Key: k$n" -H "X-Kinglet-Fault: db=$n"
		if [ "$(header_count X-Kinglet-Fault-Hit)" -eq 0 ]; then
			assert_status 201
			break
		fi
		case $API_STATUS in
		201) ;;
		500 | 503) [ "$(events)" -eq "$before" ] || kt_fail "call $n failed, yet an event was written" ;;
		*) kt_fail "call $n failing gave $API_STATUS: $API_BODY" ;;
		esac
		consistent
		[ "$(events)" -ne "$before" ] || rolled_back="$rolled_back $n"
	done
	[ "$n" -le 30 ] || kt_fail "a post made more than 30 database calls"
	[ -n "$rolled_back" ] || kt_fail "no fault rolled a post back"
	consistent
'

test_done
