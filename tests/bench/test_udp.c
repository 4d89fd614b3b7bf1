/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The load generator's measuring parts: the latency histogram (percentiles
 * of known distributions within its stated precision) and the SIPp
 * injection-file reader (both orders, comments, trailing fields, and each
 * error named with its line).
 */

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "udp_callers.h"
#include "udp_hist.h"

/* ---- histogram ----------------------------------------------------------- */

static struct udp_hist *
hist_new(void)
{
	struct udp_hist *h = malloc(sizeof(*h));

	assert_non_null(h);
	udp_hist_init(h);
	return h;
}

/* @got is @want within the histogram's relative precision, 1/128. */
static void
assert_close(uint64_t got, uint64_t want)
{
	double err = (double)got - (double)want;

	if (err < 0)
		err = -err;
	if (err > (double)want / UDP_HIST_SUB + 1) {
		fprintf(stderr, "got %llu, want %llu\n", (unsigned long long)got,
			(unsigned long long)want);
		fail();
	}
}

static void
buckets_cover_every_value_once(void **state)
{
	unsigned b;

	(void)state;
	/* Consecutive buckets tile the values without gaps or overlap. */
	assert_int_equal(udp_hist_bucket_low(0), 0);
	for (b = 1; b < UDP_HIST_BUCKETS; b++)
		assert_true(udp_hist_bucket_low(b) == udp_hist_bucket_high(b - 1) + 1);
	assert_true(udp_hist_bucket_high(UDP_HIST_BUCKETS - 1) == UINT64_MAX);
	assert_int_equal(udp_hist_bucket(UINT64_MAX), UDP_HIST_BUCKETS - 1);
	for (b = 0; b < UDP_HIST_BUCKETS; b += 7) {
		assert_int_equal(udp_hist_bucket(udp_hist_bucket_low(b)), b);
		assert_int_equal(udp_hist_bucket(udp_hist_bucket_high(b)), b);
	}
	/* Small values are exact. */
	for (b = 0; b < 2 * UDP_HIST_SUB; b++)
		assert_int_equal(udp_hist_bucket_high(udp_hist_bucket(b)), b);
}

static void
empty_is_zero(void **state)
{
	struct udp_hist *h = hist_new();

	(void)state;
	assert_int_equal(udp_hist_percentile(h, 50), 0);
	assert_int_equal(udp_hist_percentile(h, 99.9), 0);
	free(h);
}

static void
uniform_percentiles(void **state)
{
	struct udp_hist *h = hist_new();
	uint64_t v;

	(void)state;
	/* 1 .. 1,000,000 ns once each: p is p % of a million. */
	for (v = 1; v <= 1000000; v++)
		udp_hist_record(h, v);
	assert_int_equal(h->count, 1000000);
	assert_close(udp_hist_percentile(h, 50), 500000);
	assert_close(udp_hist_percentile(h, 99), 990000);
	assert_close(udp_hist_percentile(h, 99.9), 999000);
	assert_int_equal(udp_hist_percentile(h, 100), 1000000);
	assert_int_equal(udp_hist_percentile(h, 0), 1);
	assert_int_equal(h->max, 1000000);
	free(h);
}

static void
exact_ranks_of_small_values(void **state)
{
	struct udp_hist *h = hist_new();
	uint64_t v;

	(void)state;
	/* 1..1000 is exact up to 255: the 500th value is 500 within a
	 * bucket, the 100th exactly 100, and p99.9 of 1000 values the
	 * 999th, not the 1000th. */
	for (v = 1000; v >= 1; v--)
		udp_hist_record(h, v);
	assert_int_equal(udp_hist_percentile(h, 10), 100);
	assert_close(udp_hist_percentile(h, 50), 500);
	assert_close(udp_hist_percentile(h, 99.9), 999);
	assert_true(udp_hist_percentile(h, 99.9) < 1000 ||
		    udp_hist_bucket(999) == udp_hist_bucket(1000));
	free(h);
}

