# Helpers of the cluster scenarios (tests/cluster/t*.sh): a steady stream of posts in the background and the checks on what it was told; sources tests/integration/lib.sh.
# shellcheck shell=bash
#
#   stream_start TOKEN NAME     POST /messages one after another through HAProxy, until stream_stop
#   stream_acked [SINCE]        how many posts were acknowledged (201 with an id) [after epoch SINCE]
#   stream_check_readable       every acknowledged id is readable through each web node, and on
#                               every running Galera node

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
[ -n "$KT_CLUSTER" ] || stack_die "$KT_NAME runs against the cluster only (tests/cluster/run, make test-cluster)"

STREAM_LOG=$KT_TMP/stream.log
STREAM_PID=''

# One line per post: "ANSWERED STATUS ID SENT" (epochs; ID empty unless 201). The loop stops when asked to
# (stream_stop) and when this file's shell is gone (a test that died leaves no stream behind).
stream_start() {
	local token=$1 name=$2 main=$$
	: >"$STREAM_LOG"
	rm -f "$KT_TMP/stream.stop"
	(
		i=0
		while [ ! -e "$KT_TMP/stream.stop" ] && kill -0 "$main" 2>/dev/null; do
			i=$((i + 1))
			sent=$EPOCHREALTIME
			status=$(curl -s --max-time 20 -o "$KT_TMP/stream.body" -w '%{http_code}' \
				-H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
				--data-binary "{\"message_text\":\"@$name stream $i\"}" \
				"http://127.0.0.1:$WEB_PORT/api/v1/messages") || status=000
			id=''
			[ "$status" != 201 ] || id=$(jq -r '.message_id // empty' "$KT_TMP/stream.body" 2>/dev/null || true)
			printf '%s %s %s %s\n' "$EPOCHREALTIME" "$status" "$id" "$sent" >>"$STREAM_LOG"
		done
	) >/dev/null 2>&1 &
	STREAM_PID=$!
}

stream_stop() {
	touch "$KT_TMP/stream.stop"
	[ -z "$STREAM_PID" ] || wait "$STREAM_PID" 2>/dev/null || true
	STREAM_PID=''
}

# stream_acked [SINCE]: acknowledged posts (sent after epoch SINCE: a post sent before may be
# committed before SINCE and answered after it).
stream_acked() {
	awk -v since="${1:-0}" '$4 > since && $2 == 201 && $3 != "" { n++ } END { print n + 0 }' "$STREAM_LOG"
}
# stream_wait_acked N [SINCE] [SECONDS]: until N posts (sent after SINCE) were acknowledged.
stream_wait_acked() {
	cluster_wait "[ \$(stream_acked ${2:-0}) -ge $1 ]" "${3:-90}"
}
stream_ids() { awk '$2 == 201 && $3 != "" { print $3 }' "$STREAM_LOG"; }

# Galera applies a write set on the other nodes just after the commit: before reading there,
# wait until no running node has write sets queued.
galera_drained() {
	local i
	for ((i = 1; i <= CLUSTER_NODES; i++)); do
		galera_node "$i"
		galera_running || continue
		[ "$(galera_status WSREP_LOCAL_RECV_QUEUE)" = 0 ] || return 1
	done
}

# stream_check_readable TOKEN: GET /messages/ID of every acknowledged id through each web node
# (their own ports, past HAProxy) is 200, and each running Galera node has every one of them.
stream_check_readable() {
	local token=$1 i id n bad want
	stream_ids >"$KT_TMP/acked"
	want=$(wc -l <"$KT_TMP/acked")
	[ "$want" -gt 0 ] || kt_fail "no post was acknowledged" || return 1
	cluster_wait galera_drained 30 || kt_fail "write sets still queued after 30 s" || return 1
	for ((i = 1; i <= CLUSTER_WEBS; i++)); do
		# One curl for them all (one connection): a config file of url/output pairs.
		while IFS= read -r id; do
			printf 'url = "http://127.0.0.1:%s/api/v1/messages/%s"\noutput = "/dev/null"\n' \
				"$(cluster_web_port "$i")" "$id"
		done <"$KT_TMP/acked" >"$KT_TMP/urls"
		curl -s -K "$KT_TMP/urls" -H "Authorization: Bearer $token" -w '%{http_code} %{url_effective}\n' \
			>"$KT_TMP/reads" || true
		n=$(grep -c '^200 ' "$KT_TMP/reads" || true)
		bad=$(grep -v '^200 ' "$KT_TMP/reads" | head -n 5 || true)
		[ "$n" -eq "$want" ] || kt_fail "web node $i: $n of $want acknowledged posts readable; $bad" || return 1
	done
	for ((i = 1; i <= CLUSTER_NODES; i++)); do
		galera_node "$i"
		galera_running || continue
		n=$(db_root -N "$KT_DB" -e "SELECT COUNT(*) FROM messages WHERE message_id IN ($(paste -sd, "$KT_TMP/acked"))")
		[ "$n" -eq "$want" ] || kt_fail "Galera node $i has $n of the $want acknowledged posts" || return 1
	done
	echo "$want acknowledged posts readable through both web nodes and on every running node"
}

# assert_ist LOG: the start of a node that LOG (its error log since the start) shows caught up by
# IST: the "state transfer" it went through (rsync's is always run) brought nothing, it kept the
# position it was started at, and the write sets after it came by IST.
assert_ist() {
	local start sst
	start=$(sed -n "s/.*Running: 'wsrep_sst_rsync --role 'joiner'.*--wsrep-start-position=\([0-9a-f:-]*\).*/\1/p" "$1" | tail -n 1)
	sst=$(sed -n 's/.*WSREP: SST received: \([0-9a-f:-]*\).*/\1/p' "$1" | tail -n 1)
	grep -q "WSREP: IST received" "$1" || kt_fail "no IST received" || return 1
	[ -z "$sst" ] || [ "$sst" = "$start" ] ||
		kt_fail "a full state transfer (SST to $sst) instead of IST from $start"
}

# The node this cluster's programs write to, as web node NODE's health route says (host:port).
writer_of_web() {
	curl -s --max-time 10 "http://127.0.0.1:$(cluster_web_port "$1")/api/v1/health?verbose=1" | jq -r '.database_node // empty'
}
# Whether every web node's answering process uses Galera node NODE.
webs_write_to() {
	local i want
	want=$CLUSTER_ADDRESS:$(galera_port "$1" sql)
	for ((i = 1; i <= CLUSTER_WEBS; i++)); do
		[ "$(writer_of_web "$i")" = "$want" ] || return 1
	done
}
