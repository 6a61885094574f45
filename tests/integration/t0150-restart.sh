#!/usr/bin/env bash
# Integration test for graceful restarts (issue 5): while the web server restarts gracefully (lighttpd SIGUSR1, apache2 -k graceful, nginx SIGHUP) every request gets a complete answer and every acknowledged sign-up is stored.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start signup.per_ip_per_hour=1000000

# load NAME: requests one after the other until $KT_TMP/stop exists (at most 600), one line per
# request in $KT_TMP/NAME.log: "HTTP-status curl-exit-status [user]". NAME is time (GET
# /api/v1/time) or signup (POST /api/v1/users, a new user each time).
load() {
	local name=$1 i user code
	for ((i = 0; i < 600; i++)); do
		[ ! -e "$KT_TMP/stop" ] || break
		if [ "$name" = time ]; then
			code=$(curl -s -o /dev/null --max-time 30 -w '%{http_code} %{exitcode}' \
				"http://127.0.0.1:$WEB_PORT/api/v1/time") || true
			echo "$code" >>"$KT_TMP/time.log"
		else
			user=r$i
			code=$(curl -s -o /dev/null --max-time 30 -w '%{http_code} %{exitcode}' \
				-H 'Content-Type: application/json' --data-binary \
				"{\"user_name\":\"$user\",\"email\":\"$user@example.com\",\"password\":\"$user-password\"}" \
				"http://127.0.0.1:$WEB_PORT/api/v1/users") || true
			echo "$code $user" >>"$KT_TMP/signup.log"
		fi
	done
}

# lines FILE: how many lines FILE has (0 before it exists).
lines() {
	if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi
}
# more_requests N: waits until each load has answered N more requests (so that the counts below
# do not depend on how fast a busy machine is), at most a minute.
more_requests() {
	local n=$1 t s i
	t=$(lines "$KT_TMP/time.log") s=$(lines "$KT_TMP/signup.log")
	for ((i = 0; i < 600; i++)); do
		[ "$(lines "$KT_TMP/time.log")" -lt $((t + n)) ] || [ "$(lines "$KT_TMP/signup.log")" -lt $((s + n)) ] ||
			return 0
		sleep 0.1
	done
}

# Two restarts under load: each time the server must come back (the handshake answers).
rm -f "$KT_TMP/stop" "$KT_TMP/time.log" "$KT_TMP/signup.log"
pid_before=$(web_pid)
load time &
time_loop=$!
load signup &
signup_loop=$!
restarts=0
for round in 1 2; do
	more_requests 5
	if web_graceful >>"$KT_TMP/graceful.out" 2>&1; then
		restarts=$((restarts + 1))
	fi
	retry 10 curl -sf -o /dev/null "$WEB_URL" || true
done
more_requests 5
touch "$KT_TMP/stop"
wait "$time_loop" "$signup_loop" || true

test_expect "the server restarted gracefully twice and runs on (same main process)" '
	cat "$KT_TMP/graceful.out"
	[ "$restarts" -eq 2 ] || kt_fail "web_graceful failed: $restarts of 2"
	[ "$(web_pid)" = "$pid_before" ] || kt_fail "main process changed: $pid_before -> $(web_pid)"
	curl -sf -o /dev/null "$WEB_URL"
'

test_expect "GET /time during the restarts: every request answered 200 (no reset, no 5xx)" '
	n=$(wc -l <"$KT_TMP/time.log")
	echo "$n requests"
	[ "$n" -ge 10 ] || kt_fail "only $n requests ran"
	bad=$(grep -cv "^200 0$" "$KT_TMP/time.log" || true)
	[ "$bad" -eq 0 ] || kt_fail "$bad of $n not answered 200: $(sort "$KT_TMP/time.log" | uniq -c | tr "\n" ";")"
'

test_expect "POST /users during the restarts: every sign-up answered 201, and each is stored" '
	n=$(wc -l <"$KT_TMP/signup.log")
	echo "$n sign-ups"
	[ "$n" -ge 5 ] || kt_fail "only $n sign-ups ran"
	bad=$(grep -cv "^201 0 " "$KT_TMP/signup.log" || true)
	[ "$bad" -eq 0 ] || kt_fail "$bad of $n not answered 201: $(cut -d" " -f1,2 "$KT_TMP/signup.log" | sort | uniq -c | tr "\n" ";")"
	db_root -N -e "SELECT user_name FROM \`$KT_DB\`.users" | sort >"$KT_TMP/stored"
	awk "\$1 == 201 { print \$3 }" "$KT_TMP/signup.log" | sort >"$KT_TMP/acknowledged"
	missing=$(comm -23 "$KT_TMP/acknowledged" "$KT_TMP/stored")
	[ -z "$missing" ] || kt_fail "acknowledged but not stored: $missing"
'

# Apache and nginx run as www-data when started by root; a checkout in /root or in a mktemp -d
# directory sits below a mode-700 directory. A start must let www-data through (an ACL entry that
# lets it search, not read) rather than die. The directory made mode 700 is the file's own server
# directory: its parent holds the servers of the files that run beside this one.
test_skip_on lighttpd "lighttpd and its programs keep the user who starts them"
test_expect "a start below a mode-700 directory lets www-data search it, and serves" '
	[ "$WEB_USER" != "$(id -un)" ] || kt_fail "expected $WEB_SERVER to run as another user"
	parent=$WEB_DIR
	getfacl -p "$parent" >"$KT_TMP/parent.acl"
	setfacl -b "$parent"
	chmod 700 "$parent"
	rc=0
	web_start >"$KT_TMP/start.out" 2>&1 || rc=$?
	acl=$(getfacl -cp "$parent" 2>&1)
	# The directory as it was (mode and ACL): the server must still reach its programs.
	setfacl --restore="$KT_TMP/parent.acl"
	cat "$KT_TMP/start.out"
	[ "$rc" -eq 0 ] || kt_fail "web_start failed ($rc)"
	grep -qF "letting $WEB_USER search $parent " "$KT_TMP/start.out" || kt_fail "no word of the grant"
	grep -qx "user:$WEB_USER:--x" <<<"$acl" || kt_fail "ACL: $acl"
	grep -qx "other::---" <<<"$acl" || kt_fail "others were let in too: $acl"
	api GET /api/v1/time
	assert_status 200
'

test_done
