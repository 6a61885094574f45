#!/usr/bin/env bash
# Integration tests for the API reference page /scalar (API.md §8): lighttpd serves it from the build, and it renders the OpenAPI document in headless Chromium.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

export KINGLET_NODE_DIR
KINGLET_NODE_DIR=$(stack_abspath "${NODE_DIR:-build/node}")
test_web_start

# The page is the web server's (conf/lighttpd.conf.in); the Apache and nginx templates do not
# serve it yet.
SCALAR_SERVERS="apache nginx"
SCALAR_WHY="/scalar is served by lighttpd only"

test_skip_on "$SCALAR_SERVERS" "$SCALAR_WHY"
test_expect "/scalar redirects to /scalar/, an HTML page that loads Scalar from this server, not a CDN" '
	api GET /scalar
	assert_status 301
	[[ $(header Location) == */scalar/ ]] || kt_fail "Location: $(header Location)"
	api GET /scalar/
	assert_status 200
	assert_header Content-Type "text/html; charset=utf-8"
	grep -q "src=\"/scalar/scalar.js\"" "$KT_TMP/body" || kt_fail "no local script"
	grep -q "/api/v1/openapi.json" "$KT_TMP/body" || kt_fail "not pointed at the document"
	! grep -Eq "(src|href)=\"(https?:)?//" "$KT_TMP/body" || kt_fail "the page loads something from elsewhere"
	api GET /scalar/scalar.js
	assert_status 200
	assert_header Content-Type "text/javascript; charset=utf-8"
	[ "$(wc -c <"$KT_TMP/body")" -gt 100000 ] || kt_fail "the bundle is too small"
'

test_skip_on "$SCALAR_SERVERS" "$SCALAR_WHY"
test_expect "paths beside /scalar are still JSON 404s" '
	api GET /scalarx
	assert_error 404 not_found
	api GET /scalar/nope.js
	assert_error 404 not_found
'

test_skip_on "$SCALAR_SERVERS" "$SCALAR_WHY"
test_expect "headless Chromium renders the reference: no console error, nothing fetched from elsewhere, the routes listed" '
	[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || kt_fail "no Chromium (scripts/deps.sh installs the chromium package)"
	[ -d "$KINGLET_NODE_DIR/node_modules" ] || kt_fail "no npm packages in $KINGLET_NODE_DIR (make node)"
	rm -f "$KT_TMP/scalar.png"
	timeout 120 node "$KINGLET_ROOT/openapi/check.mjs" browse "http://127.0.0.1:$WEB_PORT/scalar/" "$KT_TMP/scalar.png"
	[ -s "$KT_TMP/scalar.png" ] || kt_fail "no screenshot"
'

test_done
