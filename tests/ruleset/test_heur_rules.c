/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Heuristic conditions through the rule language: each at, just below and
 * just above its threshold; window expiry; block keys (a gang rotating
 * through numbers); eviction under a tiny memory budget; answers and
 * releases through cf_ruleset_observe(), forgotten calls through
 * cf_ruleset_expire(); monitor rules; parser errors with line:col; the
 * compiled file round trip.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <callfence/ruleset.h>

#define S	UINT64_C(1000000000)

static const char plan_text[] = "plan { country-code 86 }\n";

static struct cf_ruleset *
compile_ok(const char *text)
{
	struct cf_ruleset *rs = NULL;
	struct cf_diag d;
	char *full;

	cf_diag_init(&d);
	assert_true(asprintf(&full, "%s%s", plan_text, text) > 0);
	if (cf_rules_compile_text("h.rules", full, strlen(full), NULL, NULL,
				  &rs, &d) < 0)
		cf_diag_print(&d, stderr);
	assert_non_null(rs);
	free(full);
	cf_diag_free(&d);
	return rs;
}

static bool
has_msg(const struct cf_diag *d, const char *msg)
{
	size_t i;

	for (i = 0; i < d->count; i++)
		if (strcmp(d->msgs[i], msg) == 0)
			return true;
	for (i = 0; i < d->count; i++)
		fprintf(stderr, "have: %s\n", d->msgs[i]);
	fprintf(stderr, "want: %s\n", msg);
	return false;
}

