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
#define RING_NS		3000000000ull	/* set-up to release */

struct flood {
	uint64_t next_ns;
	uint64_t left;
};

/* A set-up waiting for its release: every call rings as long, so they
 * are released in the order they were set up (a FIFO). */
struct pending {
	uint64_t at_ns;
	uint64_t call;
};

struct quality_flood {
	const struct cf_numplan *plan;
	struct flood *f;
	unsigned int n;
	uint64_t gap_ns;
	uint64_t made;
	struct pending *ring;
	size_t ring_cap, head, len;
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

		q->f[i].next_ns =
			(uint64_t)((0.1 + 0.8 * u) * cfg->span_s * NS);
		q->f[i].left = (uint64_t)calls;
	}
	return q;
}

void
quality_flood_free(struct quality_flood *q)
{
	if (!q)
		return;
	free(q->ring);
	free(q->f);
	free(q);
}

static int
pending_push(struct quality_flood *q, uint64_t at_ns, uint64_t call)
{
	if (q->len == q->ring_cap) {
		size_t cap = q->ring_cap ? 2 * q->ring_cap : 1024, i;
		struct pending *r = malloc(cap * sizeof(*r));

		if (!r)
			return -1;
		for (i = 0; i < q->len; i++)
			r[i] = q->ring[(q->head + i) % q->ring_cap];
		free(q->ring);
		q->ring = r;
		q->ring_cap = cap;
		q->head = 0;
	}
	q->ring[(q->head + q->len++) % q->ring_cap] =
		(struct pending){ at_ns, call };
	return 0;
}

/* The SIP call reference of flood call @n. */
static void
set_ref(struct cf_call *call, uint64_t n)
{
	char id[64];
	int len = snprintf(id, sizeof(id),
			   "flood%llu@quality.callfence.invalid",
			   (unsigned long long)n);

	cf_call_set_sip_ref(call, id, (size_t)len);
}

static void
set_common(struct cf_call *call, uint64_t at_ns, uint64_t n)
{
	cf_call_reset(call);
	call->rx_ns = at_ns;
	call->proto = CF_PROTO_SIP;
	call->ingress = CF_INGRESS_NATIONAL;
	gen_ingress_source(CF_INGRESS_NATIONAL, (uint32_t)(n % 8), &call->src);
	set_ref(call, n);
}

bool
quality_flood_next(struct quality_flood *q, uint64_t until_ns,
		   struct cf_call *call)
{
	char callee[24], caller[24];
	unsigned int i, best = q->n;

	for (i = 0; i < q->n; i++)
		if (q->f[i].left &&
		    (best == q->n || q->f[i].next_ns < q->f[best].next_ns))
			best = i;
	/* A release first when it is due before the next set-up (or
	 * there is none), as long as it is due by @until_ns. */
	if (q->len && (best == q->n ||
		       q->ring[q->head].at_ns <= q->f[best].next_ns)) {
		const struct pending *p = &q->ring[q->head];

		if (p->at_ns > until_ns)
			return false;
		set_common(call, p->at_ns, p->call);
		call->event = CF_EVENT_RELEASE;
		call->release_cause = 16;	/* normal call clearing */
		q->head = (q->head + 1) % q->ring_cap;
		q->len--;
		return true;
	}
	if (best == q->n || q->f[best].next_ns > until_ns)
		return false;
	/* No memory for the release: the flood ends here. */
	if (pending_push(q, q->f[best].next_ns + RING_NS, q->made) < 0) {
		for (i = 0; i < q->n; i++)
			q->f[i].left = 0;
		return quality_flood_next(q, until_ns, call);
	}
	set_common(call, q->f[best].next_ns, q->made);
	call->event = CF_EVENT_SETUP;
	call->presentation = CF_PRES_ALLOWED;
	snprintf(callee, sizeof(callee), CALLEE_FMT, best);
	/* A unit of Z/1e8 scatters the callers over every block. */
	snprintf(caller, sizeof(caller), CALLER_FMT,
		 (unsigned long long)(q->made * 2654435761u % 100000000u));
	cf_call_set_party(call, CF_PARTY_CALLER, q->plan, caller,
			  strlen(caller), CF_NAI_UNKNOWN);
	cf_call_set_party(call, CF_PARTY_CALLEE, q->plan, callee,
			  strlen(callee), CF_NAI_UNKNOWN);
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

const struct cf_call *
quality_traffic_next(struct quality_traffic *t, const struct gen_label **label)
{
	if (!t->read) {
		t->have = gen_next(t->gen, &t->call, &t->label);
		t->read = true;
	}
	/* A flood's events before the generator's next (and after its
	 * last). */
	if (t->flood && quality_flood_next(t->flood,
			t->have ? t->call.rx_ns : UINT64_MAX, &t->fcall)) {
		*label = NULL;
		return &t->fcall;
	}
	if (!t->have)
		return NULL;
	t->read = false;
	*label = &t->label;
	return &t->call;
}
