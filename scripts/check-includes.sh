#!/usr/bin/env bash
# Seams of lib/: no include cycle between its modules, and no file over 600 lines.
#
# A module is x.c with its x.h: a file that includes y.h depends on module y, so http.c including
# body.h while body.h includes http.h is a cycle even though the include guards hide it from the
# compiler. tsort finds the cycles; each one is printed with the includes that make it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
max_lines=600
failed=0

# "module dependency" pairs, one a line, from the quoted includes of headers that exist in lib/.
edges=$(for f in lib/*.c lib/*.h; do
	from=$(basename "${f%.*}")
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)\.h".*/\1/p' "$f" |
		while read -r to; do
			if [ -e "lib/$to.h" ] && [ "$to" != "$from" ]; then
				printf '%s %s\n' "$from" "$to"
			fi
		done
done | sort -u)

# tsort names the modules of each cycle it breaks, in include order, after "input contains a
# loop"; show each cycle with the includes that make it.
loops=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null | sed -n 's/^tsort: //p' |
	awk '/input contains a loop/ { if (line != "") print line; line = ""; next }
	     { line = line (line == "" ? "" : " ") $0 }
	     END { if (line != "") print line }' || true)
while read -r -a members; do
	[ "${#members[@]}" -gt 0 ] || continue
	failed=1
	printf 'lib/: include cycle:'
	printf ' %s ->' "${members[@]}"
	printf ' %s\n' "${members[0]}"
	for i in "${!members[@]}"; do
		a=${members[i]} b=${members[(i + 1) % ${#members[@]}]}
		for f in "lib/$a.c" "lib/$a.h"; do
			if [ -e "$f" ] && grep -q "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"$b\\.h\"" "$f"; then
				printf '  %s includes %s.h\n' "$f" "$b"
			fi
		done
	done
done <<<"$loops"

for f in lib/*.c lib/*.h; do
	n=$(wc -l <"$f")
	if [ "$n" -gt "$max_lines" ]; then
		printf '%s: %d lines; split it (at most %d)\n' "$f" "$n" "$max_lines"
		failed=1
	fi
done

exit "$failed"
