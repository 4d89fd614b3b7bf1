/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The labelled traffic generator (see gen.h).
 *
 * Traffic is a merge, in time order, of sources: one per single-call class
 * (legitimate, foreign, roaming, blacklisted, spoofed, DNO), each a
 * renewal process spreading its calls over the span, and one per fraud
 * actor (robocaller, scanner, sweeper, wangiri gang), each starting at a
 * random time and calling at its own pace until its quota is made.  The
 * answers and releases of calls wait in the same heap.
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../bench_util.h"
#include "gen.h"
#include "zipf.h"

#define NS		1000000000.0
#define DAY_S		86400.0
/* Call centres the operator vouches for: 400 numbers, never in the
 * generated traffic, so the whitelist cannot hide a fraud call. */
#define WHITELIST_SIZE	16
/* One subscriber in this many is abroad, on the roaming list. */
#define ROAMING_ONE_IN	1000
/* The caller number gangs use for robocalls, scans and sweeps come from
 * these blocks; subscribers and the blacklist never do. */
#define ACTOR_PREFIX	"162"
#define BLACKLIST_PREFIXES "170171165167"
#define DPC_HOME	0x100

static const char *const class_names[GEN_CLASS__COUNT] = {
	[GEN_LEGIT]		= "legit",
	[GEN_LEGIT_FOREIGN]	= "legit-foreign",
	[GEN_LEGIT_ROAMING]	= "legit-roaming",
	[GEN_BLACKLISTED]	= "blacklisted",
	[GEN_SPOOFED]		= "spoofed",
	[GEN_DNO]		= "dno",
	[GEN_ROBOCALL]		= "robocall",
	[GEN_SCANNER]		= "scanner",
	[GEN_SWEEPER]		= "sweeper",
	[GEN_WANGIRI]		= "wangiri",
};

/* Mobile number blocks of the subscriber population. */
static const char *const mobile_prefixes[] = {
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159", "180",
	"181", "182", "183", "184", "185", "186", "187", "188", "189", "199",
};
#define N_MOBILE_PREFIXES (sizeof(mobile_prefixes) / sizeof(mobile_prefixes[0]))

/* Inbound-only service numbers: police, emergency, banks, public
 * hotlines.  Operator hotlines (10086, 10010, 10000) are not among them:
 * they call their subscribers, and operators whitelist them. */
static const char *const dno_numbers[] = {
	"110", "119", "120", "122", "95588", "95533", "95599", "95566",
	"95555", "95559", "95595", "95528", "12315", "12345", "12366",
	"95598",
};
#define N_DNO (sizeof(dno_numbers) / sizeof(dno_numbers[0]))

/* Foreign country codes callers come from (legitimate and wangiri). */
static const char *const foreign_cc[] = { "44", "1", "63", "855", "216", "81" };
#define N_FOREIGN (sizeof(foreign_cc) / sizeof(foreign_cc[0]))

enum event_kind {
	EV_SOURCE,	/* a source's next call set-up */
	EV_ANSWER,
	EV_RELEASE,
};

struct event {
	uint64_t t_ns;
	uint64_t tie;		/* insertion order: equal times stay ordered */
	uint32_t kind;
	uint32_t source;	/* EV_SOURCE */
	uint64_t call;		/* EV_ANSWER / EV_RELEASE */
	uint32_t cls, actor;
	uint8_t proto, ingress;
};

struct source {
	enum gen_class cls;
	uint32_t actor;		/* 1-based for fraud actors */
	uint64_t left;		/* calls still to make */
	uint32_t made;
	double gap_s;		/* mean time between calls */
	uint64_t base;		/* scanner: first callee; sweeper: block */
	char number[16];	/* actor's caller number */
	uint8_t ingress;
};

struct gen {
	struct gen_config cfg;
	const struct cf_numplan *plan;
	uint64_t rng;
	struct zipf callers, callees;
	struct source *sources;
	size_t n_sources;
	struct event *heap;
	size_t heap_len, heap_cap;
	uint64_t tie;
	uint64_t calls_made;
};

