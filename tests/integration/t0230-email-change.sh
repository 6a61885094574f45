#!/usr/bin/env bash
# Integration tests for e-mail changes (API.md §4.6, issue 16 items 3 and 5): a new address takes
# effect only with the password or through a link mailed to the current address, a personal access
# token never changes it, a taken address is 409, and e-mail changes are in the strict rate class.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
test_web_start auth.login_failures_per_account=50 auth.login_failures_per_ip=1000

# email_is TOKEN ADDRESS: the account of TOKEN has the address ADDRESS (GET /users/NAME as itself).
email_is() {
	api GET "/api/v1/users/$1" -H "Authorization: Bearer $2"
	assert_status 200 || return 1
	assert_json .email "$3"
}

# no_mail_to ADDRESS: nothing was ever spooled for ADDRESS.
no_mail_to() {
	! grep -lqF "To: <$1>" "$WEB_MAIL"/*.eml 2>/dev/null || kt_fail "a mail went to $1"
}

ALICE=$(make_user alice)
BOB=$(make_user bob)

test_expect "with a wrong password the address does not change: 403 invalid_credentials" '
	api_json PUT /api/v1/users "{\"email\":\"alice@new.example\",\"password\":\"wrong-password\"}" -H "Authorization: Bearer $ALICE"
	assert_error 403 invalid_credentials
	email_is alice "$ALICE" alice@example.com
	no_mail_to alice@new.example
'

test_expect "with the password the address changes at once, and the old address gets a notice" '
	api_json PUT /api/v1/users "{\"email\":\"alice@new.example\",\"password\":\"alice-password\"}" -H "Authorization: Bearer $ALICE"
	assert_status 200
	assert_json .profile_updated true
	assert_json .email_change_pending false
	email_is alice "$ALICE" alice@new.example
	mail=$(mail_for alice@example.com)
	grep -q "^Subject: Your Kinglet e-mail address was changed" "$mail"
	grep -q "alice@new.example" "$mail"
	api_json POST /api/v1/users/login "{\"email\":\"alice@new.example\",\"password\":\"alice-password\"}"
	assert_status 200
'

test_expect "without the password the change is pending: the profile is unchanged, the current address gets the link" '
	api_json PATCH /api/v1/users "{\"email\":\"alice@third.example\"}" -H "Authorization: Bearer $ALICE"
	assert_status 200
	assert_common
	assert_json .email_change_pending true
	assert_json .profile_updated true
	email_is alice "$ALICE" alice@new.example
	mail=$(mail_for alice@new.example)
	grep -q "^Subject: Confirm your new Kinglet e-mail address" "$mail"
	grep -q "alice@third.example" "$mail"
	[[ $(email_confirm_token alice@new.example) =~ ^[A-Za-z0-9_-]{43}$ ]]
	no_mail_to alice@third.example
	api_json POST /api/v1/users/login "{\"email\":\"alice@third.example\",\"password\":\"alice-password\"}"
	assert_error 401 invalid_credentials
'

test_expect "the link needs no credentials, changes the address, and works once" '
	token=$(email_confirm_token alice@new.example)
	api GET "/api/v1/users/email/confirm/$token"
	assert_status 200
	assert_common
	assert_json .email_changed true
	email_is alice "$ALICE" alice@third.example
	api GET "/api/v1/users/email/confirm/$token"
	assert_error 400 invalid_token
	api_json POST /api/v1/users/email/confirm "{\"token\":\"$token\"}"
	assert_error 400 invalid_token
	api GET /api/v1/users/email/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
	assert_error 400 invalid_token
	api GET /api/v1/users/email/confirm/x
	assert_error 400 invalid_token
'

test_expect "POST /users/email/confirm takes the token in the body; a description in the same request applies at once" '
	api_json PUT /api/v1/users "{\"email\":\"alice@fourth.example\",\"desc_markup\":\"moving\"}" -H "Authorization: Bearer $ALICE"
	assert_status 200
	assert_json .profile_updated true
	assert_json .email_change_pending true
	api GET /api/v1/users/alice -H "Authorization: Bearer $ALICE"
	assert_json .desc_markup moving
	assert_json .email alice@third.example
	api_json POST /api/v1/users/email/confirm "{\"token\":\"$(email_confirm_token alice@third.example)\"}"
	assert_status 200
	assert_json .email_changed true
	email_is alice "$ALICE" alice@fourth.example
	api_json POST /api/v1/users/email/confirm "{\"token\":\"x\",\"email\":\"alice@x.example\"}"
	assert_error 422 validation_failed
'

test_expect "a link confirms the address its mail named, and a change made since ends it" '
	api_json PATCH /api/v1/users "{\"email\":\"alice@fifth.example\"}" -H "Authorization: Bearer $ALICE"
	assert_json .email_change_pending true
	token=$(email_confirm_token alice@fourth.example)
	api_json PATCH /api/v1/users "{\"email\":\"alice@sixth.example\"}" -H "Authorization: Bearer $ALICE"
	assert_json .email_change_pending true
	api GET "/api/v1/users/email/confirm/$token"
	assert_status 200
	email_is alice "$ALICE" alice@fifth.example
	api GET "/api/v1/users/email/confirm/$(email_confirm_token alice@fourth.example)"
	assert_error 400 invalid_token
	email_is alice "$ALICE" alice@fifth.example
'

test_expect "a personal access token never changes the address, with or without the password: 403 insufficient_scope" '
	api_json POST /api/v1/users/tokens "{\"name\":\"ci\",\"scope\":\"write\"}" -H "Authorization: Bearer $ALICE"
	assert_status 201
	pat=$(jq -r .token "$KT_TMP/body")
	api_json PUT /api/v1/users "{\"email\":\"mallory@evil.example\"}" -H "X-Api-Key: $pat"
	assert_error 403 insufficient_scope
	api_json PATCH /api/v1/users "{\"email\":\"mallory@evil.example\",\"password\":\"alice-password\"}" -H "Authorization: Bearer $pat"
	assert_error 403 insufficient_scope
	api_json PUT /api/v1/users "{\"email\":\"mallory@evil.example\",\"desc_markup\":\"pwned\"}" -H "Authorization: Bearer $pat"
	assert_error 403 insufficient_scope
	email_is alice "$ALICE" alice@fifth.example
	no_mail_to mallory@evil.example
	api_json PUT /api/v1/users "{\"desc_markup\":\"from ci\"}" -H "X-Api-Key: $pat"
	assert_status 200
	assert_json .profile_updated true
	assert_jq "has(\"email_change_pending\") | not"
'

test_expect "desc_markup alone needs no password, as before" '
	api_json PUT /api/v1/users "{\"desc_markup\":\"hello @bob\"}" -H "Authorization: Bearer $ALICE"
	assert_status 200
	assert_json .profile_updated true
	api GET /api/v1/users/alice -H "Authorization: Bearer $ALICE"
	assert_json .desc_markup "hello @bob"
	assert_json .email alice@fifth.example
'

test_expect "an address already registered is 409 email_taken, on both paths" '
	api_json PATCH /api/v1/users "{\"email\":\"BOB@example.com\"}" -H "Authorization: Bearer $ALICE"
	assert_error 409 email_taken
	api_json PATCH /api/v1/users "{\"email\":\"bob@example.com\",\"password\":\"alice-password\"}" -H "Authorization: Bearer $ALICE"
	assert_error 409 email_taken
	email_is alice "$ALICE" alice@fifth.example
	api_json PATCH /api/v1/users "{\"email\":\"Alice@Fifth.example\"}" -H "Authorization: Bearer $ALICE"
	assert_status 200
	assert_json .email_change_pending false
'

test_expect "an address taken between the request and the link is 409 at the link, which then stays unused" '
	api_json PATCH /api/v1/users "{\"email\":\"carol@example.com\"}" -H "Authorization: Bearer $ALICE"
	assert_json .email_change_pending true
	token=$(email_confirm_token alice@fifth.example)
	api_json POST /api/v1/users "{\"user_name\":\"carol\",\"email\":\"carol@example.com\",\"password\":\"carol-password\"}"
	assert_status 201
	api GET "/api/v1/users/email/confirm/$token"
	assert_error 409 email_taken
	email_is alice "$ALICE" alice@fifth.example
	kt_sql "UPDATE users SET email = \"carol@other.example\" WHERE user_name = \"carol\""
	api GET "/api/v1/users/email/confirm/$token"
	assert_status 200
	email_is alice "$ALICE" carol@example.com
'

test_expect "after a change asked for with a session alone, a forgotten-password reset still goes to the old address" '
	dan=$(make_user dan)
	api_json PATCH /api/v1/users "{\"email\":\"mallory@evil.example\"}" -H "Authorization: Bearer $dan"
	assert_status 200
	assert_json .email_change_pending true
	api_json POST /api/v1/users/password "{\"user_name\":\"dan\"}"
	assert_status 200
	mail=$(mail_for dan@example.com)
	grep -q "^Subject: Reset your Kinglet password" "$mail"
	[[ $(reset_token dan@example.com) =~ ^[A-Za-z0-9_-]{43}$ ]]
	no_mail_to mallory@evil.example
	email_is dan "$dan" dan@example.com
'

# ---- the strict rate class: limits on, the default class as shipped (burst 20), the reset class
# with its shipped burst (3) and a minute bucket of 3, which does not refill (one per 20 s) while
# the test runs: a second address finds the user's bucket as empty as the first left it.

web_stop
test_web_start ratelimit.enabled=true http.trusted_proxies=127.0.0.1 ratelimit.reset.per_minute=3 \
	ratelimit.signup.burst=100 ratelimit.signup.per_minute=1000
ERIN=$(make_user erin)

test_expect "repeated e-mail changes hit 429 within a few, where description updates go on" '
	passed=0
	while :; do
		api_json PATCH /api/v1/users "{\"email\":\"erin$passed@example.net\"}" -H "Authorization: Bearer $ERIN" -H "X-Forwarded-For: 10.0.3.1"
		[ "$API_STATUS" = 200 ] || break
		passed=$((passed + 1))
		[ "$passed" -lt 8 ] || kt_fail "8 e-mail changes in a row passed: not the strict class"
	done
	assert_error 429 rate_limited
	assert_header Retry-After
	api_json PATCH /api/v1/users "{\"email\":\"erin-again@example.net\"}" -H "Authorization: Bearer $ERIN" -H "X-Forwarded-For: 10.0.3.2"
	assert_error 429 rate_limited
	for i in $(seq 12); do
		api_json PATCH /api/v1/users "{\"desc_markup\":\"note $i\"}" -H "Authorization: Bearer $ERIN" -H "X-Forwarded-For: 10.0.3.3"
		assert_status 200
	done
'

test_done
