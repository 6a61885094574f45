#!/usr/bin/env bash
# Integration tests for version 0's answers (API.md §10): every route with X-Kinglet-API-Version: 0
# answers exactly the original Kinglet's fields, in its types and values, to the original's
# request shapes (form json= with the credentials as form fields, the credentials in the query
# string after a trailing slash).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start

# assert_v0_common: the version header says 0; the body is one JSON object, status a number.
assert_v0_common() {
	assert_header X-Kinglet-API-Version 0 || return 1
	assert_jq "type == \"object\" and (.status | type == \"number\") and .status == $API_STATUS"
}

ID_RE='^[1-9][0-9]*$'
STREAM_ITEM='["author_name","author_type","created_date","logged_in_user","message_id",
	"message_status","message_text","parent_id","recipient_names","reply_count"]'
THREAD_ITEM='["author_name","created_date","last_message_author_name","last_message_date",
	"last_message_id","logged_in_user","message_id","message_text","recipient_names","reply_count"]'
ONE_MESSAGE='["author_id","author_name","content_digest","created_date","description","message_id",
	"message_status","message_text","parent_id","recipient_names","reply_count","status"]'
# A list date: "N secs ago" .. "N hrs ago" under a day, else "Mon DD, YYYY".
AGO_RE='^([0-9]+ secs|1 min|([2-9]|[1-5][0-9]) mins|1 hr|([2-9]|1[0-9]|2[0-3]) hrs) ago$|^[A-Z][a-z]{2} [0-3][0-9], [0-9]{4}$'

# ---- accounts

test_expect "GET /time: status, description, server_epoch_seconds (a number) only" '
	api_v0 GET /api/v1/time/
	assert_status 200
	assert_v0_common
	assert_keys . "[\"description\",\"server_epoch_seconds\",\"status\"]"
	assert_jq ".server_epoch_seconds | type == \"number\""
	assert_json .description OK
'

test_expect "sign-up (form json=, user_name and email): user_id as a string, user_name, email" '
	api_v0_form POST /api/v1/users "{\"user_name\":\"alice\",\"email\":\"alice@example.com\"}"
	assert_status 201
	assert_v0_common
	assert_keys . "[\"description\",\"email\",\"status\",\"user_id\",\"user_name\"]"
	assert_json .description Created
	assert_jq ".user_id | type == \"string\" and test(\"$ID_RE\")"
	assert_json .user_name alice
	assert_json .email alice@example.com
'

test_expect "activation (GET /users/activate/DIGEST): activate_account \"true\"" '
	api_v0 GET "/api/v1/users/activate/$(activation_token alice@example.com)/"
	assert_status 200
	assert_v0_common
	assert_keys . "[\"activate_account\",\"description\",\"status\"]"
	assert_json ".activate_account | type" string
	assert_json .activate_account true
'

# login_v0 NAME PASSWORD: the original's login (by e-mail, json= form); keeps NAME's credential
# triple ("user_name=..&user_id=..&session_id=..", for a query string or a form) for q NAME.
login_v0() {
	api_v0_form POST /api/v1/users/login "{\"email\":\"$1@example.com\",\"password\":\"$2\"}"
	[ "$API_STATUS" = 200 ] || kt_fail "v0 login of $1: $API_STATUS $API_BODY" || return 1
	jq -r "\"user_name=\(.user_name)&user_id=\(.user_id)&session_id=\(.session_id)\"" \
		"$KT_TMP/body" >"$KT_TMP/$1.q"
}
q() { cat "$KT_TMP/$1.q"; }

test_expect "login (form json= email and password): user_id as a string, user_name, session_id" '
	login_v0 alice "$(mailed_password alice@example.com)"
	assert_v0_common
	assert_keys . "[\"description\",\"session_id\",\"status\",\"user_id\",\"user_name\"]"
	assert_jq ".user_id | type == \"string\" and test(\"$ID_RE\")"
	assert_json .user_name alice
	assert_jq ".session_id | type == \"string\" and length > 20"
'

BOB=$(make_user bob)
CAROL=$(make_user carol)
test_expect "setup: bob and carol log in the original way" '
	login_v0 bob bob-password
	login_v0 carol carol-password
'

