/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Screening's private structures, shared by screen.c and screen_cache.c. */
#ifndef CALLFENCE_SCREEN_IMPL_H
#define CALLFENCE_SCREEN_IMPL_H

#include <callfence/events.h>
#include <callfence/handover.h>
#include <callfence/screen.h>

/* The answer given to one INVITE transaction, for its retransmissions. */
struct screen_cache_entry {
	uint64_t key;			/* 0 = empty */
	uint64_t fp;			/* of the request answered */
	uint8_t action;			/* enum cf_action */
	uint8_t reply;			/* enum cf_reply */
	char rule[CF_PLANE_RULE_NAME];
};

struct cf_screen {
	struct cf_screen_cfg cfg;
	unsigned int n_workers;
	struct cf_handover *handover;	/* NULL with one worker */
	struct cf_screen_worker **workers;
};

struct cf_screen_worker {
	/* Set by the control thread before the worker runs. */
	struct cf_screen *s;
	unsigned int id;
	struct cf_screen_io io;
	struct cf_plane_worker *pw;
	const struct cf_screen_slots *slots;
	uint64_t *m;			/* our metrics block */

	/* Everything below: this worker's thread only. */
	uint64_t mono_ns;		/* the pass's monotonic time */
	uint64_t wall_ns;		/* the pass's wall time */
	uint64_t end_ns;		/* the clock the pass ends on */
	uint64_t judged;
	struct cf_sip_msg msg;		/* the datagram being decoded */
	struct cf_events ev;		/* its SIP-I part; captured payloads */
	struct cf_call call;		/* its call, before it is steered */
	struct cf_call acl_call;	/* source only, for the ACL */
	struct cf_screen_job job;	/* a call judged here or refused */
	uint32_t frame;			/* the payload's capture record */
	struct screen_cache_entry *cache;
	uint32_t cache_mask;
	uint32_t cache_clock;
	char text[CF_SCREEN_TEXT_MAX];	/* the echo block and Request-URI */
} __attribute__((aligned(64)));

/* screen_cache.c: the retransmission cache, a worker's own. */
const struct screen_cache_entry *
screen_cache_find(const struct cf_screen_worker *w, uint64_t key);
void screen_cache_put(struct cf_screen_worker *w, uint64_t key, uint64_t fp,
		      const struct cf_verdict *v);
/* Call-ID, CSeq number and top Via branch: one INVITE transaction. */
uint64_t screen_transaction_key(const struct cf_sip_msg *m);
/* What the verdict of @c depends on, hashed. */
uint64_t screen_call_fingerprint(const struct cf_call *c);
/* A rule id into a fixed field (cut to fit). */
void screen_copy_name(char *dst, const char *rule);

#endif /* CALLFENCE_SCREEN_IMPL_H */
