#!/usr/bin/env bash
# Integration tests for order=, total=true and offset (API.md §12 with §5.1) on every list: each
# order's items, cursors, pagination object and Link; a whole list walked by its Link headers in
# ascending order; totals and their cap at 10,000; offsets and their window; every bad input;
# visibility unchanged; version 0.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start
# Webhook deliveries here are never sent (the hook's address is public, only listed).
webhookd_stop

PIA=$(make_user pia)
QUIN=$(make_user quin)
RAE=$(make_user rae)
OUT=$(make_user out)
# 12 messages from pia to quin: OLDEST holds their ids oldest first.
OLDEST=()
for i in $(seq 1 12); do
	OLDEST+=("$(post_message "$PIA" "@quin number $i")")
done
# Replies move threads: the 3rd thread gets a reply, then the 1st. By last activity, newest
# first: the 1st, the 3rd, then the others newest first.
reply "$QUIN" "${OLDEST[2]}" "on three" >/dev/null
reply "$QUIN" "${OLDEST[0]}" "on one" >/dev/null
ALL_ASC="${OLDEST[*]}"
# quin's stream holds the two replies too (ids after every starter).
R1=$((OLDEST[11] + 1))
R2=$((OLDEST[11] + 2))
STREAM_ASC="$ALL_ASC $R1 $R2"
# Approval requests to quin, oldest first: pia's, then rae's.
api POST /api/v1/lists/request/quin --data "" -H "Authorization: Bearer $PIA" >/dev/null
api POST /api/v1/lists/request/quin --data "" -H "Authorization: Bearer $RAE" >/dev/null
# A thread of five replies (rae's notes to self).
T=$(post_message "$RAE" "@rae notes")
TR=()
for i in 1 2 3 4 5; do
	TR+=("$(reply "$RAE" "$T" "note $i")")
done
api_json POST /api/v1/webhooks '{"url":"https://93.184.215.14/hook","events":["message.received"]}' \
	-H "Authorization: Bearer $QUIN" >/dev/null
HOOK=$(jq -r .webhook_id "$KT_TMP/body")

# The lists with their order fields, as quin (or rae: the thread) reads them.
ORDERED=(/api/v1/messages /api/v1/messages/since/0 /api/v1/messages/threads "/api/v1/messages/$T/replies"
	/api/v1/lists/requests)
UNORDERED=(/api/v1/webhooks "/api/v1/webhooks/$HOOK/deliveries")

# reversed WORDS...: the words in reverse order.
reversed() {
	local out='' w
	for w; do out="$w${out:+ $out}"; done
	printf '%s\n' "$out"
}

# link_to REL: the path (and query) of the Link header entry rel="REL"; fails when there is none.
link_to() {
	header Link 2>/dev/null | tr ',' '\n' | grep -F "rel=\"$1\"" | sed -n 's/^ *<\([^>]*\)>.*/\1/p' | grep .
}

# reader TOKEN PATH: who reads PATH in these tests (rae reads her thread).
reader() {
	case $1 in
	*"/$T/replies"*) echo "$RAE" ;;
	*) echo "$QUIN" ;;
	esac
}

test_expect "the stream in order=created_at.asc is oldest first; .desc and no order are newest first" '
	api_as "$QUIN" GET "/api/v1/messages?order=created_at.asc"
	assert_status 200
	assert_ids "$STREAM_ASC"
	api_as "$QUIN" GET "/api/v1/messages?order=created_at.desc"
	assert_ids "$(reversed $STREAM_ASC)"
	api_as "$QUIN" GET /api/v1/messages
	assert_ids "$(reversed $STREAM_ASC)"
	api_as "$QUIN" GET "/api/v1/messages?order=created_at"
	assert_ids "$STREAM_ASC"
'

