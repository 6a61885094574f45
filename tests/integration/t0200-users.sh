#!/usr/bin/env bash
# Integration tests for the users family (API.md §2, §4, §7): sign-up, activation from the mail
# spool, login in every form, profiles, updates, tokens, logout, passwords, deletion, limits.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start auth.login_failures_per_account=5 auth.login_failures_per_ip=1000

test_expect "sign-up creates a pending account: 201, Location, no password or token in the answer" '
	api_json POST /api/v1/users "{\"user_name\":\"alice\",\"email\":\"alice@example.com\",\"password\":\"alice-secret-1\"}"
	assert_status 201
	assert_common
	assert_json .description Created
	assert_jq ".user_id | type == \"number\""
	assert_json .user_name alice
	assert_json .email alice@example.com
	assert_json .user_status pending
	assert_header Location /api/v1/users/alice
	assert_jq "has(\"password\") or has(\"user_digest\") | not"
	! grep -q alice-secret-1 "$KT_TMP/body" || kt_fail "the password is in the answer"
'

test_expect "the activation mail is spooled with the token and a link" '
	mail=$(mail_for alice@example.com)
	grep -q "^To: <alice@example.com>" "$mail"
	grep -q "^Subject: Activate your Kinglet account" "$mail"
	grep -q "^Message-ID: <" "$mail"
	[[ $(activation_token alice@example.com) =~ ^[A-Za-z0-9_-]{43}$ ]]
'

test_expect "sign-up validates every field and names each bad one" '
	api_json POST /api/v1/users "{\"user_name\":\"bad name\",\"email\":\"nope\",\"password\":\"short\",\"admin\":true}"
	assert_error 422 validation_failed
	assert_jq "[.invalid_params[].name] | sort == [\"admin\",\"email\",\"password\",\"user_name\"]"
	assert_jq ".invalid_params[] | select(.name == \"admin\") | .reason == \"unknown_field\""
	api_json POST /api/v1/users "{\"user_name\":\"$(printf "a%.0s" {1..31})\",\"email\":\"x@example.com\"}"
	assert_error 422 validation_failed
	assert_json ".invalid_params[0].name" user_name
	api_json POST /api/v1/users "{\"user_name\":\"login\",\"email\":\"login@example.com\"}"
	assert_error 422 validation_failed
	assert_json ".invalid_params[0].reason" reserved
'

test_expect "null or mistyped identifiers are a 422, never a crash (login, forgotten password)" '
	for body in "{\"email\":null,\"password\":\"x\"}" "{\"user_name\":7,\"password\":\"x\"}" "{\"password\":\"x\"}"; do
		api_json POST /api/v1/users/login "$body"
		assert_error 422 validation_failed
	done
	for body in "{\"user_name\":null}" "{\"email\":null}" "{}"; do
		api_json POST /api/v1/users/password "$body"
		assert_error 422 validation_failed
	done
	api GET /api/v1/health
	assert_status 200
'

test_expect "user names and e-mail addresses are unique case-insensitively (409)" '
	api_json POST /api/v1/users "{\"user_name\":\"ALICE\",\"email\":\"other@example.com\",\"password\":\"whatever-123\"}"
	assert_error 409 user_name_taken
	api_json POST /api/v1/users "{\"user_name\":\"alice2\",\"email\":\"Alice@Example.COM\",\"password\":\"whatever-123\"}"
	assert_error 409 email_taken
'

test_expect "login before activation: 403 account_not_activated only with the right password" '
	login alice alice-secret-1
	assert_error 403 account_not_activated
	login alice wrong-password
	assert_error 401 invalid_credentials
'

test_expect "GET /users/activate/DIGEST activates once; a used or unknown token is 400 invalid_token" '
	token=$(activation_token alice@example.com)
	api GET "/api/v1/users/activate/$token"
	assert_status 200
	assert_json .activate_account true
	api GET "/api/v1/users/activate/$token"
	assert_error 400 invalid_token
	api GET /api/v1/users/activate/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
	assert_error 400 invalid_token
	api GET /api/v1/users/activate/x
	assert_error 400 invalid_token
