/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Normalise + pack throughput on one core.
 *
 * Inputs are a seeded mix of the forms a Chinese carrier sees (mobile and
 * fixed numbers written +86, 0086, 0, bare, with separators; foreign
 * numbers; service codes; withheld and malformed callers).  A pool of
 * distinct inputs small enough to stay in cache is cycled: a number being
 * normalised was just read from its packet, so it is in cache in the
 * engine too.
 *
 * usage: bench_normalise [COUNT] [SEED]   (default 10000000 1)
 */

#include <stdlib.h>

#include <callfence/number.h>

#include "bench_util.h"

#define POOL	65536
#define TEXT	24

static char pool[POOL][TEXT];
static uint8_t pool_len[POOL];

static void
digits(char *p, uint64_t *rng, int n)
{
	while (n-- > 0)
		*p++ = (char)('0' + bench_rand(rng) % 10);
}

static void
generate(uint64_t seed)
{
	uint64_t rng = seed;
	size_t i;

	for (i = 0; i < POOL; i++) {
		char *p = pool[i];
		uint64_t pick = bench_rand(&rng) % 100;
		int n = 0;

		if (pick < 30) {		/* +86 1xx xxxx xxxx */
			n = snprintf(p, TEXT, "+861%c", '3' + (int)(bench_rand(&rng) % 7));
			digits(p + n, &rng, 9);
			n += 9;
		} else if (pick < 50) {		/* bare mobile */
			p[0] = '1';
			p[1] = (char)('3' + bench_rand(&rng) % 7);
			digits(p + 2, &rng, 9);
			n = 11;
		} else if (pick < 60) {		/* 0086 mobile */
			memcpy(p, "00861", 5);
			digits(p + 5, &rng, 10);
			n = 15;
		} else if (pick < 70) {		/* 0 + fixed line */
			p[0] = '0';
			p[1] = (char)('2' + bench_rand(&rng) % 8);
			digits(p + 2, &rng, 9);
			n = 11;
		} else if (pick < 78) {		/* separators */
			n = snprintf(p, TEXT, "+86 13%c-%04u-%04u",
				     '0' + (int)(bench_rand(&rng) % 10),
				     (unsigned)(bench_rand(&rng) % 10000),
				     (unsigned)(bench_rand(&rng) % 10000));
		} else if (pick < 88) {		/* foreign */
			static const char *const cc[] = { "+44", "+1", "+63", "+855", "+7" };

			n = snprintf(p, TEXT, "%s", cc[bench_rand(&rng) % 5]);
			digits(p + n, &rng, 10);
			n += 10;
		} else if (pick < 93) {		/* service codes */
			n = snprintf(p, TEXT, "%s", (bench_rand(&rng) & 1) ? "95588" : "110");
		} else if (pick < 96) {		/* withheld */
			n = snprintf(p, TEXT, "anonymous");
		} else {			/* malformed: wrong length */
			n = (int)(4 + bench_rand(&rng) % 4);
			digits(p, &rng, n);
		}
		pool_len[i] = (uint8_t)n;
	}
}

int
main(int argc, char **argv)
{
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	const struct cf_numplan *plan = cf_numplan_builtin("86");
	uint64_t sink = 0, invalid = 0, t0, t1, i;
	struct cf_number num;

	bench_print_machine(stdout);
	if (bench_pin(0) < 0)
		fprintf(stderr, "bench: could not pin to cpu 0, running unpinned\n");
	generate(seed);

	/* Warm-up pass over the pool: page faults and cache misses of the
	 * first touch are not what is being measured. */
	for (i = 0; i < POOL; i++)
		sink ^= cf_number_normalise(plan, pool[i], pool_len[i],
					    CF_NAI_UNKNOWN, &num) ? 0 : num.key;

	t0 = bench_now_ns();
	for (i = 0; i < count; i++) {
		size_t k = i & (POOL - 1);

		if (cf_number_normalise(plan, pool[k], pool_len[k],
					CF_NAI_UNKNOWN, &num) == CF_NUM_OK)
			sink ^= num.key;
		else
			invalid++;
	}
	t1 = bench_now_ns();

	printf("normalise+pack: %llu numbers (%llu invalid) in %.3f s: "
	       "%.1f ns/number, %.1f M numbers/s  (seed %llu, checksum %016llx)\n",
	       (unsigned long long)count, (unsigned long long)invalid,
	       (double)(t1 - t0) / 1e9, (double)(t1 - t0) / (double)count,
	       (double)count * 1e3 / (double)(t1 - t0),
	       (unsigned long long)seed, (unsigned long long)sink);
	return 0;
}
