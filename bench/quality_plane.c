/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The data plane with N workers from one thread (quality_plane.h). */

#include <stdlib.h>

#include <callfence/heur.h>

#include "bench_util.h"
#include "quality_plane.h"

/* Events a worker is given between two of its passes' ends. */
#define PASS_EVENTS	256

struct quality_plane {
	struct cf_plane *plane;
	unsigned int n;
	uint64_t misroute_every;
	uint64_t setups, misrouted;
	/* Events given to each worker: its passes end every PASS_EVENTS. */
	uint64_t given[CF_PLANE_WORKERS_MAX];
};

struct quality_plane *
quality_plane_new(const struct quality_plane_cfg *cfg, struct cf_ruleset *rs)
{
	uint64_t secret[2], state = cfg->steer_seed;
	struct quality_plane *q;
	unsigned int i;

	if (cfg->workers == 0 || cfg->workers > CF_PLANE_WORKERS_MAX) {
		cf_ruleset_free(rs);
		return NULL;
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		cf_ruleset_free(rs);
		return NULL;
	}
	q->n = cfg->workers;
	q->misroute_every = cfg->misroute_every;
	secret[0] = bench_rand(&state);
	secret[1] = bench_rand(&state);
	q->plane = cf_plane_new(&(struct cf_plane_cfg){
		.workers = cfg->workers, .secret = secret });
	if (!q->plane) {
		cf_ruleset_free(rs);
		free(q);
		return NULL;
	}
	/* Nobody is registered with RCU: the publish does not wait. */
	if (cf_plane_publish(q->plane, rs) < 0) {
		cf_plane_free(q->plane);
		free(q);
		return NULL;
	}
	for (i = 0; i < q->n; i++)
		cf_plane_begin(cf_plane_worker(q->plane, i));
	return q;
}

void
quality_plane_free(struct quality_plane *q)
{
	unsigned int i;

	if (!q)
		return;
	for (i = 0; i < q->n; i++)
		cf_plane_end(cf_plane_worker(q->plane, i), 0);
	cf_plane_free(q->plane);
	free(q);
}

/* Worker @id is about to be given an event of time @now: every
 * PASS_EVENTS it ends its pass (a few open calls expired) and starts the
 * next, as a worker does after each burst. */
static struct cf_plane_worker *
give(struct quality_plane *q, unsigned int id, uint64_t now)
{
	struct cf_plane_worker *w = cf_plane_worker(q->plane, id);

	if (++q->given[id] % PASS_EVENTS == 0) {
		cf_plane_end(w, now);
		cf_plane_begin(w);
	}
	return w;
}

int
quality_plane_event(struct quality_plane *q, const struct cf_call *call,
		    struct cf_verdict *v)
{
	struct cf_plane_worker *w0 = cf_plane_worker(q->plane, 0);
	unsigned int id, i;
	int owner;

	if (call->event == CF_EVENT_SETUP) {
		id = cf_plane_steer(q->plane, call);
		q->setups++;
		if (q->misroute_every && q->n > 1 &&
		    q->setups % q->misroute_every == 0) {
			id = (id + 1) % q->n;
			q->misrouted++;
		}
		/* Noted before the pass may end: any worker in a pass
		 * writes the owner table, here the one steering. */
		cf_plane_note_owner(w0, call, id);
		cf_plane_judge(give(q, id, call->rx_ns), call, v);
		return (int)id;
	}
	/* Answers and releases: short and concurrent calls. */
	owner = cf_plane_event_owner(w0, call);
	if (owner != CF_PLANE_ALL) {
		cf_plane_observe(give(q, (unsigned int)owner, call->rx_ns),
				 call);
		return -1;
	}
	for (i = 0; i < q->n; i++)
		cf_plane_observe(give(q, i, call->rx_ns), call);
	return -1;
}

unsigned int
quality_plane_workers(const struct quality_plane *q)
{
	return q->n;
}

const struct cf_ruleset *
quality_plane_ruleset(const struct quality_plane *q)
{
	return cf_plane_ruleset(cf_plane_worker(q->plane, 0));
}

struct cf_plane_worker *
quality_plane_worker(struct quality_plane *q, unsigned int id)
{
	return cf_plane_worker(q->plane, id);
}

uint64_t
quality_plane_misrouted(const struct quality_plane *q)
{
	return q->misrouted;
}

size_t
quality_plane_heur_memory(struct quality_plane *q)
{
	const struct cf_plane_worker *w = cf_plane_worker(q->plane, 0);
	unsigned int i, n = cf_ruleset_heur_count(cf_plane_ruleset(w));
	size_t sum = 0;

	for (i = 0; i < n; i++)
		sum += cf_heur_memory(cf_plane_heur(w, i));
	return sum;
}

void
quality_plane_heur_stats(struct quality_plane *q, uint64_t *evicted,
			 uint64_t *expired)
{
	unsigned int i, h, n;

	*evicted = *expired = 0;
	for (i = 0; i < q->n; i++) {
		const struct cf_plane_worker *w = cf_plane_worker(q->plane, i);

		n = cf_ruleset_heur_count(cf_plane_ruleset(w));
		for (h = 0; h < n; h++) {
			const struct cf_heur_stats *st =
				cf_heur_stats(cf_plane_heur(w, h));

			*evicted += st->evicted;
			*expired += st->expired;
		}
	}
}