'

test_expect "POST /users/activate takes the digest in the body" '
	api_json POST /api/v1/users "{\"user_name\":\"bob\",\"email\":\"bob@example.com\",\"password\":\"bob-secret-22\"}"
	assert_status 201
	api_json POST /api/v1/users/activate "{\"user_digest\":\"$(activation_token bob@example.com)\"}"
	assert_status 200
	assert_json .activate_account true
'

test_expect "login by user_name, e-mail or auth_data gives a 256-bit session token" '
	login alice alice-secret-1
	assert_status 200
	assert_common
	assert_json .user_name alice
	assert_jq ".session_id | test(\"^[A-Za-z0-9_-]{43}$\")"
	assert_jq ".expires_at | test(\"^[0-9-]{10}T[0-9:]{8}Z$\")"
	api_json POST /api/v1/users/login "{\"email\":\"ALICE@example.com\",\"password\":\"alice-secret-1\"}"
	assert_status 200
	api_json POST /api/v1/users/login "{\"auth_data\":\"alice@example.com\",\"password\":\"alice-secret-1\"}"
	assert_status 200
	api_json POST /api/v1/users/login "{\"auth_data\":\"Alice\",\"password\":\"alice-secret-1\"}"
	assert_status 200
	assert_json .user_name alice
'

test_expect "the original Kinglet form post (json=...) logs in too" '
	api POST /api/v1/users/login --data-urlencode "json={\"user_name\":\"bob\",\"password\":\"bob-secret-22\"}"
	assert_status 200
	assert_json .user_name bob
'

test_expect "an unknown account and a wrong password get the same 401 body" '
	login nosuchuser alice-secret-1
	assert_error 401 invalid_credentials
	jq -S "del(.request_id)" "$KT_TMP/body" >"$KT_TMP/unknown.json"
	login bob wrong-password
	assert_error 401 invalid_credentials
	jq -S "del(.request_id)" "$KT_TMP/body" | cmp - "$KT_TMP/unknown.json"
'

ALICE=$(session_of alice alice-secret-1)
BOB=$(session_of bob bob-secret-22)
ALICE_ID=$(user_id_of alice "$ALICE")

test_expect "GET /users/NAME: the owner sees private fields, others the public ones" '
	api GET /api/v1/users/alice -H "Authorization: Bearer $ALICE"
	assert_status 200
	assert_json .email alice@example.com
	assert_json .user_status active
	assert_jq "has(\"desc_markup\") and has(\"desc_format\") and (.created_date | length > 0)"
	assert_header Cache-Control no-store
	api GET /api/v1/users/ALICE -H "Authorization: Bearer $BOB"
	assert_status 200
	assert_json .user_name alice
	assert_jq "has(\"email\") or has(\"desc_markup\") or has(\"user_status\") | not"
	assert_jq "has(\"desc_format\") and has(\"created_at\")"
'

test_expect "unknown users are 404; no credentials are 401 not_authenticated with WWW-Authenticate" '
	api GET /api/v1/users/nobody -H "Authorization: Bearer $ALICE"
	assert_error 404 not_found
	api GET /api/v1/users/alice
	assert_error 401 not_authenticated
	assert_header WWW-Authenticate
'

test_expect "a wrong or malformed Bearer token is 401 invalid_session" '
	api GET /api/v1/users/alice -H "Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	assert_error 401 invalid_session
	api GET /api/v1/users/alice -H "Authorization: Bearer x"
	assert_error 401 invalid_session
	api GET /api/v1/users/alice -H "Authorization: Basic YWxpY2U6eA=="
	assert_error 401 invalid_session
'

