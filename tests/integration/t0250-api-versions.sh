#!/usr/bin/env bash
# Integration tests for wire versions (API.md §1, §10): X-Kinglet-API-Version and api.default_version, the header on every answer (the web server's errors too), version 0's envelope and errors, and the original clients' leniencies in both versions.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start

ALICE=$(make_user alice)
BOB=$(make_user bob)
ALICE_ID=$(user_id_of alice "$ALICE")
MSG=$(post_message "$ALICE" "first note @alice")
V0=(-H "X-Kinglet-API-Version: 0")

# assert_v0_error STATUS: version 0's error: exactly the original's four fields (API.md §10), the
# 401 description "Not Authorized", the header saying 0 and no newline after the object.
assert_v0_error() {
	assert_status "$1" || return 1
	assert_header X-Kinglet-API-Version 0 || return 1
	assert_header X-Request-ID || return 1
	assert_jq '(keys == ["description", "status", "system_message", "user_message"])
		and (.user_message | type == "string" and length > 0)
		and (.system_message | type == "string")' ||
		kt_fail "not the original's error shape: $API_BODY" || return 1
	assert_json .status "$1" || return 1
	if [ "$1" = 401 ]; then
		assert_json .description "Not Authorized" || return 1
	fi
	assert_no_newline
}

# assert_no_newline / assert_newline: how the body ends (version 0: with the object).
assert_no_newline() {
	[ "$(tail -c 1 "$KT_TMP/body")" = "}" ] ||
		kt_fail "version 0 body does not end with the object: $(tail -c 20 "$KT_TMP/body" | od -c | head -n 2)"
}
assert_newline() {
	[ "$(tail -c 1 "$KT_TMP/body" | od -An -c | tr -d ' ')" = '\n' ] ||
		kt_fail "version 1 body does not end with a newline"
}

test_expect "any version other than 0 and 1 is 400 unsupported_api_version, in version 1" '
	for v in 2 01 1.0 v1 -1 "1 1"; do
		api GET /api/v1/time -H "X-Kinglet-API-Version: $v"
		assert_error 400 unsupported_api_version || { echo "version \"$v\""; return 1; }
	done
	# An empty value is no version either; lighttpd drops empty header fields before the
	# program sees them (and its conditionals cannot tell them from absent), so there it is
	# the default.
	api GET /api/v1/time -H "X-Kinglet-API-Version;"
	if [ "$WEB_SERVER" = lighttpd ]; then
		assert_status 200
		assert_header X-Kinglet-API-Version 1
	else
		assert_error 400 unsupported_api_version || { echo "an empty version"; return 1; }
	fi
	api GET /api/v1/users/alice -H "X-Kinglet-API-Version: 2" -H "Authorization: Bearer $ALICE"
	assert_error 400 unsupported_api_version
'

test_expect "the handshake lists the versions and says which one it applied" '
	api GET /api/v1/
	assert_status 200
	assert_header X-Kinglet-API-Version 1
	assert_jq ".api_versions == [0, 1] and .api_version == 1"
	api GET /api/v1/ "${V0[@]}"
	assert_header X-Kinglet-API-Version 0
	assert_jq ".api_versions == [0, 1] and .api_version == 0"
'

test_expect "every answer carries the version it applied, the web server'\''s errors too" '
	local v path
	for v in 0 1; do
		for path in /api/v1/time /api/v1/nope /nope /api/v1x "/api/v1/users/alice"; do
			api GET "$path" -H "X-Kinglet-API-Version: $v"
			assert_header X-Kinglet-API-Version "$v" || { echo "GET $path in $v"; return 1; }
		done
		api DELETE /api/v1/time -H "X-Kinglet-API-Version: $v"
		assert_status 405
		assert_header X-Kinglet-API-Version "$v"
		api POST /api/v1/health -H "X-Kinglet-API-Version: $v"
		assert_status 411
		assert_header X-Kinglet-API-Version "$v"
		head -c 2097152 /dev/zero | tr "\0" " " >"$KT_TMP/huge.json"
		api POST /api/v1/time -H "Content-Type: application/json" \
			-H "X-Kinglet-API-Version: $v" --data-binary @"$KT_TMP/huge.json"
		assert_status 413
		assert_header X-Kinglet-API-Version "$v"
	done
	api GET /nope
	assert_error 404 not_found
	api GET /api/v1/nope -H "X-Kinglet-API-Version: 7"
	assert_status 400
	assert_header X-Kinglet-API-Version 1
'

