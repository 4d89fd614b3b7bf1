/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inbound floods over the generated traffic (quality_flood.h). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "gen/gen.h"
#include "quality_flood.h"

#define NS		1000000000.0
#define MAX_FLOODS	10000
/* Number blocks the generator never uses (its subscribers are 13x,
 * 15x, 18x and 199, its gangs 162, its blacklist 165-171): flooded
 * callees in one, their callers in the other. */
#define CALLEE_FMT	"+8617700%06u"
#define CALLER_FMT	"+86176%08llu"

struct flood {
	uint64_t next_ns;
	uint64_t left;
};

struct quality_flood {
	const struct cf_numplan *plan;
	struct flood *f;
	unsigned int n;
	uint64_t gap_ns;
	uint64_t made;
};

struct quality_flood *
quality_flood_new(const struct quality_flood_cfg *cfg,
		  const struct cf_numplan *plan)
{
	struct quality_flood *q;
	uint64_t state = cfg->seed ^ 0x666c6f6f64ULL;	/* "flood" */
	double calls = cfg->per_min * cfg->duration_s / 60.0;
	unsigned int i;

	if (cfg->floods > MAX_FLOODS || !(cfg->per_min > 0) ||
	    !(cfg->duration_s > 0) || !(cfg->span_s > 0) || calls < 1)
		return NULL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->f = calloc(cfg->floods ? cfg->floods : 1, sizeof(*q->f));
	if (!q->f) {
		free(q);
		return NULL;
	}
	q->plan = plan;
	q->n = cfg->floods;
	q->gap_ns = (uint64_t)(60.0 * NS / cfg->per_min);
	for (i = 0; i < q->n; i++) {
		double u = (double)(bench_rand(&state) >> 11) * 0x1.0p-53;

		q->f[i].next_ns = (uint64_t)((0.1 + 0.8 * u) * cfg->span_s * NS);
		q->f[i].left = (uint64_t)calls;
	}
	return q;
}

void
quality_flood_free(struct quality_flood *q)
{
	if (!q)
		return;
	free(q->f);
	free(q);
}

bool
quality_flood_next(struct quality_flood *q, uint64_t until_ns,
		   struct cf_call *call)
{
	char callee[24], caller[24], id[64];
	unsigned int i, best = q->n;
	int len;

	for (i = 0; i < q->n; i++)
		if (q->f[i].left &&
		    (best == q->n || q->f[i].next_ns < q->f[best].next_ns))
			best = i;
	if (best == q->n || q->f[best].next_ns > until_ns)
		return false;
	cf_call_reset(call);
	call->rx_ns = q->f[best].next_ns;
	call->event = CF_EVENT_SETUP;
	call->proto = CF_PROTO_SIP;
	call->ingress = CF_INGRESS_NATIONAL;
	call->presentation = CF_PRES_ALLOWED;
	gen_ingress_source(CF_INGRESS_NATIONAL, (uint32_t)(q->made % 8),
			   &call->src);
	snprintf(callee, sizeof(callee), CALLEE_FMT, best);
	/* A unit of Z/1e8 scatters the callers over every block. */
	snprintf(caller, sizeof(caller), CALLER_FMT,
		 (unsigned long long)(q->made * 2654435761u % 100000000u));
	cf_call_set_party(call, CF_PARTY_CALLER, q->plan, caller,
			  strlen(caller), CF_NAI_UNKNOWN);
	cf_call_set_party(call, CF_PARTY_CALLEE, q->plan, callee,
			  strlen(callee), CF_NAI_UNKNOWN);
	len = snprintf(id, sizeof(id), "flood%llu@quality.callfence.invalid",
		       (unsigned long long)q->made);
	cf_call_set_sip_ref(call, id, (size_t)len);
	q->made++;
	q->f[best].left--;
	q->f[best].next_ns += q->gap_ns;
	return true;
}

uint64_t
quality_flood_calls(const struct quality_flood *q)
{
	return q->made;
}