static void
bimodal_tail(void **state)
{
	struct udp_hist *h = hist_new();
	int i;

	(void)state;
	/* 99.5 % at 10 µs, 0.5 % at 5 ms: p99 is the body, p99.9 the tail,
	 * the max exact. */
	for (i = 0; i < 995; i++)
		udp_hist_record(h, 10000);
	for (i = 0; i < 5; i++)
		udp_hist_record(h, 5000000);
	assert_close(udp_hist_percentile(h, 50), 10000);
	assert_close(udp_hist_percentile(h, 99), 10000);
	assert_close(udp_hist_percentile(h, 99.9), 5000000);
	assert_int_equal(udp_hist_percentile(h, 100), 5000000);
	assert_int_equal(h->min, 10000);
	free(h);
}

static void
exponential_percentiles(void **state)
{
	struct udp_hist *h = hist_new();
	uint64_t x = 12345;
	int i;

	(void)state;
	/* Exponential with mean 100 µs: quantile q is -mean ln(1 - q).
	 * 2 M samples put the sample quantiles well inside the bucket
	 * width at p50 and p99, and within 2 % at p99.9. */
	for (i = 0; i < 2000000; i++) {
		double u;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		u = (double)(x >> 11) / 9007199254740992.0;
		udp_hist_record(h, (uint64_t)(-100000.0 * log(1.0 - u)));
	}
	assert_close(udp_hist_percentile(h, 50) / 100, 693);
	assert_close(udp_hist_percentile(h, 99) / 1000, 461);
	assert_in_range(udp_hist_percentile(h, 99.9), 690776 * 98 / 100,
			690776 * 102 / 100);
	free(h);
}

static void
merge_adds(void **state)
{
	struct udp_hist *a = hist_new(), *b = hist_new();

	(void)state;
	udp_hist_record(a, 5);
	udp_hist_record(b, 7000);
	udp_hist_record(b, 3);
	udp_hist_merge(a, b);
	assert_int_equal(a->count, 3);
	assert_int_equal(a->min, 3);
	assert_int_equal(a->max, 7000);
	assert_int_equal(udp_hist_percentile(a, 50), 5);
	free(a);
	free(b);
}

/* ---- callers file -------------------------------------------------------- */

static int
parse(struct udp_callers *c, const char *text, char *err, size_t err_size)
{
	char *copy = strdup(text);

	assert_non_null(copy);
	err[0] = '\0';
	return udp_callers_parse(c, copy, strlen(copy), err, err_size);
}

static void
assert_pair(const struct udp_callers *c, size_t i, const char *caller,
	    const char *callee)
{
	const struct udp_pair *p = &c->pairs[i];

	assert_int_equal(p->caller_len, strlen(caller));
	assert_memory_equal(c->text + p->caller, caller, p->caller_len);
	assert_int_equal(p->callee_len, strlen(callee));
	assert_memory_equal(c->text + p->callee, callee, p->callee_len);
}

static void
sipp_sequential(void **state)
{
	struct udp_callers c;
	char err[200];
	uint64_t rng = 1;

	(void)state;
	/* As SIPp writes them: CRLF, a trailing ';', extra fields, comments
	 * and blank lines. */
	assert_int_equal(parse(&c, "SEQUENTIAL\r\n"
			       "# caller;callee\r\n"
			       "+8613800138000;+8613900139000;\r\n"
			       "\r\n"
			       "02087654321;10086;[authentication username=x];extra\n"
			       "anonymous;+8618612345678", err, sizeof(err)), 0);
	assert_int_equal(c.order, UDP_ORDER_SEQUENTIAL);
	assert_int_equal(c.n, 3);
	assert_pair(&c, 0, "+8613800138000", "+8613900139000");
	assert_pair(&c, 1, "02087654321", "10086");
	assert_pair(&c, 2, "anonymous", "+8618612345678");
	/* In order, starting again at the end. */
	assert_ptr_equal(udp_callers_pick(&c, 0, &rng), &c.pairs[0]);
	assert_ptr_equal(udp_callers_pick(&c, 4, &rng), &c.pairs[1]);
	udp_callers_free(&c);
}