test_expect "every ordered list answers in each order, each the other reversed" '
	for list in "${ORDERED[@]}"; do
		key=messages
		case $list in */threads) key=threads ;; */requests) key=requests ;; esac
		for field in created_at $([[ $list == */threads ]] && echo last_message_at); do
			api_as "$(reader "$list")" GET "$list?order=$field.asc&per_page=100"
			assert_status 200 || kt_fail "for $list $field.asc" || exit 1
			if [ "$key" = requests ]; then
				asc=$(jq -r "[.requests[].user_name] | join(\" \")" "$KT_TMP/body")
			else
				asc=$(list_ids "$key")
			fi
			api_as "$(reader "$list")" GET "$list?order=$field.desc&per_page=100"
			assert_status 200 || exit 1
			if [ "$key" = requests ]; then
				desc=$(jq -r "[.requests[].user_name] | join(\" \")" "$KT_TMP/body")
			else
				desc=$(list_ids "$key")
			fi
			[ -n "$asc" ] && [ "$desc" = "$(reversed $asc)" ] ||
				kt_fail "$list by $field: asc \"$asc\", desc \"$desc\"" || exit 1
		done
	done
	api_as "$QUIN" GET "/api/v1/lists/requests?order=created_at.asc"
	assert_jq "[.requests[].user_name] == [\"pia\", \"rae\"]"
	api_as "$RAE" GET "/api/v1/messages/$T/replies?order=created_at.desc"
	assert_ids "$(reversed "${TR[@]}")"
	api_as "$QUIN" GET "/api/v1/messages/since/0?order=created_at.asc"
	assert_ids "$ALL_ASC"
'

test_expect "threads: last_message_at (the default, newest activity first) and created_at in both directions" '
	by_activity="${OLDEST[0]} ${OLDEST[2]} $(reversed ${OLDEST[*]:3}) ${OLDEST[1]}"
	api_as "$QUIN" GET /api/v1/messages/threads
	assert_ids "$by_activity" threads
	api_as "$QUIN" GET "/api/v1/messages/threads?order=last_message_at.desc"
	assert_ids "$by_activity" threads
	api_as "$QUIN" GET "/api/v1/messages/threads?order=last_message_at.asc"
	assert_ids "$(reversed $by_activity)" threads
	api_as "$QUIN" GET "/api/v1/messages/threads?order=created_at.asc"
	assert_ids "$ALL_ASC" threads
	api_as "$QUIN" GET "/api/v1/messages/threads?order=created_at.desc"
	assert_ids "$(reversed $ALL_ASC)" threads
	# A second field is checked, and ties keep id order: it cannot change a thing.
	api_as "$QUIN" GET "/api/v1/messages/threads?order=last_message_at.desc,created_at.asc"
	assert_ids "$by_activity" threads
	api_as "$QUIN" GET "/api/v1/messages/threads?order=created_at,last_message_at.desc"
	assert_ids "$ALL_ASC" threads
'

test_expect "ascending: the pagination cursors are next_after and prev_before; Link repeats order=; before/after keep their meaning" '
	api_as "$QUIN" GET "/api/v1/messages?order=created_at.asc&per_page=5"
	assert_ids "${OLDEST[*]:0:5}"
	assert_json .next_link_bool 1
	assert_jq ".pagination | keys == [\"next_after\", \"page\", \"per_page\", \"prev_before\"]"
	assert_json .pagination.next_after "${OLDEST[4]}"
	[[ $(link_to next) == *order=created_at.asc* ]] || kt_fail "Link: $(header Link)"
	# after=ID: the items newer than ID, in the order asked for (oldest of them first) ...
	api_as "$QUIN" GET "/api/v1/messages?order=created_at.asc&per_page=3&after=${OLDEST[4]}"
	assert_ids "${OLDEST[*]:5:3}"
	# ... before=ID: the items just older than ID, still oldest first.
	api_as "$QUIN" GET "/api/v1/messages?order=created_at.asc&per_page=3&before=${OLDEST[6]}"
	assert_ids "${OLDEST[*]:3:3}"
	assert_json .pagination.next_after "${OLDEST[5]}"
	assert_json .pagination.prev_before "${OLDEST[3]}"
	[[ $(link_to prev) == *before=${OLDEST[3]}*order=created_at.asc* ]] || kt_fail "Link: $(header Link)"
	api_as "$QUIN" GET "$(link_to prev)"
	assert_ids "${OLDEST[*]:0:3}"
	# Newest first, the same cursors read the same items the other way round.
	api_as "$QUIN" GET "/api/v1/messages?order=created_at.desc&per_page=3&before=${OLDEST[6]}"
	assert_ids "$(reversed ${OLDEST[*]:3:3})"
	api_as "$QUIN" GET "/api/v1/messages?order=created_at.desc&per_page=3&after=${OLDEST[4]}"
	assert_ids "$(reversed ${OLDEST[*]:5:3})"
'

