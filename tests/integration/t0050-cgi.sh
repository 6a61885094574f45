#!/usr/bin/env bash
# The middle tier (STYLE.md): the programs without a web server, as plain CGI (one process per request) and as FastCGI programs behind spawn-fcgi, fed by cgi-fcgi; the cases of the lighttpd tier (t0100, t0200, t0300, t0310, t0110) against the test MariaDB.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

for KT_MODE in cgi fastcgi; do
	test_cgi_start "$KT_MODE"

	test_expect "$KT_MODE: GET / is the handshake; /time and /health answer" '
		api GET /api/v1/
		assert_status 200
		assert_common
		assert_json .description OK
		assert_json .api_version 1
		api GET "/api/v1/time?x=1"
		assert_status 200
		assert_common
		assert_jq "(.server_epoch_seconds - $(date +%s)) | fabs <= 5"
		api GET /api/v1/health
		assert_status 200
		assert_json .health up
		assert_header Cache-Control no-store
	'

	test_expect "$KT_MODE: sign-up answers 201 with Location and mails the activation link" '
		api_json POST /api/v1/users "{\"user_name\":\"alice\",\"email\":\"alice@example.com\",\"password\":\"alice-secret-1\"}"
		assert_status 201
		assert_common
		assert_json .user_name alice
		assert_json .user_status pending
		assert_header Location /api/v1/users/alice
		[[ $(activation_token alice@example.com) =~ ^[A-Za-z0-9_-]{43}$ ]]
	'

	test_expect "$KT_MODE: activation, then login gives a 256-bit session token; a wrong password is 401" '
		login alice alice-secret-1
		assert_error 403 account_not_activated
		api GET "/api/v1/users/activate/$(activation_token alice@example.com)"
		assert_status 200
		login alice alice-secret-1
		assert_status 200
		assert_jq ".session_id | test(\"^[A-Za-z0-9_-]{43}$\")"
		jq -r .session_id "$KT_TMP/body" >"$KT_TMP/alice.token"
		login alice wrong-password
		assert_error 401 invalid_credentials
		make_user bob >"$KT_TMP/bob.token"
	'

	test_expect "$KT_MODE: a post is 201 and read back by its id, in the stream and by the mentioned user" '
		alice=$(cat "$KT_TMP/alice.token") bob=$(cat "$KT_TMP/bob.token")
		id=$(post_message "$alice" "hello @bob, over $KT_MODE")
		echo "$id" >"$KT_TMP/message.id"
		assert_header Location "/api/v1/messages/$id"
		api_as "$bob" GET "/api/v1/messages/$id"
		assert_status 200
		assert_common
		assert_messages "del(.status, .description)"
		assert_json .author_name alice
		assert_jq ".message_text | contains(\"over $KT_MODE\")"
		api_as "$bob" GET /api/v1/messages
		assert_status 200
		assert_ids "$id"
	'

	test_expect "$KT_MODE: a reply goes through the replies program and lists under its thread" '
		alice=$(cat "$KT_TMP/alice.token") bob=$(cat "$KT_TMP/bob.token") id=$(cat "$KT_TMP/message.id")
		rid=$(reply "$bob" "$id" "hi @alice")
		api_as "$alice" GET "/api/v1/messages/$id/replies"
		assert_status 200
		assert_ids "$rid"
	'

	test_expect "$KT_MODE: errors are JSON: 404 for an unknown route or message, 401 without credentials, 400 for broken JSON" '
		bob=$(cat "$KT_TMP/bob.token")
		api GET /api/v1/nope
		assert_error 404 not_found
		api_as "$bob" GET /api/v1/messages/999999
		assert_error 404 not_found
		api_json POST /api/v1/messages "$(text_json "no credentials")"
		assert_error 401 not_authenticated
		api_json POST /api/v1/users "{\"user_name\":"
		assert_error 400 invalid_json
	'
done

test_done
