/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data plane's snapshot, judge step and counters (callfence/plane.h).
 *
 * Who writes what:
 *  - struct cf_plane: the snapshot pointer and the rule names are written
 *    by the control thread (publish), read by workers and by metrics
 *    readers; everything else is set at creation.
 *  - struct cf_plane_worker: written by its worker thread alone; its
 *    counters are read by any thread with relaxed loads.
 *  - the owner table (steer.c): written and read by every worker with
 *    relaxed atomics; a stale entry only sends an event to every worker.
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <urcu-qsbr.h>

#include "plane_impl.h"

/*
 * ThreadSanitizer cannot see liburcu's grace periods (the library is not
 * instrumented): each worker announces its quiescent states to it as
 * releases of its context, and the control thread acquires every
 * worker's after synchronize_rcu(), which is exactly the ordering RCU
 * guarantees.  The snapshot pointer is published and read with C11
 * atomics (release / acquire: what rcu_assign_pointer() and
 * rcu_dereference() give), which TSan understands.
 */
#if defined(__SANITIZE_THREAD__)
#define PLANE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PLANE_TSAN 1
#endif
#endif
#ifdef PLANE_TSAN
#include <sanitizer/tsan_interface.h>
#define tsan_release(addr)	__tsan_release(addr)
#define tsan_acquire(addr)	__tsan_acquire(addr)
#else
#define tsan_release(addr)	((void)(addr))
#define tsan_acquire(addr)	((void)(addr))
#endif

static void
snap_free(struct plane_snap *s, unsigned int n)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < n && s->scratch; i++)
		cf_ruleset_scratch_free(s->scratch[i]);
	free(s->scratch);
	free(s->rule_slot);
	cf_ruleset_free(s->rs);
	free(s);
}

/* The counter slot of rule id @id: the same id keeps its slot across
 * reloads, so hits by rule survive them.  Control thread. */
static uint16_t
rule_slot(struct cf_plane *p, const char *id)
{
	unsigned int i, n = p->n_rule_names;

	for (i = 0; i < n; i++)
		if (strncmp(p->rule_names[i], id, CF_PLANE_RULE_NAME - 1) == 0)
			return (uint16_t)i;
	if (n >= CF_PLANE_RULE_SLOTS - 1) {
		if (n == CF_PLANE_RULE_SLOTS - 1) {
			snprintf(p->rule_names[n], CF_PLANE_RULE_NAME, "other");
			__atomic_store_n(&p->n_rule_names, n + 1,
					 __ATOMIC_RELEASE);
		}
		return CF_PLANE_RULE_SLOTS - 1;
	}
	snprintf(p->rule_names[n], CF_PLANE_RULE_NAME, "%s", id);
	/* Readers look at names below n_rule_names only. */
	__atomic_store_n(&p->n_rule_names, n + 1, __ATOMIC_RELEASE);
	return (uint16_t)n;
}

struct cf_plane *
cf_plane_new(const struct cf_plane_cfg *cfg)
{
	struct cf_plane *p;
	unsigned int i;

	if (cfg->workers == 0 || cfg->workers > CF_PLANE_WORKERS_MAX ||
	    (cfg->owner_slots & (cfg->owner_slots - 1)) != 0)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->n_workers = cfg->workers;
	if (posix_memalign((void **)&p->workers, 64,
			   p->n_workers * sizeof(*p->workers)) != 0) {
		free(p);
		return NULL;
	}
	memset(p->workers, 0, p->n_workers * sizeof(*p->workers));
	for (i = 0; i < p->n_workers; i++) {
		p->workers[i].p = p;
		p->workers[i].id = i;
	}
	if (cfg->secret) {
		memcpy(p->secret, cfg->secret, sizeof(p->secret));
	} else if (getrandom(p->secret, sizeof(p->secret), 0) !=
		   (ssize_t)sizeof(p->secret)) {
		cf_plane_free(p);
		return NULL;
	}
	if (p->n_workers > 1 && plane_owners_init(p, cfg->owner_slots) < 0) {
		cf_plane_free(p);
		return NULL;
	}
	/* The default's slot first, so it is slot 0 in every process. */
	rule_slot(p, "default");
	return p;
}

void
cf_plane_free(struct cf_plane *p)
{
	if (!p)
		return;
	snap_free(p->snap, p->n_workers);
	free(p->owners);
	free(p->workers);
	free(p);
}