const char *
gen_class_name(enum gen_class cls)
{
	return (unsigned int)cls < GEN_CLASS__COUNT ? class_names[cls] : "?";
}

int
gen_class_parse(const char *name)
{
	int i;

	for (i = 0; i < GEN_CLASS__COUNT; i++)
		if (strcmp(name, class_names[i]) == 0)
			return i;
	return -1;
}

void
gen_config_default(struct gen_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->seed = 1;
	cfg->calls = 1000000;
	cfg->subscribers = 10000000;
	cfg->duration_s = DAY_S;
	cfg->share[GEN_LEGIT_FOREIGN] = 0.02;
	cfg->share[GEN_LEGIT_ROAMING] = 0.005;
	cfg->share[GEN_BLACKLISTED] = 0.005;
	cfg->share[GEN_SPOOFED] = 0.005;
	cfg->share[GEN_DNO] = 0.002;
	cfg->share[GEN_ROBOCALL] = 0.01;
	cfg->share[GEN_SCANNER] = 0.005;
	cfg->share[GEN_SWEEPER] = 0.005;
	cfg->share[GEN_WANGIRI] = 0.005;
	cfg->calls_per_actor = 200;
	cfg->actor_rate = 1.0;
	cfg->blacklist_size = 100000;
	cfg->proto = CF_PROTO_NONE;
	cfg->with_releases = true;
}

static double
uniform(struct gen *g)
{
	return (double)(bench_rand(&g->rng) >> 11) * 0x1.0p-53;
}

static double
exponential(struct gen *g, double mean)
{
	return -mean * log1p(-uniform(g));
}

/* A bijection of 0..1e8-1: multiplication by a unit of Z/1e8. */
static uint64_t
permute8(uint64_t x)
{
	return (x * 48271u + 12345u) % 100000000u;
}

/* Subscriber @i (0-based) as a national number, e.g. "13812345678". */
static void
subscriber_number(uint64_t i, char *out, size_t size)
{
	snprintf(out, size, "%s%08llu", mobile_prefixes[i % N_MOBILE_PREFIXES],
		 (unsigned long long)permute8(i / N_MOBILE_PREFIXES));
}

/* Roaming subscribers are those whose index is a multiple of
 * ROAMING_ONE_IN: a set the generator can test and enumerate. */
static uint64_t
roaming_subscriber(struct gen *g)
{
	uint64_t n = g->cfg.subscribers / ROAMING_ONE_IN;

	return (bench_rand(&g->rng) % n) * ROAMING_ONE_IN;
}

static uint64_t
non_roaming_subscriber(struct gen *g)
{
	uint64_t i = bench_rand(&g->rng) % g->cfg.subscribers;

	return i % ROAMING_ONE_IN ? i : i + 1;
}

static void
blacklist_number(uint64_t j, char *out, size_t size)
{
	char prefix[4];

	memcpy(prefix, BLACKLIST_PREFIXES + 3 * (j % 4), 3);
	prefix[3] = '\0';
	snprintf(out, size, "%s%08llu", prefix,
		 (unsigned long long)permute8(j / 4 + 7));
}

static void
foreign_number(struct gen *g, char *out, size_t size)
{
	snprintf(out, size, "+%s%09llu", foreign_cc[bench_rand(&g->rng) % N_FOREIGN],
		 (unsigned long long)(bench_rand(&g->rng) % 1000000000u));
}

/* ---- the event heap ------------------------------------------------------ */

static bool
before(const struct event *a, const struct event *b)
{
	return a->t_ns < b->t_ns || (a->t_ns == b->t_ns && a->tie < b->tie);
}

