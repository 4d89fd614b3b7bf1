#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Mutation testing: does a test fail when the code is wrong?
#
#   tests/mutation/run.sh [--keep] [--deadline SECONDS] [MUTANT...]
#
# Copies the source tree as it is (tracked and untracked files, not the
# ignored ones: no build directories) to a scratch directory under
# ${TMPDIR:-/tmp}, builds it (a plain build, and an ASan/UBSan build when
# a chosen mutant needs one), runs every chosen mutant's tests on the
# unchanged copy first (they must pass), then for each mutant (all of
# tests/mutation/mutants.py by default): applies its change to the copy,
# rebuilds, runs its tests with a deadline (the failing ones twice: a
# kill is a test that fails both times), prints "killed by TEST..." or
# "SURVIVED", and puts the file back.  The tree it is run from is only
# read.  Exit status: 0 every mutant killed, 1 some survived, 2 the run
# itself failed (a change that no longer applies, a mutant that does not
# build, a baseline test failing).
#
# --keep leaves the scratch directory (its path is printed); --deadline is
# the wall-clock limit of one mutant's test run (default 600 s, ASan
# builds get three times meson's per-test timeouts).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(git -C "$here" rev-parse --show-toplevel)
mutants="$here/mutants.py"
keep=0
deadline=600
want=()
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--deadline) deadline=$2; shift ;;
	-h|--help) sed -n '4,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) want+=("$1") ;;
	esac
	shift
done

# name, build, tests, what; one mutant a line.
declare -A m_build m_tests m_what
names=()
while IFS=$'\t' read -r name build tests what; do
	m_build[$name]=$build
	m_tests[$name]=$tests
	m_what[$name]=$what
	names+=("$name")
