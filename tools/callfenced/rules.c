/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rules: load the configured ruleset off the hot path and hand it to the
 * data plane, which publishes it with RCU, carries the heuristic state
 * over when the heuristics are unchanged and frees the old snapshot after
 * a grace period (callfence/plane.h).  Control thread only.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callfenced.h"

/* Open the configured rules; on failure @why says where and how many. */
static int
rules_open(struct cfd *d, struct cf_ruleset **rs, char *why, size_t size)
{
	struct cf_rules_opts opts = {
		.lists = d->cfg.lists,
		.nlists = d->cfg.n_lists,
	};
	struct cf_diag diag;
	int err;

	cf_diag_init(&diag);
	err = cf_rules_open(d->cfg.rules, &opts, rs, &diag);
	if (err < 0) {
		/* The first message says where; the count says how many. */
		snprintf(why, size, "%s%s%s (%zu error%s)",
			 diag.count ? diag.msgs[0] : d->cfg.rules,
			 diag.count ? "" : ": ",
			 diag.count ? "" : strerror(-err), diag.count,
			 diag.count == 1 ? "" : "s");
		cf_diag_print(&diag, stderr);
	}
	cf_diag_free(&diag);
	return err < 0 ? -1 : 0;
}

int
cfd_rules_reload(struct cfd *d, char *why, size_t size)
{
	uint64_t *cb = cf_metrics_block(d->metrics, d->control_block);
	uint64_t t0 = cfd_now_ns(), dt, gen;
	struct cf_ruleset *rs;
	unsigned int n_rules;

	if (rules_open(d, &rs, why, size) < 0)
		goto fail;
	n_rules = cf_ruleset_rule_count(rs);
	if (cf_plane_publish(d->plane, rs) < 0) {
		snprintf(why, size, "out of memory");
		goto fail;
	}
	dt = cfd_now_ns() - t0;
	gen = cf_plane_generation(d->plane);
	cf_metrics_count(cb, d->slots.reloads[0], 1);
	cf_metrics_set(d->metrics, d->slots.generation_id, 0, 0, (double)gen);
	cf_metrics_set(d->metrics, d->slots.load_seconds_id, 0, 0,
		       (double)dt * 1e-9);
	cf_metrics_set(d->metrics, d->slots.rules_id, 0, 0, (double)n_rules);
	snprintf(why, size, "generation %llu: %u rules, loaded in %.3f ms%s",
		 (unsigned long long)gen, n_rules, (double)dt * 1e-6,
		 gen > 1 && cf_plane_heur_carried(d->plane) ?
		 ", heuristic state kept" : "");
	cfd_log("ruleset %s", why);
	return 0;
fail:
	cf_metrics_count(cb, d->slots.reloads[1], 1);
	cfd_log("reload failed, keeping generation %llu: %s",
		(unsigned long long)cf_plane_generation(d->plane), why);
	return -1;
}
