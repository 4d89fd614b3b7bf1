/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * callfence-bench lookup: list look-ups per core.  For each list size
 * (1e3 to --max-size in decades), build a number set from a seeded list
 * of +86 mobile numbers (generated in memory, never written to the
 * repository), write its block to a file and map it back (what a
 * compiled ruleset load does for a list), then time single and batched
 * look-ups on one pinned core, half of them hits: first on the map
 * (4 KiB pages), then on a copy in transparent huge pages
 * (cf_numset_copy()), with the time the copy took.
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

#include "bench.h"
#include "bench_out.h"
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
 * Look-up rates are per CPU second of the thread (bench_thread_cpu_ns()):
 * the machines we share run other builds on the same cores, and
 * wall-clock rates then measure the scheduler (cache and TLB misses
 * still count, they stall the thread on the CPU).  The CPU share is a
 * column of its own.
 */
static uint64_t cpu_total, wall_total;

static const char *const columns[] = {
	"numbers", "build_s", "MiB", "bytes_per_number", "slot_bits",
	"max_probe", "load_s", "single_M_per_s", "batched_M_per_s",
	"single_ns", "batched_ns", "thp_copy_s", "thp_MiB",
	"thp_single_M_per_s", "thp_batched_M_per_s", "thp_single_ns",
	"thp_batched_ns", "cpu_share", "agree",
};

/* Time single and batched look-ups of @q in @set; returns whether the two
 * disagreed on any key. */
static bool
measure(const struct cf_numset *set, const uint64_t *q, int16_t *res,
	size_t lookups, double *single, double *batched)
{
	uint64_t t0, t1, w0 = bench_now_ns();
	size_t i;
	bool bad = false;

	t0 = bench_thread_cpu_ns();
	for (i = 0; i < lookups; i++)
		res[i] = (int16_t)cf_numset_lookup(set, q[i]);
	t1 = bench_thread_cpu_ns();
	cpu_total += t1 - t0;
	*single = (double)lookups / ((double)(t1 - t0) / 1e9) / 1e6;

	t0 = bench_thread_cpu_ns();
	for (i = 0; i < lookups; i += 256) {
		size_t m = lookups - i < 256 ? lookups - i : 256;
		int16_t out[256];
		size_t j;

		cf_numset_lookup_batch(set, q + i, m, out);
		for (j = 0; j < m; j++)
			bad |= out[j] != res[i + j];
	}
	t1 = bench_thread_cpu_ns();
	cpu_total += t1 - t0;
	wall_total += bench_now_ns() - w0;
	*batched = (double)lookups / ((double)(t1 - t0) / 1e9) / 1e6;
	return bad;
}

