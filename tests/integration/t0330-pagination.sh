#!/usr/bin/env bash
# Integration tests for pagination (API.md §5.1) on every list: page, per_page and limit, bounds, the result window, before/after cursors with inserts between pages, the pagination object, Link headers, empty pages.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start

PIA=$(make_user pia)
QUIN=$(make_user quin)
RAE=$(make_user rae)
SOL=$(make_user sol)
OUT=$(make_user out)
QUIN_ID=$(user_id_of quin "$QUIN")
# 25 messages to quin and rae; NEWEST holds their ids newest first (quin's whole stream, for good).
NEWEST=()
for i in $(seq 1 25); do
	NEWEST=("$(post_message "$PIA" "@quin @rae number $i")" ${NEWEST[@]+"${NEWEST[@]}"})
done
# sol's notes to self: a thread S with five replies R.
S=$(post_message "$SOL" "@sol a thread of notes")
R=()
for i in 0 1 2 3 4; do
	R+=("$(reply "$SOL" "$S" "note $i")")
done
# Every list, as sol (who sees them all) reads it.
LISTS=(/api/v1/messages /api/v1/messages/since/0 /api/v1/messages/threads "/api/v1/messages/$S/replies")

# link_url REL: the target of the Link header entry rel="REL" (of all Link headers), scheme and
# host taken off; fails when there is none.
link_url() {
	local url
	url=$(tr -d '\r' <"$KT_TMP/headers" | awk 'tolower($0) ~ /^link:/ { sub(/^[^:]*:[ \t]*/, ""); print }' |
		grep -o "<[^>]*>[^,<]*rel=\"\{0,1\}$1\"\{0,1\}" | sed -n 's/^<\([^>]*\)>.*/\1/p' | head -n 1)
	[ -n "$url" ] || return 1
	printf '%s\n' "$url" | sed -E 's|^https?://[^/]*||'
}

