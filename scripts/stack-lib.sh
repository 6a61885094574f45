# Shell functions for Kinglet's private stacks (MariaDB + lighttpd, Apache or nginx, all state in one directory); sourced by scripts/stack.sh and tests/integration/lib.sh.
# shellcheck shell=bash
#
# Two halves, so that tests can share one MariaDB between many web servers:
#   db_init VAR          MariaDB under VAR: datadir VAR/mysql, socket VAR/run/mysqld/mysqld.sock, ...
#   web_init DIR PORT [SERVER]  a web server + the FastCGI programs under DIR on 127.0.0.1:PORT
# The dev stack (stack_* at the end) uses the same directory for both.
# Functions return non-zero on failure (callers run under set -e); stack_die exits.

# shellcheck disable=SC2034 # the variables set here are the interface for the sourcing scripts

KINGLET_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Who runs the scripts (root: $EUID 0), looked up once.
STACK_USER=$(id -un) STACK_GROUP=$(id -gn)
: "${BUILD:=build}"
: "${KINGLET_PROCS:=2}"
DB_USER=kinglet

stack_say() { printf '%s\n' "$*"; }
stack_warn() { printf '%s\n' "$*" >&2; }
stack_die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# Absolute path; relative paths are taken from the repository root, as make does.
stack_abspath() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$KINGLET_ROOT/${1#./}" ;;
	esac
}

# Unix socket paths are limited to 107 bytes; fail early with a clear message.
stack_check_socket_path() {
	[ "${#1}" -lt 100 ] || stack_die "socket path too long (${#1} bytes, max 99): $1 — use a shorter VAR"
}

# True while PID is a live (not zombie) process whose command line contains every other argument.
proc_matches() {
	local pid=$1 stat cmdline word IFS=' '
	local -a args
	shift
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	# Builtins only: the harness asks this of every program many times a second while a stack
	# starts, and a fork per question was most of a test file's start-up on a busy machine.
	{ read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ] || return 1
	{ mapfile -d '' -t args <"/proc/$pid/cmdline"; } 2>/dev/null || return 1
	cmdline=${args[*]-}
	for word in "$@"; do
		[[ $cmdline == *"$word"* ]] || return 1
	done
}

# Prints the pid in FILE when it is a live process matching the other arguments.
pidfile_pid() {
	local file=$1 pid
	shift
	[ -r "$file" ] || return 1
	{ read -r pid <"$file" || [ -n "$pid" ]; } 2>/dev/null || return 1
	proc_matches "$pid" "$@" || return 1
	printf '%s\n' "$pid"
}

