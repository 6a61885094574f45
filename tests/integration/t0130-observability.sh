#!/usr/bin/env bash
# Observability and CORS (issue 6): the access log line, /health?verbose=1 (for
# health.verbose_from only, issue 16), slow-query logging, kill -USR2 counters, CORS for
# configured origins only, OPTIONS preflight.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start db.slow_query_ms=300 http.cors_origins="https://app.example, https://other.example"
ALICE=$(make_user alice)
LOG=$WEB_LOG/kinglet.log

test_expect "the access line has request id, route pattern, user id, status, duration and bytes" '
	api GET /api/v1/users/alice -H "Authorization: Bearer $ALICE" -H "X-Request-ID: obs-1"
	assert_status 200
	id=$(jq -r .user_id "$KT_TMP/body")
	line=$(grep " rid=obs-1 " "$LOG")
	echo "$line"
	[[ $line == *" route=/api/v1/users/{name} "* ]]
	[[ $line == *" path=/api/v1/users/alice "* ]]
	[[ $line == *" user=$id "* ]]
	[[ $line == *" status=200 "* ]]
	[[ $line =~ \ us=[0-9]+\  ]]
	[[ $line == *" bytes=$(header Content-Length)"* ]]
'

test_expect "/health?verbose=1 reports the database round trip and the migration version" '
	api GET "/api/v1/health?verbose=1"
	assert_status 200
	assert_json .health up
	latest=$(ls "$KINGLET_ROOT/sql" | sed -n "s/^0*\([0-9][0-9]*\)_.*/\1/p" | sort -n | tail -n 1)
	assert_json .migration_version "$latest"
	assert_jq ".database_latency_us | type == \"number\" and . >= 0"
	assert_json .database_node "$DB_SOCKET"
	api GET /api/v1/health
	assert_jq "has(\"migration_version\") or has(\"database_node\") | not"
'

# Waits of these tests: for the lock of the next test to be held, for N counter lines.
lock_held() { [ "$(kt_sql "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(1.5)'")" = 1 ]; }
logged_at_least() { [ "$(grep -c "counters=1" "$LOG")" -ge "$1" ]; }

test_expect "a statement slower than db.slow_query_ms is logged, without its arguments" '
	db_root "$KT_DB" -e "LOCK TABLES schema_migrations WRITE; SELECT SLEEP(1.5); UNLOCK TABLES" >/dev/null &
	# The request goes once the lock is held (the sleep is running), however slow the client starts.
	retry 10 lock_held
	api GET "/api/v1/health?verbose=1"
	wait
	assert_status 200
	grep "slow query" "$LOG" | grep -q "schema_migrations"
'

test_expect "kill -USR2 makes every program process log its counters at once" '
	before=$(grep -c "counters=1" "$LOG" || true)
	pids=$(web_program_pids)
	kill -USR2 $pids
	want=$((before + $(echo $pids | wc -w)))
	retry 10 logged_at_least "$want" || true
	after=$(grep -c "counters=1" "$LOG")
	[ "$after" -eq "$want" ] || kt_fail "$after counter lines, want $want"
	grep "counters=1" "$LOG" | grep "prog=users" | grep -q " requests=[1-9]"
	api GET /api/v1/time
	assert_status 200
'

test_expect "CORS: an allowed origin is echoed (never *), another origin gets no CORS headers" '
	api GET /api/v1/time -H "Origin: https://other.example"
	assert_header Access-Control-Allow-Origin https://other.example
	assert_header Vary Origin
	assert_jq "true"
	[[ $(header Access-Control-Expose-Headers) == *X-Request-ID* ]]
	api GET /api/v1/time -H "Origin: https://evil.example"
	assert_status 200
	assert_no_header Access-Control-Allow-Origin
'

test_expect "OPTIONS on a known path is a 204 preflight with Allow; on an unknown path 404" '
	api OPTIONS /api/v1/messages -H "Origin: https://app.example" -H "Access-Control-Request-Method: POST"
	assert_status 204
	assert_header Allow "GET, HEAD, POST"
	assert_header Access-Control-Allow-Origin https://app.example
	[[ $(header Access-Control-Allow-Headers) == *Authorization* ]]
	assert_body_empty
	api OPTIONS /api/v1/nope
	assert_error 404 not_found
'

# The version and the migration tell an attacker what to try: only health.verbose_from (default
# loopback, the test client) gets them; the client address is the one the limits use.
test_web_start health.verbose_from="192.0.2.0/24, 2001:db8::/32" http.trusted_proxies=127.0.0.1

test_expect "/health?verbose=1 from an address not in health.verbose_from is the plain answer" '
	for from in "" "-H X-Forwarded-For:203.0.113.9" "-H X-Forwarded-For:2001:db9::1"; do
		# shellcheck disable=SC2086 # the optional header is two words
		api GET "/api/v1/health?verbose=1" $from
		assert_status 200
		assert_json .health up
		assert_jq "has(\"migration_version\") or has(\"version\") or has(\"database_latency_us\") or has(\"database_node\") | not"
	done
	for from in 192.0.2.77 2001:db8:1::5; do
		api GET "/api/v1/health?verbose=1" -H "X-Forwarded-For: $from"
		assert_status 200
		assert_jq "has(\"migration_version\") and has(\"version\")"
	done
'

test_done
