#!/bin/sh
# Measure Kamailio's stateless redirect (redirect.cfg) with callfence-bench
# udp: the highest answered rate (closed loop), then latency at 80 % of it
# (open loop).  Kamailio's processes are pinned to one CPU, the load
# generator to another.  Prints the two JSON reports.
#
# usage: measure.sh CALLFENCE_BENCH [CHILDREN [DURATION [PORT]]]
#   environment: SERVER_CPU (default 0), BENCH_CPU (default 1), WINDOW (256),
#   MEM (Kamailio's memory manager, default tlsf: Debian builds the default,
#   qm, with memory debugging, and its first-fit search took half of
#   Kamailio's time per call here; tlsf answered 3.5 times as many calls)
set -eu

bench=$1
children=${2:-1}
duration=${3:-10}
port=${4:-5070}
server_cpu=${SERVER_CPU:-0}
bench_cpu=${BENCH_CPU:-1}
window=${WINDOW:-256}
mem=${MEM:-tlsf}
here=$(cd "$(dirname "$0")" && pwd)
run=$(mktemp -d /tmp/callfence-kamailio.XXXXXX)

kamailio -f "$here/redirect.cfg" -A "PORT=$port" -DD -E -n "$children" \
	-x "$mem" -X "$mem" \
	-Y "$run" -P "$run/kamailio.pid" >"$run/log" 2>&1 &
kpid=$!
trap 'kill $kpid 2>/dev/null; wait $kpid 2>/dev/null; rm -rf "$run"' EXIT
sleep 1
# Every process Kamailio forked (main, UDP receivers, timers) on one CPU.
for p in $kpid $(pgrep -P $kpid); do
	taskset -p -c "$server_cpu" "$p" >/dev/null
done

max=$("$bench" udp --target "127.0.0.1:$port" --max --window "$window" \
	--duration "$duration" --cpu "$bench_cpu" --target-pid $kpid --json)
echo "$max"
rate=$(echo "$max" | python3 -c \
	'import json,sys; print(int(json.load(sys.stdin)["answered_per_s"] * 0.8))')
"$bench" udp --target "127.0.0.1:$port" --rate "$rate" \
	--duration "$duration" --cpu "$bench_cpu" --target-pid $kpid --json
