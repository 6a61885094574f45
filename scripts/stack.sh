#!/usr/bin/env bash
# Runs a private Kinglet stack (MariaDB + lighttpd, Apache or nginx + the FastCGI programs) under $VAR on 127.0.0.1:$PORT.
set -euo pipefail

usage() {
	cat <<USAGE
usage: scripts/stack.sh run|start|stop|status
  run     start in the foreground; Ctrl-C stops everything
  start   start in the background (restarts the web server if it runs)
  stop    stop everything started for \$VAR
  status  show what runs
environment: VAR (default var), PORT (8080), SERVER (lighttpd, apache or nginx; default
  lighttpd), SET ("key=value ..." appended to kinglet.conf), BUILD (build), KINGLET_PROCS
  (FastCGI processes per program, default 2)
USAGE
}

# shellcheck source=scripts/stack-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/stack-lib.sh"

[ $# -eq 1 ] || {
	usage >&2
	exit 2
}
stack_init
case $1 in
run) stack_run ;;
start) stack_start ;;
stop) stack_stop ;;
status) stack_status ;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
