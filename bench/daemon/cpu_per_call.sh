#!/bin/sh
# Server CPU per answered call of callfenced, user and system apart: one
# worker pinned to SERVER_CPU, `callfence-bench udp` closed loop on
# BENCH_CPU, the worker thread's utime/stime from /proc around the run.
# Give several builds to compare them in one run (same machine, same
# minute): the ratios are the figure, the absolute numbers move with load.
#
# usage: cpu_per_call.sh RULES DURATION BUILD_DIR...
#   each BUILD_DIR has tools/callfenced/callfenced and
#   bench/callfence-bench; environment: SERVER_CPU (0), BENCH_CPU (1),
#   PORT (25060)
set -eu

rules=$1
duration=$2
shift 2
server_cpu=${SERVER_CPU:-0}
bench_cpu=${BENCH_CPU:-1}
port=${PORT:-25060}
tick=$(getconf CLK_TCK)

# The worker thread's "utime stime" in clock ticks.
worker_ticks() {
	for t in /proc/"$1"/task/*; do
		if grep -q '^cfd-worker0$' "$t/comm"; then
			# Fields 14 and 15 after the ")" of the name.
			sed 's/.*) //' "$t/stat" | awk '{ print $12, $13 }'
			return
		fi
	done
}

printf '%-40s %10s %10s %10s %10s\n' build answered user_us sys_us total_us
for build in "$@"; do
	"$build/tools/callfenced/callfenced" --rules "$rules" \
		--sip-listen "127.0.0.1:$port" --workers 1 --cpus "$server_cpu" \
		--peer 127.0.0.0/8=national --foreground 2>/dev/null &
	pid=$!
	sleep 1
	set -- $(worker_ticks $pid)
	u0=$1 s0=$2
	answered=$("$build/bench/callfence-bench" udp \
		--target "127.0.0.1:$port" --max --duration "$duration" \
		--cpu "$bench_cpu" --json --no-progress |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["answered"])')
	set -- $(worker_ticks $pid)
	u1=$1 s1=$2
	kill $pid
	wait $pid || true
	awk -v b="$build" -v n="$answered" -v u=$((u1 - u0)) -v s=$((s1 - s0)) \
		-v hz="$tick" 'BEGIN {
		us = 1e6 / hz / n
		printf "%-40s %10d %10.2f %10.2f %10.2f\n", b, n, u * us,
			s * us, (u + s) * us }'
done
