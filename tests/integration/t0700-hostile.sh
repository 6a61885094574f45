#!/usr/bin/env bash
# Integration tests for hostile clients (issue 8): slow, truncated and overlong bodies, requests at the web server's limits, parameter floods, deep JSON, bad UTF-8, NUL bytes, SQL-injection and path-traversal strings — a clean JSON 4xx (or the right success), never a 5xx or HTML, and the database intact.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# Hundreds of failed logins and sign-ups from one address are the point here, not a lockout.
test_web_start auth.login_failures_per_ip=1000000 auth.login_failures_per_account=1000000 \
	signup.per_ip_per_hour=1000000

EVE=$(make_user eve)
AMY=$(make_user amy)
AMY_POST=$(post_message "$AMY" "@eve hello")
# What the database holds before the hostile requests; test "the database is intact" compares.
TABLES=$(db_root "$KT_DB" -N -e "SHOW TABLES" | sort | tr '\n' ' ')
MESSAGES_BEFORE=$(db_root "$KT_DB" -N -e "SELECT COUNT(*) FROM messages")
USERS=$(db_root "$KT_DB" -N -e "SELECT GROUP_CONCAT(user_name ORDER BY user_name) FROM users")
# Messages the tests below post on purpose, one id a line (test bodies are subshells).
POSTED=$KT_TMP/posted
: >"$POSTED"

# Injection and traversal strings, as a client would type them (the last two already encoded).
HOSTILE=("' OR 1=1 --" '"; DROP TABLE users; --' "\\" "\\\\" "1' AND SLEEP(5)#" "../../etc/passwd"
	"..\\..\\windows\\win.ini" "%2e%2e%2f%2e%2e%2fetc%2fpasswd" "..%2F..%2Fetc%2Fpasswd")

# uri TEXT: TEXT percent-encoded as one path segment or query value; json TEXT: TEXT as a JSON
# string (TEXT without control characters). In bash: the loops below call them hundreds of times.
uri() {
	local s=$1 c i out=''
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~-]) out+=$c ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf '%s\n' "$out"
}
json() {
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"\n' "$s"
}

# short_request TEXT: what a failing test shows as its request, for requests too long to show.
short_request() {
	printf '%s\n' "$1" >"$KT_TMP/request"
}

