#!/usr/bin/env bash
# Every list is an index range scan whose cost does not grow with the table: the programs' own
# statements, as MariaDB's slow log records them (plan and Rows_examined), after many messages.
# once: the database's plans of the statements, not the web server's
# alone: its slow log is a global of the shared MariaDB, and would hold every file's statements
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# Written by mariadbd, which runs as its own user: in its log directory.
SLOW=$(dirname "$DB_LOG")/slow-$KT_NAME.log
rm -f "$SLOW"
# Programs read the global at connect: switch the log on before they start, off when done.
db_root -e "SET GLOBAL slow_query_log = 0; SET GLOBAL slow_query_log_file = '$SLOW';
	SET GLOBAL long_query_time = 0; SET GLOBAL log_slow_verbosity = 'query_plan,explain';
	SET GLOBAL slow_query_log = 1"
slow_log_off() {
	db_root -e "SET GLOBAL slow_query_log = 0; SET GLOBAL long_query_time = 10" || true
}
trap 'slow_log_off; kt_exit' EXIT
test_web_start

ALICE=$(make_user alice)
BOB=$(make_user bob)
CAROL=$(make_user carol)

# post_many TOKEN PATH FORMAT N: N POSTs to PATH, one after the other, of the message texts
# printf FORMAT 1..N (no characters JSON must escape), by one curl on one connection (a curl and a
# jq per message were most of this file's time); fails unless each is 201. $KT_TMP/many.json is
# the last answer.
post_many() {
	local token=$1 path=$2 format=$3 n=$4 i text
	{
		for ((i = 1; i <= n; i++)); do
			# shellcheck disable=SC2059 # FORMAT is a printf format
			printf -v text "$format" "$i"
			[ "$i" -eq 1 ] || echo next
			printf 'url = "http://127.0.0.1:%s%s"\nrequest = "POST"\n' "$WEB_PORT" "$path"
			printf 'header = "Content-Type: application/json"\nheader = "Authorization: Bearer %s"\n' "$token"
			printf 'data-binary = "{\\"message_text\\":\\"%s\\"}"\n' "$text"
			printf 'output = "%s"\nwrite-out = "%%{http_code}\\n"\n' "$KT_TMP/many.json"
		done
	} >"$KT_TMP/many.curl"
	curl -sS --max-time 300 -K "$KT_TMP/many.curl" >"$KT_TMP/many.status" ||
		stack_die "post_many $path: curl failed"
	[ "$(grep -cx 201 "$KT_TMP/many.status")" -eq "$n" ] ||
		stack_die "post_many $path: not $n times 201: $(sort "$KT_TMP/many.status" | uniq -c | tr '\n' ' ')"
}

