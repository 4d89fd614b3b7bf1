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

/* Elements waiting: exact from either side's own thread, a snapshot from
 * any other. */
uint32_t cf_ring_count(const struct cf_ring *r);
uint32_t cf_ring_capacity(const struct cf_ring *r);

#endif /* CALLFENCE_RING_H */
