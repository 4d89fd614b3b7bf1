/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Log-linear latency histogram: see udp_hist.h. */

#include <math.h>
#include <string.h>

#include "udp_hist.h"

void
udp_hist_init(struct udp_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/*
 * Below 2 * SUB the bucket is the value.  Above, with m the index of the
 * top bit, the value is shifted right by m - SUB_BITS so that its top
 * SUB_BITS + 1 bits remain, a number in [SUB, 2 * SUB); each shift owns
 * SUB consecutive buckets after the exact ones.
 */
unsigned
udp_hist_bucket(uint64_t v)
{
	unsigned shift;

	if (v < 2 * UDP_HIST_SUB)
		return (unsigned)v;
	shift = 63u - (unsigned)__builtin_clzll(v) - UDP_HIST_SUB_BITS;
	return shift * UDP_HIST_SUB + (unsigned)(v >> shift);
}

uint64_t
udp_hist_bucket_low(unsigned b)
{
	unsigned shift;

	if (b < 2 * UDP_HIST_SUB)
		return b;
	shift = b / UDP_HIST_SUB - 1;
	return (uint64_t)(b - shift * UDP_HIST_SUB) << shift;
}

uint64_t
udp_hist_bucket_high(unsigned b)
{
	unsigned shift;

	if (b < 2 * UDP_HIST_SUB)
		return b;
	shift = b / UDP_HIST_SUB - 1;
	return udp_hist_bucket_low(b) + ((uint64_t)1 << shift) - 1;
}

void
udp_hist_record(struct udp_hist *h, uint64_t v)
{
	h->counts[udp_hist_bucket(v)]++;
	h->count++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void
udp_hist_merge(struct udp_hist *to, const struct udp_hist *from)
{
	unsigned i;

	for (i = 0; i < UDP_HIST_BUCKETS; i++)
		to->counts[i] += from->counts[i];
	to->count += from->count;
	if (from->min < to->min)
		to->min = from->min;
	if (from->max > to->max)
		to->max = from->max;
}

uint64_t
udp_hist_percentile(const struct udp_hist *h, double p)
{
	uint64_t rank, seen = 0, v;
	unsigned i;

	if (h->count == 0)
		return 0;
	if (p <= 0)
		return h->min;
	/* The rank-th smallest value, 1-based; ceil so that p99 of 1000
	 * values is the 990th, not the 989th; less a hair so that 99.9 % of
	 * 1000, 999.0000000000001 in binary, stays the 999th. */
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (i = 0; i < UDP_HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank)
			break;
	}
	v = udp_hist_bucket_high(i);
	return v > h->max ? h->max : v < h->min ? h->min : v;
}