test_expect "walking every list by its Link rel=next in ascending order finds every item exactly once" '
	for list in /api/v1/messages /api/v1/messages/since/0 /api/v1/messages/threads "/api/v1/messages/$T/replies"; do
		key=messages
		[[ $list != */threads ]] || key=threads
		api_as "$(reader "$list")" GET "$list?order=created_at.asc&per_page=100"
		want=$(list_ids "$key")
		url="$list?order=created_at.asc&per_page=2"
		seen="" pages=0
		while :; do
			api_as "$(reader "$list")" GET "$url"
			assert_status 200 || exit 1
			seen="$seen${seen:+ }$(list_ids "$key")"
			url=$(link_to next) || break
			pages=$((pages + 1))
			[ "$pages" -lt 20 ] || kt_fail "more than 20 pages of $list" || exit 1
		done
		seen=${seen% }
		[ "$seen" = "$want" ] || kt_fail "walking $list: saw \"$seen\", want \"$want\"" || exit 1
		[ "$(tr " " "\n" <<<"$seen" | sort | uniq -d)" = "" ] || kt_fail "duplicates in $list" || exit 1
	done
'

test_expect "walking the stream ascending while messages arrive: each exactly once, the new ones at the end" '
	url="/api/v1/messages?order=created_at.asc&per_page=4"
	seen="" new=""
	for page in 1 2 3 4 5 6 7; do
		api_as "$QUIN" GET "$url"
		seen="$seen${seen:+ }$(list_ids)"
		next=$(link_to next) || next=""
		[ "$page" -gt 2 ] || new="$new${new:+ }$(post_message "$PIA" "@quin late $page")"
		[ -n "$next" ] || break
		url=$next
	done
	seen=$(tr -s " " <<<"$seen"); seen=${seen% }
	[ "$seen" = "$STREAM_ASC $new" ] || kt_fail "saw \"$seen\", want \"$STREAM_ASC $new\""
'

test_expect "total=true adds pagination.total and total_capped on every list, in any order; without it nothing is counted" '
	for list in "${ORDERED[@]}" "${UNORDERED[@]}"; do
		api_as "$(reader "$list")" GET "$list?per_page=100"
		key=$(jq -r "keys - [\"status\", \"description\", \"next_link_bool\", \"pagination\", \"new_message_count\", \"pending_requests_count\"] | .[0]" "$KT_TMP/body")
		n=$(jq ".$key | length" "$KT_TMP/body")
		assert_jq ".pagination | has(\"total\") or has(\"total_capped\") | not" || exit 1
		api_as "$(reader "$list")" GET "$list?total=true&per_page=1"
		assert_status 200 || exit 1
		assert_json .pagination.total "$n" || kt_fail "for $list" || exit 1
		assert_json .pagination.total_capped false || exit 1
		[[ $(link_to next) == *total=true* ]] || [ "$n" -le 1 ] || kt_fail "Link: $(header Link)" || exit 1
		api_as "$(reader "$list")" GET "$list?total=false"
		assert_jq ".pagination | has(\"total\") | not" || exit 1
	done
	api_as "$QUIN" GET "/api/v1/messages?total=true&order=created_at.asc&offset=3&per_page=2"
	assert_json .pagination.total 16
	# Nobody sees another user'"'"'s items by counting them.
	api_as "$OUT" GET "/api/v1/messages?total=true&order=created_at.asc"
	assert_ids ""
	assert_json .pagination.total 0
	api_as "$OUT" GET "/api/v1/messages/$T/replies?total=true&order=created_at.desc"
	assert_error 404 not_found
'

# The cap: bulk rows by SQL for a fresh user (cheaper than 10,000 posts).
BULK=$(make_user bulk)
BULK_ID=$(user_id_of bulk "$BULK")
bulk_messages() {
	kt_sql "SET SESSION max_recursive_iterations = 100000;
		INSERT INTO messages (author_id, message_markup, message_html, recipient_names)
		WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
		SELECT $BULK_ID, 'bulk @bulk', 'bulk @bulk', 'bulk' FROM n;
		INSERT IGNORE INTO inbox (user_id, message_id, author_id)
		SELECT $BULK_ID, message_id, $BULK_ID FROM messages WHERE author_id = $BULK_ID"
}
test_expect "total counts up to 10,000: exactly 10,000 is not capped, 10,001 is total 10000 with total_capped" '
	bulk_messages 10000
	api_as "$BULK" GET "/api/v1/messages?total=true"
	assert_status 200
	assert_json .pagination.total 10000
	assert_json .pagination.total_capped false
	bulk_messages 1
	api_as "$BULK" GET "/api/v1/messages?total=true&order=created_at.asc"
	assert_json .pagination.total 10000
	assert_json .pagination.total_capped true
	bulk_messages 500
	api_as "$BULK" GET "/api/v1/messages?total=true&per_page=1"
	assert_json .pagination.total 10000
	assert_json .pagination.total_capped true
	assert_json .next_link_bool 1
