# Shell functions for Kinglet's cluster on loopback (three MariaDB Galera nodes, two web nodes, HAProxy; issue 20); sourced by scripts/cluster.sh and the cluster tests.
# shellcheck shell=bash
#
# Everything lives under one directory (CLUSTER_VAR) and on 127.0.0.1 from one port (CLUSTER_PORT):
#   PORT        HAProxy, balancing the web nodes by client address
#   PORT+1, +2  the web nodes (lighttpd + the programs), CLUSTER_VAR/web1 and web2
#   PORT+10+i   node i's SQL port (i = 1..3), +20+i gcomm, +30+i IST, +40+i SST (rsync)
# Per-node configuration comes from conf/galera.cnf.in and conf/haproxy.cfg.in, the files a
# deployment on several machines would use. The web nodes share one mail spool, CLUSTER_VAR/mail.
# Functions return non-zero on failure (callers run under set -e); stack_die exits.

# shellcheck disable=SC2034 # the variables set here are the interface for the sourcing scripts
# shellcheck source=scripts/stack-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/stack-lib.sh"

CLUSTER_NODES=3
CLUSTER_WEBS=2
CLUSTER_ADDRESS=127.0.0.1

cluster_init() {
	CLUSTER_VAR=$(stack_abspath "$1")
	CLUSTER_PORT=$2
	if ! [[ $CLUSTER_PORT =~ ^[0-9]{1,5}$ ]] || [ "$CLUSTER_PORT" -lt 1 ] || [ "$CLUSTER_PORT" -gt 65490 ]; then
		stack_die "PORT must be a port number below 65490 (the cluster uses PORT to PORT+43), got: $CLUSTER_PORT"
	fi
	CLUSTER_MAIL=$CLUSTER_VAR/mail
	CLUSTER_SECRET=$CLUSTER_VAR/secret/db_password
	CLUSTER_HAPROXY_DIR=$CLUSTER_VAR/haproxy
	CLUSTER_HAPROXY_CONF=$CLUSTER_HAPROXY_DIR/haproxy.cfg
	CLUSTER_HAPROXY_PID=$CLUSTER_HAPROXY_DIR/haproxy.pid
	CLUSTER_URL=http://$CLUSTER_ADDRESS:$CLUSTER_PORT/api/v1/
	local i
	CLUSTER_DB_HOSTS=''
	for ((i = 1; i <= CLUSTER_NODES; i++)); do
		CLUSTER_DB_HOSTS+="${CLUSTER_DB_HOSTS:+ }$CLUSTER_ADDRESS:$(galera_port "$i" sql)"
	done
}

# galera_port NODE KIND: the port of node NODE (1..3) for KIND sql, gcomm, ist or sst.
galera_port() {
	local offset
	case $2 in
	sql) offset=10 ;;
	gcomm) offset=20 ;;
	ist) offset=30 ;;
	sst) offset=40 ;;
	esac
	echo $((CLUSTER_PORT + offset + $1))
}
cluster_web_port() { echo $((CLUSTER_PORT + $1)); }

# ---------------------------------------------------------------- Galera nodes

# galera_node NODE: makes node NODE the current one: the DB_* variables of scripts/stack-lib.sh
# (db_root, db_password, db_own_dirs work on it) and G_* for what is Galera's own.
galera_node() {
	G_NODE=$1
	G_DIR=$CLUSTER_VAR/db$1
	db_init "$G_DIR"
	DB_SECRET=$CLUSTER_SECRET
	G_CNF=$G_DIR/galera.cnf
	G_GRASTATE=$DB_DATADIR/grastate.dat
}

galera_pid() { pidfile_pid "$DB_PIDFILE" mariadbd "$G_CNF"; }
galera_running() { galera_pid >/dev/null; }

# galera_status NAME: a global status variable of the current node ("" when it does not answer).
galera_status() {
	db_root --connect-timeout=2 --batch --skip-column-names \
		-e "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = '$1'" 2>/dev/null || true
}

