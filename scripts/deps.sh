#!/usr/bin/env bash
# Installs the Debian packages Kinglet builds, runs and tests with; a quick no-op when all are there.
set -euo pipefail

# One list; later issues append to it. The web servers: lighttpd (make run), Apache with mod_fcgid
# and nginx with spawn-fcgi (make test runs the integration tests through each of them); acl's
# setfacl lets their www-data search a checkout's mode-700 parent (scripts/stack-lib.sh).
# libssl-dev: libcrypto's headers (SHA-256, HMAC). libfcgi-bin: cgi-fcgi, which the CGI tier
# (tests/integration/t0050-cgi.sh) sends FastCGI requests with.
PACKAGES=(build-essential pkg-config libfcgi-dev libjson-c-dev libmariadb-dev libscrypt-dev libssl-dev
	mariadb-server mariadb-client lighttpd apache2 libapache2-mod-fcgid nginx spawn-fcgi multiwatch
	libfcgi-bin
	libcmocka-dev curl jq clang-format clang-tidy cppcheck shellcheck acl)
# The OpenAPI checks and the /scalar page test (make test): Node.js and npm (make installs the npm
# packages into build/node; their pins run on Debian 12's Node.js 18 and on newer ones) and a headless
# browser. A list of its own because it is large: chromium is about 414 MB installed.
DOC_PACKAGES=(nodejs chromium)
PACKAGES+=("${DOC_PACKAGES[@]}")
# The fuzz targets (make fuzz, and make test's fuzz tier): clang, and compiler-rt for libFuzzer
# and the sanitizers (libclang_rt.fuzzer-x86_64.a; clang only recommends it).
FUZZ_PACKAGES=(clang libclang-rt-dev)
PACKAGES+=("${FUZZ_PACKAGES[@]}")
# kinglet-webhookd (webhookd/): libcurl's multi interface for the deliveries.
WEBHOOK_PACKAGES=(libcurl4-openssl-dev)
PACKAGES+=("${WEBHOOK_PACKAGES[@]}")
# make cluster-start and make test-cluster (issue 20), only when asked for (scripts/deps.sh cluster):
# Galera for Debian's MariaDB, rsync for its state transfers, HAProxy in front of the web nodes.
CLUSTER_PACKAGES=(galera-4 rsync haproxy)
[ "${1:-}" != cluster ] || PACKAGES+=("${CLUSTER_PACKAGES[@]}")
POLICY=/usr/sbin/policy-rc.d

missing_packages() {
	# dpkg-query prints nothing for unknown packages and exits 1: both mean "missing".
	local installed
	installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${PACKAGES[@]}" 2>/dev/null |
		awk '$1 == "ii" { print $2 }' || true)
	local p
	for p in "${PACKAGES[@]}"; do
		grep -qx -- "$p" <<<"$installed" || printf '%s\n' "$p"
	done
	# Debian's nodejs comes without npm (NodeSource's has it built in).
	command -v npm >/dev/null || printf 'npm\n'
}

have_package_lists() {
	compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}

# A package's postinst must not start a system MariaDB or web server (ours are private, under
# $VAR): deny every service start with policy-rc.d for the time of the install, then put back
# whatever was there.
deny_service_starts() {
	if [ -e "$POLICY" ]; then
		mv "$POLICY" "$POLICY.kinglet-saved"
	fi
	printf '#!/bin/sh\n# temporary, from Kinglet scripts/deps.sh: no service starts during install\nexit 101\n' >"$POLICY"
	chmod 755 "$POLICY"
	trap restore_policy EXIT
}

restore_policy() {
	rm -f "$POLICY"
	if [ -e "$POLICY.kinglet-saved" ]; then
		mv "$POLICY.kinglet-saved" "$POLICY"
	fi
}

apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

main() {
	local missing
	missing=$(missing_packages | tr '\n' ' ')
	missing=${missing% }
	[ -n "$missing" ] || exit 0

	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing Debian packages: $missing" >&2
		echo "deps.sh: install them as root with:" >&2
		echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing" >&2
		exit 1
	fi

	echo "deps.sh: installing $missing"
	deny_service_starts
	local updated=no
	if ! have_package_lists; then
		apt-get update
		updated=yes
	fi
	# shellcheck disable=SC2086 # one word per package
	if ! apt_install $missing; then
		[ "$updated" = no ] || exit 1
		apt-get update
		apt_install $missing
	fi
	# On systemd a freshly installed unit is still enabled for the next boot: disable the ones
	# this run installed (never the Debian init scripts' stop: it kills every mariadbd).
	if [ -d /run/systemd/system ]; then
		local pkg_unit
		for pkg_unit in mariadb-server:mariadb lighttpd:lighttpd apache2:apache2 nginx:nginx; do
			case " $missing " in
			*" ${pkg_unit%%:*} "*) systemctl disable --now "${pkg_unit#*:}" >/dev/null 2>&1 || true ;;
			esac
		done
	fi

	missing=$(missing_packages | tr '\n' ' ')
	if [ -n "${missing% }" ]; then
		echo "deps.sh: still missing after install: $missing" >&2
		exit 1
	fi
}

main "$@"
