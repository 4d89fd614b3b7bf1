/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Metrics: per-core slots summed on read, the Prometheus text format. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/metrics.h>

static const char *const protos[] = { "sip", "isup" };
static const char *const verdicts[] = { "allow", "block" };
static const struct cf_metric_label call_labels[] = {
	{ "proto", protos, 2 },
	{ "verdict", verdicts, 2 },
};

static char *
render(const struct cf_metrics *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(cf_metrics_write(m, f), 0);
	fclose(f);
	return text;
}

static void
counters_sum_over_cores(void **state)
{
	struct cf_metrics *m = cf_metrics_new(2);
	int calls, drops;
	uint32_t s;
	char *text;

	calls = cf_metrics_add(m, "callfence_calls_total", "Calls judged.",
			       CF_METRIC_COUNTER, call_labels, 2, NULL, 0, 1);
	drops = cf_metrics_add(m, "callfence_ring_drops_total", "Ring drops.",
			       CF_METRIC_COUNTER, NULL, 0, NULL, 0, 1);
	assert_true(calls >= 0 && drops >= 0);
	assert_int_equal(cf_metrics_seal(m), 0);

	s = cf_metrics_slot(m, calls, 1, 1);	/* isup, block */
	cf_metrics_count(cf_metrics_block(m, 0), s, 3);
	cf_metrics_count(cf_metrics_block(m, 1), s, 4);
	cf_metrics_count(cf_metrics_block(m, 1), cf_metrics_slot(m, calls, 0, 0), 1);
	cf_metrics_count(cf_metrics_block(m, 0), cf_metrics_slot(m, drops, 0, 0), 9);
	assert_int_equal(cf_metrics_read(m, s), 7);

	text = render(m);
	assert_string_equal(text,
		"# HELP callfence_calls_total Calls judged.\n"
		"# TYPE callfence_calls_total counter\n"
		"callfence_calls_total{proto=\"sip\",verdict=\"allow\"} 1\n"
		"callfence_calls_total{proto=\"sip\",verdict=\"block\"} 0\n"
		"callfence_calls_total{proto=\"isup\",verdict=\"allow\"} 0\n"
		"callfence_calls_total{proto=\"isup\",verdict=\"block\"} 7\n"
		"# HELP callfence_ring_drops_total Ring drops.\n"
		"# TYPE callfence_ring_drops_total counter\n"
		"callfence_ring_drops_total 9\n");
	free(text);
	cf_metrics_free(m);
}

static void
histograms_are_cumulative_and_scaled(void **state)
{
	static const uint64_t bounds_ns[] = { 1000, 10000, 100000 };
	struct cf_metrics *m = cf_metrics_new(2);
	int lat;
	char *text;

	lat = cf_metrics_add(m, "callfence_verdict_latency_seconds",
			     "Receive to verdict.", CF_METRIC_HISTOGRAM, NULL, 0,
			     bounds_ns, 3, 1e-9);
	assert_true(lat >= 0);
	assert_int_equal(cf_metrics_seal(m), 0);
	cf_metrics_observe(m, cf_metrics_block(m, 0), lat, 500);	/* <= 1 us */
	cf_metrics_observe(m, cf_metrics_block(m, 1), lat, 1000);	/* on the bound */
	cf_metrics_observe(m, cf_metrics_block(m, 1), lat, 50000);
	cf_metrics_observe(m, cf_metrics_block(m, 0), lat, 2000000);	/* +Inf */
	text = render(m);
	assert_string_equal(text,
		"# HELP callfence_verdict_latency_seconds Receive to verdict.\n"
		"# TYPE callfence_verdict_latency_seconds histogram\n"
		"callfence_verdict_latency_seconds_bucket{le=\"1e-06\"} 2\n"
		"callfence_verdict_latency_seconds_bucket{le=\"1e-05\"} 2\n"
		"callfence_verdict_latency_seconds_bucket{le=\"0.0001\"} 3\n"
		"callfence_verdict_latency_seconds_bucket{le=\"+Inf\"} 4\n"
		"callfence_verdict_latency_seconds_sum 0.0020515\n"
		"callfence_verdict_latency_seconds_count 4\n");
	free(text);
	cf_metrics_free(m);
}

static void
gauges_and_escaping(void **state)
{
	static const char *const odd[] = { "a\"b\\c\nd" };
	static const struct cf_metric_label label = { "rule", odd, 1 };
	struct cf_metrics *m = cf_metrics_new(1);
	int gen;
	char *text;

	gen = cf_metrics_add(m, "callfence_ruleset_generation",
			     "Reloads so far.\nOne line.", CF_METRIC_GAUGE,
			     &label, 1, NULL, 0, 1);
	assert_int_equal(cf_metrics_seal(m), 0);
	cf_metrics_set(m, gen, 0, 0, 42);
	text = render(m);
	assert_string_equal(text,
		"# HELP callfence_ruleset_generation Reloads so far.\\nOne line.\n"
		"# TYPE callfence_ruleset_generation gauge\n"
		"callfence_ruleset_generation{rule=\"a\\\"b\\\\c\\nd\"} 42\n");
	free(text);
	cf_metrics_free(m);
}

static void
bad_registrations_are_refused(void **state)
{
	static const uint64_t unsorted[] = { 10, 5 };
	static const struct cf_metric_label le = { "le", protos, 2 };
	struct cf_metrics *m = cf_metrics_new(1);

	assert_null(cf_metrics_new(0));
	assert_int_equal(cf_metrics_add(m, "9bad", "", CF_METRIC_COUNTER, NULL, 0, NULL, 0, 1), -1);
	assert_int_equal(cf_metrics_add(m, "has space", "", CF_METRIC_COUNTER, NULL, 0, NULL, 0, 1), -1);
	assert_int_equal(cf_metrics_add(m, "h", "", CF_METRIC_HISTOGRAM, NULL, 0, unsorted, 2, 1), -1);
	assert_int_equal(cf_metrics_add(m, "h", "", CF_METRIC_HISTOGRAM, NULL, 0, NULL, 0, 1), -1);
	assert_int_equal(cf_metrics_add(m, "x", "", CF_METRIC_COUNTER, &le, 1, NULL, 0, 1), -1);
	assert_int_equal(cf_metrics_seal(m), 0);
	assert_int_equal(cf_metrics_add(m, "late", "", CF_METRIC_COUNTER, NULL, 0, NULL, 0, 1), -1);
	cf_metrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counters_sum_over_cores),
		cmocka_unit_test(histograms_are_cumulative_and_scaled),
		cmocka_unit_test(gauges_and_escaping),
		cmocka_unit_test(bad_registrations_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
