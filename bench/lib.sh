# Shell functions and settings that bench/run (make bench) and bench/cluster (make bench-cluster) share: the load's settings, the data sets, wrk.
# shellcheck shell=bash
# Sourced after scripts/stack-lib.sh; the caller defines DATA (the data sets' files) and REUSE.
# shellcheck disable=SC2034 # the variables set here are the interface for the sourcing scripts

WARMUP=${BENCH_WARMUP:-2}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
# scrypt at Kinglet's default cost, written into kinglet.conf so that the login user's hash and
# the raw rate use the same parameters as the programs.
SCRYPT_LOG2_N=15 SCRYPT_R=8 SCRYPT_P=3
PASSWORD='bench password 1'
declare -A SIZE_N=([10k]=10000 [1m]=1000000 [10m]=10000000)
BENCH_BIN=$(stack_abspath "$BUILD")/bench
CLK_TCK=$(getconf CLK_TCK)
WRK_PID=''

say() { printf 'bench: %s\n' "$*" >&2; }

# wrk, installed (the Debian package) when missing.
bench_need_wrk() {
	if ! command -v wrk >/dev/null; then
		[ "$(id -u)" -eq 0 ] || stack_die "wrk is not installed: apt-get install wrk (as root)"
		say "installing wrk (Debian package)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null ||
			{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; } ||
			stack_die "could not install wrk"
	fi
}

# ---------------------------------------------------------------- data

declare -A GEN_SECONDS=() DS_MESSAGES=() DS_INBOX=() DS_BENCH_INBOX=()
LOGIN_HASH=''

# The data set of SIZE in database bench_SIZE (bench/gen-data.sh), and what the requests need:
# ids visible to bench, threads bench is in, the 100-reply thread, the since epoch.
load_data() {
	local size=$1 n=${SIZE_N[$1]} db=bench_$1 dir=$DATA/$1 start
	mkdir -p "$dir"
	if [ -n "$REUSE" ] && [ -s "$dir/ready" ] &&
		[ "$(db_root -N "$db" -e 'SELECT COUNT(*) FROM users WHERE user_id = 2' 2>/dev/null)" = 1 ]; then
		say "$size: reusing database $db"
		db_migrate "$db" >/dev/null # the migrations added since it was loaded
		GEN_SECONDS[$size]=$(cat "$dir/ready")
	else
		[ -n "$LOGIN_HASH" ] ||
			LOGIN_HASH=$("$BENCH_BIN/scrypt_rate" hash "$PASSWORD" "$SCRYPT_LOG2_N" "$SCRYPT_R" "$SCRYPT_P")
		say "$size: loading $n messages into $db"
		rm -f "$dir/ready"
		db_provision "$db" fresh
		db_migrate "$db" >/dev/null
		start=$(date +%s.%N)
		local gen=(bench/gen-data.sh) args=("$n" "$LOGIN_HASH" "$LOGIN_HASH") p1 p2 rc=0
		"${gen[@]}" prepare "${args[@]}" | db_root "$db" >"$dir/gen.log"
		# Two sessions side by side: the messages; thread_members and inbox.
		"${gen[@]}" messages "${args[@]}" | db_root "$db" >>"$dir/gen.log" &
		p1=$!
		"${gen[@]}" members "${args[@]}" | db_root "$db" >>"$dir/gen.log" &
		p2=$!
		wait "$p1" || rc=$?
		wait "$p2" || rc=$?
		[ "$rc" -eq 0 ] || stack_die "loading $db failed"
		"${gen[@]}" finish "${args[@]}" | db_root "$db" >>"$dir/gen.log"
		GEN_SECONDS[$size]=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
		say "$size: loaded in ${GEN_SECONDS[$size]} s"
	fi
	# No webhooks an earlier run left (--reuse): a backlog would deliver during the runs.
	db_root "$db" -e "DELETE FROM webhook_deliveries; DELETE FROM webhook_events; DELETE FROM webhooks"
	# Before any benchmark writes: what the requests read.
	db_root -N "$db" >"$dir/ids" -e \
		'SELECT message_id FROM inbox WHERE user_id = 2 ORDER BY RAND() LIMIT 1000'
	db_root -N "$db" >"$dir/threads" -e "SELECT thread_id FROM thread_members tm JOIN messages m
		ON m.message_id = tm.thread_id WHERE tm.user_id = 2 AND m.reply_count < 100
		ORDER BY RAND() LIMIT 1000"
	db_root -N "$db" >"$dir/facts" -e "
		SELECT message_id FROM messages WHERE author_id = 2 AND parent_id = 0 AND reply_count = 100
			ORDER BY message_id LIMIT 1;
		SELECT UNIX_TIMESTAMP(m.created_at) FROM inbox i JOIN messages m ON m.message_id = i.message_id
			WHERE i.user_id = 2 AND i.author_id <> 2 ORDER BY i.message_id DESC LIMIT 1 OFFSET 100;
		SELECT COUNT(*) - 2 FROM users;
		SELECT COUNT(*) FROM messages;
		SELECT COUNT(*) FROM inbox;
		SELECT COUNT(*) FROM inbox WHERE user_id = 2"
	mapfile -t facts <"$dir/facts"
	[ "${#facts[@]}" -eq 6 ] || stack_die "$db: the data set is not as bench/gen-data.sh makes it"
	DS_MESSAGES[$size]=${facts[3]} DS_INBOX[$size]=${facts[4]} DS_BENCH_INBOX[$size]=${facts[5]}
	echo "${GEN_SECONDS[$size]}" >"$dir/ready"
}

