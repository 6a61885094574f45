#!/usr/bin/env bash
# kinglet-webhookd (API.md §11, issue 19 part 3): events reach the hooks of the users concerned,
# signed (checked here with openssl, not with the daemon's code), retried with the same
# webhook-id, 410 and webhooks.disable_after_hours disable the hook and tell its owner, inactive
# and deleted hooks get nothing, redirects are not followed, private addresses are refused at
# delivery, and every request matches the OpenAPI document's webhooks section; a receiver on
# 127.0.0.1 (tests/webhook-receiver.py) records what arrives and fails on command; a name slow
# to resolve (tests/slow-getaddrinfo.c) holds up no other delivery.
# once under ASan: kinglet-webhookd's deliveries, the same behind every server
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

webhook_receiver_start

test_web_start webhooks.allow_private=true "webhooks.retry_schedule=1s 1s 1s" webhooks.scan_ms=200
ALICE=$(make_user alice)
BOB=$(make_user bob)
CAROL=$(make_user carol)
BOB_ID=$(user_id_of bob "$BOB")

# hook TOKEN PATH EVENTS: registers $R/PATH for the JSON array EVENTS; prints "id secret".
hook() {
	api_json POST /api/v1/webhooks "{\"url\":\"$R/$2\",\"events\":$3}" -H "Authorization: Bearer $1" >/dev/null
	[ "$API_STATUS" = 201 ] || kt_fail "hook $2: $API_STATUS $API_BODY" || return 1
	jq -r '"\(.webhook_id) \(.secret)"' "$KT_TMP/body"
}
post() { api_json POST /api/v1/messages "{\"message_text\":\"$2\"}" -H "Authorization: Bearer $1"; }
# arrivals PATH: how many requests reached PATH; arrived N PATH: at least N did.
arrivals() { cat "$RECV"/*.path 2>/dev/null | grep -cx "/$1" || true; }
arrived() { [ "$(arrivals "$2")" -ge "$1" ]; }
# last PATH [EXT]: the newest request file to PATH (ext body, head).
last() {
	local f
	f=$(grep -lx "/$1" "$RECV"/*.path | sort | tail -n 1)
	printf '%s\n' "${f%.path}.${2:-body}"
}
hdr() { sed -n "s/^$1: //p" "$2"; }
# sql_is QUERY OP VALUE: the query's answer compares so (for retry: asked again each time).
sql_is() { test "$(kt_sql "$1")" "$2" "$3"; }
# verify SECRET HEAD BODY: every v1 signature in HEAD is recomputed with openssl; prints how many
# matched (the header's entries in order, 1 for a match).
verify() {
	local key id ts sig want
	key=$(printf '%s' "${1#whsec_}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
	id=$(hdr webhook-id "$2")
	ts=$(hdr webhook-timestamp "$2")
	want=$({ printf '%s.%s.' "$id" "$ts"; cat "$3"; } |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64)
	for sig in $(hdr webhook-signature "$2"); do
		[ "$sig" = "v1,$want" ] && printf 1 || printf 0
	done
}

read -r BOB_HOOK BOB_SECRET <<<"$(hook "$BOB" bob "[\"message.received\",\"message.deleted\"]")"
read -r ALICE_HOOK _ <<<"$(hook "$ALICE" alice "[\"message.sent\"]")"

test_expect "a post reaches the hook of its recipient (message.received) and of its author (message.sent)" '
	post "$ALICE" "hello @bob"
	assert_status 201
	id=$(jq -r .message_id "$KT_TMP/body")
	echo "$id" >"$KT_TMP/first"
	retry 10 arrived 1 bob
	retry 10 arrived 1 alice
	b=$(last bob)
	jq -e ".type == \"message.received\" and .data.message_id == $id and .data.logged_in_user == $BOB_ID and .data.author_type == \"others\" and .data.message_markup == \"hello @bob\" and (.timestamp | test(\"Z$\"))" "$b" >/dev/null
	jq -e ".type == \"message.sent\" and .data.author_type == \"you\"" "$(last alice)" >/dev/null
	h=$(last bob head)
	[ "$(hdr content-type "$h")" = application/json ]
	hdr user-agent "$h" | grep -q "^Kinglet-Webhooks/"
	hdr webhook-id "$h" | grep -q "^evt_"
	ts=$(hdr webhook-timestamp "$h")
	[ $((ts - $(date +%s))) -le 5 ]
	[ $(($(date +%s) - ts)) -le 30 ]
'

test_expect "the signature verifies with openssl and the secret shown at registration" '
	[ "$(verify "$BOB_SECRET" "$(last bob head)" "$(last bob)")" = 1 ]
	[ "$(verify "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" "$(last bob head)" "$(last bob)")" = 0 ]
'

test_expect "the README's openssl one-liner verifies the signature" '
	h=$(last bob head)
	mkdir -p "$KT_TMP/readme" && cp "$(last bob)" "$KT_TMP/readme/body.json"
	sed -n "/To check one by hand/,/^\`\`\`\$/p" "$KINGLET_ROOT/README.md" | sed -n "/^\`\`\`sh/,/^\`\`\`\$/p" | sed "1d;\$d" >"$KT_TMP/readme/check.sh"
	grep -q openssl "$KT_TMP/readme/check.sh" || kt_fail "no one-liner found in README.md"
	got=$(cd "$KT_TMP/readme" && S=$BOB_SECRET ID=$(hdr webhook-id "$h") TS=$(hdr webhook-timestamp "$h") bash check.sh)
	[ "v1,$got" = "$(hdr webhook-signature "$h")" ] || kt_fail "the README computes v1,$got"
'

test_expect "the deliveries log shows each delivery with the webhook-id the receiver saw" '
	api GET "/api/v1/webhooks/$BOB_HOOK/deliveries" -H "Authorization: Bearer $BOB"
	assert_status 200
	assert_json ".deliveries[0].status" delivered
	assert_json ".deliveries[0].attempts" 1
	assert_json ".deliveries[0].last_status_code" 200
	assert_json ".deliveries[0].event_id" "$(hdr webhook-id "$(last bob head)")"
	api GET "/api/v1/webhooks/$BOB_HOOK" -H "Authorization: Bearer $BOB"
	assert_jq ".last_delivery_at | test(\"Z$\")"
'

test_expect "a message nobody with a hook can see reaches no hook; a deletion reaches who could see it" '
	post "$CAROL" "just me, @carol"
	assert_status 201
	before=$(ls "$RECV"/*.path | wc -l)
	api DELETE "/api/v1/messages/$(cat "$KT_TMP/first")" -H "Authorization: Bearer $ALICE"
	assert_status 200
	retry 10 arrived 2 bob
	jq -e ".type == \"message.deleted\" and .data == {\"message_id\": $(cat "$KT_TMP/first")}" "$(last bob)" >/dev/null
	# alice subscribed to message.sent only; carol has no hook
	[ "$(ls "$RECV"/*.path | wc -l)" -eq $((before + 1)) ]
'

test_expect "a failing receiver is retried with the same webhook-id until it answers 2xx" '
	read -r id _ <<<"$(hook "$CAROL" flaky/2/carol "[\"message.received\"]")"
	post "$ALICE" "again @carol"
	retry 20 arrived 3 flaky/2/carol
	ids=$(for f in $(grep -lx /flaky/2/carol "$RECV"/*.path); do hdr webhook-id "${f%.path}.head"; done | sort -u | wc -l)
	[ "$ids" -eq 1 ] || kt_fail "$ids different webhook-ids"
	retry 10 eval "api GET /api/v1/webhooks/$id/deliveries -H \"Authorization: Bearer \$CAROL\" && jq -e \".deliveries[0].status == \\\"delivered\\\"\" \"\$KT_TMP/body\""
	assert_json ".deliveries[0].attempts" 3
	api GET "/api/v1/webhooks/$id" -H "Authorization: Bearer $CAROL"
	assert_json .failure_count 0
'

test_expect "a redirect is not followed: the attempt fails with its status" '
	read -r id _ <<<"$(hook "$CAROL" redirect "[\"message.received\"]")"
	post "$ALICE" "moved, @carol"
	retry 10 arrived 1 redirect
	retry 10 eval "api GET /api/v1/webhooks/$id/deliveries -H \"Authorization: Bearer \$CAROL\" && jq -e \".deliveries[0].last_status_code == 302\" \"\$KT_TMP/body\""
	[ "$(arrivals ok)" -eq 0 ]
	api DELETE "/api/v1/webhooks/$id" -H "Authorization: Bearer $CAROL"
'

test_expect "a long answer is read to 64 KiB at most, kept as a short excerpt, and the delivery counts" '
	read -r id _ <<<"$(hook "$CAROL" big/16777216 "[\"message.received\"]")"
	post "$ALICE" "long answer, @carol"
	retry 10 sql_is "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $id AND status = '\''delivered'\''" -eq 1
	[ "$(kt_sql "SELECT CHAR_LENGTH(response_excerpt) FROM webhook_deliveries WHERE webhook_id = $id")" -eq 200 ]
	# the daemon hung up on the 16 MiB answer rather than read it all
	f=$(grep -lx /big/16777216 "$RECV"/*.path)
	retry 10 test -e "${f%.path}.aborted"
	api DELETE "/api/v1/webhooks/$id" -H "Authorization: Bearer $CAROL"
'

test_expect "410 Gone disables the hook at once, and its owner gets a system message" '
	read -r id _ <<<"$(hook "$ALICE" status/410 "[\"message.sent\"]")"
	n=$(arrivals bob)
	post "$ALICE" "one more @bob"
	retry 10 arrived 1 status/410
	retry 10 eval "api GET /api/v1/webhooks/$id -H \"Authorization: Bearer \$ALICE\" && jq -e \".active == false\" \"\$KT_TMP/body\""
	assert_jq ".disabled_reason | test(\"410\")"
	api GET /api/v1/messages -H "Authorization: Bearer $ALICE"
	assert_jq "[.messages[] | select(.author_name == \"kinglet\" and (.message_markup | contains(\"webhook $id was disabled\")))] | length == 1"
	post "$ALICE" "and another @bob"
	retry 10 arrived $((n + 2)) bob
	[ "$(arrivals status/410)" -eq 1 ] || kt_fail "a disabled hook got another delivery"
'

test_expect "a hook whose deliveries all failed for webhooks.disable_after_hours is disabled, its owner told" '
	read -r id _ <<<"$(hook "$CAROL" status/500 "[\"message.received\"]")"
	post "$ALICE" "failing, @carol"
	retry 10 sql_is "SELECT failure_count FROM webhooks WHERE webhook_id = $id" -ge 1
	api GET "/api/v1/webhooks/$id" -H "Authorization: Bearer $CAROL"
	assert_json .active true # failing, but not for 48 hours yet
	# the first failure 49 hours ago (webhooks.disable_after_hours is 48): the next one disables
	kt_sql "UPDATE webhooks SET failing_since = NOW() - INTERVAL 49 HOUR WHERE webhook_id = $id"
	post "$ALICE" "failing again, @carol"
	retry 10 eval "api GET /api/v1/webhooks/$id -H \"Authorization: Bearer \$CAROL\" && jq -e \".active == false\" \"\$KT_TMP/body\""
	assert_jq ".disabled_reason | test(\"disable_after_hours\")"
	api GET /api/v1/messages -H "Authorization: Bearer $CAROL"
	assert_jq "[.messages[] | select(.author_name == \"kinglet\" and (.message_markup | contains(\"webhook $id was disabled\")))] | length == 1"
	[ "$(kt_sql "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $id AND status = '\''pending'\''")" -eq 0 ] ||
		kt_fail "a disabled hook kept pending deliveries"
'

test_expect "an inactive hook gets nothing, not even once active again; a deleted one gets nothing" '
	read -r quiet _ <<<"$(hook "$CAROL" quiet "[\"message.received\"]")"
	read -r gone _ <<<"$(hook "$CAROL" gone "[\"message.received\"]")"
	api_json PATCH "/api/v1/webhooks/$quiet" "{\"active\":false}" -H "Authorization: Bearer $CAROL"
	assert_status 200
	api DELETE "/api/v1/webhooks/$gone" -H "Authorization: Bearer $CAROL"
	assert_status 200
	post "$ALICE" "while quiet, @carol"
	api_json PATCH "/api/v1/webhooks/$quiet" "{\"active\":true}" -H "Authorization: Bearer $CAROL"
	assert_json .active true
	post "$ALICE" "loud again, @carol"
	retry 10 arrived 1 quiet
	jq -e ".data.message_markup == \"loud again, @carol\"" "$(last quiet)" >/dev/null ||
		kt_fail "the first arrival was $(cat "$(last quiet)")"
	[ "$(kt_sql "SELECT COUNT(*) FROM webhook_events")" -eq 0 ] # every event fanned out
	[ "$(kt_sql "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $quiet")" -eq 1 ]
	[ "$(arrivals quiet)" -eq 1 ]
	[ "$(arrivals gone)" -eq 0 ]
'

test_expect "approval events reach only the hooks of the user concerned, naming the other party" '
	for u in alice bob carol; do
		tok=ALICE; [ $u = bob ] && tok=BOB; [ $u = carol ] && tok=CAROL
		read -r id _ <<<"$(hook "${!tok}" "approvals/$u" "[\"approval.requested\",\"approval.decided\"]")"
		echo "$id" >"$KT_TMP/approvals.$u"
	done
	# bob subscribed to message events only on his other hook: it gets none of these
	api POST /api/v1/lists/request/bob --data "" -H "Authorization: Bearer $ALICE"
	assert_status 200
	retry 10 arrived 1 approvals/bob
	jq -e ".type == \"approval.requested\" and .data == {\"user_name\": \"alice\", \"status\": \"pending\"}" "$(last approvals/bob)" >/dev/null ||
		kt_fail "bob got $(cat "$(last approvals/bob)")"
	api POST /api/v1/lists/reject/alice --data "" -H "Authorization: Bearer $BOB"
	assert_status 200
	retry 10 arrived 1 approvals/alice
	jq -e ".type == \"approval.decided\" and .data == {\"user_name\": \"bob\", \"status\": \"rejected\"}" "$(last approvals/alice)" >/dev/null ||
		kt_fail "alice got $(cat "$(last approvals/alice)")"
	api POST /api/v1/lists/request/alice --data "" -H "Authorization: Bearer $CAROL"
	assert_status 200
	api POST /api/v1/lists/approve/carol --data "" -H "Authorization: Bearer $ALICE"
	assert_status 200
	retry 10 arrived 1 approvals/carol
	jq -e ".type == \"approval.decided\" and .data == {\"user_name\": \"alice\", \"status\": \"approved\"}" "$(last approvals/carol)" >/dev/null ||
		kt_fail "carol got $(cat "$(last approvals/carol)")"
	retry 10 arrived 2 approvals/alice
	# every event fanned out: these deliveries are all there will be
	retry 10 sql_is "SELECT COUNT(*) FROM webhook_events" -eq 0
	for u in alice bob carol; do
		kt_sql "SELECT type FROM webhook_deliveries WHERE webhook_id = $(cat "$KT_TMP/approvals.$u") ORDER BY delivery_id" | tr "\n" " "
		echo "$u"
	done >"$KT_TMP/approvals"
	diff - "$KT_TMP/approvals" <<-EOF || kt_fail "the wrong hooks got approval events"
	approval.decided approval.requested alice
	approval.requested bob
	approval.decided carol
	EOF
	[ "$(kt_sql "SELECT COUNT(*) FROM webhook_deliveries WHERE type LIKE '\''approval.%'\''")" -eq 4 ]
'

test_expect "after a rotation deliveries carry two signatures, the new secret first" '
	api POST "/api/v1/webhooks/$BOB_HOOK/secret" --data "" -H "Authorization: Bearer $BOB"
	new=$(jq -r .secret "$KT_TMP/body")
	n=$(arrivals bob)
	post "$ALICE" "rotated @bob"
	retry 10 arrived $((n + 1)) bob
	[ "$(verify "$new" "$(last bob head)" "$(last bob)")" = 10 ]
	[ "$(verify "$BOB_SECRET" "$(last bob head)" "$(last bob)")" = 01 ]
'

test_expect "ping and redeliver send again with the same webhook-id" '
	n=$(arrivals bob)
	api POST "/api/v1/webhooks/$BOB_HOOK/ping" --data "" -H "Authorization: Bearer $BOB"
	assert_status 202
	did=$(jq -r .delivery_id "$KT_TMP/body")
	retry 10 arrived $((n + 1)) bob || kt_fail "no ping arrived"
	jq -e ".type == \"ping\" and .data.webhook_id == $BOB_HOOK" "$(last bob)" >/dev/null ||
		kt_fail "not the ping: $(cat "$(last bob)")"
	first=$(hdr webhook-id "$(last bob head)")
	api POST "/api/v1/webhooks/$BOB_HOOK/deliveries/$did/redeliver" --data "" -H "Authorization: Bearer $BOB"
	assert_status 202
	retry 10 arrived $((n + 2)) bob || kt_fail "no redelivery arrived"
	[ "$(hdr webhook-id "$(last bob head)")" = "$first" ]
'

test_expect "retention: finished deliveries older than webhooks.log_days go, pending ones stay" '
	kt_sql "UPDATE webhook_deliveries SET created_at = NOW() - INTERVAL 31 DAY WHERE webhook_id = $BOB_HOOK"
	kt_sql "INSERT INTO webhook_deliveries (webhook_id, event_uid, type, payload, next_attempt_at, created_at) VALUES ($BOB_HOOK, \"evt_old_pending\", \"ping\", \"{}\", NOW() + INTERVAL 1 DAY, NOW() - INTERVAL 40 DAY)"
	old=$(kt_sql "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $BOB_HOOK AND status <> \"pending\"")
	[ "$old" -gt 3 ]
	# the daemon prunes when it starts, then every minute
	webhookd_start
	retry 10 sql_is "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $BOB_HOOK AND status <> \"pending\"" -eq 0
	[ "$(kt_sql "SELECT COUNT(*) FROM webhook_deliveries WHERE event_uid = \"evt_old_pending\"")" -eq 1 ]
	grep -q "prog=webhookd .*event=retention deleted=$old " "$WEB_LOG/kinglet.log"
'

test_expect "a name that takes seconds to resolve holds up no other delivery" '
	cc -shared -fPIC -o "$KT_TMP/slow-dns.so" "$KINGLET_ROOT/tests/slow-getaddrinfo.c" -ldl
	dave=$(make_user dave)
	read -r id _ <<<"$(hook "$dave" slowdns "[\"message.received\"]")"
	# registration resolved the URL in the program, without the shim: the name comes after
	kt_sql "UPDATE webhooks SET url = \"http://slow.kinglet.test:${R##*:}/slowdns\" WHERE webhook_id = $id"
	LD_PRELOAD=$KT_TMP/slow-dns.so ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		webhookd_start
	n=$(arrivals bob)
	post "$ALICE" "slowly resolved, @dave"
	retry 10 sql_is "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $id AND lease_owner IS NOT NULL" -eq 1
	post "$ALICE" "meanwhile, @bob"
	retry 10 arrived $((n + 1)) bob
	[ "$(arrivals slowdns)" -eq 0 ] || kt_fail "the delivery to bob waited for the slow name"
	retry 10 arrived 1 slowdns
	jq -e ".data.message_markup == \"slowly resolved, @dave\"" "$(last slowdns)" >/dev/null
'

test_expect "a commit wakes the daemon at once: with webhooks.scan_ms at a minute, a post still arrives" '
	echo "webhooks.scan_ms = 60000" >>"$WEB_APP_CONF" # the last setting wins
	webhookd_start
	n=$(arrivals bob)
	# past its first scan (at start) before the post, so only the nudge can wake it
	retry 10 grep -q "prog=webhookd pid=$(webhookd_pid) .*started" "$WEB_LOG/kinglet.log"
	post "$ALICE" "woken, @bob"
	retry 5 arrived $((n + 1)) bob || kt_fail "the post did not arrive within 5 s"
'

test_expect "with webhooks.allow_private off, a delivery to a private address is refused at the connection" '
	read -r id _ <<<"$(hook "$BOB" private "[\"message.received\"]")"
	# a name, resolved by libcurl when it delivers: registered while private addresses were allowed
	api_json POST /api/v1/webhooks "{\"url\":\"http://localhost:${R##*:}/named\",\"events\":[\"message.received\"]}" -H "Authorization: Bearer $BOB"
	assert_status 201
	named=$(jq -r .webhook_id "$KT_TMP/body")
	echo "webhooks.allow_private = false" >>"$WEB_APP_CONF" # the last setting wins
	webhookd_start
	post "$ALICE" "to a private address, @bob"
	retry 10 sql_is "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id IN ($id, $named) AND attempts >= 1" -eq 2
	api GET "/api/v1/webhooks/$id/deliveries" -H "Authorization: Bearer $BOB"
	assert_jq ".deliveries[0].last_error == \"127.0.0.1 is a private or reserved address\" and .deliveries[0].last_status_code == null"
	api GET "/api/v1/webhooks/$named/deliveries" -H "Authorization: Bearer $BOB"
	assert_jq ".deliveries[0].last_error | test(\"^(127.0.0.1|::1) is a private or reserved address$\")"
	[ "$(arrivals private)" -eq 0 ]
	[ "$(arrivals named)" -eq 0 ]
'

test_expect "every request that arrived matches the OpenAPI document's webhooks section (body and headers)" '
	[ "$(ls "$RECV"/*.body | wc -l)" -gt 20 ]
	for type in message.received message.sent message.deleted approval.requested approval.decided ping; do
		cat "$RECV"/*.body | jq -r .type | grep -qx "$type" || kt_fail "no $type arrived" || return 1
	done
	KINGLET_NODE_DIR=$(stack_abspath "${NODE_DIR:-build/node}") \
		node "$KINGLET_ROOT/openapi/check.mjs" payloads "$KINGLET_ROOT/openapi/openapi.json" "$RECV"
'

test_expect "after all the above, each user'\''s count of active hooks (migration 011) is exact" '
	[ "$(kt_sql "SELECT COUNT(*) FROM users u WHERE u.active_hooks <> (SELECT COUNT(*) FROM webhooks w WHERE w.user_id = u.user_id AND w.active = 1)")" -eq 0 ] ||
		kt_fail "$(kt_sql "SELECT user_name, active_hooks FROM users")"
	[ "$(kt_sql "SELECT SUM(active_hooks) FROM users")" -gt 0 ]
'

test_expect "SIGUSR2 logs the counters; SIGTERM stops the daemon" '
	pid=$(webhookd_pid)
	kill -USR2 "$pid"
	retry 10 grep -q "prog=webhookd .*counters=1 .*delivered=" "$WEB_LOG/kinglet.log"
	grep "prog=webhookd .*counters=1 " "$WEB_LOG/kinglet.log" | tail -n 1 | grep -Eq " forbidden=([2-9]|[1-9][0-9]+) " ||
		kt_fail "the counters: $(grep "counters=1" "$WEB_LOG/kinglet.log" | tail -n 1)"
	kill -TERM "$pid"
	retry 10 eval "! kill -0 $pid 2>/dev/null"
	grep -q "prog=webhookd .*stopping" "$WEB_LOG/kinglet.log"
'

test_done
