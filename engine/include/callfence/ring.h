/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Single-producer single-consumer ring of fixed-size elements: how a call
 * decoded on one core reaches the core that owns its caller.
 *
 * Bounded, never blocks, never allocates after creation.  Bursts move as
 * many elements as fit or are there and say how many: the producer counts
 * the rest as drops and applies its overload policy.  The producer and
 * consumer indices live on separate cache lines, each side keeps a cached
 * copy of the other's index, and each burst costs one acquire load and
 * one release store at most.
 *
 * Exactly one thread may enqueue and exactly one may dequeue.
 */
#ifndef CALLFENCE_RING_H
#define CALLFENCE_RING_H

#include <stddef.h>
#include <stdint.h>

struct cf_ring;

/*
 * A ring of @count elements of @elem_size bytes; @count must be a power
 * of two, 2 .. 2^24.  NULL on a bad argument or no memory.
 */
struct cf_ring *cf_ring_new(uint32_t count, size_t elem_size);
void cf_ring_free(struct cf_ring *r);

/* Copy up to @n elements from @elems in; returns how many went in.
 * Producer thread only. */
uint32_t cf_ring_enqueue_burst(struct cf_ring *r, const void *elems,
			       uint32_t n);

/* Copy up to @n elements out into @elems; returns how many came out.
 * Consumer thread only. */
uint32_t cf_ring_dequeue_burst(struct cf_ring *r, void *elems, uint32_t n);

/*
 * Zero-copy bursts, for elements too big to copy twice.
 *
 * Producer: cf_ring_claim(r, k) is the slot of the k-th element (from 0)
 * after those already published, or NULL when the ring has no room for
 * it; the producer writes claimed slots in place, then makes the first
 * @n of them visible at once with cf_ring_publish(r, n): one release
 * store per burst.  Claims not published are simply reused.
 * Consumer: cf_ring_ready(r, max) says how many elements (up to @max)
 * can be read in place with cf_ring_peek(r, k), k < that count; then
 * cf_ring_release(r, n) gives the first @n slots back.
 * Each side from its own thread only, as the copying calls.
 */
void *cf_ring_claim(struct cf_ring *r, uint32_t k);
void cf_ring_publish(struct cf_ring *r, uint32_t n);
uint32_t cf_ring_ready(struct cf_ring *r, uint32_t max);
void *cf_ring_peek(const struct cf_ring *r, uint32_t k);
void cf_ring_release(struct cf_ring *r, uint32_t n);

/* Elements waiting: exact from either side's own thread, a snapshot from
 * any other. */
uint32_t cf_ring_count(const struct cf_ring *r);
uint32_t cf_ring_capacity(const struct cf_ring *r);

#endif /* CALLFENCE_RING_H */