test_expect "version 0 errors, the web server'\''s included, have exactly the original'\''s four fields" '
	api GET /api/v1/nope "${V0[@]}"
	assert_v0_error 404
	assert_json .user_message "Invalid function: nope."
	api GET /nope "${V0[@]}"
	assert_v0_error 404
	api DELETE /api/v1/time "${V0[@]}"
	assert_v0_error 405
	assert_header Allow "GET, HEAD"
	head -c 2097152 /dev/zero | tr "\0" " " >"$KT_TMP/huge.json"
	api POST /api/v1/time -H "Content-Type: application/json" "${V0[@]}" \
		--data-binary @"$KT_TMP/huge.json"
	assert_v0_error 413
	api GET /api/v1/messages "${V0[@]}"
	assert_v0_error 401
	assert_json .user_message "Invalid access."
	assert_header WWW-Authenticate
	api GET /api/v1/messages/999999 "${V0[@]}" -H "Authorization: Bearer $ALICE"
	assert_v0_error 404
	assert_json .user_message "Message unavailable."
	api GET /api/v1/lists/request/nobody "${V0[@]}" -H "Authorization: Bearer $ALICE"
	assert_v0_error 404
	assert_json .user_message "Invalid recipient username."
'

test_expect "what version 1 answers 409 or 422 is 400 in version 0, in the original'\''s words" '
	api_json POST /api/v1/users "{\"user_name\":\"alice\",\"email\":\"other@example.com\",\"password\":\"long-enough-1\"}"
	assert_error 409 user_name_taken
	api_json POST /api/v1/users "{\"user_name\":\"alice\",\"email\":\"other@example.com\",\"password\":\"long-enough-1\"}" "${V0[@]}"
	assert_v0_error 400
	assert_json .user_message "CreateUser - Error creating account."
	api_json POST /api/v1/messages "{\"message_text\":\"\"}" -H "Authorization: Bearer $ALICE"
	assert_error 422 validation_failed
	api_json POST /api/v1/messages "{\"message_text\":\"\"}" -H "Authorization: Bearer $ALICE" "${V0[@]}"
	assert_v0_error 400
	assert_json .user_message "You must enter text."
	# post_v0 JSON WORDS: POST /messages in version 0 is a 400 whose user_message is WORDS.
	post_v0() {
		api_json POST /api/v1/messages "$1" -H "Authorization: Bearer $ALICE" "${V0[@]}"
		assert_v0_error 400 || return 1
		assert_json .user_message "$2"
	}
	post_v0 "{\"message_text\":\"no one named\"}" \
		"You have to include at least one recipient name in your new message."
	post_v0 "{\"message_text\":\"hi @nobody_here\"}" "User '\''nobody_here'\'' does not exist."
	post_v0 "{\"message_text\":\"hi @alice\",\"colour\":\"red\"}" "colour is not a field here"
'

test_expect "version 0 bodies end with the object; version 1 keeps its newline" '
	api GET /api/v1/time "${V0[@]}"
	assert_status 200
	assert_no_newline
	assert_jq ".status == 200 and .description == \"OK\""
	api GET /api/v1/time
	assert_newline
	api GET /api/v1/nope
	assert_newline
'