static int
heap_push(struct gen *g, struct event ev)
{
	size_t i;

	if (g->heap_len == g->heap_cap) {
		size_t cap = g->heap_cap ? 2 * g->heap_cap : 1024;
		struct event *h = realloc(g->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		g->heap = h;
		g->heap_cap = cap;
	}
	ev.tie = g->tie++;
	i = g->heap_len++;
	while (i > 0 && before(&ev, &g->heap[(i - 1) / 2])) {
		g->heap[i] = g->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	g->heap[i] = ev;
	return 0;
}

static struct event
heap_pop(struct gen *g)
{
	struct event top = g->heap[0], last = g->heap[--g->heap_len];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= g->heap_len)
			break;
		if (c + 1 < g->heap_len && before(&g->heap[c + 1], &g->heap[c]))
			c++;
		if (!before(&g->heap[c], &last))
			break;
		g->heap[i] = g->heap[c];
		i = c;
	}
	if (g->heap_len > 0)
		g->heap[i] = last;
	return top;
}

/* ---- sources --------------------------------------------------------------- */

static bool
is_actor(enum gen_class cls)
{
	return cls >= GEN_ROBOCALL;
}

/* Seconds between two calls of an actor of @cls. */
static double
actor_pace(enum gen_class cls)
{
	switch (cls) {
	case GEN_ROBOCALL:	return 1.0;
	case GEN_SCANNER:	return 0.5;
	case GEN_SWEEPER:	return 2.0;
	default:		return 1.5;	/* wangiri */
	}
}

static int
schedule_source(struct gen *g, uint32_t idx, double t_s)
{
	struct event ev = { .kind = EV_SOURCE, .source = idx };

	ev.t_ns = (uint64_t)(t_s * NS);
	return heap_push(g, ev);
}

/* Legitimate traffic follows the day: busiest mid-afternoon, quietest
 * before dawn.  Thinning turns a flat process into that shape. */
static double
diurnal(double t_s)
{
	return 0.6 + 0.4 * sin(2.0 * M_PI * (t_s / DAY_S - 0.375));
}

static double
next_time(struct gen *g, struct source *s, double now_s)
{
	double t = now_s;

	if (is_actor(s->cls))
		return t + exponential(g, s->gap_s);
	if (s->cls != GEN_LEGIT)
		return t + exponential(g, s->gap_s);
	do
		t += exponential(g, s->gap_s);
	while (uniform(g) > diurnal(t));
	return t;
}

static int
add_sources(struct gen *g)
{
	uint64_t per_class[GEN_CLASS__COUNT], fraud = 0;
	size_t n = 0, cap = GEN_CLASS__COUNT;
	int c;

	for (c = 1; c < GEN_CLASS__COUNT; c++) {
		per_class[c] = (uint64_t)llround(g->cfg.share[c] * (double)g->cfg.calls);
		fraud += per_class[c];
		if (is_actor(c))
			cap += per_class[c] / g->cfg.calls_per_actor + 1;
	}
	if (fraud > g->cfg.calls)
		return -EINVAL;
	per_class[GEN_LEGIT] = g->cfg.calls - fraud;

	g->sources = calloc(cap, sizeof(*g->sources));
	if (!g->sources)
		return -ENOMEM;
	for (c = 0; c < GEN_CLASS__COUNT; c++) {
		uint64_t left = per_class[c];
		uint32_t actor = 0;

		while (left > 0) {
			struct source *s = &g->sources[n];
			double start;

			s->cls = c;
			if (is_actor(c)) {
				s->left = left < g->cfg.calls_per_actor ? left : g->cfg.calls_per_actor;
				s->actor = ++actor;
				s->gap_s = actor_pace(c) / g->cfg.actor_rate;
				/* Fraud runs happen inside the span, not at its
				 * very end, so every actor makes its quota. */
				start = uniform(g) * g->cfg.duration_s * 0.8;
				if (c == GEN_WANGIRI)
					foreign_number(g, s->number, sizeof(s->number));
				else
					snprintf(s->number, sizeof(s->number), "%s%08llu",
						 ACTOR_PREFIX,
						 (unsigned long long)permute8(n * 7919u + c));
				s->ingress = c == GEN_WANGIRI ? CF_INGRESS_INTERNATIONAL
							      : CF_INGRESS_NATIONAL;
				s->base = bench_rand(&g->rng) % g->cfg.subscribers;
			} else {
				s->left = left;
				s->gap_s = g->cfg.duration_s / (double)left;
				if (c == GEN_LEGIT)	/* thinning keeps 60% */
					s->gap_s *= 0.6;
				start = exponential(g, s->gap_s);
			}
			left -= s->left;
			if (schedule_source(g, (uint32_t)n, start) < 0)
				return -ENOMEM;
			n++;
		}
	}
	g->n_sources = n;
	return 0;
}

