#!/usr/bin/env bash
# Integration tests for approved lists (API.md §5.9): requests, decisions, the system message,
# and the posting check, with messaging.require_approval off (default) and on.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# post AS TEXT: POST /messages as the token AS.
post() {
	api_json POST /api/v1/messages "{\"message_text\":\"$2\"}" -H "Authorization: Bearer $1"
}

# ---- the switch off (the default): anyone may message anyone; the routes still work

test_web_start
ALICE=$(make_user alice)
BOB=$(make_user bob)

test_expect "without the switch, strangers may message each other" '
	post "$ALICE" "hi @bob"
	assert_status 201
'

test_expect "a request is 200 made_request; asking again is 409 with request_status" '
	api POST /api/v1/lists/request/bob --data "" -H "Authorization: Bearer $ALICE"
	assert_status 200
	assert_json .made_request true
	api GET /api/v1/lists/request/BOB -H "Authorization: Bearer $ALICE"
	assert_error 409 request_exists
	assert_json .request_status pending
'

test_expect "asking oneself is 422; asking nobody is 404; the system account cannot be asked" '
	api GET /api/v1/lists/request/alice -H "Authorization: Bearer $ALICE"
	assert_error 422 validation_failed
	api GET /api/v1/lists/request/nobody -H "Authorization: Bearer $ALICE"
	assert_error 404 not_found
	api GET /api/v1/lists/request/kinglet -H "Authorization: Bearer $ALICE"
	assert_error 404 not_found
'

test_expect "requests made to me are listed and counted in since/EPOCH" '
	api GET /api/v1/lists/requests -H "Authorization: Bearer $BOB"
	assert_status 200
	assert_json ".requests | length" 1
	assert_json ".requests[0].user_name" alice
	assert_json ".requests[0].status" pending
	assert_jq ".requests[0].created_date | length > 0"
	api GET /api/v1/messages/since/0 -H "Authorization: Bearer $BOB"
	assert_json .pending_requests_count 1
	api GET /api/v1/lists/requests -H "Authorization: Bearer $ALICE"
	assert_json ".requests | length" 0
'

test_expect "only the asked user decides; deciding a request nobody made is 404" '
	api POST /api/v1/lists/approve/bob --data "" -H "Authorization: Bearer $ALICE"
	assert_error 404 not_found
	api GET /api/v1/lists/reject/nobody -H "Authorization: Bearer $BOB"
	assert_error 404 not_found
'

test_expect "approving sends the requester a system message, once" '
	api POST /api/v1/lists/approve/alice --data "" -H "Authorization: Bearer $BOB"
	assert_status 200
	assert_json .approved true
	api GET /api/v1/lists/approve/alice -H "Authorization: Bearer $BOB"
	assert_status 200
	api GET /api/v1/messages -H "Authorization: Bearer $ALICE"
	assert_json "[.messages[] | select(.author_name == \"kinglet\")] | length" 1
	assert_jq ".messages[] | select(.author_name == \"kinglet\") | .message_markup | contains(\"@bob approved\")"
	api GET /api/v1/messages/since/0 -H "Authorization: Bearer $BOB"
	assert_json .pending_requests_count 0
	api GET /api/v1/messages -H "Authorization: Bearer $BOB"
	assert_json "[.messages[] | select(.author_name == \"kinglet\")] | length" 0
'

test_expect "nobody can log in as the system account" '
	login kinglet "!"
	assert_error 401 invalid_credentials
'

# ---- the switch on: messaging needs approval

web_stop
test_web_start messaging.require_approval=true
ALICE=$(make_user alice)
BOB=$(make_user bob)
CAROL=$(make_user carol)
DAVE=$(make_user dave)

test_expect "with the switch on, a user cannot message a stranger (422 names each one and why)" '
	post "$ALICE" "hi @bob and @carol"
	assert_error 422 validation_failed
	assert_jq "[.invalid_params[] | {name, reason}] == [{name: \"@bob\", reason: \"not_asked\"}, {name: \"@carol\", reason: \"not_asked\"}]"
	post "$ALICE" "a note to @alice"
	assert_status 201
'

test_expect "after a request and before a decision: pending" '
	api POST /api/v1/lists/request/bob --data "" -H "Authorization: Bearer $ALICE"
	assert_status 200
	post "$ALICE" "hi @bob"
	assert_error 422 validation_failed
	assert_json ".invalid_params[0].reason" pending
