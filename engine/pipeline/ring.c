/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Single-producer single-consumer ring: see callfence/ring.h. */

#include <stdlib.h>
#include <string.h>

#include <callfence/ring.h>

#define CACHE_LINE	64

/*
 * Indices run freely over uint32_t and are masked on use, so head - tail
 * is the fill level even across wrap-around, and a full ring needs no
 * wasted slot.
 */
struct cf_ring {
	/* Written by the producer only. */
	_Alignas(CACHE_LINE) uint32_t head;
	uint32_t tail_seen;		/* producer's last look at tail */
	/* Written by the consumer only. */
	_Alignas(CACHE_LINE) uint32_t tail;
	uint32_t head_seen;		/* consumer's last look at head */
	/* Read-only after creation. */
	_Alignas(CACHE_LINE) uint32_t mask;
	size_t elem_size;
	unsigned char *slots;
};

struct cf_ring *
cf_ring_new(uint32_t count, size_t elem_size)
{
	struct cf_ring *r;

	if (count < 2 || count > (1u << 24) || (count & (count - 1)) ||
	    elem_size == 0)
		return NULL;
	r = aligned_alloc(CACHE_LINE, sizeof(*r));
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->mask = count - 1;
	r->elem_size = elem_size;
	r->slots = aligned_alloc(CACHE_LINE,
				 (count * elem_size + CACHE_LINE - 1) /
					 CACHE_LINE * CACHE_LINE);
	if (!r->slots) {
		free(r);
		return NULL;
	}
	return r;
}

void
cf_ring_free(struct cf_ring *r)
{
	if (!r)
		return;
	free(r->slots);
	free(r);
}

/* Copy @n elements between the ring at index @at and @flat, in at most
 * two pieces (the ring wraps). */
static void
copy_in(struct cf_ring *r, uint32_t at, const unsigned char *flat, uint32_t n)
{
	uint32_t first = at & r->mask, room = r->mask + 1 - first;
	uint32_t a = n < room ? n : room;

	memcpy(r->slots + (size_t)first * r->elem_size, flat, a * r->elem_size);
	if (a < n)
		memcpy(r->slots, flat + (size_t)a * r->elem_size,
		       (n - a) * r->elem_size);
}

static void
copy_out(const struct cf_ring *r, uint32_t at, unsigned char *flat, uint32_t n)
{
	uint32_t first = at & r->mask, room = r->mask + 1 - first;
	uint32_t a = n < room ? n : room;

	memcpy(flat, r->slots + (size_t)first * r->elem_size, a * r->elem_size);
	if (a < n)
		memcpy(flat + (size_t)a * r->elem_size, r->slots,
		       (n - a) * r->elem_size);
}

uint32_t
cf_ring_enqueue_burst(struct cf_ring *r, const void *elems, uint32_t n)
{
	uint32_t head = r->head, free_slots;

	free_slots = r->mask + 1 - (head - r->tail_seen);
	if (free_slots < n) {
		/* Acquire: the consumer has finished reading the slots it
		 * released before we overwrite them. */
		r->tail_seen = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		free_slots = r->mask + 1 - (head - r->tail_seen);
	}
	if (n > free_slots)
		n = free_slots;
	if (n == 0)
		return 0;
	copy_in(r, head, elems, n);
	/* Release: the elements are written before the consumer sees them. */
	__atomic_store_n(&r->head, head + n, __ATOMIC_RELEASE);
	return n;
}

uint32_t
cf_ring_dequeue_burst(struct cf_ring *r, void *elems, uint32_t n)
{
	uint32_t tail = r->tail, ready;

	ready = r->head_seen - tail;
	if (ready < n) {
		r->head_seen = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		ready = r->head_seen - tail;
	}
	if (n > ready)
		n = ready;
	if (n == 0)
		return 0;
	copy_out(r, tail, elems, n);
	__atomic_store_n(&r->tail, tail + n, __ATOMIC_RELEASE);
	return n;
}

void *
cf_ring_claim(struct cf_ring *r, uint32_t k)
{
	uint32_t at = r->head + k;

	/* Slot @at is free while fewer than mask + 1 precede it. */
	if (at - r->tail_seen > r->mask) {
		r->tail_seen = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		if (at - r->tail_seen > r->mask)
			return NULL;
	}
	return r->slots + (size_t)(at & r->mask) * r->elem_size;
}

void
cf_ring_publish(struct cf_ring *r, uint32_t n)
{
	if (n)
		__atomic_store_n(&r->head, r->head + n, __ATOMIC_RELEASE);
}

uint32_t
cf_ring_ready(struct cf_ring *r, uint32_t max)
{
	uint32_t ready = r->head_seen - r->tail;

	if (ready < max) {
		r->head_seen = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		ready = r->head_seen - r->tail;
	}
	return ready < max ? ready : max;
}

void *
cf_ring_peek(const struct cf_ring *r, uint32_t k)
{
	return r->slots + (size_t)((r->tail + k) & r->mask) * r->elem_size;
}

void
cf_ring_release(struct cf_ring *r, uint32_t n)
{
	if (n)
		__atomic_store_n(&r->tail, r->tail + n, __ATOMIC_RELEASE);
}

uint32_t
cf_ring_count(const struct cf_ring *r)
{
	return __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) -
	       __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
}

uint32_t
cf_ring_capacity(const struct cf_ring *r)
{
	return r->mask + 1;
}
