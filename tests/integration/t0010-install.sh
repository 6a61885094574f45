#!/usr/bin/env bash
# Integration test for make install / uninstall (issue 5) and the shipped server configurations: files under DESTDIR with PREFIX in them, the configurations accepted by apache2 -t, lighttpd -tt and nginx -t, the installed migrate.sh, the same routes in every server's configuration. Needs no web server.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

DEST=$KT_TMP/dest
PREFIX=/opt/kinglet-t0010
ROOT=$KINGLET_ROOT
rm -rf "$DEST"

# make_in_root TARGET VAR=VALUE...: make with this repository's Makefile and build directory.
make_in_root() {
	make --no-print-directory -s -C "$ROOT" BUILD="$(stack_abspath "$BUILD")" "$@"
}

test_expect "make install DESTDIR PREFIX puts programs, example config, SQL, migrate.sh and server configs in place" '
	make_in_root install DESTDIR="$DEST" PREFIX="$PREFIX" >"$KT_TMP/install.out" 2>&1 ||
		{ cat "$KT_TMP/install.out"; exit 1; }
	for prog in $(web_programs); do
		[ -x "$DEST$PREFIX/lib/kinglet/cgi-bin/$prog" ] || kt_fail "no program $prog"
	done
	cmp "$ROOT/conf/kinglet.conf.example" "$DEST/etc/kinglet/kinglet.conf.example"
	for f in "$ROOT"/sql/*.sql; do
		cmp "$f" "$DEST$PREFIX/share/kinglet/sql/${f##*/}"
	done
	[ -x "$DEST$PREFIX/share/kinglet/sql/migrate.sh" ] || kt_fail "no migrate.sh"
	[ -x "$DEST$PREFIX/lib/kinglet/kinglet-webhookd" ] || kt_fail "no kinglet-webhookd"
	for f in apache-kinglet.conf apache-kinglet-fcgid.conf apache-kinglet-body.lua nginx-kinglet.conf \
		lighttpd-kinglet.conf kinglet-fcgi@.service kinglet-webhookd.service; do
		[ -s "$DEST$PREFIX/share/kinglet/conf/$f" ] || kt_fail "no conf/$f"
	done
	jq -e ".status == 400 and .code == \"bad_request\"" "$DEST$PREFIX/share/kinglet/errors/400.html" >/dev/null
'

test_expect "the installed configurations name PREFIX, not /usr/local" '
	! grep -rn /usr/local/ "$DEST$PREFIX/share/kinglet/conf" || kt_fail "/usr/local left"
	grep -q "Define KINGLET_CGI_DIR $PREFIX/lib/kinglet/cgi-bin" "$DEST$PREFIX/share/kinglet/conf/apache-kinglet.conf"
	grep -q "Define KINGLET_APACHE_LUA $PREFIX/share/kinglet/conf/apache-kinglet-body.lua" \
		"$DEST$PREFIX/share/kinglet/conf/apache-kinglet.conf"
	grep -q -- "-- $PREFIX/lib/kinglet/cgi-bin/%i" "$DEST$PREFIX/share/kinglet/conf/kinglet-fcgi@.service"
	grep -qx "ExecStart=$PREFIX/lib/kinglet/kinglet-webhookd" "$DEST$PREFIX/share/kinglet/conf/kinglet-webhookd.service"
'

test_expect "an installed program runs: service --routes" '
	"$DEST$PREFIX/lib/kinglet/cgi-bin/service" --routes | grep -qx "GET /api/v1/time"
'

test_expect "the installed migrate.sh applies every migration to a new database" '
	db_provision kt_t0010_install fresh
	"$DEST$PREFIX/share/kinglet/sql/migrate.sh" "$DB_SOCKET" kt_t0010_install
	n=$(db_root -N -e "SELECT COUNT(*) FROM kt_t0010_install.schema_migrations")
	[ "$n" -eq "$(ls "$ROOT"/sql/[0-9]*_*.sql | wc -l)" ] || kt_fail "$n migrations applied"
	db_root -e "DROP DATABASE kt_t0010_install"
'

test_expect "apache2 -t accepts the installed apache-kinglet*.conf as they ship (their own defaults)" '
	mkdir -p "$KT_TMP/apache"
	m=/usr/lib/apache2/modules
	cat >"$KT_TMP/apache/test.conf" <<-EOF
		ServerRoot "$KT_TMP/apache"
		ServerName 127.0.0.1
		ErrorLog "$KT_TMP/apache/error.log"
		Listen 127.0.0.1:1
		LoadModule mpm_event_module $m/mod_mpm_event.so
		LoadModule authz_core_module $m/mod_authz_core.so
		LoadModule alias_module $m/mod_alias.so
		LoadModule rewrite_module $m/mod_rewrite.so
		LoadModule fcgid_module $m/mod_fcgid.so
		LoadModule headers_module $m/mod_headers.so
		LoadModule unique_id_module $m/mod_unique_id.so
		LoadModule lua_module $m/mod_lua.so
		Include "$DEST$PREFIX/share/kinglet/conf/apache-kinglet-fcgid.conf"
		<VirtualHost 127.0.0.1:1>
		    Include "$DEST$PREFIX/share/kinglet/conf/apache-kinglet.conf"
		</VirtualHost>
	EOF
	apache2 -t -f "$KT_TMP/apache/test.conf" -d "$KT_TMP/apache" 2>&1
'

