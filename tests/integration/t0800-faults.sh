#!/usr/bin/env bash
# Fault injection (issue 8): every database call of every step of sign-up → activate → login →
# post → reply → read → delete → e-mail change → its link fails once in turn (programs built with
# -DKINGLET_FAULTS, armed by the X-Kinglet-Fault header). Each answer must be a correct success or
# a JSON 5xx, the process must go on serving, and the database must stay consistent.
# once under ASan: the programs' error paths, the same behind every server
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
BUILD=${FAULT_BUILD:-build-faults} test_web_start signup.per_ip_per_hour=1000000 \
	auth.login_failures_per_ip=1000000 auth.login_failures_per_account=1000000
BOB=$(make_user bob)
MAX_CALLS=40

# The scenario, one step per function. Each uses and sets the globals below; step N runs after
# steps 1..N-1 succeeded without faults.
NAME='' TOKEN='' SESSION='' MSG=0 REPLY=0
step_signup() {
	api_json POST /api/v1/users "{\"user_name\":\"$NAME\",\"email\":\"$NAME@example.com\",\"password\":\"$NAME-password\"}" "$@"
}
step_activate() { api GET "/api/v1/users/activate/$(activation_token "$NAME@example.com")" "$@"; }
step_login() { login_as "$NAME" "$@"; }
step_post() {
	api_json POST /api/v1/messages "{\"message_text\":\"hello @bob from $NAME\"}" -H "Authorization: Bearer $SESSION" -H "Idempotency-Key: k-$NAME" "$@"
}
step_reply() {
	api_json POST "/api/v1/messages/$MSG/replies" "{\"message_text\":\"hi $NAME\"}" -H "Authorization: Bearer $BOB" "$@"
}
step_read() { api GET "/api/v1/messages/$MSG" -H "Authorization: Bearer $BOB" "$@"; }
step_stream() { api GET /api/v1/messages -H "Authorization: Bearer $BOB" "$@"; }
step_replies() { api GET "/api/v1/messages/$MSG/replies" -H "Authorization: Bearer $SESSION" "$@"; }
step_threads() { api GET "/api/v1/messages/threads?per_page=5" -H "Authorization: Bearer $SESSION" "$@"; }
step_since() { api GET /api/v1/messages/since/0 -H "Authorization: Bearer $BOB" "$@"; }
step_delete() { api DELETE "/api/v1/messages/$REPLY" -H "Authorization: Bearer $BOB" "$@"; }
step_request() { api POST "/api/v1/lists/request/bob" --data "" -H "Authorization: Bearer $SESSION" "$@"; }
step_email() { api_json PATCH /api/v1/users "{\"email\":\"$NAME@new.example\"}" -H "Authorization: Bearer $SESSION" "$@"; }
step_confirm() { api GET "/api/v1/users/email/confirm/$(email_confirm_token "$NAME@example.com")" "$@"; }
STEPS=(signup activate login post reply read stream replies threads since delete request email confirm)

login_as() { api_json POST /api/v1/users/login "{\"user_name\":\"$1\",\"password\":\"$1-password\"}" "${@:2}"; }

# run_until K: a fresh user through steps 0..K-1, without faults; fails if one does not succeed.
run_until() {
	local i
	NAME="f${RANDOM}x$1"
	for ((i = 0; i < $1; i++)); do
		"step_${STEPS[i]}" >/dev/null
		[[ $API_STATUS == 2?? ]] || kt_fail "setup step ${STEPS[i]} failed: $API_STATUS $API_BODY" || return 1
		case ${STEPS[i]} in
		login) SESSION=$(jq -r .session_id "$KT_TMP/body") ;;
		post) MSG=$(jq -r .message_id "$KT_TMP/body") ;;
		reply) REPLY=$(jq -r .message_id "$KT_TMP/body") ;;
		esac
	done
}

# The steps that only read: what one of them did, faulted or not, changes nothing the next one
# reads, so their tries share one user's steps 0..K-1 (a fresh user per try was a tenth of the
# file's requests, for nothing).
READ_ONLY=" read stream replies threads since "

