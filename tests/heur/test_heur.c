/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Heuristic state: each measure at, just below and just above a threshold,
 * window expiry, eviction under memory pressure, key rotation.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/heur.h>

#define S	1000000000ull
#define MEM	(256 * 1024)

static struct cf_call *
call_at(const char *caller, const char *callee, uint64_t t, enum cf_event ev,
	uint16_t cic)
{
	static struct cf_call c;
	const struct cf_numplan *cn = cf_numplan_builtin("86");

	cf_call_reset(&c);
	c.rx_ns = t;
	c.event = (uint8_t)ev;
	c.proto = CF_PROTO_ISUP;
	cf_call_set_isup_ref(&c, 100, 200, cic);
	if (caller)
		cf_call_set_party(&c, CF_PARTY_CALLER, cn, caller,
				  strlen(caller), CF_NAI_UNKNOWN);
	if (callee)
		cf_call_set_party(&c, CF_PARTY_CALLEE, cn, callee,
				  strlen(callee), CF_NAI_UNKNOWN);
	return &c;
}

static struct cf_call *
setup(const char *caller, const char *callee, uint64_t t)
{
	return call_at(caller, callee, t, CF_EVENT_SETUP, 1);
}

static struct cf_heur *
make(enum cf_heur_kind kind, uint64_t window)
{
	struct cf_heur_params p = {
		.kind = kind, .window_ns = window, .memory = MEM,
		.range_digits = 9, .short_ns = 5 * S, .max_call_ns = 3600 * S,
	};
	struct cf_heur *h = cf_heur_new(&p);

	assert_non_null(h);
	return h;
}

static void
rate_at_below_and_above_threshold(void **state)
{
	struct cf_heur *h = make(CF_HEUR_RATE, 10 * S);
	uint32_t m = 0;
	int i;

	/* Five calls in 4 s: the measure is the count, exactly. */
	for (i = 0; i < 4; i++)
		m = cf_heur_observe(h, setup("13800000001", "13900000000", (uint64_t)i * S));
	assert_int_equal(m, 4);		/* below a threshold of 5 */
	m = cf_heur_observe(h, setup("13800000001", "13900000000", 4 * S));
	assert_int_equal(m, 5);		/* at it: "more than 5" is false */
	m = cf_heur_observe(h, setup("13800000001", "13900000000", 4 * S + 1));
	assert_int_equal(m, 6);		/* above */
	/* Another caller is counted apart. */
	assert_int_equal(cf_heur_observe(h, setup("13800000002", "13900000000", 5 * S)), 1);
	cf_heur_free(h);
}

static void
rate_window_slides_and_expires(void **state)
{
	struct cf_heur *h = make(CF_HEUR_RATE, 10 * S);
	int i;

	for (i = 0; i < 10; i++)
		cf_heur_observe(h, setup("13800000001", NULL, (uint64_t)i * S));
	/* 15 s after the start: the 10 calls are in the previous sub-window,
	 * half of which is still inside the last 10 s. */
	assert_int_equal(cf_heur_peek(h, setup("13800000001", NULL, 15 * S)), 5);
	/* 20 s: the previous sub-window has slid out entirely. */
	assert_int_equal(cf_heur_peek(h, setup("13800000001", NULL, 20 * S)), 0);
	/* 25 s: a new call starts again from one. */
	assert_int_equal(cf_heur_observe(h, setup("13800000001", NULL, 25 * S)), 1);
	cf_heur_free(h);
}

/* A steady rate is measured as rate * window, however long it lasts. */
static void
rate_steady_is_exact(void **state)
{
	struct cf_heur *h = make(CF_HEUR_RATE, 60 * S);
	uint32_t m = 0;
	int i;

	for (i = 0; i < 600; i++)	/* one call a second for 10 min */
		m = cf_heur_observe(h, setup("13800000001", NULL, (uint64_t)i * S));
	assert_in_range(m, 59, 61);
	cf_heur_free(h);
}

/* A key idle for two windows or more counts on as if it had been evicted
 * and made again: how full the table was (which depends on the worker
 * count) must not change a measure. */
static void
idle_key_counts_as_a_fresh_one(void **state)
{
	enum cf_heur_kind kinds[] = { CF_HEUR_RATE, CF_HEUR_DISTINCT };
	char callee[16];
	unsigned int k;
	int i;

	for (k = 0; k < 2; k++) {
		struct cf_heur *h = make(kinds[k], 10 * S);

		/* A's entry is made at 0 and then sleeps 25 s. */
		cf_heur_observe(h, setup("13800000001", "13700000000", 0));
		for (i = 0; i < 10; i++) {
			uint64_t t = 25 * S + S / 3 + (uint64_t)i * S;

			snprintf(callee, sizeof(callee), "1370000%04d", i);
			cf_heur_observe(h, setup("13800000001", callee, t));
			cf_heur_observe(h, setup("13800000002", callee, t));
		}
		assert_int_equal(
			cf_heur_peek(h, setup("13800000001", "13900000000", 36 * S)),
			cf_heur_peek(h, setup("13800000002", "13900000000", 36 * S)));
		cf_heur_free(h);
	}
}