# assert_clean_4xx [CODE...]: the answer is a 4xx JSON error envelope (one of the CODEs when
# given): not a 5xx, not HTML.
assert_clean_4xx() {
	local code
	[[ $API_STATUS == 4[0-9][0-9] ]] ||
		kt_fail "expected a 4xx, got $API_STATUS: $(head -c 300 "$KT_TMP/body")" || return 1
	[[ $(header Content-Type) == "application/json; charset=utf-8" ]] ||
		kt_fail "not JSON: $(header Content-Type || echo no Content-Type)" || return 1
	# Apache answers a request it cannot read from a static page, without a request id.
	assert_jq ".status == $API_STATUS and (.code | type == \"string\") and (.request_id | type == \"string\" or . == null)" ||
		return 1
	code=$(jq -r .code "$KT_TMP/body")
	[ $# -eq 0 ] || [[ " $* " == *" $code "* ]] || kt_fail "code $code, expected one of: $*"
}

# api_pieces TEXT [SECONDS TEXT]...: like api_raw, but the request goes in pieces (printf %b
# escapes), SECONDS apart, on one connection.
api_pieces() {
	printf 'raw, in pieces: %s\n' "$*" >"$KT_TMP/request"
	exec 3<>"/dev/tcp/127.0.0.1/$WEB_PORT"
	# shellcheck disable=SC2059 # the pieces carry printf escapes on purpose
	printf "$1" >&3
	shift
	while [ $# -ge 2 ]; do
		sleep "$1"
		# shellcheck disable=SC2059
		printf "$2" >&3
		shift 2
	done
	timeout 20 cat <&3 >"$KT_TMP/raw" || true
	exec 3<&-
	raw_answer
}

# api_half_closed TEXT: like api_raw, but the client then closes its sending side (shutdown
# SHUT_WR, which bash's /dev/tcp cannot do) and reads the answer.
api_half_closed() {
	printf 'raw, then a half-close: %s\n' "$1" >"$KT_TMP/request"
	# shellcheck disable=SC2059 # the request text carries printf escapes on purpose
	printf "$1" | timeout 20 "$KT_PYTHON" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
s.shutdown(socket.SHUT_WR)
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    sys.stdout.buffer.write(chunk)
' "$WEB_PORT" >"$KT_TMP/raw" || true
	raw_answer
}

# post_head LENGTH: the head of a POST /messages as eve, announcing LENGTH body bytes.
post_head() {
	printf 'POST /api/v1/messages HTTP/1.1\\r\\nHost: localhost\\r\\nAuthorization: Bearer %s\\r\\nContent-Type: application/json\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n' \
		"$EVE" "$1"
}

# ---------------------------------------------------------------- bodies that come slowly or wrong

test_expect "a body sent in pieces with pauses is answered as if sent at once" '
	body="{\"message_text\":\"@amy slow but sure\"}"
	api_pieces "$(post_head ${#body})" 0.3 "{\"message_text\":" 0.3 "\"@amy slow" 0.3 " but sure\"}"
	assert_status 201
	id=$(jq -r .message_id "$KT_TMP/body")
	echo "$id" >>"$POSTED"
	api_as "$EVE" GET "/api/v1/messages/$id"
	assert_json .message_markup "@amy slow but sure"
'

test_expect "a head sent in pieces with pauses is answered too" '
	api_pieces "GET /api/v1/ti" 0.3 "me HTTP/1.1\r\nHost: local" 0.3 "host\r\nConnection: close\r\n" 0.3 "\r\n"
	assert_status 200
	assert_common
'

# With KINGLET_PROCS (2) programs per family, a server that handed bodies to them as they came
# would have none left for anybody else: the next request would hang.
test_expect "clients that announce more body than they send tie up no program; then they go away" '
	fds=()
	for i in 1 2 3 4 5 6; do
		exec {fd}<>"/dev/tcp/127.0.0.1/$WEB_PORT"
		printf "$(post_head 100){\"message_text\":\"@amy never" >&"$fd"
		fds+=("$fd")
	done
	sleep 0.5
	api_as "$EVE" GET /api/v1/messages --max-time 10
	assert_status 200
	api_json POST /api/v1/messages "$(text_json "@amy still posting")" -H "Authorization: Bearer $EVE" --max-time 10
	assert_status 201
	jq -r .message_id "$KT_TMP/body" >>"$POSTED"
	for fd in "${fds[@]}"; do
		exec {fd}<&-
	done
	sleep 0.5
	api_as "$EVE" GET /api/v1/messages --max-time 10
	assert_status 200
	assert_jq "[.messages[].message_markup | select(test(\"never\"))] == []"
'

test_expect "a truncated body and a closed connection leave the programs answering" '
	pids=$(web_program_pids | sort | tr "\n" " ")
	for i in 1 2 3; do
		exec 3<>"/dev/tcp/127.0.0.1/$WEB_PORT"
		printf "$(post_head 5000){\"message_text\":\"@amy cut" >&3
		exec 3<&-
	done
	api_as "$EVE" GET /api/v1/messages --max-time 10
	assert_status 200
	[ "$(web_program_pids | sort | tr "\n" " ")" = "$pids" ] || kt_fail "the programs changed: $pids"
'

# assert_4xx_or_closed: a clean JSON 4xx, or no answer at all (the server closed the connection:
# lighttpd does that for a body it cannot complete).
assert_4xx_or_closed() {
	[ -s "$KT_TMP/raw" ] || return 0
	assert_clean_4xx bad_request invalid_json
}

test_expect "a body shorter than announced, then a half-close: a JSON 4xx or no answer, nothing stored" '
	api_half_closed "$(post_head 5000){\"message_text\":\"@amy half-closed"
	assert_4xx_or_closed
	api_half_closed "POST /api/v1/messages HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer $EVE\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n40\r\n{\"message_text\":\"@amy chunk cut"
	assert_4xx_or_closed
	api_as "$EVE" GET /api/v1/messages
	assert_jq "[.messages[].message_markup | select(test(\"half-closed|chunk cut\"))] == []"
'

test_expect "a body longer than announced: only the announced bytes are the body" '
	body="{\"message_text\":\"@amy longer than announced\"}"
	api_raw "$(post_head 10)$body"
	assert_clean_4xx invalid_json
	! grep -qi "<html" "$KT_TMP/raw" || kt_fail "an HTML page in the answer"
	api_raw "$(post_head ${#body})$body{\"message_text\":\"@amy smuggled\"}\r\n\r\nGET /nope HTTP/1.1\r\n\r\n"
	assert_status 201
	! grep -qi "<html" "$KT_TMP/raw" || kt_fail "an HTML page in the answer"
	sed -n "s/.*\"message_id\":\([0-9]*\).*/\1/p" "$KT_TMP/body" | head -n 1 >>"$POSTED"
	api_as "$EVE" GET /api/v1/messages
	assert_jq "[.messages[].message_markup | select(test(\"smuggled\"))] == []"
'

# ---------------------------------------------------------------- the web server's limits

# request_of_size BYTES [HEADER]: a GET /api/v1/time request (Connection: close) whose head is
# BYTES bytes long, padded in the query string (or in the header HEADER).
request_of_size() {
	local bytes=$1 name=${2:-} pad head
	if [ -n "$name" ]; then
		head="GET /api/v1/time HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n$name: \r\n\r\n"
	else
		head="GET /api/v1/time?x= HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
	fi
	pad=$((bytes - $(printf "%b" "$head" | wc -c)))
	pad=$(head -c "$pad" /dev/zero | tr "\0" a)
	if [ -n "$name" ]; then
		printf '%s' "${head/"$name: "/"$name: $pad"}"
	else
		printf '%s' "${head/"?x="/"?x=$pad"}"
	fi
}

# lighttpd takes request heads of up to 8 KiB (server.max-request-field-size); Apache request lines
# and header fields of up to 8190 bytes (LimitRequestLine, LimitRequestFieldSize).
test_expect "a query string just under the request-head limit is served" '
	api_raw "$(request_of_size 8100)"
	short_request "GET /api/v1/time?x=aaa... (a head of 8100 bytes)"
	assert_status 200
	assert_common
'

test_expect "a query string just over the request-head limit is a JSON 414 or 431" '
	api_raw "$(request_of_size 8300)"
	short_request "GET /api/v1/time?x=aaa... (a head of 8300 bytes)"
	assert_clean_4xx uri_too_long request_header_fields_too_large
'

test_expect "a header just under the request-head limit is served" '
	api_raw "$(request_of_size 8100 X-Padding)"
	short_request "GET /api/v1/time, X-Padding: aaa... (a head of 8100 bytes)"
	assert_status 200
	assert_common
'

# Apache answers a header it will not read from a static page (t0110-errors.sh).
test_expect "a header just over the request-head limit is a JSON 431 (Apache: 400)" '
	api_raw "$(request_of_size 8300 X-Padding)"
	short_request "GET /api/v1/time, X-Padding: aaa... (a head of 8300 bytes)"
	assert_clean_4xx request_header_fields_too_large bad_request
'

# last_answer RID VERSION: the last answer in $KT_TMP/raw (several when the connection carried
# more than one request) is a JSON 4xx with exactly one X-Request-ID, RID (or, RID empty, a fresh
# id in the characters API.md §1 allows), and X-Kinglet-API-Version VERSION.
last_answer() {
	local rid=$1 version=$2 got
	awk '/^HTTP\/1\.[01] [0-9][0-9][0-9]/ && !inh { h = ""; inh = 1 }
		inh { h = h $0 "\n" } inh && /^\r?$/ { inh = 0; last = h } END { printf "%s", last }' \
		"$KT_TMP/raw" | tr -d "\r" | sed -e "/^$/d" >"$KT_TMP/headers"
	API_STATUS=$(head -n1 "$KT_TMP/headers" | cut -d" " -f2)
	[[ $API_STATUS == 4[0-9][0-9] ]] || kt_fail "expected a 4xx, got ${API_STATUS:-nothing}" || return 1
	assert_header Content-Type "application/json; charset=utf-8" || return 1
	assert_header X-Kinglet-API-Version "$version" || return 1
	assert_header X-Request-ID ${rid:+"$rid"} || return 1
	got=$(header X-Request-ID)
	[[ $got =~ ^[A-Za-z0-9._-]{1,64}$ ]] || kt_fail "X-Request-ID $got is not a request id"
}

# API.md §1: every answer, the web server's own included, carries the request id (and §10 the API
# version applied). A request the server reads (a malformed Content-Length, CONNECT) keeps the
# client's valid id and version; one whose head it cannot read (a request line or header over the
# limit, the bytes beyond a body taken for the next request) gets a fresh id and the default.
test_expect "the web server's own answers carry X-Request-ID (the client's when valid) and X-Kinglet-API-Version" '
	for ids in "t0700.own-ID_1|X-Kinglet-API-Version: 0\r\n|0" "not valid!|X-Kinglet-API-Version: 9\r\n|1" "||1"; do
		IFS="|" read -r rid version want <<<"$ids"
		h="Host: localhost\r\nX-Request-ID: $rid\r\n$version"
		[ -n "$rid" ] || h="Host: localhost\r\n$version"
		[[ $rid =~ ^[A-Za-z0-9._-]+$ ]] || rid=""
		for req in "POST /api/v1/messages HTTP/1.1\r\n${h}Content-Type: application/json\r\nContent-Length: 12x\r\nConnection: close\r\n\r\n" \
			"CONNECT 127.0.0.1:1 HTTP/1.1\r\n${h}Connection: close\r\n\r\n"; do
			api_raw "$req"
			last_answer "$rid" "$want" || kt_fail "for: $req" || exit 1
		done
	done
	pad=$(head -c 8300 /dev/zero | tr "\0" a)
	for req in "GET /api/v1/time?x=$pad HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" \
		"GET /api/v1/time HTTP/1.1\r\nHost: localhost\r\nX-Padding: $pad\r\nConnection: close\r\n\r\n" \
		"POST /api/v1/time HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}{\"message_text\":\"x\"}\r\nHost: localhost\r\n\r\n"; do
		api_raw "$req"
		short_request "${req:0:200}"
		last_answer "" 1 || kt_fail "for: ${req:0:120}" || exit 1
	done
'

test_expect "256 query parameters are served; 257 are 400 invalid_query_parameter" '
	q=$(seq -f "p%g=1" 0 255 | paste -sd "&")
	api_as "$EVE" GET "/api/v1/messages?$q"
	assert_status 200
	api_as "$EVE" GET "/api/v1/messages?$q&p256=1"
	assert_clean_4xx invalid_query_parameter
'

test_expect "10,000 query parameters are a clean 4xx (the server refuses the head first)" '
	api_as "$EVE" GET "/api/v1/messages?$(seq -f "p%.0f" 0 9999 | paste -sd "&")"
	short_request "GET /api/v1/messages?p0&p1&...&p9999"
	assert_clean_4xx uri_too_long request_header_fields_too_large
	api_as "$EVE" GET "/api/v1/messages?$(printf "x=1&%.0s" $(seq 10000))"
	short_request "GET /api/v1/messages?x=1&x=1&... (10,000 times)"
	assert_clean_4xx uri_too_long request_header_fields_too_large
'

test_expect "10,000 form fields are 400 invalid_query_parameter" '
	seq -f "f%.0f" 0 9999 | paste -sd "&" >"$KT_TMP/form"
	api_as "$EVE" POST /api/v1/messages --data-binary @"$KT_TMP/form"
	assert_clean_4xx invalid_query_parameter
'

# ---------------------------------------------------------------- deep JSON

# nested DEPTH [LEAF]: {"message_text":"@amy deep","x":...} with DEPTH containers in all, the
# innermost [] (or [LEAF]).
nested() {
	printf "{\"message_text\":\"@amy deep\",\"x\":"
	head -c $(($1 - 2)) /dev/zero | tr "\0" "["
	printf "[%s]" "${2:-}"
	head -c $(($1 - 2)) /dev/zero | tr "\0" "]"
	printf "}"
}

test_expect "JSON nested 32 deep is read (and the unknown field refused); 33 deep is 400 invalid_json" '
	api_json POST /api/v1/messages "$(nested 32 1)" -H "Authorization: Bearer $EVE"
	assert_clean_4xx validation_failed
	assert_jq "[.invalid_params[] | select(.name == \"x\" and .reason == \"unknown_field\")] | length == 1"
	api_json POST /api/v1/messages "$(nested 33)" -H "Authorization: Bearer $EVE"
	assert_clean_4xx invalid_json
	api_json POST /api/v1/messages "$(nested 33 1)" -H "Authorization: Bearer $EVE"
	assert_clean_4xx invalid_json
'

test_expect "JSON nested 30,000 deep (under the body limit) and 100,000 deep is a clean 400 or 413" '
	nested 30000 >"$KT_TMP/deep.json"
	api POST /api/v1/messages -H "Authorization: Bearer $EVE" -H "Content-Type: application/json" \
		--data-binary @"$KT_TMP/deep.json"
	assert_clean_4xx invalid_json
	nested 100000 >"$KT_TMP/deep.json"
	api POST /api/v1/messages -H "Authorization: Bearer $EVE" -H "Content-Type: application/json" \
		--data-binary @"$KT_TMP/deep.json"
	assert_clean_4xx invalid_json payload_too_large
'

# ---------------------------------------------------------------- many requests, one connection

# The matrices below are hundreds of requests: one curl sends them all (keep-alive, as a client
# hammering the API would), one jq reads every answer.
#   many METHOD PATH [curl args...]   queue a request, as api would send it
#   many_check EXPECT...              send the queue; every answer is JSON, none is a 5xx or HTML,
#                                     and each is an error with one of the codes EXPECT (or has
#                                     the status EXPECT, for a 3-digit EXPECT)
# After many_check, $KT_TMP/many.N holds the body of request N (from 0), many.N.h its headers.
MANY=()
MANY_WHAT=()
many() {
	local method=$1 path=$2 n=${#MANY_WHAT[@]}
	shift 2
	MANY_WHAT+=("$method $path")
	[ "$n" -eq 0 ] || MANY+=(--next)
	MANY+=(-sS --path-as-is --globoff --max-time 30 -X "$method" -D "$KT_TMP/many.$n.h"
		-o "$KT_TMP/many.$n" -w "$n %{http_code} %{content_type}\n" "$@"
		"http://127.0.0.1:$WEB_PORT$path")
}
many_check() {
	local n status type code got bad=0
	rm -f "$KT_TMP"/many.*
	curl "${MANY[@]}" >"$KT_TMP/many" || kt_fail "curl failed" || return 1
	printf '%s\n' "${MANY_WHAT[@]}" >"$KT_TMP/request"
	many_json '"\(.status) \(.code // "-")"' >"$KT_TMP/many.codes"
	n=0
	while read -r _ status type && read -r got code <&3; do
		if [ "$type" != "application/json; charset=utf-8" ] || [ "$got" != "$status" ] ||
			[[ $status == 5* ]] || ! [[ " $* " == *" $code "* || " $* " == *" $status "* ]] ||
			{ [[ $status != [23]* ]] && [ "$code" = - ]; }; then
			echo "${MANY_WHAT[$n]}: $status $type $(head -c 300 "$KT_TMP/many.$n")"
			bad=1
		fi
		n=$((n + 1))
	done <"$KT_TMP/many" 3<"$KT_TMP/many.codes"
	[ "$n" -eq ${#MANY_WHAT[@]} ] || kt_fail "$n answers to ${#MANY_WHAT[@]} requests" || return 1
	MANY=()
	MANY_WHAT=()
	[ "$bad" -eq 0 ] || kt_fail "the answers above are not: $*"
}
# many_json FILTER: FILTER (jq -r, one line) on each answer of the last many_check, in order
# ("not-json -" for a body that is not JSON).
many_json() {
	local n count prog
	count=$(grep -c . "$KT_TMP/many")
	prog='(input_filename | ltrimstr($dir)) + " " + ('"$1"' | tostring)'
	for ((n = 0; n < count; n++)); do
		printf '%s\n' "$KT_TMP/many.$n"
	done >"$KT_TMP/many.files"
	if ! xargs jq -r --arg dir "$KT_TMP/many." "$prog" <"$KT_TMP/many.files" >"$KT_TMP/many.json" 2>/dev/null; then
		# Some body is not JSON: one jq each, to tell which.
		: >"$KT_TMP/many.json"
		while read -r f; do
			jq -r --arg dir "$KT_TMP/many." "$prog" "$f" >>"$KT_TMP/many.json" 2>/dev/null || true
		done <"$KT_TMP/many.files"
	fi
	awk -v count="$count" '{ n = $1; sub(/^[0-9]+ /, ""); v[n] = $0 }
		END { for (i = 0; i < count; i++) print ((i in v) ? v[i] : "not-json -") }' "$KT_TMP/many.json"
}

# ---------------------------------------------------------------- bad UTF-8 and NUL, in every field

# many_bytes BYTES [curl args...]: queue a POST /messages as eve with the JSON body BYTES (printf
# %b escapes).
many_bytes() {
	local n=${#MANY_WHAT[@]}
	# shellcheck disable=SC2059 # the body carries printf escapes on purpose
	printf "$1" >"$KT_TMP/bytes.$n"
	shift
	many POST /api/v1/messages -H "Authorization: Bearer $EVE" -H "Content-Type: application/json" \
		--data-binary @"$KT_TMP/bytes.$n" "$@"
}

test_expect "invalid UTF-8 and overlong forms in path, query, JSON and form are 400 invalid_encoding" '
	for bad in %C0%AF %E0%80%AF %ED%A0%80 %F4%90%80%80 %FF %C3; do
		many GET "/api/v1/users/eve$bad" -H "Authorization: Bearer $EVE"
		many GET "/api/v1/messages?before=1$bad" -H "Authorization: Bearer $EVE"
		many GET "/api/v1/messages?x$bad=1" -H "Authorization: Bearer $EVE"
		many POST /api/v1/messages --data "message_text=%40amy$bad" -H "Authorization: Bearer $EVE"
	done
	many GET "/api/v1/users/..%C0%AF..%C0%AFetc%C0%AFpasswd" -H "Authorization: Bearer $EVE"
	for bad in "\xc0\xaf" "\xe0\x80\xaf" "\xed\xa0\x80" "\xf4\x90\x80\x80" "\xff" "\xc3"; do
		many_bytes "{\"message_text\":\"@amy $bad\"}"
		many_bytes "{\"message_text\":\"@amy\",\"$bad\":1}"
	done
	many_check invalid_encoding
'

test_expect "a NUL in the path, the query, a JSON string or key, a form field or a header is a clean 400" '
	many GET "/api/v1/messages?before=1%00" -H "Authorization: Bearer $EVE"
	many GET "/api/v1/messages?x%00=1" -H "Authorization: Bearer $EVE"
	many GET "/api/v1/messages?user_name=eve%00&user_id=1&session_id=x"
	many_bytes "{\"message_text\":\"@amy a\\\\u0000b\"}"
	many_bytes "{\"message_text\":\"@amy\",\"a\\\\u0000\":1}"
	many_bytes "{\"message_text\":\"@amy\",\"\\\\u0000\":1}"
	many POST /api/v1/messages --data "message_text=%40amy%00" -H "Authorization: Bearer $EVE"
	printf "message_text=@amy\0x" >"$KT_TMP/nul.form"
	many POST /api/v1/messages --data-binary @"$KT_TMP/nul.form" -H "Authorization: Bearer $EVE"
	many_check invalid_encoding
	# nginx refuses a %00 in the path itself (400 bad_request).
	many GET "/api/v1/users/e%00ve" -H "Authorization: Bearer $EVE"
	many GET "/api/v1/messages/1%00" -H "Authorization: Bearer $EVE"
	many_check invalid_encoding invalid_path_parameter bad_request
	many_bytes "{\"message_text\":\"@amy a\0b\"}"
	many_bytes "{\"message_text\":\"@amy\"}\0"
	many_check invalid_json invalid_encoding
	api_raw "GET /api/v1/time HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: a\0b\r\nConnection: close\r\n\r\n"
	assert_clean_4xx bad_request
	api_raw "GET /api/v1/messages HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer $EVE\0\r\nConnection: close\r\n\r\n"
	assert_clean_4xx bad_request invalid_session
'

# The error's system_message quotes what was sent, cut at a byte count ("%.40s"): it used to cut
# a UTF-8 sequence in two, or pass on bytes that are not UTF-8, and the JSON was not UTF-8.
test_expect "an error that quotes the request is valid UTF-8: a path id cut mid-character, a Latin-1 Content-Type" '
	api_as "$EVE" GET "/api/v1/messages/a$(printf "%%C3%%A9%.0s" $(seq 25))"
	assert_clean_4xx invalid_path_parameter
	iconv -f UTF-8 -t UTF-8 "$KT_TMP/body" >/dev/null || kt_fail "the body is not UTF-8"
	api_as "$EVE" POST /api/v1/messages -H "$(printf "Content-Type: text/caf\xe9\xff")" --data-binary "x"
	assert_clean_4xx unsupported_media_type
	iconv -f UTF-8 -t UTF-8 "$KT_TMP/body" >/dev/null || kt_fail "the body is not UTF-8"
'

# ---------------------------------------------------------------- injection and traversal strings

# Every HOSTILE string in every parameter of a few routes: user names, e-mail, passwords, path
# ids, query values, body fields, credentials. The text routes must take them as text.

test_expect "injection and traversal strings as user names, e-mail and password: clean 4xx" '
	for s in "${HOSTILE[@]}"; do
		many POST /api/v1/users -H "Content-Type: application/json" --data-binary \
			"{\"user_name\":$(json "$s"),\"email\":\"x@example.com\",\"password\":\"long enough\"}"
		many POST /api/v1/users -H "Content-Type: application/json" --data-binary \
			"{\"user_name\":\"mallory\",\"email\":$(json "$s"),\"password\":\"long enough\"}"
		many PUT /api/v1/users -H "Authorization: Bearer $EVE" -H "Content-Type: application/json" \
			--data-binary "{\"email\":$(json "$s")}"
	done
	many_check validation_failed
	for s in "${HOSTILE[@]}"; do
		many POST /api/v1/users/login -H "Content-Type: application/json" --data-binary \
			"{\"user_name\":$(json "$s"),\"password\":$(json "$s")}"
		many POST /api/v1/users/login -H "Content-Type: application/json" --data-binary \
			"{\"email\":$(json "$s"),\"password\":$(json "$s")}"
		many POST /api/v1/users/login -H "Content-Type: application/json" --data-binary \
			"{\"user_name\":\"eve\",\"password\":$(json "$s")}"
		many POST /api/v1/users/login --data-urlencode "user_name=$s" --data-urlencode "password=$s"
	done
	many_check invalid_credentials validation_failed
	for s in "${HOSTILE[@]}"; do
		many GET "/api/v1/users/$(uri "$s")" -H "Authorization: Bearer $EVE"
		many GET "/api/v1/lists/request/$(uri "$s")" -H "Authorization: Bearer $EVE"
		# As typed, where a URL can hold it (--path-as-is: no dot-segment removal by curl).
		[[ $s == *[\ \"\\]* ]] ||
			many GET "/api/v1/users/$s" -H "Authorization: Bearer $EVE"
	done
	many_check not_found invalid_path_parameter
'

test_expect "injection and traversal strings as ids and query values: clean 4xx, or ignored" '
	for s in "${HOSTILE[@]}"; do
		for path in "/messages/$(uri "$s")" "/messages/$(uri "$s")/replies" \
			"/messages/since/$(uri "$s")" "/messages/page/$(uri "$s")" \
			"/messages/threads/$(uri "$s")" "/users/tokens/$(uri "$s")"; do
			many GET "/api/v1$path" -H "Authorization: Bearer $EVE"
		done
		many DELETE "/api/v1/messages/$(uri "$s")" -H "Authorization: Bearer $EVE"
		many DELETE "/api/v1/users/tokens/$(uri "$s")" -H "Authorization: Bearer $EVE"
	done
	many_check invalid_path_parameter not_found method_not_allowed
	for s in "${HOSTILE[@]}"; do
		for p in before after page limit per_page; do
			many GET "/api/v1/messages?$p=$(uri "$s")" -H "Authorization: Bearer $EVE"
		done
		many GET "/api/v1/messages/$AMY_POST/replies?before=$(uri "$s")" -H "Authorization: Bearer $EVE"
		many GET "/api/v1/messages/threads?page=$(uri "$s")" -H "Authorization: Bearer $EVE"
	done
	many_check invalid_query_parameter
	for s in "${HOSTILE[@]}"; do
		many GET "/api/v1/messages?q=$(uri "$s")&$(uri "$s")=1" -H "Authorization: Bearer $EVE"
	done
	many_check 200
	for s in "${HOSTILE[@]}"; do
		many POST "/api/v1/messages/$AMY_POST/replies" -H "Authorization: Bearer $EVE" \
			-H "Content-Type: application/json" \
			--data-binary "{\"message_text\":\"@amy hi\",\"reply_to_id\":$(json "$s")}"
		many POST /api/v1/users/tokens -H "Authorization: Bearer $EVE" -H "Content-Type: application/json" \
			--data-binary "{\"name\":\"t\",\"scope\":$(json "$s"),\"expires_in_days\":$(json "$s")}"
	done
	many_check validation_failed
'

test_expect "injection strings as credentials (Bearer, X-Api-Key, the triple): clean 401" '
	for s in "${HOSTILE[@]}"; do
		many GET /api/v1/messages -H "Authorization: Bearer $s"
		many GET /api/v1/messages -H "X-Api-Key: $s"
		many GET "/api/v1/messages?user_name=$(uri "$s")&user_id=$(uri "$s")&session_id=$(uri "$s")"
		many GET "/api/v1/messages?user_name=eve&user_id=1&session_id=$(uri "$s")"
	done
	many_check invalid_session
	n=0
	for s in "${HOSTILE[@]}"; do
		many GET /api/v1/time -H "X-Request-ID: $s"
	done
	many_check 200
	for s in "${HOSTILE[@]}"; do
		! grep -qiF "X-Request-ID: $s" "$KT_TMP/many.$n.h" || kt_fail "X-Request-ID echoed: $s" || return 1
		n=$((n + 1))
	done
'

test_expect "message text with injection and traversal strings is stored and returned verbatim (JSON, form, reply)" '
	texts=()
	for s in "${HOSTILE[@]}"; do
		many POST /api/v1/messages -H "Authorization: Bearer $EVE" -H "Content-Type: application/json" \
			--data-binary "{\"message_text\":$(json "@amy $s")}"
		many POST /api/v1/messages -H "Authorization: Bearer $EVE" --data-urlencode "message_text=@amy $s (form)"
		many POST /api/v1/messages -H "Authorization: Bearer $EVE" --data-urlencode \
			"json={\"message_text\":$(json "@amy $s (form json)")}"
		many POST "/api/v1/messages/$AMY_POST/replies" -H "Authorization: Bearer $EVE" \
			-H "Content-Type: application/json" --data-binary "{\"message_text\":$(json "@amy $s (reply)")}"
		texts+=("@amy $s" "@amy $s (form)" "@amy $s (form json)" "@amy $s (reply)")
	done
	many_check 201
	mapfile -t ids < <(many_json .message_id)
	printf "%s\n" "${ids[@]}" >>"$POSTED"
	for id in "${ids[@]}"; do
		many GET "/api/v1/messages/$id" -H "Authorization: Bearer $AMY"
	done
	many_check 200
	mapfile -t got < <(many_json ".message_markup | @json")
	for ((n = 0; n < ${#texts[@]}; n++)); do
		[ "${got[$n]}" = "$(json "${texts[$n]}")" ] ||
			kt_fail "message ${ids[$n]}: $(json "${texts[$n]}") came back as ${got[$n]}" || return 1
	done
'

test_expect "the database is intact: same tables, the users there were, exactly the messages posted" '
	[ "$(db_root "$KT_DB" -N -e "SHOW TABLES" | sort | tr "\n" " ")" = "$TABLES" ] ||
		kt_fail "tables changed"
	users=$(db_root "$KT_DB" -N -e "SELECT GROUP_CONCAT(user_name ORDER BY user_name) FROM users")
	[ "$users" = "$USERS" ] || kt_fail "users: $users, expected $USERS"
	n=$(db_root "$KT_DB" -N -e "SELECT COUNT(*) FROM messages")
	want=$((MESSAGES_BEFORE + $(grep -c . "$POSTED")))
	[ "$n" = "$want" ] || kt_fail "$n messages, expected $want"
	[ "$(sort -u "$POSTED" | wc -l)" = "$(wc -l <"$POSTED")" ] || kt_fail "an id twice"
	login eve eve-password
	assert_status 200
'

test_done