struct gen *
gen_new(const struct gen_config *cfg)
{
	struct gen *g;

	if (cfg->calls == 0 || cfg->subscribers < 10 * ROAMING_ONE_IN ||
	    cfg->subscribers > 100000000u * N_MOBILE_PREFIXES ||
	    cfg->duration_s <= 0 || cfg->calls_per_actor == 0 ||
	    !(cfg->actor_rate > 0) || !(cfg->sipi >= 0 && cfg->sipi <= 1) ||
	    cfg->blacklist_size == 0)
		return NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->cfg = *cfg;
	g->plan = cf_numplan_builtin("86");
	g->rng = cfg->seed ^ 0x6a09e667f3bcc909ULL;
	/* Who calls is mildly skewed; who is called, more (hotlines, shops). */
	zipf_init(&g->callers, cfg->subscribers, 0.6);
	zipf_init(&g->callees, cfg->subscribers, 0.8);
	if (add_sources(g) < 0) {
		gen_free(g);
		return NULL;
	}
	return g;
}

void
gen_free(struct gen *g)
{
	if (!g)
		return;
	free(g->sources);
	free(g->heap);
	free(g);
}

const struct cf_numplan *
gen_plan(const struct gen *g)
{
	return g->plan;
}

void
gen_ingress_source(enum cf_ingress ingress, uint32_t n, struct cf_source *src)
{
	/* Documentation address blocks (RFC 5737): one per ingress class. */
	static const uint8_t nets[CF_INGRESS__COUNT][3] = {
		[CF_INGRESS_UNKNOWN]		= { 192, 0, 2 },
		[CF_INGRESS_INTERNATIONAL]	= { 198, 51, 100 },
		[CF_INGRESS_NATIONAL]		= { 203, 0, 113 },
		[CF_INGRESS_LOCAL]		= { 192, 0, 2 },
	};

	memset(src, 0, sizeof(*src));
	src->family = 2;	/* AF_INET */
	src->port = 5060;
	memcpy(src->addr, nets[ingress], 3);
	src->addr[3] = (uint8_t)(10 + n % 8 + (ingress == CF_INGRESS_LOCAL ? 100 : 0));
	/* ISUP point codes are set with the call reference (set_ref). */
}

int
gen_ingress_map(struct cf_ingress_map *map)
{
	static const char *const specs[] = {
		"198.51.100.0/24=international", "203.0.113.0/24=national",
		/* gen_ingress_source(): local gateways from .110 up */
		"192.0.2.96/27=local",
	};
	static const char *const classes[CF_INGRESS__COUNT] = {
		[CF_INGRESS_INTERNATIONAL] = "international",
		[CF_INGRESS_NATIONAL] = "national",
		[CF_INGRESS_LOCAL] = "local",
	};
	const char *why;
	char pc[64];
	unsigned int i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		if (cf_ingress_map_add_net(map, specs[i], &why) < 0)
			return -1;
	/* set_ref(): OPC 1000 * ingress + 0..63. */
	for (i = CF_INGRESS_INTERNATIONAL; i < CF_INGRESS__COUNT; i++) {
		snprintf(pc, sizeof(pc), "%u-%u=%s", 1000 * i, 1000 * i + 63,
			 classes[i]);
		if (cf_ingress_map_add_pc(map, pc, &why) < 0)
			return -1;
	}
	return 0;
}

