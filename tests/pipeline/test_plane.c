/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data plane (callfence/plane.h): heuristic state carried over a
 * reload by a worker that sleeps through it, a fresh start when the
 * heuristics change, no second set of tables; steering by the caller's
 * block under a keyed hash; answers and releases following their set-up;
 * the judge step's counters, trial rules included.  The reload tests run
 * real worker threads against the control thread's publish, so the TSan
 * build checks the RCU hand-over.
 */

#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/hash.h>
#include <callfence/heur.h>
#include <callfence/plane.h>

#define S	UINT64_C(1000000000)

static const uint64_t secret[2] = { 0x0706050403020100ULL,
				    0x0f0e0d0c0b0a0908ULL };

static struct cf_ruleset *
compile_ok(const char *text)
{
	struct cf_ruleset *rs = NULL;
	struct cf_diag d;
	char *full;

	cf_diag_init(&d);
	assert_true(asprintf(&full, "plan { country-code 86 }\n%s", text) > 0);
	if (cf_rules_compile_text("p.rules", full, strlen(full), NULL, NULL,
				  &rs, &d) < 0)
		cf_diag_print(&d, stderr);
	assert_non_null(rs);
	free(full);
	cf_diag_free(&d);
	return rs;
}

static void
set_up(struct cf_call *c, const char *caller, const char *callee,
       uint64_t t, const char *call_id)
{
	const struct cf_numplan *cn = cf_numplan_builtin("86");

	cf_call_reset(c);
	c->rx_ns = t;
	c->event = CF_EVENT_SETUP;
	c->proto = CF_PROTO_SIP;
	cf_call_set_sip_ref(c, call_id, strlen(call_id));
	cf_call_set_party(c, CF_PARTY_CALLER, cn, caller, strlen(caller),
			  CF_NAI_UNKNOWN);
	cf_call_set_party(c, CF_PARTY_CALLEE, cn, callee, strlen(callee),
			  CF_NAI_UNKNOWN);
}

static const char *
judge_one(struct cf_plane_worker *w, const char *caller, uint64_t t,
	  unsigned int n)
{
	static char rule[64];
	struct cf_verdict v;
	struct cf_call c;
	char cid[32];

	snprintf(cid, sizeof(cid), "c%u", n);
	set_up(&c, caller, "13900000000", t, cid);
	assert_int_equal(cf_plane_judge(w, &c, &v), 0);
	snprintf(rule, sizeof(rule), "%s", v.rule);
	return rule;
}

/* The SipHash-2-4 reference vector for 8 bytes: key 00..0f, message
 * 00..07 (the paper's test vectors, entry 8). */
static void
siphash_vector(void **state)
{
	assert_int_equal(cf_siphash64(secret, 0x0706050403020100ULL),
			 0x93f5f5799a932462ULL);
}

/* ---- A worker that sleeps through a reload ----------------------------- */

struct sleeper {
	struct cf_plane *p;
	sem_t go, done;
	int step;
	const char *rules[3];		/* verdict of each call it made */
	const struct cf_heur *tables[2];
	uint64_t observed;
};

/* Worker 1's thread: three calls in one pass, then idle (offline) while
 * the control thread publishes, then the fourth call. */
static void *
sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	struct cf_plane_worker *w = cf_plane_worker(s->p, 1);
	unsigned int i;

	cf_plane_register(w);
	cf_plane_begin(w);
	for (i = 1; i <= 3; i++)
		judge_one(w, "13800000001", i * S, i);
	s->tables[0] = cf_plane_heur(w, 0);
	cf_plane_end(w, 3 * S);
	/* Idle, as a worker blocked in poll(): the reload does not wait. */
	cf_plane_offline(w);
	sem_post(&s->done);
	sem_wait(&s->go);
	cf_plane_online(w);
	cf_plane_begin(w);
	s->rules[0] = strdup(judge_one(w, "13800000001", 4 * S, 4));
	s->tables[1] = cf_plane_heur(w, 0);
	s->observed = cf_heur_stats(s->tables[1])->observed;
	cf_plane_end(w, 4 * S);
	cf_plane_unregister(w);
	return NULL;
}

static void
run_sleeper(const char *before, const char *after, struct sleeper *s,
	    bool *carried)
{
	pthread_t t;

	s->p = cf_plane_new(&(struct cf_plane_cfg){ .workers = 2,
						    .secret = secret });
	assert_non_null(s->p);
	assert_int_equal(cf_plane_publish(s->p, compile_ok(before)), 0);
	sem_init(&s->go, 0, 0);
	sem_init(&s->done, 0, 0);
	assert_int_equal(pthread_create(&t, NULL, sleeper_main, s), 0);
	sem_wait(&s->done);
	assert_int_equal(cf_plane_publish(s->p, compile_ok(after)), 0);
	*carried = cf_plane_heur_carried(s->p);
	assert_int_equal(cf_plane_generation(s->p), 2);
	sem_post(&s->go);
	pthread_join(t, NULL);
	sem_destroy(&s->go);
	sem_destroy(&s->done);
	cf_plane_free(s->p);
}