static struct cf_call *
event(const char *caller, const char *callee, uint64_t t, enum cf_event ev,
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

/* Judge a set-up; the verdict's rule id, "default" if none. */
static const char *
judge(const struct cf_ruleset *rs, struct cf_ruleset_scratch *s,
      const char *caller, const char *callee, uint64_t t, uint16_t cic,
      struct cf_verdict *out)
{
	struct cf_verdict v;

	assert_int_equal(cf_ruleset_judge(rs, s,
					  event(caller, callee, t,
						CF_EVENT_SETUP, cic), &v), 0);
	if (out)
		*out = v;
	return v.rule;
}

/* "more than 3 in 1 m": calls 1-3 pass, the 4th is blocked; ">= 3"
 * blocks the 3rd. */
static void
rate_threshold(void **state)
{
	struct cf_ruleset *rs = compile_ok(
		"rule gt { priority 1 when caller calls > 3 per 1m "
		"action block reason \"rate\" }\n"
		"rule ge { priority 2 when caller calls >= 2 per 1m "
		"action suspect reason \"rate\" }\n"
		"default allow\n");
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(rs);
	struct cf_verdict v;

	assert_non_null(s);
	assert_int_equal(cf_ruleset_heur_count(rs), 1);	/* one table */
	assert_string_equal(judge(rs, s, "13800000001", "13900000001", 0, 1,
				  NULL), "default");	/* 1: below both */
	assert_string_equal(judge(rs, s, "13800000001", "13900000002", S, 2,
				  NULL), "ge");		/* 2: at >= 2 */
	assert_string_equal(judge(rs, s, "13800000001", "13900000003", 2 * S,
				  3, &v), "ge");	/* 3: at "> 3" */
	assert_string_equal(judge(rs, s, "13800000001", "13900000004", 3 * S,
				  4, &v), "gt");	/* 4: above */
	assert_int_equal(v.match.kind, CF_MATCH_HEUR);
	assert_int_equal(v.match.measure, 4);
	assert_int_equal(v.match.threshold, 3);
	assert_string_equal(v.match.what, "caller calls > 3 per 1m");
	assert_string_equal(v.match.entry, "8613800000001");
	/* Another caller starts from nothing. */
	assert_string_equal(judge(rs, s, "13800000002", "13900000004", 3 * S,
				  5, NULL), "default");
	cf_ruleset_scratch_free(s);
	cf_ruleset_free(rs);
}

/* A window forgets: after two idle windows the count is back to 1. */
static void
window_expiry(void **state)
{
	struct cf_ruleset *rs = compile_ok(
		"rule r { priority 1 when caller calls > 2 per 10s "
		"action block }\ndefault allow\n");
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(rs);
	struct cf_verdict v;
	int i;

	for (i = 0; i < 3; i++)
		judge(rs, s, "13800000001", "13900000001", (uint64_t)i * S,
		      (uint16_t)i, NULL);
	assert_string_equal(judge(rs, s, "13800000001", "13900000001", 3 * S,
				  9, NULL), "r");
	/* 25 s later both sub-windows have rolled past. */
	assert_string_equal(judge(rs, s, "13800000001", "13900000001", 28 * S,
				  10, &v), "default");
	cf_ruleset_scratch_free(s);
	cf_ruleset_free(rs);
}

/* A gang rotating through +86 138 0000 xxxx: each number calls once, so
 * only the block key sees them. */
static void
block_key_rotation(void **state)
{
	struct cf_ruleset *rs = compile_ok(
		"rule one { priority 1 when caller calls > 1 per 1m "
		"action block }\n"
		"rule gang { priority 2 when caller block 9 calls > 5 per 1m "
		"action block }\ndefault allow\n");
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(rs);
	struct cf_verdict v;
	char caller[16];
	int i;

	assert_int_equal(cf_ruleset_heur_count(rs), 2);
	for (i = 0; i < 5; i++) {
		snprintf(caller, sizeof(caller), "1380000%04d", i);
		assert_string_equal(judge(rs, s, caller, "13900000001",
					  (uint64_t)i * S, (uint16_t)i, NULL),
				    "default");
	}
	assert_string_equal(judge(rs, s, "13800009999", "13900000001", 5 * S,
				  5, &v), "gang");
	assert_string_equal(v.match.entry, "861380000");	/* the block */
	assert_int_equal(v.match.measure, 6);
	/* Another block is not touched. */
	assert_string_equal(judge(rs, s, "13800010000", "13900000001", 5 * S,
				  6, NULL), "default");
	cf_ruleset_scratch_free(s);
	cf_ruleset_free(rs);
}

static void
distinct_callees(void **state)
{
	struct cf_ruleset *rs = compile_ok(
		"rule scan { priority 1 when caller distinct-callees > 10 "
		"per 10m action block }\ndefault allow\n");
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(rs);
	struct cf_verdict v;
	char callee[16];
	int i;

	/* The same callee 50 times is one distinct callee. */
	for (i = 0; i < 50; i++)
		assert_string_equal(judge(rs, s, "13800000001", "13900000001",
					  (uint64_t)i * S, (uint16_t)i, NULL),
				    "default");
	/* Distinct callees: the estimate is exact to +-1 at 10 (the
	 * bitmap has 256 bits); at 9 more it is at or below 10 ... */
	for (i = 0; i < 9; i++) {
		snprintf(callee, sizeof(callee), "1390%07d", i * 7919 + 2);
		judge(rs, s, "13800000001", callee, 60 * S, (uint16_t)i, &v);
	}
	assert_string_equal(v.rule, "default");
	/* ... and 5 more are well above. */
	for (i = 9; i < 14; i++) {
		snprintf(callee, sizeof(callee), "1390%07d", i * 7919 + 2);
		judge(rs, s, "13800000001", callee, 60 * S, (uint16_t)i, &v);
	}
	assert_string_equal(v.rule, "scan");
	assert_true(v.match.measure > 10 && v.match.measure <= 15);
	cf_ruleset_scratch_free(s);
	cf_ruleset_free(rs);
}

static void
sequential_callees(void **state)
{
	struct cf_ruleset *rs = compile_ok(
		"rule seq { priority 1 when caller sequential-callees >= 5 "
		"within 1m action block }\ndefault allow\n");
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(rs);
	struct cf_verdict v;
	char callee[16];
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(callee, sizeof(callee), "139000000%02d", 10 + i);
		assert_string_equal(judge(rs, s, "13800000001", callee,
					  (uint64_t)i * S, (uint16_t)i, NULL),
				    "default");	/* runs of 1..4 */
	}
	assert_string_equal(judge(rs, s, "13800000001", "13900000014", 4 * S,
				  4, &v), "seq");	/* 5: at */
	assert_string_equal(judge(rs, s, "13800000001", "13900000015", 5 * S,
				  5, &v), "seq");	/* 6: above */
	assert_int_equal(v.match.measure, 6);
	/* A pause longer than `within` starts a new run. */
	assert_string_equal(judge(rs, s, "13800000001", "13900000016",
				  200 * S, 6, NULL), "default");
	/* Descending runs count too. */
	for (i = 0; i < 5; i++) {
		snprintf(callee, sizeof(callee), "139000005%02d", 50 - i);
		judge(rs, s, "13800000002", callee, (uint64_t)i * S,
		      (uint16_t)(20 + i), &v);
	}
	assert_string_equal(v.rule, "seq");
	cf_ruleset_scratch_free(s);
	cf_ruleset_free(rs);
}