test_expect "own profile (triple in the query after a slash): the original fields, no digest" '
	api_v0 GET "/api/v1/users/alice/?$(q alice)"
	assert_status 200
	assert_v0_common
	assert_keys . "[\"created_date\",\"desc_format\",\"desc_markup\",\"description\",\"email\",\"status\",\"user_id\",\"user_name\",\"user_status\"]"
	assert_jq ".user_id | type == \"string\" and test(\"$ID_RE\")"
	assert_json .user_status o
	assert_json .email alice@example.com
	assert_jq ".created_date | test(\"^[A-Z][a-z]{2} [0-3][0-9], [0-9]{4}$\")"
	assert_json .created_date "$(date -u +"%b %d, %Y")"
'

test_expect "PUT /users (form json= with desc_markup): profile_updated \"true\"; @name links to /user/NAME" '
	api_v0_form PUT /api/v1/users "{\"email\":\"alice@example.com\",\"desc_markup\":\"friend of @bob\"}" "$(q alice)"
	assert_status 200
	assert_v0_common
	assert_keys . "[\"description\",\"profile_updated\",\"status\"]"
	assert_json .profile_updated true
	api_v0 GET "/api/v1/users/alice/?$(q alice)"
	assert_json .desc_markup "friend of @bob"
	assert_json .desc_format "friend of <a href=\"/user/bob\" title=\"bob\">@bob</a>"
	api GET /api/v1/users/alice -H "Authorization: Bearer $BOB"
	assert_json .desc_format "friend of <a href=\"/api/v1/users/bob\" title=\"bob\">@bob</a>"
'

test_expect "another user's profile: user_name and desc_format only" '
	api_v0 GET "/api/v1/users/alice/?$(q bob)"
	assert_status 200
	assert_v0_common
	assert_keys . "[\"desc_format\",\"description\",\"status\",\"user_name\"]"
	assert_json .user_name alice
'

test_expect "DELETE /users (form json= with the password): deleted \"true\"" '
	api_json POST /api/v1/users "{\"user_name\":\"dave\",\"email\":\"dave@example.com\",\"password\":\"dave-password\"}"
	api GET "/api/v1/users/activate/$(activation_token dave@example.com)"
	login_v0 dave dave-password
	api_v0_form DELETE /api/v1/users "{\"password\":\"dave-password\"}" "$(q dave)"
	assert_status 200
	assert_v0_common
	assert_keys . "[\"deleted\",\"description\",\"status\"]"
	assert_json .deleted true
	assert_json ".deleted | type" string
'

test_expect "forgotten password (form json=): status and description only" '
	api_v0_form POST /api/v1/users/password "{\"user_name\":\"carol\",\"email\":\"carol@example.com\"}"
	assert_status 200
	assert_v0_common
	assert_keys . "[\"description\",\"status\"]"
'

test_expect "password change: user_id (a string), user_name, session_id, and no description" '
	api_v0_form PUT /api/v1/users/password "{\"old_password\":\"carol-password\",\"new_password\":\"carol-password-2\",\"verify_password\":\"carol-password-2\"}" "$(q carol)"
	assert_status 200
	assert_v0_common
	assert_keys . "[\"session_id\",\"status\",\"user_id\",\"user_name\"]"
	assert_jq ".user_id | type == \"string\" and test(\"$ID_RE\")"
	assert_json .user_name carol
	jq -r "\"user_name=carol&user_id=\(.user_id)&session_id=\(.session_id)\"" "$KT_TMP/body" >"$KT_TMP/carol.q"
'

test_expect "password reset by mailed token (PUT /users/password): no description either" '
	api_v0_form PUT /api/v1/users/password "{\"reset_token\":\"$(reset_token carol@example.com)\",\"new_password\":\"carol-password\",\"verify_password\":\"carol-password\"}"
	assert_status 200
	assert_keys . "[\"password_changed\",\"status\",\"user_id\",\"user_name\"]"
	assert_json .password_changed true
	assert_jq ".user_id | type == \"string\""
	login_v0 carol carol-password
'

test_expect "activation by code and a resend: the flags are \"true\"" '
	api_json POST /api/v1/users "{\"user_name\":\"erin\",\"email\":\"erin@example.com\",\"password\":\"erin-password\"}"
	api_v0_form POST /api/v1/users/activate/resend "{\"email\":\"erin@example.com\"}"
	assert_status 200
	assert_keys . "[\"activation_sent\",\"description\",\"status\"]"
	assert_json .activation_sent true
	assert_json ".activation_sent | type" string
	api_v0_form POST /api/v1/users/activate "{\"user_digest\":\"$(activation_token erin@example.com)\"}"
	assert_status 200
	assert_keys . "[\"activate_account\",\"description\",\"status\"]"
	assert_json .activate_account true
