#!/bin/sh
# Installs every Debian 12 package callfence needs to build, test and
# benchmark: compilers, meson, the libraries it links and the real protocol
# peers its integration tests drive.  Idempotent and non-interactive; run as
# root (or through sudo).  Nothing else may be installed by hand.
set -eu

# What each is for: the toolchain and meson; the libraries libcallfence
# links (osmocore, Hyperscan, liburcu, libpcap) and cmocka; clang and its
# sanitizer runtime for the fuzz targets; tshark, the independent decoder
# of the differential tests; valgrind for instruction counts; gnuplot-nox
# for the benchmark report's plots; libmicrohttpd for callfenced's
# /metrics; SIPp, Kamailio and promtool (prometheus) as the real peers of
# the daemon's integration tests and benchmarks; sngrep as the
# independent HEP decoder of the HEP tests (tshark 4.0 has none).
packages="
	build-essential meson ninja-build pkg-config
	libosmocore-dev libhyperscan-dev liburcu-dev libcmocka-dev libpcap-dev
	clang libclang-rt-14-dev
	tshark valgrind python3 gnuplot-nox
	libmicrohttpd-dev
	sip-tester kamailio prometheus sngrep
"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "setup: all packages present"
	exit 0
fi

as_root=""
[ "$(id -u)" -eq 0 ] || as_root="sudo"

echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -q
# shellcheck disable=SC2086
$as_root apt-get install -y -q --no-install-recommends $missing