static void
range_sweep(void **state)
{
	struct cf_ruleset *rs = compile_ok(
		"rule sweep { priority 1 when caller calls into callee block 9 "
		"> 3 per 1m action block }\ndefault allow\n");
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(rs);
	struct cf_verdict v;
	char callee[16];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(callee, sizeof(callee), "1390000%04d", i * 37);
		assert_string_equal(judge(rs, s, "13800000001", callee,
					  (uint64_t)i * S, (uint16_t)i, NULL),
				    "default");
	}
	/* Into another block: not counted with the first. */
	assert_string_equal(judge(rs, s, "13800000001", "13900010000", 3 * S,
				  3, NULL), "default");
	assert_string_equal(judge(rs, s, "13800000001", "13900009999", 4 * S,
				  4, &v), "sweep");
	assert_int_equal(v.match.measure, 4);
	cf_ruleset_scratch_free(s);
	cf_ruleset_free(rs);
}

/* Wangiri: released unanswered within 5 s; the count grows on release. */
static void
short_calls(void **state)
{
	struct cf_ruleset *rs = compile_ok(
		"rule wangiri { priority 1 when caller short-calls under 5s "
		"> 2 per 1h action block }\ndefault allow\n");
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(rs);
	struct cf_verdict v;
	uint16_t cic;

	for (cic = 1; cic <= 3; cic++) {
		uint64_t t = cic * 10 * S;

		assert_string_equal(judge(rs, s, "+4420000001", "13900000001",
					  t, cic, NULL), "default");
		cf_ruleset_observe(rs, s, event(NULL, NULL, t + 2 * S,
						CF_EVENT_RELEASE, cic));
	}
	/* Three short calls released: "more than 2" holds now. */
	assert_string_equal(judge(rs, s, "+4420000001", "13900000001", 40 * S,
				  4, &v), "wangiri");
	assert_int_equal(v.match.measure, 3);
	/* Answered calls and long rings are not short calls. */
	judge(rs, s, "+4420000002", "13900000001", 0, 10, NULL);
	cf_ruleset_observe(rs, s, event(NULL, NULL, S, CF_EVENT_ANSWER, 10));
	cf_ruleset_observe(rs, s, event(NULL, NULL, 2 * S, CF_EVENT_RELEASE, 10));
	judge(rs, s, "+4420000002", "13900000001", 3 * S, 11, NULL);
	cf_ruleset_observe(rs, s, event(NULL, NULL, 20 * S, CF_EVENT_RELEASE, 11));
	judge(rs, s, "+4420000002", "13900000001", 30 * S, 12, NULL);
	cf_ruleset_observe(rs, s, event(NULL, NULL, 31 * S, CF_EVENT_RELEASE, 12));
	assert_string_equal(judge(rs, s, "+4420000002", "13900000001", 40 * S,
				  13, &v), "default");
	cf_ruleset_scratch_free(s);
	cf_ruleset_free(rs);
}

/* Concurrent calls: released calls give their count back; calls whose
 * release never comes are forgotten by the expiry sweep after max-call. */
