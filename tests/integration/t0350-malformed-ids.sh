#!/usr/bin/env bash
# Integration tests for ids in message paths (API.md §1): every id, epoch and page number is a strict decimal integer in range, else 400 invalid_path_parameter, never a database error.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start

MO=$(make_user mo)
MIA=$(make_user mia)
S=$(post_message "$MO" "@mia hello")
BIG=9223372036854775807
# As sent in the path: 0||1 raw and encoded, 2^63, an encoded slash alone and inside, a sign, an
# encoded space, a fullwidth 5 (U+FF15).
BAD_IDS=(5x -1 0 "0||1" 0%7C%7C1 99999999999999999999 9223372036854775808 %2F 1%2F2 +5 %2B5 1e3 0x10
	1.0 %205 5%20 %EF%BC%95)

# bad_ids METHOD PATH [SKIP]: METHOD PATH with each bad id for {id} (but SKIP) is 400
# invalid_path_parameter (the first with the whole envelope checked), with nothing of the
# database in the answer. The other answers are checked together by one jq run at the end (a jq
# start per answer was most of this file's time).
bad_ids() {
	local method=$1 path=$2 skip=${3:-} id url check=assert_error bad i
	local -a urls=()
	: >"$KT_TMP/bad.json"
	for id in "${BAD_IDS[@]}"; do
		[ "$id" != "$skip" ] || continue
		url=${path//\{id\}/$id}
		if [ "$method" = POST ]; then
			api_json POST "$url" "$(text_json "@mia hi")" -H "Authorization: Bearer $MO"
		else
			api_as "$MO" "$method" "$url"
		fi
		if [ "$check" = assert_error ]; then
			assert_error 400 invalid_path_parameter || kt_fail "for $method $url" || return 1
			check=keep
		else
			assert_status 400 || kt_fail "for $method $url" || return 1
			printf '%s\n' "$API_BODY" >>"$KT_TMP/bad.json"
			urls+=("$url")
		fi
		! [[ ${API_BODY,,} =~ sql|mariadb|mysql|syntax ]] || kt_fail "database text in $API_BODY" || return 1
	done
	# The number of answers read, then each that is not the error.
	bad=$(jq -rn '[inputs] | (length | tostring), (to_entries[] | select(.value | .status == 400
		and .code == "invalid_path_parameter" and (.request_id | type == "string") | not)
		| "\(.key) \(.value | tojson)")' "$KT_TMP/bad.json" 2>&1) || kt_fail "jq on the answers failed: $bad" || return 1
	[ "${bad%%$'\n'*}" = ${#urls[@]} ] || kt_fail "read ${bad%%$'\n'*} answers of ${#urls[@]}" || return 1
	[[ $bad != *$'\n'* ]] || {
		while read -r i id; do
			echo "expected a 400 invalid_path_parameter for $method ${urls[i]}, got: $id"
		done <<<"${bad#*$'\n'}"
		return 1
	}
}

for route in "GET /api/v1/messages/{id}" "GET /api/v1/messages/{id}/" "DELETE /api/v1/messages/{id}" \
	"GET /api/v1/messages/{id}/replies" "POST /api/v1/messages/{id}/replies" \
	"GET /api/v1/messages/page/{id}" "GET /api/v1/messages/threads/{id}" \
	"GET /api/v1/messages/threads/page/{id}"; do
	test_expect "$route: a malformed id is 400 invalid_path_parameter" "bad_ids ${route%% *} '${route#* }'"
done

test_expect "GET /api/v1/messages/since/{epoch}: a malformed epoch is 400 invalid_path_parameter (0 is fine)" '
	bad_ids GET "/api/v1/messages/since/{id}" 0
	api_as "$MO" GET /api/v1/messages/since/0
	assert_status 200
'

test_expect "leading zeros are accepted: /messages/007 is message 7" '
	api_as "$MIA" GET "/api/v1/messages/000$S"
	assert_status 200
	assert_json .message_id "$S"
	api_as "$MIA" GET "/api/v1/messages/000$S/replies"
	assert_status 200
	for path in /api/v1/messages/page/01 /api/v1/messages/threads/01 /api/v1/messages/threads/page/001 \
		/api/v1/messages/since/000; do
		api_as "$MIA" GET "$path"
		assert_status 200 || kt_fail "for $path" || exit 1
		assert_jq "(.messages // .threads) | length == 1"
	done
'

test_expect "the largest id (2^63-1) is in range: a plain 404 for a message, an empty since" '
	for route in "GET /api/v1/messages/$BIG" "GET /api/v1/messages/$BIG/replies" "DELETE /api/v1/messages/$BIG"; do
		api_as "$MO" $route
		assert_error 404 not_found || kt_fail "for $route" || exit 1
	done
	api_json POST "/api/v1/messages/$BIG/replies" "$(text_json "@mia hi")" -H "Authorization: Bearer $MO"
	assert_error 404 not_found
	api_as "$MO" GET "/api/v1/messages/since/$BIG"
	assert_status 200
	assert_json .new_message_count 0
	assert_ids ""
'

test_expect "huge page numbers are result_window_too_large, never an overflow" '
	for path in "/api/v1/messages/page/$BIG" "/api/v1/messages/threads/$BIG" "/api/v1/messages/threads/page/$BIG" \
		"/api/v1/messages?page=$BIG" "/api/v1/messages?page=$BIG&per_page=100" "/api/v1/messages/$S/replies?page=$BIG" \
		"/api/v1/messages/page/461168601842738792?per_page=20"; do
		api_as "$MO" GET "$path"
		assert_error 400 result_window_too_large || kt_fail "for $path" || exit 1
	done
'

test_expect "malformed numbers in the query are 400 invalid_query_parameter" '
	for query in "page=99999999999999999999" "page=5x" "per_page=0||1" "before=9223372036854775808" \
		"after=1e3" "before=%205" "page=+1"; do
		api_as "$MO" GET "/api/v1/messages?$query"
		assert_error 400 invalid_query_parameter || kt_fail "for ?$query" || exit 1
	done
	api_as "$MO" GET "/api/v1/messages?before=$BIG"
	assert_status 200
	assert_ids "$S"
'

test_expect "cursors at both ends of their range, 1 and 2^63-1, answer 200 on every list; the prev cursor stays in range" '
	reply "$MIA" "$S" "a reply" >/dev/null
	for list in /api/v1/messages "/api/v1/messages/$S/replies" /api/v1/messages/threads /api/v1/messages/since/0 \
		/api/v1/lists/requests; do
		for cursor in "after=$BIG" "before=$BIG" after=1 before=1; do
			api_as "$MO" GET "$list?$cursor&per_page=1"
			assert_status 200 || kt_fail "for $list?$cursor" || exit 1
			assert_jq "[.pagination | .prev_after, .prev_before, .next_after, .next_before | numbers]
				| all(. >= 0)" || kt_fail "for $list?$cursor" || exit 1
			! header Link | grep -q -- "=-" || kt_fail "a negative cursor in the Link of $list?$cursor" || exit 1
		done
	done
	# Nothing is newer than 2^63-1: an empty page of the oldest-first replies resumes right there.
	api_as "$MO" GET "/api/v1/messages/$S/replies?after=$BIG"
	assert_ids ""
	grep -Eq "\"prev_before\": ?$BIG[,} ]" "$KT_TMP/body" || kt_fail "prev_before is not $BIG: $(cat "$KT_TMP/body")"
'

test_done
