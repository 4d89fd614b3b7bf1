/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hand-over: every call is judged on the core that owns its caller
 * (cf_plane_owner(): the caller's block, keyed hash), so that core alone
 * holds the caller's heuristic state and its retransmission cache entry.
 * Calls cross on SPSC rings, one per ordered pair of workers; a full ring
 * is the overload case.  Jobs are
 * built in place in the ring's slots and published once per receive
 * burst, so a burst costs one release store per destination and at most
 * one wake-up per sleeping owner.
 *
 * Wake-up protocol (no lost wake-up, no syscall while the owner runs):
 * the owner sets `sleeping`, issues a full fence, then checks its rings
 * before blocking in poll(); a producer enqueues, issues a full fence,
 * then reads `sleeping` and writes the owner's eventfd only if it is
 * set.  Either the owner sees the job or the producer sees the flag.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "worker.h"

struct cfd_job *
cfd_steer_claim(struct cf_worker *w, unsigned int owner)
{
	struct cfd_job *j = cf_ring_claim(w->to[owner], w->claimed[owner]);

	if (j)
		w->claimed[owner]++;
	return j;
}

void
cfd_steer_flush(struct cf_worker *w)
{
	struct cfd *d = w->d;
	unsigned int i;
	bool any = false;

	for (i = 0; i < d->n_workers; i++) {
		if (!w->claimed[i])
			continue;
		/* Release: the jobs are written before the owner sees them. */
		cf_ring_publish(w->to[i], w->claimed[i]);
		any = true;
	}
	if (!any)
		return;
	/* Pairs with the owner's fence between setting `sleeping` and
	 * looking at its rings (see the top of this file). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (i = 0; i < d->n_workers; i++) {
		if (!w->claimed[i])
			continue;
		w->claimed[i] = 0;
		if (__atomic_load_n(&d->workers[i]->sleeping, __ATOMIC_RELAXED))
			cfd_worker_wake(d->workers[i]);
	}
}

bool
cfd_steer_pending(const struct cf_worker *w)
{
	unsigned int i;

	for (i = 0; i < w->d->n_workers; i++)
		if (w->from[i] && cf_ring_count(w->from[i]) > 0)
			return true;
	return false;
}

void
cfd_worker_wake(struct cf_worker *w)
{
	uint64_t one = 1;

	/* EAGAIN: the counter is already non-zero, the owner will wake. */
	if (write(w->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		cfd_log("worker %u: wake: %s", w->id, strerror(errno));
}

int
cfd_worker_link(struct cfd *d)
{
	unsigned int i, j;

	for (i = 0; i < d->n_workers; i++) {
		for (j = 0; j < d->n_workers; j++) {
			if (i == j)
				continue;
			d->workers[i]->to[j] = cf_ring_new(d->cfg.ring_size,
							   sizeof(struct cfd_job));
			if (!d->workers[i]->to[j])
				return -1;
			d->workers[j]->from[i] = d->workers[i]->to[j];
		}
	}
	return 0;
}
