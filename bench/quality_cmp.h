/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * N workers against one, call by call: `callfence-bench quality
 * --compare-workers N` judges the same generated traffic on a plane of
 * one worker (what replay does) and on one of N (what the daemon does),
 * and this says where they part.
 *
 * Per set-up: whether the verdict, the deciding rule and the trial
 * ("monitor") rules are the same.  Per rule: its hits in each run, and
 * the calls where its own outcome differs:
 *  - extra: it matched with N workers and not with one; missed: the
 *    reverse.  Only a rule both runs evaluated counts: rules are tried in
 *    priority order, so when the deciding rules differ, the higher of
 *    the two (and trial rules above it) were evaluated in both runs and
 *    are compared, while the rules below it were evaluated in one run
 *    only: their outcome there is "masked", counted apart and not as a
 *    difference of theirs.
 *  - per callee (the victim of a callee-keyed rule), the first call the
 *    rule hit in each run: callees hit in both, in one run only, and the
 *    first-detection delay with N workers in calls to that callee; apart
 *    for the callees of injected floods (quality_flood.h), counted from
 *    the flood's first call.
 * Per callee distinct-callers table: the estimate itself, at every
 * set-up, N times the judging worker's count against one worker's count
 * of the same callee (cf_heur_peek() on both), binned by that count.
 *
 * Single-threaded, as the planes it reads.
 */
#ifndef CALLFENCE_BENCH_QUALITY_CMP_H
#define CALLFENCE_BENCH_QUALITY_CMP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <callfence/call.h>
#include <callfence/ruleset.h>

#include "gen/gen.h"
#include "quality_plane.h"

/* The callees a rule hit, by the call to each it first hit them on.
 * Calls are counted from the first hit of any rule on the callee, or
 * for a flood from its first call. */
struct quality_victims {
	uint64_t both, one_only, n_only;
	int64_t delay_sum;		/* N minus one, over both */
	int64_t delay_min, delay_max;
	uint64_t delay_abs_sum;
	/* Calls to the callee before the first hit, over both. */
	uint64_t first_one_sum, first_n_sum;
};

/* What one rule did in the two runs. */
struct quality_rule_cmp {
	uint64_t hits_one, hits_n;	/* decided, or would have (trial) */
	uint64_t extra, missed;		/* its own outcome differed */
	uint64_t legit_extra, legit_missed;	/* of which legitimate calls */
	uint64_t masked;		/* evaluated in one run only */
	/* After quality_cmp_finish(): generated callees, injected floods. */
	struct quality_victims callees, floods;
};

/* Bins of one worker's distinct-callers count: [lo, next lo). */
#define QUALITY_EST_BINS	8
#define QUALITY_EST_HIST	400	/* |error| in 0.5% steps up to 200% */

struct quality_est_bin {
	uint32_t lo;			/* one worker's count from */
	uint64_t samples;
	double ref_sum;			/* one worker's counts */
	double err_sum, err_sq_sum;	/* relative error of the estimate */
	uint64_t hist[QUALITY_EST_HIST + 1];	/* last: 200% and beyond */
};

struct quality_est {
	unsigned int heur;		/* table index in the ruleset */
	struct cf_heur_spec spec;
	struct quality_est_bin bin[QUALITY_EST_BINS];
};

struct quality_cmp;

/* A comparison of @n workers against one for ruleset @rs (either run's:
 * they are the same rules).  NULL with no memory. */
struct quality_cmp *quality_cmp_new(const struct cf_ruleset *rs,
				    unsigned int n);
void quality_cmp_free(struct quality_cmp *c);

/*
 * Set-up @call, of label @l (NULL: a call of an injected flood, which is
 * fraud), judged as @one by the one-worker plane @p1
 * (on its worker 0) and as @vn by worker @wn of the N-worker plane @pn.
 * Both planes have just judged it, so their tables hold it.  Returns 0,
 * or -ENOMEM.
 */
int quality_cmp_call(struct quality_cmp *c, const struct cf_call *call,
		     const struct gen_label *l, const struct cf_verdict *one,
		     struct quality_plane *p1, const struct cf_verdict *vn,
		     struct quality_plane *pn, unsigned int wn);
/* Write one line per call that differs to @log (NULL: none). */
void quality_cmp_set_log(struct quality_cmp *c, FILE *log);

/* Fill in the per-callee figures; call once, after the last call. */
void quality_cmp_finish(struct quality_cmp *c);

uint64_t quality_cmp_calls(const struct quality_cmp *c);
/* Set-ups whose verdict or deciding rule differ; whose trial rules do. */
uint64_t quality_cmp_differing(const struct quality_cmp *c);
uint64_t quality_cmp_trial_differing(const struct quality_cmp *c);
/* Rule @i (ruleset order), or the default at cf_ruleset_rule_count(). */
const struct quality_rule_cmp *quality_cmp_rule(const struct quality_cmp *c,
						unsigned int i);
/* Calls whose action went from @from with one worker to @to with N. */
uint64_t quality_cmp_actions(const struct quality_cmp *c,
			     enum cf_action from, enum cf_action to);
/* The callee distinct-callers tables of the ruleset and their estimate
 * errors. */
unsigned int quality_cmp_est_count(const struct quality_cmp *c);
const struct quality_est *quality_cmp_est(const struct quality_cmp *c,
					  unsigned int i);
/* Quantile @q (0..1) of a bin's |relative error|, 0.005 steps. */
double quality_est_quantile(const struct quality_est_bin *b, double q);

/* The comparison as text (after quality_cmp_finish()). */
void quality_cmp_report(const struct quality_cmp *c, FILE *out);

#endif
