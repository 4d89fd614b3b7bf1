/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data plane: what every front end (the daemon's screening workers
 * and tap, `callfence replay`, the benchmarks) runs between a call event
 * and its verdict, so a verdict never depends on which of them ran.
 *
 *  - The ruleset in force is an immutable snapshot published with RCU
 *    (liburcu QSBR): cf_plane_publish() builds one scratch per worker,
 *    hands the heuristic tables over from the old snapshot when the
 *    heuristics are unchanged (the same tables, never a second set),
 *    publishes, waits a grace period and frees the old snapshot.
 *  - Steering: a set-up is judged on the worker that owns its caller's
 *    block (the shortest block a heuristic keys on), chosen by a hash
 *    keyed with a secret drawn at start, so caller- and block-keyed
 *    measures are exact whatever the worker count and an attacker cannot
 *    aim a set of callers at one core.  Answers and releases follow the
 *    set-up to its owner through a small table of call references.
 *  - The judge step: heuristics count the set-up, the rules decide, and
 *    the worker's counters (calls by protocol and verdict, hits and trial
 *    "would match" hits by rule) are kept; a blocked call is ended for
 *    the open-call measures at once (nobody will release it); a judge
 *    error is counted and reported for the front end's failure policy.
 *
 * One struct cf_plane_worker per judging thread, cache-aligned, written by
 * that thread alone; counters are read by any thread (relaxed loads).
 */
#ifndef CALLFENCE_PLANE_H
#define CALLFENCE_PLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <callfence/call.h>
#include <callfence/ruleset.h>

#define CF_PLANE_WORKERS_MAX	64
/* Distinct rule ids with counters over the process's life; ids beyond
 * share the last slot, named "other". */
#define CF_PLANE_RULE_SLOTS	512
#define CF_PLANE_RULE_NAME	48	/* bytes kept of a rule id */
/* A non-set-up event whose owner is not known goes to every worker. */
#define CF_PLANE_ALL		(-1)

struct cf_plane;
struct cf_plane_worker;

struct cf_plane_cfg {
	unsigned int workers;		/* 1 .. CF_PLANE_WORKERS_MAX */
	/* Key of the steering hash; NULL: drawn from getrandom() (tests
	 * give one to be reproducible). */
	const uint64_t *secret;		/* 2 words */
	/* Call references remembered for steering answers and releases
	 * (a power of two; 0 = 2^20).  Unused with one worker. */
	uint32_t owner_slots;
};

/* NULL on a bad argument or no memory.  Control thread. */
struct cf_plane *cf_plane_new(const struct cf_plane_cfg *cfg);
/* Free the plane and the snapshot in force: after every worker thread has
 * unregistered.  NULL is fine. */
void cf_plane_free(struct cf_plane *p);

/*
 * Make @rs (taken, whatever the result) the ruleset in force: a snapshot
 * with a scratch per worker, heuristic state carried over when the
 * heuristics are the same, published with rcu_assign_pointer(); then a
 * grace period, then the old snapshot is freed.  Returns 0, or -ENOMEM
 * with the old snapshot untouched.  Control thread only (it blocks in
 * synchronize_rcu() until every worker has passed a quiescent state).
 */
int cf_plane_publish(struct cf_plane *p, struct cf_ruleset *rs);

/* Generation of the snapshot in force (1 for the first), 0 before any.
 * Any thread. */
uint64_t cf_plane_generation(const struct cf_plane *p);
/* Whether the last publish carried the heuristic state over. */
bool cf_plane_heur_carried(const struct cf_plane *p);
unsigned int cf_plane_worker_count(const struct cf_plane *p);
struct cf_plane_worker *cf_plane_worker(struct cf_plane *p, unsigned int id);

/* ---- A worker thread's side ------------------------------------------- */

/*
 * A judging thread registers as an RCU reader before its first pass and
 * unregisters after its last.  A pass is: cf_plane_begin() (the snapshot
 * it judges with), any number of judge/observe calls, cf_plane_end()
 * (a few open calls expired, then a quiescent state).  A thread that
 * waits for input goes offline so a reload never waits for it.  A
 * single-threaded front end (replay) needs no registration: with no
 * reader registered a publish does not wait.
 */
