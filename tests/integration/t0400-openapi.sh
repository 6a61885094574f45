#!/usr/bin/env bash
# Integration tests for the OpenAPI document (API.md §8): it validates, it matches the routers both ways and lib/err.h, it is served as is, and real responses match it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

DOC=$KINGLET_ROOT/openapi/openapi.json
export KINGLET_NODE_DIR
KINGLET_NODE_DIR=$(stack_abspath "${NODE_DIR:-build/node}")

# check COMMAND ARGS...: openapi/check.mjs with the npm packages make installed.
check() {
	[ -d "$KINGLET_NODE_DIR/node_modules" ] ||
		kt_fail "no npm packages in $KINGLET_NODE_DIR (make node installs them)" || return 1
	node "$KINGLET_ROOT/openapi/check.mjs" "$@"
}

# record METHOD PATH: keep the last response (status, headers, body) for the test that checks
# them against the document; PATH is the document's template ("/messages/{id}"), or METHOD is -
# and PATH a response component ("#/components/responses/NotFound").
record() {
	local dir
	mkdir -p "$KT_TMP/responses"
	dir=$(mktemp -d "$KT_TMP/responses/r.XXXXXX")
	cp "$KT_TMP/headers" "$KT_TMP/body" "$dir/"
	echo "$1 $2 $API_STATUS $dir" >>"$KT_TMP/manifest"
}

# answer STATUS METHOD TEMPLATE: the last answer has STATUS; recorded under METHOD TEMPLATE.
answer() {
	assert_status "$1" || return 1
	record "$2" "$3"
}

