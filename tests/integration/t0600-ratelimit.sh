#!/usr/bin/env bash
# Rate limits (API.md §9): per client address and per user, shared by every FastCGI process,
# exact under concurrency, kept across process restarts; 429 with Retry-After; X-RateLimit-*.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# Four processes per program, so that concurrent requests meet in the shared table. Addresses
# come from X-Forwarded-For, which is believed because the peer (127.0.0.1) is a trusted proxy.
export KINGLET_PROCS=4
test_web_start ratelimit.enabled=true http.trusted_proxies=127.0.0.1 \
	ratelimit.login.per_second=1 ratelimit.login.burst=10 ratelimit.login.per_minute=10 \
	ratelimit.post.per_second=1 ratelimit.post.burst=3 ratelimit.post.per_minute=3 \
	ratelimit.signup.burst=100 ratelimit.signup.per_minute=1000
ALICE=$(make_user alice)

# Remaining depends on how fast the bucket refills between two requests, so it is checked for
# its range here; the exact counting is the concurrent test below, with a minute bucket that
# does not refill during it.
test_expect "every response carries X-RateLimit-Limit, -Remaining and -Reset" '
	for path in /api/v1/time /api/v1/nope; do
		api GET "$path" -H "X-Forwarded-For: 10.0.0.9"
		assert_common
		assert_header X-RateLimit-Limit 20
		remaining=$(header X-RateLimit-Remaining)
		[ "$remaining" -ge 0 ] && [ "$remaining" -le 19 ] || kt_fail "X-RateLimit-Remaining: $remaining"
		reset=$(header X-RateLimit-Reset)
		[ "$reset" -ge 0 ] && [ "$reset" -le 2 ] || kt_fail "X-RateLimit-Reset: $reset"
	done
'

test_expect "30 concurrent logins from one address: exactly 10 pass, 20 get 429 with Retry-After" '
	for i in $(seq 30); do
		curl -s -o /dev/null -D "$KT_TMP/h.$i" -w "%{http_code}\n" -H "X-Forwarded-For: 10.0.0.1" \
			-H "Content-Type: application/json" \
			--data "{\"user_name\":\"alice\",\"password\":\"alice-password\"}" \
			"http://127.0.0.1:$WEB_PORT/api/v1/users/login" >"$KT_TMP/code.$i" &
	done
	wait
	[ "$(cat "$KT_TMP"/code.* | grep -c "^200$")" -eq 10 ] || { sort "$KT_TMP"/code.* | uniq -c; exit 1; }
	[ "$(cat "$KT_TMP"/code.* | grep -c "^429$")" -eq 20 ]
	for i in $(seq 30); do
		if grep -q "^429" "$KT_TMP/code.$i"; then grep -qi "^Retry-After: [1-9]" "$KT_TMP/h.$i"; fi
	done
'

# login_until_429 ADDRESS: logs alice in from ADDRESS until a 429; fails when 10 get through, the
# whole minute bucket of an address nobody has drained. The drained bucket of 10.0.0.1 refills
# one login per 6 s, so a slow machine may let one or two through before the 429.
login_until_429() {
	local passed=0
	while :; do
		api_json POST /api/v1/users/login "{\"user_name\":\"alice\",\"password\":\"alice-password\"}" -H "X-Forwarded-For: $1"
		[ "$API_STATUS" = 200 ] || break
		passed=$((passed + 1))
		[ "$passed" -lt 10 ] || kt_fail "10 logins from $1 passed: its bucket was full"
	done
	assert_error 429 rate_limited
	assert_header Retry-After
}

test_expect "meanwhile another address still logs in" '
	api_json POST /api/v1/users/login "{\"user_name\":\"alice\",\"password\":\"alice-password\"}" -H "X-Forwarded-For: 10.0.0.2"
	assert_status 200
	login_until_429 10.0.0.1
'

# The restart may take longer than a refill (mod_fcgid under ASan); a lost bucket would let 10 by.
test_expect "the limits survive a restart of every FastCGI process" '
	kill -9 $(web_program_pids)
	retry 10 curl -sf "http://127.0.0.1:$WEB_PORT/api/v1/time"
	login_until_429 10.0.0.1
'

test_expect "a user is limited across addresses: the fourth post in a minute is 429" '
	for i in 1 2 3; do
		api_json POST /api/v1/messages "{\"message_text\":\"note $i to @alice\"}" -H "Authorization: Bearer $ALICE" -H "X-Forwarded-For: 10.0.1.$i"
		assert_status 201
	done
	api_json POST /api/v1/messages "{\"message_text\":\"note 4 to @alice\"}" -H "Authorization: Bearer $ALICE" -H "X-Forwarded-For: 10.0.1.4"
	assert_error 429 rate_limited
	[ "$(header Retry-After)" -ge 1 ]
	api GET /api/v1/messages -H "Authorization: Bearer $ALICE" -H "X-Forwarded-For: 10.0.1.5"
	assert_status 200
	assert_json ".messages | length" 3
'

test_done
