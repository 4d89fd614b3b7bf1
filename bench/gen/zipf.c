/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Zipf ranks by rejection-inversion: see zipf.h. */

#include <math.h>

#include "../bench_util.h"
#include "zipf.h"

/* The integral of x^-s from 1 to x, shifted so H(1) = 0. */
static double
big_h(const struct zipf *z, double x)
{
	double lx = log(x);

	if (fabs(1.0 - z->s) < 1e-9)
		return lx;
	return expm1((1.0 - z->s) * lx) / (1.0 - z->s);
}

static double
big_h_inv(const struct zipf *z, double y)
{
	if (fabs(1.0 - z->s) < 1e-9)
		return exp(y);
	return exp(log1p(y * (1.0 - z->s)) / (1.0 - z->s));
}

/* The probability mass of rank x, unnormalised. */
static double
small_h(const struct zipf *z, double x)
{
	return exp(-z->s * log(x));
}

void
zipf_init(struct zipf *z, uint64_t n, double s)
{
	z->s = s;
	z->n = n;
	z->h_lo = big_h(z, 1.5) - 1.0;
	z->h_hi = big_h(z, (double)n + 0.5);
	z->squeeze = 2.0 - big_h_inv(z, big_h(z, 2.5) - small_h(z, 2.0));
}

uint64_t
zipf_sample(const struct zipf *z, uint64_t *rng)
{
	for (;;) {
		double u01 = (double)(bench_rand(rng) >> 11) * 0x1.0p-53;
		double u = z->h_hi + u01 * (z->h_lo - z->h_hi);
		double x = big_h_inv(z, u);
		double k = floor(x + 0.5);

		if (k < 1.0)
			k = 1.0;
		else if (k > (double)z->n)
			k = (double)z->n;
		/* Inside the squeeze the rounded value is always right; else
		 * compare with the exact mass of k. */
		if (k - x <= z->squeeze ||
		    u >= big_h(z, k + 0.5) - small_h(z, k))
			return (uint64_t)k;
	}
}