void cf_plane_register(struct cf_plane_worker *w);
void cf_plane_unregister(struct cf_plane_worker *w);
void cf_plane_begin(struct cf_plane_worker *w);
void cf_plane_end(struct cf_plane_worker *w, uint64_t now_ns);
void cf_plane_offline(struct cf_plane_worker *w);
void cf_plane_online(struct cf_plane_worker *w);

/* The snapshot of the pass: its ruleset (numbering plan, rules) and
 * generation.  Valid until cf_plane_end(). */
const struct cf_ruleset *cf_plane_ruleset(const struct cf_plane_worker *w);
uint64_t cf_plane_pass_generation(const struct cf_plane_worker *w);

/* The worker that owns @call's caller (a set-up).  Any thread: a
 * receiving thread that is not a judging worker (a benchmark's producer)
 * uses cf_plane_steer(). */
unsigned int cf_plane_owner(const struct cf_plane_worker *w,
			    const struct cf_call *call);
unsigned int cf_plane_steer(const struct cf_plane *p,
			    const struct cf_call *call);
/* Remember that @call (a set-up) went to @owner, for its answers and
 * releases.  The thread that steered it, in a pass. */
void cf_plane_note_owner(struct cf_plane_worker *w, const struct cf_call *call,
			 unsigned int owner);
/* The owner of an answer or release, or CF_PLANE_ALL when its set-up was
 * not seen or was forgotten (give it to every worker: those that do not
 * know the call count it unmatched).  Worker thread, in a pass. */
int cf_plane_event_owner(const struct cf_plane_worker *w,
			 const struct cf_call *call);

/*
 * Judge @call, a set-up, on the worker that owns it: every heuristic table
 * counts it, the rules decide, the counters are kept.  Returns 0, or -1
 * when the ruleset could not judge (a bug: counted as a judge error; *@v
 * then says allow by rule "error", and the front end applies its failure
 * policy).  Strings in *@v live as long as the pass.  Worker thread.
 */
int cf_plane_judge(struct cf_plane_worker *w, const struct cf_call *call,
		   struct cf_verdict *v);
/* An answer or release (or a set-up not judged): to the heuristics. */
void cf_plane_observe(struct cf_plane_worker *w, const struct cf_call *call);
/* Heuristic table @i of the worker's scratch in this pass, NULL past the
 * last (tests and diagnostics).  Worker thread, in a pass. */
const struct cf_heur *cf_plane_heur(const struct cf_plane_worker *w,
				    unsigned int i);

/* Counter slot of the verdict's deciding rule and of its i-th monitor
 * rule (i < v->monitor_count, capped at CF_VERDICT_MONITOR_MAX): stable
 * across reloads, named by cf_plane_rule_name().  Worker thread, in the
 * pass that judged @v. */
unsigned int cf_plane_rule_slot(const struct cf_plane_worker *w,
				const struct cf_verdict *v);
unsigned int cf_plane_monitor_slot(const struct cf_plane_worker *w,
				   const struct cf_verdict *v, unsigned int i);

/* The names of @n rule slots, space-separated, into @buf (snprintf-like):
 * how the verdict log and replay write the trial rules of a verdict.
 * Any thread. */
int cf_plane_rule_names(const struct cf_plane *p, const uint16_t *slots,
			unsigned int n, char *buf, size_t size);

/* ---- Counters: any thread -------------------------------------------- */

uint64_t cf_plane_calls(const struct cf_plane *p, enum cf_proto proto,
			enum cf_action action);
uint64_t cf_plane_judge_errors(const struct cf_plane *p);
/* Rule slots in use, their names (append-only: a name never changes). */
unsigned int cf_plane_rule_slots(const struct cf_plane *p);
const char *cf_plane_rule_name(const struct cf_plane *p, unsigned int slot);
uint64_t cf_plane_rule_hits(const struct cf_plane *p, unsigned int slot);
uint64_t cf_plane_monitor_hits(const struct cf_plane *p, unsigned int slot);

/*
 * The plane's counters in the Prometheus text format: calls by protocol
 * and verdict, decisions and trial ("monitor") matches by rule, judge
 * errors.  Any thread.
 */
int cf_plane_metrics_write(const struct cf_plane *p, FILE *out);

#endif /* CALLFENCE_PLANE_H */