# Whether the current node takes writes: what lib/db.c calls healthy (wsrep_ready ON, Synced).
galera_synced() {
	[ "$(galera_status WSREP_LOCAL_STATE)" = 4 ] && [ "$(galera_status WSREP_READY)" = ON ]
}

galera_write_cnf() {
	local peers='' i
	for ((i = 1; i <= CLUSTER_NODES; i++)); do
		peers+="${peers:+,}$CLUSTER_ADDRESS:$(galera_port "$i" gcomm)"
	done
	sed -e "s|@DATADIR@|$DB_DATADIR|g" -e "s|@SOCKET@|$DB_SOCKET|g" -e "s|@PIDFILE@|$DB_PIDFILE|g" \
		-e "s|@LOG@|$DB_LOG|g" -e "s|@FILES@|$DB_FILES|g" -e "s|@ADDRESS@|$CLUSTER_ADDRESS|g" \
		-e "s|@SQL_PORT@|$(galera_port "$G_NODE" sql)|g" -e "s|@PEERS@|$peers|g" \
		-e "s|@NODE_NAME@|db$G_NODE|g" -e "s|@SST_PORT@|$(galera_port "$G_NODE" sst)|g" \
		-e "s|@GCOMM_PORT@|$(galera_port "$G_NODE" gcomm)|g" \
		-e "s|@IST_PORT@|$(galera_port "$G_NODE" ist)|g" \
		"$KINGLET_ROOT/conf/galera.cnf.in" >"$G_CNF.tmp"
	mv "$G_CNF.tmp" "$G_CNF"
	chmod 644 "$G_CNF"
}

# mariadbd's options for the current node: its file, then what only the command line says.
galera_options() {
	G_OPTIONS=("--defaults-file=$G_CNF")
	[ "$(id -u)" -ne 0 ] || G_OPTIONS+=("--user=$DB_OS_USER")
}

# The seqno grastate.dat records (-1 after a crash or a failed start; empty without the file).
galera_saved_seqno() { sed -n 's/^seqno:[[:space:]]*//p' "$G_GRASTATE" 2>/dev/null; }

# galera_recover: prints the current node's last committed position UUID:SEQNO, from
# grastate.dat after a clean stop, else from InnoDB (mariadbd --wsrep-recover), so that it
# rejoins by IST instead of a full state transfer. Nothing for a node without data.
galera_recover() {
	local seqno uuid log=$G_DIR/log/recover.log
	[ -d "$DB_DATADIR/mysql" ] || return 0
	seqno=$(galera_saved_seqno)
	uuid=$(sed -n 's/^uuid:[[:space:]]*//p' "$G_GRASTATE" 2>/dev/null)
	if [ -n "$seqno" ] && [ "$seqno" != -1 ] && [ -n "$uuid" ]; then
		echo "$uuid:$seqno"
		return 0
	fi
	galera_options
	: >"$log"
	[ "$(id -u)" -ne 0 ] || chown "$DB_OS_USER:" "$log"
	mariadbd "${G_OPTIONS[@]}" --wsrep-recover "--log-error=$log" </dev/null >/dev/null 2>&1 || true
	sed -n 's/.*WSREP: Recovered position: *\([0-9a-f-]*:-\{0,1\}[0-9]*\).*/\1/p' "$log" | tail -n 1
}

