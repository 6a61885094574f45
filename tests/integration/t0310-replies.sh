#!/usr/bin/env bash
# Integration tests for replies (API.md §5.7): listing and posting replies, replies to replies joining the starter's thread, reply_to_id and reply_to_content_digest, placeholders, 20 concurrent replies, idempotent retries.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start

ANN=$(make_user ann)
BEN=$(make_user ben)
CAT=$(make_user cat)
OUT=$(make_user out)
ZED=$(make_user zed)

# thread TEXT: ann starts a thread with ben and cat; prints its id.
thread() {
	post_message "$ANN" "@ben @cat $1"
}

# reply_json TOKEN ID JSON [curl args...]: POST /messages/ID/replies with the body JSON.
reply_json() {
	local token=$1 id=$2 json=$3
	shift 3
	api_json POST "/api/v1/messages/$id/replies" "$json" -H "Authorization: Bearer $token" "$@"
}

test_expect "a recipient replies: 201 with message_id and Location; the reply carries the thread's recipients" '
	s=$(thread "first thread")
	reply_json "$BEN" "$s" "$(text_json "hello back")"
	assert_status 201
	assert_common
	assert_json .description Created
	assert_jq "keys == [\"description\", \"message_id\", \"status\"]"
	id=$(jq -r .message_id "$KT_TMP/body")
	assert_header Location "/api/v1/messages/$id"
	api_as "$CAT" GET "/api/v1/messages/$id"
	assert_status 200
	assert_messages "del(.status, .description)"
	assert_json .parent_id "$s"
	assert_json .reply_count 0
	assert_json .author_name ben
	assert_json .author_type others
	assert_json .message_markup "hello back"
	assert_jq ".recipients == [\"ann\", \"ben\", \"cat\"]"
	api_as "$ANN" GET "/api/v1/messages/$s"
	assert_json .reply_count 1
'

test_expect "a reply to a reply joins the starter's thread; the replies of any member are the same list, oldest first" '
	s=$(thread "second thread")
	r1=$(reply "$BEN" "$s" "first")
	r2=$(reply "$CAT" "$r1" "a reply to the reply")
	r3=$(reply "$ANN" "$r2" "and the author")
	api_as "$CAT" GET "/api/v1/messages/$r2"
	assert_json .parent_id "$s"
	api_as "$ANN" GET "/api/v1/messages/$s"
	assert_json .reply_count 3
	api_as "$BEN" GET "/api/v1/messages/$s/replies"
	assert_status 200
	assert_common
	assert_ids "$r1 $r2 $r3"
	assert_messages ".messages[]"
	assert_jq "all(.messages[]; .parent_id == $s and .reply_count == 0)"
	assert_jq "[.messages[].author_type] == [\"you\", \"others\", \"others\"]"
	assert_json .next_link_bool 0
	assert_json .pagination.per_page 100
	jq -S "[.messages[] | del(.created_date)]" "$KT_TMP/body" >"$KT_TMP/from_starter.json"
	for id in "$r1" "$r2" "$r3"; do
		api_as "$BEN" GET "/api/v1/messages/$id/replies/"
		assert_status 200
		jq -S "[.messages[] | del(.created_date)]" "$KT_TMP/body" | cmp - "$KT_TMP/from_starter.json"
	done
'

test_expect "a thread without replies has an empty replies list" '
	s=$(thread "quiet thread")
	api_as "$CAT" GET "/api/v1/messages/$s/replies"
	assert_status 200
	assert_json ".messages | length" 0
	assert_json .next_link_bool 0
'

test_expect "replies need no @mention; a mention in a reply is linked but adds no recipient" '
	s=$(thread "mentions")
	reply "$BEN" "$s" "no mention at all" >/dev/null
	id=$(reply "$BEN" "$s" "look @zed here")
	api_as "$BEN" GET "/api/v1/messages/$id"
	assert_jq ".message_text | contains(\">@zed</a>\")"
	assert_jq ".recipients == [\"ann\", \"ben\", \"cat\"]"
	api_as "$ZED" GET "/api/v1/messages/$id"
	assert_error 404 not_found
	api_as "$ZED" GET /api/v1/messages
	assert_ids ""