/* A snapshot of @rs, its scratches sharing @old's heuristic tables when
 * the heuristics are the same.  Control thread. */
static struct plane_snap *
snap_build(struct cf_plane *p, struct cf_ruleset *rs,
	   const struct plane_snap *old, bool *carried)
{
	struct plane_snap *s = calloc(1, sizeof(*s));
	unsigned int i;
	bool shared = false;

	*carried = false;
	if (!s)
		return NULL;
	s->n_rules = cf_ruleset_rule_count(rs);
	s->scratch = calloc(p->n_workers, sizeof(*s->scratch));
	s->rule_slot = calloc(s->n_rules + 1, sizeof(*s->rule_slot));
	if (!s->scratch || !s->rule_slot)
		goto fail;
	for (i = 0; i < p->n_workers; i++) {
		s->scratch[i] = cf_ruleset_scratch_alloc_after(rs,
			old ? old->scratch[i] : NULL, &shared);
		if (!s->scratch[i])
			goto fail;
		/* Callee-keyed measures see 1/n of the callers. */
		cf_ruleset_scratch_set_shards(s->scratch[i], p->n_workers);
		*carried = shared;
	}
	for (i = 0; i < s->n_rules; i++)
		s->rule_slot[i] = rule_slot(p, cf_ruleset_rule_id(rs, i));
	s->rule_slot[s->n_rules] = rule_slot(p, "default");
	s->rs = rs;
	return s;
fail:
	/* Not published: the scratches never owned @old's tables. */
	s->rs = NULL;
	snap_free(s, p->n_workers);
	return NULL;
}

int
cf_plane_publish(struct cf_plane *p, struct cf_ruleset *rs)
{
	struct plane_snap *old = p->snap, *s;
	unsigned int i;
	bool carried;

	s = snap_build(p, rs, old, &carried);
	if (!s) {
		cf_ruleset_free(rs);
		return -ENOMEM;
	}
	s->generation = old ? old->generation + 1 : 1;
	/* The tables belong to the new snapshot from now on: workers may
	 * use them through either until the grace period ends, one pass
	 * (and so one snapshot) at a time. */
	if (carried)
		for (i = 0; i < p->n_workers; i++)
			cf_ruleset_scratch_heur_commit(s->scratch[i],
						       old->scratch[i]);
	p->carried = carried;
	__atomic_store_n(&p->steer_digits, cf_ruleset_steer_digits(rs),
			 __ATOMIC_RELAXED);
	/* rcu_assign_pointer(): the snapshot is whole before it is seen. */
	__atomic_store_n(&p->snap, s, __ATOMIC_RELEASE);
	if (old) {
		/* Workers may still judge with @old until their next
		 * quiescent state: wait for all of them. */
		synchronize_rcu();
		for (i = 0; i < p->n_workers; i++)
			tsan_acquire(&p->workers[i]);
		snap_free(old, p->n_workers);
	}
	return 0;
}

uint64_t
cf_plane_generation(const struct cf_plane *p)
{
	const struct plane_snap *s = __atomic_load_n(&p->snap,
						     __ATOMIC_ACQUIRE);

	/* The control thread publishes and reads; other readers get a
	 * value that may be one behind. */
	return s ? s->generation : 0;
}

bool
cf_plane_heur_carried(const struct cf_plane *p)
{
	return p->carried;
}

unsigned int
cf_plane_worker_count(const struct cf_plane *p)
{
	return p->n_workers;
}

struct cf_plane_worker *
cf_plane_worker(struct cf_plane *p, unsigned int id)
{
	return id < p->n_workers ? &p->workers[id] : NULL;
}

/* ---- Worker side ---------------------------------------------------- */

void
cf_plane_register(struct cf_plane_worker *w)
{
	rcu_register_thread();
	w->registered = true;
}

void
cf_plane_unregister(struct cf_plane_worker *w)
{
	w->snap = NULL;
	tsan_release(w);
	rcu_unregister_thread();
	w->registered = false;
}

void
cf_plane_begin(struct cf_plane_worker *w)
{
	/* rcu_dereference() */
	w->snap = __atomic_load_n(&w->p->snap, __ATOMIC_ACQUIRE);
}

