#!/usr/bin/env bash
# Runs Kinglet's cluster on loopback (three MariaDB Galera nodes, two lighttpd web nodes, HAProxy on $PORT) under $VAR.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/cluster.sh start|stop|status
  start   start what is not running (a new cluster: bootstrap node 1, then join the others)
  stop    stop everything started for \$VAR (HAProxy, web nodes, Galera nodes, node 1 last)
  status  show what runs
environment: VAR (default var), PORT (8080: HAProxy; the web nodes on PORT+1 and PORT+2, the
  Galera nodes from PORT+11; PORT to PORT+43 are used), SET ("key=value ..." appended to both
  web nodes' kinglet.conf), BUILD (build), KINGLET_PROCS (FastCGI processes per program, default 2)
USAGE
}

# shellcheck source=scripts/cluster-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cluster-lib.sh"

[ $# -eq 1 ] || {
	usage >&2
	exit 2
}
cluster_init "${VAR:-var}" "${PORT:-8080}"
case $1 in
start)
	read -r -a settings <<<"${SET:-}"
	cluster_web 1
	web_check_built
	if ! cluster_start ${settings[@]+"${settings[@]}"}; then
		stack_warn "the cluster did not start; what runs is left running ('make cluster-stop' stops it)"
		exit 1
	fi
	stack_say "Kinglet runs at $CLUSTER_URL (HAProxy; web nodes on ports $(cluster_web_port 1) and $(cluster_web_port 2))"
	stack_say "  database nodes: $CLUSTER_DB_HOSTS"
	stack_say "  logs:       $CLUSTER_VAR/db*/log/, $CLUSTER_VAR/web*/log/"
	stack_say "  mail spool: $CLUSTER_MAIL/"
	stack_say "  stop with:  make cluster-stop VAR=${VAR:-var}"
	;;
stop) cluster_stop ;;
status) cluster_status ;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
