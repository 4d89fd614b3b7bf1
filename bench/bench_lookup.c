/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * List look-up benchmark: for each list size, build a number set from a
 * seeded list of +86 mobile numbers (generated in memory, never written
 * to the repository), write its block to a file and map it back (what a
 * compiled ruleset load does for a list), then time single and batched
 * look-ups on one pinned core, half of them hits: first on the map
 * (4 KiB pages), then on a copy in transparent huge pages
 * (cf_numset_copy()), with the time the copy took.
 *
 *   bench_lookup [--1e8] [--size N] [LOOKUPS]
 *
 * --size N runs one list size only (e.g. under callgrind, whose
 * instruction counts per look-up are the stable measure on a shared
 * machine: --toggle-collect=cf_numset_lookup_batch).
 */

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <callfence/numkey.h>
#include <callfence/numset.h>

#include "bench_util.h"

/* A +86 mobile number 1[3-9]x xxxx xxxx, as a key. */
static uint64_t
mobile_key(uint64_t *rng)
{
	char d[14] = "861";
	uint64_t r = bench_rand(rng);
	int i;

	d[3] = (char)('3' + r % 7);
	r /= 7;
	for (i = 4; i < 13; i++) {
		d[i] = (char)('0' + r % 10);
		r /= 10;
	}
	return cf_numkey_pack(d, 13);
}

/* Huge pages backing anonymous memory of this process, in MiB. */
static double
thp_mib(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	double kib = 0;

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "AnonHugePages:", 14) == 0)
			kib = strtod(line + 14, NULL);
	if (f)
		fclose(f);
	return kib / 1024;
}

/*
 * CPU time of this thread in ns.  Look-up rates are per CPU second: the
 * machines we share run other builds on the same cores, and wall-clock
 * rates then measure the scheduler (cache and TLB misses still count,
 * they stall the thread on the CPU).  main() prints the CPU share.
 */
static uint64_t
cpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_total, wall_total;

/* Time single and batched look-ups of @q in @set; returns whether the two
 * disagreed on any key. */
static bool
measure(const struct cf_numset *set, const uint64_t *q, int16_t *res,
	size_t lookups, double *single, double *batched)
{
	uint64_t t0, t1, w0 = bench_now_ns();
	size_t i;
	bool bad = false;

	t0 = cpu_now_ns();
	for (i = 0; i < lookups; i++)
		res[i] = (int16_t)cf_numset_lookup(set, q[i]);
	t1 = cpu_now_ns();
	cpu_total += t1 - t0;
	*single = (double)lookups / ((double)(t1 - t0) / 1e9) / 1e6;

	t0 = cpu_now_ns();
	for (i = 0; i < lookups; i += 256) {
		size_t m = lookups - i < 256 ? lookups - i : 256;
		int16_t out[256];
		size_t j;

		cf_numset_lookup_batch(set, q + i, m, out);
		for (j = 0; j < m; j++)
			bad |= out[j] != res[i + j];
	}
	t1 = cpu_now_ns();
	cpu_total += t1 - t0;
	wall_total += bench_now_ns() - w0;
	*batched = (double)lookups / ((double)(t1 - t0) / 1e9) / 1e6;
	return bad;
}

static void
run(size_t n, size_t lookups)
{
	uint64_t rng = 0x5eed0000 + n, t0;
	uint64_t *keys = malloc(n * sizeof(*keys));
	uint64_t *q = malloc(lookups * sizeof(*q));
	int16_t *res = malloc(lookups * sizeof(*res));
	struct cf_numset_stats st;
	struct cf_numset *set, *copy;
	const struct cf_numset *mapped;
	const char *why;
	char path[] = "/tmp/bench-lookup-XXXXXX";
	const void *blob;
	size_t size, i;
	double build_s, load_s, copy_s, single, batched, csingle, cbatched;
	double thp0, thp;
	bool bad;
	void *map;
	int fd;

	for (i = 0; i < n; i++)
		keys[i] = mobile_key(&rng);
	t0 = bench_now_ns();
	if (cf_numset_build(keys, NULL, n, NULL, 0, NULL, &set, &st) < 0) {
		fprintf(stderr, "build failed\n");
		exit(1);
	}
	build_s = (double)(bench_now_ns() - t0) / 1e9;

	blob = cf_numset_blob(set, &size);
	fd = mkstemp(path);
	if (fd < 0 || write(fd, blob, size) != (ssize_t)size) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
	cf_numset_free(set);
	/* Load = map + header check; pages come in as look-ups touch them
	 * (the ruleset loader's checksum pass touches them all). */
	t0 = bench_now_ns();
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	mapped = map == MAP_FAILED ? NULL : cf_numset_from_blob(map, size, &why);
	load_s = (double)(bench_now_ns() - t0) / 1e9;
	close(fd);
	unlink(path);
	if (!mapped) {
		fprintf(stderr, "load failed\n");
		exit(1);
	}

	/* Half members in random order, half random numbers. */
	for (i = 0; i < lookups; i++)
		q[i] = (i & 1) ? keys[bench_rand(&rng) % n] : mobile_key(&rng);
	free(keys);

	bad = measure(mapped, q, res, lookups, &single, &batched);

	thp0 = thp_mib();
	t0 = bench_now_ns();
	copy = cf_numset_copy(mapped);
	copy_s = (double)(bench_now_ns() - t0) / 1e9;
	if (!copy) {
		fprintf(stderr, "copy failed\n");
		exit(1);
	}
	thp = thp_mib() - thp0;
	munmap(map, size);
	bad |= measure(copy, q, res, lookups, &csingle, &cbatched);

	printf("| %9zu | %7.3f | %8.1f | %5.2f | %3u | %5u | %7.4f | %6.1f | %6.1f "
	       "| %7.4f | %5.0f | %6.1f | %6.1f |%s\n",
	       n, build_s, (double)st.bytes / 1048576.0,
	       (double)st.bytes / (double)st.entries, st.slot_bits,
	       st.max_probe, load_s, single, batched, copy_s, thp, csingle,
	       cbatched, bad ? " MISMATCH" : "");
	cf_numset_free(copy);
	free(q);
	free(res);
}

int
main(int argc, char **argv)
{
	size_t sizes[] = { 1000, 100000, 10000000, 100000000 };
	size_t nsizes = 3, lookups = 20000000, i;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--1e8") == 0) {
			nsizes = 4;
		} else if (strcmp(argv[a], "--size") == 0 && a + 1 < argc) {
			sizes[0] = strtoull(argv[++a], NULL, 10);
			nsizes = 1;
		} else {
			lookups = strtoull(argv[a], NULL, 10);
		}
	}
	bench_pin(1);
	bench_print_machine(stdout);
	printf("look-ups per size: %zu (half hits), batches of 256, one core; "
	       "M/s per CPU second of the thread\n\n", lookups);
	printf("| numbers | build s | size MiB | B/number | slot bits | max probe "
	       "| load s (mmap) | single M/s | batched M/s "
	       "| THP copy s | THP MiB | single M/s (THP) | batched M/s (THP) |\n"
	       "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < nsizes; i++)
		run(sizes[i], lookups);
	printf("\nCPU share while timing look-ups: %.0f%% (wall-clock rates "
	       "are that much lower)\n",
	       wall_total ? 100.0 * (double)cpu_total / (double)wall_total : 0);
	return 0;
}
