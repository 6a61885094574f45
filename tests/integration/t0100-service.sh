#!/usr/bin/env bash
# Integration tests for the service routes (API.md §1, §3, §8): handshake, time, health, the headers every response carries, HEAD, request ids and the access log.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start

test_expect "GET /api/v1/ is the handshake: name, version, api_version, server time" '
	api GET /api/v1/
	assert_status 200
	assert_common
	assert_json .description OK
	assert_json .api_version 1
	assert_jq ".api_version | type == \"number\""
	assert_jq "(.name | type == \"string\" and length > 0) and (.version | type == \"string\" and length > 0)"
	assert_jq ".server_time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$\")"
'

test_expect "the handshake answers at /api/v1 and /api/v1/?x=1 too" '
	api GET /api/v1
	assert_status 200
	assert_json .api_version 1
	api GET "/api/v1/?x=1"
	assert_status 200
	assert_json .api_version 1
'

test_expect "GET /time gives server_epoch_seconds, a number close to our clock" '
	api GET /api/v1/time
	assert_status 200
	assert_common
	assert_jq ".server_epoch_seconds | type == \"number\""
	now=$(date +%s)
	assert_jq "(.server_epoch_seconds - $now) | fabs <= 5"
'

test_expect "a trailing slash, also before a query string, is the same request" '
	api GET /api/v1/time/
	assert_status 200
	assert_jq ".server_epoch_seconds | type == \"number\""
	api GET "/api/v1/time/?x=1"
	assert_status 200
	assert_jq ".server_epoch_seconds | type == \"number\""
	api GET "/api/v1/time?x=1"
	assert_status 200
'

test_expect "GET /health says up while the database answers, and is not cached" '
	api GET /api/v1/health
	assert_status 200
	assert_common
	assert_json .health up
	assert_header Cache-Control no-store
'

test_expect "HEAD works where GET does: same status and headers, no body" '
	api_raw "HEAD /api/v1/time HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
	assert_status 200
	assert_common
	assert_body_empty
	api_raw "HEAD /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
	assert_status 200
	assert_body_empty
'

test_expect "every response carries a fresh X-Request-ID when the client sends none" '
	api GET /api/v1/time
	first=$(header X-Request-ID)
	api GET /api/v1/time
	second=$(header X-Request-ID)
	[[ $first =~ ^[A-Za-z0-9._-]{1,64}$ ]] || kt_fail "bad id: $first"
	[ "$first" != "$second" ] || kt_fail "two requests got the same id: $first"
'

test_expect "a valid client X-Request-ID is echoed, up to 64 characters" '
	api GET /api/v1/time -H "X-Request-ID: client.ID_0-9"
	assert_header X-Request-ID client.ID_0-9
	id64=$(printf "a%.0s" $(seq 64))
	api GET /api/v1/time -H "X-Request-ID: $id64"
	assert_header X-Request-ID "$id64"
'

test_expect "an invalid client X-Request-ID (65 characters, a space, a slash) is replaced" '
	id65=$(printf "b%.0s" $(seq 65))
	for bad in "$id65" "two words" "a/b"; do
		api GET /api/v1/time -H "X-Request-ID: $bad"
		assert_status 200
		got=$(header X-Request-ID)
		[ "$got" != "$bad" ] || kt_fail "invalid id echoed: $bad"
		[[ $got =~ ^[A-Za-z0-9._-]{1,64}$ ]] || kt_fail "replacement id is not valid: $got"
	done
'

test_expect "errors carry the same common headers and the request id in the body" '
	api GET /api/v1/nope -H "X-Request-ID: t0100-error-id"
	assert_error 404 not_found
	assert_json .request_id t0100-error-id
'

test_expect "the access log line has the request id and the path, not the query string" '
	api GET "/api/v1/time?user_name=jr&session_id=s3cr3t-t0100" -H "X-Request-ID: t0100-log-line"
	assert_status 200
	retry 5 grep -q "t0100-log-line" "$WEB_LOG/kinglet.log"
	line=$(grep "t0100-log-line" "$WEB_LOG/kinglet.log")
	echo "log line: $line"
	[[ $line == *"/api/v1/time"* ]] || kt_fail "path missing from the log line"
	[[ $line != *"s3cr3t-t0100"* ]] || kt_fail "query string in the log line"
'

test_expect "the web server access log has no query strings either" '
	api GET "/api/v1/time?session_id=s3cr3t-lighttpd" -H "X-Request-ID: t0100-lighttpd-log"
	retry 5 grep -q "t0100-lighttpd-log" "$WEB_ACCESS_LOG"
	! grep -q "s3cr3t-lighttpd" "$WEB_LOG"/*.log || kt_fail "a query string reached a log"
'

test_done
