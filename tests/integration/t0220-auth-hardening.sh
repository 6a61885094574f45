#!/usr/bin/env bash
# Integration tests for the authentication holes of the security review (issue 16): one account is one brute-force counter however it is spelt, counted before hashing; strangers cannot lock an owner out; the system account is refused everywhere; a reset token is checked before hashing and a reset revokes every credential; sessions end after a lifetime; forgotten-password and resend answers take the same time whether or not the account exists.
# once: the programs' counters and timing, the same behind every server
# alone: it compares response times, which a file running beside it would disturb
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# Four processes per program, so that concurrent requests meet. Client addresses come from
# X-Forwarded-For (the peer, 127.0.0.1, is a trusted proxy): each test uses addresses of its own.
# scrypt costs a few tens of milliseconds here, so that hashing shows in the time of an answer.
export KINGLET_PROCS=4
test_web_start http.trusted_proxies=127.0.0.1 auth.login_failures_per_account_all=12 \
	auth.session_max_days=2 signup.per_ip_per_hour=1000 scrypt.log2_n=13

# login_from ADDRESS IDENTIFIER PASSWORD: POST /users/login by user_name from ADDRESS.
login_from() {
	api_json POST /api/v1/users/login "$(jq -nc --arg u "$2" --arg p "$3" '{user_name: $u, password: $p}')" \
		-H "X-Forwarded-For: $1"
}