test_expect "the Kinglet triple in the query string authenticates; one wrong part is 401" '
	api GET "/api/v1/users/alice?user_name=alice&user_id=$ALICE_ID&session_id=$ALICE"
	assert_status 200
	assert_json .email alice@example.com
	api GET "/api/v1/users/alice/?user_name=alice&user_id=$((ALICE_ID + 1))&session_id=$ALICE"
	assert_error 401 invalid_session
	api GET "/api/v1/users/alice?user_name=bob&user_id=$ALICE_ID&session_id=$ALICE"
	assert_error 401 invalid_session
	api GET "/api/v1/users/alice?user_name=alice&session_id=$ALICE"
	assert_error 401 invalid_session
	api GET "/api/v1/users/alice?user_name=alice&user_name=bob&user_id=$ALICE_ID&session_id=$ALICE"
	assert_error 400 duplicate_parameter
'

test_expect "a Bearer token and a triple naming someone else is 401 invalid_session" '
	api GET "/api/v1/users/alice?user_name=alice&user_id=$ALICE_ID&session_id=$ALICE" -H "Authorization: Bearer $BOB"
	assert_error 401 invalid_session
'

test_expect "PUT /users updates the profile; the description is rendered safely" '
	api_json PUT /api/v1/users "{\"desc_markup\":\"<script>alert(1)</script> see www.example.com\"}" -H "Authorization: Bearer $ALICE"
	assert_status 200
	assert_json .profile_updated true
	api GET /api/v1/users/alice -H "Authorization: Bearer $ALICE"
	assert_json .desc_markup "<script>alert(1)</script> see www.example.com"
	assert_jq ".desc_format | contains(\"&lt;script&gt;\") and (contains(\"<script\") | not)"
	assert_jq ".desc_format | contains(\"<a href=\\\"http://www.example.com\\\"\")"
'

test_expect "PATCH /users changes the e-mail with the password; a taken one is 409; unknown fields are 422" '
	api_json PATCH /api/v1/users "{\"email\":\"alice@example.org\",\"password\":\"alice-secret-1\"}" -H "Authorization: Bearer $ALICE"
	assert_status 200
	assert_json .email_change_pending false
	api_json PATCH /api/v1/users "{\"email\":\"BOB@example.com\"}" -H "Authorization: Bearer $ALICE"
	assert_error 409 email_taken
	api_json PATCH /api/v1/users "{\"user_status\":\"active\"}" -H "Authorization: Bearer $ALICE"
	assert_error 422 validation_failed
	assert_json ".invalid_params[0].reason" unknown_field
	api GET /api/v1/users/alice -H "Authorization: Bearer $ALICE"
	assert_json .email alice@example.org
'

test_expect "personal access tokens: shown once at creation, listed without the secret" '
	api_json POST /api/v1/users/tokens "{\"name\":\"ci read\",\"scope\":\"read\",\"expires_in_days\":30}" -H "Authorization: Bearer $ALICE"
	assert_status 201
	assert_json .scope read
	assert_json .name "ci read"
	assert_jq ".token | test(\"^[A-Za-z0-9_-]{43}$\")"
	assert_jq ".expires_at | type == \"string\""
	assert_header Location "/api/v1/users/tokens/$(jq -r .token_id "$KT_TMP/body")"
	jq -r .token "$KT_TMP/body" >"$KT_TMP/../read_token"
	api GET /api/v1/users/tokens -H "Authorization: Bearer $ALICE"
	assert_status 200
	assert_jq "(.tokens | length) == 1 and (.tokens[0] | has(\"token\") | not) and (.tokens[0] | has(\"last_used_at\"))"
'

READ_TOKEN=$(cat "$KT_TMP/../read_token" 2>/dev/null || true)

test_expect "a read token reads (Bearer and X-Api-Key) but every write is 403 insufficient_scope" '
	api GET /api/v1/users/alice -H "Authorization: Bearer $READ_TOKEN"
	assert_status 200
	api GET /api/v1/users/alice -H "X-Api-Key: $READ_TOKEN"
	assert_status 200
	assert_json .email alice@example.org
	api_json PUT /api/v1/users "{\"desc_markup\":\"x\"}" -H "X-Api-Key: $READ_TOKEN"
	assert_error 403 insufficient_scope
'

