/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inbound floods to lay over the generated traffic: what a
 * `callee distinct-callers` rule is for, and what the generator has no
 * class of.  Each flood is one callee (a number outside the generated
 * population) called at a steady rate by callers that never called
 * before, for a while from a start drawn in the traffic's span; so the
 * callee's distinct callers climb from 0 at that rate, and the call on
 * which a rule first sees the flood is the measure of its detection.
 *
 * SIP on national ingress; each call is released unanswered 3 s after
 * its set-up (a storm's callers hang up), so no call stays open in the
 * heuristics' open-call tables.  The same configuration gives the same
 * calls.
 */
#ifndef CALLFENCE_BENCH_QUALITY_FLOOD_H
#define CALLFENCE_BENCH_QUALITY_FLOOD_H

#include <stdbool.h>
#include <stdint.h>

#include <callfence/call.h>
#include <callfence/number.h>

#include "gen/gen.h"

struct quality_flood_cfg {
	unsigned int floods;		/* callees flooded, at most 10 000 */
	double per_min;			/* calls (new callers) a minute */
	double duration_s;		/* each flood's length */
	double span_s;			/* floods start in its 10%..90% */
	uint64_t seed;
};

struct quality_flood;

/* NULL on a bad configuration or no memory. */
struct quality_flood *quality_flood_new(const struct quality_flood_cfg *cfg,
					const struct cf_numplan *plan);
void quality_flood_free(struct quality_flood *f);

/* The next flood event (a set-up or a release), if it comes at or
 * before @until_ns: true with *@call set. */
bool quality_flood_next(struct quality_flood *f, uint64_t until_ns,
			struct cf_call *call);

/* Set-ups made so far. */
uint64_t quality_flood_calls(const struct quality_flood *f);

/* The generator's events and the floods' merged in time order: set
 * gen (and flood, or NULL for none), zero the rest. */
struct quality_traffic {
	struct gen *gen;
	struct quality_flood *flood;
	/* The generator's next event, read ahead of the floods'. */
	struct cf_call call, fcall;
	struct gen_label label;
	bool have, read;
};

/* The next event, valid until the next call: the generator's with
 * *@label its label, or a flood's with *@label NULL.  NULL after the
 * last. */
const struct cf_call *quality_traffic_next(struct quality_traffic *t,
					   const struct gen_label **label);

#endif