static void
distinct_counts_callees_not_calls(void **state)
{
	struct cf_heur *h = make(CF_HEUR_DISTINCT, 60 * S);
	char callee[16];
	uint32_t m = 0;
	int i;

	for (i = 0; i < 50; i++)
		m = cf_heur_observe(h, setup("13800000001", "13912345678", (uint64_t)i * S / 10));
	assert_int_equal(m, 1);
	for (i = 0; i < 100; i++) {
		snprintf(callee, sizeof(callee), "1370000%04d", i * 37);
		m = cf_heur_observe(h, setup("13800000002", callee, (uint64_t)i * S / 10));
	}
	/* Linear counting: within 15% of 100 for any fixed seed. */
	assert_in_range(m, 85, 115);
	cf_heur_free(h);
}

static void
distinct_threshold_edges(void **state)
{
	struct cf_heur *h = make(CF_HEUR_DISTINCT, 60 * S);
	char callee[16];
	uint32_t m[12];
	int i;

	for (i = 0; i < 12; i++) {
		snprintf(callee, sizeof(callee), "1371111%04d", i * 101);
		m[i] = cf_heur_observe(h, setup("13800000003", callee, (uint64_t)i * S));
	}
	/* Small counts are exact unless two callees share a bit. */
	assert_int_equal(m[8], 9);
	assert_int_equal(m[9], 10);
	assert_int_equal(m[10], 11);
	cf_heur_free(h);
}

static void
sequential_runs(void **state)
{
	struct cf_heur *h = make(CF_HEUR_SEQUENTIAL, 0);
	char callee[16];
	uint32_t m = 0;
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(callee, sizeof(callee), "139000000%02d", 10 + i);
		m = cf_heur_observe(h, setup("13800000001", callee, (uint64_t)i * S));
	}
	assert_int_equal(m, 10);
	/* A redial of the last number keeps the run. */
	assert_int_equal(cf_heur_observe(h, setup("13800000001", "13900000019", 11 * S)), 10);
	/* A number out of sequence starts a new run. */
	assert_int_equal(cf_heur_observe(h, setup("13800000001", "13900000050", 12 * S)), 1);
	/* Descending works too. */
	assert_int_equal(cf_heur_observe(h, setup("13800000001", "13900000049", 13 * S)), 2);
	assert_int_equal(cf_heur_observe(h, setup("13800000001", "13900000048", 14 * S)), 3);
	/* Direction changes break it. */
	assert_int_equal(cf_heur_observe(h, setup("13800000001", "13900000049", 15 * S)), 1);
	cf_heur_free(h);
}

static void
sequential_window_bounds_the_gap(void **state)
{
	struct cf_heur *h = make(CF_HEUR_SEQUENTIAL, 10 * S);

	assert_int_equal(cf_heur_observe(h, setup("13800000001", "13900000001", 0)), 1);
	assert_int_equal(cf_heur_observe(h, setup("13800000001", "13900000002", 10 * S)), 2);
	assert_int_equal(cf_heur_observe(h, setup("13800000001", "13900000003", 21 * S)), 1);
	cf_heur_free(h);
}

static void
range_sweep_counts_one_block(void **state)
{
	struct cf_heur *h = make(CF_HEUR_RANGE, 60 * S);
	char callee[16];
	uint32_t m = 0;
	int i;

	/* Nine-digit blocks: 8613912345xxxx... */
	for (i = 0; i < 20; i++) {
		snprintf(callee, sizeof(callee), "139123456%02d", i * 3);
		m = cf_heur_observe(h, setup("13800000001", callee, (uint64_t)i * S));
	}
	assert_int_equal(m, 20);
	/* Another block of the same caller is counted apart. */
	assert_int_equal(cf_heur_observe(h, setup("13800000001", "13799999999", 21 * S)), 1);
	cf_heur_free(h);
}

