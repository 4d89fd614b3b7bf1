/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hand-over rings (callfence/handover.h): memory that grows with the
 * worker count, not its square; claims published per burst and given
 * back; the sleep/wake protocol losing no element between two threads
 * (under ThreadSanitizer in CI).
 */

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/handover.h>

/* Each worker's inbound room stays per_worker: total memory is linear. */
static void
memory_is_linear(void **state)
{
	struct cf_handover *h2 = cf_handover_new(2, 1024, 100, 0);
	struct cf_handover *h16 = cf_handover_new(16, 1024, 100, 0);
	struct cf_handover *h64 = cf_handover_new(64, 1024, 100, 0);

	assert_int_equal(cf_handover_ring_capacity(h2), 1024);
	assert_int_equal(cf_handover_ring_capacity(h16), 64);
	assert_int_equal(cf_handover_ring_capacity(h64), 16);
	/* n (n - 1) rings of per_worker / (n - 1): n * per_worker. */
	/* Each element carries an 8-byte header. */
	assert_true(cf_handover_memory(h16) <= 16 * 1024 * 112);
	assert_true(cf_handover_memory(h64) <= 64 * 1024 * 112);
	assert_null(cf_handover_new(65, 1024, 100, 0));
	assert_null(cf_handover_new(2, 1024, 0, 0));
	cf_handover_free(h2);
	cf_handover_free(h16);
	cf_handover_free(h64);
}

static void
sum(void *ctx, void *elem)
{
	*(uint64_t *)ctx += *(uint64_t *)elem;
}

static void
claim_flush_drain(void **state)
{
	struct cf_handover *h = cf_handover_new(3, 8, sizeof(uint64_t), 0);
	uint64_t *e, total = 0;
	unsigned int i;

	/* Four slots a ring (8 over two producers). */
	for (i = 0; i < 4; i++) {
		e = cf_handover_claim(h, 0, 2);
		assert_non_null(e);
		*e = i + 1;
	}
	assert_null(cf_handover_claim(h, 0, 2));
	/* The last claim given back is reused. */
	cf_handover_unclaim(h, 0, 2);
	e = cf_handover_claim(h, 0, 2);
	*e = 10;
	/* Nothing is seen before the flush; nobody sleeps. */
	assert_false(cf_handover_pending(h, 2));
	assert_int_equal(cf_handover_flush(h, 0), 0);
	assert_true(cf_handover_pending(h, 2));
	assert_int_equal(cf_handover_drain(h, 2, 64, sum, &total), 4);
	assert_int_equal(total, 1 + 2 + 3 + 10);
	assert_false(cf_handover_pending(h, 2));
	/* A sleeper is named by the flush that hands it something. */
	assert_true(cf_handover_sleep(h, 1));
	e = cf_handover_claim(h, 2, 1);
	*e = 5;
	assert_int_equal(cf_handover_flush(h, 2), UINT64_C(1) << 1);
	cf_handover_wake(h, 1);
	/* With something pending, a worker may not sleep. */
	assert_false(cf_handover_sleep(h, 1));
	cf_handover_wake(h, 1);
	cf_handover_free(h);
}

/* A consumer that sleeps on a flag the producer raises only when the
 * flush says so: every element arrives, no wake-up is lost. */
struct pair {
	struct cf_handover *h;
	int wakeups;			/* producer -> consumer */
	uint64_t got;
};

#define ELEMS	20000

static void *
consumer(void *arg)
{
	struct pair *p = arg;
	uint64_t n = 0;

	while (n < ELEMS) {
		uint64_t before = p->got;

		cf_handover_drain(p->h, 1, 64, sum, &p->got);
		if (p->got != before) {
			n = p->got;	/* each element is worth 1 */
			continue;
		}
		if (cf_handover_sleep(p->h, 1)) {
			/* Wait for a wake-up, as poll() on an eventfd. */
			while (!__atomic_exchange_n(&p->wakeups, 0,
						    __ATOMIC_ACQ_REL))
				;
		}
		cf_handover_wake(p->h, 1);
	}
	return NULL;
}

static void
no_lost_wakeup(void **state)
{
	struct pair p = { .h = cf_handover_new(2, 16, sizeof(uint64_t), 0) };
	pthread_t t;
	unsigned int sent = 0;

	assert_int_equal(pthread_create(&t, NULL, consumer, &p), 0);
	while (sent < ELEMS) {
		uint64_t *e = cf_handover_claim(p.h, 0, 1);

		if (e) {
			*e = 1;
			sent++;
		}
		if (!e || sent % 7 == 0 || sent == ELEMS)
			if (cf_handover_flush(p.h, 0))
				__atomic_store_n(&p.wakeups, 1,
						 __ATOMIC_RELEASE);
	}
	pthread_join(t, NULL);
	assert_int_equal(p.got, ELEMS);
	cf_handover_free(p.h);
}

/* Texts of many lengths through a lane, wrapping around its end many
 * times: each arrives whole with its element, the lane never fills for
 * good, and a text given back with its element is reused. */
struct text_elem {
	uint32_t len;
	uint8_t seed;
	const uint8_t *text;
};

static void
check_text(void *ctx, void *elem)
{
	const struct text_elem *e = elem;
	uint32_t i;

	for (i = 0; i < e->len; i++)
		if (e->text[i] != (uint8_t)(e->seed + i))
			(*(unsigned int *)ctx)++;
}

static void
text_lane(void **state)
{
	struct cf_handover *h = cf_handover_new(2, 64, sizeof(struct text_elem),
						2 * CF_HANDOVER_TEXT_MIN);
	unsigned int bad = 0, sent = 0, round;
	uint32_t len;

	assert_non_null(h);
	/* Half a lane at most. */
	assert_non_null(cf_handover_claim(h, 0, 1));
	assert_null(cf_handover_claim_text(h, 0, 1,
					   CF_HANDOVER_TEXT_MIN + 1));
	cf_handover_unclaim(h, 0, 1);
	for (round = 0; round < 2000; round++) {
		struct text_elem *e = cf_handover_claim(h, 0, 1);
		uint8_t *t;
		uint32_t i;

		len = 1 + (round * 7919) % 9000;
		assert_non_null(e);
		t = cf_handover_claim_text(h, 0, 1, len);
		if (!t) {
			/* Full: give the element back, drain, retry. */
			cf_handover_unclaim(h, 0, 1);
			cf_handover_flush(h, 0);
			cf_handover_drain(h, 1, 64, check_text, &bad);
			round--;
			continue;
		}
		e->len = len;
		e->seed = (uint8_t)round;
		e->text = t;
		for (i = 0; i < len; i++)
			t[i] = (uint8_t)(round + i);
		sent++;
		if (round % 5 == 4) {
			cf_handover_flush(h, 0);
			cf_handover_drain(h, 1, 64, check_text, &bad);
		}
	}
	cf_handover_flush(h, 0);
	cf_handover_drain(h, 1, 64, check_text, &bad);
	assert_int_equal(bad, 0);
	assert_int_equal(sent, 2000);
	assert_false(cf_handover_pending(h, 1));
	cf_handover_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memory_is_linear),
		cmocka_unit_test(claim_flush_drain),
		cmocka_unit_test(no_lost_wakeup),
		cmocka_unit_test(text_lane),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
