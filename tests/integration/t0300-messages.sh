#!/usr/bin/env bash
# Integration tests for messages (API.md §5, §5.2–§5.6, §6): posting with @mentions, the message object, GET with ETag, the stream, since, deletion, Idempotency-Key, length limits and safe HTML.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start

ALICE=$(make_user alice)
BOB=$(make_user bob)
CAROL=$(make_user carol)
ALICE_ID=$(user_id_of alice "$ALICE")
BOB_ID=$(user_id_of bob "$BOB")
# pat signs up but never activates; dan deletes his account.
api_json POST /api/v1/users '{"user_name":"pat","email":"pat@example.com","password":"pat-password"}' >/dev/null
DAN=$(make_user dan)
api_json DELETE /api/v1/users '{"password":"dan-password"}' -H "Authorization: Bearer $DAN" >/dev/null
api_json POST /api/v1/users/tokens '{"name":"read only"}' -H "Authorization: Bearer $ALICE" >/dev/null
ALICE_READ=$(jq -r .token "$KT_TMP/body")
HELLO=$(post_message "$ALICE" "  Hello @bob, see www.example.com
bye  ")

# What may remain of message_text once the allowed markup (§6) is taken out: no < > or " at all.
SAFE_HTML='.message_text | gsub("<a href=\"[^\"<>]*\" title=\"[^\"<>]*\">|</a>|<br />"; "") | test("[<>\"]") | not'
# Every href is http(s) or the site's own user link.
SAFE_HREFS='[.message_text | scan("href=\"([^\"]*)\"") | .[0]] | all(test("^(https?://|/)"))'

# iso_epoch ISO: the Unix time of an ISO-8601 UTC time.
iso_epoch() {
	date -u -d "$1" +%s
}

test_expect "POST /messages with an @mention is 201 with message_id and Location" '
	api_json POST /api/v1/messages "$(text_json "Hello @bob")" -H "Authorization: Bearer $ALICE"
	assert_status 201
	assert_common
	assert_json .description Created
	assert_jq "keys == [\"description\", \"message_id\", \"status\"]"
	assert_jq ".message_id | type == \"number\" and . >= 1"
	assert_header Location "/api/v1/messages/$(jq -r .message_id "$KT_TMP/body")"
	assert_no_header Idempotent-Replayed
'

test_expect "GET /messages/N: the author gets the whole message object (trimmed markup, author_type you)" '
	api_as "$ALICE" GET "/api/v1/messages/$HELLO"
	assert_status 200
	assert_common
	assert_json .description OK
	assert_header Cache-Control no-store
	assert_messages "del(.status, .description)"
	assert_json .message_id "$HELLO"
	assert_json .parent_id 0
	assert_json .message_markup "Hello @bob, see www.example.com
bye"
	assert_json .message_status active
	assert_json .author_id "$ALICE_ID"
	assert_json .author_name alice
	assert_json .author_type you
	assert_json .reply_count 0
	assert_jq ".recipients == [\"alice\", \"bob\"]"
	assert_json .recipient_names "alice bob"
	assert_json .logged_in_user "$ALICE_ID"
	assert_jq ".message_text | contains(\">@bob</a>,\") and contains(\"<br />bye\")"
	assert_jq ".message_text | contains(\"<a href=\\\"http://www.example.com\\\" title=\\\"http://www.example.com\\\">www.example.com</a>\")"
'

test_expect "a recipient sees the same message as others with their own logged_in_user; a trailing slash is the same" '
	api_as "$ALICE" GET "/api/v1/messages/$HELLO"
	digest=$(jq -r .content_digest "$KT_TMP/body")
	api_as "$BOB" GET "/api/v1/messages/$HELLO/"
	assert_status 200
	assert_messages "del(.status, .description)"
	assert_json .author_type others
	assert_json .author_name alice
	assert_json .logged_in_user "$BOB_ID"
	assert_json .content_digest "$digest"
'

test_expect "recipients: the author first, then each mentioned user once in order of first appearance" '
	id=$(post_message "$ALICE" "@carol hi @Bob and @CAROL again, @alice too")
	api_as "$CAROL" GET "/api/v1/messages/$id"
	assert_status 200
	assert_jq ".recipients == [\"alice\", \"carol\", \"bob\"]"
	assert_json .recipient_names "alice carol bob"
	api_as "$BOB" GET "/api/v1/messages/$id"
	assert_status 200
'

test_expect "a note to self (mentioning only oneself) is allowed, and nobody else sees it" '
	id=$(post_message "$BOB" "@bob remember the milk")
	api_as "$BOB" GET "/api/v1/messages/$id"
	assert_status 200
	assert_jq ".recipients == [\"bob\"]"
	api_as "$ALICE" GET "/api/v1/messages/$id"
	assert_error 404 not_found
'

test_expect "a message without an @mention is 422 no_mention (an address, @@name or (@name) is none)" '
	for text in "hello everyone" "write to bob@example.com" "@@bob hi" "(@bob) hi"; do
		api_json POST /api/v1/messages "$(text_json "$text")" -H "Authorization: Bearer $ALICE"
		assert_error 422 validation_failed
		assert_jq ".invalid_params | length == 1 and .[0].name == \"message_text\" and .[0].reason == \"no_mention\""
	done
'

test_expect "each unknown, pending or deleted name is 422 unknown_user, once, as written; nothing is posted" '
	api_as "$BOB" GET "/api/v1/messages?per_page=100"
	before=$(list_ids)
	api_json POST /api/v1/messages "$(text_json "@bob @ghost @Phantom @GHOST @pat @dan hi")" -H "Authorization: Bearer $ALICE"
	assert_error 422 validation_failed
	assert_jq "[.invalid_params[].name] == [\"@ghost\", \"@Phantom\", \"@pat\", \"@dan\"]"
	assert_jq "all(.invalid_params[]; .reason == \"unknown_user\")"
	api_as "$BOB" GET "/api/v1/messages?per_page=100"
	assert_ids "$before"
'

test_expect "message_text is 1-300 code points after trimming: 300 pass, 301 are 422 too_long" '
	e295=$(printf "é%.0s" $(seq 295))
	id=$(post_message "$ALICE" "
	   @bob $e295  	")
	api_as "$ALICE" GET "/api/v1/messages/$id"
	assert_json .message_markup "@bob $e295"
	assert_json ".message_markup | length" 300
	api_json POST /api/v1/messages "$(text_json "@bob ${e295}é")" -H "Authorization: Bearer $ALICE"
	assert_error 422 validation_failed
	assert_jq ".invalid_params | length == 1"
	assert_json ".invalid_params[0].name" message_text
	assert_json ".invalid_params[0].reason" too_long
	assert_json ".invalid_params[0].message" "301 chars entered. Max is 300."
	assert_jq ".system_message | contains(\"301 chars entered. Max is 300.\")"
'

test_expect "an empty, blank, missing or non-string message_text is 422 naming message_text" '
	for body in "{\"message_text\":\"\"}" "{\"message_text\":\" \\n\\t \"}" "{}" \
		"{\"message_text\":42}" "{\"message_text\":null}" "{\"message_text\":[\"@bob\"]}"; do
		api_json POST /api/v1/messages "$body" -H "Authorization: Bearer $ALICE"
		assert_error 422 validation_failed || kt_fail "for $body" || exit 1
		assert_jq "[.invalid_params[].name] == [\"message_text\"]"
	done
'

test_expect "text is stored as written and shown as safe HTML: no script, no javascript: link, newlines as <br />" '
	text="@bob <script>alert(1)</script> <img src=x onerror=alert(1)> \"q\" & <a href=\"javascript:alert(1)\">x</a> javascript:alert(2) https://ex.com/?a=1&b=\"2\"
second line"
	id=$(post_message "$ALICE" "$text")
	api_as "$BOB" GET "/api/v1/messages/$id"
	assert_status 200
	assert_json .message_markup "$text"
	assert_jq "$SAFE_HTML"
	assert_jq "$SAFE_HREFS"
	assert_jq ".message_text | contains(\"&lt;script&gt;alert(1)&lt;/script&gt;\")"
	assert_jq ".message_text | contains(\"&quot;q&quot; &amp; &lt;a href=&quot;javascript:alert(1)&quot;&gt;\")"
	assert_jq ".message_text | contains(\"<br />second line\")"
	assert_jq ".message_text | contains(\"<a href=\\\"https://ex.com/?a=1&amp;b=\\\"\")"
'

test_expect "the original Kinglet form post (json=... beside the credential triple) posts too" '
	api POST /api/v1/messages --data-urlencode "json=$(text_json "@bob from a form")" \
		--data-urlencode user_name=alice --data-urlencode "user_id=$ALICE_ID" --data-urlencode "session_id=$ALICE"
	assert_status 201
	id=$(jq -r .message_id "$KT_TMP/body")
	api_as "$BOB" GET "/api/v1/messages/$id"
	assert_json .message_markup "@bob from a form"
	assert_json .author_name alice
'

test_expect "no credentials: 401 on every message route; a read-only token reads but cannot post or delete" '
	for route in "GET /api/v1/messages" "GET /api/v1/messages/$HELLO" "GET /api/v1/messages/since/0" \
		"DELETE /api/v1/messages/$HELLO" "GET /api/v1/messages/page/1"; do
		api $route
		assert_error 401 not_authenticated || kt_fail "for $route" || exit 1
		assert_header WWW-Authenticate
	done
	api_json POST /api/v1/messages "$(text_json "@bob hi")"
	assert_error 401 not_authenticated
	api GET "/api/v1/messages/$HELLO" -H "X-Api-Key: $ALICE_READ"
	assert_status 200
	api_json POST /api/v1/messages "$(text_json "@bob hi")" -H "X-Api-Key: $ALICE_READ"
	assert_error 403 insufficient_scope
	api DELETE "/api/v1/messages/$HELLO" -H "X-Api-Key: $ALICE_READ"
	assert_error 403 insufficient_scope
	api_as "$ALICE" GET "/api/v1/messages/$HELLO"
	assert_status 200
'

test_expect "wrong methods are 405 with Allow" '
	api_as "$ALICE" PUT "/api/v1/messages/$HELLO" -H "Content-Type: application/json" --data-binary "{}"
	assert_error 405 method_not_allowed
	[[ $(header Allow) == *GET* && $(header Allow) == *DELETE* ]] || kt_fail "Allow: $(header Allow)"
	api_as "$ALICE" DELETE /api/v1/messages
	assert_error 405 method_not_allowed
	[[ $(header Allow) == *GET* && $(header Allow) == *POST* ]] || kt_fail "Allow: $(header Allow)"
'

test_expect "the stream: every visible active message, starters and replies, newest first" '
	sam=$(make_user sam)
	sue=$(make_user sue)
	sid=$(make_user sid)
	a=$(post_message "$sam" "@sue one")
	r=$(reply "$sue" "$a" "two")
	b=$(post_message "$sid" "@sid not for sam")
	c=$(post_message "$sam" "@sam three")
	api_as "$sam" GET /api/v1/messages
	assert_status 200
	assert_common
	assert_ids "$c $r $a"
	assert_messages ".messages[]"
	assert_jq ".messages[1].parent_id == $a and .messages[2].reply_count == 1 and .messages[0].author_type == \"you\""
	assert_jq ".messages[1].author_type == \"others\" and .messages[1].recipient_names == \"sam sue\""
	assert_json .next_link_bool 0
	api_as "$sue" GET /api/v1/messages/page/1
	assert_status 200
	assert_ids "$r $a"
	api_as "$sid" GET /api/v1/messages/
	assert_ids "$b"
'

test_expect "GET /messages/N has a weak ETag; If-None-Match gives 304 without a body until a reply changes it" '
	id=$(post_message "$ALICE" "@bob etag me")
	api_as "$BOB" GET "/api/v1/messages/$id"
	assert_status 200
	assert_header ETag
	etag=$(header ETag)
	[[ $etag =~ ^W/\"[^\"]+\"$ ]] || kt_fail "not a weak ETag: $etag"
	api_as "$BOB" GET "/api/v1/messages/$id" -H "If-None-Match: $etag"
	assert_status 304
	assert_body_empty
	assert_header ETag "$etag"
	api_as "$BOB" GET "/api/v1/messages/$id" -H "If-None-Match: W/\"nope\", $etag"
	assert_status 304
	api_as "$BOB" GET "/api/v1/messages/$id" -H "If-None-Match: W/\"nope\""
	assert_status 200
	assert_json .message_id "$id"
	api_as "$BOB" HEAD "/api/v1/messages/$id"
	assert_status 200
	assert_body_empty
	assert_header ETag "$etag"
	reply "$BOB" "$id" "a reply" >/dev/null
	api_as "$BOB" GET "/api/v1/messages/$id" -H "If-None-Match: $etag"
	assert_status 200
	assert_json .reply_count 1
	[ "$(header ETag)" != "$etag" ] || kt_fail "the ETag did not change with reply_count"
'

test_expect "GET of an id that does not exist is 404 not_found" '
	api_as "$ALICE" GET /api/v1/messages/987654321
	assert_error 404 not_found
	assert_no_header ETag
'

test_expect "DELETE /messages/N: a recipient gets 403; the author 200; then it is gone for both (404)" '
	id=$(post_message "$ALICE" "@bob delete me")
	api_as "$BOB" DELETE "/api/v1/messages/$id"
	assert_error 403 forbidden
	api_as "$BOB" GET "/api/v1/messages/$id"
	assert_status 200
	api_as "$ALICE" DELETE "/api/v1/messages/$id"
	assert_status 200
	assert_common
	assert_json .deleted true
	for token in "$ALICE" "$BOB"; do
		api_as "$token" GET "/api/v1/messages/$id"
		assert_error 404 not_found
		api_as "$token" GET "/api/v1/messages?per_page=100"
		assert_jq "all(.messages[]; .message_id != $id)"
	done
	api_as "$ALICE" DELETE "/api/v1/messages/$id"
	assert_error 404 not_found
	api_json POST "/api/v1/messages/$id/replies" "$(text_json "too late")" -H "Authorization: Bearer $BOB"
	assert_error 404 not_found
'

test_expect "GET /messages/since/EPOCH: others messages strictly after EPOCH, the whole count, newest first" '
	tom=$(make_user tom)
	tia=$(make_user tia)
	t1=$(post_message "$tia" "@tom first")
	api_as "$tom" GET "/api/v1/messages/$t1"
	e1=$(iso_epoch "$(jq -r .created_at "$KT_TMP/body")")
	own=$(post_message "$tom" "@tia mine")
	t2=$(post_message "$tia" "@tom second")
	t3=$(reply "$tia" "$t1" "third, a reply")
	api_as "$tom" GET "/api/v1/messages/since/$((e1 - 1))?per_page=2"
	assert_status 200
	assert_common
	assert_jq "(.new_message_count | type == \"number\") and (.pending_requests_count | type == \"number\")"
	assert_json .new_message_count 3
	assert_json .pending_requests_count 0
	assert_ids "$t3 $t2"
	assert_messages ".messages[]"
	assert_json .next_link_bool 1
	api_as "$tom" GET "/api/v1/messages/since/$((e1 - 1))"
	assert_ids "$t3 $t2 $t1"
	assert_json .next_link_bool 0
	api_as "$tia" GET "/api/v1/messages/since/$((e1 - 1))"
	assert_json .new_message_count 1
	assert_ids "$own"
	api_as "$tom" GET "/api/v1/messages/$t3"
	e3=$(iso_epoch "$(jq -r .created_at "$KT_TMP/body")")
	api_as "$tom" GET "/api/v1/messages/since/$e3"
	assert_status 200
	assert_json .new_message_count 0
	assert_ids ""
	api_as "$tia" DELETE "/api/v1/messages/$t2"
	assert_status 200
	api_as "$tom" GET /api/v1/messages/since/0
	assert_json .new_message_count 2
	assert_ids "$t3 $t1"
'

test_expect "an Idempotency-Key retry replays the first answer (Idempotent-Replayed: true) and posts once" '
	post() { api_json POST /api/v1/messages "$(text_json "$2")" -H "Authorization: Bearer $1" -H "Idempotency-Key: $3"; }
	post "$ALICE" "@bob once only" key-1
	assert_status 201
	assert_no_header Idempotent-Replayed
	location=$(header Location)
	remember_answer
	post "$ALICE" "@bob once only" key-1
	assert_replay
	api_as "$BOB" GET "/api/v1/messages?per_page=100"
	assert_jq "[.messages[] | select(.message_markup == \"@bob once only\")] | length == 1"
	post "$ALICE" "@bob something else" key-1
	assert_error 422 idempotency_key_reused
	post "$CAROL" "@bob once only" key-1
	assert_status 201
	assert_no_header Idempotent-Replayed
	[ "$(header Location)" != "$location" ] || kt_fail "another user got the first user answer"
'

test_expect "concurrent retries with one Idempotency-Key post once: each answer is the first one or 409 in flight" '
	rm -f "$KT_TMP"/bg.*
	for i in 1 2 3 4 5 6; do
		api_bg "$i" POST /api/v1/messages -H "Content-Type: application/json" -H "Authorization: Bearer $ALICE" \
			-H "Idempotency-Key: together" --data-binary "$(text_json "@bob all at once")" &
	done
	wait
	got=$(for i in 1 2 3 4 5 6; do
		case $(cat "$KT_TMP/bg.$i.status") in
		201) jq -r .message_id "$KT_TMP/bg.$i.json" ;;
		409) jq -r "select(.code != \"idempotency_key_in_flight\") | \"409 \(.code)\"" "$KT_TMP/bg.$i.json" ;;
		*) echo "$(cat "$KT_TMP/bg.$i.status") $(cat "$KT_TMP/bg.$i.json")" ;;
		esac
	done | sort -u)
	[[ $got =~ ^[0-9]+$ ]] || kt_fail "expected 201s with one message_id, else 409 idempotency_key_in_flight; got: $got"
	api_as "$BOB" GET "/api/v1/messages?per_page=100"
	assert_jq "[.messages[] | select(.message_markup == \"@bob all at once\")] | length == 1"
	api_json POST /api/v1/messages "$(text_json "@bob all at once")" -H "Authorization: Bearer $ALICE" -H "Idempotency-Key: together"
	assert_status 201
	assert_header Idempotent-Replayed true
	assert_json .message_id "$got"
'

test_expect "an Idempotency-Key is at most 128 visible ASCII characters, else 400 invalid_header" '
	k128=$(printf "k%.0s" $(seq 128))
	api_json POST /api/v1/messages "$(text_json "@bob long key")" -H "Authorization: Bearer $ALICE" -H "Idempotency-Key: $k128"
	assert_status 201
	for key in "${k128}k" "two words" "ключ"; do
		api_json POST /api/v1/messages "$(text_json "@bob bad key")" -H "Authorization: Bearer $ALICE" -H "Idempotency-Key: $key"
		assert_error 400 invalid_header || kt_fail "for key $key" || exit 1
	done
	api_as "$BOB" GET "/api/v1/messages?per_page=100"
	assert_jq "all(.messages[]; .message_markup != \"@bob bad key\")"
'

test_done
