/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The data plane's private structures, shared by plane.c and steer.c. */
#ifndef CALLFENCE_PLANE_IMPL_H
#define CALLFENCE_PLANE_IMPL_H

#include <callfence/plane.h>

/* One published ruleset: immutable once published. */
struct plane_snap {
	struct cf_ruleset *rs;
	uint64_t generation;
	/* One per worker, made for this ruleset, so publishing never
	 * touches a scratch a worker is using. */
	struct cf_ruleset_scratch **scratch;
	/* Rule index -> counter slot; [n_rules] is the default's. */
	uint16_t *rule_slot;
	unsigned int n_rules;
};

struct cf_plane_worker {
	/* Set at creation. */
	struct cf_plane *p;
	unsigned int id;
	bool registered;		/* an RCU reader */
	/* This worker's: the snapshot of the pass, and the release a
	 * blocked call's end is built in. */
	struct plane_snap *snap;
	struct cf_call release;
	/* Written by this worker (relaxed stores), read by any thread. */
	uint64_t calls[CF_PROTO__COUNT][CF_ACTION__COUNT];
	uint64_t judge_errors;
	uint64_t rule_hits[CF_PLANE_RULE_SLOTS];
	uint64_t monitor_hits[CF_PLANE_RULE_SLOTS];
} __attribute__((aligned(64)));

struct cf_plane {
	/* Set at creation, read-only afterwards. */
	unsigned int n_workers;
	struct cf_plane_worker *workers;	/* cache-aligned array */
	uint64_t secret[2];		/* steering hash key */
	uint32_t *owners;		/* steer.c; NULL with one worker */
	uint32_t owner_mask;

	/* Written by the control thread with rcu_assign_pointer(); read by
	 * workers with rcu_dereference() in a pass. */
	struct plane_snap *snap;
	bool carried;			/* control thread only */
	/* cf_ruleset_steer_digits() of the snapshot in force: written by
	 * the control thread at publish, read by any thread (relaxed).  It
	 * changes only with the heuristics, whose state starts afresh then,
	 * so a call steered by the old value during a reload loses
	 * nothing. */
	unsigned int steer_digits;

	/* Rule ids with counters: appended by the control thread,
	 * n_rule_names published with a release store. */
	char rule_names[CF_PLANE_RULE_SLOTS][CF_PLANE_RULE_NAME];
	unsigned int n_rule_names;
};

/* The call-reference table of @slots entries (0 = the default). */
int plane_owners_init(struct cf_plane *p, uint32_t slots);

#endif /* CALLFENCE_PLANE_IMPL_H */
