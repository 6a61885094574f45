#!/usr/bin/env bash
# Integration tests for CSV answers (API.md §12): every list and GET /messages/N by .csv and by Accept, each answer read by Python's csv module and compared with the JSON of the same page; formula cells, quoting, empty pages, per_page up to 10,000, Link targets, errors and routes without CSV.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

test_web_start
# Hooks name a public address that nothing may contact: their deliveries stay pending.
webhookd_stop
ANN=$(make_user ann)
BOB=$(make_user bob)
CAL=$(make_user cal)
URL=https://93.184.215.14/hook
# Texts a spreadsheet or a CSV reader could take for something else, and markup that JSON's
# message_text renders as HTML.
TEXTS=('=HYPERLINK("http://x.example","click") @bob' '+1 @bob' '-2 @bob' '@bob at the start'
	"$(printf 'a\ttab @bob')" 'say "hi", then "bye" @bob' "$(printf 'two\nlines @bob')"
	'<b>bold</b> & www.example.com @bob' 'plain @bob')
IDS=()
for t in "${TEXTS[@]}"; do
	IDS+=("$(post_message "$ANN" "$t")")
done
T=${IDS[0]}
for i in 1 2 3; do
	reply "$BOB" "$T" "=reply $i, \"quoted\"" >/dev/null
done
api POST /api/v1/lists/request/ann --data "" -H "Authorization: Bearer $BOB" >/dev/null
api POST /api/v1/lists/request/ann --data "" -H "Authorization: Bearer $CAL" >/dev/null
api_json POST /api/v1/webhooks "{\"url\":\"$URL\",\"events\":[\"message.sent\",\"approval.decided\"],\"label\":\"=cmd|' /C calc'!A0\"}" \
	-H "Authorization: Bearer $ANN" >/dev/null
HOOK=$(jq -r .webhook_id "$KT_TMP/body")
api_json POST /api/v1/webhooks "{\"url\":\"$URL?a=1,2\",\"events\":[\"message.received\"]}" \
	-H "Authorization: Bearer $ANN" >/dev/null
for i in 1 2 3; do
	api POST "/api/v1/webhooks/$HOOK/ping" --data "" -H "Authorization: Bearer $ANN" >/dev/null
done

