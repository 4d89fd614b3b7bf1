#!/bin/sh
# Replays the sample capture with the example carrier rules.
# usage: replay.sh CALLFENCE [REPLAY OPTIONS...]
#
# The capture's gateways: 198.51.100.0/24 and point codes 1000-1063 are
# international, 203.0.113.0/24 and 2000-2063 national, 192.0.2.0/24 and
# 3000-3063 local.  Its blacklist, roaming and DNO lists replace the
# example ones.
set -eu
callfence=$1
shift
here=$(dirname "$0")
exec "$callfence" replay --rules "$here/../carrier.rules" \
	--list blacklist="$here/blacklist.txt" \
	--list roaming="$here/roaming.txt" \
	--list dno="$here/dno.txt" \
	--peer 198.51.100.0/24=international --opc 1000-1063=international \
	--peer 203.0.113.0/24=national --opc 2000-2063=national \
	--peer 192.0.2.0/24=local --opc 3000-3063=local \
	"$@" "$here/calls.pcap"