'

test_expect "offset: 0-based items, pagination.offset, Link by offset; offset + per_page up to 10,000" '
	api_as "$QUIN" GET "/api/v1/messages?order=created_at.asc&offset=0&per_page=3"
	assert_ids "${OLDEST[*]:0:3}"
	assert_json .pagination.offset 0
	assert_jq ".pagination | has(\"page\") | not"
	[ -z "$(link_to prev || true)" ] || kt_fail "a prev link at offset 0: $(header Link)"
	api_as "$QUIN" GET "/api/v1/messages?order=created_at.asc&offset=4&per_page=3"
	assert_ids "${OLDEST[*]:4:3}"
	assert_json .pagination.offset 4
	[[ $(link_to next) == *offset=7* && $(link_to next) != *[?\&]page=* ]] || kt_fail "Link: $(header Link)"
	[[ $(link_to prev) == *offset=1* ]] || kt_fail "Link: $(header Link)"
	api_as "$QUIN" GET "$(link_to next)"
	assert_ids "${OLDEST[*]:7:3}"
	api_as "$QUIN" GET /api/v1/messages
	want=$(list_ids | cut -d" " -f3-5)
	api_as "$QUIN" GET "/api/v1/messages?offset=2&per_page=3"
	assert_ids "$want"
	api_as "$QUIN" GET "/api/v1/messages/threads?offset=1&per_page=1&order=created_at.asc"
	assert_ids "${OLDEST[1]}" threads
	api_as "$QUIN" GET "/api/v1/messages?offset=9980"
	assert_status 200
	assert_ids ""
	api_as "$QUIN" GET "/api/v1/messages?offset=9900&per_page=100"
	assert_status 200
'