static void
short_calls_count_unanswered_quick_releases(void **state)
{
	struct cf_heur *h = make(CF_HEUR_SHORT_CALLS, 60 * S);

	/* One ring and cut: set-up, release 2 s later, unanswered. */
	assert_int_equal(cf_heur_observe(h, call_at("13800000001", "13900000001", 0, CF_EVENT_SETUP, 1)), 0);
	cf_heur_observe(h, call_at(NULL, NULL, 2 * S, CF_EVENT_RELEASE, 1));
	/* Answered, then released quickly: not wangiri. */
	cf_heur_observe(h, call_at("13800000001", "13900000002", 3 * S, CF_EVENT_SETUP, 2));
	cf_heur_observe(h, call_at(NULL, NULL, 4 * S, CF_EVENT_ANSWER, 2));
	cf_heur_observe(h, call_at(NULL, NULL, 5 * S, CF_EVENT_RELEASE, 2));
	/* Unanswered but rang for 20 s: not short. */
	cf_heur_observe(h, call_at("13800000001", "13900000003", 6 * S, CF_EVENT_SETUP, 3));
	cf_heur_observe(h, call_at(NULL, NULL, 26 * S, CF_EVENT_RELEASE, 3));
	/* The next set-up sees one short call. */
	assert_int_equal(cf_heur_observe(h, call_at("13800000001", "13900000004", 27 * S, CF_EVENT_SETUP, 4)), 1);
	/* A release for a call never seen is counted, not an error. */
	cf_heur_observe(h, call_at(NULL, NULL, 28 * S, CF_EVENT_RELEASE, 99));
	assert_int_equal(cf_heur_stats(h)->unmatched, 1);
	cf_heur_free(h);
}

static void
concurrent_calls_rise_fall_and_never_leak(void **state)
{
	struct cf_heur *h = make(CF_HEUR_CONCURRENT, 0);
	struct cf_call *rel;
	uint16_t cic;

	for (cic = 1; cic <= 3; cic++)
		assert_int_equal(cf_heur_observe(h, call_at("13800000001", "13900000001",
							    cic * S, CF_EVENT_SETUP, cic)), cic);
	/* A retransmitted set-up is not a new call. */
	assert_int_equal(cf_heur_observe(h, call_at("13800000001", "13900000001",
						    4 * S, CF_EVENT_SETUP, 3)), 3);
	/* The REL comes from the called side: OPC and DPC swapped. */
	rel = call_at(NULL, NULL, 5 * S, CF_EVENT_RELEASE, 2);
	cf_call_set_isup_ref(rel, 200, 100, 2);
	cf_heur_observe(h, rel);
	assert_int_equal(cf_heur_peek(h, call_at("13800000001", NULL, 6 * S, CF_EVENT_SETUP, 9)), 2);
	/* Releases never seen: the sweep forgets calls older than the
	 * maximum duration (1 h here), giving their counts back. */
	cf_heur_expire(h, 3600 * S + 2 * S, 1u << 20);
	assert_int_equal(cf_heur_peek(h, call_at("13800000001", NULL, 3602 * S, CF_EVENT_SETUP, 9)), 1);
	cf_heur_expire(h, 3600 * S + 4 * S, 1u << 20);
	assert_int_equal(cf_heur_peek(h, call_at("13800000001", NULL, 3604 * S, CF_EVENT_SETUP, 9)), 0);
	assert_int_equal(cf_heur_stats(h)->expired, 2);
	cf_heur_free(h);
}

static void
eviction_keeps_memory_fixed(void **state)
{
	struct cf_heur_params p = {
		.kind = CF_HEUR_RATE, .window_ns = 60 * S, .memory = 64 * 1024,
	};
	struct cf_heur *h = cf_heur_new(&p);
	size_t before = cf_heur_memory(h);
	const struct cf_heur_stats *st = cf_heur_stats(h);
	char caller[16];
	int i;

	assert_true(before <= p.memory + 4096);
	for (i = 0; i < 100000; i++) {
		snprintf(caller, sizeof(caller), "138%08d", i);
		cf_heur_observe(h, setup(caller, NULL, (uint64_t)i * 1000));
	}
	assert_int_equal(cf_heur_memory(h), before);
	assert_int_equal(st->inserted + st->evicted, 100000);
	assert_true(st->evicted > 90000);
	/* The most recent caller keeps its state; the first was evicted. */
	assert_int_equal(cf_heur_peek(h, setup("13800099999", NULL, 100 * S / 1000)), 1);
	assert_int_equal(cf_heur_peek(h, setup("13800000000", NULL, 100 * S / 1000)), 0);
	cf_heur_free(h);
}

/* A gang rotating through a number block is one key when keyed on the
 * block's prefix, and many small ones when keyed on the number. */
static void
prefix_keys_catch_rotating_callers(void **state)
{
	struct cf_heur_params p = {
		.kind = CF_HEUR_RATE, .window_ns = 60 * S, .memory = MEM,
		.key_digits = 11,	/* 86 + 9 digits: a block of 100 */
	};
	struct cf_heur *by_block = cf_heur_new(&p);
	struct cf_heur *by_number = make(CF_HEUR_RATE, 60 * S);
	char caller[16];
	uint32_t a = 0, b = 0;
	int i;

	for (i = 0; i < 40; i++) {
		snprintf(caller, sizeof(caller), "138123456%02d", i);
		a = cf_heur_observe(by_block, setup(caller, "13900000000", (uint64_t)i * S));
		b = cf_heur_observe(by_number, setup(caller, "13900000000", (uint64_t)i * S));
	}
	assert_int_equal(a, 40);
	assert_int_equal(b, 1);
	cf_heur_free(by_block);
	cf_heur_free(by_number);
}