test_expect "a token cannot mint tokens, and X-Api-Key does not take a session" '
	api_json POST /api/v1/users/tokens "{\"name\":\"x\"}" -H "X-Api-Key: $READ_TOKEN"
	assert_error 403 forbidden
	api GET /api/v1/users/alice -H "X-Api-Key: $ALICE"
	assert_error 401 invalid_session
'

test_expect "another user cannot revoke my token (404); revoking it makes it 401" '
	id=$(api GET /api/v1/users/tokens -H "Authorization: Bearer $ALICE" >/dev/null; jq -r ".tokens[0].token_id" "$KT_TMP/body")
	api DELETE "/api/v1/users/tokens/$id" -H "Authorization: Bearer $BOB"
	assert_error 404 not_found
	api GET /api/v1/users/alice -H "X-Api-Key: $READ_TOKEN"
	assert_status 200
	api DELETE "/api/v1/users/tokens/$id" -H "Authorization: Bearer $ALICE"
	assert_status 200
	assert_json .revoked true
	api GET /api/v1/users/alice -H "X-Api-Key: $READ_TOKEN"
	assert_error 401 invalid_session
	api DELETE /api/v1/users/tokens/5x -H "Authorization: Bearer $ALICE"
	assert_error 400 invalid_path_parameter
'

test_expect "logout: only oneself; afterwards the session is 401 invalid_session" '
	s=$(session_of bob bob-secret-22)
	api GET /api/v1/users/alice/logout -H "Authorization: Bearer $s"
	assert_error 403 forbidden
	api GET /api/v1/users/bob/logout -H "Authorization: Bearer $s"
	assert_status 200
	assert_json .logged_out true
	api GET /api/v1/users/bob -H "Authorization: Bearer $s"
	assert_error 401 invalid_session
	s=$(session_of bob bob-secret-22)
	api DELETE /api/v1/users/session -H "Authorization: Bearer $s"
	assert_status 200
	api POST /api/v1/users/bob/logout --data "" -H "Authorization: Bearer $s"
	assert_error 401 invalid_session
'

test_expect "password change: wrong old password 403, mismatch 422, then every old session ends" '
	old=$(session_of bob bob-secret-22)
	api_json PUT /api/v1/users/password "{\"old_password\":\"nope-nope\",\"new_password\":\"bob-new-secret\",\"verify_password\":\"bob-new-secret\"}" -H "Authorization: Bearer $BOB"
	assert_error 403 invalid_credentials
	api_json PUT /api/v1/users/password "{\"old_password\":\"bob-secret-22\",\"new_password\":\"bob-new-secret\",\"verify_password\":\"bob-new-secreT\"}" -H "Authorization: Bearer $BOB"
	assert_error 422 validation_failed
	assert_json ".invalid_params[0].reason" mismatch
	api_json PUT /api/v1/users/password "{\"old_password\":\"bob-secret-22\",\"new_password\":\"bob-new-secret\",\"verify_password\":\"bob-new-secret\"}" -H "Authorization: Bearer $BOB"
	assert_status 200
	assert_json .user_name bob
	fresh=$(jq -r .session_id "$KT_TMP/body")
	api GET /api/v1/users/bob -H "Authorization: Bearer $BOB"
	assert_error 401 invalid_session
	api GET /api/v1/users/bob -H "Authorization: Bearer $old"
	assert_error 401 invalid_session
	api GET /api/v1/users/bob -H "Authorization: Bearer $fresh"
	assert_status 200
	login bob bob-new-secret
	assert_status 200
'

test_expect "forgotten password: the same answer for unknown accounts; the mailed token resets once" '
	api_json POST /api/v1/users/password "{\"user_name\":\"nobody\"}"
	assert_status 200
	jq -S "del(.request_id)" "$KT_TMP/body" >"$KT_TMP/forgot.json"
	api_json POST /api/v1/users/password "{\"email\":\"bob@example.com\"}"
	assert_status 200
	jq -S "del(.request_id)" "$KT_TMP/body" | cmp - "$KT_TMP/forgot.json"
	token=$(reset_token bob@example.com)
	session=$(session_of bob bob-new-secret)
	api_json PUT /api/v1/users/password "{\"reset_token\":\"$token\",\"new_password\":\"bob-reset-pass\",\"verify_password\":\"bob-reset-pass\"}"
	assert_status 200
	assert_json .user_name bob
	api_json PUT /api/v1/users/password "{\"reset_token\":\"$token\",\"new_password\":\"bob-other-pass\",\"verify_password\":\"bob-other-pass\"}"
	assert_error 400 invalid_token
	api GET /api/v1/users/bob -H "Authorization: Bearer $session"
	assert_error 401 invalid_session
	login bob bob-reset-pass
	assert_status 200