void
cf_plane_end(struct cf_plane_worker *w, uint64_t now_ns)
{
	struct plane_snap *s = w->snap;

	/* Calls whose release never came: a few sets per pass. */
	if (s)
		cf_ruleset_expire(s->rs, s->scratch[w->id], now_ns, 4);
	w->snap = NULL;
	if (w->registered) {
		tsan_release(w);
		rcu_quiescent_state();
	}
}

void
cf_plane_offline(struct cf_plane_worker *w)
{
	if (w->registered) {
		tsan_release(w);
		rcu_thread_offline();
	}
}

void
cf_plane_online(struct cf_plane_worker *w)
{
	if (w->registered)
		rcu_thread_online();
}

const struct cf_ruleset *
cf_plane_ruleset(const struct cf_plane_worker *w)
{
	return w->snap->rs;
}

uint64_t
cf_plane_pass_generation(const struct cf_plane_worker *w)
{
	return w->snap->generation;
}

/* A relaxed increment of a counter only this thread writes: readers on
 * other threads load it whole, never torn. */
static inline void
bump(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

/* A blocked call is over as it is judged: end it for the open-call
 * measures (concurrent-calls), as no party will.  Worker thread. */
static void
end_refused(struct cf_plane_worker *w, const struct cf_call *call)
{
	struct plane_snap *s = w->snap;

	w->release = *call;
	w->release.event = CF_EVENT_RELEASE;
	w->release.refused = true;
	w->release.release_cause = 21;		/* Q.850: call rejected */
	cf_ruleset_observe(s->rs, s->scratch[w->id], &w->release);
}

int
cf_plane_judge(struct cf_plane_worker *w, const struct cf_call *call,
	       struct cf_verdict *v)
{
	struct plane_snap *s = w->snap;
	unsigned int i, n;

	if (cf_ruleset_judge(s->rs, s->scratch[w->id], call, v) < 0) {
		/* A scratch that does not fit its ruleset is a bug; say so
		 * and let the front end apply its failure policy. */
		memset(v, 0, sizeof(*v));
		v->action = CF_ACTION_ALLOW;
		v->rule = "error";
		v->reason = "the ruleset could not judge";
		v->rule_index = -1;
		v->match.label = "";
		bump(&w->judge_errors, 1);
		return -1;
	}
	bump(&w->calls[call->proto < CF_PROTO__COUNT ? call->proto : 0]
		      [v->action], 1);
	if (v->action == CF_ACTION_BLOCK)
		end_refused(w, call);
	bump(&w->rule_hits[cf_plane_rule_slot(w, v)], 1);
	n = v->monitor_count < CF_VERDICT_MONITOR_MAX ? v->monitor_count :
							CF_VERDICT_MONITOR_MAX;
	for (i = 0; i < n; i++)
		bump(&w->monitor_hits[cf_plane_monitor_slot(w, v, i)], 1);
	/* Monitor rules past the verdict's room are counted together. */
	if (v->monitor_count > n)
		bump(&w->monitor_hits[CF_PLANE_RULE_SLOTS - 1],
		     v->monitor_count - n);
	return 0;
}

void
cf_plane_observe(struct cf_plane_worker *w, const struct cf_call *call)
{
	struct plane_snap *s = w->snap;

	cf_ruleset_observe(s->rs, s->scratch[w->id], call);
}

const struct cf_heur *
cf_plane_heur(const struct cf_plane_worker *w, unsigned int i)
{
	return cf_ruleset_scratch_heur(w->snap->scratch[w->id], i);
}

unsigned int
cf_plane_rule_slot(const struct cf_plane_worker *w, const struct cf_verdict *v)
{
	const struct plane_snap *s = w->snap;

	if (v->rule_index >= 0 && (unsigned int)v->rule_index < s->n_rules)
		return s->rule_slot[v->rule_index];
	return s->rule_slot[s->n_rules];
}

unsigned int
cf_plane_monitor_slot(const struct cf_plane_worker *w,
		      const struct cf_verdict *v, unsigned int i)
{
	const struct plane_snap *s = w->snap;
	unsigned int r = v->monitor[i];

	return r < s->n_rules ? s->rule_slot[r] : CF_PLANE_RULE_SLOTS - 1;
}

int
cf_plane_rule_names(const struct cf_plane *p, const uint16_t *slots,
		    unsigned int n, char *buf, size_t size)
{
	size_t len = 0;
	unsigned int i;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < n; i++) {
		int k = snprintf(buf + (len < size ? len : size),
				 len < size ? size - len : 0, "%s%s",
				 i ? " " : "", cf_plane_rule_name(p, slots[i]));

		if (k < 0)
			return -1;
		len += (size_t)k;
	}
	return (int)len;
}

