/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Zipf-distributed ranks 1..n in constant time per sample, by rejection-
 * inversion (W. Hörmann and G. Derflinger, "Rejection-inversion to
 * generate variates from monotone discrete distributions", ACM TOMACS
 * 1996): invert the integral of x^-s, accept the rounded value against
 * the exact probability mass.  No table, so n can be 10 million.
 */
#ifndef CALLFENCE_BENCH_ZIPF_H
#define CALLFENCE_BENCH_ZIPF_H

#include <stdint.h>

struct zipf {
	double s;		/* exponent, > 0 */
	uint64_t n;
	double h_lo;		/* H(1.5) - 1 */
	double h_hi;		/* H(n + 0.5) */
	double squeeze;		/* accept without the exact test below it */
};

void zipf_init(struct zipf *z, uint64_t n, double s);

/* A rank in 1..n, drawing uniform variates from the seeded generator
 * state @rng_state (usually one; a rejection draws again). */
uint64_t zipf_sample(const struct zipf *z, uint64_t *rng_state);

#endif