/* One list size: a row.  Returns 0, or -1 after saying why. */
static int
run(struct bench_table *tab, size_t n, size_t lookups)
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
	uint64_t cpu0 = cpu_total, wall0 = wall_total;
	bool bad;
	void *map;
	int fd;

	if (!keys || !q || !res) {
		fprintf(stderr, "callfence-bench lookup: out of memory\n");
		free(keys);
		free(q);
		free(res);
		return -1;
	}
	bench_progress("lookup: %zu numbers: generating and building", n);
	for (i = 0; i < n; i++)
		keys[i] = mobile_key(&rng);
	t0 = bench_now_ns();
	if (cf_numset_build(keys, NULL, n, NULL, 0, NULL, &set, &st) < 0) {
		fprintf(stderr, "callfence-bench lookup: build failed\n");
		exit(1);
	}
	build_s = (double)(bench_now_ns() - t0) / 1e9;

	blob = cf_numset_blob(set, &size);
	fd = mkstemp(path);
	if (fd < 0 || write(fd, blob, size) != (ssize_t)size) {
		fprintf(stderr, "callfence-bench lookup: cannot write %s\n",
			path);
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
		fprintf(stderr, "callfence-bench lookup: load failed\n");
		exit(1);
	}

	/* Half members in random order, half random numbers. */
	for (i = 0; i < lookups; i++)
		q[i] = (i & 1) ? keys[bench_rand(&rng) % n] : mobile_key(&rng);
	free(keys);

	bench_progress("lookup: %zu numbers: %zu look-ups, mapped then THP",
		       n, lookups);
	bad = measure(mapped, q, res, lookups, &single, &batched);

	thp0 = thp_mib();
	t0 = bench_now_ns();
	copy = cf_numset_copy(mapped);
	copy_s = (double)(bench_now_ns() - t0) / 1e9;
	if (!copy) {
		fprintf(stderr, "callfence-bench lookup: copy failed\n");
		exit(1);
	}
	thp = thp_mib() - thp0;
	munmap(map, size);
	bad |= measure(copy, q, res, lookups, &csingle, &cbatched);

	bench_table_cell(tab, "%zu", n);
	bench_table_cell(tab, "%.3f", build_s);
	bench_table_cell(tab, "%.2f", (double)st.bytes / 1048576.0);
	bench_table_cell(tab, "%.2f", (double)st.bytes / (double)st.entries);
	bench_table_cell(tab, "%u", st.slot_bits);
	bench_table_cell(tab, "%u", st.max_probe);
	bench_table_cell(tab, "%.4f", load_s);
	bench_table_cell(tab, "%.2f", single);
	bench_table_cell(tab, "%.2f", batched);
	bench_table_cell(tab, "%.2f", 1e3 / single);
	bench_table_cell(tab, "%.2f", 1e3 / batched);
	bench_table_cell(tab, "%.4f", copy_s);
	bench_table_cell(tab, "%.0f", thp);
	bench_table_cell(tab, "%.2f", csingle);
	bench_table_cell(tab, "%.2f", cbatched);
	bench_table_cell(tab, "%.2f", 1e3 / csingle);
	bench_table_cell(tab, "%.2f", 1e3 / cbatched);
	bench_table_cell(tab, "%.2f", wall_total > wall0 ?
			 (double)(cpu_total - cpu0) /
			 (double)(wall_total - wall0) : 0.0);
	/* Batched and single look-ups must give the same answers. */
	bench_table_cell(tab, "%s", bad ? "MISMATCH" : "yes");
	cf_numset_free(copy);
	free(q);
	free(res);
	return bad ? -1 : 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: callfence-bench lookup [--max-size N] [--size N] [--lookups N]\n"
		"                              [--cpu N] [--csv FILE]\n"
		"  --max-size N  list sizes 1e3, 1e4, ... up to N (default 1e8:\n"
		"                about 2.5 GB while building and 40 s)\n"
		"  --size N      one list of N numbers only\n"
		"  --lookups N   look-ups per size and kind (default 20000000)\n"
		"  --cpu N       pin to CPU N (default 1)\n"
		"  --csv FILE    write the table as CSV too\n");
}

int
cmd_lookup(int argc, char **argv)
{
	uint64_t max_size = 100000000, size = 0, lookups = 20000000, cpu = 1;
	const char *csv = NULL;
	struct bench_table *tab;
	struct bench_env env;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = 0;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (!v) {
			bad = -1;
		} else if (strcmp(a, "--max-size") == 0) {
			bad = bench_parse_u64(v, 1000, 1000000000, &max_size);
		} else if (strcmp(a, "--size") == 0) {
			bad = bench_parse_u64(v, 1, 1000000000, &size);
		} else if (strcmp(a, "--lookups") == 0) {
			bad = bench_parse_u64(v, 256, 1000000000, &lookups);
		} else if (strcmp(a, "--cpu") == 0) {
			bad = bench_parse_u64(v, 0, CPU_SETSIZE - 1, &cpu);
		} else if (strcmp(a, "--csv") == 0) {
			csv = v;
		} else {
			bad = -1;
		}
		if (bad) {
			fprintf(stderr, "callfence-bench lookup: bad option %s%s%s\n",
				a, v ? " " : "", v ? v : "");
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (bench_pin((int)cpu) < 0)
		fprintf(stderr, "callfence-bench lookup: cannot pin to cpu %d, "
			"running unpinned\n", (int)cpu);
	bench_env_init(&env, argc, argv);
	tab = bench_table_open(&env, csv, columns,
			       sizeof(columns) / sizeof(columns[0]), false);
	if (!tab)
		return 1;
	if (size) {
		rc = run(tab, size, lookups) < 0;
	} else {
		for (size = 1000; size <= max_size && rc == 0; size *= 10)
			rc = run(tab, size, lookups) < 0;
	}
	if (bench_table_close(tab) < 0)
		rc = 1;
	return rc;
}