static void
neighbour_spoofing(void **state)
{
	assert_true(cf_heur_neighbour(setup("13812345678", "13812345000", 0), 9));
	assert_false(cf_heur_neighbour(setup("13812345678", "13812345000", 0), 12));
	/* Caller equal to callee is another condition, not a neighbour. */
	assert_false(cf_heur_neighbour(setup("13812345678", "13812345678", 0), 9));
	assert_false(cf_heur_neighbour(setup("anonymous", "13812345678", 0), 2));
}

static void
no_caller_number_changes_nothing(void **state)
{
	struct cf_heur *h = make(CF_HEUR_RATE, 10 * S);

	assert_int_equal(cf_heur_observe(h, setup("anonymous", "13900000000", 0)), 0);
	assert_int_equal(cf_heur_stats(h)->inserted, 0);
	cf_heur_free(h);
}

static void
bad_parameters_are_refused(void **state)
{
	static const struct cf_heur_params bad[] = {
		{ .kind = CF_HEUR_RATE, .window_ns = S / 2, .memory = MEM },
		{ .kind = CF_HEUR_RATE, .window_ns = 25 * 3600 * S, .memory = MEM },
		{ .kind = CF_HEUR_RATE, .window_ns = S, .memory = 100 },
		{ .kind = CF_HEUR_RANGE, .window_ns = S, .memory = MEM },
		{ .kind = CF_HEUR_SHORT_CALLS, .window_ns = S, .memory = MEM, .max_call_ns = S },
		{ .kind = CF_HEUR_CONCURRENT, .memory = MEM },
		{ .kind = CF_HEUR_RATE, .window_ns = S, .memory = MEM, .key_digits = 16 },
		{ .kind = CF_HEUR__COUNT, .window_ns = S, .memory = MEM },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_non_null(cf_heur_params_check(&bad[i]));
		assert_null(cf_heur_new(&bad[i]));
	}
	assert_string_equal(cf_heur_kind_name(CF_HEUR_DISTINCT), "distinct-callees");
}

/* Inbound flood: distinct callers of one callee (or callee block). */
static void
distinct_callers_key_on_the_callee(void **state)
{
	struct cf_heur *h = make(CF_HEUR_DISTINCT_CALLERS, 60 * S);
	char caller[16];
	uint32_t m = 0;
	int i;

	/* One caller calling 20 times is one caller. */
	for (i = 0; i < 20; i++)
		m = cf_heur_observe(h, setup("13800000001", "95588", (uint64_t)i));
	assert_int_equal(m, 1);
	for (i = 0; i < 30; i++) {
		snprintf(caller, sizeof(caller), "1370%07d", i * 7919);
		m = cf_heur_observe(h, setup(caller, "95588", S));
	}
	assert_true(m >= 28 && m <= 34);	/* 31 distinct, +-10% */
	assert_int_equal(cf_heur_peek(h, setup("13900000000", "95588", S)), m);
	/* Another callee is counted apart; no callee, nothing. */
	assert_int_equal(cf_heur_observe(h, setup("13800000001", "95533", S)), 1);
	assert_int_equal(cf_heur_observe(h, setup("13800000001", NULL, S)), 0);
	cf_heur_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rate_at_below_and_above_threshold),
		cmocka_unit_test(rate_window_slides_and_expires),
		cmocka_unit_test(rate_steady_is_exact),
		cmocka_unit_test(idle_key_counts_as_a_fresh_one),
		cmocka_unit_test(distinct_counts_callees_not_calls),
		cmocka_unit_test(distinct_threshold_edges),
		cmocka_unit_test(sequential_runs),
		cmocka_unit_test(sequential_window_bounds_the_gap),
		cmocka_unit_test(range_sweep_counts_one_block),
		cmocka_unit_test(short_calls_count_unanswered_quick_releases),
		cmocka_unit_test(concurrent_calls_rise_fall_and_never_leak),
		cmocka_unit_test(eviction_keeps_memory_fixed),
		cmocka_unit_test(prefix_keys_catch_rotating_callers),
		cmocka_unit_test(neighbour_spoofing),
		cmocka_unit_test(no_caller_number_changes_nothing),
		cmocka_unit_test(bad_parameters_are_refused),
		cmocka_unit_test(distinct_callers_key_on_the_callee),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
