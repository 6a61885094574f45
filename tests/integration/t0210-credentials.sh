#!/usr/bin/env bash
# Integration tests for when a credential stops working (API.md §2, §4): an idle session, an expired or revoked personal access token and a deleted account answer 401 on every path that authenticates (the token looked up alone, and in a handler's own statement: a message, the stream, threads).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start auth.session_idle_days=2

ALICE=$(make_user alice)
BOB=$(make_user bob)
MSG=$(post_message "$BOB" "hello @alice")
api_json POST /api/v1/users/tokens '{"name":"ci"}' -H "Authorization: Bearer $ALICE" >/dev/null
PAT=$(jq -r .token "$KT_TMP/body")

# assert_refused TOKEN: every kind of authenticated read answers 401 invalid_session.
assert_refused() {
	local path
	for path in /api/v1/users/alice /api/v1/messages/"$MSG" /api/v1/messages \
		/api/v1/messages/page/2 /api/v1/messages/threads; do
		api GET "$path" -H "Authorization: Bearer $1"
		assert_error 401 invalid_session || { echo "GET $path"; return 1; }
	done
}
# assert_accepted TOKEN: the same reads answer 200.
assert_accepted() {
	local path
	for path in /api/v1/users/alice /api/v1/messages/"$MSG" /api/v1/messages \
		/api/v1/messages/page/2 /api/v1/messages/threads; do
		api GET "$path" -H "Authorization: Bearer $1"
		assert_status 200 || { echo "GET $path"; return 1; }
	done
}

test_expect "a session and a personal access token in use work everywhere" '
	assert_accepted "$ALICE"
	assert_accepted "$PAT"
'

test_expect "a session idle for auth.session_idle_days stops working; a personal token does not idle out" '
	kt_sql "UPDATE tokens SET last_used_at = NOW() - INTERVAL 2 DAY - INTERVAL 1 MINUTE"
	assert_refused "$ALICE"
	assert_accepted "$PAT"
'

test_expect "a session used a little less than auth.session_idle_days ago still works" '
	ALICE=$(session_of alice alice-password)
	kt_sql "UPDATE tokens SET last_used_at = NOW() - INTERVAL 2 DAY + INTERVAL 1 MINUTE WHERE kind = \"session\""
	assert_accepted "$ALICE"
'

test_expect "a personal access token past its expires_at stops working" '
	kt_sql "UPDATE tokens SET expires_at = NOW() - INTERVAL 1 SECOND WHERE kind = \"personal\""
	assert_refused "$PAT"
	kt_sql "UPDATE tokens SET expires_at = NOW() + INTERVAL 1 DAY WHERE kind = \"personal\""
	assert_accepted "$PAT"
'

test_expect "a revoked token stops working" '
	id=$(api GET /api/v1/users/tokens -H "Authorization: Bearer $ALICE" >/dev/null; jq -r ".tokens[0].token_id" "$KT_TMP/body")
	api DELETE "/api/v1/users/tokens/$id" -H "Authorization: Bearer $ALICE"
	assert_status 200
	assert_refused "$PAT"
'

test_expect "the tokens of a deleted account stop working, even one the deletion missed" '
	BOB2=$(session_of bob bob-password)
	api_json DELETE /api/v1/users "{\"password\":\"bob-password\"}" -H "Authorization: Bearer $BOB"
	assert_status 200
	assert_refused "$BOB2"
	kt_sql "UPDATE tokens SET revoked_at = NULL"
	assert_refused "$BOB2"
'

test_done
