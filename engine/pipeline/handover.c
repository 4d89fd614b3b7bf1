/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hand-over rings between workers (callfence/handover.h).
 *
 * Who writes what: ring[from][to] is produced by worker `from` and
 * consumed by worker `to`; claimed[from][*] is worker `from`'s alone;
 * sleeping[to] is written by worker `to` and read by every producer.
 */

#include <stdlib.h>
#include <string.h>

#include <callfence/handover.h>
#include <callfence/ring.h>

/* A worker's sleeping mark on its own cache line. */
struct sleeper {
	int sleeping;
} __attribute__((aligned(64)));

/* What worker @from claimed this burst, per destination: its own line. */
struct claims {
	uint32_t n[CF_HANDOVER_WORKERS_MAX];
} __attribute__((aligned(64)));

struct cf_handover {
	unsigned int n;
	uint32_t capacity;		/* elements per ring */
	size_t elem_size;
	struct cf_ring **ring;		/* [from * n + to], NULL on the diagonal */
	struct claims *claimed;		/* [from] */
	struct sleeper *sleep;		/* [to] */
};

static struct cf_ring *
ring(const struct cf_handover *h, unsigned int from, unsigned int to)
{
	return h->ring[(size_t)from * h->n + to];
}

struct cf_handover *
cf_handover_new(unsigned int n, uint32_t per_worker, size_t elem_size)
{
	struct cf_handover *h;
	uint32_t cap = 2;
	unsigned int i, j;

	if (n == 0 || n > CF_HANDOVER_WORKERS_MAX || elem_size == 0)
		return NULL;
	/* The largest power of two that keeps the worker's inbound total
	 * within per_worker. */
	while (n > 1 && (uint64_t)cap * 2 * (n - 1) <= per_worker &&
	       cap < (1u << 24))
		cap *= 2;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->n = n;
	h->capacity = cap;
	h->elem_size = elem_size;
	h->ring = calloc((size_t)n * n, sizeof(*h->ring));
	if (posix_memalign((void **)&h->claimed, 64, n * sizeof(*h->claimed)) ||
	    posix_memalign((void **)&h->sleep, 64, n * sizeof(*h->sleep)) ||
	    !h->ring) {
		cf_handover_free(h);
		return NULL;
	}
	memset(h->claimed, 0, n * sizeof(*h->claimed));
	memset(h->sleep, 0, n * sizeof(*h->sleep));
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			if (i == j)
				continue;
			h->ring[(size_t)i * n + j] = cf_ring_new(cap, elem_size);
			if (!h->ring[(size_t)i * n + j]) {
				cf_handover_free(h);
				return NULL;
			}
		}
	return h;
}

void
cf_handover_free(struct cf_handover *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; h->ring && i < (size_t)h->n * h->n; i++)
		cf_ring_free(h->ring[i]);
	free(h->ring);
	free(h->claimed);
	free(h->sleep);
	free(h);
}

size_t
cf_handover_memory(const struct cf_handover *h)
{
	return (size_t)h->n * (h->n - 1) * h->capacity * h->elem_size;
}

uint32_t
cf_handover_ring_capacity(const struct cf_handover *h)
{
	return h->capacity;
}

void *
cf_handover_claim(struct cf_handover *h, unsigned int from, unsigned int to)
{
	uint32_t *k = &h->claimed[from].n[to];
	void *slot = cf_ring_claim(ring(h, from, to), *k);

	if (slot)
		(*k)++;
	return slot;
}

void
cf_handover_unclaim(struct cf_handover *h, unsigned int from, unsigned int to)
{
	/* Claims not published are simply reused by the next claim. */
	if (h->claimed[from].n[to])
		h->claimed[from].n[to]--;
}

uint64_t
cf_handover_flush(struct cf_handover *h, unsigned int from)
{
	uint32_t *k = h->claimed[from].n;
	uint64_t sent = 0, wake = 0;
	unsigned int i;

	for (i = 0; i < h->n; i++) {
		if (!k[i])
			continue;
		/* Release: the elements are written before the owner
		 * sees them. */
		cf_ring_publish(ring(h, from, i), k[i]);
		k[i] = 0;
		sent |= UINT64_C(1) << i;
	}
	if (!sent)
		return 0;
	/* Pairs with the fence in cf_handover_sleep(). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (i = 0; i < h->n; i++)
		if ((sent >> i & 1) &&
		    __atomic_load_n(&h->sleep[i].sleeping, __ATOMIC_RELAXED))
			wake |= UINT64_C(1) << i;
	return wake;
}

unsigned int
cf_handover_drain(struct cf_handover *h, unsigned int to, unsigned int max,
		  void (*fn)(void *ctx, void *elem), void *ctx)
{
	unsigned int i, total = 0;
	uint32_t n, k;

	for (i = 0; i < h->n; i++) {
		struct cf_ring *r;

		if (i == to)
			continue;
		r = ring(h, i, to);
		n = cf_ring_ready(r, max);
		for (k = 0; k < n; k++)
			fn(ctx, cf_ring_peek(r, k));
		/* Every element is handled: the producer may reuse the
		 * slots. */
		cf_ring_release(r, n);
		total += n;
	}
	return total;
}

bool
cf_handover_pending(const struct cf_handover *h, unsigned int to)
{
	unsigned int i;

	for (i = 0; i < h->n; i++)
		if (i != to && cf_ring_count(ring(h, i, to)) > 0)
			return true;
	return false;
}

bool
cf_handover_sleep(struct cf_handover *h, unsigned int to)
{
	__atomic_store_n(&h->sleep[to].sleeping, 1, __ATOMIC_RELAXED);
	/* Pairs with the fence in cf_handover_flush(). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !cf_handover_pending(h, to);
}

void
cf_handover_wake(struct cf_handover *h, unsigned int to)
{
	__atomic_store_n(&h->sleep[to].sleeping, 0, __ATOMIC_RELAXED);
}
