#!/usr/bin/env bash
# The original Kinglet web client's whole flow in version 0 (API.md §10), with its request shapes
# (form json= and the credentials as form fields, or in the query string after a slash) and
# approval required, checking the exact keys of every answer.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start messaging.require_approval=true api.v0_user_link=/profile/

# keys KEY...: the answer is in version 0 and has exactly these top-level keys.
keys() {
	assert_keys . "$(printf '%s\n' "$@" | jq -R . | jq -sc .)" || return 1
	assert_header X-Kinglet-API-Version 0
}

# item_keys ARRAY KEY...: ARRAY is not empty and each of its items has exactly these keys.
item_keys() {
	local array=$1
	shift
	assert_items_keys "$array" "$(printf '%s\n' "$@" | jq -R . | jq -sc .)"
}

STREAM_ITEM=(author_name author_type created_date logged_in_user message_id message_status
	message_text parent_id recipient_names reply_count)

# creds NAME: NAME's credential triple (user_name=..&user_id=..&session_id=..), kept by login.
creds() { cat "$KT_TMP/$1.creds"; }
# kept NAME: a value kept from an earlier answer.
kept() { cat "$KT_TMP/$1"; }

for who in jr kay; do
	test_expect "$who signs up with user_name and e-mail only (the password comes by mail)" '
		api_v0_form POST /api/v1/users "{\"user_name\":\"'"$who"'\",\"email\":\"'"$who"'@example.com\"}"
		assert_status 201
		keys status description user_id user_name email
		assert_jq ".user_id | type == \"string\""
	'

	test_expect "$who activates with the token from the mail" '
		token=$(activation_token '"$who"'@example.com)
		api_v0 GET "/api/v1/users/activate/$token"
		assert_status 200
		keys status description activate_account
		assert_json .activate_account true
	'

	test_expect "$who logs in by e-mail with savepassword in the JSON" '
		password=$(mailed_password '"$who"'@example.com)
		printf "%s\n" "$password" >"$KT_TMP/'"$who"'.password"
		api_v0_form POST /api/v1/users/login "{\"email\":\"'"$who"'@example.com\",\"password\":\"$password\",\"savepassword\":\"yes\"}"
		assert_status 200
		keys status description user_id user_name session_id
		jq -r "\"user_name=\(.user_name)&user_id=\(.user_id)&session_id=\(.session_id)\"" \
			"$KT_TMP/body" >"$KT_TMP/'"$who"'.creds"
		jq -r .user_id "$KT_TMP/body" >"$KT_TMP/'"$who"'.id"
	'
done

test_expect "the compose page's check: GET /users/jr/ (own profile, no digest)" '
	api_v0 GET "/api/v1/users/jr/?$(creds jr)"
	assert_status 200
	keys status description user_id user_name email user_status created_date desc_markup desc_format
	assert_json .user_status o
'

test_expect "a message to kay before approval is refused (400)" '
	api_v0_form POST /api/v1/messages "{\"message_text\":\"hi @kay\"}" "$(creds jr)"
	assert_status 400
'

test_expect "jr asks kay for approval (GET /lists/request/kay/)" '
	api_v0 GET "/api/v1/lists/request/kay/?$(creds jr)"
	assert_status 200
	keys status description made_request
	assert_json .made_request true
'

test_expect "the poller (time, then since) shows kay one pending request" '
	api_v0 GET /api/v1/time/
	assert_status 200
	keys status description server_epoch_seconds
	jq -r .server_epoch_seconds "$KT_TMP/body" >"$KT_TMP/epoch"
	api_v0 GET "/api/v1/messages/since/0/?$(creds kay)"
	assert_status 200
	keys status description new_message_count pending_requests_count
	assert_json .pending_requests_count 1
'

test_expect "kay lists the requests received" '
	api_v0 GET "/api/v1/lists/requests/?$(creds kay)"
	assert_status 200
	keys status description requests
	item_keys .requests user_name status created_date
	assert_json ".requests[0].user_name" jr
	assert_json ".requests[0].status" pending
'

test_expect "kay approves jr" '
	api_v0 GET "/api/v1/lists/approve/jr/?$(creds kay)"
	assert_status 200
	keys status description
'

test_expect "jr posts to kay (form json=, credentials as form fields)" '
	api_v0_form POST /api/v1/messages "{\"message_text\":\"hello @kay, lunch?\"}" "$(creds jr)"
	assert_status 201
	keys status description message_id
	jq -r .message_id "$KT_TMP/body" >"$KT_TMP/m1"
'

