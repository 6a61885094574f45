#!/usr/bin/env bash
# A rolling restart of the three Galera nodes (one at a time: a clean stop, a start that catches up
# by IST) under a steady stream of posts: no acknowledged post is lost, and posts keep flowing.
# shellcheck source=tests/cluster/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start
TOKEN=$(make_user cat)

stream_start "$TOKEN" cat
test_expect "posts flow through HAProxy" '
	stream_wait_acked 10 0 60 || kt_fail "$(stream_acked) posts acknowledged in 60 s"
'

# Node 3 first, the writer (node 1) last, as an operator would.
for node in 3 2 1; do
	test_expect "node $node restarted under load: it rejoins by IST and posts keep being acknowledged" '
		galera_node '"$node"'
		lines=$(wc -l <"$DB_LOG")
		galera_stop
		since=$EPOCHREALTIME
		stream_wait_acked 5 "$since" 60 || kt_fail "posts stopped while node '"$node"' was down"
		galera_node '"$node"'
		galera_start
		tail -n +"$((lines + 1))" "$DB_LOG" >"$KT_TMP/rejoin.log"
		assert_ist "$KT_TMP/rejoin.log"
		since=$EPOCHREALTIME
		stream_wait_acked 5 "$since" 60 || kt_fail "posts stopped after node '"$node"' came back"
	'
done
stream_stop

test_expect "every acknowledged post is readable through each web node and on all three nodes" '
	stream_check_readable "$TOKEN"
	echo "answers: $(awk "{ print \$2 }" "$STREAM_LOG" | sort | uniq -c | tr -s " \n" " ")"
'

test_done