'

test_expect "reply_to_id must equal N: else 422 reply_to_id mismatch" '
	s=$(thread "reply_to_id")
	r=$(reply "$BEN" "$s" "first")
	reply_json "$CAT" "$r" "{\"message_text\":\"to r\",\"reply_to_id\":$s}"
	assert_error 422 validation_failed
	assert_jq ".invalid_params | length == 1 and .[0].name == \"reply_to_id\" and .[0].reason == \"mismatch\""
	reply_json "$CAT" "$r" "{\"message_text\":\"to r\",\"reply_to_id\":$r}"
	assert_status 201
	api_as "$ANN" GET "/api/v1/messages/$s"
	assert_json .reply_count 2
'

test_expect "reply_to_content_digest must be N's content_digest: else 422 mismatch" '
	s=$(thread "digests")
	r=$(reply "$BEN" "$s" "first")
	api_as "$CAT" GET "/api/v1/messages/$s"
	starter_digest=$(jq -r .content_digest "$KT_TMP/body")
	api_as "$CAT" GET "/api/v1/messages/$r"
	digest=$(jq -r .content_digest "$KT_TMP/body")
	for wrong in "$starter_digest" AAAAAAAAAAAAAAAAAAAAAA; do
		reply_json "$CAT" "$r" "{\"message_text\":\"to r\",\"reply_to_content_digest\":\"$wrong\"}"
		assert_error 422 validation_failed
		assert_jq ".invalid_params | length == 1 and .[0].name == \"reply_to_content_digest\" and .[0].reason == \"mismatch\""
	done
	reply_json "$CAT" "$r" "{\"message_text\":\"to r\",\"reply_to_id\":$r,\"reply_to_content_digest\":\"$digest\"}"
	assert_status 201
	api_as "$ANN" GET "/api/v1/messages/$s"
	assert_json .reply_count 2
'

test_expect "reply text is checked like a message: empty or 301 code points is 422 naming message_text" '
	s=$(thread "limits")
	e300=$(printf "é%.0s" $(seq 300))
	reply "$BEN" "$s" "$e300" >/dev/null
	for text in "" "   " "${e300}é"; do
		reply_json "$BEN" "$s" "$(text_json "$text")"
		assert_error 422 validation_failed
		assert_jq "[.invalid_params[].name] == [\"message_text\"]"
	done
	assert_json ".invalid_params[0].reason" too_long
	api_as "$ANN" GET "/api/v1/messages/$s"
	assert_json .reply_count 1
'

test_expect "only thread members reply: a user mentioned nowhere in it gets 404 and nothing is added" '
	s=$(thread "members only")
	reply_json "$OUT" "$s" "$(text_json "let me in")"
	assert_error 404 not_found
	api_as "$ANN" GET "/api/v1/messages/$s"
	assert_json .reply_count 0
'

test_expect "an unknown message has no replies to read or write (404); no credentials is 401" '
	api_as "$ANN" GET /api/v1/messages/987654321/replies
	assert_error 404 not_found
	reply_json "$ANN" 987654321 "$(text_json "hello?")"
	assert_error 404 not_found
	s=$(thread "auth")
	api GET "/api/v1/messages/$s/replies"
	assert_error 401 not_authenticated
	api_json POST "/api/v1/messages/$s/replies" "$(text_json "anonymous")"
	assert_error 401 not_authenticated
	api_as "$ANN" PUT "/api/v1/messages/$s/replies" -H "Content-Type: application/json" --data-binary "{}"
	assert_error 405 method_not_allowed
	[[ $(header Allow) == *GET* && $(header Allow) == *POST* ]] || kt_fail "Allow: $(header Allow)"
'