done < <(python3 "$mutants" list)
if [ ${#want[@]} -gt 0 ]; then
	for n in "${want[@]}"; do
		[ -n "${m_build[$n]:-}" ] || { echo "run.sh: no mutant $n" >&2; exit 2; }
	done
	names=("${want[@]}")
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/cf-mutation.XXXXXX")
cleanup() {
	if [ "$keep" = 1 ]; then
		echo "run.sh: kept $scratch"
	else
		rm -rf "$scratch"
	fi
}
trap cleanup EXIT
tree=$scratch/src
mkdir -p "$tree" "$scratch/pristine"
t_start=$(date +%s)

# The tree as it is now, uncommitted changes included.  A tracked file
# deleted in the working tree is simply not there.
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
	tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
	tar -xf - -C "$tree"
echo "run.sh: $src copied to $tree"

log() { echo "run.sh: $*"; }

declare -A setup_args=(
	[plain]=""
	[asan]="-Db_sanitize=address,undefined -Db_lundef=false"
)
declare -A timeout_mult=([plain]=1 [asan]=3)
builds=()
for n in "${names[@]}"; do
	b=${m_build[$n]}
	[[ " ${builds[*]:-} " == *" $b "* ]] || builds+=("$b")
done

# Runs meson test in build $1 on the tests $2 (comma-separated, suite:X
# for a suite), logging to $3; returns meson's status (124: deadline).
declare -A registered
run_tests() {
	local b=$1 spec=$2 out=$3 t names=() missing=()
	local dir=$scratch/build-$b
	IFS=, read -r -a specs <<< "$spec"
	for t in "${specs[@]}"; do
		if [[ $t == suite:* ]]; then
			mapfile -t -O "${#names[@]}" names < <(meson test -C "$dir" \
				--no-rebuild --list --suite "${t#suite:}" 2>/dev/null |
				sed -n 's|^.* / ||p')
		elif [[ " ${registered[$b]} " == *" $t "* ]]; then
			names+=("$t")
		else
			missing+=("$t")
		fi
	done
	[ ${#missing[@]} -eq 0 ] ||
		log "  (not registered in this tree:" \
			"$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' '))" >&2
	# Each test once.
	mapfile -t names < <(printf '%s\n' "${names[@]}" | awk '!seen[$0]++')
	local rc=0
	rm -f "$dir/meson-logs/testlog.json"
	env ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		timeout --kill-after=20 "$deadline" \
		meson test -C "$dir" --no-rebuild --print-errorlogs \
		--timeout-multiplier "${timeout_mult[$b]}" "${names[@]}" \
		>"$out" 2>&1 || rc=$?
	return $rc
}

# Runs the tests $2 in build $1 (log $3), then the ones that failed once
# more: a failure counts when it happens again (the daemon tests share two
# cores, and callfenced-reload loses an answer now and then when they do).
# Sets rc (the first run's meson status), first (what failed in it),
# confirmed (failed again) and flaky (passed the second time).
run_checked() {
	local b=$1 spec=$2 out=$3 t again=() bare=()
	local log=$scratch/build-$b/meson-logs/testlog.json
	rc=0
	first=()
	confirmed=()
	flaky=()
	run_tests "$b" "$spec" "$out" || rc=$?
	mapfile -t first < <(python3 "$mutants" failed "$log" 2>/dev/null || true)
	[ ${#first[@]} -gt 0 ] || return 0
	for t in "${first[@]}"; do
		bare+=("${t%%(*}")
	done
	run_tests "$b" "$(IFS=,; echo "${bare[*]}")" "$out.again" || true
	mapfile -t again < <(python3 "$mutants" failed "$log" 2>/dev/null || true)
	for t in "${first[@]}"; do
		if printf '%s\n' "${again[@]%%(*}" | grep -qxF -- "${t%%(*}"; then
			confirmed+=("$t")
		else
			flaky+=("$t")
		fi
	done
}

# The tests of every chosen mutant of build $1.
tests_of_build() {
	local n all=""
	for n in "${names[@]}"; do
		[ "${m_build[$n]}" = "$1" ] && all="$all${all:+,}${m_tests[$n]}"
	done
	echo "$all"
}

for b in "${builds[@]}"; do
	dir=$scratch/build-$b
	log "setting up the $b build"
	# shellcheck disable=SC2086
	if ! meson setup "$dir" "$tree" ${setup_args[$b]} \
		>"$scratch/setup-$b.log" 2>&1 ||
	   ! meson compile -C "$dir" >"$scratch/compile-$b.log" 2>&1; then
		log "the unchanged tree does not build ($b): see $scratch" >&2
		keep=1
		exit 2
	fi
	registered[$b]=$(meson test -C "$dir" --no-rebuild --list 2>/dev/null |
		sed -n 's|^.* / ||p' | tr '\n' ' ')
	log "baseline: the unchanged tree's tests ($b)"
	run_checked "$b" "$(tests_of_build "$b")" "$scratch/baseline-$b.log"
	[ ${#flaky[@]} -eq 0 ] ||
		log "  failed once, then passed: ${flaky[*]}" >&2
	if [ ${#confirmed[@]} -gt 0 ] ||
	   { [ ${#first[@]} -eq 0 ] && [ "$rc" != 0 ]; }; then
		tail -40 "$scratch/baseline-$b.log" >&2
		log "the unchanged tree fails its own tests ($b): no mutant" \
			"can be judged; see $scratch/baseline-$b.log" >&2
		keep=1
		exit 2
	fi
done

results=()
survived=0
errors=0
for n in "${names[@]}"; do
	b=${m_build[$n]}
	dir=$scratch/build-$b
	t0=$(date +%s)
	log "mutant $n ($b): ${m_what[$n]}"
	mapfile -t files < <(python3 "$mutants" files "$n")
	for f in "${files[@]}"; do
		mkdir -p "$scratch/pristine/$(dirname "$f")"
		cp -p "$tree/$f" "$scratch/pristine/$f"
	done
	if ! python3 "$mutants" apply "$n" "$tree"; then
		results+=("$n|$b|ERROR: the change no longer applies|0")
		errors=$((errors + 1))
		continue
	fi
	for f in "${files[@]}"; do
		diff -u "$scratch/pristine/$f" "$tree/$f" || true
	done >"$scratch/$n.diff"
	if ! meson compile -C "$dir" >"$scratch/compile-$n.log" 2>&1; then
		tail -20 "$scratch/compile-$n.log" >&2
		verdict="ERROR: does not build"
		errors=$((errors + 1))
	else
		run_checked "$b" "${m_tests[$n]}" "$scratch/test-$n.log"
		if [ ${#confirmed[@]} -gt 0 ]; then
			verdict="killed by ${confirmed[*]}"
		elif [ ${#first[@]} -eq 0 ] &&
		     { [ "$rc" = 124 ] || [ "$rc" = 137 ]; }; then
			verdict="killed by the deadline (${deadline} s)"
		elif [ ${#first[@]} -eq 0 ] && [ "$rc" != 0 ]; then
			verdict="killed (meson test exit $rc)"
		else
			verdict="SURVIVED"
			survived=$((survived + 1))
		fi
		[ ${#flaky[@]} -eq 0 ] ||
			verdict="$verdict (failed once, then passed: ${flaky[*]})"
	fi
	# Back to the unchanged file (its own content, a new mtime: the next
	# build recompiles it).
	for f in "${files[@]}"; do
		cp "$scratch/pristine/$f" "$tree/$f"
		touch "$tree/$f"
	done
	secs=$(($(date +%s) - t0))
	log "  -> $verdict (${secs} s)"
	results+=("$n|$b|$verdict|$secs")
done

total=$(($(date +%s) - t_start))
echo
echo "| mutant | build | result | s |"
echo "|---|---|---|---|"
for r in "${results[@]}"; do
	IFS='|' read -r n b v s <<< "$r"
	echo "| $n | $b | $v | $s |"
done
echo
echo "${#results[@]} mutants, $survived survived, $errors errors, ${total} s"
[ "$errors" -eq 0 ] || exit 2
[ "$survived" -eq 0 ] || exit 1
exit 0