# proc_stop SECONDS PID...: SIGTERM, wait up to SECONDS, then SIGKILL whatever is left.
proc_stop() {
	local seconds=$1 pid left i
	shift
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null || true
	for ((i = 0; i < seconds * 10; i++)); do
		left=()
		for pid in "$@"; do
			proc_matches "$pid" && left+=("$pid")
		done
		[ ${#left[@]} -gt 0 ] || return 0
		sleep 0.1
	done
	stack_warn "killing ${left[*]} (did not stop within ${seconds}s)"
	kill -KILL "${left[@]}" 2>/dev/null || true
	sleep 0.2
}

# ---------------------------------------------------------------- MariaDB

# mariadbd never runs as root: started by root it runs as DB_OS_USER, the mysql system user that
# Debian's mariadb-server creates, in directories of its own (DB_RUN, the log's, DB_FILES, the
# datadir), apart from the web server's. The administrator account (DB_ADMIN, all privileges) is
# the OS user who runs the stack, by unix_socket authentication only: root for root, and no
# password anyone could use; the programs log in as DB_USER with the password in DB_SECRET.
db_init() {
	DB_VAR=$(stack_abspath "$1")
	DB_DATADIR=$DB_VAR/mysql
	DB_RUN=$DB_VAR/run/mysqld
	DB_SOCKET=$DB_RUN/mysqld.sock
	DB_PIDFILE=$DB_RUN/mysqld.pid
	DB_LOG=$DB_VAR/log/mysqld/mariadb.log
	# secure_file_priv: an empty directory of mysqld's, so no statement reads or writes files.
	DB_FILES=$DB_VAR/mysqld-files
	DB_SECRET=$DB_VAR/secret/db_password
	DB_OS_USER=$STACK_USER
	[ "$EUID" -ne 0 ] || DB_OS_USER=mysql
	DB_ADMIN=$STACK_USER
	stack_check_socket_path "$DB_SOCKET"
}

db_pid() { pidfile_pid "$DB_PIDFILE" mariadbd "--datadir=$DB_DATADIR"; }
db_running() { db_pid >/dev/null; }

# The mariadb client as the administrator over the private socket; extra arguments are passed on.
db_root() { mariadb --no-defaults --socket="$DB_SOCKET" --user="$DB_ADMIN" "$@"; }

db_answers() { db_root --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1; }
# Whether the server is up, whoever may log in (ping succeeds on "access denied" too).
db_alive() { mariadb-admin --no-defaults --socket="$DB_SOCKET" --connect-timeout=2 ping >/dev/null 2>&1; }

# The server options, shared by mariadb-install-db and mariadbd.
db_server_options() {
	DB_OPTIONS=(--no-defaults "--datadir=$DB_DATADIR")
	[ "$EUID" -ne 0 ] || DB_OPTIONS+=("--user=$DB_OS_USER")
	DB_OPTIONS+=(--innodb-buffer-pool-size=64M --innodb-log-file-size=16M
		--innodb-flush-log-at-trx-commit=2
		--character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci
		--default-time-zone=+00:00)
	# KINGLET_DB_OPTIONS: more mariadbd options, later ones win (bench/run: buffer pool, durability).
	local -a extra
	read -r -d '' -a extra <<<"${KINGLET_DB_OPTIONS:-}" || true
	DB_OPTIONS+=(${extra[@]+"${extra[@]}"})
}

# The password of the kinglet user, generated once per state directory.
db_password() {
	if [ ! -s "$DB_SECRET" ]; then
		mkdir -p "$(dirname "$DB_SECRET")"
		chmod 700 "$(dirname "$DB_SECRET")"
		local pw
		pw=$(head -c 48 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9')
		(
			umask 077
			printf '%s\n' "${pw:0:32}" >"$DB_SECRET.tmp"
		)
		mv "$DB_SECRET.tmp" "$DB_SECRET"
	fi
	head -n1 "$DB_SECRET"
}

# The directories mariadbd writes to, its own (when root starts it: a data directory of an
# earlier version belonged to root), and the path to them searchable by it.
db_own_dirs() {
	mkdir -p "$DB_RUN" "$(dirname "$DB_LOG")" "$DB_FILES"
	chmod 755 "$DB_RUN"
	chmod 700 "$DB_FILES"
	[ "$EUID" -eq 0 ] || return 0
	id "$DB_OS_USER" >/dev/null 2>&1 ||
		stack_die "no system user $DB_OS_USER to run MariaDB as (apt-get install mariadb-server creates it)"
	chown -R "$DB_OS_USER:" "$DB_RUN" "$(dirname "$DB_LOG")" "$DB_FILES"
	[ ! -d "$DB_DATADIR" ] || chown -R "$DB_OS_USER:" "$DB_DATADIR"
	WEB_USER=$DB_OS_USER web_grant_search "$DB_VAR"
}

# Accounts: root and DB_ADMIN by unix_socket only, no anonymous ones. Also turns a data directory
# of an earlier version, where root had no password, into that.
db_secure() {
	local -a client=(db_root)
	local admin=''
	[ "$DB_ADMIN" = root ] || admin="CREATE USER IF NOT EXISTS '$DB_ADMIN'@'localhost' IDENTIFIED VIA unix_socket;
		GRANT ALL PRIVILEGES ON *.* TO '$DB_ADMIN'@'localhost' WITH GRANT OPTION;"
	db_answers || client=(mariadb --no-defaults "--socket=$DB_SOCKET" --user=root)
	"${client[@]}" <<-SQL
		$admin
		ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket;
		DROP USER IF EXISTS ''@'localhost', ''@'$(hostname)';
	SQL
}

# A new data directory. mariadbd's bootstrap has been seen to crash (signal 11 in an Aria
# temporary table's drop, on a loaded machine, as one of two installs side by side): a crashed
# install leaves a half-made directory that can never start, so it is made again, three times at
# most. The marker file says an install did not finish (an interrupted one is made again too).
db_install() {
	local try
	for ((try = 1; try <= 3; try++)); do
		rm -rf "$DB_DATADIR"
		mkdir -p "$DB_DATADIR"
		[ "$EUID" -ne 0 ] || chown "$DB_OS_USER:" "$DB_DATADIR"
		touch "$DB_DATADIR/.installing"
		if mariadb-install-db "${DB_OPTIONS[@]}" --auth-root-authentication-method=socket \
			"--auth-root-socket-user=$DB_ADMIN" --skip-test-db \
			>>"$DB_VAR/log/mariadb-install.log" 2>&1; then
			rm -f "$DB_DATADIR/.installing"
			return 0
		fi
		stack_warn "mariadb-install-db failed (try $try of 3), see $DB_VAR/log/mariadb-install.log"
	done
	stack_die "mariadb-install-db failed, see $DB_VAR/log/mariadb-install.log"
}

# Starts the private MariaDB unless it runs already; creates the data directory on first use and
# (re)sets the kinglet user's password from the secret file.
db_start() {
	local pid i
	mkdir -p "$DB_VAR/run" "$DB_VAR/log"
	# Earlier versions kept the pid file and the socket in run/ itself: restart such a server.
	if pid=$(pidfile_pid "$DB_VAR/run/mysqld.pid" mariadbd "--datadir=$DB_DATADIR"); then
		proc_stop 60 "$pid"
	fi
	if ! db_running; then
		rm -f "$DB_SOCKET" "$DB_PIDFILE" # stale, after a crash
		db_server_options
		db_own_dirs
		if [ ! -d "$DB_DATADIR/mysql" ] || [ -e "$DB_DATADIR/.installing" ]; then
			db_install
		fi
		setsid mariadbd "${DB_OPTIONS[@]}" --skip-networking "--socket=$DB_SOCKET" \
			"--pid-file=$DB_PIDFILE" "--log-error=$DB_LOG" "--secure-file-priv=$DB_FILES" \
			</dev/null >/dev/null 2>&1 &
		pid=$!
		for ((i = 0; i < 600; i++)); do
			db_alive && break
			if ! proc_matches "$pid" mariadbd && ! db_running; then
				tail -n 20 "$DB_LOG" >&2 || true
				stack_die "MariaDB did not start, see $DB_LOG"
			fi
			sleep 0.1
		done
		db_alive || stack_die "MariaDB did not answer within 60s, see $DB_LOG"
		db_secure || stack_die "could not set MariaDB's accounts up (as $DB_ADMIN by unix_socket)"
	fi
	local pw
	pw=$(db_password)
	# On standard input, not the command line: ps shows command lines to everyone.
	db_root <<-SQL
		CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$pw';
		ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$pw';
	SQL
}

db_stop() {
	local pid
	if pid=$(db_pid) || pid=$(pidfile_pid "$DB_VAR/run/mysqld.pid" mariadbd "--datadir=$DB_DATADIR"); then
		proc_stop 60 "$pid" # SIGTERM is MariaDB's clean shutdown
	fi
	rm -f "$DB_SOCKET" "$DB_PIDFILE"
}

# db_provision NAME [fresh]: creates database NAME (dropping it first with "fresh") and gives the
# kinglet user data access to it, nothing more: migrations run as root.
db_provision() {
	local name=$1 fresh=${2:-}
	[[ $name =~ ^[A-Za-z0-9_]{1,64}$ ]] || stack_die "bad database name: $name"
	local drop=""
	[ "$fresh" != fresh ] || drop="DROP DATABASE IF EXISTS \`$name\`;"
	db_root -e "$drop
		CREATE DATABASE IF NOT EXISTS \`$name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
		GRANT SELECT, INSERT, UPDATE, DELETE, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE
			ON \`${name//_/\\_}\`.* TO '$DB_USER'@'localhost';"
}

db_migrate() { "$KINGLET_ROOT/scripts/migrate.sh" "$DB_SOCKET" "$1"; }

# ---------------------------------------------------------------- web server + FastCGI programs
# One set of functions for the three servers; WEB_SERVER (SERVER, default lighttpd) picks the few
# lines that differ: the template conf/$WEB_SERVER.conf.in, web_launch and web_graceful.
#   lighttpd  starts the programs itself (fastcgi.server bin-path, max-procs)
#   apache    Apache 2.4 + mod_fcgid, which starts the programs on demand (conf/apache-kinglet.conf)
#   nginx     nginx; spawn-fcgi opens each program's socket in run/ and multiwatch keeps
#             KINGLET_PROCS processes of it running (conf/nginx-kinglet.conf)

WEB_SERVERS=(lighttpd apache nginx)

web_init() {
	WEB_DIR=$(stack_abspath "$1")
	WEB_PORT=$2
	WEB_SERVER=${3:-${SERVER:-lighttpd}}
	[[ " ${WEB_SERVERS[*]} " == *" $WEB_SERVER "* ]] ||
		stack_die "SERVER must be one of ${WEB_SERVERS[*]}, got: $WEB_SERVER"
	WEB_BUILD=$(stack_abspath "$BUILD")
	WEB_CONF=$WEB_DIR/$WEB_SERVER.conf
	WEB_APP_CONF=$WEB_DIR/kinglet.conf
	WEB_PIDFILE=$WEB_DIR/run/$WEB_SERVER.pid
	WEB_LOG=$WEB_DIR/log
	WEB_MAIL=$WEB_DIR/mail
	WEB_ACCESS_LOG=$WEB_LOG/$WEB_SERVER-access.log
	WEB_ERROR_LOG=$WEB_LOG/$WEB_SERVER-error.log
	# The programs' standard error (sanitizer reports, what they say before their log is open):
	# mod_fcgid sends it to Apache's error log.
	WEB_PROGRAMS_STDERR=$WEB_LOG/programs-stderr.log
	[ "$WEB_SERVER" != apache ] || WEB_PROGRAMS_STDERR=$WEB_ERROR_LOG
	WEB_URL=http://127.0.0.1:$WEB_PORT/api/v1/
	# Apache refuses to serve as root, and nginx's workers must reach the programs' sockets:
	# started by root, they and the programs run as www-data. lighttpd keeps its user.
	WEB_USER=$STACK_USER WEB_GROUP=$STACK_GROUP
	if [ "$EUID" -eq 0 ] && [ "$WEB_SERVER" != lighttpd ]; then
		WEB_USER=www-data WEB_GROUP=www-data
	fi
	stack_check_socket_path "$WEB_DIR/run/service.sock-99"
}

web_pid() {
	local binary=$WEB_SERVER
	[ "$binary" != apache ] || binary=apache2
	pidfile_pid "$WEB_PIDFILE" "$binary" "$WEB_CONF"
}
web_running() { web_pid >/dev/null; }

# Pids of the FastCGI programs started for this directory (found by their KINGLET_CONF), also
# orphans left by a server that was killed -9, and those multiwatch runs for nginx.
# web_program_pids multiwatch: the multiwatch processes instead.
web_program_pids() {
	local environ pid comm want=${1:-program}
	grep -lzxF "KINGLET_CONF=$WEB_APP_CONF" /proc/[0-9]*/environ 2>/dev/null |
		while IFS= read -r environ; do
			pid=${environ#/proc/}
			pid=${pid%/environ}
			{ read -r comm <"/proc/$pid/comm"; } 2>/dev/null || continue
			[ "$comm" = multiwatch ] || comm=program
			if [ "$comm" = "$want" ] && proc_matches "$pid"; then printf '%s\n' "$pid"; fi
		done
	return 0
}

# True when something accepts connections on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# web_write_app_conf DBNAME [key=value...]: the programs' config file (it holds the database
# password: mode 600).
web_write_app_conf() {
	local name=$1 setting key pw
	shift
	pw=$(db_password)
	mkdir -p "$WEB_DIR"
	(
		umask 077
		{
			echo "# Generated by scripts/stack-lib.sh for $WEB_DIR; overwritten at every start."
			echo "db.socket = $DB_SOCKET"
			echo "db.user = $DB_USER"
			echo "db.password = $pw"
			echo "db.name = $name"
			echo "log.file = $WEB_LOG/kinglet.log"
			echo "openapi.file = $KINGLET_ROOT/openapi/openapi.json"
			echo "mail.spool_dir = $WEB_MAIL"
			echo "ratelimit.file = $WEB_DIR/run/ratelimit/table"
			echo "site.public_url = http://127.0.0.1:$WEB_PORT"
			echo "webhooks.key_file = $WEB_DIR/webhooks.key"
			echo "webhooks.socket = $WEB_DIR/run/webhookd/socket"
			for setting in "$@"; do
				[[ $setting == *=* ]] || stack_die "SET wants key=value, got: $setting"
				key=${setting%%=*}
				echo "${key//[[:space:]]/} = ${setting#*=}"
			done
		} >"$WEB_APP_CONF.tmp"
	)
	mv "$WEB_APP_CONF.tmp" "$WEB_APP_CONF"
	webhookd_key
}

# ---------------------------------------------------------------- kinglet-webhookd
# The delivery daemon of webhooks (webhookd/), started and stopped with the web server. It runs as
# the programs' user: they nudge it through its socket in run/, and it reads the secrets' key.

# The key that seals the webhooks' secrets (webhooks.key_file): made once, mode 600, kept across
# starts (a new key would make every stored secret unreadable).
webhookd_key() {
	local key=$WEB_DIR/webhooks.key
	[ -s "$key" ] || (
		umask 077
		od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$key.tmp"
		mv "$key.tmp" "$key"
	)
	chmod 600 "$key"
}

webhookd_pid() { pidfile_pid "$WEB_DIR/run/webhookd/pid" kinglet-webhook "$WEB_APP_CONF"; }

webhookd_start() {
	local bin=$WEB_BUILD/webhookd/kinglet-webhookd
	local -a as=()
	[ -x "$bin" ] || return 0
	webhookd_stop
	# Its own directory for the socket and the pid file: the daemon's user creates them.
	mkdir -p "$WEB_DIR/run/webhookd"
	chmod 700 "$WEB_DIR/run/webhookd"
	chown "$WEB_USER:$WEB_GROUP" "$WEB_DIR/run/webhookd"
	[ "$WEB_USER" = "$STACK_USER" ] || as=(runuser -u "$WEB_USER" --)
	# The configuration as an argument, not KINGLET_CONF: web_program_pids counts the programs
	# by that variable, and the daemon is not one of them.
	setsid env -u KINGLET_CONF "${as[@]}" "$bin" --pidfile "$WEB_DIR/run/webhookd/pid" \
		"$WEB_APP_CONF" </dev/null >>"$WEB_LOG/webhookd-stderr.log" 2>&1 &
	local i
	for ((i = 0; i < 50; i++)); do
		[ ! -S "$WEB_DIR/run/webhookd/socket" ] || return 0
		sleep 0.1
	done
	stack_warn "kinglet-webhookd did not start, see $WEB_LOG/kinglet.log and $WEB_LOG/webhookd-stderr.log"
	return 1
}

# Found by its command line, not by its pid file: a daemon stopped before it wrote the file (a
# slow start under load) must not outlive its stack.
webhookd_stop() {
	local -a pids
	# webhookd_start makes the directory before it starts the daemon.
	[ -d "$WEB_DIR/run/webhookd" ] || return 0
	mapfile -t pids < <(grep -lzF -- "$WEB_DIR/run/webhookd/pid" /proc/[0-9]*/cmdline 2>/dev/null |
		xargs -r grep -lzF kinglet-webhookd 2>/dev/null | sed 's|^/proc/||; s|/cmdline$||')
	proc_stop 15 "${pids[@]}"
	rm -f "$WEB_DIR/run/webhookd/pid" "$WEB_DIR/run/webhookd/socket"
}

# web_write_error_pages [DIR]: the static JSON pages lighttpd falls back to when the service
# program cannot answer an error itself, and Apache's answer to requests it could not read: one file
# STATUS.html per status in DIR (default $WEB_DIR/errors), and the same in version 0's shape (API.md
# §10) in DIR/v0. A program writes them from the error table (lib/err.h).
web_write_error_pages() {
	local dir=${1:-$WEB_DIR/errors}
	mkdir -p "$dir"
	"$WEB_BUILD/cgi-bin/service" --error-pages "$dir"
}

# The api.default_version the programs read from $WEB_APP_CONF (the last setting wins), else 1.
web_api_default_version() {
	local v
	v=$(sed -n -e 's/^[[:space:]]*api\.default_version[[:space:]]*=[[:space:]]*\([01]\)[[:space:]]*$/\1/p' \
		"$WEB_APP_CONF" 2>/dev/null | tail -n 1)
	printf '%s\n' "${v:-1}"
}

# $WEB_DIR/$WEB_SERVER.conf from conf/$WEB_SERVER.conf.in; for nginx also the copy of
# conf/nginx-kinglet.conf with this stack's socket directory.
web_write_conf() {
	local value nginx_user='' api_default api_pages
	for value in "$WEB_DIR" "$WEB_BUILD" "$WEB_APP_CONF" "$KINGLET_ROOT"; do
		[[ $value != *[\"\|\&\\\;[:space:]]* ]] || stack_die "path not usable in $WEB_SERVER.conf: $value"
	done
	[[ $KINGLET_PROCS =~ ^[1-9][0-9]?$ ]] || stack_die "KINGLET_PROCS must be 1-99, got: $KINGLET_PROCS"
	[ "$WEB_USER" = "$STACK_USER" ] || nginx_user="user $WEB_USER $WEB_GROUP;"
	api_default=$(web_api_default_version)
	api_pages=''
	[ "$api_default" != 0 ] || api_pages=v0/
	sed -e "s|@API_DEFAULT@|$api_default|g" -e "s|@API_DEFAULT_PAGES@|$api_pages|g" \
		-e "s|@PORT@|$WEB_PORT|g" -e "s|@WEB_DIR@|$WEB_DIR|g" -e "s|@BUILD@|$WEB_BUILD|g" \
		-e "s|@PROCS@|$KINGLET_PROCS|g" -e "s|@APP_CONF@|$WEB_APP_CONF|g" \
		-e "s|@ROOT@|$KINGLET_ROOT|g" -e "s|@USER@|$WEB_USER|g" -e "s|@GROUP@|$WEB_GROUP|g" \
		-e "s|@NGINX_USER@|$nginx_user|g" \
		"$KINGLET_ROOT/conf/$WEB_SERVER.conf.in" >"$WEB_CONF.tmp"
	mv "$WEB_CONF.tmp" "$WEB_CONF"
	if [ "$WEB_SERVER" = nginx ]; then
		sed -e "s|unix:/run/kinglet/|unix:$WEB_DIR/run/|" "$KINGLET_ROOT/conf/nginx-kinglet.conf" \
			>"$WEB_DIR/nginx-kinglet.conf"
	fi
}

# The programs the lighttpd template runs, one name a line (the other servers' configurations
# route the same ones: tests/integration/t0010-install.sh compares them).
web_programs() {
	sed -n -e '/^[[:space:]]*#/d' -e 's|.*"bin-path" => "[^"]*/cgi-bin/\([a-z_]*\)".*|\1|p' \
		"$KINGLET_ROOT/conf/lighttpd.conf.in"
}

web_check_built() {
	local prog
	while IFS= read -r prog; do
		[ -x "$WEB_BUILD/cgi-bin/$prog" ] ||
			stack_die "$WEB_BUILD/cgi-bin/$prog is not built (run make)"
	done < <(web_programs)
}

# lighttpd counts a program as started once it is forked: a program that exits at once (a bad
# config key) leaves a server that answers 503. Wait until every process stays up and the
# handshake answers. Arguments: the server's error log and its line count before the start.
# (mod_fcgid starts programs on demand: for Apache only the handshake counts.)
web_wait_ready() {
	local errors=$1 lines=$2 want=0 i steady=0
	[ "$WEB_SERVER" = apache ] || want=$(($(web_programs | wc -l) * KINGLET_PROCS))
	for ((i = 0; i < 50; i++)); do
		! tail -n +"$((lines + 1))" "$errors" | grep -q 'child exited' || return 1
		if [ "$want" -eq 0 ] || [ "$(web_program_pids | wc -l)" -eq "$want" ]; then
			steady=$((steady + 1))
		else
			steady=0
		fi
		if [ "$steady" -ge 2 ] && [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$WEB_URL")" = 200 ]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# web_grant_search PATH...: every directory above each PATH that $WEB_USER cannot pass through
# (a checkout in /root, or in a mktemp -d directory, is mode 700) gets an ACL entry that lets
# that user, and no one else, search it: execute, not read.
web_grant_search() {
	local path dir part parts
	for path in "$@"; do
		dir=''
		IFS=/ read -r -a parts <<<"${path#/}"
		for part in "${parts[@]}"; do
			[ -n "$part" ] || continue
			dir=$dir/$part
			! runuser -u "$WEB_USER" -- test -x "$dir" || continue
			stack_say "letting $WEB_USER search $dir (ACL u:$WEB_USER:x), to reach the programs"
			setfacl -m "u:$WEB_USER:x" "$dir"
		done
	done
}

# When the server and the programs run as another user (www-data, see web_init): the
# configuration becomes readable by its group, what the programs write to (logs, mail, tmp/;
# the rate limiter's directory: web_ratelimit_dir) its own; then check that user reaches everything, and if not, make the
# directories above searchable (web_grant_search) and check again.
web_grant_access() {
	[ "$WEB_USER" != "$STACK_USER" ] || return 0
	chgrp "$WEB_GROUP" "$WEB_APP_CONF"
	chmod 640 "$WEB_APP_CONF"
	chown -R "$WEB_USER:$WEB_GROUP" "$WEB_LOG" "$WEB_MAIL" "$WEB_DIR/tmp"
	chown "$WEB_USER:$WEB_GROUP" "$WEB_DIR/webhooks.key"
	local need="-x $WEB_BUILD/cgi-bin/service -a -r $WEB_APP_CONF -a -w $WEB_LOG -a -w $WEB_MAIL"
	need="$need -a -r $KINGLET_ROOT/openapi/openapi.json"
	[ -z "${DB_SOCKET:-}" ] || [ ! -S "$DB_SOCKET" ] || need="$need -a -w $DB_SOCKET"
	# shellcheck disable=SC2086 # one word per test operand
	runuser -u "$WEB_USER" -- test $need && return 0
	web_grant_search "$WEB_BUILD/cgi-bin" "$WEB_DIR" "$KINGLET_ROOT/openapi" \
		${DB_SOCKET:+"$(dirname "$DB_SOCKET")"}
	# shellcheck disable=SC2086 # one word per test operand
	runuser -u "$WEB_USER" -- test $need ||
		stack_die "$WEB_USER cannot reach the programs, $WEB_APP_CONF, the log and mail directories, openapi/ or the database socket"
}

# The rate limiter's directory (that of ratelimit.file, when it is the stack's): the programs' user's
# own and mode 700, with what is in it, as lib/ratelimit.c wants it (it refuses to start
# otherwise). The plain file run/ratelimit of older versions is removed.
web_ratelimit_dir() {
	local dir=$WEB_DIR/run/ratelimit
	[ "$(sed -n 's/^ratelimit\.file = //p' "$WEB_APP_CONF" | tail -n 1)" = "$dir/table" ] || return 0
	[ -d "$dir" ] || rm -f "$dir"
	mkdir -p "$dir"
	chmod 700 "$dir"
	chown -R -h "$WEB_USER:$WEB_GROUP" "$dir"
}

# Writes the server configuration and the error pages, clears what a crash left, checks the
# programs are built. Call web_write_app_conf first.
web_prepare() {
	web_check_built
	mkdir -p "$WEB_DIR/run" "$WEB_LOG" "$WEB_DIR/tmp" "$WEB_MAIL" "$WEB_DIR/empty"
	web_write_conf
	web_write_error_pages "$WEB_DIR/errors"
	if web_running; then
		stack_say "restarting $WEB_SERVER of $WEB_DIR"
	fi
	web_stop_all
	local prog
	while IFS= read -r prog; do
		rm -f "$WEB_DIR/run/$prog.sock" "$WEB_DIR/run/$prog.sock-"*
	done < <(web_programs)
	rm -f "$WEB_PIDFILE"
	web_ratelimit_dir
	web_grant_access
}

# nginx's programs: spawn-fcgi opens run/NAME.sock and becomes multiwatch (-n), which keeps
# KINGLET_PROCS processes of the program running on it, restarting any that dies (nginx and
# spawn-fcgi alone would not). web_wait_ready sees whether they stay up.
web_spawn_programs() {
	local prog
	local -a as=()
	[ "$WEB_USER" = "$STACK_USER" ] ||
		as=(-u "$WEB_USER" -g "$WEB_GROUP" -U "$WEB_USER" -G "$WEB_GROUP" -M 0660)
	while IFS= read -r prog; do
		KINGLET_CONF=$WEB_APP_CONF setsid spawn-fcgi -n -s "$WEB_DIR/run/$prog.sock" "${as[@]}" -- \
			"$(command -v multiwatch)" -f "$KINGLET_PROCS" -- "$WEB_BUILD/cgi-bin/$prog" \
			</dev/null >>"$WEB_PROGRAMS_STDERR" 2>&1 &
	done < <(web_programs)
}

# web_apache ARGS...: apache2 on this stack's configuration, told the API version its own answers
# name (KINGLET_API_VERSION in conf/apache.conf.in): api.default_version of kinglet.conf, else 1.
web_apache() {
	local version
	version=$(sed -n 's/^api\.default_version *= *\([0-9]*\) *$/\1/p' "$WEB_APP_CONF" 2>/dev/null | tail -n 1)
	KINGLET_API_VERSION=${version:-1} apache2 -f "$WEB_CONF" -d "$WEB_DIR" "$@"
}

# web_launch [foreground]: runs the server; without an argument it goes to the background once
# it listens (lighttpd and spawn-fcgi: once the programs run).
web_launch() {
	local -a fg=()
	case $WEB_SERVER in
	lighttpd)
		[ -z "${1:-}" ] || fg=(-D)
		lighttpd "${fg[@]}" -f "$WEB_CONF"
		;;
	apache)
		fg=(-k start)
		[ -z "${1:-}" ] || fg=(-DFOREGROUND)
		web_apache "${fg[@]}"
		;;
	nginx)
		[ -z "${1:-}" ] || fg=(-g 'daemon off;')
		web_spawn_programs && nginx -p "$WEB_DIR/" -c "$WEB_CONF" -e "$WEB_ERROR_LOG" "${fg[@]}"
		;;
	esac
}

# Graceful restart: requests in flight finish, none is refused (the listening socket stays open).
#   lighttpd  SIGUSR1 (1.4.46+): graceful reload of the config; it restarts its programs
#   apache    apache2 -k graceful (SIGUSR1): new children; mod_fcgid restarts the programs
#   nginx     SIGHUP: new workers with the re-read config (spawn-fcgi's programs keep running)
web_graceful() {
	local pid
	pid=$(web_pid) || return 1
	case $WEB_SERVER in
	lighttpd) kill -USR1 "$pid" ;;
	apache) web_apache -k graceful ;;
	nginx) kill -HUP "$pid" ;;
	esac
}

# Starts the server in the background with its programs. Returns 2 when the port is taken, 1 on
# any other failure.
web_start() {
	web_prepare
	if port_in_use "$WEB_PORT"; then
		stack_warn "port $WEB_PORT on 127.0.0.1 is in use"
		return 2
	fi
	local errors=$WEB_ERROR_LOG lines
	touch "$errors"
	lines=$(wc -l <"$errors")
	if ! web_launch 2>>"$errors"; then
		web_stop
		if tail -n +"$((lines + 1))" "$errors" | grep -q 'Address already in use'; then
			stack_warn "port $WEB_PORT on 127.0.0.1 is in use"
			return 2
		fi
		tail -n +"$((lines + 1))" "$errors" | tail -n 15 >&2
		tail -n 5 "$WEB_PROGRAMS_STDERR" >&2 2>/dev/null || true
		stack_warn "$WEB_SERVER did not start, see $errors and $WEB_LOG/kinglet.log"
		return 1
	fi
	if ! web_wait_ready "$errors" "$lines"; then
		tail -n 5 "$WEB_PROGRAMS_STDERR" >&2 2>/dev/null || true
		web_stop
		stack_warn "the programs did not start, see $WEB_PROGRAMS_STDERR and $WEB_LOG/kinglet.log"
		return 1
	fi
	webhookd_start
}

# Stops whichever server runs for this directory (the last start may have used another SERVER),
# then the programs.
web_stop_all() {
	local server
	for server in "${WEB_SERVERS[@]}"; do
		(
			web_init "$WEB_DIR" "$WEB_PORT" "$server"
			web_stop_server
		)
	done
	web_stop_programs
}

# Stops the server (lighttpd and Apache stop their programs), then what web_stop_programs stops.
web_stop() {
	web_stop_server
	web_stop_programs
}

web_stop_server() {
	local pid
	if pid=$(web_pid); then
		proc_stop 10 "$pid"
	fi
	rm -f "$WEB_PIDFILE"
}

# nginx's multiwatch processes (which stop theirs), any program left behind, the webhook daemon.
web_stop_programs() {
	local -a orphans
	mapfile -t orphans < <(web_program_pids multiwatch)
	proc_stop 10 "${orphans[@]}"
	mapfile -t orphans < <(web_program_pids)
	proc_stop 5 "${orphans[@]}"
	webhookd_stop
}

# ---------------------------------------------------------------- the dev stack: make run/start/stop

stack_init() {
	: "${VAR:=var}" "${PORT:=8080}" "${SET:=}"
	if ! [[ $PORT =~ ^[0-9]{1,5}$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
		stack_die "PORT must be a port number, got: $PORT"
	fi
	db_init "$VAR"
	web_init "$VAR" "$PORT"
}

# MariaDB, the kinglet database with its migrations, config files.
stack_prepare() {
	web_check_built
	db_start
	db_provision kinglet
	db_migrate kinglet
	local -a settings
	read -r -a settings <<<"$SET"
	web_write_app_conf kinglet "${settings[@]}"
}

stack_start() {
	stack_prepare
	web_start || {
		stack_warn "the database still runs; 'make stop' stops it"
		return 1
	}
	stack_say "Kinglet runs at $WEB_URL"
	stack_say "  logs:       $WEB_LOG/"
	stack_say "  mail spool: $WEB_MAIL/"
	stack_say "  stop with:  make stop VAR=$VAR"
}

stack_stop() {
	web_stop_all
	db_stop
}

# The foreground form (lighttpd -D, apache2 -DFOREGROUND, nginx "daemon off"); Ctrl-C or
# SIGTERM stops everything.
stack_run() {
	stack_prepare
	web_prepare
	port_in_use "$WEB_PORT" && stack_die "port $WEB_PORT on 127.0.0.1 is in use"
	trap 'trap - INT TERM EXIT; stack_say "stopping"; stack_stop; exit 0' INT TERM
	trap 'stack_say "stopping"; stack_stop' EXIT
	web_launch foreground &
	local pid=$!
	webhookd_start || true
	stack_say "Kinglet runs at $WEB_URL (Ctrl-C stops)"
	stack_say "  logs:       $WEB_LOG/"
	stack_say "  mail spool: $WEB_MAIL/"
	wait "$pid" || true
}

stack_status() {
	local pid
	if pid=$(db_pid); then
		stack_say "mariadb:  running (pid $pid, socket $DB_SOCKET)"
	else
		stack_say "mariadb:  stopped ($DB_VAR)"
	fi
	local server port
	for server in "${WEB_SERVERS[@]}"; do
		web_init "$WEB_DIR" "$WEB_PORT" "$server"
		if pid=$(web_pid); then
			# The port it was started with, whatever PORT says now.
			port=$(sed -n -e 's/^server\.port = //p' -e 's/^Listen 127\.0\.0\.1://p' \
				-e 's/^ *listen 127\.0\.0\.1:\([0-9]*\);/\1/p' "$WEB_CONF")
			stack_say "$server: running (pid $pid, http://127.0.0.1:$port/api/v1/)"
		elif [ "$server" = "${SERVER:-lighttpd}" ]; then
			stack_say "$server: stopped ($WEB_DIR)"
		fi
	done
	web_init "$WEB_DIR" "$WEB_PORT"
	local -a programs
	mapfile -t programs < <(web_program_pids)
	for pid in "${programs[@]}"; do
		stack_say "program:  $(tr '\0' ' ' <"/proc/$pid/cmdline")(pid $pid)"
	done
}
