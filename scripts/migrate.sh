#!/usr/bin/env bash
# Applies the numbered SQL migrations sql/NNN_name.sql to a MariaDB database, each once, in order.
#
# usage: scripts/migrate.sh [SOCKET [DATABASE]]
#   SOCKET   MariaDB's unix socket (default: $DB_SOCKET, else $VAR/run/mysqld/mysqld.sock, VAR=var)
#   DATABASE the database (default: $DB_NAME, else kinglet); it must exist
# Connects as the MariaDB account of the OS user running it (root, as root: unix_socket
# authentication; DB_ADMIN overrides). Applied versions are recorded in the table schema_migrations;
# a migration that fails stops the run with a non-zero exit and is not recorded.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
var=${VAR:-var}
[[ $var == /* ]] || var=$root/$var
socket=${1:-${DB_SOCKET:-$var/run/mysqld/mysqld.sock}}
db=${2:-${DB_NAME:-kinglet}}
sql_dir=${MIGRATIONS_DIR:-$root/sql}

die() {
	echo "migrate: $*" >&2
	exit 1
}
[[ $db =~ ^[A-Za-z0-9_]{1,64}$ ]] || die "bad database name: $db"
[ -S "$socket" ] || die "no MariaDB socket at $socket (is the stack started?)"

admin=${DB_ADMIN:-$(id -un)}
sql() { mariadb --no-defaults --socket="$socket" --user="$admin" --batch --skip-column-names "$db" "$@"; }

sql -e "CREATE TABLE IF NOT EXISTS schema_migrations (
	version INT UNSIGNED NOT NULL PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci" || die "cannot use database $db"

# Check every file name first: a clash must stop the run before anything is applied.
files=()
declare -A seen=()
while IFS= read -r file; do
	name=$(basename "$file" .sql)
	[[ $name =~ ^([0-9]+)_[A-Za-z0-9_-]+$ ]] || die "bad migration file name: $file (want NNN_name.sql)"
	version=$((10#${BASH_REMATCH[1]}))
	[ -z "${seen[$version]:-}" ] || die "two migrations with version $version: ${seen[$version]} and $name"
	seen[$version]=$name
	files+=("$file")
done < <(find "$sql_dir" -maxdepth 1 -name '[0-9]*_*.sql' -print 2>/dev/null | sort -V)

applied=" $(sql -e 'SELECT version FROM schema_migrations' | tr '\n' ' ') "
count=0
for file in "${files[@]}"; do
	name=$(basename "$file" .sql)
	version=$((10#${name%%_*}))
	[[ $applied != *" $version "* ]] || continue
	# One client run per file: the client stops at the first failing statement, so the version
	# is recorded only when the whole file went through. (MariaDB commits DDL at once: a file
	# that fails half-way leaves its first statements applied; fix the file and the database.)
	if ! { cat "$file" && printf '\n;\nINSERT INTO schema_migrations (version, name) VALUES (%d, '"'%s'"');\n' \
		"$version" "$name"; } | sql; then
		die "migration $name failed on database $db; nothing after it was applied"
	fi
	echo "migrate: $db: applied $name"
	count=$((count + 1))
done
[ "$count" -eq 0 ] || echo "migrate: $db: $count migration(s) applied"