static const char rate_rules[] =
	"rule fast { priority 1 when caller calls > 3 per 1m action block }\n"
	"default allow\n";

/* The live bug: a worker idle during a reload lost its callers' counts.
 * The same heuristics: the fourth call is blocked, counted in the very
 * table the first three were. */
static void
idle_worker_keeps_state(void **state)
{
	struct sleeper s = { 0 };
	bool carried;

	run_sleeper(rate_rules,
		    "rule fast { priority 1 when caller calls > 3 per 1m "
		    "action block reason \"renamed\" }\n"
		    "rule other { priority 2 when caller prefix 99 "
		    "action block }\ndefault allow\n", &s, &carried);
	assert_true(carried);
	assert_string_equal(s.rules[0], "fast");
	assert_ptr_equal(s.tables[0], s.tables[1]);
	/* Four set-ups, and the end of the blocked fourth. */
	assert_int_equal(s.observed, 5);
	free((void *)s.rules[0]);
}

/* Other heuristics: the caller starts again from one. */
static void
changed_heuristics_start_afresh(void **state)
{
	struct sleeper s = { 0 };
	bool carried;

	run_sleeper(rate_rules,
		    "rule fast { priority 1 when caller calls > 3 per 2m "
		    "action block }\ndefault allow\n", &s, &carried);
	assert_false(carried);
	assert_string_equal(s.rules[0], "default");
	assert_int_equal(s.observed, 1);
	free((void *)s.rules[0]);
}

/* ---- Steering ---------------------------------------------------------- */

static unsigned int
owner_of(struct cf_plane *p, const char *caller)
{
	struct cf_plane_worker *w = cf_plane_worker(p, 0);
	struct cf_call c;
	unsigned int o;

	set_up(&c, caller, "13900000000", S, "x");
	cf_plane_begin(w);
	o = cf_plane_owner(w, &c);
	cf_plane_end(w, S);
	return o;
}

/* With `caller block 7`, every number of a block meets on one worker,
 * so the block's count is the whole count whatever the worker count. */
static void
block_steering(void **state)
{
	struct cf_plane *p = cf_plane_new(&(struct cf_plane_cfg){
		.workers = 4, .secret = secret });
	char caller[16];
	unsigned int i, first, spread[4] = { 0 };

	assert_int_equal(cf_plane_publish(p, compile_ok(
		"rule gang { priority 1 when caller block 9 calls > 30 per 1m "
		"action block }\n"
		"rule scan { priority 2 when caller block 7 distinct-callees > "
		"30 per 1m action block }\ndefault allow\n")), 0);
	first = owner_of(p, "13800000000");
	for (i = 0; i < 1000; i++) {
		snprintf(caller, sizeof(caller), "1380000%04u", i);
		assert_int_equal(owner_of(p, caller), first);
	}
	/* Different blocks spread over the workers. */
	for (i = 0; i < 1000; i++) {
		snprintf(caller, sizeof(caller), "1%03u0000000", i);
		spread[owner_of(p, caller)]++;
	}
	for (i = 0; i < 4; i++)
		assert_true(spread[i] > 150 && spread[i] < 350);
	cf_plane_free(p);
}

/* Callers an attacker picked to land on one core under an unkeyed hash
 * of the number spread over both under the keyed one, and which worker
 * a caller lands on depends on the secret. */
static void
keyed_steering(void **state)
{
	const uint64_t other[2] = { 1, 2 };
	struct cf_plane *p = cf_plane_new(&(struct cf_plane_cfg){
		.workers = 2, .secret = secret });
	struct cf_plane *q = cf_plane_new(&(struct cf_plane_cfg){
		.workers = 2, .secret = other });
	const struct cf_numplan *cn = cf_numplan_builtin("86");
	unsigned int i, aimed = 0, on0 = 0, differ = 0;
	char caller[16];

	assert_int_equal(cf_plane_publish(p, compile_ok(rate_rules)), 0);
	assert_int_equal(cf_plane_publish(q, compile_ok(rate_rules)), 0);
	for (i = 0; aimed < 1000; i++) {
		struct cf_number n;

		snprintf(caller, sizeof(caller), "138%08u", i);
		cf_number_normalise(cn, caller, strlen(caller), CF_NAI_UNKNOWN,
				    &n);
		/* The old steering: cf_hash64 of the number, mod 2. */
		if (cf_hash64(n.key) % 2 != 0)
			continue;
		aimed++;
		on0 += owner_of(p, caller) == 0;
		differ += owner_of(p, caller) != owner_of(q, caller);
	}
	assert_true(on0 > 400 && on0 < 600);
	assert_true(differ > 400 && differ < 600);
	cf_plane_free(p);
	cf_plane_free(q);
}