static void
concurrent_calls(void **state)
{
	struct cf_ruleset *rs = compile_ok(
		"heuristics { max-call 1h }\n"
		"rule conc { priority 1 when caller concurrent-calls > 2 "
		"action block }\ndefault allow\n");
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(rs);
	struct cf_verdict v;

	judge(rs, s, "13800000001", "13900000001", 0, 1, NULL);
	assert_string_equal(judge(rs, s, "13800000001", "13900000002", S, 2,
				  NULL), "default");	/* 2 open: at */
	assert_string_equal(judge(rs, s, "13800000001", "13900000003", 2 * S,
				  3, &v), "conc");	/* 3: above */
	cf_ruleset_observe(rs, s, event(NULL, NULL, 3 * S, CF_EVENT_RELEASE, 1));
	cf_ruleset_observe(rs, s, event(NULL, NULL, 3 * S, CF_EVENT_RELEASE, 2));
	/* 2 open again (3 and this one): below. */
	assert_string_equal(judge(rs, s, "13800000001", "13900000004", 4 * S,
				  4, NULL), "default");
	/* Two hours on, the sweep forgets both. */
	cf_ruleset_expire(rs, s, 2 * 3600 * S, 1u << 20);
	judge(rs, s, "13800000001", "13900000005", 2 * 3600 * S, 5, NULL);
	assert_string_equal(judge(rs, s, "13800000001", "13900000006",
				  2 * 3600 * S, 6, NULL), "default");
	assert_true(cf_heur_stats(cf_ruleset_scratch_heur(s, 0))->expired >= 2);
	cf_ruleset_scratch_free(s);
	cf_ruleset_free(rs);
}

static void
neighbour(void **state)
{
	struct cf_ruleset *rs = compile_ok(
		"rule nb { priority 1 when caller neighbour callee 7 "
		"and not caller equals callee action suspect }\n"
		"default allow\n");
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(rs);
	struct cf_verdict v;

	assert_int_equal(cf_ruleset_heur_count(rs), 0);	/* stateless */
	/* 7 shared digits (86 138 00): at. */
	assert_string_equal(judge(rs, s, "13800123456", "13800987654", 0, 1,
				  &v), "nb");
	assert_int_equal(v.match.measure, 7);
	/* 6 shared: below. */
	assert_string_equal(judge(rs, s, "13800123456", "13801987654", 0, 2,
				  NULL), "default");
	assert_string_equal(judge(rs, s, "13800123456", "13800123457", 0, 3,
				  &v), "nb");
	assert_int_equal(v.match.measure, 12);
	cf_ruleset_scratch_free(s);
	cf_ruleset_free(rs);
}

/* Inbound flood: distinct callers of one callee, scaled by the shards a
 * daemon steers callers over. */
static void
distinct_callers_and_shards(void **state)
{
	struct cf_ruleset *rs = compile_ok(
		"rule flood { priority 1 when callee distinct-callers > 20 "
		"per 1m action suspect }\ndefault allow\n");
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(rs);
	struct cf_ruleset_scratch *s4 = cf_ruleset_scratch_alloc(rs);
	struct cf_verdict v, v4;
	char caller[16];
	int i;

	cf_ruleset_scratch_set_shards(s4, 4);
	for (i = 0; i < 8; i++) {
		snprintf(caller, sizeof(caller), "1380%07d", i * 104729 + 1);
		judge(rs, s, caller, "95588", (uint64_t)i * S, (uint16_t)i, &v);
		judge(rs, s4, caller, "95588", (uint64_t)i * S, (uint16_t)i,
		      &v4);
	}
	/* 8 callers seen: one worker of one says 8, one worker of four
	 * estimates 32 for the callee. */
	assert_string_equal(v.rule, "default");
	assert_string_equal(v4.rule, "flood");
	assert_int_equal(v4.match.party, CF_PARTY_CALLEE);
	assert_string_equal(v4.match.entry, "8695588");
	assert_true(v4.match.measure >= 28 && v4.match.measure <= 36);
	cf_ruleset_scratch_free(s);
	cf_ruleset_scratch_free(s4);
	cf_ruleset_free(rs);
}

/* Monitor rules with heuristics record "would have matched"; every
 * attempt counts whichever rule decides (the whitelist here). */
