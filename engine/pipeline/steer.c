/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Steering: which worker judges a call.
 *
 * A set-up goes to the worker owning its caller's block: the first D
 * digits of the normalised caller, D the shortest block length the
 * ruleset's caller-keyed heuristics use (the whole number when none keys
 * on a block).  Every number of a block meets on one worker, so every
 * caller- and block-keyed count is the count replay makes, whatever the
 * worker count.  The price: a block's calls share one core, which bounds
 * how far one block's traffic spreads (a 9-digit block of a 13-digit
 * plan is 10 000 numbers).
 *
 * The caller is chosen by the attacker, so the block is hashed with
 * SipHash-2-4 under a key drawn at start: without the key no set of
 * callers can be aimed at one core.
 *
 * Answers and releases name no caller reliably (a BYE's From is whoever
 * hung up, a response does not repeat the P-Asserted-Identity), so they
 * follow their set-up by call reference: the steering core notes the
 * owner of each set-up in a table indexed by the reference hash, tagged
 * with the hash's top bits; an event whose entry was overwritten by
 * another call, or never written, goes to every worker.
 */

#include <errno.h>
#include <stdlib.h>

#include <callfence/hash.h>
#include <callfence/numkey.h>

#include "plane_impl.h"

#define OWNER_SLOTS_DEFAULT	(1u << 20)

int
plane_owners_init(struct cf_plane *p, uint32_t slots)
{
	if (slots == 0)
		slots = OWNER_SLOTS_DEFAULT;
	p->owners = calloc(slots, sizeof(*p->owners));
	if (!p->owners)
		return -ENOMEM;
	p->owner_mask = slots - 1;
	return 0;
}

/* What a set-up is steered by: the caller's block when the number is
 * valid, else its text (a retransmission meets its first copy), else the
 * call. */
static uint64_t
steer_key(const struct cf_plane *p, const struct cf_call *call)
{
	const struct cf_party *c = &call->party[CF_PARTY_CALLER];
	unsigned int d = __atomic_load_n(&p->steer_digits, __ATOMIC_RELAXED);

	if (c->present && c->num.err == CF_NUM_OK) {
		if (d && d < cf_numkey_len(c->num.key))
			return cf_numkey_prefix(c->num.key, d);
		return c->num.key;
	}
	if (c->present && c->raw_len)
		return cf_hash_bytes(c->raw, c->raw_len);
	return call->ref.hash;
}

unsigned int
cf_plane_owner(const struct cf_plane_worker *w, const struct cf_call *call)
{
	return cf_plane_steer(w->p, call);
}

unsigned int
cf_plane_steer(const struct cf_plane *p, const struct cf_call *call)
{
	uint64_t h;

	if (p->n_workers == 1)
		return 0;
	h = cf_siphash64(p->secret, steer_key(p, call));
	/* Multiply-shift of the top half: uniform over at most 2^8
	 * workers without a division. */
	return (unsigned int)(((h >> 32) * p->n_workers) >> 32);
}

/* An owner-table entry: the reference hash's top 24 bits and the owner. */
static inline uint32_t
owner_entry(uint64_t ref_hash, unsigned int owner)
{
	return (uint32_t)(ref_hash >> 40) << 8 | (owner & 0xff);
}

void
cf_plane_note_owner(struct cf_plane_worker *w, const struct cf_call *call,
		    unsigned int owner)
{
	struct cf_plane *p = w->p;

	if (!p->owners || call->ref.kind == CF_REF_NONE)
		return;
	__atomic_store_n(&p->owners[call->ref.hash & p->owner_mask],
			 owner_entry(call->ref.hash, owner), __ATOMIC_RELAXED);
}

int
cf_plane_event_owner(const struct cf_plane_worker *w,
		     const struct cf_call *call)
{
	const struct cf_plane *p = w->p;
	uint32_t e;

	if (p->n_workers == 1)
		return 0;
	if (call->ref.kind == CF_REF_NONE)
		return CF_PLANE_ALL;
	e = __atomic_load_n(&p->owners[call->ref.hash & p->owner_mask],
			    __ATOMIC_RELAXED);
	/* An empty entry reads as tag 0, owner 0: a call whose tag is 0
	 * (one in 2^24) and whose set-up was not seen goes to worker 0
	 * alone, which counts it unmatched as every worker would. */
	if (e >> 8 != (uint32_t)(call->ref.hash >> 40))
		return CF_PLANE_ALL;
	return (int)(e & 0xff);
}
