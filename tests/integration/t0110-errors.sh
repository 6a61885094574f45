#!/usr/bin/env bash
# Integration tests for errors (API.md §1, §3): unknown routes and methods, body limits and types, path and query hygiene, and errors the web server makes itself — JSON every time.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start

test_expect "an unknown route is a JSON 404 not_found with the request id" '
	api GET /api/v1/nope
	assert_error 404 not_found
	api GET /api/v1/nope/5x
	assert_error 404 not_found
'

test_expect "the error-handler path is not a route of its own" '
	api GET /api/v1/_error
	assert_error 404 not_found
'

test_expect "a known path with a wrong method is 405 with Allow" '
	api DELETE /api/v1/time
	assert_error 405 method_not_allowed
	assert_header Allow "GET, HEAD"
	api POST /api/v1/health --data ""
	assert_error 405 method_not_allowed
	assert_header Allow "GET, HEAD"
'

test_expect "a POST without Content-Length is a JSON 411 from the web server" '
	api POST /api/v1/health
	assert_error 411 length_required
'

test_expect "a body over the limit (70 KiB) is 413 payload_too_large" '
	head -c 71680 /dev/zero | tr "\0" " " >"$KT_TMP/big.json"
	api POST /api/v1/time -H "Content-Type: application/json" --data-binary @"$KT_TMP/big.json"
	assert_error 413 payload_too_large
'

test_expect "a body over the web server limit (2 MiB) is a JSON 413 too" '
	head -c 2097152 /dev/zero | tr "\0" " " >"$KT_TMP/huge.json"
	api POST /api/v1/time -H "Content-Type: application/json" -H "X-Request-ID: t0110-huge" \
		--data-binary @"$KT_TMP/huge.json"
	assert_error 413 payload_too_large
'

test_expect "a chunked body over the web server limit (2 MiB) is a JSON 413" '
	head -c 2097152 /dev/zero | tr "\0" " " >"$KT_TMP/huge.json"
	api POST /api/v1/time -H "Content-Type: application/json" -H "Transfer-Encoding: chunked" \
		--data-binary @"$KT_TMP/huge.json"
	assert_status 413
	assert_header Content-Type "application/json; charset=utf-8"
	# Apache answers it from its static page: the request id only in the header.
	assert_json .code payload_too_large
'

test_expect "a body that is not JSON or a form is 415 unsupported_media_type" '
	api POST /api/v1/time -H "Content-Type: text/plain" --data-binary "hello"
	assert_error 415 unsupported_media_type
'

test_expect "broken JSON is 400 invalid_json, and so is JSON that is not an object" '
	api POST /api/v1/time -H "Content-Type: application/json" --data-binary "{\"a\": "
	assert_error 400 invalid_json
	api POST /api/v1/time -H "Content-Type: application/json" --data-binary "[1, 2]"
	assert_error 400 invalid_json
'

test_expect "a path outside /api/v1 is a JSON 404 from the web server" '
	api GET /nope -H "X-Request-ID: t0110-outside"
	assert_error 404 not_found
	assert_json .request_id t0110-outside
	api GET /
	assert_error 404 not_found
	api GET /api/v1x
	assert_error 404 not_found
'

test_expect "HEAD of an unknown path is a 404 without a body" '
	api_raw "HEAD /nope HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
	assert_status 404
	assert_common
	assert_body_empty
'

# Apache cannot re-run a request it could not read through mod_fcgid: it answers those with a
# static JSON page (the Apache-only test after these two).
test_skip_on apache "Apache answers oversized headers with 400, from a static JSON page"
test_expect "oversized request headers are a JSON 431" '
	big=$(head -c 20000 /dev/zero | tr "\0" a)
	api GET /api/v1/time -H "X-Big: $big"
	assert_error 431 request_header_fields_too_large
'

test_skip_on apache "a static JSON page without request id (next test)"
test_expect "a malformed header line is a JSON 400" '
	api_raw "GET /api/v1/time HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\nConnection: close\r\n\r\n"
	assert_error 400 bad_request
'

test_skip_on "lighttpd nginx" "they re-run unreadable requests through the service program"
test_expect "requests Apache cannot read (bad or oversized headers) get a static JSON 400" '
	api_raw "GET /api/v1/time HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\nConnection: close\r\n\r\n"
	assert_status 400
	assert_header Content-Type "application/json; charset=utf-8"
	assert_json .code bad_request
	assert_json .status 400
	api GET /api/v1/time -H "X-Big: $(head -c 20000 /dev/zero | tr "\0" a)"
	assert_status 400
	assert_json .code bad_request
'

test_expect "an unknown method is a JSON 501 from every server, never HTML" '
	api_raw "BREW /api/v1/time HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
	assert_error 501 not_implemented
'

test_expect "TRACE is never echoed back (it would show the Authorization header): a JSON 405" '
	api TRACE /api/v1/time -H "Authorization: Bearer t0110-trace-secret"
	assert_error 405 method_not_allowed
	! grep -q t0110-trace-secret "$KT_TMP/body" || kt_fail "the token is in the answer"
'

test_skip_on apache "Apache serves a request line with HTTP/2.0 as HTTP/1.1 (200)"
test_expect "an unsupported HTTP version is a JSON error" '
	api_raw "GET /api/v1/time HTTP/2.0\r\nHost: localhost\r\nConnection: close\r\n\r\n"
	assert_status 505
	assert_common
	assert_json .request_id "$(header X-Request-ID)"
'

test_expect "an encoded slash inside a segment is 400 invalid_path_parameter" '
	api GET /api/v1/health%2Fx
	assert_error 400 invalid_path_parameter
	api GET /api/v1/time%2f
	assert_error 400 invalid_path_parameter
'

# lighttpd rejects these targets itself (400) and re-runs them to the error handler with the
# original REQUEST_URI: the program names the precise code.
test_expect "invalid UTF-8 in a path segment is 400 invalid_encoding" '
	api GET /api/v1/%FF
	assert_error 400 invalid_encoding
	api GET /api/v1/time%C3
	assert_error 400 invalid_encoding
'

test_skip_on nginx "nginx refuses %00 itself (JSON 400 bad_request) and passes no target on"
test_expect "a NUL in a path segment is 400 invalid_encoding" '
	api GET /api/v1/ti%00me
	assert_error 400 invalid_encoding
'

test_expect "invalid UTF-8 in a query value is 400 invalid_encoding" '
	api GET "/api/v1/time?x=%FF"
	assert_error 400 invalid_encoding
'

test_expect "a query parameter twice with different values is 400 duplicate_parameter" '
	api GET "/api/v1/time?x=1&x=2"
	assert_error 400 duplicate_parameter
'

test_expect "a query parameter twice with the same value is fine" '
	api GET "/api/v1/time?x=1&x=1"
	assert_status 200
'

test_done