test_expect "lighttpd -tt accepts the installed lighttpd-kinglet.conf, every @...@ filled in" '
	! grep -n "@[A-Z_]*@" "$DEST$PREFIX/share/kinglet/conf/lighttpd-kinglet.conf" || kt_fail "placeholder left"
	mkdir -p "$KT_TMP/lighttpd"
	cat >"$KT_TMP/lighttpd/test.conf" <<-EOF
		server.document-root = "$KT_TMP/lighttpd"
		server.bind = "127.0.0.1"
		server.port = 1
		include "$DEST$PREFIX/share/kinglet/conf/lighttpd-kinglet.conf"
	EOF
	lighttpd -tt -f "$KT_TMP/lighttpd/test.conf" >"$KT_TMP/lighttpd/tt.out" 2>&1
	cat "$KT_TMP/lighttpd/tt.out"
	! grep -q WARNING "$KT_TMP/lighttpd/tt.out" || kt_fail "lighttpd warned"
'

lighttpd_logged() { grep -q " /api/v1/time " "$KT_TMP/lighttpd-log/access.log" 2>/dev/null; }

# Run as it is installed (but with the programs, sockets and configuration under KT_TMP), with an
# access log switched on the way Debian's 10-accesslog.conf does it.
test_expect "the installed lighttpd include logs the path only, never the query string (credentials)" '
	d=$KT_TMP/lighttpd-log
	rm -rf "$d"
	mkdir -p "$d/run"
	printf "ratelimit.enabled = false\nlog.file = %s/kinglet.log\n" "$d" >"$d/kinglet.conf"
	sed -e "s|$PREFIX/lib/kinglet|$DEST$PREFIX/lib/kinglet|g" -e "s|/run/lighttpd/kinglet-|$d/run/|g" \
		-e "s|/etc/kinglet/kinglet.conf|$d/kinglet.conf|g" \
		"$DEST$PREFIX/share/kinglet/conf/lighttpd-kinglet.conf" >"$d/kinglet-include.conf"
	port=$TEST_PORT
	while port_in_use "$port"; do port=$((port + 1)); done
	cat >"$d/test.conf" <<-EOF
		server.document-root = "$d"
		server.bind = "127.0.0.1"
		server.port = $port
		server.pid-file = "$d/lighttpd.pid"
		server.errorlog = "$d/error.log"
		server.modules += ( "mod_accesslog" )
		accesslog.filename = "$d/access.log"
		include "$d/kinglet-include.conf"
	EOF
	lighttpd -f "$d/test.conf"
	curl -s -o /dev/null "http://127.0.0.1:$port/api/v1/time?session_id=s3cret-t0010&user_id=1&user_name=alice" || true
	retry 10 lighttpd_logged || true
	proc_stop 10 "$(cat "$d/lighttpd.pid")"
	cat "$d/access.log"
	grep -q "\"GET /api/v1/time HTTP/1.1\" 200 " "$d/access.log"
	! grep -q "s3cret" "$d/access.log" || kt_fail "the query string was logged"
'

test_expect "nginx -t accepts the installed nginx-kinglet.conf in a server block" '
	mkdir -p "$KT_TMP/nginx"
	cat >"$KT_TMP/nginx/test.conf" <<-EOF
		pid $KT_TMP/nginx/nginx.pid;
		events { }
		http {
		    server {
		        listen 127.0.0.1:1;
		        include $DEST$PREFIX/share/kinglet/conf/nginx-kinglet.conf;
		    }
		}
	EOF
	nginx -t -p "$KT_TMP/nginx/" -c "$KT_TMP/nginx/test.conf" -e "$KT_TMP/nginx/error.log" 2>&1
'

# Each configuration as "pattern -> program" lines, in the order the server tries them.
routes_lighttpd() {
	awk '/^[[:space:]]*#/ { next }
		match($0, /\$HTTP\["url"\] =~ "[^"]*"/) { p = substr($0, RSTART + 17, RLENGTH - 18) }
		match($0, /cgi-bin\/[a-z_]+"/) { print p " -> " substr($0, RSTART + 8, RLENGTH - 9) }' \
		"$ROOT/conf/lighttpd.conf.in" | sed -e 's/(\/|\$) / /'
}
routes_apache() {
	awk '$1 == "AliasMatch" { gsub(/"/, ""); n = split($3, a, "/"); print $2 " -> " a[n] }' \
		"$ROOT/conf/apache-kinglet.conf" | sed -e 's/(\/\.\*)?\$ / /'
}
routes_nginx() {
	# (The catch-all "location /" is not a route: it hands the rest to the service program.)
	awk '$1 == "location" { p = $2 == "~" ? $3 : "" }
		$1 == "fastcgi_pass" && p != "" { n = split($2, a, "/"); sub(/\.sock;$/, "", a[n]); print p " -> " a[n] }' \
		"$ROOT/conf/nginx-kinglet.conf" | sed -e 's/(\/|\$) / /'
}

test_expect "lighttpd, Apache and nginx route the same paths to the same programs, in the same order" '
	routes_lighttpd >"$KT_TMP/routes.lighttpd"
	routes_apache >"$KT_TMP/routes.apache"
	routes_nginx >"$KT_TMP/routes.nginx"
	cat "$KT_TMP/routes.lighttpd"
	[ "$(wc -l <"$KT_TMP/routes.lighttpd")" -eq "$(web_programs | wc -l)" ] || kt_fail "not one route per program"
	diff "$KT_TMP/routes.lighttpd" "$KT_TMP/routes.apache"
	diff "$KT_TMP/routes.lighttpd" "$KT_TMP/routes.nginx"
'

test_expect "make uninstall removes everything make install put there" '
	make_in_root uninstall DESTDIR="$DEST" PREFIX="$PREFIX" >"$KT_TMP/uninstall.out" 2>&1 ||
		{ cat "$KT_TMP/uninstall.out"; exit 1; }
	left=$(find "$DEST" -type f)
	[ -z "$left" ] || kt_fail "left behind: $left"
'

test_done
