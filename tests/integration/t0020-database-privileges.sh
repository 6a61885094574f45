#!/usr/bin/env bash
# The stacks' private MariaDB (issue 16): mariadbd does not run as root, MariaDB's root is for OS
# root only (unix_socket), SQL reads and writes no files, and www-data, which runs the programs
# behind Apache and nginx, gets no more than the kinglet user's rights. Needs no web server.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

db_provision "$KT_DB" fresh
db_migrate "$KT_DB" >/dev/null
PW=$(db_password)

# as_www_data ARGS...: the mariadb client over the stack's socket, run as www-data.
as_www_data() {
	runuser -u www-data -- env ${MYSQL_PWD:+MYSQL_PWD="$MYSQL_PWD"} mariadb --no-defaults --socket="$DB_SOCKET" --connect-timeout=5 "$@"
}

test_expect "mariadbd runs as an unprivileged user, not root" '
	pid=$(db_pid)
	user=$(ps -o user= -p "$pid")
	echo "mariadbd (pid $pid) runs as $user"
	[ "$user" != root ] || kt_fail "mariadbd runs as root"
	[ "$(id -u)" -ne 0 ] || [ "$user" = mysql ]
'

test_expect "as www-data: the kinglet user with its password works, root does not, with or without a password" '
	[ "$(id -u)" -eq 0 ] || exit 0
	WEB_USER=www-data web_grant_search "$DB_RUN"
	[ "$(MYSQL_PWD=$PW as_www_data -u kinglet -N -e "SELECT CURRENT_USER()")" = "kinglet@localhost" ]
	! as_www_data -u root -e "SELECT 1" 2>"$KT_TMP/root.err" || kt_fail "root without a password"
	cat "$KT_TMP/root.err"
	grep -q "Access denied" "$KT_TMP/root.err"
	! as_www_data -u root --password="" -e "SELECT 1" 2>/dev/null || kt_fail "root with an empty password"
	! as_www_data -e "SELECT 1" 2>/dev/null || kt_fail "an anonymous login"
	[ "$(db_root -N -e "SELECT COUNT(*) FROM mysql.user WHERE user = \"\"")" = 0 ]
'

test_expect "the kinglet user has its own database only, and no FILE, SUPER or GRANT rights" '
	grants=$(db_root -N -e "SHOW GRANTS FOR kinglet@localhost")
	echo "$grants"
	! grep -q "WITH GRANT OPTION" <<<"$grants" || kt_fail "GRANT OPTION"
	[ "$(grep -c "^GRANT USAGE ON \*\.\* TO" <<<"$grants")" = 1 ] || kt_fail "global rights"
	privileges=$(sed -n "s/^GRANT \(.*\) ON .*/\1/p" <<<"$grants" | tr , "\n" | sed "s/^ *//" | sort -u)
	[ "$(echo $privileges)" = "CREATE TEMPORARY TABLES DELETE EXECUTE INSERT LOCK TABLES SELECT UPDATE USAGE" ] ||
		kt_fail "rights: $(echo $privileges)"
'

test_expect "SELECT ... INTO OUTFILE and LOAD_FILE are refused, even to the administrator" '
	rm -f /tmp/kt-t0020-outfile
	! db_root -e "SELECT 1 INTO OUTFILE \"/tmp/kt-t0020-outfile\"" 2>"$KT_TMP/outfile.err" || kt_fail "written"
	cat "$KT_TMP/outfile.err"
	grep -q "secure-file-priv" "$KT_TMP/outfile.err"
	[ ! -e /tmp/kt-t0020-outfile ]
	[ "$(db_root -N -e "SELECT LOAD_FILE(\"/etc/passwd\") IS NULL")" = 1 ]
'

test_done
