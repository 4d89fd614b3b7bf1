/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A latency histogram in fixed memory, log-linear as HdrHistogram lays it
 * out: values below 2 * UDP_HIST_SUB are counted exactly, above that each
 * power of two is cut into UDP_HIST_SUB equal buckets, so a recorded value
 * is known to within 1 / UDP_HIST_SUB (0.8 %) whatever its size.  Recording
 * is a count-leading-zeros and an increment: cheap enough for every call.
 *
 * Not thread-safe: one histogram per thread, merge on read.
 */
#ifndef CALLFENCE_BENCH_UDP_HIST_H
#define CALLFENCE_BENCH_UDP_HIST_H

#include <stdint.h>

#define UDP_HIST_SUB_BITS	7
#define UDP_HIST_SUB		(1u << UDP_HIST_SUB_BITS)
/* Shifts 0 .. 64 - SUB_BITS - 1, each SUB buckets, plus the exact half. */
#define UDP_HIST_BUCKETS	((64 - UDP_HIST_SUB_BITS) * UDP_HIST_SUB + UDP_HIST_SUB)

struct udp_hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	uint64_t counts[UDP_HIST_BUCKETS];
};

void udp_hist_init(struct udp_hist *h);
void udp_hist_record(struct udp_hist *h, uint64_t v);

/* Add @from's counts into @to. */
void udp_hist_merge(struct udp_hist *to, const struct udp_hist *from);

/*
 * The value at percentile @p (0 .. 100): the smallest recorded value v
 * such that at least p % of the values are <= v, given as the highest
 * value its bucket holds (never above the largest value recorded).
 * 0 when nothing was recorded.
 */
uint64_t udp_hist_percentile(const struct udp_hist *h, double p);

/* Bucket of @v and the range of values a bucket holds (for tests). */
unsigned udp_hist_bucket(uint64_t v);
uint64_t udp_hist_bucket_low(unsigned b);
uint64_t udp_hist_bucket_high(unsigned b);

#endif
