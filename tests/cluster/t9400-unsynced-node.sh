#!/usr/bin/env bash
# A Galera node that answers but is not synced (here desynced by the operator, as a donor is) is
# skipped: the processes that lose their connection to it reconnect to the next node of db.hosts,
# say why in the log and which node in the health route, and come back once it is synced again.
# shellcheck source=tests/cluster/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start
TOKEN=$(make_user ann)
NODE1=$CLUSTER_ADDRESS:$(galera_port 1 sql)

test_expect "every process writes to node 1, the first of db.hosts" '
	cluster_wait "webs_write_to 1" 10 || kt_fail "health: $(writer_of_web 1) and $(writer_of_web 2)"
'

galera_node 1
test_expect "node 1 desynced still answers, but is no longer synced (wsrep_local_state 2)" '
	db_root -e "SET GLOBAL wsrep_desync = ON"
	cluster_wait "[ \"\$(galera_status WSREP_LOCAL_STATE)\" = 2 ]" 10 ||
		kt_fail "wsrep_local_state $(galera_status WSREP_LOCAL_STATE)"
	[ "$(db_root -N -e "SELECT COUNT(*) FROM \`$KT_DB\`.users")" -ge 1 ]
'

test_expect "the processes whose connections node 1 drops skip it and use node 2; the log says why" '
	db_root -N -e "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = \"$DB_USER\"" |
		while read -r id; do db_root -e "KILL $id" 2>/dev/null || true; done
	cluster_wait "webs_write_to 2" 30 || kt_fail "health: $(writer_of_web 1) and $(writer_of_web 2)"
	grep -F "database node 1 ($NODE1) skipped: wsrep_ready ON, wsrep_local_state 2 (4 is synced)" "$WEB_LOG/kinglet.log" | tail -n 1
	id=$(post_message "$TOKEN" "@ann while node 1 is desynced")
	api_as "$TOKEN" GET "/api/v1/messages/$id"
	assert_status 200
'

test_expect "once node 1 is synced again, the processes move back to it" '
	db_root -e "SET GLOBAL wsrep_desync = OFF"
	cluster_wait "galera_synced" 30 || kt_fail "node 1 not synced again"
	cluster_wait "webs_write_to 1" 30 || kt_fail "health: $(writer_of_web 1) and $(writer_of_web 2)"
'

test_done
