#!/usr/bin/env bash
# Every list is an index range scan whose cost does not grow with the table: the programs' own
# statements, as MariaDB's slow log records them (plan and Rows_examined), after many messages.
# once: the database's plans of the statements, not the web server's
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

# 150 messages to bob, a thread of 120 replies, and 60 messages bob cannot see.
for i in $(seq 150); do
	api_json POST /api/v1/messages "{\"message_text\":\"note $i for @bob\"}" -H "Authorization: Bearer $ALICE" >/dev/null
done
THREAD=$(jq -r .message_id "$KT_TMP/body")
for i in $(seq 120); do
	api_json POST "/api/v1/messages/$THREAD/replies" "{\"message_text\":\"reply $i\"}" -H "Authorization: Bearer $BOB" >/dev/null
done
# Strictly after EPOCH means a later second.
sleep 1
EPOCH=$(date +%s)
sleep 1
for i in $(seq 60); do
	api_json POST /api/v1/messages "{\"message_text\":\"aside $i for @carol\"}" -H "Authorization: Bearer $ALICE" >/dev/null
done
MIDDLE=$((THREAD - 75))

# check_scan WHAT REQUEST_PATH TABLE_PATTERN MAX_ROWS: the request's statement that reads the
# list used an index on every table (no full scan) and examined at most MAX_ROWS rows.
check_scan() {
	local from
	from=$(stat -c %s "$SLOW")
	api GET "$2" -H "Authorization: Bearer ${AS:-$BOB}"
	assert_status 200 || return 1
	sleep 0.2
	tail -c +"$((from + 1))" "$SLOW" >"$KT_TMP/slow.part"
	# One record per statement: the "# Query_time" line, the explain lines, the statement.
	awk -v pat="$3" '
		/^# Query_time:/ { examined = $0; sub(/.*Rows_examined: /, "", examined); sub(/ .*/, "", examined); plan = "" }
		/^# explain:/ { plan = plan "\n" $0 }
		/^SELECT/ && $0 ~ pat { print examined "\t" plan; found = 1 }
		END { if (!found) exit 1 }' "$KT_TMP/slow.part" >"$KT_TMP/scan" ||
		kt_fail "no list statement matching /$3/ in the slow log" || return 1
	cat "$KT_TMP/scan"
	local rows
	rows=$(grep -E '^[0-9]+' "$KT_TMP/scan" | cut -f1 | sort -n | tail -n 1)
	[ "$rows" -le "$4" ] || kt_fail "$1 examined $rows rows, more than $4" || return 1
	! grep -E '^# explain: .*\| (ALL|index) \|' "$KT_TMP/scan" ||
		kt_fail "$1 scanned a whole table or index"
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

test_done