'

# ---- messages

test_expect "POST /messages (form json=, triple as form fields): 201, message_id as a string" '
	api_v0_form POST /api/v1/messages "{\"message_text\":\"hello @bob and @carol, see www.example.org\"}" "$(q alice)"
	assert_status 201
	assert_v0_common
	assert_keys . "[\"description\",\"message_id\",\"status\"]"
	assert_json .description Created
	assert_jq ".message_id | type == \"string\" and test(\"$ID_RE\")"
	jq -r .message_id "$KT_TMP/body" >"$KT_TMP/m1"
'

test_expect "GET /messages/N: the original fields, strings, |a|b| names, the absolute date" '
	m1=$(cat "$KT_TMP/m1")
	api_v0 GET "/api/v1/messages/$m1/?$(q bob)"
	assert_status 200
	assert_v0_common
	assert_keys . "$ONE_MESSAGE"
	assert_json .message_id "$m1"
	assert_json ".message_id | type" string
	assert_json .parent_id 0
	assert_json ".parent_id | type" string
	assert_json .reply_count 0
	assert_json ".reply_count | type" string
	assert_jq ".author_id | type == \"string\" and test(\"$ID_RE\")"
	assert_json .author_name alice
	assert_json .message_status o
	assert_json .recipient_names "|alice|bob|carol|"
	assert_jq ".content_digest | type == \"string\" and length > 10"
	assert_jq ".message_text | contains(\"<a href=\\\"/user/bob\\\" title=\\\"bob\\\">@bob</a>\")"
	assert_jq ".message_text | contains(\"<a href=\\\"/user/carol\\\" title=\\\"carol\\\">@carol</a>\")"
	assert_jq ".message_text | contains(\"href=\\\"http://www.example.org\\\"\")"
	assert_jq ".message_text | contains(\"/api/v1/users/\") | not"
	assert_jq ".created_date | test(\"^[A-Z][a-z]{2} [0-3][0-9], [0-9]{4} at [01][0-9]:[0-5][0-9]:[0-5][0-9] [AP]M$\")"
'

test_expect "POST /messages/N/replies (form json=, numeric reply_to_id): 201, message_id a string" '
	m1=$(cat "$KT_TMP/m1")
	api_v0 GET "/api/v1/messages/$m1/?$(q bob)"
	digest=$(jq -r .content_digest "$KT_TMP/body")
	api_v0_form POST "/api/v1/messages/$m1/replies" "{\"message_text\":\"yes @alice\",\"reply_to_id\":$m1,\"reply_to_content_digest\":\"$digest\"}" "$(q bob)"
	assert_status 201
	assert_keys . "[\"description\",\"message_id\",\"status\"]"
	assert_jq ".message_id | type == \"string\" and test(\"$ID_RE\")"
	jq -r .message_id "$KT_TMP/body" >"$KT_TMP/r1"
'

test_expect "the stream: messages and next_link_bool only; items with the original fields" '
	api_v0 GET "/api/v1/messages/?$(q alice)"
	assert_status 200
	assert_v0_common
	assert_keys . "[\"description\",\"messages\",\"next_link_bool\",\"status\"]"
	assert_json .next_link_bool 0
	assert_json ".next_link_bool | type" number
	assert_items_keys .messages "$STREAM_ITEM"
	assert_json "[.messages[].message_id] | join(\" \")" "$(cat "$KT_TMP/r1") $(cat "$KT_TMP/m1")"
	assert_jq "all(.messages[]; (.message_id, .parent_id, .reply_count, .logged_in_user) | type == \"string\")"
	assert_jq "all(.messages[]; .message_status == \"o\")"
	assert_json ".messages[1].recipient_names" " alice bob carol "
	assert_json ".messages[1].author_type" you
	assert_json ".messages[0].author_type" others
	assert_json ".messages[1].reply_count" 1
	assert_json ".messages[0].parent_id" "$(cat "$KT_TMP/m1")"
	assert_json ".messages[0].logged_in_user" "$(sed "s/.*user_id=\([0-9]*\).*/\1/" "$KT_TMP/alice.q")"
	assert_jq "all(.messages[]; .created_date | test(\"$AGO_RE\"))"
	assert_jq ".messages[1].message_text | contains(\"href=\\\"/user/bob\\\"\")"
'