test_expect "a deleted reply stays in the replies as a placeholder, still counted; it cannot be replied to" '
	s=$(thread "placeholders")
	r1=$(reply "$BEN" "$s" "keep me")
	r2=$(reply "$CAT" "$s" "remove me")
	r3=$(reply "$BEN" "$s" "after it")
	api_as "$CAT" DELETE "/api/v1/messages/$r2"
	assert_status 200
	api_as "$ANN" GET "/api/v1/messages/$s/replies"
	assert_ids "$r1 $r2 $r3"
	assert_messages ".messages[]"
	assert_jq ".messages[1] | .message_status == \"deleted\" and .message_text == \"\" and .message_markup == \"\""
	assert_jq "[.messages[0, 2].message_status] == [\"active\", \"active\"]"
	api_as "$ANN" GET "/api/v1/messages/$s"
	assert_json .reply_count 3
	api_as "$ANN" GET "/api/v1/messages/$r2"
	assert_error 404 not_found
	reply_json "$BEN" "$r2" "$(text_json "to the deleted one")"
	assert_error 404 not_found
	api_as "$ANN" GET "/api/v1/messages?per_page=100"
	assert_jq "all(.messages[]; .message_id != $r2)"
'

test_expect "replying to a deleted starter is 404" '
	s=$(thread "deleted starter")
	api_as "$ANN" DELETE "/api/v1/messages/$s"
	assert_status 200
	reply_json "$BEN" "$s" "$(text_json "anyone?")"
	assert_error 404 not_found
'

test_expect "20 concurrent replies: all 201, reply_count exactly 20, 20 distinct rows, last activity the newest" '
	s=$(thread "busy thread")
	tokens=("$ANN" "$BEN" "$CAT")
	for i in $(seq 1 20); do
		api_bg "$i" POST "/api/v1/messages/$s/replies" -H "Content-Type: application/json" \
			-H "Authorization: Bearer ${tokens[i % 3]}" --data-binary "$(text_json "concurrent $i")" &
	done
	wait
	for i in $(seq 1 20); do
		[ "$(cat "$KT_TMP/bg.$i.status")" = 201 ] ||
			kt_fail "reply $i: $(cat "$KT_TMP/bg.$i.status") $(cat "$KT_TMP/bg.$i.json")" || exit 1
	done
	posted=$(jq -rs "map(.message_id) | sort | map(tostring) | join(\" \")" "$KT_TMP"/bg.*.json)
	api_as "$ANN" GET "/api/v1/messages/$s"
	assert_json .reply_count 20
	api_as "$BEN" GET "/api/v1/messages/$s/replies"
	assert_json ".messages | length" 20
	assert_ids "$posted"
	assert_jq "[.messages[].message_markup] | sort == ([range(1; 21) | \"concurrent \(.)\"] | sort)"
	api_as "$CAT" GET "/api/v1/messages/threads?per_page=1"
	assert_status 200
	assert_json ".threads[0].message_id" "$s"
	assert_json ".threads[0].reply_count" 20
	assert_json ".threads[0].last_message_id" "${posted##* }"
'

test_expect "a retried reply with the same Idempotency-Key is replayed and posted once; other uses of the key are 422" '
	s=$(thread "retries")
	s2=$(thread "another target")
	reply_json "$BEN" "$s" "$(text_json "@ann only once")" -H "Idempotency-Key: r-1"
	assert_status 201
	assert_no_header Idempotent-Replayed
	remember_answer
	reply_json "$BEN" "$s" "$(text_json "@ann only once")" -H "Idempotency-Key: r-1"
	assert_replay
	api_as "$ANN" GET "/api/v1/messages/$s"
	assert_json .reply_count 1
	reply_json "$BEN" "$s" "$(text_json "@ann not the same")" -H "Idempotency-Key: r-1"
	assert_error 422 idempotency_key_reused
	reply_json "$BEN" "$s2" "$(text_json "@ann only once")" -H "Idempotency-Key: r-1"
	assert_error 422 idempotency_key_reused
	api_json POST /api/v1/messages "$(text_json "@ann only once")" -H "Authorization: Bearer $BEN" -H "Idempotency-Key: r-1"
	assert_error 422 idempotency_key_reused
	reply_json "$CAT" "$s" "$(text_json "@ann only once")" -H "Idempotency-Key: r-1"
	assert_status 201
	assert_no_header Idempotent-Replayed
	api_as "$ANN" GET "/api/v1/messages/$s"
	assert_json .reply_count 2
	api_as "$ANN" GET "/api/v1/messages/$s2"
	assert_json .reply_count 0
'

test_done
