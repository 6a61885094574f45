#!/usr/bin/env bash
# The writing Galera node is killed (-9) during a steady stream of posts: no acknowledged post is
# lost, requests recover on the next node, and the node rejoins by IST and becomes the writer again.
# shellcheck source=tests/cluster/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start signup.auto_activate=false
TOKEN=$(make_user ann)
WRITER=$CLUSTER_ADDRESS:$(galera_port 1 sql)
printf '%s\n' "$TOKEN" >"$KT_TMP/token"

test_expect "every process writes to the first node of db.hosts" '
	cluster_wait "webs_write_to 1" 10 || kt_fail "health: $(writer_of_web 1) and $(writer_of_web 2), not $WRITER"
'

stream_start "$TOKEN" ann
test_expect "posts flow through HAProxy" '
	stream_wait_acked 10 0 60 || kt_fail "$(stream_acked) posts acknowledged in 60 s"
'

galera_node 1
KILLED_AT=$EPOCHREALTIME
galera_kill
test_expect "after kill -9 of the writer, posts are acknowledged again (through node 2)" '
	stream_wait_acked 10 "$KILLED_AT" 60 || kt_fail "$(stream_acked "$KILLED_AT") posts acknowledged in 60 s after the kill"
	# The first post sent after the kill that was acknowledged: when it was answered.
	echo "first acknowledged post $(awk -v t="$KILLED_AT" '"'"'$4 > t && $2 == 201 { printf "%.2f", $1 - t; exit }'"'"' "$STREAM_LOG") s after the kill"
	echo "answers after the kill: $(awk -v t="$KILLED_AT" '"'"'$1 > t { print $2 }'"'"' "$STREAM_LOG" | sort | uniq -c | tr -s " \n" " ")"
	cluster_wait "webs_write_to 2" 30 || kt_fail "health: $(writer_of_web 1) and $(writer_of_web 2)"
'
stream_stop

test_expect "every acknowledged post is readable through each web node and on nodes 2 and 3" '
	stream_check_readable "$TOKEN"
'

stream_start "$TOKEN" ann
test_expect "the killed node restarts at its recovered position and catches up by IST, under load" '
	galera_node 1
	lines=$(wc -l <"$DB_LOG")
	galera_start
	tail -n +"$((lines + 1))" "$DB_LOG" >"$KT_TMP/rejoin.log"
	grep -E "IST received|SST received: " "$KT_TMP/rejoin.log"
	assert_ist "$KT_TMP/rejoin.log"
	[ "$(galera_status WSREP_CLUSTER_SIZE)" = 3 ] || kt_fail "cluster size $(galera_status WSREP_CLUSTER_SIZE)"
'
test_expect "the processes move back to node 1, the first of db.hosts" '
	cluster_wait "webs_write_to 1" 30 || kt_fail "health: $(writer_of_web 1) and $(writer_of_web 2)"
	since=$EPOCHREALTIME
	stream_wait_acked 5 "$since" 30 || kt_fail "posts stopped"
'
stream_stop

test_expect "every acknowledged post, before, during and after, is readable everywhere (node 1 too)" '
	stream_check_readable "$TOKEN"
'

test_done
