#!/usr/bin/env bash
# Integration tests for visibility (API.md §3, §5): a message is its recipients' only; to anyone else every route answers exactly the 404 of an id that does not exist, and no list shows anything of it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start

AVA=$(make_user ava)
ROB=$(make_user rob)
OZ=$(make_user oz)
# A starter S from ava to rob, a reply R by rob, and an id that does not exist.
S=$(post_message "$AVA" "@rob secret plans")
R=$(reply "$ROB" "$S" "secret reply")
MISSING=987654321

# expect_as_missing TOKEN ID METHOD PATH [curl args...]: METHOD PATH as TOKEN's user gives for ID
# exactly the 404 it gives for an id that does not exist: the same status and body less
# request_id and system_message, and no ETag or Location. {id} in PATH and the curl arguments
# stands for the id.
expect_as_missing() {
	local token=$1 id=$2 method=$3 path=$4
	shift 4
	api_as "$token" "$method" "${path//\{id\}/$MISSING}" "${@//\{id\}/$MISSING}"
	assert_error 404 not_found || kt_fail "for the missing id: $method ${path//\{id\}/$MISSING}" || return 1
	cp "$KT_TMP/body" "$KT_TMP/missing.json"
	api_as "$token" "$method" "${path//\{id\}/$id}" "${@//\{id\}/$id}"
	assert_error 404 not_found || kt_fail "for $method ${path//\{id\}/$id}" || return 1
	assert_no_header ETag || return 1
	assert_no_header Location || return 1
	# One jq compares; the diff is shown only when they differ.
	jq -e -n --slurpfile a "$KT_TMP/missing.json" --slurpfile b "$KT_TMP/body" \
		'[$a[0], $b[0]] | map(del(.request_id, .system_message)) | .[0] == .[1]' >/dev/null || {
		diff <(jq -S "del(.request_id, .system_message)" "$KT_TMP/missing.json") \
			<(jq -S "del(.request_id, .system_message)" "$KT_TMP/body")
		kt_fail "$method ${path//\{id\}/$id} differs from the 404 of a missing id"
	}
}

test_expect "the outsider's GET /messages/N of a starter or a reply is the 404 of a missing id" '
	for id in "$S" "$R"; do
		expect_as_missing "$OZ" "$id" GET "/api/v1/messages/{id}"
		expect_as_missing "$OZ" "$id" GET "/api/v1/messages/{id}/"
	done
'

test_expect "with If-None-Match of the real ETag the outsider still gets that 404, never a 304" '
	api_as "$AVA" GET "/api/v1/messages/$S"
	etag=$(header ETag)
	api_as "$ROB" GET "/api/v1/messages/$R"
	etag_r=$(header ETag)
	expect_as_missing "$OZ" "$S" GET "/api/v1/messages/{id}" -H "If-None-Match: $etag"
	expect_as_missing "$OZ" "$R" GET "/api/v1/messages/{id}" -H "If-None-Match: $etag_r"
	expect_as_missing "$OZ" "$S" GET "/api/v1/messages/{id}" -H "If-None-Match: *"
'

test_expect "HEAD /messages/N: the outsider gets a 404 without a body, as for a missing id" '
	for id in "$S" "$R" "$MISSING"; do
		api_as "$OZ" HEAD "/api/v1/messages/$id"
		assert_status 404
		assert_body_empty
		assert_no_header ETag
	done
'

test_expect "the outsider's GET /messages/N/replies is the 404 of a missing id" '
	for id in "$S" "$R"; do
		expect_as_missing "$OZ" "$id" GET "/api/v1/messages/{id}/replies"
	done
'

test_expect "the outsider's POST /messages/N/replies is the 404 of a missing id, and adds nothing" '
	for id in "$S" "$R"; do
		expect_as_missing "$OZ" "$id" POST "/api/v1/messages/{id}/replies" \
			-H "Content-Type: application/json" --data-binary "$(text_json "@ava let me in")"
		expect_as_missing "$OZ" "$id" POST "/api/v1/messages/{id}/replies" -H "Idempotency-Key: oz-{id}" \
			-H "Content-Type: application/json" --data-binary "$(text_json "@ava let me in")"
	done
	api_as "$AVA" GET "/api/v1/messages/$S"
	assert_json .reply_count 1
	api_as "$AVA" GET "/api/v1/messages/$S/replies"
	assert_ids "$R"
'

test_expect "the outsider's DELETE /messages/N is the 404 of a missing id, and deletes nothing" '
	for id in "$S" "$R"; do
		expect_as_missing "$OZ" "$id" DELETE "/api/v1/messages/{id}"
		api_as "$ROB" GET "/api/v1/messages/$id"
		assert_status 200
		assert_json .message_status active
	done
'

test_expect "a recipient sees the thread, but deleting the author's message is 403, not 404" '
	api_as "$ROB" GET "/api/v1/messages/$S"
	assert_status 200
	api_as "$ROB" GET "/api/v1/messages/$S/replies"
	assert_ids "$R"
	api_as "$ROB" DELETE "/api/v1/messages/$S"
	assert_error 403 forbidden
	api_as "$AVA" DELETE "/api/v1/messages/$R"
	assert_error 403 forbidden
'

test_expect "the outsider's stream, since and threads show nothing of it, even once a reply @mentions them" '
	reply "$ROB" "$S" "@oz you will not see this" >/dev/null
	for path in /api/v1/messages "/api/v1/messages/since/0" /api/v1/messages/threads /api/v1/messages/page/1 \
		/api/v1/messages/threads/page/1 "/api/v1/messages?after=1" "/api/v1/messages/threads?after=1"; do
		api_as "$OZ" GET "$path"
		assert_status 200 || kt_fail "for $path" || exit 1
		assert_jq "(.messages // .threads) == [] and .next_link_bool == 0" || kt_fail "for $path" || exit 1
		! grep -q secret "$KT_TMP/body" || kt_fail "$path shows the secret"
	done
	api_as "$OZ" GET /api/v1/messages/since/0
	assert_json .new_message_count 0
	expect_as_missing "$OZ" "$S" GET "/api/v1/messages/{id}"
'

test_expect "a message the author deleted is, to the author too, the 404 of a missing id on every route" '
	d=$(post_message "$AVA" "@rob soon gone")
	api_as "$AVA" DELETE "/api/v1/messages/$d"
	assert_status 200
	for token in "$AVA" "$ROB"; do
		expect_as_missing "$token" "$d" GET "/api/v1/messages/{id}"
		expect_as_missing "$token" "$d" GET "/api/v1/messages/{id}/replies"
		expect_as_missing "$token" "$d" POST "/api/v1/messages/{id}/replies" \
			-H "Content-Type: application/json" --data-binary "$(text_json "hello?")"
		expect_as_missing "$token" "$d" DELETE "/api/v1/messages/{id}"
	done
'

test_expect "a user of another thread is an outsider to this one" '
	cy=$(make_user cy)
	mine=$(post_message "$OZ" "@cy our own thread")
	api_as "$cy" GET "/api/v1/messages/$mine"
	assert_status 200
	expect_as_missing "$cy" "$S" GET "/api/v1/messages/{id}"
	api_as "$cy" GET /api/v1/messages
	assert_ids "$mine"
	api_as "$ROB" GET "/api/v1/messages?per_page=100"
	assert_jq "all(.messages[]; .message_id != $mine)"
	expect_as_missing "$ROB" "$mine" GET "/api/v1/messages/{id}"
'

test_done