# csv_vs_json TOKEN PATH KEY [QUERY]: PATH.csv, then PATH with Accept: text/csv, each a 200
# text/csv answer with the Link headers of PATH's JSON answer (the .csv one's targets with .csv,
# the Accept one's without); both CSV bodies are queued for compare_csv, which checks them against
# the JSON answer. (Python, which reads the CSV, starts once for all of a test's answers: the
# queue, CSV_QUEUE, lives in the test's subshell.)
CSV_QUEUE=()
csv_vs_json() {
	local token=$1 path=$2 key=$3 query=${4:-} link n=$KT_TMP/cmp.$BASHPID.${#CSV_QUEUE[@]}
	api_as "$token" GET "$path$query"
	assert_status 200 || return 1
	cp "$KT_TMP/body" "$n.json"
	link=$(header Link || true)
	api_as "$token" GET "$path.csv$query"
	assert_status 200 || return 1
	assert_header Content-Type "text/csv; charset=utf-8" || return 1
	assert_header X-Content-Type-Options nosniff || return 1
	cp "$KT_TMP/body" "$n.dot.csv"
	[ "$(header Link || true)" = "$(printf '%s' "$link" | sed -E "s|<([^?>]*)\\?|<\\1.csv?|g")" ] ||
		kt_fail "Link of the CSV: $(header Link || true); of the JSON: $link" || return 1
	api_as "$token" GET "$path$query" -H "Accept: text/csv"
	assert_status 200 || return 1
	assert_header Content-Type "text/csv; charset=utf-8" || return 1
	cp "$KT_TMP/body" "$n.accept.csv"
	[ "$(header Link || true)" = "$link" ] ||
		kt_fail "Link with Accept: $(header Link || true); of the JSON: $link" || return 1
	CSV_QUEUE+=("$n" "$key" "$path" "$query")
}

# compare_csv: each CSV answer csv_vs_json queued, read by Python's csv module, is its JSON
# answer's list KEY (or, KEY empty, the JSON object itself): a header of the items' field names in
# their order, then one row per item with each field as API.md §12 writes it (arrays space-joined,
# null empty, booleans as JSON writes them, message text as written, formula cells behind a ').
# The human dates ("N mins ago") may have moved on between the requests. Every line ends with
# CRLF. Empties the queue.
compare_csv() {
	[ ${#CSV_QUEUE[@]} -gt 0 ] || kt_fail "compare_csv: no answer queued" || return 1
	"$KT_PYTHON" - "${CSV_QUEUE[@]}" <<'PY' || return 1
import csv, io, json, sys
def cell(name, v, item):
    if name == "message_text" and "message_markup" in item:
        v = item["message_markup"]
    if v is None:
        s = ""
    elif isinstance(v, bool):
        s = "true" if v else "false"
    elif isinstance(v, list):
        s = " ".join(v)
    else:
        s = str(v)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s
def compare(csv_file, json_file, key):
    raw = open(csv_file, "rb").read()
    doc = json.load(open(json_file))
    items = doc[key] if key else [doc]
    text = raw.decode("utf-8")
    assert text.endswith("\r\n"), "the body does not end with CRLF"
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    # CRLF everywhere outside quoted cells: the bare LFs are the ones inside cells.
    assert text.count("\r\n") >= len(rows), "a line ends without CR"
    if not key:
        for k in ("status", "description"):
            doc.pop(k)
    head = rows[0]
    want_head = list(items[0].keys()) if items else None
    if want_head is not None:
        assert head == want_head, "header %r, JSON fields %r" % (head, want_head)
    assert len(rows) - 1 == len(items), "%d rows, %d items" % (len(rows) - 1, len(items))
    for row, item in zip(rows[1:], items):
        assert len(row) == len(head), "row %r has %d cells" % (row, len(row))
        for name, got in zip(head, row):
            want = cell(name, item[name], item)
            if got != want and not (name.endswith("_date") and got.endswith("ago") and want.endswith("ago")):
                raise AssertionError("%s: CSV %r, JSON %r" % (name, got, want))
failed = 0
args = sys.argv[1:]
for n, key, path, query in zip(args[0::4], args[1::4], args[2::4], args[3::4]):
    for form, suffix in (("GET %s.csv%s" % (path, query), "dot.csv"),
                         ("GET %s%s, Accept: text/csv" % (path, query), "accept.csv")):
        try:
            compare("%s.%s" % (n, suffix), n + ".json", key)
        except Exception as e:
            print("%s: the CSV is not the JSON answer: %s" % (form, e))
            failed = 1
sys.exit(failed)
PY
	rm -f "$KT_TMP/cmp.$BASHPID".*
	CSV_QUEUE=()
}

test_expect "the stream and its pages in CSV (.csv and Accept) are the JSON pages" '
	csv_vs_json "$BOB" /api/v1/messages messages
	csv_vs_json "$BOB" /api/v1/messages messages "?per_page=3"
	csv_vs_json "$BOB" /api/v1/messages/page/2 messages "?per_page=3"
	csv_vs_json "$BOB" /api/v1/messages messages "?page=4&per_page=3"
	compare_csv
'

test_expect "since, replies, threads in CSV are the JSON pages" '
	csv_vs_json "$BOB" /api/v1/messages/since/0 messages
	csv_vs_json "$BOB" /api/v1/messages/since/0 messages "?per_page=2&page=2"
	csv_vs_json "$ANN" "/api/v1/messages/$T/replies" messages
	csv_vs_json "$ANN" "/api/v1/messages/$T/replies" messages "?per_page=2"
	csv_vs_json "$BOB" /api/v1/messages/threads threads
	csv_vs_json "$BOB" /api/v1/messages/threads/page/2 threads "?per_page=4"
	compare_csv
'

test_expect "approval requests, webhooks and deliveries in CSV are the JSON pages" '
	csv_vs_json "$ANN" /api/v1/lists/requests requests
	csv_vs_json "$ANN" /api/v1/webhooks webhooks
	csv_vs_json "$ANN" "/api/v1/webhooks/$HOOK/deliveries" deliveries
	csv_vs_json "$ANN" "/api/v1/webhooks/$HOOK/deliveries" deliveries "?per_page=2"
	compare_csv
'

test_expect "cursor pages both ways (newest first and oldest first) have the JSON rows and Links" '
	mid=${IDS[4]}
	for q in "?before=$mid&per_page=2" "?after=$mid&per_page=2" "?after=$mid&per_page=20" \
		"?before=$mid&per_page=20" "?after=${IDS[8]}" "?before=${IDS[0]}" "?after=1&per_page=3"; do
		csv_vs_json "$BOB" /api/v1/messages messages "$q"
		csv_vs_json "$BOB" /api/v1/messages/threads threads "$q"
	done
	api_as "$ANN" GET "/api/v1/messages/$T/replies"
	r=$(jq -r ".messages[1].message_id" "$KT_TMP/body")
	for q in "?after=$r&per_page=1" "?before=$r&per_page=1" "?before=$r" "?after=$r" \
		"?before=$((r + 1))&per_page=2" "?after=$T&per_page=2" "?before=$T"; do
		csv_vs_json "$ANN" "/api/v1/messages/$T/replies" messages "$q"
	done
	compare_csv
'

test_expect "order=, offset and total=true in CSV: the rows and Links of the JSON page" '
	mid=${IDS[4]}
	for q in "?order=created_at.asc&per_page=3" "?order=created_at.asc&after=$mid&per_page=2" \
		"?order=created_at.asc&before=$mid&per_page=2" "?offset=2&per_page=3" \
		"?order=created_at.asc&offset=4&per_page=2" "?total=true&per_page=3"; do
		csv_vs_json "$BOB" /api/v1/messages messages "$q"
	done
	for q in "?order=last_message_at.desc&per_page=2" "?order=created_at.asc&per_page=2" \
		"?order=created_at&offset=1&per_page=2"; do
		csv_vs_json "$BOB" /api/v1/messages/threads threads "$q"
	done
	csv_vs_json "$ANN" "/api/v1/messages/$T/replies" messages "?order=created_at.desc&per_page=2"
	compare_csv
	api_as "$BOB" GET "/api/v1/messages.csv?order=message_text.asc"
	assert_error 400 not_allowed_order_field
'

test_expect "GET /messages/N in CSV: a header and the one message, text as written (never HTML)" '
	for i in 0 4 5 6 7; do
		csv_vs_json "$BOB" "/api/v1/messages/${IDS[$i]}" ""
	done
	compare_csv
	api_as "$BOB" GET "/api/v1/messages/${IDS[7]}.csv"
	"$KT_PYTHON" -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1], newline=\"\"))); assert r[0][\"message_text\"] == sys.argv[2], r" \
		"$KT_TMP/body" "${TEXTS[7]}"
	[ "$(grep -c "&lt;\|<a " "$KT_TMP/body")" = 0 ]
'

test_expect "formula cells get a leading quote; quotes, commas and newlines are quoted (RFC 4180)" '
	api_as "$BOB" GET /api/v1/messages.csv
	assert_status 200
	"$KT_PYTHON" - "$KT_TMP/body" <<-PY
	import csv, sys
	rows = list(csv.DictReader(open(sys.argv[1], newline="")))
	texts = [r["message_text"] for r in rows]
	for want in ("\x27=HYPERLINK(\"http://x.example\",\"click\") @bob", "\x27+1 @bob", "\x27-2 @bob",
	             "\x27@bob at the start", "a\ttab @bob", "say \"hi\", then \"bye\" @bob",
	             "two\nlines @bob"):
	    assert want in texts, (want, texts)
	PY
	grep -q ",\"say \"\"hi\"\", then \"\"bye\"\" @bob\"," "$KT_TMP/body"
	api_as "$ANN" GET /api/v1/webhooks.csv
	grep -qP ",\x27=cmd\|\x27 /C calc\x27!A0," "$KT_TMP/body"
'

test_expect "an empty page is the header row alone; HEAD has the headers and no body" '
	api_as "$CAL" GET /api/v1/messages.csv
	assert_status 200
	assert_header Content-Type "text/csv; charset=utf-8"
	[ "$(cat "$KT_TMP/body")" = "$(printf "message_id,parent_id,message_text,message_markup,message_status,author_id,author_name,author_type,reply_count,recipient_names,recipients,content_digest,created_at,created_date,logged_in_user\r")" ]
	api_as "$BOB" GET "/api/v1/messages.csv?before=1"
	[ "$(wc -l <"$KT_TMP/body")" = 1 ]
	api_as "$CAL" GET /api/v1/lists/requests.csv
	[ "$(cat "$KT_TMP/body")" = "$(printf "user_name,status,created_at,created_date\r")" ]
	api_as "$CAL" GET /api/v1/webhooks.csv
	[ "$(cat "$KT_TMP/body")" = "$(printf "webhook_id,url,events,label,active,created_at,created_date,failure_count,disabled_reason,last_delivery_at\r")" ]
	api_as "$BOB" HEAD /api/v1/messages.csv
	assert_status 200
	assert_header Content-Type "text/csv; charset=utf-8"
	assert_body_empty
'

test_expect "per_page goes to 10000 in CSV (10001: 400 invalid_query_parameter); JSON stays at 100" '
	api_as "$BOB" GET "/api/v1/messages.csv?per_page=10000"
	assert_status 200
	rows=$("$KT_PYTHON" -c "import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline=\"\")))))" "$KT_TMP/body")
	api_as "$BOB" GET "/api/v1/messages?per_page=100"
	[ "$rows" = "$(($(jq ".messages | length" "$KT_TMP/body") + 1))" ]
	api_as "$BOB" GET "/api/v1/messages.csv?per_page=10001"
	assert_error 400 invalid_query_parameter
	api_as "$BOB" GET "/api/v1/messages?limit=10001" -H "Accept: text/csv"
	assert_error 400 invalid_query_parameter
	api_as "$BOB" GET "/api/v1/messages?per_page=101"
	assert_error 400 invalid_query_parameter
	api_as "$BOB" GET "/api/v1/messages.csv?per_page=10000&page=2"
	assert_error 400 result_window_too_large
'

test_expect "errors are JSON; /messages/5x.csv is the 400 of /messages/5x" '
	api GET /api/v1/messages.csv
	assert_error 401 not_authenticated
	api GET /api/v1/messages/threads.csv -H "Accept: text/csv"
	assert_error 401 not_authenticated
	api_as "$BOB" GET /api/v1/messages/5x.csv
	assert_error 400 invalid_path_parameter
	api_as "$BOB" GET /api/v1/messages/5x
	assert_error 400 invalid_path_parameter
	api_as "$BOB" GET /api/v1/messages/page/0.csv
	assert_error 400 invalid_path_parameter
	api_as "$CAL" GET "/api/v1/messages/$T.csv"
	assert_error 404 not_found
	api_as "$CAL" GET "/api/v1/messages/$T/replies.csv"
	assert_error 404 not_found
	api_as "$ANN" GET /api/v1/webhooks/999999/deliveries.csv
	assert_error 404 not_found
	api_as "$BOB" GET "/api/v1/messages.csv?before=x"
	assert_error 400 invalid_query_parameter
	api_as "$BOB" GET /api/v1/nothing.csv
	assert_error 404 not_found
'

test_expect "routes without a CSV form answer JSON to .csv and to Accept: text/csv" '
	api_as "$BOB" GET /api/v1/users/ann.csv
	assert_status 200
	assert_common
	assert_json .user_name ann
	api_as "$ANN" GET "/api/v1/webhooks/$HOOK.csv"
	assert_status 200
	assert_common
	assert_json .webhook_id "$HOOK"
	api GET /api/v1/time.csv
	assert_status 200
	assert_common
	api GET /api/v1/time -H "Accept: text/csv"
	assert_status 200
	assert_common
	api_json POST /api/v1/messages.csv "$(text_json "@bob posted to .csv")" -H "Authorization: Bearer $ANN" -H "Accept: text/csv"
	assert_status 201
	assert_common
'

test_expect "Accept: JSON preferred by q, wildcards and version 0 answer JSON" '
	api_as "$BOB" GET /api/v1/messages -H "Accept: text/csv;q=0.5, application/json"
	assert_status 200
	assert_common
	api_as "$BOB" GET /api/v1/messages -H "Accept: */*"
	assert_common
	api_as "$BOB" GET /api/v1/messages -H "Accept: text/csv;q=0"
	assert_common
	api_as "$BOB" GET /api/v1/messages -H "Accept: application/json;q=0.1, TEXT/CSV"
	assert_header Content-Type "text/csv; charset=utf-8"
	api_as "$BOB" GET /api/v1/messages.csv -H "X-Kinglet-API-Version: 0"
	assert_status 200
	assert_header Content-Type "application/json; charset=utf-8"
	assert_jq ".messages | length > 0"
'

test_expect "GET /messages/N.csv has its own ETag; If-None-Match gives 304" '
	api_as "$BOB" GET "/api/v1/messages/$T"
	json_tag=$(header ETag)
	api_as "$BOB" GET "/api/v1/messages/$T.csv"
	csv_tag=$(header ETag)
	[ -n "$csv_tag" ]
	[ "$csv_tag" != "$json_tag" ]
	api_as "$BOB" GET "/api/v1/messages/$T.csv" -H "If-None-Match: $csv_tag"
	assert_status 304
	assert_body_empty
	api_as "$BOB" GET "/api/v1/messages/$T.csv" -H "If-None-Match: $json_tag"
	assert_status 200
'

test_expect "walking the stream by the CSV Links finds every message once" '
	url="/api/v1/messages.csv?per_page=2&before=9223372036854775807"
	pages=()
	for i in $(seq 1 20); do
		api_as "$BOB" GET "$url"
		assert_status 200
		cp "$KT_TMP/body" "$KT_TMP/walk.$i.csv"
		pages+=("$KT_TMP/walk.$i.csv")
		url=$(tr -d "\r" <"$KT_TMP/headers" | sed -n "s/^[Ll]ink: .*<\([^>]*\)>; rel=\"next\".*/\1/p")
		[ -n "$url" ] || break
		[[ $url == /api/v1/messages.csv\?before=* ]]
	done
	seen=$("$KT_PYTHON" -c "import csv,sys; print(\" \".join(r[\"message_id\"] for f in sys.argv[1:] for r in csv.DictReader(open(f, newline=\"\"))))" "${pages[@]}")
	api_as "$BOB" GET "/api/v1/messages?per_page=100"
	[ "$seen" = "$(jq -r "[.messages[].message_id] | join(\" \")" "$KT_TMP/body")" ]
'

test_done