# bad_get TOKEN PATH CODE [NAME]: GET PATH must be a 400 error CODE with a request_id, naming NAME
# first in invalid_params if given. The status is checked at once, the body kept for bad_check,
# which checks every kept body with one jq run (a jq start per answer was most of this file's
# time). The kept answers live in the test's subshell.
BAD=()
bad_get() {
	api_as "$1" GET "$2"
	assert_status 400 || kt_fail "for $2" || return 1
	[ ${#BAD[@]} -gt 0 ] || : >"$KT_TMP/bad.$BASHPID.json"
	printf '%s\n' "$API_BODY" >>"$KT_TMP/bad.$BASHPID.json"
	BAD+=("$2" "$3" "${4:-}")
}
bad_check() {
	local i exp='' bad file=$KT_TMP/bad.$BASHPID.json
	[ ${#BAD[@]} -gt 0 ] || kt_fail "bad_check: no answer kept" || return 1
	for ((i = 0; i < ${#BAD[@]}; i += 3)); do
		exp+="${BAD[i + 1]} ${BAD[i + 2]}"$'\n'
	done
	# The number of answers read, then the index of each that is not the error expected.
	bad=$(jq -rn --arg exp "$exp" '($exp | split("\n")) as $e | [inputs] | (length | tostring),
		(to_entries[] | .key as $i | ($e[$i] | split(" ")) as [$code, $name] | .value
		| select((.status == 400 and .code == $code and (.request_id | type == "string")
			and ($name == "" or .invalid_params[0].name == $name)) | not) | "\($i) \(tojson)")' \
		"$file" 2>&1) || kt_fail "jq on the answers failed: $bad" || return 1
	[ "${bad%%$'\n'*}" = $((${#BAD[@]} / 3)) ] || kt_fail "read ${bad%%$'\n'*} answers of $((${#BAD[@]} / 3))" || return 1
	[[ $bad != *$'\n'* ]] || {
		while read -r i exp; do
			echo "GET ${BAD[i * 3]}: expected a 400 ${BAD[i * 3 + 1]}${BAD[i * 3 + 2]:+ naming ${BAD[i * 3 + 2]}}, got: $exp"
		done <<<"${bad#*$'\n'}"
		return 1
	}
	BAD=()
}

test_expect "bad offsets: with a page or a cursor, negative, huge, not a number, beyond the window: 400 naming offset" '
	for list in "${ORDERED[@]}" "${UNORDERED[@]}"; do
		for query in "offset=1&page=1" "offset=0&before=5" "offset=0&after=5" offset=-1 offset= offset=x \
			offset=1.5 offset=99999999999999999999 offset=+1; do
			bad_get "$(reader "$list")" "$list?$query" invalid_query_parameter offset || exit 1
		done
		for query in offset=9981 "offset=9901&per_page=100" offset=9223372036854775807; do
			bad_get "$(reader "$list")" "$list?$query" result_window_too_large offset || exit 1
		done
	done
	bad_check
	api_as "$QUIN" GET "/api/v1/messages/page/2?offset=3"
	assert_error 400 invalid_query_parameter
	api_as "$QUIN" GET "/api/v1/messages/threads/2?offset=3"
	assert_error 400 invalid_query_parameter
'

test_expect "bad orders: another field is 400 not_allowed_order_field naming it; bad syntax is 400 invalid_query_parameter naming order" '
	api_as "$QUIN" GET "/api/v1/messages?order=message_text.asc"
	assert_error 400 not_allowed_order_field
	assert_jq ".invalid_params == [.invalid_params[0]] and .invalid_params[0].name == \"order\"
		and (.invalid_params[0].message | contains(\"message_text\"))"
	for list in "${ORDERED[@]}"; do
		for order in author_name last_message_at.desc "created_at,author_id.desc" %3Cb%3E; do
			[[ $list == */threads && $order == last_message_at.desc ]] && continue
			bad_get "$(reader "$list")" "$list?order=$order" not_allowed_order_field order || exit 1
		done
	done
	# Lists with no order field refuse every one.
	for list in "${UNORDERED[@]}"; do
		for order in created_at created_at.desc webhook_id; do
			bad_get "$QUIN" "$list?order=$order" not_allowed_order_field || exit 1
		done
	done
	for list in "${ORDERED[@]}" "${UNORDERED[@]}"; do
		for order in "" , created_at, ,created_at .asc created_at. created_at.up created_at.ASC \
			created_at.asc.desc "created_at.asc,created_at.desc" "created_at,created_at" "a,b,c"; do
			bad_get "$(reader "$list")" "$list?order=$order" invalid_query_parameter order || exit 1
		done
	done
	bad_check
	api_as "$QUIN" GET "/api/v1/messages?order=created_at.up"
	assert_error 400 invalid_query_parameter
	# The parameter twice with different values (API.md §1).
	api_as "$QUIN" GET "/api/v1/messages?order=created_at.asc&order=created_at.desc"
	assert_error 400 duplicate_parameter
	assert_jq ".invalid_params[0].name == \"order\""
'

test_expect "bad totals: anything but true or false is 400 naming total" '
	for list in "${ORDERED[@]}" "${UNORDERED[@]}"; do
		for total in maybe 1 yes TRUE ""; do
			bad_get "$(reader "$list")" "$list?total=$total" invalid_query_parameter total || exit 1
		done
	done
	bad_check
	api_as "$QUIN" GET "/api/v1/messages?total=maybe"
	assert_error 400 invalid_query_parameter
'

test_expect "version 0 orders and offsets the same items, validates the same, and answers no total" '
	V0=(-H "X-Kinglet-API-Version: 0")
	api_as "$QUIN" GET "/api/v1/messages/threads?order=created_at.asc"
	want=$(jq -c "[.threads[].message_id | tostring]" "$KT_TMP/body")
	api_as "$QUIN" GET "/api/v1/messages/threads?order=created_at.asc&total=true" "${V0[@]}"
	assert_status 200
	assert_jq "[.threads[].message_id] == $want"
	assert_jq "has(\"pagination\") | not"
	api_as "$QUIN" GET "/api/v1/messages?order=created_at.asc&offset=1&per_page=2" "${V0[@]}"
	assert_jq "[.messages[].message_id] == [\"${OLDEST[1]}\", \"${OLDEST[2]}\"]"
	# The whole thread at once, as the original answered, in the order asked for.
	api_as "$RAE" GET "/api/v1/messages/$T/replies?order=created_at.desc" "${V0[@]}"
	assert_status 200
	assert_jq "[.messages[].message_id] == ($(jq -nc "[\"$(reversed "${TR[@]}")\" | split(\" \")[]]"))"
	api_as "$QUIN" GET "/api/v1/messages?order=author_name" "${V0[@]}"
	assert_status 400
	assert_jq "keys == [\"description\", \"status\", \"system_message\", \"user_message\"]"
	api_as "$QUIN" GET "/api/v1/messages?total=maybe" "${V0[@]}"
	assert_status 400
'

test_done