/* Answers and releases follow their set-up; an unknown call goes to
 * every worker. */
static void
events_follow_setup(void **state)
{
	struct cf_plane *p = cf_plane_new(&(struct cf_plane_cfg){
		.workers = 3, .secret = secret, .owner_slots = 1024 });
	struct cf_plane_worker *w = cf_plane_worker(p, 0);
	struct cf_call c, rel;

	assert_int_equal(cf_plane_publish(p, compile_ok(rate_rules)), 0);
	cf_plane_begin(w);
	set_up(&c, "13800000001", "13900000000", S, "known");
	cf_plane_note_owner(w, &c, 2);
	rel = c;
	rel.event = CF_EVENT_RELEASE;
	assert_int_equal(cf_plane_event_owner(w, &rel), 2);
	set_up(&rel, "13800000001", "13900000000", S, "unknown");
	rel.event = CF_EVENT_RELEASE;
	assert_int_equal(cf_plane_event_owner(w, &rel), CF_PLANE_ALL);
	cf_plane_end(w, S);
	cf_plane_free(p);
}

/* ---- The judge step's counters ------------------------------------------ */

static void
counters_and_trial_rules(void **state)
{
	struct cf_plane *p = cf_plane_new(&(struct cf_plane_cfg){
		.workers = 1, .secret = secret });
	struct cf_plane_worker *w = cf_plane_worker(p, 0);
	uint16_t slots[CF_VERDICT_MONITOR_MAX];
	struct cf_verdict v;
	struct cf_call c;
	char names[128], *text = NULL;
	size_t len = 0;
	unsigned int i, k;
	FILE *f;

	assert_int_equal(cf_plane_publish(p, compile_ok(
		"rule trial { priority 1 when caller prefix 86138 action block "
		"monitor }\n"
		"rule trial2 { priority 2 when callee prefix 86139 action block "
		"monitor }\n"
		"rule bad { priority 3 when caller prefix 8613800000009 "
		"action block }\ndefault allow\n")), 0);
	cf_plane_begin(w);
	for (i = 0; i < 10; i++) {
		set_up(&c, i < 3 ? "13800000009" : "13800000001",
		       "13900000000", S, "c");
		assert_int_equal(cf_plane_judge(w, &c, &v), 0);
	}
	assert_int_equal(v.monitor_count, 2);
	for (k = 0; k < v.monitor_count; k++)
		slots[k] = (uint16_t)cf_plane_monitor_slot(w, &v, k);
	cf_plane_rule_names(p, slots, k, names, sizeof(names));
	assert_string_equal(names, "trial trial2");
	cf_plane_end(w, S);

	assert_int_equal(cf_plane_calls(p, CF_PROTO_SIP, CF_ACTION_BLOCK), 3);
	assert_int_equal(cf_plane_calls(p, CF_PROTO_SIP, CF_ACTION_ALLOW), 7);
	for (i = 0; i < cf_plane_rule_slots(p); i++) {
		const char *n = cf_plane_rule_name(p, i);

		if (strcmp(n, "trial") == 0 || strcmp(n, "trial2") == 0) {
			assert_int_equal(cf_plane_monitor_hits(p, i), 10);
			assert_int_equal(cf_plane_rule_hits(p, i), 0);
		} else if (strcmp(n, "bad") == 0) {
			assert_int_equal(cf_plane_rule_hits(p, i), 3);
		} else if (strcmp(n, "default") == 0) {
			assert_int_equal(cf_plane_rule_hits(p, i), 7);
		}
	}
	f = open_memstream(&text, &len);
	assert_int_equal(cf_plane_metrics_write(p, f), 0);
	fclose(f);
	assert_non_null(strstr(text, "callfence_rule_monitor_hits_total"
			       "{rule=\"trial\"} 10\n"));
	assert_non_null(strstr(text, "callfence_calls_total{proto=\"sip\","
			       "verdict=\"block\"} 3\n"));
	free(text);
	cf_plane_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(siphash_vector),
		cmocka_unit_test(idle_worker_keeps_state),
		cmocka_unit_test(changed_heuristics_start_afresh),
		cmocka_unit_test(block_steering),
		cmocka_unit_test(keyed_steering),
		cmocka_unit_test(events_follow_setup),
		cmocka_unit_test(counters_and_trial_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