/* Caller and callee of the next call of source @s, as text. */
static void
pick_numbers(struct gen *g, struct source *s, char *caller, char *callee)
{
	uint64_t i;

	switch (s->cls) {
	case GEN_LEGIT:
	case GEN_BLACKLISTED:
	case GEN_SPOOFED:
	case GEN_DNO:
	case GEN_LEGIT_FOREIGN:
	case GEN_LEGIT_ROAMING:
		subscriber_number(zipf_sample(&g->callees, &g->rng) - 1, callee, 16);
		break;
	case GEN_ROBOCALL:
	case GEN_WANGIRI:
		subscriber_number(bench_rand(&g->rng) % g->cfg.subscribers, callee, 16);
		break;
	case GEN_SCANNER:
		/* Consecutive numbers of one block, whether or not they
		 * belong to anyone. */
		i = (s->base * 1000 + s->made) % 100000000u;
		snprintf(callee, 16, "139%08llu", (unsigned long long)i);
		break;
	case GEN_SWEEPER:
		snprintf(callee, 16, "%s%04llu%04llu",
			 mobile_prefixes[s->base % N_MOBILE_PREFIXES],
			 (unsigned long long)(s->base % 10000),
			 (unsigned long long)(bench_rand(&g->rng) % 10000));
		break;
	default:
		break;
	}

	switch (s->cls) {
	case GEN_LEGIT:
		i = (zipf_sample(&g->callers, &g->rng) - 1) * 7919u % g->cfg.subscribers;
		subscriber_number(i, caller, 16);
		break;
	case GEN_LEGIT_FOREIGN:
		foreign_number(g, caller, 16);
		break;
	case GEN_LEGIT_ROAMING:
		subscriber_number(roaming_subscriber(g), caller, 16);
		break;
	case GEN_BLACKLISTED:
		blacklist_number(bench_rand(&g->rng) % g->cfg.blacklist_size, caller, 16);
		break;
	case GEN_SPOOFED:
		subscriber_number(non_roaming_subscriber(g), caller, 16);
		break;
	case GEN_DNO:
		snprintf(caller, 16, "%s", dno_numbers[bench_rand(&g->rng) % N_DNO]);
		break;
	default:
		snprintf(caller, 16, "%s", s->number);
		break;
	}
}

static enum cf_ingress
pick_ingress(struct gen *g, const struct source *s)
{
	switch (s->cls) {
	case GEN_LEGIT:
		return uniform(g) < 0.7 ? CF_INGRESS_NATIONAL : CF_INGRESS_LOCAL;
	case GEN_LEGIT_FOREIGN:
	case GEN_LEGIT_ROAMING:
	case GEN_SPOOFED:
		return CF_INGRESS_INTERNATIONAL;
	case GEN_DNO:
		return uniform(g) < 0.7 ? CF_INGRESS_INTERNATIONAL : CF_INGRESS_NATIONAL;
	case GEN_BLACKLISTED:
		return CF_INGRESS_NATIONAL;
	default:
		return s->ingress;
	}
}

/*
 * Set the call's number as the protocol would carry it: SIP in E.164 with
 * '+', ISUP as a national number on domestic ingress and an international
 * one (nature of address international) otherwise.
 */
static void
set_number(struct gen *g, struct cf_call *call, enum cf_party_role role,
	   const char *text)
{
	char buf[20];
	enum cf_nai nai = CF_NAI_UNKNOWN;
	bool intl = text[0] == '+';
	bool service = strlen(text) <= 5;

	if (call->proto == CF_PROTO_SIP) {
		snprintf(buf, sizeof(buf), "%s%s", intl ? "" : "+86", text);
	} else if (intl) {
		snprintf(buf, sizeof(buf), "%s", text + 1);
		nai = CF_NAI_INTERNATIONAL;
	} else if (call->ingress == CF_INGRESS_INTERNATIONAL || service) {
		snprintf(buf, sizeof(buf), "86%s", text);
		nai = CF_NAI_INTERNATIONAL;
	} else {
		snprintf(buf, sizeof(buf), "%s", text);
		nai = CF_NAI_NATIONAL;
	}
	cf_call_set_party(call, role, g->plan, buf, strlen(buf), nai);
}

