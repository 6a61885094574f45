#!/usr/bin/env bash
# A web node dies (kill -9 of its lighttpd and programs): HAProxy routes around it, marks it down,
# and takes it back once it runs again.
# shellcheck source=tests/cluster/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start
TOKEN=$(make_user bob)
LOG=$WEB_LOG

# The node HAProxy sends this client to (by its address: always the same one).
api GET /api/v1/health
SERVING=$(header X-Kinglet-Node | tr -d '\r')
OTHER=web1
[ "$SERVING" != web1 ] || OTHER=web2

test_expect "one client's requests all reach the same web node (balance by source address)" '
	for i in 1 2 3 4 5; do
		api GET /api/v1/time
		assert_status 200
		assert_header X-Kinglet-Node "$SERVING"
	done
'

# kill -9 of the server and of its programs, as a crash of the node's machine would.
cluster_web "${SERVING#web}"
# shellcheck disable=SC2046 # one pid a word
kill -KILL "$(web_pid)" $(web_program_pids)
WEB_PORT=$CLUSTER_PORT
test_expect "with $SERVING killed, every request is answered by the other node" '
	for i in 1 2 3 4 5 6 7 8 9 10; do
		id=$(post_message "$TOKEN" "@bob after the crash $i")
		assert_header X-Kinglet-Node "$OTHER"
		api_as "$TOKEN" GET "/api/v1/messages/$id"
		assert_status 200
	done
	cluster_wait "[ \"\$(haproxy_status $SERVING)\" = DOWN ]" 30 || kt_fail "HAProxy: $SERVING is $(haproxy_status "$SERVING")"
'

test_expect "restarted, the node is checked up again and serves this client again" '
	cluster_web_start "${SERVING#web}" "$KT_DB" scrypt.log2_n=10 scrypt.p=1 ratelimit.enabled=false "log.file=$LOG/kinglet.log"
	cluster_wait "[ \"\$(haproxy_status $SERVING)\" = UP ]" 30 || kt_fail "HAProxy: $SERVING is $(haproxy_status "$SERVING")"
	WEB_PORT=$CLUSTER_PORT
	api GET /api/v1/time
	assert_status 200
	assert_header X-Kinglet-Node "$SERVING"
'

test_done
