#!/usr/bin/env bash
# Integration test for database outages (API.md §3, §8): /health reports the database down with a JSON 503 while the programs stay up, and recovers without restarting the web server.
# alone: it stops and starts the shared MariaDB
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start

# The processes under test, to show they survive the outage.
web_processes() { echo "lighttpd $(web_pid) programs $(web_program_pids | sort -n | tr '\n' ' ')"; }
before=$(web_processes)

test_expect "/health is up before the outage" '
	api GET /api/v1/health
	assert_status 200
	assert_json .health up
'

db_stop

test_expect "with the database stopped /health is a JSON 503 database_unavailable, health down" '
	api GET /api/v1/health
	assert_error 503 database_unavailable
	assert_json .health down
	assert_header Cache-Control no-store
'

test_expect "routes that do not need the database still answer during the outage" '
	api GET /api/v1/time
	assert_status 200
	api GET /api/v1/
	assert_status 200
'

test_expect "every request during the outage is answered (no process dies)" '
	for i in 1 2 3 4 5 6; do
		api GET /api/v1/health
		assert_status 503
	done
	[ "$(web_processes)" = "$before" ] || kt_fail "processes changed: before: $before, now: $(web_processes)"
'

db_start >/dev/null

test_expect "once the database is back /health is up again, without a web server restart" '
	retry 10 eval "api GET /api/v1/health && assert_status 200"
	for i in 1 2 3 4 5 6; do
		api GET /api/v1/health
		assert_status 200
		assert_json .health up
	done
	[ "$(web_processes)" = "$before" ] || kt_fail "processes changed: before: $before, now: $(web_processes)"
'

test_done