'

test_expect "after approval the message goes through and both see it" '
	api GET /api/v1/lists/approve/alice -H "Authorization: Bearer $BOB"
	assert_status 200
	post "$ALICE" "hi @bob"
	assert_status 201
	id=$(jq -r .message_id "$KT_TMP/body")
	api GET "/api/v1/messages/$id" -H "Authorization: Bearer $BOB"
	assert_status 200
	echo "$id" >"$KT_TMP/../thread_id"
'
THREAD=$(cat "$KT_TMP/../thread_id" 2>/dev/null || echo 0)

test_expect "the invited member may reply to the thread starter without approving anew" '
	api_json POST "/api/v1/messages/$THREAD/replies" "{\"message_text\":\"hello back\"}" -H "Authorization: Bearer $BOB"
	assert_status 201
'

test_expect "after rejection the requester cannot message, and is told by a system message" '
	api GET /api/v1/lists/request/bob -H "Authorization: Bearer $CAROL"
	api POST /api/v1/lists/reject/carol --data "" -H "Authorization: Bearer $BOB"
	assert_status 200
	assert_json .rejected true
	post "$CAROL" "hi @bob"
	assert_error 422 validation_failed
	assert_json ".invalid_params[0].reason" rejected
	api GET /api/v1/messages -H "Authorization: Bearer $CAROL"
	assert_jq "[.messages[] | select(.author_name == \"kinglet\") | .message_markup | contains(\"@bob declined\")] == [true]"
	api GET /api/v1/lists/request/bob -H "Authorization: Bearer $CAROL"
	assert_error 409 request_exists
	assert_json .request_status rejected
'

test_expect "a later approval of a rejected request lets the message through" '
	api GET /api/v1/lists/approve/carol -H "Authorization: Bearer $BOB"
	assert_status 200
	post "$CAROL" "hi again @bob"
	assert_status 201
'

test_expect "replying in a thread needs every other member but the starter to have approved" '
	api GET /api/v1/lists/request/dave -H "Authorization: Bearer $ALICE"
	api GET /api/v1/lists/approve/alice -H "Authorization: Bearer $DAVE"
	post "$ALICE" "meeting @bob @dave"
	assert_status 201
	id=$(jq -r .message_id "$KT_TMP/body")
	api_json POST "/api/v1/messages/$id/replies" "{\"message_text\":\"ok\"}" -H "Authorization: Bearer $BOB"
	assert_error 422 validation_failed
	assert_jq "[.invalid_params[] | {name, reason}] == [{name: \"@dave\", reason: \"not_asked\"}]"
	api GET /api/v1/lists/request/dave -H "Authorization: Bearer $BOB"
	api_json POST "/api/v1/messages/$id/replies" "{\"message_text\":\"ok\"}" -H "Authorization: Bearer $BOB"
	assert_error 422 validation_failed
	assert_jq "[.invalid_params[] | {name, reason}] == [{name: \"@dave\", reason: \"pending\"}]"
	api GET /api/v1/lists/approve/bob -H "Authorization: Bearer $DAVE"
	api_json POST "/api/v1/messages/$id/replies" "{\"message_text\":\"ok\"}" -H "Authorization: Bearer $BOB"
	assert_status 201
'

test_expect "requests are paginated like every list" '
	api GET "/api/v1/lists/requests?per_page=1" -H "Authorization: Bearer $BOB"
	assert_status 200
	assert_json ".requests | length" 1
	assert_json .next_link_bool 1
	assert_header Link
	api GET "/api/v1/lists/requests?per_page=1&page=2" -H "Authorization: Bearer $BOB"
	assert_json ".requests | length" 1
	assert_json .next_link_bool 0
'

test_expect "a read-only token cannot ask or decide" '
	api_json POST /api/v1/users/tokens "{\"name\":\"ro\"}" -H "Authorization: Bearer $DAVE"
	ro=$(jq -r .token "$KT_TMP/body")
	api GET /api/v1/lists/request/carol -H "Authorization: Bearer $ro"
	assert_error 403 insufficient_scope
	api GET /api/v1/lists/requests -H "Authorization: Bearer $ro"
	assert_status 200
'

test_done
