/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Heuristic state under a flood of distinct callers: cost per observed
 * call and memory, which must stay at the configured bound however many
 * callers pass.  Prints the table's own accounting and the process's
 * resident set before and after.
 *
 * usage: bench_heur [CALLERS] [MEMORY_MIB] [SEED]  (default 50000000 64 1)
 */

#include <stdlib.h>

#include <callfence/heur.h>

#include "bench_util.h"

static long
rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

int
main(int argc, char **argv)
{
	uint64_t callers = argc > 1 ? strtoull(argv[1], NULL, 10) : 50000000;
	uint64_t mib = argc > 2 ? strtoull(argv[2], NULL, 10) : 64;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
	const struct cf_numplan *plan = cf_numplan_builtin("86");
	static const enum cf_heur_kind kinds[] = {
		CF_HEUR_RATE, CF_HEUR_DISTINCT, CF_HEUR_SEQUENTIAL,
	};
	size_t k;

	bench_print_machine(stdout);
	if (bench_pin(0) < 0)
		fprintf(stderr, "bench: could not pin to cpu 0\n");
	printf("%-18s %12s %10s %14s %14s %12s %12s\n", "heuristic", "callers",
	       "ns/call", "table MiB", "evicted", "RSS before", "RSS after");
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct cf_heur_params p = {
			.kind = kinds[k], .window_ns = 60ull * 1000000000ull,
			.memory = mib << 20,
		};
		struct cf_heur *h = cf_heur_new(&p);
		uint64_t rng = seed, t0, t1, i, sink = 0;
		long rss0, rss1;
		struct cf_call call;

		if (!h) {
			fprintf(stderr, "bench: cannot create a %s table\n",
				cf_heur_kind_name(kinds[k]));
			return 1;
		}
		rss0 = rss_kib();
		cf_call_reset(&call);
		call.event = CF_EVENT_SETUP;
		/* Caller and callee numbers are written straight into the
		 * record: what is measured is the heuristic, not parsing. */
		call.party[CF_PARTY_CALLER].present = true;
		call.party[CF_PARTY_CALLEE].present = true;
		cf_number_normalise(plan, "13800000000", 11, CF_NAI_UNKNOWN,
				    &call.party[CF_PARTY_CALLER].num);
		cf_number_normalise(plan, "13900000000", 11, CF_NAI_UNKNOWN,
				    &call.party[CF_PARTY_CALLEE].num);
		t0 = bench_now_ns();
		for (i = 0; i < callers; i++) {
			struct cf_number *a = &call.party[CF_PARTY_CALLER].num;
			struct cf_number *b = &call.party[CF_PARTY_CALLEE].num;

			/* Distinct callers: 86 + 11 digits from the counter. */
			a->key = (0x86ull << 56) | ((i * 0x9e3779b97f4a7c15ULL) >> 8 & 0x00ffffffffffff00ULL) | 13;
			b->key = (0x86ull << 56) | ((bench_rand(&rng) >> 8) & 0x00ffffffffffff00ULL) | 13;
			call.rx_ns = i * 1000;	/* 1 M calls/s */
			sink += cf_heur_observe(h, &call);
		}
		t1 = bench_now_ns();
		rss1 = rss_kib();
		printf("%-18s %12llu %10.1f %14.1f %14llu %10ld K %10ld K  (checksum %llu)\n",
		       cf_heur_kind_name(kinds[k]), (unsigned long long)callers,
		       (double)(t1 - t0) / (double)callers,
		       (double)cf_heur_memory(h) / (1 << 20),
		       (unsigned long long)cf_heur_stats(h)->evicted, rss0, rss1,
		       (unsigned long long)sink);
		cf_heur_free(h);
	}
	return 0;
}
