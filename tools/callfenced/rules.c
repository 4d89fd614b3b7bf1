/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rules: build a snapshot off the hot path, publish it with RCU (QSBR),
 * retire the old one after a grace period.  Control thread only.
 *
 * Workers read d->rules with rcu_dereference() and announce a quiescent
 * state once per batch (going offline while idle), so synchronize_rcu()
 * here returns once every worker has finished the batch it was judging
 * with the old snapshot: no call is ever judged by a half-built or a
 * freed ruleset.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callfenced.h"

static void
snapshot_free(struct cfd_rules *r)
{
	unsigned int i;

	if (!r)
		return;
	for (i = 0; i < r->n_scratch; i++)
		cf_ruleset_scratch_free(r->scratch[i]);
	free(r->scratch);
	free(r->rule_slot);
	cf_ruleset_free(r->rs);
	free(r);
}

/* The counter slot of rule id @id: the same id keeps its slot across
 * reloads, so hits by rule survive them; ids beyond the table share the
 * last slot ("other"). */
static uint16_t
rule_slot(struct cfd *d, const char *id)
{
	unsigned int i, n = d->n_rule_names;

	for (i = 0; i < n; i++)
		if (strncmp(d->rule_names[i], id, CFD_RULE_NAME - 1) == 0)
			return (uint16_t)i;
	if (n >= CFD_RULE_SLOTS - 1) {
		if (n == CFD_RULE_SLOTS - 1) {
			snprintf(d->rule_names[n], CFD_RULE_NAME, "other");
			__atomic_store_n(&d->n_rule_names, n + 1,
					 __ATOMIC_RELEASE);
		}
		return CFD_RULE_SLOTS - 1;
	}
	snprintf(d->rule_names[n], CFD_RULE_NAME, "%s", id);
	/* The metrics thread reads names below n_rule_names only. */
	__atomic_store_n(&d->n_rule_names, n + 1, __ATOMIC_RELEASE);
	return (uint16_t)n;
}

static int
snapshot_build(struct cfd *d, struct cfd_rules **out, char *why, size_t size)
{
	struct cf_rules_opts opts = {
		.lists = d->cfg.lists,
		.nlists = d->cfg.n_lists,
	};
	struct cfd_rules *r;
	struct cf_diag diag;
	unsigned int i;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		goto nomem;
	cf_diag_init(&diag);
	err = cf_rules_open(d->cfg.rules, &opts, &r->rs, &diag);
	if (err < 0) {
		/* The first message says where; the count says how many. */
		snprintf(why, size, "%s%s%s (%zu error%s)",
			 diag.count ? diag.msgs[0] : d->cfg.rules,
			 diag.count ? "" : ": ",
			 diag.count ? "" : strerror(-err), diag.count,
			 diag.count == 1 ? "" : "s");
		cf_diag_print(&diag, stderr);
		cf_diag_free(&diag);
		free(r);
		return -1;
	}
	cf_diag_free(&diag);
	r->n_scratch = d->n_workers ? d->n_workers : 1;
	r->scratch = calloc(r->n_scratch, sizeof(*r->scratch));
	r->n_rules = cf_ruleset_rule_count(r->rs);
	r->rule_slot = calloc(r->n_rules + 1, sizeof(*r->rule_slot));
	if (!r->scratch || !r->rule_slot)
		goto nomem_r;
	for (i = 0; i < r->n_scratch; i++) {
		r->scratch[i] = cf_ruleset_scratch_alloc(r->rs);
		if (!r->scratch[i])
			goto nomem_r;
		/* Callers are steered by hash: see the function. */
		cf_ruleset_scratch_set_shards(r->scratch[i], r->n_scratch);
	}
	for (i = 0; i < r->n_rules; i++)
		r->rule_slot[i] = rule_slot(d, cf_ruleset_rule_id(r->rs, i));
	r->rule_slot[r->n_rules] = rule_slot(d, "default");
	*out = r;
	return 0;
nomem_r:
	snapshot_free(r);
nomem:
	snprintf(why, size, "out of memory");
	return -1;
}

int
cfd_rules_reload(struct cfd *d, char *why, size_t size)
{
	struct cfd_rules *r, *old;
	uint64_t t0 = cfd_now_ns(), dt;
	uint64_t *cb = cf_metrics_block(d->metrics, d->control_block);

	if (snapshot_build(d, &r, why, size) < 0) {
		cf_metrics_count(cb, d->slots.reloads[1], 1);
		cfd_log("reload failed, keeping generation %llu: %s",
		       d->rules ? (unsigned long long)d->rules->generation : 0,
		       why);
		return -1;
	}
	old = d->rules;
	r->generation = old ? old->generation + 1 : 1;
	rcu_assign_pointer(d->rules, r);
	dt = cfd_now_ns() - t0;
	/* Workers may still judge with @old until their next quiescent
	 * state: wait for all of them, then nobody can hold it. */
	if (old) {
		synchronize_rcu();
		snapshot_free(old);
	}
	cf_metrics_count(cb, d->slots.reloads[0], 1);
	cf_metrics_set(d->metrics, d->slots.generation_id, 0, 0,
		       (double)r->generation);
	cf_metrics_set(d->metrics, d->slots.load_seconds_id, 0, 0,
		       (double)dt * 1e-9);
	cf_metrics_set(d->metrics, d->slots.rules_id, 0, 0,
		       (double)r->n_rules);
	snprintf(why, size, "generation %llu: %u rules, loaded in %.3f ms",
		 (unsigned long long)r->generation, r->n_rules,
		 (double)dt * 1e-6);
	cfd_log("ruleset %s", why);
	return 0;
}

void
cfd_rules_shutdown(struct cfd *d)
{
	struct cfd_rules *r = d->rules;

	rcu_assign_pointer(d->rules, NULL);
	/* Nothing was handed to call_rcu(); the barrier is for anything a
	 * future module might queue. */
	rcu_barrier();
	snapshot_free(r);
}