# 150 messages to bob, a thread of 120 replies, and 60 messages bob cannot see.
post_many "$ALICE" /api/v1/messages "note %d for @bob" 150
THREAD=$(jq -r .message_id "$KT_TMP/many.json")
post_many "$BOB" "/api/v1/messages/$THREAD/replies" "reply %d" 120
# Strictly after EPOCH means a later second: EPOCH is the second after the last reply's, and the
# asides come in the second after EPOCH (each wait ends on a second's boundary).
next_second() {
	local now=$EPOCHREALTIME us
	us=$((1000000 - 10#${now#*.}))
	sleep "$((us / 1000000)).$(printf %06d $((us % 1000000)))"
}
next_second
EPOCH=$(date +%s)
next_second
post_many "$ALICE" /api/v1/messages "aside %d for @carol" 60
MIDDLE=$((THREAD - 75))
# Approval requests to bob (the requests list), and bob's webhook with deliveries (no daemon:
# they stay pending, nothing is sent).
webhookd_stop
DAVE=$(make_user dave)
for who in "$ALICE" "$CAROL" "$DAVE"; do
	api POST /api/v1/lists/request/bob --data "" -H "Authorization: Bearer $who" >/dev/null
done
api_json POST /api/v1/webhooks "{\"url\":\"https://93.184.215.14/hook\",\"events\":[\"message.received\"]}" \
	-H "Authorization: Bearer $BOB" >/dev/null
HOOK=$(jq -r .webhook_id "$KT_TMP/body")
for i in 1 2 3; do
	api POST "/api/v1/webhooks/$HOOK/ping" --data "" -H "Authorization: Bearer $BOB" >/dev/null
done

# check_scan WHAT REQUEST_PATH TABLE_PATTERN MAX_ROWS [KEY]: the request's statement that reads
# the list used an index on every table (no full scan), KEY among them when given, and examined
# at most MAX_ROWS rows.
check_scan() {
	local from
	from=$(stat -c %s "$SLOW")
	api GET "$2" -H "Authorization: Bearer ${AS:-$BOB}"
	assert_status 200 || return 1
	sleep 0.2
	tail -c +"$((from + 1))" "$SLOW" >"$KT_TMP/slow.part"
	# One record per statement: the "# Query_time" line, the explain lines, the statement. The
	# C locale: the statement quotes the token's hash, bytes that are not UTF-8, which a UTF-8
	# regex does not match with ".".
	LC_ALL=C awk -v pat="$3" '
		/^# Query_time:/ { examined = $0; sub(/.*Rows_examined: /, "", examined); sub(/ .*/, "", examined); plan = "" }
		/^# explain:/ { plan = plan "\n" $0 }
		/^SELECT/ && $0 ~ pat { print examined "\t" plan; found = 1 }
		END { if (!found) exit 1 }' "$KT_TMP/slow.part" >"$KT_TMP/scan" ||
		kt_fail "no list statement matching /$3/ in the slow log" || return 1
	cat "$KT_TMP/scan"
	local rows
	rows=$(grep -E '^[0-9]+' "$KT_TMP/scan" | cut -f1 | sort -n | tail -n 1)
	[ "$rows" -le "$4" ] || kt_fail "$1 examined $rows rows, more than $4" || return 1
	# The explain lines are tab-separated; a derived table (<derivedN>) is the statement's own
	# bounded subquery, read whole by design.
	local tab
	tab=$(printf '\t')
	if grep -E "^# explain: .*$tab(ALL|index)$tab" "$KT_TMP/scan" | grep -v "$tab<derived[0-9]*>$tab"; then
		kt_fail "$1 scanned a whole table or index"
		return 1
	fi
	[ -z "${5:-}" ] || grep -q "$tab$5$tab" "$KT_TMP/scan" ||
		kt_fail "$1 did not read the index $5"
}

test_expect "the stream's first page reads about one page of rows" '
	check_scan stream /api/v1/messages "JOIN inbox i ON" 80
'
test_expect "a stream page behind a cursor reads about one page of rows" '
	check_scan "stream before=" "/api/v1/messages?before=$MIDDLE" "JOIN inbox i ON" 80
'
test_expect "page 3 of the stream reads three pages, not the table" '
	check_scan "stream page 3" /api/v1/messages/page/3 "FROM inbox WHERE" 200
'
test_expect "since EPOCH counts and reads only what is newer than EPOCH" '
	AS=$CAROL check_scan since "/api/v1/messages/since/$EPOCH" "COUNT" 130
	assert_json .new_message_count 60
	AS=$CAROL check_scan since "/api/v1/messages/since/$EPOCH" "i.message_id < ?" 80
	check_scan "since, nothing new" "/api/v1/messages/since/$EPOCH" "COUNT" 5
	assert_json .new_message_count 0
'
test_expect "threads by last activity read about one page of rows" '
	check_scan threads /api/v1/messages/threads "JOIN thread_members tm ON" 120
'
test_expect "the replies of a 120-reply thread read one page (per_page=20)" '
	check_scan replies "/api/v1/messages/$THREAD/replies?per_page=20" "m.parent_id = ?" 80
'
test_expect "one message is a primary-key lookup" '
	check_scan "GET /messages/N" "/api/v1/messages/$MIDDLE" "m.message_id = ?" 5
	check_scan "GET replies: the visibility lookup" "/api/v1/messages/$MIDDLE/replies" "m.message_id = ?" 5
'

# API.md §12: every order of every list is an index range too (created_at order is id order on
# messages and requests; threads by created_at read thread_members (user_id, thread_id)).
test_expect "every list in each of its orders reads about one page of rows" '
	check_scan "stream created_at.asc" "/api/v1/messages?order=created_at.asc" "JOIN inbox i ON.*ASC LIMIT" 80
	check_scan "stream created_at.desc" "/api/v1/messages?order=created_at.desc" "JOIN inbox i ON.*DESC LIMIT" 80
	check_scan "stream created_at.asc before=" "/api/v1/messages?order=created_at.asc&before=$MIDDLE" "JOIN inbox i ON" 80
	check_scan "stream created_at.asc page 3" "/api/v1/messages/page/3?order=created_at.asc" "FROM inbox WHERE.*ASC LIMIT" 200
	check_scan "stream created_at.asc offset=40" "/api/v1/messages?order=created_at.asc&offset=40" "FROM inbox WHERE.*ASC LIMIT" 200
	AS=$CAROL check_scan "since created_at.asc" "/api/v1/messages/since/$EPOCH?order=created_at.asc" "FROM inbox i JOIN messages m.*ORDER BY i.message_id ASC LIMIT" 80
	AS=$CAROL check_scan "since created_at.desc" "/api/v1/messages/since/$EPOCH?order=created_at.desc" "FROM inbox i JOIN messages m.*ORDER BY i.message_id DESC LIMIT" 80
	check_scan "threads last_message_at.asc" "/api/v1/messages/threads?order=last_message_at.asc" "ORDER BY tm.last_message_id ASC" 120 thread_members_activity
	check_scan "threads last_message_at.desc" "/api/v1/messages/threads?order=last_message_at.desc" "ORDER BY tm.last_message_id DESC" 120
	check_scan "threads created_at.desc" "/api/v1/messages/threads?order=created_at.desc" "ORDER BY tm.thread_id DESC" 120 thread_members_created
	check_scan "threads created_at.asc" "/api/v1/messages/threads?order=created_at.asc" "ORDER BY tm.thread_id ASC" 120 thread_members_created
	check_scan "threads created_at.asc after=" "/api/v1/messages/threads?order=created_at.asc&after=$MIDDLE" "ORDER BY tm.thread_id ASC" 120 thread_members_created
	check_scan "replies created_at.desc" "/api/v1/messages/$THREAD/replies?per_page=20&order=created_at.desc" "m.parent_id = [0-9]+ AND.*DESC LIMIT" 80
	check_scan "replies created_at.asc" "/api/v1/messages/$THREAD/replies?per_page=20&order=created_at.asc" "m.parent_id = [0-9]+ AND.*ASC LIMIT" 80
	check_scan "requests created_at.desc" "/api/v1/lists/requests?order=created_at.desc" "FROM approvals a FORCE.*DESC LIMIT" 20 approvals_approver_all
	assert_jq ".requests | length == 3"
	check_scan "requests created_at.asc" "/api/v1/lists/requests?order=created_at.asc" "FROM approvals a FORCE.*ASC LIMIT" 20 approvals_approver_all
	check_scan webhooks /api/v1/webhooks "FROM webhooks w FORCE" 10 webhooks_user
	check_scan deliveries "/api/v1/webhooks/$HOOK/deliveries" "FROM webhook_deliveries FORCE" 10 webhook_deliveries_hook
	assert_jq ".deliveries | length == 3"
'

# total=true: one count over the list'"'"'s index, stopping at 10,001 rows (t0380 checks the cap).
test_expect "total=true counts each list over its index range, in any order" '
	check_scan "stream total" "/api/v1/messages?total=true&order=created_at.asc" "COUNT[(][*][)] FROM [(]SELECT 1 FROM inbox" 600
	assert_json .pagination.total 270
	AS=$CAROL check_scan "since total" "/api/v1/messages/since/$EPOCH?total=true" "COUNT[(][*][)] FROM [(]SELECT STRAIGHT_JOIN 1 FROM inbox" 250
	assert_json .pagination.total 60
	check_scan "threads total" "/api/v1/messages/threads?total=true&order=created_at.desc" "COUNT[(][*][)] FROM [(]SELECT 1 FROM thread_members" 330
	assert_json .pagination.total 150
	check_scan "replies total" "/api/v1/messages/$THREAD/replies?total=true" "COUNT[(][*][)] FROM [(]SELECT 1 FROM messages" 260
	assert_json .pagination.total 120
	check_scan "requests total" "/api/v1/lists/requests?total=true" "COUNT[(][*][)] FROM [(]SELECT 1 FROM approvals" 10
	assert_json .pagination.total 3
	check_scan "webhooks total" "/api/v1/webhooks?total=true" "COUNT[(][*][)] FROM [(]SELECT 1 FROM webhooks" 5
	assert_json .pagination.total 1
	check_scan "deliveries total" "/api/v1/webhooks/$HOOK/deliveries?total=true" "COUNT[(][*][)] FROM [(]SELECT 1 FROM webhook_deliveries" 10
	assert_json .pagination.total 3
'

test_done