'

# The window (60 s) opens at the first failure, wherever the clock is: the sixth failure is refused
# even when the five before it straddle a minute, and Retry-After is the rest of that window.
test_expect "repeated failed logins for one account give 429 with Retry-After; others still log in" '
	api_json POST /api/v1/users "{\"user_name\":\"carol\",\"email\":\"carol@example.com\",\"password\":\"carol-secret-3\"}"
	api GET "/api/v1/users/activate/$(activation_token carol@example.com)"
	first=$(date +%s)
	for i in 1 2 3 4 5; do login carol wrong-guess; assert_error 401 invalid_credentials; done
	login carol wrong-guess
	assert_error 429 rate_limited
	assert_jq "true"
	retry_after=$(header Retry-After)
	[ "$retry_after" -le 60 ] || kt_fail "Retry-After: $retry_after"
	[ "$retry_after" -ge $((60 - ($(date +%s) - first) - 1)) ] || kt_fail "Retry-After: $retry_after, $(($(date +%s) - first)) s after the first failure"
	login carol carol-secret-3
	assert_error 429 rate_limited
	login bob bob-reset-pass
	assert_status 200
'

test_expect "a new counter clears the counters that have been over for a day, and only those" '
	now=$(date +%s)
	kt_sql "INSERT INTO throttle (bucket, window_start, hits) VALUES (\"login:ip:192.0.2.1\", $((now - 90000)), 3), (\"login:ip:192.0.2.2\", $((now - 3600)), 3)"
	login nobody-yet wrong-guess
	assert_error 401 invalid_credentials
	[ "$(kt_sql "SELECT GROUP_CONCAT(bucket ORDER BY bucket) FROM throttle WHERE bucket LIKE \"login:%:192.0.2.%\" OR bucket = \"login:acct:nobody-yet\"")" = "login:acct:nobody-yet,login:ip:192.0.2.2" ]
'

test_expect "account deletion: needs the password, revokes sessions, keeps the name reserved" '
	api_json POST /api/v1/users "{\"user_name\":\"dave\",\"email\":\"dave@example.com\",\"password\":\"dave-secret-4\"}"
	api GET "/api/v1/users/activate/$(activation_token dave@example.com)"
	s=$(session_of dave dave-secret-4)
	api_json DELETE /api/v1/users "{\"password\":\"wrong-one\"}" -H "Authorization: Bearer $s"
	assert_error 403 invalid_credentials
	api_json DELETE /api/v1/users "{\"password\":\"dave-secret-4\"}" -H "Authorization: Bearer $s"
	assert_status 200
	assert_json .deleted true
	api GET /api/v1/users/dave -H "Authorization: Bearer $s"
	assert_error 401 invalid_session
	api GET /api/v1/users/dave -H "Authorization: Bearer $ALICE"
	assert_error 404 not_found
	login dave dave-secret-4
	assert_error 401 invalid_credentials
	api_json POST /api/v1/users "{\"user_name\":\"dave\",\"email\":\"dave2@example.com\",\"password\":\"dave-secret-4\"}"
	assert_error 409 user_name_taken
'

test_expect "no response body or log line ever holds a password, hash or token" '
	for secret in alice-secret-1 bob-secret-22 bob-new-secret bob-reset-pass "$ALICE" "$BOB" "$READ_TOKEN" "\$s1\$"; do
		! grep -rqF -- "$secret" "$WEB_LOG" || { echo "found $secret in the logs"; exit 1; }
	done
'

test_done