static void
set_ref(struct gen *g, struct cf_call *call, uint64_t n)
{
	char id[64];
	int len;

	if (call->proto == CF_PROTO_SIP) {
		len = snprintf(id, sizeof(id), "g%llu-%llu@gen.callfence.invalid",
			       (unsigned long long)n,
			       (unsigned long long)g->cfg.seed);
		cf_call_set_sip_ref(call, id, (size_t)len);
	} else {
		/* Each ingress class has 64 gateway point codes from
		 * 1000 * class on, 4096 circuits each: calls end long
		 * before a circuit comes round again. */
		uint32_t opc = 1000u * call->ingress + (uint32_t)(n / 4096 % 64);

		call->src.point_code = opc;
		cf_call_set_isup_ref(call, opc, DPC_HOME, (uint16_t)(n % 4096));
	}
}

static uint8_t
pick_proto(const struct gen *g, uint64_t n)
{
	uint64_t state = n ^ g->cfg.seed;

	if (g->cfg.proto != CF_PROTO_NONE)
		return (uint8_t)g->cfg.proto;
	return bench_rand(&state) & 1 ? CF_PROTO_SIP : CF_PROTO_ISUP;
}

bool
gen_call_sipi(const struct gen *g, uint64_t n)
{
	/* A stream of its own (not g->rng): the traffic does not change
	 * with the share, only how its INVITEs are written. */
	uint64_t state = (n * 0x9e3779b97f4a7c15ULL) ^ g->cfg.seed ^
			 0x5349502d49ULL;	/* "SIP-I" */

	if (g->cfg.sipi <= 0 || pick_proto(g, n) != CF_PROTO_SIP)
		return false;
	return (double)(bench_rand(&state) >> 11) * 0x1.0p-53 < g->cfg.sipi;
}

/* Plan the answer and release of call @n. */
static int
schedule_end(struct gen *g, const struct source *s, uint64_t n,
	     const struct cf_call *call)
{
	struct event ev = {
		.call = n, .cls = s->cls, .actor = s->actor,
		.proto = call->proto, .ingress = call->ingress,
	};
	double ring, talk = 0;
	bool answered;

	switch (s->cls) {
	case GEN_WANGIRI:
		answered = false;
		ring = 1.0 + 2.0 * uniform(g);
		break;
	case GEN_SCANNER:
		answered = false;
		ring = 0.5 + uniform(g);
		break;
	case GEN_ROBOCALL:
		answered = uniform(g) < 0.3;
		ring = 3.0 + 5.0 * uniform(g);
		talk = 5.0 + exponential(g, 10.0);
		break;
	default:
		/* People: most calls answered after some rings; a few
		 * hung up early by the caller (the noise wangiri rules
		 * must not catch). */
		answered = uniform(g) < 0.75;
		ring = answered ? 3.0 + 12.0 * uniform(g)
				: (uniform(g) < 0.1 ? 1.0 + 3.0 * uniform(g)
						     : 15.0 + 25.0 * uniform(g));
		talk = 5.0 + exponential(g, 90.0);
		break;
	}
	ev.t_ns = call->rx_ns + (uint64_t)(ring * NS);
	if (answered) {
		ev.kind = EV_ANSWER;
		if (heap_push(g, ev) < 0)
			return -ENOMEM;
		ev.t_ns += (uint64_t)(talk * NS);
	}
	ev.kind = EV_RELEASE;
	return heap_push(g, ev);
}

static void
make_setup(struct gen *g, struct source *s, uint64_t t_ns, struct cf_call *call,
	   struct gen_label *label)
{
	char caller[20], callee[20];
	uint64_t n = g->calls_made++;

	cf_call_reset(call);
	call->rx_ns = t_ns;
	call->event = CF_EVENT_SETUP;
	call->proto = pick_proto(g, n);
	call->ingress = (uint8_t)pick_ingress(g, s);
	call->presentation = CF_PRES_ALLOWED;
	gen_ingress_source(call->ingress, (uint32_t)(n % 8), &call->src);
	if (call->proto == CF_PROTO_ISUP)
		call->calling_category = 10;	/* ordinary subscriber */
	pick_numbers(g, s, caller, callee);
	set_number(g, call, CF_PARTY_CALLER, caller);
	set_number(g, call, CF_PARTY_CALLEE, callee);
	set_ref(g, call, n);