test_expect "dates: the stream relative under a day, else the date; one message at the time" '
	m1=$(cat "$KT_TMP/m1")
	was=$(kt_sql "SELECT created_at FROM messages WHERE message_id = $m1")
	kt_sql "UPDATE messages SET created_at = NOW() - INTERVAL 125 MINUTE WHERE message_id = $m1"
	api_v0 GET "/api/v1/messages/?$(q alice)"
	assert_json ".messages[1].created_date" "2 hrs ago"
	kt_sql "UPDATE messages SET created_at = '\''2014-01-17 18:03:54'\'' WHERE message_id = $m1"
	api_v0 GET "/api/v1/messages/?$(q alice)"
	assert_json ".messages[1].created_date" "Jan 17, 2014"
	api_v0 GET "/api/v1/messages/$m1/?$(q bob)"
	assert_json .created_date "Jan 17, 2014 at 06:03:54 PM"
	kt_sql "UPDATE messages SET created_at = '\''$was'\'' WHERE message_id = $m1"
'

test_expect "GET /messages/page/N: 20 items and next_link_bool 1 while there are more" '
	for i in $(seq 1 21); do
		api_json POST /api/v1/messages "{\"message_text\":\"note $i @bob\"}" -H "Authorization: Bearer $BOB" >/dev/null
		[ "$API_STATUS" = 201 ]
	done
	api_v0 GET "/api/v1/messages/page/1/?$(q bob)"
	assert_status 200
	assert_keys . "[\"description\",\"messages\",\"next_link_bool\",\"status\"]"
	assert_json ".messages | length" 20
	assert_json .next_link_bool 1
	assert_items_keys .messages "$STREAM_ITEM"
	assert_no_header Link
	api_v0 GET "/api/v1/messages/page/2/?$(q bob)"
	assert_json ".messages | length" 3
	assert_json .next_link_bool 0
'

test_expect "GET /messages/since/EPOCH: the two counts only, numbers" '
	api_v0 GET "/api/v1/messages/since/0/?$(q carol)"
	assert_status 200
	assert_v0_common
	assert_keys . "[\"description\",\"new_message_count\",\"pending_requests_count\",\"status\"]"
	assert_json .new_message_count 2
	assert_json .pending_requests_count 0
	assert_json ".new_message_count | type" number
'

test_expect "GET /messages/N/replies: the whole thread oldest first, next_link_bool 0" '
	m1=$(cat "$KT_TMP/m1")
	for i in $(seq 2 105); do
		api_v0_form POST "/api/v1/messages/$m1/replies" "{\"message_text\":\"reply $i\"}" "$(q carol)" >/dev/null
		[ "$API_STATUS" = 201 ]
	done
	api_v0 GET "/api/v1/messages/$m1/replies/?$(q alice)"
	assert_status 200
	assert_v0_common
	assert_keys . "[\"description\",\"messages\",\"next_link_bool\",\"status\"]"
	assert_json ".messages | length" 105
	assert_json .next_link_bool 0
	assert_items_keys .messages "$STREAM_ITEM"
	assert_json ".messages[0].message_id" "$(cat "$KT_TMP/r1")"
	assert_jq "[.messages[].message_id | tonumber] | . == sort"
	assert_jq "all(.messages[]; .parent_id == \"$m1\" and .recipient_names == \" alice bob carol \")"
	api GET "/api/v1/messages/$m1/replies" -H "Authorization: Bearer $BOB"
	assert_json ".messages | length" 100
	assert_json .next_link_bool 1
'

test_expect "threads (/messages/threads/ and /threads/N): the original fields, next_link_bool" '
	api_v0 GET "/api/v1/messages/threads/?$(q alice)"
	assert_status 200
	assert_v0_common
	assert_keys . "[\"description\",\"next_link_bool\",\"status\",\"threads\"]"
	assert_json .next_link_bool 0
	assert_items_keys .threads "$THREAD_ITEM"
	m1=$(cat "$KT_TMP/m1")
	assert_json ".threads[0].message_id" "$m1"
	assert_json ".threads[0].reply_count" 105
	assert_json ".threads[0].recipient_names" " alice bob carol "
	assert_json ".threads[0].last_message_author_name" carol
	assert_jq ".threads[0].last_message_id | type == \"string\" and test(\"$ID_RE\")"
	assert_jq "all(.threads[]; (.message_id, .reply_count, .last_message_id, .logged_in_user) | type == \"string\")"
	assert_jq "all(.threads[]; (.created_date, .last_message_date) | test(\"$AGO_RE\"))"
	assert_json ".threads[0].message_text" "hello and , see www.example.org"
	api_v0 GET "/api/v1/messages/threads/1/?$(q bob)"
	assert_json ".threads | length" 20
	assert_json .next_link_bool 1
	api_v0 GET "/api/v1/messages/threads/page/2/?$(q bob)"
	assert_keys . "[\"description\",\"next_link_bool\",\"status\",\"threads\"]"
	assert_json ".threads | length" 2
	assert_json .next_link_bool 0