static void
sipp_random(void **state)
{
	struct udp_callers c;
	unsigned seen[2] = { 0, 0 };
	char err[200];
	uint64_t rng = 7;
	int i;

	(void)state;
	assert_int_equal(parse(&c, "RANDOM\n1001;2001\n1002;2002\n", err,
			       sizeof(err)), 0);
	assert_int_equal(c.order, UDP_ORDER_RANDOM);
	for (i = 0; i < 1000; i++)
		seen[udp_callers_pick(&c, 0, &rng) - c.pairs]++;
	assert_in_range(seen[0], 400, 600);
	udp_callers_free(&c);
}

static void
sipp_errors_name_the_line(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
		{ "", "line 0: no SEQUENTIAL or RANDOM line" },
		{ "SEQUENTIAL\n", "line 1: no caller;callee lines" },
		{ "# only a comment\n\n", "line 2: no SEQUENTIAL or RANDOM line" },
		{ "1001;2001\n", "line 1: first line must be SEQUENTIAL or RANDOM" },
		{ "sequential\n1;2\n", "line 1: first line must be SEQUENTIAL or RANDOM" },
		{ "USER\n1;2\n", "line 1: USER order (per-user lines) is not "
		  "supported, use SEQUENTIAL or RANDOM" },
		{ "SEQUENTIAL,PRINTF=10\n1;2\n", "line 1: options after the "
		  "order (PRINTF, ...) are not supported" },
		{ "SEQUENTIAL\n1001;2001\n1002\n", "line 3: no ';' between "
		  "caller and callee" },
		{ "RANDOM\n\n;2001\n", "line 3: empty caller" },
		{ "RANDOM\n1001;\n", "line 2: empty callee" },
		{ "RANDOM\n1001;;x\n", "line 2: empty callee" },
		{ "SEQUENTIAL\n1 001;2001\n", "line 2: caller has a character not "
		  "allowed in a SIP user part: ' '" },
		{ "SEQUENTIAL\n1001;2001\r\n1001;<sip:2001>\n", "line 3: callee has "
		  "a character not allowed in a SIP user part: '<'" },
		{ "SEQUENTIAL\n1001;20\x01\n", "line 2: callee has a character "
		  "not allowed in a SIP user part: 0x01" },
		{ "SEQUENTIAL\n123456789012345678901234567890123;1\n",
		  "line 2: caller longer than 32 characters" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct udp_callers c;
		char err[200];

		assert_int_equal(parse(&c, cases[i].text, err, sizeof(err)), -1);
		assert_string_equal(err, cases[i].err);
		assert_null(c.pairs);
		assert_null(c.text);
	}
}

static void
missing_file(void **state)
{
	struct udp_callers c;
	char err[200];

	(void)state;
	assert_int_equal(udp_callers_load(&c, "/nonexistent/callers.csv", err,
					  sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/callers.csv: No such file or directory");
}

static void
generated_are_seeded_mobiles(void **state)
{
	struct udp_callers a, b;
	size_t i;

	(void)state;
	assert_int_equal(udp_callers_generate(&a, 1000, 42), 0);
	assert_int_equal(udp_callers_generate(&b, 1000, 42), 0);
	assert_int_equal(a.n, 1000);
	assert_memory_equal(a.text, b.text, 1000 * 2 * 14);
	for (i = 0; i < a.n; i++) {
		const char *p = a.text + a.pairs[i].caller;
		int k;

		assert_int_equal(a.pairs[i].caller_len, 14);
		assert_memory_equal(p, "+861", 4);
		assert_in_range(p[4], '3', '9');
		for (k = 5; k < 14; k++)
			assert_in_range(p[k], '0', '9');
	}
	udp_callers_free(&a);
	assert_int_equal(udp_callers_generate(&a, 1000, 43), 0);
	assert_memory_not_equal(a.text, b.text, 1000 * 2 * 14);
	udp_callers_free(&a);
	udp_callers_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buckets_cover_every_value_once),
		cmocka_unit_test(empty_is_zero),
		cmocka_unit_test(uniform_percentiles),
		cmocka_unit_test(exact_ranks_of_small_values),
		cmocka_unit_test(bimodal_tail),
		cmocka_unit_test(exponential_percentiles),
		cmocka_unit_test(merge_adds),
		cmocka_unit_test(sipp_sequential),
		cmocka_unit_test(sipp_random),
		cmocka_unit_test(sipp_errors_name_the_line),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(generated_are_seeded_mobiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
