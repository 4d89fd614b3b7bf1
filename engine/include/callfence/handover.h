/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hand-over: how a call decoded on one worker reaches the worker that
 * owns it (cf_plane_owner()), for every front end that runs more than one
 * worker (the daemon, the pipeline benchmark).
 *
 * One SPSC ring (callfence/ring.h) per ordered pair of workers.  Each
 * worker's inbound capacity is fixed (@per_worker elements, split over
 * its n - 1 producers), so memory grows with the worker count, not with
 * its square.  Elements are built in place: a producer claims slots
 * during a receive burst and publishes them together, one release store
 * per destination; a consumer handles them in place and gives the slots
 * back.  A full ring is the front end's overload case: claim returns
 * NULL.
 *
 * Beside each ring runs a text lane: bytes of variable length that an
 * element carries (the echo block a SIP reply needs), reserved for the
 * element claimed last and released with it, so an element is as big as
 * what its owner needs and not as big as the largest message.
 *
 * Wake-up without a lost wake-up and without a system call while the
 * owner runs: an owner about to sleep marks itself sleeping, issues a
 * full fence and looks at its rings (cf_handover_sleep()); a producer
 * publishes, issues a full fence and reads the marks
 * (cf_handover_flush() returns the sleepers it must wake).  Either the
 * owner sees the element or the producer sees the mark.  How a sleeper
 * is woken (an eventfd, a futex) is the front end's.
 */
#ifndef CALLFENCE_HANDOVER_H
#define CALLFENCE_HANDOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CF_HANDOVER_WORKERS_MAX	64	/* a wake-up mask is 64 bits */

struct cf_handover;

/*
 * Rings between @n workers (1 .. CF_HANDOVER_WORKERS_MAX), elements of
 * @elem_size bytes; each worker can hold about @per_worker elements
 * handed to it (each ring gets the power of two at or below per_worker /
 * (n - 1), at least 2), and about @text_per_worker bytes of text (each
 * lane the power of two at or below text_per_worker / (n - 1), at least
 * CF_HANDOVER_TEXT_MIN; 0: no text).  NULL on a bad argument or no
 * memory.  Control thread.
 */
#define CF_HANDOVER_TEXT_MIN	(64u << 10)

struct cf_handover *cf_handover_new(unsigned int n, uint32_t per_worker,
				    size_t elem_size, size_t text_per_worker);
void cf_handover_free(struct cf_handover *h);
/* Bytes of ring memory. */
size_t cf_handover_memory(const struct cf_handover *h);
/* Elements one ring holds. */
uint32_t cf_handover_ring_capacity(const struct cf_handover *h);

/* ---- Producer: worker @from's thread ---------------------------------- */

/* A slot for the next element to @to (!= @from), or NULL when that ring
 * is full.  It travels at the next cf_handover_flush(). */
void *cf_handover_claim(struct cf_handover *h, unsigned int from,
			unsigned int to);
/* @len contiguous bytes of text for the element claimed last for @to,
 * travelling and given back with it; NULL when the lane has no room (or
 * @len exceeds half a lane): give the element back.  At most one text
 * per element. */
void *cf_handover_claim_text(struct cf_handover *h, unsigned int from,
			     unsigned int to, size_t len);
/* Give back the slot claimed last for @to (the element was not made),
 * and its text. */
void cf_handover_unclaim(struct cf_handover *h, unsigned int from,
			 unsigned int to);
/* Publish what @from claimed, one release store per ring; returns the
 * workers it handed something to that sleep: wake them (bit i = worker
 * i).  Once per receive burst. */
uint64_t cf_handover_flush(struct cf_handover *h, unsigned int from);

/* ---- Consumer: worker @to's thread ------------------------------------ */

/* Handle up to @max elements of each ring into @to, in place, with @fn;
 * returns how many.  The slots are given back after @fn returns. */
unsigned int cf_handover_drain(struct cf_handover *h, unsigned int to,
			       unsigned int max,
			       void (*fn)(void *ctx, void *elem), void *ctx);
/* Whether any ring into @to holds elements. */
bool cf_handover_pending(const struct cf_handover *h, unsigned int to);
/* About to sleep: marks @to sleeping and says whether it may (nothing is
 * pending).  cf_handover_wake() after the sleep, whatever it said. */
bool cf_handover_sleep(struct cf_handover *h, unsigned int to);
void cf_handover_wake(struct cf_handover *h, unsigned int to);

#endif /* CALLFENCE_HANDOVER_H */
