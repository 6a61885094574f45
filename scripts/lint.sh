#!/usr/bin/env bash
# Lint: no include cycle in lib/ and no file there over 600 lines, no SQL built by string formatting outside lib/db.c, cppcheck and clang-tidy on the C sources, shellcheck on the shell scripts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
failed=0

scripts/check-includes.sh || failed=1

# SQL goes through prepared statements in lib/db.c. Flag any other C statement that formats or
# appends text shaped like SQL (a statement spread over several lines counts as one).
sql_hits=$(awk '
	FNR == 1 { stmt = ""; start = 0 }
	FILENAME == "lib/db.c" { next }
	!start && /(strbuf_add[a-z]*|[a-z]*printf)[ \t]*\(/ { start = FNR; stmt = "" }
	start {
		stmt = stmt " " $0
		if ($0 ~ /\)[ \t]*;/) {
			if (toupper(stmt) ~ /(SELECT[ \t].*[ \t]FROM[ \t]|INSERT[ \t]+INTO|UPDATE[ \t]+[A-Z_`]+[ \t]+SET[ \t]|DELETE[ \t]+FROM|REPLACE[ \t]+INTO)/)
				printf "%s:%d: SQL built with string formatting outside lib/db.c\n", FILENAME, start
			start = 0
		}
	}' lib/*.c lib/*.h cgi-bin/*.c webhookd/*.c)
if [ -n "$sql_hits" ]; then
	printf '%s\n' "$sql_hits"
	failed=1
fi

# cppcheck does not read system headers; it must know json-c's iteration macro to parse its users.
cfg=$(mktemp --suffix=.cfg)
trap 'rm -f "$cfg"' EXIT
cat >"$cfg" <<'CFG'
<?xml version="1.0"?>
<def format="2">
  <define name="json_object_object_foreach(obj,key,val)"
          value="for (char *key = 0; key;) for (struct json_object *val = 0; val;)"/>
</def>
CFG
cppcheck --enable=warning,performance,portability --error-exitcode=1 --inline-suppr -q \
	--std=c11 -D_GNU_SOURCE -Ilib --suppress=missingIncludeSystem "--library=$cfg" lib cgi-bin webhookd || failed=1

# clang-tidy, a curated list: the bug-prone patterns and the static analyser, less the checks
# that flag this code base's conventions (short parameter lists of like types, strcmp's int as a
# truth value, narrowing casts made on purpose, assignments in conditions of the error chains).
tidy_checks='-*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier'
tidy_checks+=',-bugprone-narrowing-conversions,-bugprone-assignment-in-if-condition'
tidy_checks+=',-bugprone-suspicious-string-compare,clang-analyzer-*'
tidy_checks+=',-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling'
tidy_checks+=',misc-redundant-expression'
# shellcheck disable=SC2046 # pkg-config's flags are words
clang-tidy --quiet --warnings-as-errors='*' -checks="$tidy_checks" lib/*.c cgi-bin/*.c webhookd/*.c -- \
	-std=c11 -D_GNU_SOURCE -Ilib $(pkg-config --cflags fcgi json-c libmariadb libcurl) 2>/dev/null || failed=1

shellcheck -x scripts/*.sh tests/run tests/integration/*.sh tests/cluster/run tests/cluster/*.sh .ci/run || failed=1

# A test body runs under set -e, which ignores a failure anywhere in an && list but its end, and
# a negated command (! grep ...): an assertion or a request there could fail without failing the
# test. One per line, or || kt_fail (a condition that breaks out of a loop is no check).
unchecked=$(grep -nE '^[[:space:]]*((assert_[a-z_]*|api|api_json|as|login|\[) [^#]*&&|! )' \
	tests/integration/t*.sh tests/cluster/t*.sh | grep -vE '\|\||&& *(break|continue|return)' || true)
if [ -n "$unchecked" ]; then
	printf '%s: a check before && or after ! is not checked by set -e\n' "$unchecked"
	failed=1
fi

exit "$failed"