# The request environment of wrk.lua for SIZE's data set; logs in as bench (one scrypt).
use_data() {
	local size=$1 dir=$DATA/$1 token
	mapfile -t facts <"$dir/facts"
	token=$(curl -s "http://127.0.0.1:$WEB_PORT/api/v1/users/login" -H 'Content-Type: application/json' \
		-d "{\"user_name\":\"bench\",\"password\":\"$PASSWORD\"}" | jq -r '.session_id // empty')
	[ -n "$token" ] || stack_die "could not log in as bench on bench_$size"
	export BENCH_TOKEN=$token BENCH_IDS=$dir/ids BENCH_THREADS=$dir/threads
	export BENCH_THREAD=${facts[0]} BENCH_EPOCH=${facts[1]} BENCH_USERS=${facts[2]}
	export BENCH_PASSWORD=$PASSWORD
}

# ---------------------------------------------------------------- measuring

# "processes interrupts idle" ticks of the whole machine: user, nice, system and steal; irq and
# softirq (where the kernel handles most loopback TCP, charged to no process); idle and iowait.
machine_ticks() {
	local -a f
	read -r -a f </proc/stat
	echo "$((f[1] + f[2] + f[3] + f[8])) $((f[6] + f[7])) $((f[4] + f[5]))"
}

# wrk_run KIND SECONDS OUT [extra env...]: wrk with wrk.lua; its summary line and its own CPU time
# (the times builtin of the shell that ran it) go to OUT.
wrk_run() {
	local kind=$1 seconds=$2 out=$3
	shift 3
	# shellcheck disable=SC2016 # expanded by the inner shell
	env BENCH_KIND="$kind" "$@" bash -c 'wrk "$@" >"$0"; rc=$?; times >"$0.times"; exit $rc' "$out" \
		"-t$THREADS" "-c$CONNECTIONS" "-d${seconds}s" --timeout 30s -s bench/wrk.lua \
		"http://127.0.0.1:$WEB_PORT" &
	WRK_PID=$!
	wait "$WRK_PID" || {
		WRK_PID=''
		return 1
	}
	WRK_PID=''
}

# Seconds of CPU in the second line of the times builtin ("0m1.234s 0m0.567s": children).
times_seconds() {
	sed -n 2p "$1" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); n += p[1] * 60 + p[2] } printf "%.2f", n }'
}