# mails_to ADDRESS: how many mails are spooled to ADDRESS.
mails_to() {
	{ grep -lF "To: <$1>" "$WEB_MAIL"/*.eml 2>/dev/null || true; } | wc -l
}

# median: the median of the numbers on standard input, one a line.
median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# medians_hold FILE_A FILE_B CONDITION WHAT: the medians a and b of the times in the two files
# (printed) meet the awk CONDITION on a and b, which says WHAT; else fails.
medians_hold() {
	local a b
	a=$(median <"$1")
	b=$(median <"$2")
	echo "medians: $a s and $b s"
	awk -v a="$a" -v b="$b" "BEGIN { exit !($3) }" || kt_fail "medians $a s and $b s, but $4"
}

# timed METHOD PATH JSON: one request; prints its time in seconds (curl's time_total).
timed() {
	curl -sS -o /dev/null -w '%{time_total}\n' -X "$1" -H "Content-Type: application/json" \
		--data-binary "$3" "http://127.0.0.1:$WEB_PORT$2"
}

# mail_token PURPOSE USER: inserts a usable mail token of PURPOSE for USER as the server would
# (only its SHA-256 is stored) and prints the token.
mail_token() {
	local token
	token=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
	kt_sql "INSERT INTO mail_tokens (token_hash, user_id, purpose, expires_at) SELECT
		UNHEX('$(printf %s "$token" | sha256sum | cut -c1-64)'), user_id, '$1', NOW() + INTERVAL 1 HOUR
		FROM users WHERE user_name = '$2'"
	printf '%s\n' "$token"
}

ALICE=$(make_user alice)

test_expect "one account is one login counter however its name is spelt (API.md §2)" '
	for who in alice "alice " ALICE "Alice   " "alice@example.com "; do
		login_from 10.1.0.1 "$who" wrong-guess
		assert_error 401 invalid_credentials
	done
	login_from 10.1.0.1 "alice  " wrong-guess
	assert_error 429 rate_limited
	login_from 10.1.0.1 alice alice-password
	assert_error 429 rate_limited
'

test_expect "an unknown name is one counter too, trimmed and case-folded" '
	for who in nobody "nobody " NOBODY "NoBody  " " nobody"; do
		login_from 10.1.1.1 "$who" wrong-guess
		assert_error 401 invalid_credentials
	done
	login_from 10.1.1.1 "nobody    " wrong-guess
	assert_error 429 rate_limited
'

test_expect "forgotten-password requests are one counter per account however it is spelt" '
	make_user rita >/dev/null
	before=$(mails_to rita@example.com)
	i=0
	for body in "{\"user_name\":\"rita\"}" "{\"user_name\":\"rita \"}" "{\"user_name\":\"RITA\"}" \
		"{\"email\":\"Rita@Example.com\"}" "{\"email\":\"rita@example.com  \"}"; do
		i=$((i + 1))
		api_json POST /api/v1/users/password "$body" -H "X-Forwarded-For: 10.2.0.$i"
		assert_status 200
	done
	api_json POST /api/v1/users/password "{\"user_name\":\"Rita  \"}" -H "X-Forwarded-For: 10.2.0.9"
	assert_error 429 rate_limited
	[ "$(mails_to rita@example.com)" -eq $((before + 5)) ] || kt_fail "$(mails_to rita@example.com) mails to rita, $before before"
'

test_expect "concurrent wrong passwords cannot pass the limit: each is counted before hashing" '
	make_user carol >/dev/null
	for i in $(seq 1 12); do
		api_bg "$i" POST /api/v1/users/login -H "Content-Type: application/json" \
			-H "X-Forwarded-For: 10.3.0.1" --data-binary "{\"user_name\":\"carol\",\"password\":\"wrong-$i\"}" &
	done
	wait
	failed=$(cat "$KT_TMP"/bg.*.status | grep -o "[0-9]\{3\}" | grep -c "^401$" || true)
	refused=$(cat "$KT_TMP"/bg.*.status | grep -o "[0-9]\{3\}" | grep -c "^429$" || true)
	rm -f "$KT_TMP"/bg.*
	[ "$failed" -le 5 ] || kt_fail "$failed of 12 concurrent wrong passwords were tried (limit 5)"
	[ $((failed + refused)) -eq 12 ] || kt_fail "$failed 401 and $refused 429 of 12"
	login_from 10.3.0.2 carol carol-password
	assert_status 200
'

test_expect "wrong passwords from elsewhere do not lock the owner out, nor block a password change" '
	DAVE=$(make_user dave)
	for i in 1 2 3 4 5; do
		login_from 10.4.0.1 dave wrong-guess
		assert_error 401 invalid_credentials
	done
	login_from 10.4.0.1 dave dave-password
	assert_error 429 rate_limited
	login_from 10.4.0.2 dave dave-password
	assert_status 200
	api_json PUT /api/v1/users/password "{\"old_password\":\"dave-password\",\"new_password\":\"dave-password-2\",\"verify_password\":\"dave-password-2\"}" \
		-H "Authorization: Bearer $DAVE" -H "X-Forwarded-For: 10.4.0.2"
	assert_status 200
'

test_expect "a higher ceiling counts an account failures from every address together" '
	make_user erin >/dev/null
	for address in 10.5.0.1 10.5.0.2; do
		for i in 1 2 3 4 5; do
			login_from "$address" erin wrong-guess
			assert_error 401 invalid_credentials
		done
	done
	login_from 10.5.0.3 erin wrong-guess
	assert_error 401 invalid_credentials
	login_from 10.5.0.3 erin wrong-guess
	assert_error 401 invalid_credentials
	login_from 10.5.0.3 erin wrong-guess
	assert_error 429 rate_limited
	login_from 10.5.0.4 erin erin-password
	assert_error 429 rate_limited
'

test_expect "IPv6 clients are counted per /64" '
	make_user fred >/dev/null
	for i in 1 2 3 4 5; do
		login_from "2001:db8:1:2::$i" fred wrong-guess
		assert_error 401 invalid_credentials
	done
	login_from 2001:db8:1:2:ffff:ffff:ffff:ffff fred fred-password
	assert_error 429 rate_limited
	login_from 2001:db8:1:3::1 fred fred-password
	assert_status 200
'

test_expect "the system account kinglet cannot log in, even with a password hash" '
	kt_sql "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE user_name = \"alice\") WHERE user_name = \"kinglet\""
	login_from 10.6.0.1 kinglet alice-password
	status=$API_STATUS
	kt_sql "UPDATE users SET password_hash = \"!\" WHERE user_name = \"kinglet\""
	API_STATUS=$status
	assert_error 401 invalid_credentials
'

test_expect "the system account is sent no reset, and its tokens neither reset nor activate" '
	api_json POST /api/v1/users/password "{\"user_name\":\"nobody-at-all\"}" -H "X-Forwarded-For: 10.6.0.2"
	assert_status 200
	jq -S "del(.request_id)" "$KT_TMP/body" >"$KT_TMP/unknown.json"
	for body in "{\"user_name\":\"kinglet\"}" "{\"email\":\"kinglet@system.invalid\"}"; do
		api_json POST /api/v1/users/password "$body" -H "X-Forwarded-For: 10.6.0.3"
		assert_status 200
		jq -S "del(.request_id)" "$KT_TMP/body" | cmp - "$KT_TMP/unknown.json"
	done
	[ "$(mails_to kinglet@system.invalid)" -eq 0 ] || kt_fail "a mail went to the system account"
	token=$(mail_token reset kinglet)
	api_json PUT /api/v1/users/password "{\"reset_token\":\"$token\",\"new_password\":\"taken-over\",\"verify_password\":\"taken-over\"}"
	assert_error 400 invalid_token
	token=$(mail_token activate kinglet)
	api GET "/api/v1/users/activate/$token"
	assert_error 400 invalid_token
'

test_expect "the system account is sent no activation mail, even were it pending" '
	kt_sql "UPDATE users SET user_status = \"pending\" WHERE user_name = \"kinglet\""
	api_json POST /api/v1/users/activate/resend "{\"email\":\"kinglet@system.invalid\"}" -H "X-Forwarded-For: 10.6.0.4"
	status=$API_STATUS
	kt_sql "UPDATE users SET user_status = \"active\" WHERE user_name = \"kinglet\""
	API_STATUS=$status
	assert_status 200
	[ "$(mails_to kinglet@system.invalid)" -eq 0 ] || kt_fail "a mail went to the system account"
'

# A wrong password costs one scrypt verification; a reset with an unknown token must cost none.
test_expect "a reset with an unknown, used or expired token is 400 before any password hashing" '
	: >"$KT_TMP/reset.t"
	: >"$KT_TMP/login.t"
	token=$(mail_token reset alice)
	kt_sql "UPDATE mail_tokens SET expires_at = NOW() - INTERVAL 1 SECOND"
	for i in 1 2 3 4 5 6 7; do
		timed PUT /api/v1/users/password "{\"reset_token\":\"$token\",\"new_password\":\"new-pass-$i\",\"verify_password\":\"new-pass-$i\"}" >>"$KT_TMP/reset.t"
		curl -sS -o /dev/null -w "%{time_total}\n" -H "Content-Type: application/json" -H "X-Forwarded-For: 10.7.0.$i" \
			--data-binary "{\"user_name\":\"nobody-$i\",\"password\":\"wrong-guess\"}" \
			"http://127.0.0.1:$WEB_PORT/api/v1/users/login" >>"$KT_TMP/login.t"
	done
	api_json PUT /api/v1/users/password "{\"reset_token\":\"$token\",\"new_password\":\"new-pass-1\",\"verify_password\":\"new-pass-1\"}"
	assert_error 400 invalid_token
	medians_hold "$KT_TMP/reset.t" "$KT_TMP/login.t" "a < b / 2" \
		"a reset with an expired token must take less than half a failed login (one scrypt)"
'

test_expect "a password reset revokes every session and every personal access token" '
	GINA=$(make_user gina)
	api_json POST /api/v1/users/tokens "{\"name\":\"ci\",\"scope\":\"write\"}" -H "Authorization: Bearer $GINA"
	assert_status 201
	pat=$(jq -r .token "$KT_TMP/body")
	api_json POST /api/v1/users/password "{\"user_name\":\"gina\"}" -H "X-Forwarded-For: 10.8.0.1"
	assert_status 200
	api_json PUT /api/v1/users/password "{\"reset_token\":\"$(reset_token gina@example.com)\",\"new_password\":\"gina-new-pass\",\"verify_password\":\"gina-new-pass\"}"
	assert_status 200
	api GET /api/v1/users/gina -H "Authorization: Bearer $GINA"
	assert_error 401 invalid_session
	api GET /api/v1/users/gina -H "Authorization: Bearer $pat"
	assert_error 401 invalid_session
	api GET /api/v1/users/gina -H "X-Api-Key: $pat"
	assert_error 401 invalid_session
	login_from 10.8.0.1 gina gina-new-pass
	assert_status 200
'

# auth.session_max_days=2 here, auth.session_idle_days the default 30.
test_expect "login reports when the session ends: the earlier of its idle time and its lifetime" '
	login_from 10.9.0.1 alice alice-password
	assert_status 200
	ends=$(date -d "$(jq -r .expires_at "$KT_TMP/body")" +%s)
	want=$(($(date +%s) + 2 * 86400))
	[ "$ends" -le $((want + 5)) ] && [ "$ends" -ge $((want - 60)) ] ||
		kt_fail "expires_at $(jq -r .expires_at "$KT_TMP/body") is not 2 days from now"
'

# made_ago NAME SECONDS: moves NAME's session's creation (and the end the server gave it) back by
# SECONDS, as if it were that much older; it was used a moment ago all the same.
made_ago() {
	kt_sql "UPDATE tokens SET created_at = created_at - INTERVAL $2 SECOND, expires_at = expires_at - INTERVAL $2 SECOND
		WHERE kind = \"session\" AND user_id = (SELECT user_id FROM users WHERE user_name = \"$1\")
		AND revoked_at IS NULL"
}

test_expect "a session in constant use still ends auth.session_max_days after login" '
	HANK=$(make_user hank)
	made_ago hank $((2 * 86400 - 60))
	api GET /api/v1/users/hank -H "Authorization: Bearer $HANK"
	assert_status 200
	made_ago hank 120
	api GET /api/v1/users/hank -H "Authorization: Bearer $HANK"
	assert_error 401 invalid_session
'

# equal_time PATH KNOWN_JSON UNKNOWN_JSON: 40 pairs of requests, one of each kind, each kind
# first of its pair in half of them. Before each pair the counters are cleared, so that none is refused, and
# one request is not measured (the first after that is slower: it opens the counters). 6 pairs
# first, not measured, for the processes to have seen the known kind. Fails unless the medians of
# the two kinds are within 10% of the larger, or within 1.5 ms (without the equal wait, a known
# account takes several ms longer here: a token in the database and a mail in the spool).
# The counters are cleared through one client (a client start per pair was seconds of the file):
# each statement is followed by a marker line, read back to know it has run.
equal_time() {
	local i line
	: >"$KT_TMP/known.t"
	: >"$KT_TMP/unknown.t"
	coproc SQL { db_root -N --unbuffered "$KT_DB" 2>&1; }
	for i in $(seq 1 46); do
		printf '%s\n' 'DELETE FROM throttle WHERE bucket LIKE "reset%" OR bucket LIKE "resend%";' \
			'SELECT "cleared";' >&"${SQL[1]}"
		while IFS= read -r -u "${SQL[0]}" line && [ "$line" != cleared ]; do
			echo "$line"
		done
		[ "$line" = cleared ] || kt_fail "clearing the counters failed" || return 1
		timed POST "$1" "$3" >/dev/null
		if [ $((i % 2)) -eq 0 ]; then
			timed POST "$1" "$2" >>"$KT_TMP/known.t"
			timed POST "$1" "$3" >>"$KT_TMP/unknown.t"
		else
			timed POST "$1" "$3" >>"$KT_TMP/unknown.t"
			timed POST "$1" "$2" >>"$KT_TMP/known.t"
		fi
		if [ "$i" -eq 6 ]; then
			: >"$KT_TMP/known.t"
			: >"$KT_TMP/unknown.t"
		fi
	done
	eval "exec ${SQL[1]}>&-"
	wait "$SQL_PID" || true
	medians_hold "$KT_TMP/known.t" "$KT_TMP/unknown.t" \
		"(a > b ? a - b : b - a) <= (a > b ? a : b) / 10 || (a > b ? a - b : b - a) <= 0.0015" \
		"a known account (first) and an unknown one must take the same time"
}

test_expect "a forgotten password takes the same time whether or not the account exists" '
	make_user ivan >/dev/null
	before=$(mails_to ivan@example.com)
	equal_time /api/v1/users/password "{\"user_name\":\"ivan\"}" "{\"user_name\":\"nobody-ivan\"}"
	[ "$(mails_to ivan@example.com)" -eq $((before + 46)) ] || kt_fail "not every request sent its mail"
'

test_expect "an activation resend takes the same time whether or not a pending account exists" '
	api_json POST /api/v1/users "{\"user_name\":\"judy\",\"email\":\"judy@example.com\",\"password\":\"judy-password\"}"
	assert_status 201
	equal_time /api/v1/users/activate/resend "{\"email\":\"judy@example.com\"}" "{\"email\":\"nobody-judy@example.com\"}"
'

test_done