# galera_start [bootstrap]: starts the current node and waits until it is synced (a joiner:
# until its state transfer is done). bootstrap: it forms a new cluster (--wsrep-new-cluster).
galera_start() {
	local mode=${1:-} pid i pos
	galera_running && return 0
	mkdir -p "$G_DIR/run" "$G_DIR/log" "$DB_DATADIR"
	rm -f "$DB_SOCKET" "$DB_PIDFILE"
	db_own_dirs
	galera_write_cnf
	[ "$(id -u)" -ne 0 ] || chown -R "$DB_OS_USER:" "$DB_DATADIR"
	pos=$(galera_recover)
	galera_options
	[ -z "$pos" ] || G_OPTIONS+=("--wsrep-start-position=$pos")
	if [ "$mode" = bootstrap ]; then
		# The node that bootstraps must be marked safe to (grastate.dat); the caller chose it.
		[ ! -e "$G_GRASTATE" ] || sed -i 's/^safe_to_bootstrap:.*/safe_to_bootstrap: 1/' "$G_GRASTATE"
		G_OPTIONS+=(--wsrep-new-cluster)
	fi
	setsid mariadbd "${G_OPTIONS[@]}" </dev/null >/dev/null 2>&1 &
	pid=$!
	# Not a job of the caller's: a node killed later (the tests do) is not reported by its shell.
	disown "$pid"
	for ((i = 0; i < 1800; i++)); do
		galera_synced && return 0
		if ! proc_matches "$pid" mariadbd && ! galera_running; then
			tail -n 20 "$DB_LOG" >&2 || true
			stack_warn "Galera node $G_NODE did not start, see $DB_LOG"
			return 1
		fi
		sleep 0.1
	done
	stack_warn "Galera node $G_NODE was not synced within 180s, see $DB_LOG"
	return 1
}

# galera_stop: a clean stop of the current node (its grastate.dat keeps its position).
galera_stop() {
	local pid
	if pid=$(galera_pid); then
		proc_stop 120 "$pid"
	fi
	rm -f "$DB_SOCKET" "$DB_PIDFILE"
}

# galera_kill: kill -9 of the current node, as a crash would.
galera_kill() {
	local pid
	pid=$(galera_pid) || return 0
	kill -KILL "$pid"
	while proc_matches "$pid"; do sleep 0.05; done
}