static void
monitor_and_every_attempt_counts(void **state)
{
	struct cf_ruleset *rs = compile_ok(
		"rule first { priority 1 when caller prefix 8613800000001 "
		"action allow }\n"
		"rule trial { priority 2 when caller calls > 1 per 1m "
		"action block monitor }\n"
		"rule real { priority 3 when caller calls > 2 per 1m "
		"action block }\ndefault allow\n");
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(rs);
	struct cf_verdict v;

	judge(rs, s, "13800000002", "13900000001", 0, 1, &v);
	assert_int_equal(v.monitor_count, 0);
	judge(rs, s, "13800000002", "13900000001", S, 2, &v);
	assert_string_equal(v.rule, "default");
	assert_int_equal(v.monitor_count, 1);
	assert_string_equal(cf_ruleset_rule_id(rs, v.monitor[0]), "trial");
	assert_string_equal(judge(rs, s, "13800000002", "13900000001", 2 * S,
				  3, &v), "real");
	/* Allowed by rule `first` twice, yet counted: the third call of
	 * 8613800000001 is over the threshold even though it is allowed. */
	judge(rs, s, "13800000001", "13900000001", 0, 4, &v);
	judge(rs, s, "13800000001", "13900000001", S, 5, &v);
	judge(rs, s, "13800000001", "13900000001", 2 * S, 6, &v);
	assert_string_equal(v.rule, "first");
	assert_int_equal(cf_heur_peek(cf_ruleset_scratch_heur(s, 0),
				      event("13800000001", NULL, 2 * S,
					    CF_EVENT_SETUP, 7)), 3);
	cf_ruleset_scratch_free(s);
	cf_ruleset_free(rs);
}

/* A tiny budget: tables stay at their memory whatever the callers, the
 * oldest keys are evicted, and an evicted caller starts from zero. */
static void
eviction_tiny_budget(void **state)
{
	struct cf_ruleset *rs = compile_ok(
		"heuristics { memory-per-core 16K }\n"
		"rule r { priority 1 when caller calls > 1 per 1h "
		"action block }\n"
		"rule d { priority 2 when caller distinct-callees > 100 per 1h "
		"action block }\ndefault allow\n");
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(rs);
	const struct cf_heur *h;
	size_t mem;
	char caller[16];
	int i;

	assert_non_null(s);
	mem = cf_ruleset_scratch_heur_memory(s);
	assert_true(mem <= 16 * 1024);
	assert_string_equal(judge(rs, s, "13800000001", "13900000001", 0, 1,
				  NULL), "default");
	for (i = 0; i < 5000; i++) {
		snprintf(caller, sizeof(caller), "1370%07d", i);
		judge(rs, s, caller, "13900000001", S + (uint64_t)i, 2, NULL);
	}
	h = cf_ruleset_scratch_heur(s, 0);
	assert_true(cf_heur_stats(h)->evicted > 4000);
	assert_int_equal(cf_ruleset_scratch_heur_memory(s), mem);
	/* The first caller was evicted: its second call is its "first". */
	assert_string_equal(judge(rs, s, "13800000001", "13900000001", 2 * S,
				  3, NULL), "default");
	cf_ruleset_scratch_free(s);
	cf_ruleset_free(rs);
}