# assert_link REL PATTERN...: the Link rel=REL matches every shell PATTERN; never the credentials.
assert_link() {
	local rel=$1 url pattern
	shift
	url=$(link_url "$rel") || kt_fail "no Link rel=\"$rel\": $(header Link)" || return 1
	[[ $url == /api/v1/* ]] || kt_fail "Link rel=$rel is not under /api/v1: $url" || return 1
	[[ $url != *session_id* && $url != *user_name* && $url != *user_id* ]] ||
		kt_fail "Link rel=$rel carries credentials: $url" || return 1
	for pattern; do
		# shellcheck disable=SC2053 # PATTERN is a glob on purpose
		[[ $url == $pattern ]] || kt_fail "Link rel=$rel is $url, expected $pattern" || return 1
	done
}

assert_no_link() {
	! link_url "$1" >/dev/null || kt_fail "expected no Link rel=$1, got $(link_url "$1")"
}

# walk TOKEN PATH KEY CURSOR [INSERT...]: reads the list PATH (which has a query) page by page,
# each next page by the cursor CURSOR=pagination.next_CURSOR (before or after), running INSERT
# between pages, until next_link_bool is 0; checks each cursor page's Link rel="next" carries
# that cursor. Prints every id seen, in order.
walk() {
	local token=$1 path=$2 key=$3 cursor=$4 url=$2 seen='' pages=0 next more ids
	shift 4
	while :; do
		api_as "$token" GET "$url" >/dev/null
		[ "$API_STATUS" = 200 ] || kt_fail "GET $url: $API_STATUS $API_BODY" >&2 || return 1
		# One jq: next_link_bool, the next cursor, then the page's ids (list_ids).
		{ read -r more && read -r next && read -r ids; } < <(jq -r --arg k "$key" --arg c "next_$cursor" \
			'.next_link_bool, .pagination[$c], ([.[$k][].message_id] | map(tostring) | join(" "))' "$KT_TMP/body") ||
			kt_fail "GET $url: not a list of $key: $API_BODY" >&2 || return 1
		seen="${seen:+$seen }$ids"
		[ "$more" = 1 ] || break
		[ "$pages" -eq 0 ] || assert_link next "*$cursor=$next*" >&2 || return 1
		url="$path&$cursor=$next"
		pages=$((pages + 1))
		[ "$pages" -lt 40 ] || kt_fail "more than 40 pages at $url" >&2 || return 1
		"$@"
	done
	printf '%s\n' "$seen"
}

test_expect "page mode: 20 a page by default, newest first; Link rel=next to page 2, no prev on page 1" '
	api_as "$QUIN" GET /api/v1/messages
	assert_status 200
	assert_ids "${NEWEST[*]:0:20}"
	assert_json .next_link_bool 1
	assert_jq ".next_link_bool | type == \"number\""
	assert_json .pagination.per_page 20
	assert_json .pagination.next_before "${NEWEST[19]}"
	assert_json .pagination.prev_after "${NEWEST[0]}"
	api_as "$QUIN" GET /api/v1/messages/page/1
	assert_ids "${NEWEST[*]:0:20}"
	assert_json .pagination.page 1
	assert_jq ".pagination | keys == [\"next_before\", \"page\", \"per_page\", \"prev_after\"]"
	assert_link next "*page=2*"
	assert_no_link prev
	api_as "$QUIN" GET "$(link_url next)"
	assert_status 200
	assert_ids "${NEWEST[*]:20}"
	assert_json .next_link_bool 0
	assert_json .pagination.page 2
	assert_json .pagination.next_before null
	assert_json .pagination.prev_after "${NEWEST[20]}"
	assert_no_link next
	assert_link prev "*page=1*"
'

test_expect "?page=N is /page/N, limit is per_page, per_page=100 holds everything" '
	for path in "/api/v1/messages/page/2?per_page=10" "/api/v1/messages?page=2&per_page=10" \
		"/api/v1/messages?page=2&limit=10" "/api/v1/messages/page/2/?limit=10"; do
		api_as "$QUIN" GET "$path"
		assert_ids "${NEWEST[*]:10:10}" || kt_fail "for $path" || exit 1
		assert_json .pagination.page 2
		assert_json .pagination.per_page 10
		assert_json .next_link_bool 1
	done
	api_as "$QUIN" GET "/api/v1/messages?per_page=100"
	assert_ids "${NEWEST[*]}"
	assert_json .next_link_bool 0
	assert_no_link next
	api_as "$QUIN" GET "/api/v1/messages?per_page=1"
	assert_ids "${NEWEST[0]}"
	assert_json .next_link_bool 1
'

test_expect "Link headers repeat per_page, never the credential triple, and lead to the next and previous pages" '
	api GET "/api/v1/messages/page/2?per_page=5&user_name=quin&user_id=$QUIN_ID&session_id=$QUIN"
	assert_status 200
	assert_ids "${NEWEST[*]:5:5}"
	assert_link next "*page=3*" "*per_page=5*"
	assert_link prev "*page=1*" "*per_page=5*"
	prev=$(link_url prev)
	api_as "$QUIN" GET "$(link_url next)"
	assert_ids "${NEWEST[*]:10:5}"
	api_as "$QUIN" GET "$prev"
	assert_ids "${NEWEST[*]:0:5}"
	api_as "$QUIN" GET "/api/v1/messages?before=${NEWEST[4]}&per_page=5"
	assert_ids "${NEWEST[*]:5:5}"
	assert_jq ".pagination | keys == [\"next_before\", \"per_page\", \"prev_after\"]"
	assert_link next "*before=${NEWEST[9]}*" "*per_page=5*"
	assert_link prev "*after=${NEWEST[5]}*" "*per_page=5*"
	api_as "$QUIN" GET "$(link_url prev)"
	assert_ids "${NEWEST[*]:0:5}"
'

test_expect "per_page, limit, page and cursors out of range, or cursors mixed with page, are 400 invalid_query_parameter on every list" '
	api_as "$SOL" GET "/api/v1/messages?per_page=101"
	assert_error 400 invalid_query_parameter
	for list in "${LISTS[@]}"; do
		for query in per_page=0 per_page=101 per_page=-1 per_page=abc per_page=1.5 per_page= limit=0 limit=101 \
			page=0 page=-1 page=x before=0 before=-1 before=x after=0 after=x "before=5&after=6" \
			"before=5&page=2" "after=5&page=1"; do
			api_as "$SOL" GET "$list?$query"
			assert_error_code 400 invalid_query_parameter || kt_fail "for $list?$query" || exit 1
		done
	done
	for path in /api/v1/messages/page/2 /api/v1/messages/threads/2 /api/v1/messages/threads/page/2; do
		api_as "$QUIN" GET "$path?before=5"
		assert_error_code 400 invalid_query_parameter || kt_fail "for $path?before=5" || exit 1
	done
'

test_expect "page x per_page beyond 10,000 is 400 result_window_too_large; exactly 10,000 is an empty page" '
	for list in "${LISTS[@]}"; do
		for query in "page=101&per_page=100" "page=10001&per_page=1"; do
			api_as "$SOL" GET "$list?$query"
			assert_error_code 400 result_window_too_large || kt_fail "for $list?$query" || exit 1
		done
		for query in "page=100&per_page=100" "page=10000&per_page=1"; do
			api_as "$SOL" GET "$list?$query"
			assert_status 200 || kt_fail "for $list?$query" || exit 1
			assert_jq "(.messages // .threads) == [] and .next_link_bool == 0"
		done
	done
	for path in /api/v1/messages/page/101 /api/v1/messages/threads/101 /api/v1/messages/threads/page/101; do
		api_as "$QUIN" GET "$path?per_page=100"
		assert_error_code 400 result_window_too_large || kt_fail "for $path" || exit 1
	done
	api_as "$QUIN" GET /api/v1/messages/page/501
	assert_error 400 result_window_too_large
	api_as "$QUIN" GET /api/v1/messages/page/500
	assert_status 200
	api_as "$SOL" GET "/api/v1/messages/$S/replies?page=101"
	assert_error 400 result_window_too_large
	api_as "$SOL" GET "/api/v1/messages/$S/replies?page=100"
	assert_status 200
'

test_expect "an empty page still says where to resume: prev_after is the after cursor given, else 0" '
	api_as "$QUIN" GET /api/v1/messages/page/3
	assert_status 200
	assert_ids ""
	assert_json .next_link_bool 0
	assert_json .pagination.page 3
	assert_json .pagination.next_before null
	assert_json .pagination.prev_after 0
	assert_jq ".pagination.prev_after | type == \"number\""
	assert_no_link next
	assert_link prev "*page=2*"
	api_as "$QUIN" GET "/api/v1/messages?after=${NEWEST[0]}&per_page=5"
	assert_status 200
	assert_ids ""
	assert_json .pagination.prev_after "${NEWEST[0]}"
	api_as "$QUIN" GET "/api/v1/messages/since/$(($(date +%s) + 86400))"
	assert_status 200
	assert_ids ""
	assert_json .new_message_count 0
	assert_json .next_link_bool 0
	assert_json .pagination.prev_after 0
	api_as "$OUT" GET /api/v1/messages/threads
	assert_ids "" threads
	assert_json .next_link_bool 0
	assert_json .pagination.next_before null
	assert_json .pagination.prev_after 0
	assert_no_link next
'

test_expect "a before= cursor is a bound, whether or not that id is in the list" '
	api_as "$QUIN" GET "/api/v1/messages?before=9000000000&per_page=3"
	assert_ids "${NEWEST[*]:0:3}"
	api_as "$QUIN" GET "/api/v1/messages?before=$((NEWEST[0] + 1000))&per_page=3"
	assert_ids "${NEWEST[*]:0:3}"
	api_as "$QUIN" GET "/api/v1/messages?before=${NEWEST[24]}"
	assert_ids ""
	assert_json .next_link_bool 0
	api_as "$QUIN" GET "/api/v1/messages?before=$S&per_page=3"
	assert_ids "${NEWEST[*]:0:3}"
'

# Between stream pages: two new messages to rae (their ids go to $KT_TMP/new).
two_new_messages() {
	post_message "$PIA" "@rae new" >>"$KT_TMP/new"
	post_message "$PIA" "@rae newer" >>"$KT_TMP/new"
}

test_expect "before= cursors walk the stream with no skip and no repeat while messages arrive; after= then picks them up" '
	: >"$KT_TMP/new"
	seen=$(walk "$RAE" "/api/v1/messages?per_page=7" messages before two_new_messages)
	[ "$seen" = "${NEWEST[*]}" ] || kt_fail "walked: $seen
expected: ${NEWEST[*]}"
	assert_json .pagination.next_before null
	assert_no_link next
	mapfile -t new <"$KT_TMP/new"
	[ "${#new[@]}" -eq 6 ] || kt_fail "expected 6 new messages, got ${#new[@]}"
	api_as "$RAE" GET "/api/v1/messages?after=${NEWEST[0]}&per_page=4"
	assert_ids "${new[3]} ${new[2]} ${new[1]} ${new[0]}"
	assert_json .pagination.prev_after "${new[3]}"
	assert_json .pagination.next_before "${new[0]}"
	assert_json .next_link_bool 1
	assert_link next "*before=${new[0]}*" "*per_page=4*"
	next=$(link_url next)
	assert_link prev "*after=${new[3]}*" "*per_page=4*"
	api_as "$RAE" GET "/api/v1/messages?after=${new[3]}&per_page=4"
	assert_ids "${new[5]} ${new[4]}"
	assert_json .pagination.prev_after "${new[5]}"
	assert_json .next_link_bool 1
	api_as "$RAE" GET "/api/v1/messages?after=${new[5]}&per_page=4"
	assert_ids ""
	assert_json .pagination.prev_after "${new[5]}"
	api_as "$RAE" GET "$next"
	assert_ids "${NEWEST[*]:0:4}"
'

test_expect "in cursor mode the Link has rel=prev also on the newest page and on an empty one (where to resume)" '
	api_as "$QUIN" GET "/api/v1/messages?after=${NEWEST[3]}&per_page=5"
	assert_ids "${NEWEST[*]:0:3}"
	assert_json .pagination.prev_after "${NEWEST[0]}"
	assert_link prev "*after=${NEWEST[0]}*" "*per_page=5*"
	api_as "$QUIN" GET "/api/v1/messages?after=${NEWEST[0]}&per_page=5"
	assert_ids ""
	assert_json .pagination.prev_after "${NEWEST[0]}"
	assert_link prev "*after=${NEWEST[0]}*" "*per_page=5*"
'

test_expect "after= below the whole list gives its oldest page, with nothing next (next_link_bool 0)" '
	api_as "$SOL" GET "/api/v1/messages?after=1&per_page=3"
	assert_ids "${R[1]} ${R[0]} $S"
	assert_json .next_link_bool 0
	assert_json .pagination.next_before null
	assert_no_link next
	api_as "$SOL" GET "/api/v1/messages/$S/replies?before=${R[2]}&per_page=5"
	assert_ids "${R[0]} ${R[1]}"
	assert_json .next_link_bool 1
	assert_json .pagination.prev_before "${R[0]}"
'

test_expect "replies page oldest first with next_after / prev_before; before= goes back; page numbers work too" '
	api_as "$SOL" GET "/api/v1/messages/$S/replies?per_page=2"
	assert_ids "${R[0]} ${R[1]}"
	assert_json .next_link_bool 1
	assert_json .pagination.per_page 2
	assert_json .pagination.next_after "${R[1]}"
	assert_json .pagination.prev_before "${R[0]}"
	assert_jq ".pagination | keys == [\"next_after\", \"page\", \"per_page\", \"prev_before\"]"
	api_as "$SOL" GET "/api/v1/messages/$S/replies?after=${R[1]}&per_page=2"
	assert_ids "${R[2]} ${R[3]}"
	assert_jq ".pagination | keys == [\"next_after\", \"per_page\", \"prev_before\"]"
	assert_link next "*after=${R[3]}*" "*per_page=2*"
	assert_link prev "*before=${R[2]}*" "*per_page=2*"
	api_as "$SOL" GET "$(link_url next)"
	assert_ids "${R[4]}"
	assert_json .next_link_bool 0
	assert_json .pagination.next_after null
	assert_no_link next
	api_as "$SOL" GET "/api/v1/messages/$S/replies?before=${R[2]}&per_page=2"
	assert_ids "${R[0]} ${R[1]}"
	assert_json .next_link_bool 1
	api_as "$SOL" GET "/api/v1/messages/$S/replies?before=${R[4]}&per_page=2"
	assert_ids "${R[2]} ${R[3]}"
	api_as "$SOL" GET "/api/v1/messages/$S/replies?page=2&per_page=2"
	assert_ids "${R[2]} ${R[3]}"
	assert_json .pagination.page 2
	assert_link next "*page=3*" "*per_page=2*"
	assert_link prev "*page=1*" "*per_page=2*"
	api_as "$SOL" GET "/api/v1/messages/$S/replies?after=${R[4]}"
	assert_ids ""
	assert_json .next_link_bool 0
	assert_jq ".pagination.prev_before | type == \"number\""
'

# Between reply pages: one more reply in the thread of $KT_TMP/thread (its id goes to $KT_TMP/new).
one_more_reply() {
	reply "$SOL" "$(cat "$KT_TMP/thread")" "more" >>"$KT_TMP/new"
}

test_expect "after= cursors walk the replies oldest first with no skip and no repeat while replies arrive" '
	s=$(post_message "$SOL" "@sol a growing thread")
	echo "$s" >"$KT_TMP/thread"
	old=()
	for i in 1 2 3 4 5; do old+=("$(reply "$SOL" "$s" "old $i")"); done
	: >"$KT_TMP/new"
	seen=$(walk "$SOL" "/api/v1/messages/$s/replies?per_page=2" messages after one_more_reply)
	mapfile -t new <"$KT_TMP/new"
	[ "$seen" = "${old[*]} ${new[*]}" ] || kt_fail "walked: $seen
expected: ${old[*]} ${new[*]}"
'

# Between thread pages: a new thread for rae.
one_new_thread() {
	post_message "$PIA" "@rae another thread" >/dev/null
}

test_expect "before= cursors walk the threads with no skip and no repeat while new threads start" '
	api_as "$RAE" GET "/api/v1/messages/threads?per_page=100"
	expected=$(list_ids threads)
	seen=$(walk "$RAE" "/api/v1/messages/threads?per_page=10" threads before one_new_thread)
	[ "$seen" = "$expected" ] || kt_fail "walked: $seen
expected: $expected"
'

test_expect "since pages like the stream, and new_message_count is the whole count on every page" '
	api_as "$QUIN" GET "/api/v1/messages/since/0?per_page=10"
	assert_ids "${NEWEST[*]:0:10}"
	assert_json .new_message_count 25
	assert_json .next_link_bool 1
	assert_json .pagination.next_before "${NEWEST[9]}"
	assert_link next "/api/v1/messages/since/0*" "*per_page=10*"
	api_as "$QUIN" GET "$(link_url next)"
	assert_ids "${NEWEST[*]:10:10}"
	assert_json .new_message_count 25
	api_as "$QUIN" GET "/api/v1/messages/since/0?before=${NEWEST[19]}&per_page=10"
	assert_ids "${NEWEST[*]:20}"
	assert_json .new_message_count 25
	assert_json .next_link_bool 0
	seen=$(walk "$QUIN" "/api/v1/messages/since/0?per_page=7" messages before)
	[ "$seen" = "${NEWEST[*]}" ] || kt_fail "walked: $seen"
'

test_done
