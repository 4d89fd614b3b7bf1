/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data plane with N workers, driven call by call from one thread:
 * how `callfence-bench quality --workers N` judges generated traffic as
 * a daemon with N worker cores would, with none of a daemon's races.
 *
 * Every set-up is judged on the worker cf_plane_steer() names and noted
 * as its owner; every answer and release goes to cf_plane_event_owner()'s
 * worker, or to every worker when that is CF_PLANE_ALL; each worker ends
 * its pass and starts the next every 256 events it is given, as the tap
 * and replay make them.  The steering key is drawn from a seed, so a run
 * is reproducible: same traffic, seed and worker count, same verdicts.
 *
 * With one worker it is what quality always ran: cf_plane_judge() and
 * cf_plane_observe() on worker 0, a pass every 256 events.
 *
 * Single-threaded: no worker registers with RCU, so the one publish (in
 * quality_plane_new()) never waits.
 */
#ifndef CALLFENCE_BENCH_QUALITY_PLANE_H
#define CALLFENCE_BENCH_QUALITY_PLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <callfence/call.h>
#include <callfence/plane.h>
#include <callfence/ruleset.h>

struct quality_plane_cfg {
	unsigned int workers;		/* 1 .. CF_PLANE_WORKERS_MAX */
	uint64_t steer_seed;		/* the steering key's two words */
	/* A self-check of the comparison, not a mode to measure: every
	 * misroute_every-th set-up is judged on the worker after its owner
	 * (and its answers and releases follow it there), as a steering
	 * bug would do it.  0 = never. */
	uint64_t misroute_every;
};

struct quality_plane;

/* A plane of cfg->workers workers judging with @rs (taken, whatever the
 * result), every worker in a pass.  NULL on a bad configuration or no
 * memory. */
struct quality_plane *quality_plane_new(const struct quality_plane_cfg *cfg,
					struct cf_ruleset *rs);
/* Ends every worker's pass and frees the plane and its ruleset.  NULL is
 * fine. */
void quality_plane_free(struct quality_plane *q);

/*
 * Give @call to the plane.  A set-up is judged on the worker that owns
 * it: returns that worker's id (>= 0) with *@v its verdict, valid until
 * the next call.  An answer or a release goes to the heuristics of its
 * owner (or of every worker): returns -1 and leaves *@v alone.
 */
int quality_plane_event(struct quality_plane *q, const struct cf_call *call,
			struct cf_verdict *v);

unsigned int quality_plane_workers(const struct quality_plane *q);
/* The ruleset judging (the plane's snapshot: valid while @q is). */
const struct cf_ruleset *quality_plane_ruleset(const struct quality_plane *q);
/* Worker @id, in a pass: for cf_plane_heur() and cf_heur_peek(). */
struct cf_plane_worker *quality_plane_worker(struct quality_plane *q,
					     unsigned int id);
/* Set-ups judged off their owner by misroute_every. */
uint64_t quality_plane_misrouted(const struct quality_plane *q);

/* Heuristic state one worker holds (every worker holds as much). */
size_t quality_plane_heur_memory(struct quality_plane *q);
/* Keys evicted and open calls expired, summed over tables and workers. */
void quality_plane_heur_stats(struct quality_plane *q, uint64_t *evicted,
			      uint64_t *expired);

#endif