static void
parser_errors(void **state)
{
	static const char text[] =
		"plan { country-code 86 }\n"				/* 1 */
		"heuristics { memory-per-core 12X max-call 2y }\n"	/* 2 */
		"rule a { priority 1\n"					/* 3 */
		"  when caller calls 3 per 1m action block }\n"		/* 4 */
		"rule b { priority 2\n"					/* 5 */
		"  when caller calls > 3 per 25h action block }\n"	/* 6 */
		"rule c { priority 3\n"					/* 7 */
		"  when caller distinct-callees > 900 per 1m\n"		/* 8 */
		"  action block }\n"					/* 9 */
		"rule d { priority 4\n"					/* 10 */
		"  when callee calls > 3 per 1m action block }\n"	/* 11 */
		"rule e { priority 5\n"					/* 12 */
		"  when caller short-calls 5s > 3 per 1h\n"		/* 13 */
		"  action block }\n"					/* 14 */
		"rule f { priority 6\n"					/* 15 */
		"  when caller calls into callee 9 > 3 per 1m\n"	/* 16 */
		"  action block }\n"					/* 17 */
		"rule g { priority 7 when caller neighbour callee 0\n"	/* 18 */
		"  action block }\n"					/* 19 */
		"rule h { priority 8 when caller calls > 3\n"		/* 20 */
		"  action block }\n"					/* 21 */
		"default allow\n";
	struct cf_ruleset *rs = NULL;
	struct cf_diag d;

	cf_diag_init(&d);
	assert_int_equal(cf_rules_compile_text("h.rules", text, strlen(text),
					       NULL, NULL, &rs, &d), -EINVAL);
	assert_null(rs);
	assert_true(has_msg(&d, "h.rules:2:30: error: expected a memory size "
			    "such as 64M, 512K or 2G (up to 1024G), found 12X"));
	assert_true(has_msg(&d, "h.rules:4:21: error: expected a comparison "
			    "(>, >=, <, <= or =) after calls, found 3"));
	assert_true(has_msg(&d, "h.rules:6:29: error: expected a window from "
			    "1s to 24h (e.g. 30s, 10m, 1h), found 25h"));
	assert_true(has_msg(&d, "h.rules:8:34: error: distinct-callees 900: "
			    "distinct counts are estimated and lose accuracy "
			    "above 800 (see rules/README.md): use a threshold up "
			    "to 800 or a shorter window"));
	assert_true(has_msg(&d, "h.rules:11:15: error: expected "
			    "distinct-callers after callee, found calls"));
	assert_true(has_msg(&d, "h.rules:13:27: error: expected under after "
			    "short-calls, found 5s"));
	assert_true(has_msg(&d, "h.rules:16:33: error: expected block after "
			    "into callee, found 9"));
	assert_true(has_msg(&d, "h.rules:18:50: error: expected a number of "
			    "leading digits (1 to 15), found 0"));
	assert_true(has_msg(&d, "h.rules:21:3: error: expected per after the "
			    "threshold of calls, found action"));
	cf_diag_free(&d);
}

static void
memory_too_small(void **state)
{
	static const char text[] =
		"plan { country-code 86 }\n"
		"heuristics {\n"
		"\tmemory-per-core 2K\n"
		"}\n"
		"rule a { priority 1 when caller distinct-callees > 9 per 1m\n"
		"  action block }\n"
		"default allow\n";
	struct cf_ruleset *rs = NULL;
	struct cf_diag d;

	cf_diag_init(&d);
	assert_int_equal(cf_rules_compile_text("h.rules", text, strlen(text),
					       NULL, NULL, &rs, &d), -EINVAL);
	assert_true(has_msg(&d, "h.rules:3:18: error: memory-per-core 2K is "
			    "too small for the heuristic tables of these rules "
			    "(at least 3K)"));
	cf_diag_free(&d);
}