# The node to bootstrap when none runs: the one marked safe_to_bootstrap (the last stopped
# cleanly), else the one with the highest recovered seqno (all were killed), else node 1 (new).
galera_bootstrap_node() {
	local i best=1 best_seqno=-2 pos seqno
	for ((i = 1; i <= CLUSTER_NODES; i++)); do
		galera_node "$i"
		if grep -q '^safe_to_bootstrap: *1' "$G_GRASTATE" 2>/dev/null; then
			echo "$i"
			return 0
		fi
	done
	for ((i = 1; i <= CLUSTER_NODES; i++)); do
		galera_node "$i"
		pos=$(galera_recover)
		seqno=${pos##*:}
		[ -n "$pos" ] || seqno=-2
		if [ "$seqno" -gt "$best_seqno" ]; then
			best=$i best_seqno=$seqno
		fi
	done
	echo "$best"
}

# The accounts and the kinglet database, once, on the running cluster (they replicate). The web
# nodes connect over TCP: the kinglet user at their address; the administrator by unix_socket.
galera_provision() {
	local pw
	pw=$(db_password)
	db_secure
	db_root <<-SQL
		CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$pw';
		ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$pw';
		CREATE USER IF NOT EXISTS '$DB_USER'@'$CLUSTER_ADDRESS' IDENTIFIED BY '$pw';
		ALTER USER '$DB_USER'@'$CLUSTER_ADDRESS' IDENTIFIED BY '$pw';
	SQL
	cluster_provision kinglet
}

# cluster_provision NAME [fresh]: database NAME on the cluster, for the kinglet user at both
# addresses, with the migrations (on the current node; Galera replicates DDL).
cluster_provision() {
	db_provision "$@"
	db_root -e "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE
		ON \`${1//_/\\_}\`.* TO '$DB_USER'@'$CLUSTER_ADDRESS'"
	db_migrate "$1" >/dev/null
}

# Starts whichever Galera nodes are not running: a new cluster (or one whose nodes all stopped)
# is bootstrapped from one node and the others join one at a time (two joining at once took
# several rounds).
galera_start_all() {
	local i first='' running=no
	for ((i = 1; i <= CLUSTER_NODES; i++)); do
		galera_node "$i"
		if galera_running; then
			running=yes
			first=${first:-$i}
		fi
	done
	if [ "$running" = no ]; then
		first=$(galera_bootstrap_node)
		galera_node "$first"
		if [ ! -d "$DB_DATADIR/mysql" ] || [ -e "$DB_DATADIR/.installing" ]; then
			db_server_options
			db_own_dirs
			db_install
		fi
		stack_say "Galera node $first: bootstrapping the cluster"
		galera_start bootstrap || return 1
	fi
	for ((i = 1; i <= CLUSTER_NODES; i++)); do
		galera_node "$i"
		galera_running && continue
		stack_say "Galera node $i: joining"
		galera_start || return 1
	done
	galera_node "$first"
}

# ---------------------------------------------------------------- web nodes and HAProxy

# cluster_web NODE: makes web node NODE the current web server (WEB_* of scripts/stack-lib.sh).
cluster_web() { web_init "$CLUSTER_VAR/web$1" "$(cluster_web_port "$1")" lighttpd; }

# cluster_web_start NODE DBNAME [key=value...]: the node's programs on database DBNAME of every
# Galera node, the shared mail spool, links to HAProxy's address; then lighttpd (restarted if it
# runs: a new configuration).
cluster_web_start() {
	local node=$1 name=$2
	shift 2
	cluster_web "$node"
	mkdir -p "$CLUSTER_MAIL"
	web_write_app_conf "$name" "db.hosts=$CLUSTER_DB_HOSTS" "mail.spool_dir=$CLUSTER_MAIL" \
		"site.public_url=http://$CLUSTER_ADDRESS:$CLUSTER_PORT" "http.trusted_proxies=$CLUSTER_ADDRESS" "$@"
	web_start
}

haproxy_pid() { pidfile_pid "$CLUSTER_HAPROXY_PID" haproxy "$CLUSTER_HAPROXY_CONF"; }

haproxy_write_conf() {
	local servers='' i
	for ((i = 1; i <= CLUSTER_WEBS; i++)); do
		servers+="	server web$i $CLUSTER_ADDRESS:$(cluster_web_port "$i") check"$'\n'
	done
	mkdir -p "$CLUSTER_HAPROXY_DIR"
	chmod 700 "$CLUSTER_HAPROXY_DIR"
	awk -v servers="${servers%$'\n'}" -v dir="$CLUSTER_HAPROXY_DIR" -v addr="$CLUSTER_ADDRESS" \
		-v port="$CLUSTER_PORT" '
		$0 == "@SERVERS@" { print servers; next }
		{ gsub(/@DIR@/, dir); gsub(/@ADDRESS@/, addr); gsub(/@PORT@/, port); print }' \
		"$KINGLET_ROOT/conf/haproxy.cfg.in" >"$CLUSTER_HAPROXY_CONF.tmp"
	mv "$CLUSTER_HAPROXY_CONF.tmp" "$CLUSTER_HAPROXY_CONF"
}

haproxy_start() {
	haproxy_pid >/dev/null && return 0
	haproxy_write_conf
	haproxy -q -c -f "$CLUSTER_HAPROXY_CONF" >/dev/null || {
		haproxy -c -f "$CLUSTER_HAPROXY_CONF" >&2 || true
		return 1
	}
	if port_in_use "$CLUSTER_PORT"; then
		stack_warn "port $CLUSTER_PORT on $CLUSTER_ADDRESS is in use"
		return 2
	fi
	haproxy -D -f "$CLUSTER_HAPROXY_CONF" -p "$CLUSTER_HAPROXY_PID" </dev/null
}

haproxy_stop() {
	local pid
	if pid=$(haproxy_pid); then
		proc_stop 10 "$pid"
	fi
	rm -f "$CLUSTER_HAPROXY_PID"
}

# haproxy_cmd COMMAND: one command on HAProxy's admin socket ("show stat", ...).
haproxy_cmd() { printf '%s\n' "$1" | socat - "UNIX-CONNECT:$CLUSTER_HAPROXY_DIR/admin.sock"; }

# haproxy_status SERVER: HAProxy's view of web node SERVER (web1, web2): UP, DOWN, ...
haproxy_status() {
	haproxy_cmd "show stat" 2>/dev/null | awk -F, -v s="$1" '$1 == "web" && $2 == s { print $18 }'
}

# cluster_wait CONDITION [SECONDS]: runs CONDITION (a command) until it succeeds, 60 s at most.
cluster_wait() {
	local cond=$1 seconds=${2:-60} i
	for ((i = 0; i < seconds * 10; i++)); do
		eval "$cond" && return 0
		sleep 0.1
	done
	return 1
}

# Both web nodes UP in HAProxy's health checks.
cluster_webs_up() {
	local i
	for ((i = 1; i <= CLUSTER_WEBS; i++)); do
		[ "$(haproxy_status "web$i")" = UP ] || return 1
	done
}

# ---------------------------------------------------------------- make cluster-start / cluster-stop

cluster_ports_free() {
	local port
	for port in "$CLUSTER_PORT" $((CLUSTER_PORT + 1)) $((CLUSTER_PORT + 2)) $((CLUSTER_PORT + 11)) \
		$((CLUSTER_PORT + 21)) $((CLUSTER_PORT + 31)) $((CLUSTER_PORT + 41)); do
		if port_in_use "$port"; then
			stack_warn "port $port on $CLUSTER_ADDRESS is in use (the cluster uses PORT to PORT+43)"
			return 1
		fi
	done
}

# cluster_start [key=value...]: the settings go to both web nodes' kinglet.conf (SET).
cluster_start() {
	local i
	if ! command -v haproxy >/dev/null || ! command -v rsync >/dev/null ||
		[ ! -e /usr/lib/galera/libgalera_smm.so ]; then
		stack_die "the cluster needs galera-4, rsync and haproxy (scripts/deps.sh cluster installs them)"
	fi
	galera_node 1
	galera_running || haproxy_pid >/dev/null || cluster_ports_free || return 1
	galera_start_all || return 1
	galera_provision || return 1
	for ((i = 1; i <= CLUSTER_WEBS; i++)); do
		cluster_web_start "$i" kinglet "$@" || return 1
	done
	haproxy_start || return 1
	cluster_wait cluster_webs_up 30 || {
		stack_warn "HAProxy does not see both web nodes up"
		return 1
	}
}

# Stops everything started for CLUSTER_VAR: HAProxy, the web nodes, then the Galera nodes one at a
# time, node 1 last (it is then the one safe to bootstrap the next start from).
cluster_stop() {
	local i
	haproxy_stop
	for ((i = 1; i <= CLUSTER_WEBS; i++)); do
		cluster_web "$i"
		web_stop_all
	done
	for ((i = CLUSTER_NODES; i >= 1; i--)); do
		galera_node "$i"
		galera_stop
	done
}

cluster_status() {
	local i pid
	for ((i = 1; i <= CLUSTER_NODES; i++)); do
		galera_node "$i"
		if pid=$(galera_pid); then
			stack_say "db$i:    running (pid $pid, $CLUSTER_ADDRESS:$(galera_port "$i" sql), wsrep_local_state $(galera_status WSREP_LOCAL_STATE), cluster size $(galera_status WSREP_CLUSTER_SIZE))"
		else
			stack_say "db$i:    stopped ($G_DIR)"
		fi
	done
	for ((i = 1; i <= CLUSTER_WEBS; i++)); do
		cluster_web "$i"
		if pid=$(web_pid); then
			stack_say "web$i:   running (pid $pid, $WEB_URL)"
		else
			stack_say "web$i:   stopped ($WEB_DIR)"
		fi
	done
	if pid=$(haproxy_pid); then
		stack_say "haproxy: running (pid $pid, $CLUSTER_URL; web1 $(haproxy_status web1), web2 $(haproxy_status web2))"
	else
		stack_say "haproxy: stopped"
	fi
}
