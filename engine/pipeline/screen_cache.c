/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The retransmission cache of a screening worker: an INVITE
 * retransmission gets the first answer again and is neither judged nor
 * counted twice by the heuristics.  4-way set associative, bounded, on the
 * core that owns the caller (so the call's retransmissions, steered like
 * it, find their entry there).
 *
 * A retransmission is the same transaction (Call-ID, CSeq and top Via
 * branch) AND the same request as the rules see it (every party,
 * presentation, ingress, category: screen_call_fingerprint()): a request
 * that only reuses a judged call's transaction, say a blacklisted caller
 * copying a clean call's Call-ID, CSeq and branch, is judged afresh and
 * replaces the entry.  A client transaction resends its request
 * unchanged (RFC 3261 §17.1.1.2); hashing what the verdict depends on
 * rather than every byte costs ~50 instructions instead of ~750.
 */

#include <string.h>

#include <callfence/hash.h>

#include "screen_impl.h"

#define CACHE_WAYS	4

void
screen_copy_name(char *dst, const char *rule)
{
	const char *src = rule ? rule : "default";
	size_t n = strnlen(src, CF_PLANE_RULE_NAME - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static struct screen_cache_entry *
cache_set(const struct cf_screen_worker *w, uint64_t key)
{
	return &w->cache[key & w->cache_mask & ~(uint32_t)(CACHE_WAYS - 1)];
}

const struct screen_cache_entry *
screen_cache_find(const struct cf_screen_worker *w, uint64_t key)
{
	const struct screen_cache_entry *set = cache_set(w, key);
	unsigned int i;

	for (i = 0; i < CACHE_WAYS; i++)
		if (set[i].key == key)
			return &set[i];
	return NULL;
}

void
screen_cache_put(struct cf_screen_worker *w, uint64_t key, uint64_t fp,
		 const struct cf_verdict *v)
{
	struct screen_cache_entry *set = cache_set(w, key);
	struct screen_cache_entry *e = NULL;
	unsigned int i;

	/* The transaction's own entry first (a request that reused it),
	 * then a free way, then round robin. */
	for (i = 0; i < CACHE_WAYS && !e; i++)
		if (set[i].key == key)
			e = &set[i];
	for (i = 0; i < CACHE_WAYS && !e; i++)
		if (set[i].key == 0)
			e = &set[i];
	if (!e)
		e = &set[w->cache_clock++ & (CACHE_WAYS - 1)];
	e->key = key;
	e->fp = fp;
	e->action = (uint8_t)v->action;
	e->reply = (uint8_t)v->reply;
	screen_copy_name(e->rule, v->rule);
}

/* Its numbers as normalised (the raw text where a number did not
 * normalise) and its context. */
uint64_t
screen_call_fingerprint(const struct cf_call *c)
{
	uint64_t h = cf_hash64((uint64_t)c->ingress << 32 |
			       (uint64_t)c->presentation << 24 |
			       (uint64_t)c->calling_category << 16 |
			       (uint64_t)c->forwarded << 8 |
			       (uint64_t)c->sipi_mismatch);
	unsigned int r;

	for (r = 0; r < CF_PARTY__COUNT; r++) {
		const struct cf_party *p = &c->party[r];

		if (!p->present)
			h = cf_hash64(h ^ r);
		else if (p->num.err == CF_NUM_OK)
			h = cf_hash64(h ^ p->num.key);
		else
			h = cf_hash64(h ^ cf_hash_bytes(p->raw, p->raw_len) ^
				      p->num.err);
	}
	return h;
}

uint64_t
screen_transaction_key(const struct cf_sip_msg *m)
{
	struct cf_sip_span params = { 0 }, branch = { 0 };
	const char *semi = memchr(m->via[0].p, ';', m->via[0].len);
	uint64_t h;

	if (semi) {
		params.p = semi;
		params.len = (uint32_t)(m->via[0].len -
					(uint32_t)(semi - m->via[0].p));
		cf_sip_param(&params, "branch", &branch);
	}
	h = cf_hash_bytes(m->call_id.p, m->call_id.len);
	h = cf_hash64(h ^ m->cseq);
	if (branch.p)
		h = cf_hash64(h ^ cf_hash_bytes(branch.p, branch.len));
	return h | 1;
}
