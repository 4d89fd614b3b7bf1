/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hand-over in the daemon: every call is judged on the core that owns
 * its caller (cf_plane_owner(): the caller's block, keyed hash), so that
 * core alone holds the caller's heuristic state and its retransmission
 * cache entry.  The engine's hand-over rings (callfence/handover.h) carry
 * the jobs, built in place and published once per receive burst; this
 * file wires them to the workers and wakes a sleeping owner through its
 * eventfd, at most once per burst.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "worker.h"

struct cfd_job *
cfd_steer_claim(struct cf_worker *w, unsigned int owner)
{
	return cf_handover_claim(w->d->handover, w->id, owner);
}

void
cfd_steer_unclaim(struct cf_worker *w, unsigned int owner)
{
	cf_handover_unclaim(w->d->handover, w->id, owner);
}

void
cfd_steer_flush(struct cf_worker *w)
{
	uint64_t wake;
	unsigned int i;

	if (!w->d->handover)
		return;
	wake = cf_handover_flush(w->d->handover, w->id);
	for (i = 0; wake; i++, wake >>= 1)
		if (wake & 1)
			cfd_worker_wake(w->d->workers[i]);
}

bool
cfd_steer_pending(const struct cf_worker *w)
{
	return w->d->handover && cf_handover_pending(w->d->handover, w->id);
}

void
cfd_worker_wake(struct cf_worker *w)
{
	uint64_t one = 1;

	/* EAGAIN: the counter is already non-zero, the owner will wake. */
	if (write(w->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		cfd_log("worker %u: wake: %s", w->id, strerror(errno));
}

/* Any call's text fits a lane (cf_handover_claim_text() takes half). */
_Static_assert(CFD_TEXT_MAX <= CF_HANDOVER_TEXT_MIN / 2,
	       "a call's text must fit half a hand-over text lane");

int
cfd_worker_link(struct cfd *d)
{
	if (d->n_workers < 2)
		return 0;
	/* ring-size is each worker's inbound room, whatever the count. */
	d->handover = cf_handover_new(d->n_workers, d->cfg.ring_size,
				      sizeof(struct cfd_job),
				      (size_t)d->cfg.ring_size *
				      CFD_TEXT_PER_JOB);
	return d->handover ? 0 : -1;
}
