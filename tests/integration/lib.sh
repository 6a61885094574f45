# Test library for Kinglet's integration tests (TAP-style results, a private web server and database per file, curl helpers); sourced by tests/integration/t*.sh.
# shellcheck shell=bash
# shellcheck disable=SC2034 # API_BODY and others are for the test files
#
#   . "$(dirname "$0")/lib.sh"
#   test_web_start [key=value...]     fresh database kt_<file>, migrations, $SERVER on a free port
#   test_expect "what a user sees" '
#       api GET /api/v1/time
#       assert_status 200
#   '
#   test_done
#
# Each test body runs in a subshell with set -e: the first failing command fails the test, and
# nothing a body sets survives it (keep state between tests in top-level variables or files).

set -euo pipefail

# shellcheck source=scripts/stack-lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/stack-lib.sh"

: "${TEST_VAR:=var/test}" "${TEST_PORT:=18080}"
KT_NAME=$(basename "$0" .sh)
KT_DB=kt_${KT_NAME//[^A-Za-z0-9]/_}
KT_TMP=$(stack_abspath "$TEST_VAR")/tmp/$KT_NAME
KT_VERBOSE=${KT_VERBOSE:-}
# Python by its own path: python3 may be a version manager's shim, which takes most of a second to
# start (tests/run resolves it once for every file).
: "${KT_PYTHON:=$(python3 -c 'import sys; print(sys.executable)')}"
kt_count=0 kt_failed=0 kt_done='' kt_own_db=''
rm -rf "$KT_TMP"
mkdir -p "$KT_TMP"

# KT_CLUSTER (tests/cluster/run, make test-cluster): the file runs against the cluster under the
# directory KT_CLUSTER, started from port KT_CLUSTER_PORT (scripts/cluster-lib.sh): its database
# on the Galera nodes, both web nodes restarted on it, requests through HAProxy.
KT_CLUSTER=${KT_CLUSTER:-}
if [ -n "$KT_CLUSTER" ]; then
	# shellcheck source=scripts/cluster-lib.sh
	. "$KINGLET_ROOT/scripts/cluster-lib.sh"
	cluster_init "$KT_CLUSTER" "${KT_CLUSTER_PORT:?KT_CLUSTER_PORT}"
	kt_cluster_node() {
		local i
		for ((i = 1; i <= CLUSTER_NODES; i++)); do
			galera_node "$i"
			galera_synced && return 0
		done
		stack_die "no Galera node of $KT_CLUSTER is synced"
	}
	kt_cluster_node
else
	db_init "$TEST_VAR"
	# tests/run starts the shared database; a file run on its own starts (and stops) it itself.
	if ! db_running; then
		db_start
		kt_own_db=yes
	fi
fi

kt_exit() {
	local rc=$?
	[ -z "${KT_RECEIVER_PID:-}" ] || kill "$KT_RECEIVER_PID" 2>/dev/null || true
	[ -n "$KT_CLUSTER" ] || [ -z "${WEB_DIR:-}" ] || web_stop
	[ -z "$kt_own_db" ] || db_stop
	if [ -z "$kt_done" ]; then
		echo "# $KT_NAME died (exit status $rc) before test_done"
		[ "$rc" -ne 0 ] || rc=1
	fi
	exit "$rc"
}
trap kt_exit EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- the server under test

# Fresh database kt_<file> with the migrations, kinglet.conf with the given extra settings, and
# the web server SERVER (lighttpd, apache or nginx; default lighttpd) with the programs on the
# first free port from TEST_PORT up. Sets WEB_SERVER, WEB_PORT, WEB_URL, WEB_LOG (kinglet.log is
# there), WEB_ACCESS_LOG, WEB_MAIL, WEB_DIR (see scripts/stack-lib.sh).
# kt_db_fresh: the file's database $KT_DB, new, with every migration applied. A copy of a
# template the suite migrates once (per version of sql/), replayed from its dump by one client
# run: running the migrations for every file took eight client runs, seconds on a busy machine.
# (t0010-install.sh and t0020-database-privileges.sh run migrate.sh itself.)
kt_db_fresh() {
	local sum dump fd
	sum=$(cat "$KINGLET_ROOT"/sql/[0-9]*_*.sql | md5sum)
	dump=$TEST_VAR/template-${sum%% *}.sql
	# Files running side by side (tests/run's lanes) make the template once, under its lock.
	exec {fd}>>"$TEST_VAR/template.lock"
	flock "$fd"
	if [ ! -s "$dump" ]; then
		db_provision kt_template fresh
		db_migrate kt_template >/dev/null
		mariadb-dump --no-defaults --socket="$DB_SOCKET" --user="$DB_ADMIN" --skip-comments \
			--routines --triggers --events kt_template >"$dump.new"
		mv "$dump.new" "$dump"
	fi
	exec {fd}>&-
	db_provision "$KT_DB" fresh
	db_root "$KT_DB" <"$dump"
}

test_web_start() {
	local port=$TEST_PORT tries rc dir=$TEST_VAR/web/${SERVER:-lighttpd}/$KT_NAME
	if [ -n "$KT_CLUSTER" ]; then
		kt_cluster_web_start "$@"
		return
	fi
	web_init "$dir" "$port"
	web_check_built
	# Logs and mail of an earlier run would be read as this run's.
	rm -rf "$WEB_LOG" "$WEB_MAIL" "$WEB_DIR/run/ratelimit"
	kt_db_fresh
	for ((tries = 0; tries < 50; tries++, port++)); do
		port_in_use "$port" && continue
		web_init "$dir" "$port"
		# A cheap scrypt cost keeps logins fast, and no rate limits let files post in bulk; a
		# file may override either (t0600-ratelimit.sh switches limits on).
		web_write_app_conf "$KT_DB" scrypt.log2_n=10 scrypt.p=1 ratelimit.enabled=false "$@"
		rc=0
		web_start 2>"$KT_TMP/web_start.err" || rc=$?
		[ "$rc" -ne 0 ] || return 0
		# 2: another process took the port since we looked; try the next one.
		[ "$rc" -eq 2 ] || break
	done
	cat "$KT_TMP/web_start.err" >&2 2>/dev/null || true
	stack_die "could not start $WEB_SERVER for $KT_NAME"
}

# ---------------------------------------------------------------- the programs without a server
# The middle tier (STYLE.md): the programs run directly, with the requests of the other tiers.
# test_cgi_start MODE [key=value...]: fresh database kt_<file> and kinglet.conf as test_web_start
# makes them; from then on api (and every helper built on it: api_json, make_user, post_message,
# ...) runs the program a web server would route the path to (conf/lighttpd.conf.in):
#   cgi      one process per request as plain CGI: the request in its environment and on standard
#            input, the answer on standard output, exit status 0
#   fastcgi  each program spawned once on a socket (spawn-fcgi), each request sent by cgi-fcgi
# Sets WEB_DIR, WEB_LOG, WEB_MAIL, WEB_APP_CONF; test_done stops the programs and checks their
# standard error. api takes the curl options -H, --data-binary (also @FILE) and -X.
test_cgi_start() {
	KT_CGI_MODE=$1
	shift
	[[ $KT_CGI_MODE == @(cgi|fastcgi) ]] || stack_die "test_cgi_start: MODE is cgi or fastcgi"
	[ -z "${WEB_DIR:-}" ] || web_stop
	web_init "$TEST_VAR/cgi/$KT_NAME" "$TEST_PORT" lighttpd
	web_check_built
	rm -rf "$WEB_LOG" "$WEB_MAIL" "$WEB_DIR/run"
	mkdir -p "$WEB_LOG" "$WEB_MAIL" "$WEB_DIR/run"
	kt_db_fresh
	web_write_app_conf "$KT_DB" scrypt.log2_n=10 scrypt.p=1 ratelimit.enabled=false "$@"
	[ "$KT_CGI_MODE" = fastcgi ] || return 0
	local prog tries
	while IFS= read -r prog; do
		KINGLET_CONF=$WEB_APP_CONF setsid spawn-fcgi -n -s "$WEB_DIR/run/$prog.sock" -- \
			"$WEB_BUILD/cgi-bin/$prog" </dev/null >>"$WEB_PROGRAMS_STDERR" 2>&1 &
	done < <(web_programs)
	while IFS= read -r prog; do
		for ((tries = 0; tries < 100; tries++)); do
			[ -S "$WEB_DIR/run/$prog.sock" ] && break
			sleep 0.1
		done
		[ -S "$WEB_DIR/run/$prog.sock" ] || stack_die "spawn-fcgi did not start $prog"
	done < <(web_programs)
}

# kt_cgi_program PATH: KT_CGI_PROGRAM, the program the web server routes PATH to: the first of
# conf/lighttpd.conf.in's url patterns that matches it (read once; they are EREs bash can match).
kt_cgi_program() {
	local path=${1%%\?*} i line pattern=''
	if [ -z "${KT_ROUTE_PATTERNS+set}" ]; then
		KT_ROUTE_PATTERNS=() KT_ROUTE_PROGRAMS=()
		while IFS= read -r line; do
			if [[ $line =~ \$HTTP\[\"url\"\]\ =~\ \"([^\"]+)\" ]]; then
				pattern=${BASH_REMATCH[1]}
			elif [ -n "$pattern" ] && [[ $line =~ \"bin-path\"\ =\>\ \"@BUILD@/cgi-bin/([a-z]+)\" ]]; then
				KT_ROUTE_PATTERNS+=("$pattern")
				KT_ROUTE_PROGRAMS+=("${BASH_REMATCH[1]}")
				pattern=''
			fi
		done <"$KINGLET_ROOT/conf/lighttpd.conf.in"
	fi
	for i in "${!KT_ROUTE_PATTERNS[@]}"; do
		[[ $path =~ ${KT_ROUTE_PATTERNS[i]} ]] || continue
		KT_CGI_PROGRAM=${KT_ROUTE_PROGRAMS[i]}
		return
	done
	kt_fail "no program of conf/lighttpd.conf.in serves $path"
}

# kt_cgi_api METHOD PATH [curl args...]: api for test_cgi_start: the request as the CGI variables a
# web server sets (RFC 3875: HTTP_* for the headers, CONTENT_TYPE, CONTENT_LENGTH).
kt_cgi_api() {
	local method=$1 path=$2 prog name value rc=0
	shift 2
	local -a env=(PATH="$PATH" KINGLET_CONF="$WEB_APP_CONF" GATEWAY_INTERFACE=CGI/1.1
		SERVER_PROTOCOL=HTTP/1.1 REMOTE_ADDR=127.0.0.1 REQUEST_METHOD="$method" REQUEST_URI="$path")
	printf '%s %s\n' "$method" "$path" >"$KT_TMP/request"
	rm -f "$KT_TMP/cgi.in"
	while [ $# -gt 0 ]; do
		case $1 in
		-H | --header)
			name=${2%%:*} value=${2#*:}
			value=${value# }
			name=${name^^}
			name=${name//-/_}
			case $name in
			CONTENT_TYPE) env+=(CONTENT_TYPE="$value") ;;
			*) env+=("HTTP_$name=$value") ;;
			esac
			;;
		--data-binary)
			if [[ $2 == @* ]]; then cp "${2#@}" "$KT_TMP/cgi.in"; else printf '%s' "$2" >"$KT_TMP/cgi.in"; fi
			;;
		-X) ;;
		*) stack_die "kt_cgi_api: curl option $1 is not supported" ;;
		esac
		shift 2
	done
	if [ -e "$KT_TMP/cgi.in" ]; then
		env+=(CONTENT_LENGTH="$(wc -c <"$KT_TMP/cgi.in")")
	else
		: >"$KT_TMP/cgi.in"
	fi
	kt_cgi_program "$path" || return 1
	prog=$KT_CGI_PROGRAM
	if [ "$KT_CGI_MODE" = cgi ]; then
		env -i "${env[@]}" "$WEB_BUILD/cgi-bin/$prog" <"$KT_TMP/cgi.in" >"$KT_TMP/cgi.out" \
			2>>"$WEB_PROGRAMS_STDERR" || rc=$?
	else
		env -i "${env[@]}" cgi-fcgi -bind -connect "$WEB_DIR/run/$prog.sock" <"$KT_TMP/cgi.in" \
			>"$KT_TMP/cgi.out" 2>>"$WEB_PROGRAMS_STDERR" || rc=$?
	fi
	[ "$rc" -eq 0 ] || kt_fail "$prog exited with status $rc for $method $path" || return 1
	# What a web server makes of the answer: the Status header (else 200), headers, body.
	sed -e '/^\r\{0,1\}$/q' "$KT_TMP/cgi.out" | sed -e '/^\r\{0,1\}$/d' >"$KT_TMP/headers"
	sed -e '1,/^\r\{0,1\}$/d' "$KT_TMP/cgi.out" >"$KT_TMP/body"
	API_STATUS=$(header Status | cut -d' ' -f1) || API_STATUS=200
	API_BODY=$(<"$KT_TMP/body")
	echo "$API_STATUS" >"$KT_TMP/status"
}

# The cluster's form of test_web_start: the file's database on the cluster, both web nodes
# restarted on it (one log file for both: WEB_LOG), the mail spool emptied, and WEB_PORT HAProxy's
# once it sees both nodes up. WEB_DIR and the rest stay those of web node 2.
kt_cluster_web_start() {
	local i log=$CLUSTER_VAR/log
	kt_cluster_node
	cluster_provision "$KT_DB" fresh
	rm -rf "$CLUSTER_MAIL" "$log"
	mkdir -p "$log"
	for ((i = 1; i <= CLUSTER_WEBS; i++)); do
		cluster_web "$i"
		rm -rf "$WEB_LOG" "$WEB_DIR/run/ratelimit"
		cluster_web_start "$i" "$KT_DB" scrypt.log2_n=10 scrypt.p=1 ratelimit.enabled=false \
			"log.file=$log/kinglet.log" "$@" 2>"$KT_TMP/web_start.err" || {
			cat "$KT_TMP/web_start.err" >&2
			stack_die "could not start web node $i for $KT_NAME"
		}
	done
	cluster_wait cluster_webs_up 30 || stack_die "HAProxy does not see both web nodes up"
	WEB_PORT=$CLUSTER_PORT WEB_URL=$CLUSTER_URL WEB_MAIL=$CLUSTER_MAIL WEB_LOG=$log
}

# webhook_receiver_start: tests/webhook-receiver.py on 127.0.0.1, recording what arrives under
# RECV ($KT_TMP/recv; it fails on command, see the script), stopped when the file exits; R is its
# URL.
webhook_receiver_start() {
	RECV=$KT_TMP/recv
	mkdir -p "$RECV"
	"$KT_PYTHON" "$KINGLET_ROOT/tests/webhook-receiver.py" "$RECV" &
	KT_RECEIVER_PID=$!
	retry 10 test -s "$RECV/port"
	R=http://127.0.0.1:$(cat "$RECV/port")
}

# ---------------------------------------------------------------- requests

# api METHOD PATH [curl args...]: one request to 127.0.0.1:$WEB_PORT. PATH is sent as is
# (--path-as-is, no globbing). Sets API_STATUS and API_BODY; the headers are in $KT_TMP/headers
# (read them with header NAME).
api() {
	[ -z "${KT_CGI_MODE:-}" ] || {
		kt_cgi_api "$@"
		return
	}
	local method=$1 path=$2
	shift 2
	local -a how=(-X "$method")
	[ "$method" != HEAD ] || how=(--head)
	printf '%s %s\n' "$method" "$path" >"$KT_TMP/request"
	: >"$KT_TMP/headers"
	: >"$KT_TMP/body"
	API_STATUS=$(curl -sS --path-as-is --globoff --max-time 30 "${how[@]}" \
		-D "$KT_TMP/headers" -o "$KT_TMP/body" -w '%{http_code}' "$@" \
		"http://127.0.0.1:$WEB_PORT$path") || {
		echo "curl failed for $method $path"
		return 1
	}
	# curl --head writes the headers to -o as well: a HEAD response has no body here.
	[ "$method" != HEAD ] || : >"$KT_TMP/body"
	API_BODY=$(<"$KT_TMP/body")
	echo "$API_STATUS" >"$KT_TMP/status"
}

# api_json METHOD PATH JSON [curl args...]: api with JSON as an application/json body.
api_json() {
	local method=$1 path=$2 json=$3
	shift 3
	api "$method" "$path" -H "Content-Type: application/json" --data-binary "$json" "$@"
}

# api_raw TEXT: sends TEXT (printf %b escapes: \r\n) over a plain TCP connection and reads the
# answer until the server closes (send "Connection: close"). Sets the same as api, and the
# body is exactly what came after the blank line.
api_raw() {
	printf 'raw: %s\n' "$1" >"$KT_TMP/request"
	exec 3<>"/dev/tcp/127.0.0.1/$WEB_PORT"
	# shellcheck disable=SC2059 # the request text carries printf escapes on purpose
	printf "$1" >&3
	timeout 10 cat <&3 >"$KT_TMP/raw" || true
	exec 3<&-
	raw_answer
}

# raw_answer: split the raw answer in $KT_TMP/raw into headers, body and status, as api does.
raw_answer() {
	sed -e '/^\r\{0,1\}$/q' "$KT_TMP/raw" | tr -d '\r' | sed -e '/^$/d' >"$KT_TMP/headers"
	awk 'body { print } /^\r?$/ && !body { body = 1 }' "$KT_TMP/raw" >"$KT_TMP/body"
	API_STATUS=$(head -n1 "$KT_TMP/headers" | cut -d' ' -f2)
	API_BODY=$(<"$KT_TMP/body")
	echo "$API_STATUS" >"$KT_TMP/status"
}

# kt_header_scan NAME: KT_HEADER_N, how many times the response carries header NAME (any case),
# and KT_HEADER, the last one's value. Bash builtins only: the assertions call it for every response.
kt_header_scan() {
	local want=${1,,} line name
	KT_HEADER_N=0 KT_HEADER=''
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line//$'\r'/}
		[[ $line == *:* ]] || continue
		name=${line%%:*}
		[ "${name,,}" = "$want" ] || continue
		KT_HEADER_N=$((KT_HEADER_N + 1))
		KT_HEADER=${line#*:}
		KT_HEADER=${KT_HEADER#"${KT_HEADER%%[!$' \t']*}"}
	done <"$KT_TMP/headers"
}

# header NAME: the value of the last response header NAME (any case); fails when absent.
header() {
	kt_header_scan "$1"
	[ "$KT_HEADER_N" -gt 0 ] || return 1
	printf '%s\n' "$KT_HEADER"
}

# header_count NAME: how many times the response carries header NAME.
header_count() {
	kt_header_scan "$1"
	echo "$KT_HEADER_N"
}

# ---------------------------------------------------------------- users and mail

# login NAME PASSWORD: POST /users/login by user name (sets API_* like api).
login() {
	api_json POST /api/v1/users/login "{\"user_name\":\"$1\",\"password\":\"$2\"}"
}

# session_of NAME PASSWORD: prints a fresh session token (fails unless the login succeeds).
session_of() {
	login "$1" "$2" >/dev/null
	[ "$API_STATUS" = 200 ] || kt_fail "login of $1 failed: $API_STATUS $API_BODY" || return 1
	jq -r .session_id "$KT_TMP/body"
}

# user_id_of NAME TOKEN: prints the user id of NAME (as seen with TOKEN).
user_id_of() {
	api GET "/api/v1/users/$1" -H "Authorization: Bearer $2" >/dev/null
	jq -r .user_id "$KT_TMP/body"
}

# mail_for ADDRESS: the newest spooled mail to ADDRESS (a file name).
mail_for() {
	local f
	f=$(grep -lF "To: <$1>" "$WEB_MAIL"/*.eml 2>/dev/null | sort | tail -n 1)
	[ -n "$f" ] || kt_fail "no mail to $1 in $WEB_MAIL" || return 1
	printf '%s\n' "$f"
}

# activation_token ADDRESS / reset_token ADDRESS / email_confirm_token ADDRESS: the token of the
# newest such mail (an e-mail change link goes to the account's address before the change).
activation_token() {
	local f
	f=$(mail_for "$1") || return 1
	grep -o '/users/activate/[A-Za-z0-9_-]*' "$f" | head -n 1 | cut -d/ -f4
}
# mailed_password ADDRESS: the password the server chose at sign-up (the activation mail).
mailed_password() {
	local f
	f=$(mail_for "$1") || return 1
	tr -d '\r' <"$f" | sed -n 's/^Your password: //p' | head -n 1
}
reset_token() {
	local f
	f=$(mail_for "$1") || return 1
	sed -n 's/^Your reset token: \([A-Za-z0-9_-]*\).*/\1/p' "$f" | head -n 1
}
email_confirm_token() {
	local f
	f=$(mail_for "$1") || return 1
	grep -o '/users/email/confirm/[A-Za-z0-9_-]*' "$f" | head -n 1 | cut -d/ -f5
}

# make_user NAME: signs NAME up (password NAME-password), activates it from the mail, and prints
# a session token.
make_user() {
	api_json POST /api/v1/users "{\"user_name\":\"$1\",\"email\":\"$1@example.com\",\"password\":\"$1-password\"}" >/dev/null
	[ "$API_STATUS" = 201 ] || kt_fail "sign-up of $1 failed: $API_STATUS $API_BODY" || return 1
	api GET "/api/v1/users/activate/$(activation_token "$1@example.com")" >/dev/null
	[ "$API_STATUS" = 200 ] || kt_fail "activation of $1 failed: $API_STATUS" || return 1
	session_of "$1" "$1-password"
}

# kt_sql QUERY: the answer from the file's database, without column names.
kt_sql() { db_root -N "$KT_DB" -e "$1"; }

# ---------------------------------------------------------------- messages, replies, threads
# Shared by the t03xx files (API.md §5). post_message and reply print the new id for $(...) and
# report a failure on stderr.

# api_as TOKEN METHOD PATH [curl args...]: api with TOKEN as the Bearer token.
api_as() {
	local token=$1
	shift
	api "$@" -H "Authorization: Bearer $token"
}

# api_bg I METHOD PATH [curl args...]: one request for running in the background ("api_bg ... &",
# then wait): the status goes to $KT_TMP/bg.I.status and the body to $KT_TMP/bg.I.json; API_* and
# the files api uses are left alone.
api_bg() {
	local i=$1 method=$2 path=$3
	shift 3
	curl -sS --path-as-is --globoff --max-time 30 -X "$method" -o "$KT_TMP/bg.$i.json" -w '%{http_code}' \
		"$@" "http://127.0.0.1:$WEB_PORT$path" >"$KT_TMP/bg.$i.status"
}

# text_json TEXT: {"message_text": TEXT} (any characters, quoted by jq).
text_json() {
	local LC_ALL=C t=$1
	# Printable ASCII, the common case, without starting jq: only " and \ need escaping.
	if [[ $t != *[!\ -~]* ]]; then
		t=${t//\\/\\\\}
		printf '{"message_text":"%s"}\n' "${t//\"/\\\"}"
		return
	fi
	jq -nc --arg t "$1" '{message_text: $t}'
}

# post_message TOKEN TEXT [curl args...]: POST /messages; prints the new message id (fails unless
# 201). reply TOKEN ID TEXT [curl args...]: the same for POST /messages/ID/replies.
post_message() {
	local token=$1 text=$2
	shift 2
	kt_post_created /api/v1/messages "$token" "$text" "$@"
}
reply() {
	local token=$1 id=$2 text=$3
	shift 3
	kt_post_created "/api/v1/messages/$id/replies" "$token" "$text" "$@"
}
kt_post_created() {
	local path=$1 token=$2 text=$3
	shift 3
	api_json POST "$path" "$(text_json "$text")" -H "Authorization: Bearer $token" "$@" >/dev/null
	[ "$API_STATUS" = 201 ] || kt_fail "POST $path failed: $API_STATUS $API_BODY" >&2 || return 1
	jq -r .message_id "$KT_TMP/body"
}

# remember_answer: keeps the last answer (status, Location, body) for assert_replay, which checks
# that the last answer repeats it, with Idempotent-Replayed: true (an Idempotency-Key retry).
remember_answer() {
	jq -S . "$KT_TMP/body" >"$KT_TMP/remembered.json"
	printf '%s %s\n' "$API_STATUS" "$(header Location || true)" >"$KT_TMP/remembered.head"
}
assert_replay() {
	local got
	got="$API_STATUS $(header Location || true)"
	[ "$got" = "$(cat "$KT_TMP/remembered.head")" ] ||
		kt_fail "expected status and Location $(cat "$KT_TMP/remembered.head"), got $got" || return 1
	assert_header Idempotent-Replayed true || return 1
	jq -S . "$KT_TMP/body" | cmp -s - "$KT_TMP/remembered.json" ||
		kt_fail "the body is not the first answer's: $(cat "$KT_TMP/remembered.json")"
}

# list_ids [KEY]: the message_id of each item of the last list response (array KEY, default
# messages), space-separated, in order ("" for an empty list).
list_ids() {
	jq -r --arg k "${1:-messages}" '[.[$k][].message_id] | map(tostring) | join(" ")' "$KT_TMP/body"
}

# assert_ids EXPECTED [KEY]: list_ids KEY of the last response is exactly EXPECTED.
assert_ids() {
	local got
	got=$(list_ids "${2:-messages}") || kt_fail "no list ${2:-messages} in the body" || return 1
	[ "$got" = "$1" ] || kt_fail "expected ${2:-messages} ids '$1', got '$got'"
}

# assert_error_code STATUS CODE: a cheap assert_error (one jq) for loops over many bad requests;
# check at least one of them with assert_error.
assert_error_code() {
	assert_status "$1" || return 1
	assert_jq ".status == $1 and .code == \"$2\" and (.request_id | type == \"string\")" ||
		kt_fail "expected an error $1 $2, got: $(head -c 300 "$KT_TMP/body")"
}

# assert_messages FILTER: FILTER selects one or more message objects of the body (".messages[]",
# or "del(.status, .description)" for GET /messages/N); each has exactly the §5 fields, typed.
KT_MESSAGE_KEYS='["author_id","author_name","author_type","content_digest","created_at",
	"created_date","logged_in_user","message_id","message_markup","message_status","message_text",
	"parent_id","recipient_names","recipients","reply_count"]'
assert_messages() {
	local got
	got=$(jq -c "[$1 | select((keys == $KT_MESSAGE_KEYS | not)
		or (.message_id | type != \"number\" or . < 1) or (.parent_id | type != \"number\")
		or (.author_id | type != \"number\") or (.reply_count | type != \"number\")
		or (.logged_in_user | type != \"number\") or (.author_name | type != \"string\")
		or (.message_text | type != \"string\") or (.message_markup | type != \"string\")
		or (.message_status | IN(\"active\", \"deleted\") | not)
		or (.author_type | IN(\"you\", \"others\") | not)
		or (.recipients | type != \"array\" or length < 1 or any(type != \"string\"))
		or (.recipient_names != (.recipients | join(\" \")))
		or (.content_digest | test(\"^[A-Za-z0-9_-]{22}$\") | not)
		or (.created_at | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$\") | not)
		or (.created_date | test(\"^[0-9]+ (mins?|hrs?) ago$\") | not))] as \$bad
		| if [$1] | length == 0 then \"none selected\" elif \$bad == [] then \"ok\" else \$bad end" \
		"$KT_TMP/body" 2>&1) || kt_fail "jq on the body failed: $got" || return 1
	[ "$got" = '"ok"' ] || kt_fail "message objects ($1) without exactly the §5 fields: $got"
}

# ---------------------------------------------------------------- version 0 (API.md §10)

# api_v0 METHOD PATH [curl args...]: api in version 0 (X-Kinglet-API-Version: 0).
api_v0() {
	local method=$1 path=$2
	shift 2
	api "$method" "$path" -H "X-Kinglet-API-Version: 0" "$@"
}

# api_v0_form METHOD PATH JSON [FIELDS]: api_v0 with the original clients' body: the form field
# json=JSON, then FIELDS (the credentials "user_name=..&user_id=..&session_id=..") as form fields.
api_v0_form() {
	local method=$1 path=$2 json=$3 fields=${4:-}
	local -a extra=()
	[ -z "$fields" ] || extra=(--data "$fields")
	api_v0 "$method" "$path" --data-urlencode "json=$json" "${extra[@]}"
}

# assert_keys FILTER KEYS: FILTER's object has exactly the keys KEYS (a JSON array, any order).
assert_keys() {
	local got want
	want=$(jq -c sort <<<"$2") || kt_fail "not a JSON array: $2" || return 1
	got=$(jq -c "$1 | keys" "$KT_TMP/body" 2>&1) || kt_fail "jq $1 failed: $got" || return 1
	[ "$got" = "$want" ] || kt_fail "expected $1 with keys $want, got $got"
}

# assert_items_keys ARRAY KEYS: the array is not empty and each item has exactly the keys KEYS.
assert_items_keys() {
	local got want
	want=$(jq -c sort <<<"$2") || kt_fail "not a JSON array: $2" || return 1
	got=$(jq -c "[$1[] | keys] | unique" "$KT_TMP/body" 2>&1) || kt_fail "jq $1 failed: $got" || return 1
	[ "$got" = "[$want]" ] || kt_fail "expected every $1 item with keys $want, got $got"
}

# ---------------------------------------------------------------- assertions
# Each prints why it failed and returns 1. They chain with "|| return 1" rather than relying on
# set -e, which bash ignores inside functions called from a condition.

kt_fail() {
	printf '%s\n' "$*"
	return 1
}

assert_status() {
	[ "$API_STATUS" = "$1" ] || kt_fail "expected status $1, got $API_STATUS"
}

# assert_json FILTER EXPECTED: jq -r FILTER on the body prints exactly EXPECTED.
assert_json() {
	local got
	got=$(jq -r "$1" <"$KT_TMP/body" 2>&1) || kt_fail "body is not JSON, or jq '$1' failed: $got" || return 1
	[ "$got" = "$2" ] || kt_fail "expected $1 to be '$2', got '$got'"
}

# assert_jq EXPR: the jq expression is true for the body, e.g. '.id | type == "number"'.
assert_jq() {
	jq -e "$1" <"$KT_TMP/body" >/dev/null 2>&1 || kt_fail "expected the body to satisfy: $1"
}

# assert_header NAME [VALUE]: the header is there (once), with exactly VALUE if given.
assert_header() {
	kt_header_scan "$1"
	[ "$KT_HEADER_N" -ge 1 ] || kt_fail "expected a header $1" || return 1
	[ "$KT_HEADER_N" -eq 1 ] || kt_fail "expected one header $1, got $KT_HEADER_N" || return 1
	[ $# -ge 2 ] || return 0
	[ "$KT_HEADER" = "$2" ] || kt_fail "expected header $1: $2, got $1: $KT_HEADER"
}

assert_no_header() {
	kt_header_scan "$1"
	[ "$KT_HEADER_N" -eq 0 ] || kt_fail "expected no header $1, got $1: $KT_HEADER"
}

assert_body_empty() {
	[ ! -s "$KT_TMP/body" ] || kt_fail "expected no body, got $(wc -c <"$KT_TMP/body") bytes"
}

# What every response shares: JSON content type, nosniff, API version, a well-formed request id,
# and (unless empty, as for HEAD) a body that is one JSON object whose status is the HTTP status.
assert_common() {
	kt_common_headers || return 1
	[ -s "$KT_TMP/body" ] || return 0
	kt_envelope_check '' ''
}

# kt_common_headers: assert_common's headers; KT_REQUEST_ID is the X-Request-ID.
kt_common_headers() {
	assert_header Content-Type "application/json; charset=utf-8" || return 1
	assert_header X-Content-Type-Options nosniff || return 1
	assert_header X-Kinglet-API-Version 1 || return 1
	assert_header X-Request-ID || return 1
	KT_REQUEST_ID=$KT_HEADER
	[[ $KT_REQUEST_ID =~ ^[A-Za-z0-9._-]{1,64}$ ]] ||
		kt_fail "X-Request-ID is not [A-Za-z0-9._-]{1,64}: $KT_REQUEST_ID"
}

# kt_envelope_check CODE REQUEST_ID: the body is one JSON object whose status is API_STATUS; with
# CODE, also an error envelope (API.md §3) with that code, every message field and that request_id.
# One jq run for all of it: these checks run for nearly every response of every file.
kt_envelope_check() {
	local problem
	problem=$(jq -rs --arg status "$API_STATUS" --arg code "$1" --arg rid "$2" '
		if length != 1 or (.[0] | type) != "object" then "expected the body to be one JSON object"
		else .[0] |
			if (.status | type) != "number" or (.status | tostring) != $status
			then "expected .status to be the number \($status), got \(.status | tojson)"
			elif $code == "" then empty
			elif .code != $code then "expected .code to be \($code), got \(.code)"
			elif (.description | type != "string" or length == 0)
				or (.user_message | type != "string" or length == 0)
				or (.system_message | type != "string")
			then "expected .description and .user_message (strings, not empty) and .system_message (a string)"
			elif .request_id != $rid then "expected .request_id to be \($rid) (X-Request-ID), got \(.request_id)"
			else empty end
		end' "$KT_TMP/body" 2>&1) || kt_fail "body is not JSON: $problem" || return 1
	[ -z "$problem" ] || kt_fail "$problem"
}

# assert_error STATUS CODE: a JSON error with every envelope field, its request_id equal to the
# X-Request-ID header.
assert_error() {
	assert_status "$1" || return 1
	kt_common_headers || return 1
	[ -s "$KT_TMP/body" ] || kt_fail "expected an error body, got none" || return 1
	kt_envelope_check "$2" "$KT_REQUEST_ID"
}

# retry SECONDS COMMAND...: runs COMMAND every half second until it succeeds or time is up.
retry() {
	local seconds=$1 i
	shift
	for ((i = 0; i < seconds * 2; i++)); do
		"$@" >/dev/null && return 0
		sleep 0.5
	done
	"$@"
}

# ---------------------------------------------------------------- test_expect / test_done

kt_show_response() {
	echo "request: $(cat "$KT_TMP/request" 2>/dev/null)"
	echo "status: $(cat "$KT_TMP/status" 2>/dev/null)"
	sed -e 's/\r$//' -e 's/^/  /' "$KT_TMP/headers" 2>/dev/null || true
	echo "body: $(head -c 1000 "$KT_TMP/body" 2>/dev/null)"
}

# test_skip_on "SERVER..." REASON: the next test_expect does not run when the server under test is
# one of SERVER; it reports "ok N - what # skip REASON". For what one server cannot do at all.
kt_skip=''
test_skip_on() {
	[[ " $1 " != *" ${WEB_SERVER:-${SERVER:-lighttpd}} "* ]] || kt_skip="$2"
}

test_expect() {
	local what=$1 body=$2 rc
	kt_count=$((kt_count + 1))
	if [ -n "$kt_skip" ]; then
		echo "ok $kt_count - $what # skip ${WEB_SERVER:-}: $kt_skip"
		kt_skip=''
		return 0
	fi
	rm -f "$KT_TMP/request" "$KT_TMP/status" "$KT_TMP/headers" "$KT_TMP/body"
	set +e
	(
		set -e
		eval "$body"
	) >"$KT_TMP/out" 2>&1
	rc=$?
	set -e
	if [ "$rc" -eq 0 ]; then
		echo "ok $kt_count - $what"
		[ -z "$KT_VERBOSE" ] || sed -e 's/^/#   /' "$KT_TMP/out"
	else
		kt_failed=$((kt_failed + 1))
		echo "not ok $kt_count - $what"
		{
			cat "$KT_TMP/out"
			[ ! -e "$KT_TMP/request" ] || kt_show_response
		} | sed -e 's/^/#   /'
	fi
}

test_done() {
	# Stopped programs flush what the sanitizers found (leaks are reported at exit) to stderr,
	# which the server keeps in WEB_PROGRAMS_STDERR: any report there fails the file.
	if [ -n "$KT_CLUSTER" ] && [ -n "${WEB_DIR:-}" ]; then
		# The cluster's web nodes keep running for the next file: their programs' stderr so far.
		test_expect "the programs ran clean: no crash or sanitizer report on their stderr" '
			! grep -E "Sanitizer|runtime error:|SUMMARY:|Segmentation|Aborted" "$CLUSTER_VAR"/web*/log/programs-stderr.log
		'
	elif [ -n "${WEB_DIR:-}" ]; then
		web_stop
		test_expect "the programs ran clean: no crash or sanitizer report on their stderr" '
			! grep -E "Sanitizer|runtime error:|SUMMARY:|Segmentation|Aborted" "$WEB_PROGRAMS_STDERR"
		'
	fi
	echo "1..$kt_count"
	echo "# $KT_NAME: $((kt_count - kt_failed)) passed, $kt_failed failed"
	kt_done=yes
	[ "$kt_failed" -eq 0 ]
}