/* ---- Counters ---------------------------------------------------------- */

static uint64_t
load(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* A counter at byte @off of every worker's context, summed. */
static uint64_t
sum_workers(const struct cf_plane *p, size_t off)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < p->n_workers; i++)
		sum += load((const uint64_t *)((const char *)&p->workers[i] +
					       off));
	return sum;
}

uint64_t
cf_plane_calls(const struct cf_plane *p, enum cf_proto proto,
	       enum cf_action action)
{
	if ((unsigned int)proto >= CF_PROTO__COUNT ||
	    (unsigned int)action >= CF_ACTION__COUNT)
		return 0;
	return sum_workers(p, offsetof(struct cf_plane_worker,
				       calls[proto][action]));
}

uint64_t
cf_plane_judge_errors(const struct cf_plane *p)
{
	return sum_workers(p, offsetof(struct cf_plane_worker, judge_errors));
}

unsigned int
cf_plane_rule_slots(const struct cf_plane *p)
{
	return __atomic_load_n(&p->n_rule_names, __ATOMIC_ACQUIRE);
}

const char *
cf_plane_rule_name(const struct cf_plane *p, unsigned int slot)
{
	return slot < cf_plane_rule_slots(p) ? p->rule_names[slot] : "other";
}

uint64_t
cf_plane_rule_hits(const struct cf_plane *p, unsigned int slot)
{
	if (slot >= CF_PLANE_RULE_SLOTS)
		return 0;
	return sum_workers(p, offsetof(struct cf_plane_worker,
				       rule_hits[slot]));
}

uint64_t
cf_plane_monitor_hits(const struct cf_plane *p, unsigned int slot)
{
	if (slot >= CF_PLANE_RULE_SLOTS)
		return 0;
	return sum_workers(p, offsetof(struct cf_plane_worker,
				       monitor_hits[slot]));
}

int
cf_plane_metrics_write(const struct cf_plane *p, FILE *out)
{
	unsigned int i, j, n = cf_plane_rule_slots(p);

	fputs("# HELP callfence_calls_total Calls judged, by protocol and "
	      "verdict\n# TYPE callfence_calls_total counter\n", out);
	for (i = 1; i < CF_PROTO__COUNT; i++)
		for (j = 0; j < CF_ACTION__COUNT; j++)
			fprintf(out, "callfence_calls_total{proto=\"%s\","
				"verdict=\"%s\"} %llu\n",
				cf_proto_name((enum cf_proto)i),
				cf_action_name((enum cf_action)j),
				(unsigned long long)cf_plane_calls(p,
					(enum cf_proto)i, (enum cf_action)j));
	fputs("# HELP callfence_judge_errors_total Calls the ruleset could "
	      "not judge, answered by the failure policy\n"
	      "# TYPE callfence_judge_errors_total counter\n", out);
	fprintf(out, "callfence_judge_errors_total %llu\n",
		(unsigned long long)cf_plane_judge_errors(p));
	fputs("# HELP callfence_rule_hits_total Calls decided by each rule "
	      "(rule ids keep their counters across reloads)\n"
	      "# TYPE callfence_rule_hits_total counter\n", out);
	for (i = 0; i < n; i++)
		fprintf(out, "callfence_rule_hits_total{rule=\"%s\"} %llu\n",
			p->rule_names[i],
			(unsigned long long)cf_plane_rule_hits(p, i));
	fputs("# HELP callfence_rule_monitor_hits_total Calls a trial "
	      "(monitor) rule would have decided\n"
	      "# TYPE callfence_rule_monitor_hits_total counter\n", out);
	for (i = 0; i < n; i++)
		fprintf(out, "callfence_rule_monitor_hits_total{rule=\"%s\"} "
			"%llu\n", p->rule_names[i],
			(unsigned long long)cf_plane_monitor_hits(p, i));
	return ferror(out) ? -1 : 0;
}