test_expect "kay reads the message (the reply page reads content_digest)" '
	api_v0 GET "/api/v1/messages/$(kept m1)/?$(creds kay)"
	assert_status 200
	keys status description message_id parent_id message_text message_status author_id author_name content_digest recipient_names reply_count created_date
	assert_json .recipient_names "|jr|kay|"
	assert_json .author_id "$(kept jr.id)"
	assert_jq ".message_text | contains(\"<a href=\\\"/profile/kay\\\" title=\\\"kay\\\">@kay</a>\")"
	jq -r .content_digest "$KT_TMP/body" >"$KT_TMP/digest"
'

test_expect "kay replies with reply_to_id as a string" '
	m1=$(kept m1)
	api_v0_form POST "/api/v1/messages/$m1/replies" "{\"message_text\":\"yes @jr\",\"reply_to_id\":\"$m1\",\"reply_to_content_digest\":\"$(kept digest)\"}" "$(creds kay)"
	assert_status 201
	keys status description message_id
	jq -r .message_id "$KT_TMP/body" >"$KT_TMP/r1"
'

test_expect "the replies page: the whole thread, oldest first, next_link_bool 0" '
	api_v0 GET "/api/v1/messages/$(kept m1)/replies/?$(creds jr)"
	assert_status 200
	keys status description messages next_link_bool
	item_keys .messages "${STREAM_ITEM[@]}"
	assert_json "[.messages[].message_id] | join(\" \")" "$(kept r1)"
	assert_json .next_link_bool 0
	assert_json ".messages[0].author_type" others
	assert_json ".messages[0].recipient_names" " jr kay "
'

test_expect "the stream: jr's message and kay's reply, newest first" '
	api_v0 GET "/api/v1/messages/?$(creds jr)"
	assert_status 200
	keys status description messages next_link_bool
	item_keys .messages "${STREAM_ITEM[@]}"
	assert_json "[.messages[] | select(.author_name != \"kinglet\") | .message_id] | join(\" \")" "$(kept r1) $(kept m1)"
	assert_json "[.messages[] | select(.message_id == \"$(kept m1)\") | .reply_count][0]" 1
	assert_json ".messages[0].logged_in_user" "$(kept jr.id)"
	api_v0 GET "/api/v1/messages/page/2/?$(creds jr)"
	assert_status 200
	keys status description messages next_link_bool
	assert_json ".messages | length" 0
'

test_expect "since: jr has new messages from others, counted" '
	api_v0 GET "/api/v1/messages/since/$(( $(kept epoch) - 1 ))/?$(creds jr)"
	assert_status 200
	keys status description new_message_count pending_requests_count
	assert_jq ".new_message_count >= 1"
'

test_expect "the threads page (the client's /messages/threads/page/N)" '
	api_v0 GET "/api/v1/messages/threads/page/1/?$(creds kay)"
	assert_status 200
	keys status description threads next_link_bool
	item_keys .threads author_name created_date last_message_author_name last_message_date last_message_id logged_in_user message_id message_text recipient_names reply_count
	assert_json ".threads[0].message_id" "$(kept m1)"
	assert_json ".threads[0].last_message_id" "$(kept r1)"
	assert_json ".threads[0].message_text" "hello , lunch?"
'

test_expect "the settings page: profile change, then another's view" '
	api_v0_form PUT /api/v1/users "{\"email\":\"jr@example.com\",\"desc_markup\":\"I talk to @kay\",\"user_name\":\"jr\",\"user_id\":\"$(kept jr.id)\"}" "$(creds jr)"
	assert_status 200
	keys status description profile_updated
	assert_json .profile_updated true
	api_v0 GET "/api/v1/users/jr/?$(creds kay)"
	assert_status 200
	keys status description user_name desc_format
	assert_json .desc_format "I talk to <a href=\"/profile/kay\" title=\"kay\">@kay</a>"
'

test_expect "password change with user_id and user_name in the JSON: the new session, no description" '
	old=$(cat "$KT_TMP/jr.password")
	api_v0_form PUT /api/v1/users/password "{\"old_password\":\"$old\",\"new_password\":\"a-new-password-1\",\"verify_password\":\"a-new-password-1\",\"user_id\":\"$(kept jr.id)\",\"user_name\":\"jr\"}" "$(creds jr)"
	assert_status 200
	keys status user_id user_name session_id
	assert_json .user_id "$(kept jr.id)"
	jq -r "\"user_name=\(.user_name)&user_id=\(.user_id)&session_id=\(.session_id)\"" \
		"$KT_TMP/body" >"$KT_TMP/jr.creds"
'

test_expect "the new session works; logout via logout// ends it" '
	api_v0 GET "/api/v1/users/jr/?$(creds jr)"
	assert_status 200
	api_v0 GET "/api/v1/users/jr/logout//?$(creds jr)"
	assert_status 200
	keys status description logged_out
	assert_json .logged_out true
	api_v0 GET "/api/v1/messages/?$(creds jr)"
	assert_status 401
'

test_done