	label->call = n;
	label->cls = s->cls;
	label->actor = s->actor;
	label->seq = s->made;
}

bool
gen_next(struct gen *g, struct cf_call *call, struct gen_label *label)
{
	struct event ev;

	if (g->heap_len == 0)
		return false;
	ev = heap_pop(g);
	if (ev.kind == EV_SOURCE) {
		struct source *s = &g->sources[ev.source];

		make_setup(g, s, ev.t_ns, call, label);
		s->made++;
		if (--s->left > 0)
			schedule_source(g, ev.source,
					next_time(g, s, (double)ev.t_ns / NS));
		if (g->cfg.with_releases)
			schedule_end(g, s, label->call, call);
		return true;
	}

	cf_call_reset(call);
	call->rx_ns = ev.t_ns;
	call->event = ev.kind == EV_ANSWER ? CF_EVENT_ANSWER : CF_EVENT_RELEASE;
	call->proto = ev.proto;
	call->ingress = ev.ingress;
	gen_ingress_source(ev.ingress, (uint32_t)(ev.call % 8), &call->src);
	set_ref(g, call, ev.call);
	if (call->event == CF_EVENT_RELEASE)
		call->release_cause = 16;	/* normal call clearing */
	label->call = ev.call;
	label->cls = ev.cls;
	label->actor = ev.actor;
	label->seq = 0;
	return true;
}

static int
write_file(const char *dir, const char *name, int (*fill)(const struct gen *, FILE *),
	   const struct gen *g)
{
	char path[4096];
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	r = fill(g, f);
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

static int
fill_blacklist(const struct gen *g, FILE *f)
{
	char num[20];
	uint64_t j;

	fprintf(f, "# Generated blacklist (seed %llu)\n", (unsigned long long)g->cfg.seed);
	for (j = 0; j < g->cfg.blacklist_size; j++) {
		blacklist_number(j, num, sizeof(num));
		fprintf(f, "+86%s\n", num);
	}
	return ferror(f) ? -EIO : 0;
}

static int
fill_dno(const struct gen *g, FILE *f)
{
	size_t i;

	fprintf(f, "# Inbound-only service numbers\n");
	for (i = 0; i < N_DNO; i++)
		fprintf(f, "%s\n", dno_numbers[i]);
	return ferror(f) ? -EIO : 0;
}

static int
fill_roaming(const struct gen *g, FILE *f)
{
	char num[20];
	uint64_t i;

	fprintf(f, "# Subscribers abroad\n");
	for (i = 0; i < g->cfg.subscribers; i += ROAMING_ONE_IN) {
		subscriber_number(i, num, sizeof(num));
		fprintf(f, "+86%s\n", num);
	}
	return ferror(f) ? -EIO : 0;
}

static int
fill_whitelist(const struct gen *g, FILE *f)
{
	char num[20];
	uint64_t i;

	fprintf(f, "# Known-good call centres\n");
	for (i = 1; i <= WHITELIST_SIZE; i++) {
		snprintf(num, sizeof(num), "400%07llu",
			 (unsigned long long)(i * 104729u % 10000000u));
		fprintf(f, "+86%s\n", num);
	}
	return ferror(f) ? -EIO : 0;
}

static const struct {
	const char *file;
	int (*fill)(const struct gen *, FILE *);
} list_files[] = {
	{ "blacklist.txt", fill_blacklist },
	{ "dno.txt", fill_dno },
	{ "roaming.txt", fill_roaming },
	{ "whitelist.txt", fill_whitelist },
};

int
gen_write_lists(const struct gen *g, const char *dir)
{
	size_t i;
	int r;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	for (i = 0; i < sizeof(list_files) / sizeof(list_files[0]); i++)
		if ((r = write_file(dir, list_files[i].file, list_files[i].fill, g)) < 0)
			return r;
	return 0;
}

void
gen_remove_lists(const char *dir)
{
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof(list_files) / sizeof(list_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list_files[i].file);
		unlink(path);
	}
}
