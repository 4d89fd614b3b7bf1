#!/bin/sh
# Instructions per answered call of callfenced's worker thread, under
# callgrind (user space only: the kernel's socket path is not counted,
# see cpu_per_call.sh for system time).  One worker, `callfence-bench udp`
# closed loop for CALLS calls; callgrind writes one file per thread and
# the worker's is the one with the most instructions.  Instruction counts
# do not move with the machine's load: builds compare in any run.
#
# usage: instr_per_call.sh RULES CALLS BUILD_DIR...
#   each BUILD_DIR has tools/callfenced/callfenced and
#   bench/callfence-bench; environment: PORT (25070)
set -eu

rules=$1
calls=$2
shift 2
port=${PORT:-25070}

printf '%-40s %10s %14s %12s\n' build answered instructions per_call
for build in "$@"; do
	out=$(mktemp -d)
	valgrind --tool=callgrind --separate-threads=yes \
		--callgrind-out-file="$out/cg.out" \
		"$build/tools/callfenced/callfenced" --rules "$rules" \
		--sip-listen "127.0.0.1:$port" --workers 1 \
		--peer 127.0.0.0/8=national --foreground 2>"$out/err" &
	pid=$!
	# Under valgrind the daemon takes seconds to start.
	i=0
	until grep -q 'ready' "$out/err" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 $pid 2>/dev/null; then
			echo "callfenced did not start:" >&2
			cat "$out/err" >&2
			exit 1
		fi
		sleep 0.1
	done
	answered=$("$build/bench/callfence-bench" udp \
		--target "127.0.0.1:$port" --max --window 64 \
		--calls "$calls" --duration 120 --timeout 5 --json \
		--no-progress | sed 's/.*"answered": *\([0-9]*\).*/\1/')
	kill -TERM $pid
	wait $pid || true
	# "summary: N" (or "totals: N") is the first event count, Ir.
	ir=$(for f in "$out"/cg.out-*; do
		sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$f" |
			head -1
	done | sort -n | tail -1)
	printf '%-40s %10s %14s %12s\n' "$build" "$answered" "$ir" \
		"$(awk -v i="$ir" -v a="$answered" \
			'BEGIN { if (a > 0) printf "%.0f", i / a; else print "-" }')"
	rm -rf "$out"
done
