/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hand-over rings between workers (callfence/handover.h).
 *
 * Who writes what: ring[from][to] is produced by worker `from` and
 * consumed by worker `to`; claimed[from][*] is worker `from`'s alone;
 * sleeping[to] is written by worker `to` and read by every producer.
 *
 * Each element is stored behind a small header that says how many bytes
 * of its ring's text lane it holds.  A lane is a byte ring whose
 * positions run freely over uint32_t: the producer reserves bytes after
 * those of the elements before (skipping to the start when a text would
 * not fit before the end: the skipped bytes count as the element's), the
 * consumer gives an element's bytes back with its slot.  Elements are
 * consumed in the order they were claimed, so one tail per lane does.
 * The text is written before the element is published (the ring's
 * release store) and read before it is given back (the lane's).
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

/* Before each element: its text lane bytes. */
struct elem_hdr {
	uint32_t text;
	uint32_t pad;
};

/* One ring's text lane. */
struct lane {
	/* Producer only: bytes published, and claimed this burst. */
	_Alignas(64) uint32_t head;
	uint32_t pending;
	uint32_t tail_seen;
	/* Consumer only (release stores), read by the producer. */
	_Alignas(64) uint32_t tail;
	/* Read-only after creation. */
	_Alignas(64) uint32_t size;	/* a power of two, or 0 */
	unsigned char *buf;
};

struct cf_handover {
	unsigned int n;
	uint32_t capacity;		/* elements per ring */
	size_t elem_size;		/* the caller's */
	struct cf_ring **ring;		/* [from * n + to], NULL on the diagonal */
	struct lane *lane;		/* [from * n + to] */
	struct claims *claimed;		/* [from] */
	struct sleeper *sleep;		/* [to] */
};

static struct cf_ring *
ring(const struct cf_handover *h, unsigned int from, unsigned int to)
{
	return h->ring[(size_t)from * h->n + to];
}

static struct lane *
lane(const struct cf_handover *h, unsigned int from, unsigned int to)
{
	return &h->lane[(size_t)from * h->n + to];
}

struct cf_handover *
cf_handover_new(unsigned int n, uint32_t per_worker, size_t elem_size,
		size_t text_per_worker)
{
	struct cf_handover *h;
	uint32_t cap = 2, text = 0;
	unsigned int i, j;

	if (n == 0 || n > CF_HANDOVER_WORKERS_MAX || elem_size == 0)
		return NULL;
	if (text_per_worker) {
		text = CF_HANDOVER_TEXT_MIN;
		while (n > 1 && (uint64_t)text * 2 * (n - 1) <= text_per_worker &&
		       text < (1u << 30))
			text *= 2;
	}
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
	    posix_memalign((void **)&h->lane, 64,
			   (size_t)n * n * sizeof(*h->lane)) ||
	    !h->ring) {
		cf_handover_free(h);
		return NULL;
	}
	memset(h->lane, 0, (size_t)n * n * sizeof(*h->lane));
	memset(h->claimed, 0, n * sizeof(*h->claimed));
	memset(h->sleep, 0, n * sizeof(*h->sleep));
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			if (i == j)
				continue;
			/* The header keeps the element 8-byte aligned. */
			h->ring[(size_t)i * n + j] = cf_ring_new(cap,
				sizeof(struct elem_hdr) + (elem_size + 7) / 8 * 8);
			lane(h, i, j)->size = text;
			lane(h, i, j)->buf = text ? malloc(text) : NULL;
			if (!h->ring[(size_t)i * n + j] ||
			    (text && !lane(h, i, j)->buf)) {
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
	for (i = 0; h->lane && i < (size_t)h->n * h->n; i++)
		free(h->lane[i].buf);
	free(h->lane);
	free(h->ring);
	free(h->claimed);
	free(h->sleep);
	free(h);
}

size_t
cf_handover_memory(const struct cf_handover *h)
{
	size_t elem = sizeof(struct elem_hdr) + (h->elem_size + 7) / 8 * 8;

	return (size_t)h->n * (h->n - 1) *
	       (h->capacity * elem + (h->n > 1 ? h->lane[1].size : 0));
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
	struct elem_hdr *hdr = cf_ring_claim(ring(h, from, to), *k);

	if (!hdr)
		return NULL;
	(*k)++;
	hdr->text = 0;
	return hdr + 1;
}

void *
cf_handover_claim_text(struct cf_handover *h, unsigned int from,
		       unsigned int to, size_t len)
{
	struct lane *l = lane(h, from, to);
	uint32_t k = h->claimed[from].n[to], pos, off, need;
	struct elem_hdr *hdr;

	if (!k || len > l->size / 2)
		return NULL;
	hdr = cf_ring_claim(ring(h, from, to), k - 1);
	pos = l->head + l->pending;
	off = pos & (l->size - 1);
	/* Contiguous: what would cross the end starts at the beginning,
	 * the bytes skipped are this element's too. */
	need = (uint32_t)len + (off + len > l->size ? l->size - off : 0);
	if (pos + need - l->tail_seen > l->size) {
		l->tail_seen = __atomic_load_n(&l->tail, __ATOMIC_ACQUIRE);
		if (pos + need - l->tail_seen > l->size)
			return NULL;
	}
	hdr->text += need;
	l->pending += need;
	return l->buf + (need > len ? 0 : off);
}

void
cf_handover_unclaim(struct cf_handover *h, unsigned int from, unsigned int to)
{
	uint32_t *k = &h->claimed[from].n[to];
	struct elem_hdr *hdr;

	/* Claims not published are simply reused by the next claim; the
	 * element's text goes back with it. */
	if (!*k)
		return;
	hdr = cf_ring_claim(ring(h, from, to), *k - 1);
	lane(h, from, to)->pending -= hdr->text;
	(*k)--;
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
		/* Release: the elements and their text are written
		 * before the owner sees them. */
		cf_ring_publish(ring(h, from, i), k[i]);
		lane(h, from, i)->head += lane(h, from, i)->pending;
		lane(h, from, i)->pending = 0;
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
		uint32_t text = 0;

		if (i == to)
			continue;
		r = ring(h, i, to);
		n = cf_ring_ready(r, max);
		for (k = 0; k < n; k++) {
			struct elem_hdr *hdr = cf_ring_peek(r, k);

			fn(ctx, hdr + 1);
			text += hdr->text;
		}
		/* Every element is handled: the producer may reuse the
		 * slots and the text. */
		if (text)
			__atomic_store_n(&lane(h, i, to)->tail,
					 lane(h, i, to)->tail + text,
					 __ATOMIC_RELEASE);
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