'

test_expect "a thread starter nobody answered has last_message_id \"0\"" '
	api_v0 GET "/api/v1/messages/threads/?$(q bob)"
	assert_jq "[.threads[] | select(.reply_count == \"0\") | .last_message_id] | unique == [\"0\"]"
'

test_expect "DELETE /messages/N: deleted \"true\"" '
	api_v0_form POST /api/v1/messages "{\"message_text\":\"oops @alice\"}" "$(q alice)"
	id=$(jq -r .message_id "$KT_TMP/body")
	api_v0 DELETE "/api/v1/messages/$id/?$(q alice)"
	assert_status 200
	assert_keys . "[\"deleted\",\"description\",\"status\"]"
	assert_json .deleted true
	assert_json ".deleted | type" string
'

# ---- approved lists

test_expect "GET /lists/request/NAME: made_request \"true\" only" '
	api_v0 GET "/api/v1/lists/request/carol/?$(q alice)"
	assert_status 200
	assert_v0_common
	assert_keys . "[\"description\",\"made_request\",\"status\"]"
	assert_json .made_request true
	api_v0 POST /api/v1/lists/request/carol --data "$(q bob)"
	assert_status 200
	assert_keys . "[\"description\",\"made_request\",\"status\"]"
'

test_expect "GET /lists/requests: requests[] of user_name, status, created_date; no paging keys" '
	api_v0 GET "/api/v1/lists/requests/?$(q carol)"
	assert_status 200
	assert_v0_common
	assert_keys . "[\"description\",\"requests\",\"status\"]"
	assert_items_keys .requests "[\"created_date\",\"status\",\"user_name\"]"
	assert_json "[.requests[].user_name] | sort | join(\" \")" "alice bob"
	assert_json "[.requests[].status] | unique | join(\" \")" pending
	assert_json ".requests[0].created_date" "$(date -u +"%b %d, %Y")"
	api_v0 GET "/api/v1/messages/since/0/?$(q carol)"
	assert_json .pending_requests_count 2
'

test_expect "approve and reject: status and description only" '
	api_v0 GET "/api/v1/lists/approve/alice/?$(q carol)"
	assert_status 200
	assert_v0_common
	assert_keys . "[\"description\",\"status\"]"
	api_v0 POST /api/v1/lists/reject/bob --data "$(q carol)"
	assert_status 200
	assert_keys . "[\"description\",\"status\"]"
	api_v0 GET "/api/v1/lists/requests/?$(q carol)"
	assert_json "[.requests[] | \"\(.user_name):\(.status)\"] | sort | join(\" \")" "alice:approved bob:rejected"
'

test_expect "the system message of a decision renders in version 0 too" '
	api_v0 GET "/api/v1/messages/?$(q alice)"
	assert_items_keys .messages "$STREAM_ITEM"
	assert_jq "any(.messages[]; .author_name == \"kinglet\" and (.message_text | contains(\"href=\\\"/user/carol\\\"\")))"
'

# ---- sessions

test_expect "logout (GET /users/NAME/logout/ with the triple): logged_out \"true\"" '
	api_v0 GET "/api/v1/users/bob/logout/?$(q bob)"
	assert_status 200
	assert_v0_common
	assert_keys . "[\"description\",\"logged_out\",\"status\"]"
	assert_json .logged_out true
	assert_json ".logged_out | type" string
	api_v0 GET "/api/v1/messages/?$(q bob)"
	assert_status 401
'

test_expect "DELETE /users/session: logged_out \"true\"" '
	api_v0 DELETE "/api/v1/users/session/?$(q carol)"
	assert_status 200
	assert_keys . "[\"description\",\"logged_out\",\"status\"]"
	assert_json .logged_out true
'

test_expect "version 1 is unchanged beside it: numbers, booleans, its own keys" '
	api GET /api/v1/time
	assert_header X-Kinglet-API-Version 1
	assert_jq "has(\"server_time\")"
	m1=$(cat "$KT_TMP/m1")
	api GET "/api/v1/messages/$m1" -H "Authorization: Bearer $BOB"
	assert_messages "del(.status, .description)"
'

test_done
