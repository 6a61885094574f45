#!/usr/bin/env bash
# Integration tests for the /webhooks routes (API.md §11): registration, the secret shown once and
# sealed at rest, listing, updates, rotation, deletion, bad input, and the address classes a hook
# may never reach (webhooks.allow_private off, the default).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

test_web_start webhooks.max_per_user=3
# Routes only: the hooks here name public addresses, which no test may contact.
webhookd_stop
ALICE=$(make_user alice)
BOB=$(make_user bob)
AUTH=(-H "Authorization: Bearer $ALICE")
# A public address (TEST-NET would be refused): nothing is sent to it, registration only resolves.
URL=https://93.184.215.14/hook

hook() {
	api_json POST /api/v1/webhooks "$1" "${AUTH[@]}"
}

test_expect "POST /webhooks is 201 with the hook, its Location and a whsec_ secret shown once" '
	hook "{\"url\":\"$URL\",\"events\":[\"message.received\",\"message.sent\"],\"label\":\"ci\"}"
	assert_status 201
	assert_jq ".webhook_id | type == \"number\""
	assert_json .url "$URL"
	assert_json ".events | join(\",\")" message.received,message.sent
	assert_json .label ci
	assert_json .active true
	assert_json .failure_count 0
	assert_jq ".secret | test(\"^whsec_[A-Za-z0-9+/]{43}=$\")"
	assert_jq ".created_at | test(\"Z$\")"
	id=$(jq -r .webhook_id "$KT_TMP/body")
	assert_header Location "/api/v1/webhooks/$id"
	echo "$id" >"$KT_TMP/id"
	jq -r .secret "$KT_TMP/body" >"$KT_TMP/secret"
'
ID=$(cat "$KT_TMP/id")

test_expect "GET /webhooks and GET /webhooks/ID never show the secret" '
	api GET /api/v1/webhooks "${AUTH[@]}"
	assert_status 200
	assert_json ".webhooks | length" 1
	assert_json ".webhooks[0].webhook_id" "$ID"
	assert_jq ".webhooks[0] | has(\"secret\") | not"
	assert_jq ".pagination.per_page == 20"
	api GET "/api/v1/webhooks/$ID" "${AUTH[@]}"
	assert_status 200
	assert_jq "has(\"secret\") | not"
	assert_jq ".disabled_reason == null and .last_delivery_at == null"
	if grep -qF "$(cut -c7- "$KT_TMP/secret")" "$KT_TMP/body"; then kt_fail "the secret is shown again"; fi
'

test_expect "the database holds the secret sealed, never in clear or as its base64" '
	raw=$(db_root -N "$KT_DB" -e "SELECT HEX(secret_enc) FROM webhooks WHERE webhook_id = $ID")
	[ "${#raw}" -eq 120 ] || kt_fail "sealed secret of ${#raw} hex digits"
	clear=$(cut -c7- "$KT_TMP/secret" | base64 -d | od -An -tx1 | tr -d " \n" | tr a-f A-F)
	case $raw in *"$clear"*) kt_fail "the secret is stored in clear" ;; esac
	db_root -N "$KT_DB" -e "SELECT COUNT(*) FROM webhooks WHERE secret_enc LIKE CONCAT(\"%\", \"whsec\", \"%\")" | grep -qx 0
'

