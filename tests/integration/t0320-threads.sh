#!/usr/bin/env bash
# Integration tests for threads (API.md §5.8): the three path forms, order by last activity, the fields of a thread, the plain-text excerpt, deleted starters, cursors on last-activity ids.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start

TESS=$(make_user tess)
UMA=$(make_user uma)
VIC=$(make_user vic)
XEN=$(make_user xen)
YAN=$(make_user yan)
OUT=$(make_user out)
TESS_ID=$(user_id_of tess "$TESS")
XEN_ID=$(user_id_of xen "$XEN")
post_message "$TESS" "@uma hello uma" >/dev/null
A=$(post_message "$TESS" "@vic thread a")
B=$(post_message "$TESS" "@vic thread b")
C=$(post_message "$TESS" "@vic thread c")

THREAD_KEYS='["author_name","created_at","created_date","last_message_at","last_message_author_name",
	"last_message_date","last_message_id","logged_in_user","message_id","message_status",
	"message_text","recipient_names","reply_count"]'
ISO='"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"'

# assert_threads: every item of .threads (at least one) has exactly the §5.8 fields, typed.
assert_threads() {
	assert_jq "[.threads[] | (keys == $THREAD_KEYS)
		and ([.message_id, .reply_count, .last_message_id, .logged_in_user] | all(type == \"number\"))
		and ([.message_text, .author_name, .recipient_names, .last_message_author_name, .created_date,
			.last_message_date] | all(type == \"string\"))
		and (.message_status | IN(\"active\", \"deleted\"))
		and (.created_at | test($ISO)) and (.last_message_at | test($ISO))] | length > 0 and all"
}

test_expect "GET /messages/threads, /threads/1, /threads/page/1 and ?page=1 list the same threads" '
	api_as "$UMA" GET /api/v1/messages/threads
	assert_status 200
	assert_common
	assert_header Cache-Control no-store
	assert_threads
	jq -S "[.threads[] | del(.created_date, .last_message_date)]" "$KT_TMP/body" >"$KT_TMP/threads.json"
	for path in /api/v1/messages/threads/1 /api/v1/messages/threads/page/1 "/api/v1/messages/threads?page=1" \
		/api/v1/messages/threads/ /api/v1/messages/threads/page/1/; do
		api_as "$UMA" GET "$path"
		assert_status 200 || kt_fail "for $path" || exit 1
		jq -S "[.threads[] | del(.created_date, .last_message_date)]" "$KT_TMP/body" | cmp - "$KT_TMP/threads.json"
	done
'

test_expect "threads are ordered by last activity, newest first; a user sees only the threads they are in" '
	api_as "$VIC" GET /api/v1/messages/threads
	assert_ids "$C $B $A" threads
	ra=$(reply "$VIC" "$A" "bump a")
	api_as "$VIC" GET /api/v1/messages/threads
	assert_ids "$A $C $B" threads
	reply "$TESS" "$B" "bump b" >/dev/null
	api_as "$VIC" GET /api/v1/messages/threads
	assert_ids "$B $A $C" threads
	reply "$VIC" "$C" "bump c" >/dev/null
	api_as "$VIC" GET /api/v1/messages/threads
	assert_ids "$C $B $A" threads
	reply "$TESS" "$ra" "a reply to the reply in a" >/dev/null
	api_as "$VIC" GET /api/v1/messages/threads
	assert_ids "$A $C $B" threads
	assert_jq "[.threads[].reply_count] == [2, 1, 1]"
	api_as "$OUT" GET /api/v1/messages/threads
	assert_status 200
	assert_ids "" threads
	assert_json .next_link_bool 0
'

test_expect "a thread item: exactly its fields; without replies the last activity is the starter itself" '
	s=$(post_message "$TESS" "@xen no replies yet")
	api_as "$XEN" GET /api/v1/messages/threads
	assert_threads
	assert_ids "$s" threads
	api_as "$XEN" GET "/api/v1/messages/$s"
	created=$(jq -r .created_at "$KT_TMP/body")
	api_as "$XEN" GET /api/v1/messages/threads
	assert_jq ".threads[0] | .message_text == \"no replies yet\" and .message_status == \"active\"
		and .author_name == \"tess\" and .recipient_names == \"tess xen\" and .reply_count == 0
		and .last_message_id == 0 and .last_message_author_name == \"tess\"
		and .created_at == \"$created\" and .last_message_at == \"$created\""
	assert_json ".threads[0].logged_in_user" "$XEN_ID"
	r=$(reply "$XEN" "$s" "now one")
	api_as "$XEN" GET "/api/v1/messages/$r"
	replied=$(jq -r .created_at "$KT_TMP/body")
	api_as "$TESS" GET /api/v1/messages/threads
	assert_threads
	assert_jq ".threads[0] | .message_id == $s and .reply_count == 1 and .last_message_id == $r
		and .last_message_author_name == \"xen\" and .last_message_at == \"$replied\" and .created_at == \"$created\""
	assert_json ".threads[0].logged_in_user" "$TESS_ID"
'

test_expect "the excerpt is plain text: tags, entities and @names out, white space collapsed, 75 code points then \" ...\"" '
	e75=$(printf "é%.0s" $(seq 75))
	tab=$(printf "\t")
	texts=("@yan <b>Hello</b> &amp; welcome   to

 the   thread" "@yan $e75" "@yan ${e75}é" "  @yan   a  @tess${tab}b  " "@yan x &lt;script&gt; y <i>z</i>"
		"@yan www.example.com & ok" "@yan a < b -> c" "@yan <img src=x onerror=alert(document.domain)//"
		"@yan hi <b>there</b> <svg onload=alert(1)//")
	excerpts=("Hello welcome to the thread" "$e75" "$e75 ..." "a b" "x script y z" "www.example.com ok" "a b - c"
		"" "hi there")
	for i in "${!texts[@]}"; do
		id=$(post_message "$TESS" "${texts[i]}")
		api_as "$YAN" GET "/api/v1/messages/threads?per_page=1"
		assert_json ".threads[0].message_id" "$id"
		assert_json ".threads[0].message_text" "${excerpts[i]}" || kt_fail "for the text: ${texts[i]}" || exit 1
	done
	# No excerpt holds markup, closed or not (§5.8).
	api_as "$YAN" GET "/api/v1/messages/threads?per_page=100"
	assert_jq "(.threads | length) >= ${#texts[@]} and all(.threads[].message_text; test(\"[<>&]\") | not)"
'

test_expect "a deleted starter with replies stays as a placeholder; one without replies leaves the threads" '
	kept=$(post_message "$TESS" "@uma placeholder please")
	reply "$UMA" "$kept" "an answer" >/dev/null
	gone=$(post_message "$TESS" "@uma gone entirely")
	for id in "$kept" "$gone"; do
		api_as "$TESS" DELETE "/api/v1/messages/$id"
		assert_status 200
	done
	for token in "$UMA" "$TESS"; do
		api_as "$token" GET "/api/v1/messages/threads?per_page=100"
		assert_threads
		assert_jq "[.threads[] | select(.message_id == $kept)] | length == 1 and (.[0] | .message_status == \"deleted\"
			and .message_text == \"\" and .reply_count == 1 and .last_message_author_name == \"uma\")"
		assert_jq "all(.threads[]; .message_id != $gone)"
		assert_jq "all(.threads[] | select(.message_id != $kept); .message_status == \"active\")"
	done
'

test_expect "threads page by cursors on last-activity ids (the newest reply, or the starter without one)" '
	d=$(post_message "$TESS" "@vic thread d, no replies")
	api_as "$VIC" GET "/api/v1/messages/threads?per_page=100"
	assert_ids "$d $A $C $B" threads
	read -r -a act < <(jq -r "[.threads[] | if .last_message_id > 0 then .last_message_id else .message_id end | tostring] | join(\" \")" "$KT_TMP/body")
	[ "${act[0]}" = "$d" ]
	api_as "$VIC" GET "/api/v1/messages/threads?per_page=2"
	assert_ids "$d $A" threads
	assert_json .next_link_bool 1
	assert_json .pagination.per_page 2
	assert_json .pagination.next_before "${act[1]}"
	assert_json .pagination.prev_after "${act[0]}"
	api_as "$VIC" GET "/api/v1/messages/threads?per_page=2&before=${act[1]}"
	assert_ids "$C $B" threads
	assert_json .next_link_bool 0
	assert_json .pagination.next_before null
	assert_json .pagination.prev_after "${act[2]}"
	api_as "$VIC" GET "/api/v1/messages/threads?per_page=2&after=${act[3]}"
	assert_ids "$A $C" threads
	api_as "$VIC" GET "/api/v1/messages/threads?per_page=2&after=${act[1]}"
	assert_ids "$d" threads
	for path in "/api/v1/messages/threads/2?per_page=2" "/api/v1/messages/threads/page/2?per_page=2" \
		"/api/v1/messages/threads?page=2&per_page=2"; do
		api_as "$VIC" GET "$path"
		assert_ids "$C $B" threads || kt_fail "for $path" || exit 1
		assert_json .pagination.page 2
		assert_json .next_link_bool 0
	done
'

test_done
