#!/usr/bin/env bash
# A transaction the database aborts (a deadlock, or Galera's certification failure: 1213) runs again
# from its start, and the client sees the answer it would have had (issue 20); a connection lost at
# COMMIT (the outcome unknown) is never run again. Programs built with -DKINGLET_FAULTS: the
# X-Kinglet-Fault header aborts one database call of a request ("deadlock=N") or drops the
# connection there ("lost=N").
# once under ASan: the programs' error paths, the same behind every server
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
BUILD=${FAULT_BUILD:-build-faults} test_web_start signup.auto_activate=false \
	webhooks.allow_private=true webhooks.max_per_user=100
ANN=$(make_user ann)
BOB=$(make_user bob)
MSG=$(post_message "$ANN" "a thread for @bob")
MAX_CALLS=40

# deadlock_each NAME ACTION CHECK: for N = 1, 2, ... ACTION N (one request) with its N-th database
# call aborted by a deadlock, until a request no longer reaches call N. Every answer must be the
# success it is without a fault, and CHECK N must hold (what ACTION wrote, written once).
deadlock_each() {
	local name=$1 action=$2 check=$3 n
	for ((n = 1; n <= MAX_CALLS; n++)); do
		"$action" "$n" -H "X-Kinglet-Fault: deadlock=$n"
		if [ "$(header_count X-Kinglet-Fault-Hit)" -eq 0 ]; then
			[[ $API_STATUS == 2?? ]] || kt_fail "unfaulted $name gave $API_STATUS: $API_BODY" || return 1
			echo "$name: each of $((n - 1)) database calls aborted once by a deadlock, each answered as without"
			return 0
		fi
		[[ $API_STATUS == 2?? ]] || kt_fail "$name with call $n aborted gave $API_STATUS: $API_BODY" || return 1
		"$check" "$n" || kt_fail "$name with call $n aborted: $check $n failed" || return 1
	done
	kt_fail "$name made more than $MAX_CALLS database calls"
}

# How many rows QUERY counts (kt_sql's answer) must be WANT.
count_is() {
	local got
	got=$(kt_sql "$1")
	[ "$got" = "$2" ] || kt_fail "$1: $got, not $2"
}

post_n() {
	local n=$1
	shift
	api_json POST /api/v1/messages "$(text_json "deadlock $n for @bob")" -H "Authorization: Bearer $ANN" \
		-H "Idempotency-Key: dl-$n" "$@"
}
post_stored_once() {
	count_is "SELECT COUNT(*) FROM messages WHERE message_markup = 'deadlock $1 for @bob'" 1 &&
		count_is "SELECT COUNT(*) FROM inbox i JOIN messages m ON m.message_id = i.message_id
			WHERE m.message_markup = 'deadlock $1 for @bob'" 2 &&
		count_is "SELECT COUNT(*) FROM idempotency_keys k JOIN messages m ON m.message_id = k.message_id
			WHERE k.idem_key = 'dl-$1' AND m.message_markup = 'deadlock $1 for @bob'" 1
}
reply_n() {
	local n=$1
	shift
	api_json POST "/api/v1/messages/$MSG/replies" "$(text_json "reply $n")" -H "Authorization: Bearer $BOB" "$@"
}
reply_stored_once() {
	count_is "SELECT COUNT(*) FROM messages WHERE message_markup = 'reply $1'" 1 &&
		count_is "SELECT reply_count - (SELECT COUNT(*) FROM messages WHERE parent_id = $MSG)
			FROM messages WHERE message_id = $MSG" 0
}
signup_n() {
	local n=$1
	shift
	api_json POST /api/v1/users "{\"user_name\":\"dl$n\",\"email\":\"dl$n@example.com\",\"password\":\"dl$n-password\"}" "$@"
}
signed_up_once() {
	count_is "SELECT COUNT(*) FROM users WHERE user_name = 'dl$1'" 1 &&
		count_is "SELECT COUNT(*) FROM mail_tokens t JOIN users u ON u.user_id = t.user_id
			WHERE u.user_name = 'dl$1' AND t.purpose = 'activate'" 1 || return 1
	# The mailed link is the token that was committed.
	api GET "/api/v1/users/activate/$(activation_token "dl$1@example.com")"
	assert_status 200
}
# A decision: a fresh requester asks bob first (no fault), then bob approves with the fault.
approve_n() {
	local n=$1 token
	shift
	token=$(make_user "req$n") || return 1
	api POST /api/v1/lists/request/bob --data "" -H "Authorization: Bearer $token" >/dev/null
	[ "$API_STATUS" = 200 ] || kt_fail "request of req$n: $API_STATUS" || return 1
	api POST "/api/v1/lists/approve/req$n" --data "" -H "Authorization: Bearer $BOB" "$@"
}
approved_once() {
	count_is "SELECT COUNT(*) FROM approvals a JOIN users u ON u.user_id = a.requester_id
		WHERE u.user_name = 'req$1' AND a.status = 'approved'" 1 &&
		count_is "SELECT COUNT(*) FROM messages m JOIN users s ON s.user_id = m.author_id
			WHERE s.user_name = 'kinglet' AND m.message_markup LIKE '%approved your request, @req$1:%'" 1
}