test_expect "another user does not see the hook: 404 on every route" '
	for route in "GET /api/v1/webhooks/$ID" "DELETE /api/v1/webhooks/$ID" \
		"POST /api/v1/webhooks/$ID/secret" "POST /api/v1/webhooks/$ID/ping" \
		"GET /api/v1/webhooks/$ID/deliveries"; do
		api ${route% *} ${route#* } -H "Authorization: Bearer $BOB" --data ""
		assert_error_code 404 not_found
	done
	api_json PATCH "/api/v1/webhooks/$ID" "{\"label\":\"x\"}" -H "Authorization: Bearer $BOB"
	assert_error 404 not_found
	api GET /api/v1/webhooks -H "Authorization: Bearer $BOB"
	assert_json ".webhooks | length" 0
'

test_expect "PATCH changes label, events and active; setting active true again clears the failures" '
	api_json PATCH "/api/v1/webhooks/$ID" "{\"label\":\"renamed\",\"events\":[\"message.deleted\"],\"active\":false}" "${AUTH[@]}"
	assert_status 200
	assert_json .label renamed
	assert_json ".events | join(\",\")" message.deleted
	assert_json .active false
	db_root "$KT_DB" -e "UPDATE webhooks SET failure_count = 7 WHERE webhook_id = $ID"
	api_json PATCH "/api/v1/webhooks/$ID" "{\"active\":true}" "${AUTH[@]}"
	assert_json .active true
	assert_json .failure_count 0
'

test_expect "POST /webhooks/ID/secret gives a new secret, shown once" '
	api POST "/api/v1/webhooks/$ID/secret" --data "" "${AUTH[@]}"
	assert_status 200
	assert_jq ".secret | test(\"^whsec_\")"
	[ "$(jq -r .secret "$KT_TMP/body")" != "$(cat "$KT_TMP/secret")" ]
	db_root -N "$KT_DB" -e "SELECT old_secret_until > NOW() + INTERVAL 23 HOUR FROM webhooks WHERE webhook_id = $ID" | grep -qx 1
'

test_expect "ping is 202 with a delivery; the deliveries log lists it, newest first" '
	api POST "/api/v1/webhooks/$ID/ping" --data "" "${AUTH[@]}"
	assert_status 202
	assert_jq ".delivery_id | type == \"number\""
	did=$(jq -r .delivery_id "$KT_TMP/body")
	api GET "/api/v1/webhooks/$ID/deliveries" "${AUTH[@]}"
	assert_status 200
	assert_json ".deliveries[0].delivery_id" "$did"
	assert_json ".deliveries[0].type" ping
	assert_jq ".deliveries[0].event_id | test(\"^evt_\")"
	api POST "/api/v1/webhooks/$ID/deliveries/$did/redeliver" --data "" "${AUTH[@]}"
	assert_status 202
	api POST "/api/v1/webhooks/$ID/deliveries/999999/redeliver" --data "" "${AUTH[@]}"
	assert_error 404 not_found
'

test_expect "bad input is a clear 4xx naming the field" '
	hook "{\"events\":[\"message.sent\"]}"
	assert_error 422 validation_failed
	assert_json ".invalid_params[0].name" url
	hook "{\"url\":\"ftp://93.184.215.14/\",\"events\":[\"message.sent\"]}"
	assert_error_code 422 validation_failed
	assert_json ".invalid_params[0].reason" invalid_url
	hook "{\"url\":\"https://user:pw@93.184.215.14/\",\"events\":[\"message.sent\"]}"
	assert_json ".invalid_params[0].reason" invalid_url
	assert_jq ".system_message | contains(\"pw\") | not"
	hook "{\"url\":\"https://93.184.215.14:99999/\",\"events\":[\"message.sent\"]}"
	assert_json ".invalid_params[0].reason" invalid_url
	hook "{\"url\":\"https://exa mple.com/\",\"events\":[\"message.sent\"]}"
	assert_json ".invalid_params[0].reason" invalid_url
	long=$(head -c 2100 /dev/zero | tr "\0" a)
	hook "{\"url\":\"https://93.184.215.14/$long\",\"events\":[\"message.sent\"]}"
	assert_error_code 422 validation_failed
	hook "{\"url\":\"$URL\",\"events\":[]}"
	assert_json ".invalid_params[0].name" events
	hook "{\"url\":\"$URL\",\"events\":[\"message.eaten\"]}"
	assert_json ".invalid_params[0].reason" unknown_event
	hook "{\"url\":\"$URL\",\"events\":\"message.sent\"}"
	assert_json ".invalid_params[0].name" events
	hook "{\"url\":\"$URL\",\"events\":[\"message.sent\"],\"secret\":\"mine\"}"
	assert_json ".invalid_params[0].reason" unknown_field
	hook "{\"url\":\"$URL\",\"events\":[\"message.sent\"],\"label\":\"$long\"}"
	assert_json ".invalid_params[0].name" label
	api GET /api/v1/webhooks/abc "${AUTH[@]}"
	assert_error 400 invalid_path_parameter
	api PUT "/api/v1/webhooks/$ID" --data "" "${AUTH[@]}"
	assert_error 405 method_not_allowed
'

test_expect "hostile URLs and bodies are clear 4xx errors, and register nothing" '
	before=$(db_root -N "$KT_DB" -e "SELECT COUNT(*) FROM webhooks")
	for url in "javascript:alert(1)" "http://%31%32%37.0.0.1/" "http://[::1%25eth0]/" \
		"http://127.0.0.1\\r\\nHost: evil/" "http:///x" "http://:80/" \
		"http://93.184.215.14@127.0.0.1/" "file:///etc/passwd" "gopher://93.184.215.14/" "//93.184.215.14/"; do
		hook "{\"url\":\"$url\",\"events\":[\"message.sent\"]}"
		assert_error_code 422 validation_failed || kt_fail "for $url" || return 1
		assert_json ".invalid_params[0].name" url || return 1
	done
	hook "{\"url\":\"http://93.184.215.14/\\u0000x\",\"events\":[\"message.sent\"]}"
	assert_error 400 invalid_encoding
	hook "{\"url\":\"$URL\",\"events\":[\"message.sent\""
	assert_error 400 invalid_json
	hook "[\"$URL\"]"
	assert_status 400
	hook "{\"url\":12,\"events\":[\"message.sent\"]}"
	assert_json ".invalid_params[0].name" url
	hook "{\"url\":\"$URL\",\"events\":[\"message.sent\",{\"a\":1}]}"
	assert_json ".invalid_params[0].name" events
	{ printf "{\"url\":\"%s\",\"events\":[\"message.sent\"],\"label\":\"" "$URL"; head -c 100000 /dev/zero | tr "\0" a; printf "\"}"; } >"$KT_TMP/big.json"
	api POST /api/v1/webhooks --data-binary "@$KT_TMP/big.json" -H "Content-Type: application/json" "${AUTH[@]}"
	assert_status 413
	[ "$(db_root -N "$KT_DB" -e "SELECT COUNT(*) FROM webhooks")" -eq "$before" ]
'

test_expect "every forbidden address class is refused with forbidden_address" '
	for host in 127.0.0.1 127.1 2130706433 0x7f000001 0.0.0.0 10.1.2.3 172.16.0.1 \
		192.168.1.1 100.64.0.1 169.254.169.254 224.0.0.1 240.0.0.1 255.255.255.255 \
		192.0.2.1 198.51.100.1 203.0.113.1 198.18.0.1 192.0.0.8 \
		"[::1]" "[::]" "[::ffff:127.0.0.1]" "[::ffff:10.0.0.1]" "[fe80::1]" "[fc00::1]" \
		"[fd12:3456::1]" "[ff02::1]" "[2001:db8::1]" "[64:ff9b::a00:1]" "[2002:a00:1::1]" \
		"[::127.0.0.1]" localhost; do
		hook "{\"url\":\"http://$host:8080/x\",\"events\":[\"message.sent\"]}"
		assert_error_code 422 validation_failed || kt_fail "$host was accepted" || return 1
		assert_json ".invalid_params[0].reason" forbidden_address || kt_fail "for $host" || return 1
	done
'

test_expect "a public IPv6 address is accepted" '
	hook "{\"url\":\"https://[2606:4700:4700::1111]/x\",\"events\":[\"message.sent\"]}"
	assert_status 201
'

test_expect "at most webhooks.max_per_user hooks: one more is 409 webhook_limit_reached" '
	hook "{\"url\":\"$URL\",\"events\":[\"message.sent\"]}"
	assert_status 201
	hook "{\"url\":\"$URL\",\"events\":[\"message.sent\"]}"
	assert_error 409 webhook_limit_reached
'

test_expect "a read-scoped token may list hooks but not create them" '
	api_json POST /api/v1/users/tokens "{\"name\":\"ro\",\"scope\":\"read\"}" "${AUTH[@]}"
	ro=$(jq -r .token "$KT_TMP/body")
	api GET /api/v1/webhooks -H "Authorization: Bearer $ro"
	assert_status 200
	api_json POST /api/v1/webhooks "{\"url\":\"$URL\",\"events\":[\"message.sent\"]}" -H "Authorization: Bearer $ro"
	assert_error 403 insufficient_scope
'

test_expect "DELETE /webhooks/ID is 200 deleted, and takes its deliveries with it" '
	api DELETE "/api/v1/webhooks/$ID" "${AUTH[@]}"
	assert_status 200
	assert_json .deleted true
	api GET "/api/v1/webhooks/$ID" "${AUTH[@]}"
	assert_error 404 not_found
	db_root -N "$KT_DB" -e "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $ID" | grep -qx 0
'

test_expect "the webhooks program lists its routes" '
	"$WEB_BUILD/cgi-bin/webhooks" --routes >"$KT_TMP/routes"
	grep -qx "POST /api/v1/webhooks/{id}/deliveries/{id}/redeliver" "$KT_TMP/routes"
	[ "$(wc -l <"$KT_TMP/routes")" -eq 9 ]
'

test_done