# as STATUS TOKEN METHOD PATH TEMPLATE [JSON]: a request with TOKEN as the Bearer token (a JSON
# body when given), answered with STATUS, recorded under TEMPLATE.
as() {
	local status=$1 token=$2 method=$3 path=$4 template=$5
	if [ $# -ge 6 ]; then
		api_json "$method" "$path" "$6" -H "Authorization: Bearer $token"
	elif [ "$method" = POST ]; then
		# An empty body, not none: lighttpd answers a POST without Content-Length with 411.
		api "$method" "$path" -H "Authorization: Bearer $token" --data-binary ""
	else
		api "$method" "$path" -H "Authorization: Bearer $token"
	fi || return 1
	answer "$status" "$method" "$template"
}

rm -f "$KT_TMP/manifest"
# Two wrong passwords and the third login is a 429 (the document's answer to check), in a window
# of a day so that the three never straddle two windows. Rate limits on, but far away: every
# answer carries X-RateLimit-*, none is refused.
limits=()
for class in default login signup reset post; do
	limits+=("ratelimit.$class.per_second=1000000" "ratelimit.$class.burst=1000000"
		"ratelimit.$class.per_minute=60000000")
done
test_web_start auth.login_failures_per_account=2 auth.login_window_seconds=86400 \
	ratelimit.enabled=true "${limits[@]}" webhooks.allow_private=true

test_expect "the document is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator) and keeps the house rules" '
	check validate "$DOC"
'

test_expect "every route a program prints with --routes is in the document, and every operation is a route" '
	for prog in $(web_programs); do
		"$WEB_BUILD/cgi-bin/$prog" --routes || kt_fail "$prog --routes failed"
	done | sed -e "s/{[^}]*}/{}/g" | sort >"$KT_TMP/routes.router"
	check routes "$DOC" | sed -e "s/{[^}]*}/{}/g" | sort >"$KT_TMP/routes.doc"
	[ "$(wc -l <"$KT_TMP/routes.router")" -gt 30 ] || kt_fail "too few routes: $(cat "$KT_TMP/routes.router")"
	missing=$(comm -23 "$KT_TMP/routes.router" "$KT_TMP/routes.doc")
	extra=$(comm -13 "$KT_TMP/routes.router" "$KT_TMP/routes.doc")
	[ -z "$missing" ] || kt_fail "routes missing from the document:" "$missing"
	[ -z "$extra" ] || kt_fail "operations of the document that no program routes:" "$extra"
'

test_expect "the ErrorCode enum is every code of lib/err.h and of the web server fallback pages, nothing else" '
	# Both tables of lib/err.h: the errors of the programs and the statuses only web servers answer.
	sed -n "s/.*X(ERR_[A-Z_]*, *[0-9]*, *\"\([a-z_]*\)\".*/\1/p" "$KINGLET_ROOT/lib/err.h" |
		sort -u >"$KT_TMP/codes.known"
	[ "$(wc -l <"$KT_TMP/codes.known")" -gt 30 ] || kt_fail "could not read lib/err.h"
	check codes "$DOC" | sort >"$KT_TMP/codes.doc"
	[ "$(sort -u "$KT_TMP/codes.doc" | wc -l)" -eq "$(wc -l <"$KT_TMP/codes.doc")" ] ||
		kt_fail "a code is listed twice"
	diff "$KT_TMP/codes.known" "$KT_TMP/codes.doc" || kt_fail "the ErrorCode enum differs (< missing, > unknown)"
'

test_expect "GET /api/v1/openapi.json is the document itself, byte for byte, as JSON, cacheable" '
	api GET /api/v1/openapi.json -H "X-Request-ID: t0400-doc"
	assert_status 200
	assert_header Content-Type "application/json; charset=utf-8"
	assert_header X-Content-Type-Options nosniff
	assert_header X-Kinglet-API-Version 1
	assert_header X-Request-ID t0400-doc
	cmp "$KT_TMP/body" "$DOC" || kt_fail "the served document differs from $DOC"
	assert_no_header Cache-Control
	assert_jq ".openapi == \"3.1.0\" and (has(\"status\") | not)"
	api GET /api/v1/openapi.json/
	assert_status 200
	cmp "$KT_TMP/body" "$DOC"
'

test_expect "HEAD /api/v1/openapi.json: the same headers, no body" '
	api_raw "HEAD /api/v1/openapi.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
	assert_status 200
	assert_header Content-Type "application/json; charset=utf-8"
	assert_header Content-Length "$(wc -c <"$DOC")"
	assert_body_empty
'

test_expect "the document says the version the handshake reports" '
	api GET /api/v1/
	record GET /
	version=$(jq -r .version "$KT_TMP/body")
	[ "$(jq -r .info.version "$DOC")" = "$version" ] ||
		kt_fail "info.version is $(jq -r .info.version "$DOC"), the handshake says $version"
'

# ---------------------------------------------------------------- real responses

test_expect "service routes answer what the document declares" '
	api GET /api/v1/time
	record GET /time
	api GET /api/v1/health
	record GET /health
	api GET "/api/v1/health?verbose=1"
	record GET /health
	api GET /api/v1/openapi.json
	record GET /openapi.json
	api GET /api/v1/nope
	record - "#/components/responses/NotFound"
	api DELETE /api/v1/time
	record - "#/components/responses/MethodNotAllowed"
	assert_header Allow
'

test_expect "users routes answer what the document declares" '
	api_json POST /api/v1/users "{\"user_name\":\"ann\",\"email\":\"ann@example.com\",\"password\":\"ann-password\"}"
	answer 201 POST /users
	api_json POST /api/v1/users "{\"user_name\":\"ann\",\"email\":\"ann2@example.com\"}"
	answer 409 POST /users
	api_json POST /api/v1/users "{\"user_name\":\"a b\",\"email\":\"x\",\"color\":1}"
	answer 422 POST /users
	api POST /api/v1/users -H "Content-Type: text/plain" --data-binary "hello"
	answer 415 POST /users
	head -c 70000 /dev/zero | tr "\0" "a" >"$KT_TMP/big"
	api POST /api/v1/users -H "Content-Type: application/json" --data-binary "@$KT_TMP/big"
	answer 413 POST /users
	api POST /api/v1/users -H "Content-Type: application/json" --data-binary "[1"
	answer 400 POST /users
	token=$(activation_token ann@example.com)
	api GET "/api/v1/users/activate/$token"
	answer 200 GET "/users/activate/{digest}"
	api GET "/api/v1/users/activate/$token"
	answer 400 GET "/users/activate/{digest}"
	api_json POST /api/v1/users/activate "{\"user_digest\":\"$token\"}"
	answer 400 POST /users/activate
	api_json POST /api/v1/users/activate/resend "{\"email\":\"nobody@example.com\"}"
	answer 200 POST /users/activate/resend
	login ann ann-password
	answer 200 POST /users/login
	login ann wrong-password
	answer 401 POST /users/login
	login ann wrong-password
	login ann wrong-password
	answer 429 POST /users/login
	assert_header Retry-After
	api_json POST /api/v1/users/password "{\"email\":\"ann@example.com\"}"
	answer 200 POST /users/password
'

test_expect "profile, password and token routes answer what the document declares" '
	make_user bob >/dev/null
	make_user cy >/dev/null
	bob=$(session_of bob bob-password)
	as 200 "$bob" GET /api/v1/users/bob "/users/{name}"
	as 200 "$bob" GET /api/v1/users/cy "/users/{name}"
	as 404 "$bob" GET /api/v1/users/nobody "/users/{name}"
	api GET /api/v1/users/bob
	answer 401 GET "/users/{name}"
	assert_header WWW-Authenticate
	as 200 "$bob" PUT /api/v1/users /users "{\"desc_markup\":\"hi @cy www.example.com\"}"
	as 422 "$bob" PATCH /api/v1/users /users "{\"user_status\":\"active\"}"
	as 200 "$bob" PATCH /api/v1/users /users "{\"email\":\"bob@new.example\",\"desc_markup\":\"moving\"}"
	assert_json .email_change_pending true
	token=$(email_confirm_token bob@example.com)
	api GET "/api/v1/users/email/confirm/$token"
	answer 200 GET "/users/email/confirm/{token}"
	api GET "/api/v1/users/email/confirm/$token"
	answer 400 GET "/users/email/confirm/{token}"
	as 200 "$bob" PUT /api/v1/users /users "{\"email\":\"bob@pending.example\"}"
	token=$(email_confirm_token bob@new.example)
	as 200 "$bob" PUT /api/v1/users /users "{\"email\":\"bob@example.com\",\"password\":\"bob-password\"}"
	assert_json .email_change_pending false
	as 403 "$bob" PUT /api/v1/users /users "{\"email\":\"bob@other.example\",\"password\":\"wrong-password\"}"
	api_json POST /api/v1/users/email/confirm "{\"token\":\"$token\"}"
	answer 400 POST /users/email/confirm
	as 200 "$bob" PUT /api/v1/users /users "{\"email\":\"bob@new.example\"}"
	api_json POST /api/v1/users/email/confirm "{\"token\":\"$(email_confirm_token bob@example.com)\"}"
	answer 200 POST /users/email/confirm
	as 409 "$bob" PUT /api/v1/users /users "{\"email\":\"cy@example.com\"}"
	as 201 "$bob" POST /api/v1/users/tokens /users/tokens "{\"name\":\"ci\",\"scope\":\"read\",\"expires_in_days\":7}"
	assert_header Location "/api/v1/users/tokens/$(jq -r .token_id "$KT_TMP/body")"
	pat=$(jq -r .token "$KT_TMP/body")
	pat_id=$(jq -r .token_id "$KT_TMP/body")
	as 201 "$bob" POST /api/v1/users/tokens /users/tokens "{\"name\":\"forever\"}"
	as 200 "$bob" GET /api/v1/users/tokens /users/tokens
	api_json POST /api/v1/messages "{\"message_text\":\"@bob note\"}" -H "X-Api-Key: $pat"
	answer 403 POST /messages
	api GET /api/v1/users/tokens
	answer 401 GET /users/tokens
	api GET /api/v1/users/tokens -H "X-Api-Key: $pat"
	answer 403 GET /users/tokens
	as 403 "$pat" GET /api/v1/users/tokens /users/tokens
	as 200 "$bob" DELETE "/api/v1/users/tokens/$pat_id" "/users/tokens/{id}"
	as 404 "$bob" DELETE "/api/v1/users/tokens/$pat_id" "/users/tokens/{id}"
	as 200 "$bob" PUT /api/v1/users/password /users/password \
		"{\"old_password\":\"bob-password\",\"new_password\":\"bob-password-2\",\"verify_password\":\"bob-password-2\"}"
	as 401 "$bob" GET /api/v1/users/bob "/users/{name}"
	cy=$(session_of cy cy-password)
	as 403 "$cy" PUT /api/v1/users/password /users/password \
		"{\"old_password\":\"wrong-password\",\"new_password\":\"cy-password-2\",\"verify_password\":\"cy-password-2\"}"
	api_json PUT /api/v1/users/password "{\"reset_token\":\"nope\",\"new_password\":\"12345678\",\"verify_password\":\"12345678\"}"
	answer 400 PUT /users/password
	api_json POST /api/v1/users/password "{\"user_name\":\"cy\"}"
	api_json PUT /api/v1/users/password "{\"reset_token\":\"$(reset_token cy@example.com)\",\"new_password\":\"cy-password-3\",\"verify_password\":\"cy-password-3\"}"
	answer 200 PUT /users/password
'

test_expect "message, reply, thread and list routes answer what the document declares" '
	make_user dee >/dev/null
	make_user eve >/dev/null
	dee=$(session_of dee dee-password)
	eve=$(session_of eve eve-password)
	as 201 "$dee" POST /api/v1/messages /messages "{\"message_text\":\"Lunch, @eve? https://example.com\"}"
	id=$(jq -r .message_id "$KT_TMP/body")
	api_json POST /api/v1/messages "{\"message_text\":\"once, @eve\"}" -H "Authorization: Bearer $dee" -H "Idempotency-Key: k1"
	api_json POST /api/v1/messages "{\"message_text\":\"once, @eve\"}" -H "Authorization: Bearer $dee" -H "Idempotency-Key: k1"
	answer 201 POST /messages
	assert_header Idempotent-Replayed true
	api_json POST /api/v1/messages "{\"message_text\":\"twice, @eve\"}" -H "Authorization: Bearer $dee" -H "Idempotency-Key: k1"
	answer 422 POST /messages
	as 422 "$dee" POST /api/v1/messages /messages "{\"message_text\":\"to @nobody\"}"
	as 201 "$eve" POST "/api/v1/messages/$id/replies" "/messages/{id}/replies" "{\"message_text\":\"Yes @dee\",\"reply_to_id\":$id}"
	as 201 "$eve" POST "/api/v1/messages/$id/replies" "/messages/{id}/replies" "{\"message_text\":\"And @dee\"}"
	as 200 "$dee" GET "/api/v1/messages/$id/replies?per_page=1" "/messages/{id}/replies"
	assert_header Link
	as 200 "$dee" GET "/api/v1/messages/$id/replies?after=$(jq -r ".pagination.next_after // 1" "$KT_TMP/body")" "/messages/{id}/replies"
	as 200 "$dee" GET "/api/v1/messages?per_page=2" /messages
	as 200 "$dee" GET "/api/v1/messages?before=$(jq -r .pagination.next_before "$KT_TMP/body")" /messages
	as 200 "$dee" GET /api/v1/messages/page/2 "/messages/page/{page}"
	as 400 "$dee" GET "/api/v1/messages?per_page=101" /messages
	as 400 "$dee" GET "/api/v1/messages?page=101&per_page=100" /messages
	as 200 "$dee" GET "/api/v1/messages?order=created_at.asc&total=true&offset=1&per_page=1" /messages
	as 200 "$dee" GET "/api/v1/messages/$id/replies?order=created_at.desc&total=true" "/messages/{id}/replies"
	as 200 "$dee" GET "/api/v1/messages/threads?order=created_at.asc&total=true" /messages/threads
	as 400 "$dee" GET "/api/v1/messages?order=author_name" /messages
	as 400 "$dee" GET "/api/v1/messages?offset=9999" /messages
	as 200 "$dee" GET /api/v1/messages/since/0 "/messages/since/{epoch}"
	as 200 "$dee" GET "/api/v1/messages/$id" "/messages/{id}"
	etag=$(header ETag)
	api GET "/api/v1/messages/$id" -H "Authorization: Bearer $dee" -H "If-None-Match: $etag"
	answer 304 GET "/messages/{id}"
	as 400 "$dee" GET /api/v1/messages/5x "/messages/{id}"
	as 404 "$dee" GET /api/v1/messages/999999 "/messages/{id}"
	as 200 "$dee" GET /api/v1/messages/threads /messages/threads
	as 200 "$dee" GET /api/v1/messages/threads/1 "/messages/threads/{page}"
	as 200 "$dee" GET /api/v1/messages/threads/page/1 "/messages/threads/page/{page}"
	as 403 "$eve" DELETE "/api/v1/messages/$id" "/messages/{id}"
	as 200 "$dee" DELETE "/api/v1/messages/$id" "/messages/{id}"
	as 200 "$dee" GET /api/v1/messages/threads /messages/threads
	as 200 "$dee" GET /api/v1/lists/request/eve "/lists/request/{name}"
	as 409 "$dee" POST /api/v1/lists/request/eve "/lists/request/{name}"
	as 422 "$dee" POST /api/v1/lists/request/dee "/lists/request/{name}"
	as 200 "$eve" GET /api/v1/lists/requests /lists/requests
	as 200 "$eve" GET "/api/v1/lists/requests?order=created_at.asc&total=true" /lists/requests
	as 200 "$eve" GET /api/v1/lists/approve/dee "/lists/approve/{name}"
	as 200 "$eve" POST /api/v1/lists/reject/dee "/lists/reject/{name}"
	as 200 "$eve" GET /api/v1/lists/reject/dee "/lists/reject/{name}"
	as 200 "$eve" POST /api/v1/lists/approve/dee "/lists/approve/{name}"
	as 404 "$dee" GET /api/v1/lists/approve/eve "/lists/approve/{name}"
'

test_expect "logout and account deletion answer what the document declares" '
	make_user fay >/dev/null
	fay=$(session_of fay fay-password)
	as 200 "$fay" DELETE /api/v1/users/session /users/session
	fay=$(session_of fay fay-password)
	as 403 "$fay" GET /api/v1/users/eve/logout "/users/{name}/logout"
	as 200 "$fay" POST /api/v1/users/fay/logout "/users/{name}/logout"
	fay=$(session_of fay fay-password)
	as 200 "$fay" DELETE /api/v1/users/fay/logout "/users/{name}/logout"
	fay=$(session_of fay fay-password)
	as 403 "$fay" DELETE /api/v1/users /users "{\"password\":\"nope-nope\"}"
	as 200 "$fay" DELETE /api/v1/users /users "{\"password\":\"fay-password\"}"
'

test_expect "version 0 answers and the version header'\''s errors are ones the document declares" '
	local v0=(-H "X-Kinglet-API-Version: 0")
	make_user gus >/dev/null
	gus=$(session_of gus gus-password)
	api GET /api/v1/ "${v0[@]}"
	answer 200 GET /
	api GET /api/v1/time "${v0[@]}"
	answer 200 GET /time
	api GET /api/v1/nope "${v0[@]}"
	record - "#/components/responses/NotFound"
	api DELETE /api/v1/time "${v0[@]}"
	record - "#/components/responses/MethodNotAllowed"
	api GET /api/v1/users/gus "${v0[@]}"
	answer 401 GET "/users/{name}"
	api GET /api/v1/users/nobody "${v0[@]}" -H "Authorization: Bearer $gus"
	answer 404 GET "/users/{name}"
	api_json POST /api/v1/messages "{\"message_text\":\"\"}" "${v0[@]}" -H "Authorization: Bearer $gus"
	answer 400 POST /messages
	api_json POST /api/v1/users "{\"user_name\":\"gus\",\"email\":\"gus2@example.com\"}" "${v0[@]}"
	answer 400 POST /users
'

test_expect "version 0 success answers of every original route are ones the document declares" '
	local v0=(-H "X-Kinglet-API-Version: 0")
	api_json POST /api/v1/users "{\"user_name\":\"hal\",\"email\":\"hal@example.com\",\"password\":\"hal-password\"}" "${v0[@]}"
	answer 201 POST /users
	api GET "/api/v1/users/activate/$(activation_token hal@example.com)" "${v0[@]}"
	answer 200 GET "/users/activate/{digest}"
	api_json POST /api/v1/users/login "{\"user_name\":\"hal\",\"password\":\"hal-password\",\"savepassword\":\"yes\"}" "${v0[@]}"
	answer 200 POST /users/login
	hal=$(jq -r .session_id "$KT_TMP/body")
	ivy=$(make_user ivy)
	local h=(-H "Authorization: Bearer $hal")
	api GET /api/v1/users/hal "${v0[@]}" "${h[@]}"
	answer 200 GET "/users/{name}"
	api GET /api/v1/users/ivy "${v0[@]}" "${h[@]}"
	answer 200 GET "/users/{name}"
	api_json PUT /api/v1/users "{\"desc_markup\":\"hi @ivy\"}" "${v0[@]}" "${h[@]}"
	answer 200 PUT /users
	api_json POST /api/v1/messages "{\"message_text\":\"hello @ivy\"}" "${v0[@]}" "${h[@]}"
	answer 201 POST /messages
	id=$(jq -r .message_id "$KT_TMP/body")
	api GET "/api/v1/messages/$id" "${v0[@]}" "${h[@]}"
	answer 200 GET "/messages/{id}"
	api_json POST "/api/v1/messages/$id/replies" "{\"message_text\":\"again\",\"reply_to_id\":\"$id\"}" "${v0[@]}" "${h[@]}"
	answer 201 POST "/messages/{id}/replies"
	api GET "/api/v1/messages/$id/replies" "${v0[@]}" "${h[@]}"
	answer 200 GET "/messages/{id}/replies"
	api GET /api/v1/messages "${v0[@]}" "${h[@]}"
	answer 200 GET /messages
	api GET /api/v1/messages/since/1 "${v0[@]}" -H "Authorization: Bearer $ivy"
	answer 200 GET "/messages/since/{epoch}"
	api GET /api/v1/messages/threads "${v0[@]}" "${h[@]}"
	answer 200 GET /messages/threads
	api GET /api/v1/lists/request/ivy "${v0[@]}" "${h[@]}"
	answer 200 GET "/lists/request/{name}"
	api GET /api/v1/lists/requests "${v0[@]}" -H "Authorization: Bearer $ivy"
	answer 200 GET /lists/requests
	api GET /api/v1/lists/approve/hal "${v0[@]}" -H "Authorization: Bearer $ivy"
	answer 200 GET "/lists/approve/{name}"
	api_json POST /api/v1/users/password "{\"user_name\":\"hal\"}" "${v0[@]}"
	answer 200 POST /users/password
	api_json PUT /api/v1/users/password "{\"old_password\":\"hal-password\",\"new_password\":\"hal-password-2\",\"verify_password\":\"hal-password-2\"}" "${v0[@]}" "${h[@]}"
	answer 200 PUT /users/password
	hal=$(jq -r .session_id "$KT_TMP/body")
	api GET /api/v1/users/hal/logout "${v0[@]}" -H "Authorization: Bearer $hal"
	answer 200 GET "/users/{name}/logout"
'

test_expect "webhook routes answer what the document declares" '
	make_user wes >/dev/null
	wes=$(session_of wes wes-password)
	# Nothing listens on the discard port: a delivery there fails at once, and stays local.
	hook=http://127.0.0.1:9/hook
	as 201 "$wes" POST /api/v1/webhooks /webhooks "{\"url\":\"$hook\",\"events\":[\"message.received\"],\"label\":\"doc\"}"
	id=$(jq -r .webhook_id "$KT_TMP/body")
	as 422 "$wes" POST /api/v1/webhooks /webhooks "{\"url\":\"ftp://x/\",\"events\":[\"message.sent\"]}"
	as 200 "$wes" GET /api/v1/webhooks /webhooks
	as 200 "$wes" GET "/api/v1/webhooks/$id" "/webhooks/{id}"
	as 404 "$wes" GET /api/v1/webhooks/999999 "/webhooks/{id}"
	as 200 "$wes" PATCH "/api/v1/webhooks/$id" "/webhooks/{id}" "{\"label\":\"renamed\",\"active\":false}"
	as 200 "$wes" POST "/api/v1/webhooks/$id/secret" "/webhooks/{id}/secret"
	as 202 "$wes" POST "/api/v1/webhooks/$id/ping" "/webhooks/{id}/ping"
	did=$(jq -r .delivery_id "$KT_TMP/body")
	as 200 "$wes" GET "/api/v1/webhooks/$id/deliveries" "/webhooks/{id}/deliveries"
	as 202 "$wes" POST "/api/v1/webhooks/$id/deliveries/$did/redeliver" "/webhooks/{id}/deliveries/{delivery_id}/redeliver"
	as 404 "$wes" POST "/api/v1/webhooks/$id/deliveries/999999/redeliver" "/webhooks/{id}/deliveries/{delivery_id}/redeliver"
	as 200 "$wes" DELETE "/api/v1/webhooks/$id" "/webhooks/{id}"
'

test_expect "every recorded response is one the document declares, and matches its schema and headers" '
	[ "$(wc -l <"$KT_TMP/manifest")" -gt 60 ] || kt_fail "only $(wc -l <"$KT_TMP/manifest") responses recorded"
	KINGLET_REQUIRE_HEADERS=X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset \
		check responses "$DOC" "$KT_TMP/manifest"
'

test_expect "every documented operation was exercised by the tests above" '
	cut -d" " -f1,2 "$KT_TMP/manifest" | grep -v "^- " | sort -u >"$KT_TMP/ops.seen"
	check routes "$DOC" | sed -e "s| /api/v1/| /|" | sort -u >"$KT_TMP/ops.doc"
	missing=$(comm -23 "$KT_TMP/ops.doc" "$KT_TMP/ops.seen")
	[ -z "$missing" ] || kt_fail "operations no test above checked against the document:" "$missing"
'

test_expect "an unreadable openapi.file is 503 service_unavailable, and the answer names no path" '
	web_stop
	test_web_start openapi.file=/nonexistent/kinglet-openapi.json
	api GET /api/v1/openapi.json
	assert_error 503 service_unavailable
	! grep -q nonexistent "$KT_TMP/body" || kt_fail "the file path is in the answer"
	grep -q "openapi.file /nonexistent/kinglet-openapi.json" "$WEB_LOG/kinglet.log" ||
		kt_fail "the log does not say which file"
	api GET /api/v1/time
	assert_status 200
'

test_done
