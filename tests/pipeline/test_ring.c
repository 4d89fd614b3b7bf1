/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SPSC ring: bounds, wrap-around, partial bursts, and two threads
 * moving millions of elements with none lost, duplicated or reordered. */

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/ring.h>

static void
bad_sizes_are_refused(void **state)
{
	assert_null(cf_ring_new(0, 8));
	assert_null(cf_ring_new(1, 8));
	assert_null(cf_ring_new(3, 8));
	assert_null(cf_ring_new(1u << 25, 8));
	assert_null(cf_ring_new(16, 0));
}

static void
fills_exactly_to_capacity_then_drops(void **state)
{
	struct cf_ring *r = cf_ring_new(8, sizeof(uint64_t));
	uint64_t in[12], out[12];
	int i;

	for (i = 0; i < 12; i++)
		in[i] = 100 + (uint64_t)i;
	/* 12 offered, 8 fit: the producer learns that 4 did not. */
	assert_int_equal(cf_ring_enqueue_burst(r, in, 12), 8);
	assert_int_equal(cf_ring_count(r), 8);
	assert_int_equal(cf_ring_enqueue_burst(r, in, 1), 0);
	assert_int_equal(cf_ring_dequeue_burst(r, out, 3), 3);
	assert_int_equal(out[0], 100);
	assert_int_equal(out[2], 102);
	/* Wrap: three free slots now, at the start of the array. */
	assert_int_equal(cf_ring_enqueue_burst(r, in + 8, 4), 3);
	assert_int_equal(cf_ring_dequeue_burst(r, out, 12), 8);
	for (i = 0; i < 5; i++)
		assert_int_equal(out[i], 103 + (uint64_t)i);
	for (i = 0; i < 3; i++)
		assert_int_equal(out[5 + i], 108 + (uint64_t)i);
	assert_int_equal(cf_ring_dequeue_burst(r, out, 1), 0);
	assert_int_equal(cf_ring_count(r), 0);
	cf_ring_free(r);
}

/* Zero-copy bursts: claims beyond the room fail, unpublished claims are
 * invisible, peeks see published elements in order across the wrap. */
static void
claim_publish_peek_release(void **state)
{
	struct cf_ring *r = cf_ring_new(4, sizeof(uint64_t));
	uint64_t *p;
	uint32_t k;

	for (k = 0; k < 4; k++) {
		p = cf_ring_claim(r, k);
		assert_non_null(p);
		*p = 10 + k;
	}
	assert_null(cf_ring_claim(r, 4));
	assert_int_equal(cf_ring_ready(r, 8), 0);
	cf_ring_publish(r, 3);
	assert_int_equal(cf_ring_ready(r, 8), 3);
	assert_int_equal(cf_ring_ready(r, 2), 2);
	assert_int_equal(*(uint64_t *)cf_ring_peek(r, 0), 10);
	assert_int_equal(*(uint64_t *)cf_ring_peek(r, 2), 12);
	cf_ring_release(r, 2);
	/* One slot still claimable before the wrap, two after it. */
	for (k = 0; k < 3; k++) {
		p = cf_ring_claim(r, k);
		assert_non_null(p);
		*p = 20 + k;
	}
	assert_null(cf_ring_claim(r, 3));
	cf_ring_publish(r, 3);
	assert_int_equal(cf_ring_ready(r, 8), 4);
	assert_int_equal(*(uint64_t *)cf_ring_peek(r, 0), 12);
	for (k = 1; k < 4; k++)
		assert_int_equal(*(uint64_t *)cf_ring_peek(r, k), 19 + k);
	cf_ring_release(r, 4);
	assert_int_equal(cf_ring_count(r), 0);
	cf_ring_free(r);
}

/* Elements bigger than a word, as call records are. */
struct record {
	uint64_t seq;
	char payload[120];
};

struct run {
	struct cf_ring *r;
	uint64_t total;
	uint64_t bad;
};

static void *
producer(void *arg)
{
	struct run *run = arg;
	struct record batch[32];
	uint64_t next = 0;

	while (next < run->total) {
		uint32_t n = 0, sent;

		while (n < 32 && next + n < run->total) {
			batch[n].seq = next + n;
			memset(batch[n].payload, (int)((next + n) & 0xff),
			       sizeof(batch[n].payload));
			n++;
		}
		sent = cf_ring_enqueue_burst(run->r, batch, n);
		next += sent;	/* the rest are offered again */
	}
	return NULL;
}

static void
two_threads_lose_nothing(void **state)
{
	struct run run = { .r = cf_ring_new(256, sizeof(struct record)),
			   .total = 500000 };
	struct record batch[64];
	uint64_t expect = 0;
	pthread_t t;

	assert_non_null(run.r);
	assert_int_equal(pthread_create(&t, NULL, producer, &run), 0);
	while (expect < run.total) {
		uint32_t i, n = cf_ring_dequeue_burst(run.r, batch, 64);

		for (i = 0; i < n; i++) {
			if (batch[i].seq != expect ||
			    batch[i].payload[119] != (char)(expect & 0xff))
				run.bad++;
			expect++;
		}
	}
	pthread_join(t, NULL);
	assert_int_equal(run.bad, 0);
	assert_int_equal(cf_ring_count(run.r), 0);
	cf_ring_free(run.r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_sizes_are_refused),
		cmocka_unit_test(fills_exactly_to_capacity_then_drops),
		cmocka_unit_test(claim_publish_peek_release),
		cmocka_unit_test(two_threads_lose_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
