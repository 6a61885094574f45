#!/usr/bin/env bash
# The rate limiter's shared file (API.md §9, issue 16): private to the programs' user, and a
# program that cannot set it up safely refuses to start instead of serving without limits.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start ratelimit.enabled=true
TABLE=$WEB_DIR/run/ratelimit/table

test_expect "the table is the programs' user's: mode 600 in a directory of mode 700" '
	api GET /api/v1/time
	assert_status 200
	assert_header X-RateLimit-Limit 20
	[ "$(stat -c "%a %U" "$WEB_DIR/run/ratelimit")" = "700 $WEB_USER" ] || kt_fail "directory: $(stat -c "%a %U" "$WEB_DIR/run/ratelimit")"
	[ "$(stat -c "%a %U" "$TABLE")" = "600 $WEB_USER" ] || kt_fail "table: $(stat -c "%a %U" "$TABLE")"
'

# restart_refused PATTERN SETTING...: restarted with these settings, the programs must not serve,
# and the log must say why (PATTERN, a fixed string).
restart_refused() {
	local pattern=$1 lines
	shift
	web_stop
	touch "$WEB_LOG/kinglet.log"
	lines=$(wc -l <"$WEB_LOG/kinglet.log")
	web_write_app_conf "$KT_DB" scrypt.log2_n=10 scrypt.p=1 ratelimit.enabled=true "$@"
	if web_start 2>"$KT_TMP/start.err"; then
		web_stop
		kt_fail "started with $*"
	fi
	tail -n +"$((lines + 1))" "$WEB_LOG/kinglet.log" >"$KT_TMP/log"
	cat "$KT_TMP/log"
	# (Not grep -q: with many lines the first grep would die of SIGPIPE, failing the pipe.)
	grep -F "$pattern" "$KT_TMP/log" | grep -F "not starting" >/dev/null
}

# A refusal is the programs' own, the same under every server: shown through lighttpd, which
# gives up on a program that exits at once; mod_fcgid keeps spawning it for over a minute a start.
REFUSAL_ELSEWHERE="a program's refusal to start does not depend on the server (shown through lighttpd)"
test_skip_on "apache nginx" "$REFUSAL_ELSEWHERE"
test_expect "a directory others may write to (as /dev/shm is): the programs do not start" '
	rm -rf "$WEB_DIR/shm"
	mkdir "$WEB_DIR/shm"
	chmod 1777 "$WEB_DIR/shm"
	restart_refused "the directory $WEB_DIR/shm is writable by others" \
		ratelimit.file="$WEB_DIR/shm/table"
	[ ! -e "$WEB_DIR/shm/table" ] || kt_fail "a table was made there"
'

test_skip_on "apache nginx" "$REFUSAL_ELSEWHERE"
test_expect "a symbolic link in place of the table: not followed, the programs do not start" '
	web_stop
	rm -f "$TABLE"
	printf "keep\n" >"$WEB_DIR/target"
	ln -s "$WEB_DIR/target" "$TABLE"
	restart_refused "$TABLE: it is a symbolic link"
	[ "$(cat "$WEB_DIR/target")" = keep ] || kt_fail "the target was written"
	rm -f "$TABLE"
'

test_skip_on "apache nginx" "$REFUSAL_ELSEWHERE"
test_expect "a table open to others: the programs do not start" '
	web_stop
	rm -f "$TABLE"
	( umask 0; : >"$TABLE" )
	chown "$WEB_USER" "$TABLE"
	chmod 666 "$TABLE"
	restart_refused "$TABLE is open to others"
	rm -f "$TABLE"
'

test_expect "a table made for another size is replaced, and the limits hold" '
	web_stop
	rm -f "$TABLE"
	head -c 1000 /dev/zero >"$TABLE"
	chown "$WEB_USER" "$TABLE"
	chmod 600 "$TABLE"
	web_write_app_conf "$KT_DB" ratelimit.enabled=true ratelimit.default.burst=3 \
		ratelimit.default.per_minute=3 http.trusted_proxies=127.0.0.1
	web_start
	[ "$(stat -c %s "$TABLE")" -gt 1000 ] || kt_fail "not replaced"
	# (An address of its own: web_start used up the burst of 127.0.0.1.)
	for i in 1 2 3; do
		api GET /api/v1/time -H "X-Forwarded-For: 10.6.1.0"
		assert_status 200
	done
	api GET /api/v1/time -H "X-Forwarded-For: 10.6.1.0"
	assert_error 429 rate_limited
'

test_done
