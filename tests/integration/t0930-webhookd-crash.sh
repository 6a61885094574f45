#!/usr/bin/env bash
# kinglet-webhookd's failures (API.md §11, issue 19): a receiver that does not answer within 10 s
# is a failed attempt; a daemon killed with deliveries in flight loses nothing: restarted, it
# takes over its expired leases and the outbox, every committed event arrives at least once, and
# a duplicate carries the same webhook-id. SIGTERM finishes what is in flight; two daemons on one
# database share the work and never send one delivery twice (leases).
# once: kinglet-webhookd's crash safety, the same behind every server
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

webhook_receiver_start

test_web_start webhooks.allow_private=true "webhooks.retry_schedule=1s 1s 1s 1s" \
	webhooks.scan_ms=200 webhooks.lease_seconds=15 webhooks.max_in_flight=4
ALICE=$(make_user alice)
BOB=$(make_user bob)
CAROL=$(make_user carol)

hook() {
	api_json POST /api/v1/webhooks "{\"url\":\"$R/$2\",\"events\":[\"message.received\"]}" -H "Authorization: Bearer $1" >/dev/null
	[ "$API_STATUS" = 201 ] || kt_fail "hook $2: $API_STATUS $API_BODY" || return 1
	jq -r .webhook_id "$KT_TMP/body"
}
post() { api_json POST /api/v1/messages "{\"message_text\":\"$2\"}" -H "Authorization: Bearer $1"; }
arrivals() { cat "$RECV"/*.path 2>/dev/null | grep -cx "/$1" || true; }
arrived() { [ "$(arrivals "$2")" -ge "$1" ]; }
# sql_is QUERY OP VALUE: the query's answer compares so (for retry: asked again each time).
sql_is() { test "$(kt_sql "$1")" "$2" "$3"; }

test_expect "a receiver that does not answer within 10 seconds is a failed attempt, retried" '
	id=$(hook "$CAROL" slow/12/carol)
	post "$ALICE" "slowly, @carol"
	assert_status 201
	retry 20 sql_is "SELECT attempts FROM webhook_deliveries WHERE webhook_id = $id" -ge 1
	api GET "/api/v1/webhooks/$id/deliveries" -H "Authorization: Bearer $CAROL"
	assert_json ".deliveries[0].status" pending
	assert_jq ".deliveries[0].last_error | test(\"[Tt]ime\")"
	assert_jq ".deliveries[0].duration_ms >= 9000 and .deliveries[0].duration_ms < 12000"
	api DELETE "/api/v1/webhooks/$id" -H "Authorization: Bearer $CAROL"
	assert_status 200
'

test_expect "kill -9 with deliveries in flight, events written while it is down: after a restart every one arrives" '
	id=$(hook "$BOB" slow/2/bob)
	for i in 1 2 3 4 5; do
		post "$ALICE" "burst $i, @bob"
		assert_status 201
	done
	retry 10 arrived 1 slow/2/bob
	kill -KILL "$(webhookd_pid)"
	for i in 6 7 8; do
		post "$ALICE" "while down $i, @bob"
		assert_status 201
	done
	[ "$(kt_sql "SELECT COUNT(*) FROM webhook_events")" -ge 3 ]
	webhookd_start
	retry 60 sql_is "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $id AND status = '\''delivered'\''" -eq 8
	[ "$(kt_sql "SELECT COUNT(*) FROM webhook_events")" -eq 0 ]
	# every message arrived, and all copies of one carry one webhook-id
	for f in $(grep -lx /slow/2/bob "$RECV"/*.path); do
		printf "%s %s\n" "$(jq -r .data.message_id "${f%.path}.body")" "$(sed -n "s/^webhook-id: //p" "${f%.path}.head")"
	done | sort -u >"$KT_TMP/pairs"
	[ "$(cut -d" " -f1 "$KT_TMP/pairs" | sort -u | wc -l)" -eq 8 ] || kt_fail "not every message arrived: $(cat "$KT_TMP/pairs")"
	[ "$(wc -l <"$KT_TMP/pairs")" -eq 8 ] || kt_fail "a message arrived under two webhook-ids: $(cat "$KT_TMP/pairs")"
'

test_expect "SIGTERM lets the delivery in flight finish and be recorded, then the daemon exits" '
	id=$(hook "$CAROL" slow/2/term)
	post "$ALICE" "in flight at SIGTERM, @carol"
	retry 10 arrived 1 slow/2/term
	pid=$(webhookd_pid)
	kill -TERM "$pid"
	retry 15 eval "! kill -0 $pid 2>/dev/null"
	[ "$(kt_sql "SELECT CONCAT(status, \" \", attempts) FROM webhook_deliveries WHERE webhook_id = $id")" = "delivered 1" ]
	[ "$(arrivals slow/2/term)" -eq 1 ]
	webhookd_start
'

test_expect "two daemons on one database share the deliveries and never send one twice" '
	dave=$(make_user dave) # no other hook sees his posts
	id=$(hook "$dave" slow/1/two)
	# The events wait in the outbox for both daemons, which start together.
	webhookd_stop
	for i in $(seq 1 30); do
		post "$ALICE" "shared $i, @dave"
	done
	# A second daemon: its own socket; its pid file named so that webhookd_stop stops it too.
	second=$WEB_DIR/run/webhookd/pid.second
	{ cat "$WEB_APP_CONF"; echo "webhooks.socket = $WEB_DIR/run/webhookd/second.sock"; } >"$KT_TMP/second.conf"
	chmod 644 "$KT_TMP/second.conf"
	as=()
	[ "$WEB_USER" = "$(id -un)" ] || as=(runuser -u "$WEB_USER" --)
	webhookd_start # (it stops every daemon of this stack first)
	setsid "${as[@]}" "$WEB_BUILD/webhookd/kinglet-webhookd" --pidfile "$second" "$KT_TMP/second.conf" \
		</dev/null >>"$WEB_LOG/webhookd-stderr.log" 2>&1 &
	retry 10 test -s "$second"
	retry 60 sql_is "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = $id AND status = '\''delivered'\''" -eq 30
	[ "$(arrivals slow/1/two)" -eq 30 ] || kt_fail "$(arrivals slow/1/two) requests for 30 deliveries"
	[ "$(for f in $(grep -lx /slow/1/two "$RECV"/*.path); do sed -n "s/^webhook-id: //p" "${f%.path}.head"; done | sort -u | wc -l)" -eq 30 ]
	for pid in "$(webhookd_pid)" "$(cat "$second")"; do
		grep -q "prog=webhookd pid=$pid .*event=delivery .*webhook_id=$id " "$WEB_LOG/kinglet.log" ||
			kt_fail "daemon $pid sent none of them"
	done
	kill -TERM "$(cat "$second")"
'

test_expect "a daemon finds due deliveries by index and claims them by primary key, not by scanning" '
	plan=$(kt_sql "EXPLAIN SELECT delivery_id FROM webhook_deliveries WHERE status = \"pending\"
		AND next_attempt_at <= NOW(3) AND (lease_until IS NULL OR lease_until < NOW(3))
		ORDER BY next_attempt_at LIMIT 96 FOR UPDATE SKIP LOCKED")
	grep -q webhook_deliveries_due <<<"$plan" || kt_fail "the due deliveries: $plan"
	plan=$(kt_sql "EXPLAIN UPDATE webhook_deliveries SET lease_owner = \"h:1:2\" WHERE delivery_id IN (1, 2, 3)")
	grep -q PRIMARY <<<"$plan" || kt_fail "the lease: $plan"
	# Nothing looks deliveries up by lease owner: an index of it only made every claim dearer.
	[ -z "$(kt_sql "SHOW INDEX FROM webhook_deliveries WHERE Key_name = \"webhook_deliveries_lease\"")" ]
'

test_expect "a key file that others may read is refused: the daemon does not start" '
	cp "$WEB_DIR/webhooks.key" "$KT_TMP/open.key"
	chmod 644 "$KT_TMP/open.key"
	{ cat "$WEB_APP_CONF"; echo "webhooks.key_file = $KT_TMP/open.key"; echo "webhooks.socket = $KT_TMP/open.sock"; } >"$KT_TMP/open.conf"
	rc=0
	timeout 10 "$WEB_BUILD/webhookd/kinglet-webhookd" "$KT_TMP/open.conf" 2>"$KT_TMP/open.err" || rc=$?
	[ "$rc" -eq 1 ] || kt_fail "exit status $rc"
	cat "$KT_TMP/open.err" "$WEB_LOG/kinglet.log" | grep -q "open.key must be a file only its owner can read"
'

test_done