test_expect "each database call of POST /messages (with an Idempotency-Key) aborted once: 201, the post stored once" '
	deadlock_each "POST /messages" post_n post_stored_once
'
test_expect "each database call of a reply aborted once: 201, stored once, the thread counter exact" '
	deadlock_each "POST /messages/N/replies" reply_n reply_stored_once
'
test_expect "each database call of a sign-up aborted once: 201, one account, its mailed token works" '
	deadlock_each "POST /users" signup_n signed_up_once
'
test_expect "each database call of an approval aborted once: 200, approved, one system message" '
	deadlock_each "POST /lists/approve" approve_n approved_once
'
# A hook registered (labelled dl-N), then one changed (label and active in one transaction).
hook_n() {
	local n=$1
	shift
	api_json POST /api/v1/webhooks "{\"url\":\"http://127.0.0.1:9/dl-$n\",\"events\":[\"message.received\"],\"label\":\"dl-$n\"}" \
		-H "Authorization: Bearer $ANN" "$@"
}
hook_stored_once() {
	count_is "SELECT COUNT(*) FROM webhooks WHERE label = 'dl-$1' AND url = 'http://127.0.0.1:9/dl-$1'" 1
}
HOOK=''
patch_n() {
	local n=$1
	shift
	api_json PATCH "/api/v1/webhooks/$HOOK" "{\"label\":\"patched $n\",\"active\":$([ $((n % 2)) = 1 ] && echo false || echo true)}" \
		-H "Authorization: Bearer $ANN" "$@"
}
patched() {
	count_is "SELECT CONCAT(label, ' ', active) FROM webhooks WHERE webhook_id = $HOOK" "patched $1 $((1 - $1 % 2))"
}

test_expect "each database call of POST /webhooks aborted once: 201, the hook stored once" '
	deadlock_each "POST /webhooks" hook_n hook_stored_once
'
test_expect "each database call of PATCH /webhooks/ID aborted once: 200, every change made" '
	HOOK=$(kt_sql "SELECT MIN(webhook_id) FROM webhooks WHERE label = '"'"'dl-1'"'"'")
	deadlock_each "PATCH /webhooks/ID" patch_n patched
'
test_expect "the aborted transactions ran again whole (the log says so), not only single statements" '
	grep -c "transaction aborted by a conflict (error 1213); running it again, attempt 2 of 4" "$WEB_LOG/kinglet.log"
'

test_expect "a connection lost at COMMIT is not run again: 503, nothing stored; the client retry with its key stores it once" '
	for ((n = 1; n <= MAX_CALLS; n++)); do
		lines=$(wc -l <"$WEB_LOG/kinglet.log")
		api_json POST /api/v1/messages "$(text_json "lost $n @bob")" -H "Authorization: Bearer $ANN" \
			-H "Idempotency-Key: lost-$n" -H "X-Kinglet-Fault: lost=$n"
		! tail -n +"$((lines + 1))" "$WEB_LOG/kinglet.log" | grep -q "injected database fault at call $n: COMMIT" || break
	done
	[ "$n" -le "$MAX_CALLS" ] || kt_fail "no call was the COMMIT"
	assert_error 503 database_unavailable
	count_is "SELECT COUNT(*) FROM messages WHERE message_markup = '"'"'lost $n @bob'"'"'" 0
	api_json POST /api/v1/messages "$(text_json "lost $n @bob")" -H "Authorization: Bearer $ANN" -H "Idempotency-Key: lost-$n"
	assert_status 201
	count_is "SELECT COUNT(*) FROM messages WHERE message_markup = '"'"'lost $n @bob'"'"'" 1
'

test_done