# fault_step K: for N = 1, 2, ... fail the N-th database call of step K until a request no longer
# reaches call N. Every answer: a success, or a JSON 500/503 with an error code; then the
# service answers again.
fault_step() {
	local k=$1 n
	for ((n = 1; n <= MAX_CALLS; n++)); do
		if [ "$n" -eq 1 ] || [[ $READ_ONLY != *" ${STEPS[k]} "* ]]; then
			run_until "$k" || return 1
		fi
		"step_${STEPS[k]}" -H "X-Kinglet-Fault: db=$n"
		if [ "$(header_count X-Kinglet-Fault-Hit)" -eq 0 ]; then
			[[ $API_STATUS == 2?? ]] || kt_fail "unfaulted ${STEPS[k]} gave $API_STATUS" || return 1
			echo "${STEPS[k]}: $((n - 1)) database calls, each failed once"
			return 0
		fi
		case $API_STATUS in
		2??) ;; # the failed call was not needed for the answer (e.g. a refresh of last_used_at)
		500) assert_error 500 internal_error || return 1 ;;
		503) assert_error 503 database_unavailable || return 1 ;;
		*) kt_fail "${STEPS[k]} with call $n failing gave $API_STATUS: $API_BODY" || return 1 ;;
		esac
		api GET /api/v1/health
		assert_status 200 || return 1
	done
	kt_fail "${STEPS[k]} made more than $MAX_CALLS database calls"
}

for k in "${!STEPS[@]}"; do
	test_expect "each database call of step ${STEPS[k]} failing gives a success or a JSON 5xx" "
		fault_step $k
	"
done

test_expect "afterwards the database is consistent: counters equal rows, no half-written post" '
	# reply_count of every thread starter is the number of its replies
	[ "$(kt_sql "SELECT COUNT(*) FROM messages s WHERE s.parent_id = 0 AND s.reply_count <>
		(SELECT COUNT(*) FROM messages r WHERE r.parent_id = s.message_id)")" -eq 0 ]
	# every active message is in the stream of every member of its thread, and nowhere else
	[ "$(kt_sql "SELECT COUNT(*) FROM messages m JOIN thread_members tm
		ON tm.thread_id = IF(m.parent_id = 0, m.message_id, m.parent_id)
		LEFT JOIN inbox i ON i.message_id = m.message_id AND i.user_id = tm.user_id
		WHERE m.message_status = \"active\" AND i.user_id IS NULL")" -eq 0 ]
	[ "$(kt_sql "SELECT COUNT(*) FROM inbox i JOIN messages m ON m.message_id = i.message_id
		WHERE m.message_status <> \"active\"")" -eq 0 ]
	# every thread has its members, every Idempotency-Key its message
	[ "$(kt_sql "SELECT COUNT(*) FROM messages m WHERE m.parent_id = 0 AND m.message_status = \"active\"
		AND NOT EXISTS (SELECT 1 FROM thread_members tm WHERE tm.thread_id = m.message_id)")" -eq 0 ]
	[ "$(kt_sql "SELECT COUNT(*) FROM idempotency_keys k LEFT JOIN messages m ON m.message_id = k.message_id
		WHERE m.message_id IS NULL")" -eq 0 ]
	# an e-mail change link always names its address, and a new address came through its link
	[ "$(kt_sql "SELECT COUNT(*) FROM mail_tokens WHERE purpose = \"email\" AND new_email IS NULL")" -eq 0 ]
	[ "$(kt_sql "SELECT COUNT(*) FROM users u WHERE u.email LIKE \"%@new.example\" AND NOT EXISTS
		(SELECT 1 FROM mail_tokens t WHERE t.user_id = u.user_id AND t.new_email = u.email
		AND t.used_at IS NOT NULL)")" -eq 0 ]
	# an activated account used its token; a pending one still has one
	[ "$(kt_sql "SELECT COUNT(*) FROM users u WHERE u.user_status = \"pending\" AND NOT EXISTS
		(SELECT 1 FROM mail_tokens t WHERE t.user_id = u.user_id AND t.used_at IS NULL)")" -eq 0 ]
'

test_done
