#!/usr/bin/env bash
# Integration tests for a burst of concurrent hostile requests (issue 16): 40 at once on the user routes, sign-ups and logins hashing among them, each answered in JSON (no 503, no HTML) while the others queue; 40 connections at once leave room for more.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# A real scrypt cost (N=2^14, r=8, p=1: about 50 ms here; not the harness's cheap one) so that the
# burst holds while processes hash, yet stays CPU-light enough for a busy 2-core test machine.
test_web_start scrypt.log2_n=14 scrypt.r=8 scrypt.p=1

EVE=$(make_user eve)

# Injection and traversal strings, as a client would type them (as in t0700-hostile.sh).
HOSTILE=("' OR 1=1 --" '"; DROP TABLE users; --' "\\" "1' AND SLEEP(5)#" "../../etc/passwd"
	"..%2F..%2Fetc%2Fpasswd" "<script>alert(1)</script>" "admin'/*")

# burst_request I: the I-th request of the burst, in the background (api_bg): sign-ups (half of
# them valid, so that they hash), logins with hostile passwords (hashed too), profile reads and
# updates with hostile values. The whole burst is bounded by curl's --max-time alone.
burst_request() {
	local i=$1 s=${HOSTILE[$(($1 % ${#HOSTILE[@]}))]} body
	body=$(jq -nc --arg s "$s" --arg i "$i" '{s: $s, i: $i}')
	case $((i % 5)) in
	0) body=$(jq -c '{user_name: ("burst" + .i), email: ("burst" + .i + "@example.com"), password: "a long enough password"}' <<<"$body") ;;
	1) body=$(jq -c '{user_name: .s, email: ("x" + .i + "@example.com"), password: .s}' <<<"$body") ;;
	2) body=$(jq -c '{user_name: "eve", password: .s}' <<<"$body") ;;
	3) body=$(jq -c '{user_name: .s, password: .s}' <<<"$body") ;;
	4) body=$(jq -c '{description: .s}' <<<"$body") ;;
	esac
	case $((i % 5)) in
	0 | 1) api_bg "$i" POST /api/v1/users -H "Content-Type: application/json" --data-binary "$body" --max-time 30 ;;
	2 | 3) api_bg "$i" POST /api/v1/users/login -H "Content-Type: application/json" --data-binary "$body" --max-time 30 ;;
	4) api_bg "$i" PATCH /api/v1/users -H "Authorization: Bearer $EVE" -H "Content-Type: application/json" \
		--data-binary "$body" --max-time 30 ;;
	esac
}

test_expect "40 concurrent hostile requests on the user routes are all answered in JSON, none 5xx" '
	n=40
	for ((i = 0; i < n; i++)); do
		burst_request "$i" &
	done
	wait
	bad=0
	for ((i = 0; i < n; i++)); do
		status=$(cat "$KT_TMP/bg.$i.status" 2>/dev/null || echo none)
		if ! [[ $status =~ ^[234][0-9][0-9]$ ]] || ! jq -e ".status == $status" "$KT_TMP/bg.$i.json" >/dev/null 2>&1; then
			echo "request $i: status $status: $(head -c 200 "$KT_TMP/bg.$i.json" 2>/dev/null)"
			bad=$((bad + 1))
		fi
	done
	[ "$bad" -eq 0 ] || kt_fail "$bad of $n requests got no JSON answer within curl --max-time 30 (or a 5xx)"
'

# The server reads every connection of a burst at once: 40 clients still sending their heads hold
# 40 of its connection slots (Apache: worker threads), and the next request is answered anyway.
test_expect "40 clients in the middle of their request heads leave room for the next request" '
	fds=()
	for ((i = 0; i < 40; i++)); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$WEB_PORT"
		printf "POST /api/v1/users/login HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: t0710-$i\r\n" >&"$fd"
		fds+=("$fd")
	done
	api GET /api/v1/time --max-time 10
	assert_status 200
	api_as "$EVE" GET /api/v1/users/eve --max-time 10
	assert_status 200
	for fd in "${fds[@]}"; do
		exec {fd}<&-
	done
'

test_expect "after the burst, every sign-up that was answered 201 exists and the service still answers" '
	api GET /api/v1/time
	assert_status 200
	want=0
	for ((i = 0; i < 40; i += 5)); do
		[ "$(cat "$KT_TMP/bg.$i.status")" != 201 ] || want=$((want + 1))
	done
	[ "$(kt_sql "SELECT COUNT(*) FROM users WHERE user_name LIKE \"burst%\"")" = "$want" ] ||
		kt_fail "the users table does not hold the $want sign-ups answered 201"
'

test_done