/* Built and loaded rulesets judge a call sequence alike. */
static void
compiled_round_trip(void **state)
{
	static const char rules[] =
		"heuristics { memory-per-core 1M max-call 2h }\n"
		"rule rate { priority 1 when caller calls > 5 per 1m "
		"action block }\n"
		"rule rate2 { priority 2 when caller calls > 3 per 1m "
		"and caller block 9 calls > 3 per 1m action suspect }\n"
		"rule seq { priority 3 when caller sequential-callees >= 3 "
		"action block }\n"
		"rule conc { priority 4 when caller concurrent-calls > 4 "
		"action block }\n"
		"rule nb { priority 5 when caller neighbour callee 9 "
		"action hide }\ndefault allow\n";
	char path[] = "/tmp/cf-heur-rt-XXXXXX";
	struct cf_ruleset *rs = compile_ok(rules), *loaded = NULL;
	struct cf_ruleset_scratch *a, *b;
	struct cf_diag d;
	int fd, i;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	cf_diag_init(&d);
	assert_int_equal(cf_ruleset_save(rs, path, &d), 0);
	assert_int_equal(cf_ruleset_load(path, &loaded, &d), 0);
	assert_int_equal(cf_ruleset_heur_count(loaded), 4);
	assert_int_equal(cf_ruleset_heur_memory(loaded), 1u << 20);
	assert_int_equal(cf_ruleset_heur_max_call(loaded), 7200 * S);
	for (i = 0; i < 4; i++)
		assert_memory_equal(cf_ruleset_heur_spec(rs, i),
				    cf_ruleset_heur_spec(loaded, i),
				    sizeof(struct cf_heur_spec));
	a = cf_ruleset_scratch_alloc(rs);
	b = cf_ruleset_scratch_alloc(loaded);
	/* A scratch of one fits the other: same heuristics. */
	assert_int_equal(cf_ruleset_scratch_fit(a, loaded), 0);
	for (i = 0; i < 40; i++) {
		char caller[16], callee[16];
		struct cf_verdict va, vb;

		snprintf(caller, sizeof(caller), "138000000%02d", i % 3);
		snprintf(callee, sizeof(callee), "1390000%04d",
			 i % 5 ? i * 13 : i);
		judge(rs, a, caller, callee, (uint64_t)i * S / 2,
		      (uint16_t)i, &va);
		judge(loaded, b, caller, callee, (uint64_t)i * S / 2,
		      (uint16_t)i, &vb);
		assert_string_equal(va.rule, vb.rule);
		assert_int_equal(va.match.kind, vb.match.kind);
		assert_int_equal(va.match.measure, vb.match.measure);
		if (va.match.what)
			assert_string_equal(va.match.what, vb.match.what);
	}
	cf_ruleset_scratch_free(a);
	cf_ruleset_scratch_free(b);
	unlink(path);
	cf_ruleset_free(loaded);
	cf_ruleset_free(rs);
	cf_diag_free(&d);
}

/* A scratch made for other heuristics does not judge (a bug, said so). */
static void
scratch_mismatch(void **state)
{
	struct cf_ruleset *r1 = compile_ok(
		"rule r { priority 1 when caller calls > 1 per 1m action block }\n"
		"default allow\n");
	struct cf_ruleset *r2 = compile_ok(
		"rule r { priority 1 when caller calls > 1 per 2m action block }\n"
		"default allow\n");
	struct cf_ruleset_scratch *s = cf_ruleset_scratch_alloc(r1);
	struct cf_verdict v;

	assert_int_equal(cf_ruleset_judge(r2, s, event("13800000001",
			 "13900000001", 0, CF_EVENT_SETUP, 1), &v), -EINVAL);
	assert_int_equal(cf_ruleset_scratch_fit(s, r2), 0);
	assert_int_equal(cf_ruleset_judge(r2, s, event("13800000001",
			 "13900000001", 0, CF_EVENT_SETUP, 1), &v), 0);
	cf_ruleset_scratch_free(s);
	cf_ruleset_free(r1);
	cf_ruleset_free(r2);
}

/* A reload with the same heuristics carries their state: the caller's
 * fourth call in a minute is blocked by the new rules as it would have been
 * by the old, with the old tables and no new ones; a reload with other
 * heuristics starts afresh; an abandoned reload leaves the old scratch
 * owning its tables. */