# The leniencies hold in both versions (API.md §1): the answers differ only in shape.
for v in 0 1; do
	export KT_V=$v
	test_expect "v$v: a form with json= and the triple beside it, as the original posts" '
		api POST /api/v1/messages -H "X-Kinglet-API-Version: $KT_V" \
			--data-urlencode "json={\"message_text\":\"form note $KT_V @alice\"}" \
			--data-urlencode "user_name=alice" --data-urlencode "user_id=$ALICE_ID" \
			--data-urlencode "session_id=$ALICE"
		assert_status 201
		assert_header X-Kinglet-API-Version "$KT_V"
	'

	test_expect "v$v: the triple in the query string after a trailing slash" '
		api GET "/api/v1/messages/$MSG/?user_name=alice&user_id=$ALICE_ID&session_id=$ALICE" \
			-H "X-Kinglet-API-Version: $KT_V"
		assert_status 200
		api GET "/api/v1/users/alice/?user_name=alice&user_id=$ALICE_ID&session_id=$ALICE" \
			-H "X-Kinglet-API-Version: $KT_V"
		assert_status 200
	'

	test_expect "v$v: user_name and user_id inside the JSON are credentials: the caller'\''s are accepted" '
		api_json PUT /api/v1/users "{\"desc_markup\":\"v$KT_V\",\"user_name\":\"Alice\",\"user_id\":\"$ALICE_ID\"}" \
			-H "X-Kinglet-API-Version: $KT_V" -H "Authorization: Bearer $ALICE"
		assert_status 200
		api_json PUT /api/v1/users "{\"desc_markup\":\"v$KT_V\",\"user_id\":$ALICE_ID,\"session_id\":\"$ALICE\"}" \
			-H "X-Kinglet-API-Version: $KT_V" -H "Authorization: Bearer $ALICE"
		assert_status 200
		api POST /api/v1/messages -H "X-Kinglet-API-Version: $KT_V" \
			--data-urlencode "json={\"message_text\":\"in json $KT_V @alice\",\"user_name\":\"alice\",\"user_id\":\"$ALICE_ID\"}" \
			--data-urlencode "user_name=alice" --data-urlencode "user_id=$ALICE_ID" \
			--data-urlencode "session_id=$ALICE"
		assert_status 201
	'

	test_expect "v$v: credential fields inside the JSON that are not the caller'\''s are 401 invalid_session" '
		local body
		for body in "{\"desc_markup\":\"x\",\"user_name\":\"bob\"}" \
			"{\"desc_markup\":\"x\",\"user_id\":\"$((ALICE_ID + 1))\"}" \
			"{\"desc_markup\":\"x\",\"user_id\":\"0$ALICE_ID\"}" \
			"{\"desc_markup\":\"x\",\"user_id\":[1]}" \
			"{\"desc_markup\":\"x\",\"session_id\":\"$BOB\"}"; do
			api_json PUT /api/v1/users "$body" -H "X-Kinglet-API-Version: $KT_V" \
				-H "Authorization: Bearer $ALICE"
			assert_status 401 || { echo "$body"; return 1; }
			if [ "$KT_V" = 1 ]; then assert_error 401 invalid_session; else assert_v0_error 401; fi
		done
		[ "$(kt_sql "SELECT COALESCE(desc_markup, \"\") FROM users WHERE user_name = \"alice\"")" = "v$KT_V" ]
	'

	test_expect "v$v: login takes savepassword and ignores it" '
		api_json POST /api/v1/users/login "{\"email\":\"bob@example.com\",\"password\":\"bob-password\",\"savepassword\":\"yes\"}" \
			-H "X-Kinglet-API-Version: $KT_V"
		assert_status 200
		assert_header X-Kinglet-API-Version "$KT_V"
		jq -r .session_id "$KT_TMP/body" >"$KT_TMP/bob.session"
		[ -s "$KT_TMP/bob.session" ]
	'

	test_expect "v$v: reply_to_id may be a string of digits, strictly" '
		local bad
		api_json POST "/api/v1/messages/$MSG/replies" "{\"message_text\":\"re $KT_V @alice\",\"reply_to_id\":\"$MSG\"}" \
			-H "X-Kinglet-API-Version: $KT_V" -H "Authorization: Bearer $ALICE"
		assert_status 201
		for bad in "\"${MSG}x\"" "\"-$MSG\"" "\" $MSG\"" "\"$MSG.0\"" "\"\"" "\"99999999999999999999\""; do
			api_json POST "/api/v1/messages/$MSG/replies" "{\"message_text\":\"re @alice\",\"reply_to_id\":$bad}" \
				-H "X-Kinglet-API-Version: $KT_V" -H "Authorization: Bearer $ALICE"
			if [ "$KT_V" = 1 ]; then
				assert_error 422 validation_failed || { echo "$bad"; return 1; }
				assert_json ".invalid_params[0].name" reply_to_id
			else
				assert_v0_error 400 || { echo "$bad"; return 1; }
			fi
		done
	'

	test_expect "v$v: empty path segments are ignored: logout// logs out" '
		local bob
		bob=$(cat "$KT_TMP/bob.session")
		api GET /api/v1//messages//threads -H "X-Kinglet-API-Version: $KT_V" -H "Authorization: Bearer $bob"
		assert_status 200
		api GET "/api/v1/users/bob/logout//?user_name=bob&user_id=$(user_id_of bob "$BOB")&session_id=$bob" \
			-H "X-Kinglet-API-Version: $KT_V"
		assert_status 200
		api GET /api/v1/messages -H "Authorization: Bearer $bob"
		assert_error 401 invalid_session
		api GET /api/v1/users/bob/logout%2F -H "X-Kinglet-API-Version: $KT_V" -H "Authorization: Bearer $BOB"
		assert_status 400
	'
done

test_web_start api.default_version=0 http.cors_origins=https://app.example
test_expect "api.default_version = 0: answers without the header speak version 0; the header still picks 1" '
	api GET /api/v1/time
	assert_status 200
	assert_header X-Kinglet-API-Version 0
	assert_no_newline
	api GET /api/v1/nope
	assert_v0_error 404
	api GET /nope
	assert_v0_error 404
	api DELETE /api/v1/time
	assert_v0_error 405
	api GET /api/v1/time -H "X-Kinglet-API-Version: 1"
	assert_header X-Kinglet-API-Version 1
	assert_newline
	api GET /nope -H "X-Kinglet-API-Version: 1"
	assert_error 404 not_found
	api GET /api/v1/time -H "X-Kinglet-API-Version: 3"
	assert_error 400 unsupported_api_version
'

test_expect "a browser client from an allowed origin may send the header and read the answer'\''s" '
	api OPTIONS /api/v1/messages -H "Origin: https://app.example" \
		-H "Access-Control-Request-Method: GET" \
		-H "Access-Control-Request-Headers: x-kinglet-api-version"
	assert_status 204
	[[ $(header Access-Control-Allow-Headers) == *X-Kinglet-API-Version* ]]
	api GET /api/v1/time -H "Origin: https://app.example" -H "X-Kinglet-API-Version: 1"
	[[ $(header Access-Control-Expose-Headers) == *X-Kinglet-API-Version* ]]
'

test_done
