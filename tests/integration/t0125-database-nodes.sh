#!/usr/bin/env bash
# db.hosts (issue 20) against the single test server: the first healthy node of the list is used, a
# node that does not answer is skipped, and a typo stops the programs at start with the line named.
# The cluster itself (Galera, failover under load) is tests/cluster/run's (make test-cluster).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# The first node does not exist: a socket path where nothing listens, then the test server.
test_web_start "db.hosts=$KT_TMP/nothing-here.sock,$DB_SOCKET"

test_expect "the programs skip a node that does not answer and use the next one of db.hosts" '
	api GET "/api/v1/health?verbose=1"
	assert_status 200
	assert_json .health up
	assert_json .database_node "$DB_SOCKET"
	api GET /api/v1/health
	assert_status 200
	assert_jq "has(\"database_node\") | not"
	token=$(make_user ann)
	id=$(post_message "$token" "@ann through the second node")
	api_as "$token" GET "/api/v1/messages/$id"
	assert_status 200
'

# The programs' refusal is their own, whatever the server: shown by running one directly.
test_expect "a typo in db.hosts stops a program at start, naming the file, the line and the key" '
	printf "db.user = kinglet\ndb.hosts = 127.0.0.1:3306 127.0.0.1:33o7\n" >"$KT_TMP/typo.conf"
	rc=0
	KINGLET_CONF=$KT_TMP/typo.conf "$WEB_BUILD/cgi-bin/service" </dev/null >"$KT_TMP/start.out" 2>&1 || rc=$?
	cat "$KT_TMP/start.out"
	[ "$rc" -ne 0 ] || kt_fail "the program started"
	grep -F "$KT_TMP/typo.conf:2: db.hosts: '"'"'127.0.0.1:33o7'"'"': the port must be a number" "$KT_TMP/start.out" >/dev/null
'

test_done