static void
reload_carries_state(void **state)
{
	struct cf_ruleset *old = compile_ok(
		"list none \"/dev/null\"\n"
		"rule other { priority 5 when caller in none action block "
		"reason \"x\" }\n" "rule fast { priority 1 when caller calls > 3 "
		"per 1m action block reason \"rate\" }\n" "default allow\n");
	struct cf_ruleset *same = compile_ok(
		"rule fast { priority 1 when caller calls > 3 per 1m "
		"action block reason \"rate\" }\ndefault allow reason \"new\"\n");
	struct cf_ruleset *differ = compile_ok(
		"rule fast { priority 1 when caller calls > 3 per 2m "
		"action block reason \"rate\" }\ndefault allow\n");
	struct cf_ruleset_scratch *s_old = cf_ruleset_scratch_alloc(old);
	struct cf_ruleset_scratch *s_same, *s_differ, *s_dropped;
	bool shared;
	uint16_t i;

	for (i = 1; i <= 3; i++)
		assert_string_equal(judge(old, s_old, "13800000001", "13900000000",
					  i * S, i, NULL), "default");
	s_differ = cf_ruleset_scratch_alloc_after(differ, s_old, &shared);
	assert_non_null(s_differ);
	assert_false(shared);
	/* An abandoned reload: freeing its scratch leaves the tables. */
	s_dropped = cf_ruleset_scratch_alloc_after(same, s_old, &shared);
	assert_true(shared);
	assert_ptr_equal(cf_ruleset_scratch_heur(s_dropped, 0),
			 cf_ruleset_scratch_heur(s_old, 0));
	cf_ruleset_scratch_free(s_dropped);
	s_same = cf_ruleset_scratch_alloc_after(same, s_old, &shared);
	assert_true(shared);
	/* Until the commit the old scratch owns them; both judge. */
	cf_ruleset_scratch_heur_commit(s_same, s_old);
	assert_string_equal(judge(old, s_old, "13800000001", "13900000000",
				  4 * S, 4, NULL), "fast");
	assert_string_equal(judge(same, s_same, "13800000001", "13900000000",
				  5 * S, 5, NULL), "fast");
	/* The old scratch goes first (after a grace period): the new one
	 * keeps the tables and their counts. */
	cf_ruleset_scratch_free(s_old);
	assert_string_equal(judge(same, s_same, "13800000001", "13900000000",
				  6 * S, 6, NULL), "fast");
	assert_int_equal(cf_heur_stats(cf_ruleset_scratch_heur(s_same, 0))
				 ->observed, 6);
	/* Other heuristics: nothing carried, the caller starts at one. */
	assert_string_equal(judge(differ, s_differ, "13800000001", "13900000000",
				  7 * S, 7, NULL), "default");
	cf_ruleset_scratch_free(s_same);
	cf_ruleset_scratch_free(s_differ);
	cf_ruleset_free(old);
	cf_ruleset_free(same);
	cf_ruleset_free(differ);
}

/* Calls are steered by the shortest caller block a heuristic keys on;
 * callee-keyed measures and whole numbers do not shorten it. */
static void
steer_digits(void **state)
{
	struct cf_ruleset *none = compile_ok("default allow\n");
	struct cf_ruleset *whole = compile_ok(
		"rule r { priority 1 when caller calls > 3 per 1m action block }\n"
		"rule f { priority 2 when callee block 5 distinct-callers > 9 "
		"per 1m action block }\ndefault allow\n");
	struct cf_ruleset *blocks = compile_ok(
		"rule a { priority 1 when caller block 9 calls > 30 per 1m "
		"action block }\n"
		"rule b { priority 2 when caller block 7 distinct-callees > 30 "
		"per 1m action block }\n"
		"rule c { priority 3 when caller calls > 3 per 1m action block }\n"
		"default allow\n");

	assert_int_equal(cf_ruleset_steer_digits(none), 0);
	assert_int_equal(cf_ruleset_steer_digits(whole), 0);
	assert_int_equal(cf_ruleset_steer_digits(blocks), 7);
	cf_ruleset_free(none);
	cf_ruleset_free(whole);
	cf_ruleset_free(blocks);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rate_threshold),
		cmocka_unit_test(window_expiry),
		cmocka_unit_test(block_key_rotation),
		cmocka_unit_test(distinct_callees),
		cmocka_unit_test(sequential_callees),
		cmocka_unit_test(range_sweep),
		cmocka_unit_test(short_calls),
		cmocka_unit_test(concurrent_calls),
		cmocka_unit_test(neighbour),
		cmocka_unit_test(distinct_callers_and_shards),
		cmocka_unit_test(monitor_and_every_attempt_counts),
		cmocka_unit_test(eviction_tiny_budget),
		cmocka_unit_test(parser_errors),
		cmocka_unit_test(memory_too_small),
		cmocka_unit_test(compiled_round_trip),
		cmocka_unit_test(scratch_mismatch),
		cmocka_unit_test(reload_carries_state),
		cmocka_unit_test(steer_digits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
