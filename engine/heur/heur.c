/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Heuristic state tables.  See callfence/heur.h for the contract and the
 * accuracy of each measure.
 *
 * Layout: a table is an array of sets of WAYS slots; a key's set is picked
 * by its hash, and a key not in its set replaces the least recently seen
 * slot of the set.  Slots of one table have one size, chosen by the kind:
 * every slot starts with struct slot_head.
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <callfence/hash.h>
#include <callfence/heur.h>

#define WAYS		8
#define NS_PER_S	1000000000ull
#define WINDOW_MIN	NS_PER_S
#define WINDOW_MAX	(24 * 3600 * NS_PER_S)
#define BITMAP_BITS	256
#define BITMAP_WORDS	(BITMAP_BITS / 64)

struct slot_head {
	uint64_t key;		/* 0 = free */
	uint64_t last_ns;	/* recency, for eviction */
};

/* Two tumbling sub-windows (see heur.h). */
struct window {
	uint64_t start_ns;	/* start of the current sub-window */
	uint32_t cur;
	uint32_t prev;
};

struct counter_slot {
	struct slot_head h;
	struct window w;
};

struct distinct_slot {
	struct slot_head h;
	uint64_t start_ns;
	uint64_t pad;
	uint64_t cur[BITMAP_WORDS];
	uint64_t prev[BITMAP_WORDS];
};

struct sequence_slot {
	struct slot_head h;
	uint64_t last_value;	/* the previous callee, as an integer */
	uint32_t run;
	int32_t direction;	/* +1 ascending, -1 descending, 0 unknown */
};

/* A call in progress, keyed by its call reference. */
struct open_slot {
	struct slot_head h;	/* key = call ref hash, last_ns = set-up */
	uint64_t caller_key;
	uint64_t answered;
};

struct table {
	unsigned char *slots;
	size_t slot_size;
	uint64_t set_mask;
};

struct cf_heur {
	struct cf_heur_params p;
	struct table keys;	/* per caller key (or caller+range) */
	struct table calls;	/* open calls: SHORT_CALLS, CONCURRENT */
	struct cf_heur_stats stats;
	uint64_t sweep_cursor;	/* next set of calls cf_heur_expire() reads */
	size_t memory;
	/* Linear counting: estimate for a bitmap with z zero bits. */
	uint16_t distinct_for_zeros[BITMAP_BITS + 1];
};

static const char *const kind_names[CF_HEUR__COUNT] = {
	[CF_HEUR_RATE]		= "rate",
	[CF_HEUR_DISTINCT]	= "distinct-callees",
	[CF_HEUR_SEQUENTIAL]	= "sequential",
	[CF_HEUR_RANGE]		= "range-sweep",
	[CF_HEUR_SHORT_CALLS]	= "short-calls",
	[CF_HEUR_CONCURRENT]	= "concurrent",
	[CF_HEUR_DISTINCT_CALLERS] = "distinct-callers",
};

const char *
cf_heur_kind_name(enum cf_heur_kind kind)
{
	return (unsigned int)kind < CF_HEUR__COUNT ? kind_names[kind] : "?";
}

static size_t
slot_size_of(enum cf_heur_kind kind)
{
	switch (kind) {
	case CF_HEUR_DISTINCT:
	case CF_HEUR_DISTINCT_CALLERS:
		return sizeof(struct distinct_slot);
	case CF_HEUR_SEQUENTIAL:
		return sizeof(struct sequence_slot);
	default:
		return sizeof(struct counter_slot);
	}
}

static bool
tracks_calls(enum cf_heur_kind kind)
{
	return kind == CF_HEUR_SHORT_CALLS || kind == CF_HEUR_CONCURRENT;
}

static bool
uses_window(enum cf_heur_kind kind)
{
	return kind != CF_HEUR_SEQUENTIAL && kind != CF_HEUR_CONCURRENT;
}

const char *
cf_heur_params_check(const struct cf_heur_params *p)
{
	if ((unsigned int)p->kind >= CF_HEUR__COUNT)
		return "unknown heuristic";
	if (uses_window(p->kind) &&
	    (p->window_ns < WINDOW_MIN || p->window_ns > WINDOW_MAX))
		return "window must be 1 s to 24 h";
	if (p->key_digits > CF_NUMKEY_MAX_DIGITS)
		return "key prefix longer than 15 digits";
	if (p->kind == CF_HEUR_RANGE &&
	    (p->range_digits < 1 || p->range_digits > CF_NUMKEY_MAX_DIGITS))
		return "range prefix must be 1 to 15 digits";
	if (p->kind == CF_HEUR_SHORT_CALLS && p->short_ns == 0)
		return "short-call duration must be set";
	if (tracks_calls(p->kind) && p->max_call_ns == 0)
		return "maximum call duration must be set";
	/* At least one set of each table. */
	if (p->memory < 2 * WAYS * sizeof(struct distinct_slot))
		return "memory too small";
	return NULL;
}

/* The largest power-of-two number of sets of @slot_size slots in @bytes. */
static int
table_init(struct table *t, size_t slot_size, size_t bytes)
{
	uint64_t sets = 1;

	while (sets * 2 * WAYS * slot_size <= bytes)
		sets *= 2;
	t->slot_size = slot_size;
	t->set_mask = sets - 1;
	t->slots = aligned_alloc(64, sets * WAYS * slot_size);
	if (!t->slots)
		return -ENOMEM;
	memset(t->slots, 0, sets * WAYS * slot_size);
	return 0;
}

static size_t
table_bytes(const struct table *t)
{
	return (t->set_mask + 1) * WAYS * t->slot_size;
}

struct cf_heur *
cf_heur_new(const struct cf_heur_params *p)
{
	struct cf_heur *h;
	size_t key_bytes;
	unsigned int z;

	if (cf_heur_params_check(p))
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->p = *p;
	/* Open calls get half the memory when the kind tracks them. */
	key_bytes = tracks_calls(p->kind) ? p->memory / 2 : p->memory;
	if (table_init(&h->keys, slot_size_of(p->kind), key_bytes) < 0)
		goto fail;
	if (tracks_calls(p->kind) &&
	    table_init(&h->calls, sizeof(struct open_slot),
		       p->memory - key_bytes) < 0)
		goto fail;
	h->memory = sizeof(*h) + table_bytes(&h->keys) +
		    (h->calls.slots ? table_bytes(&h->calls) : 0);

	/* n = m ln(m / z); all bits set is capped at z = 1/2. */
	for (z = 0; z <= BITMAP_BITS; z++)
		h->distinct_for_zeros[z] = (uint16_t)lround(
			BITMAP_BITS * log(BITMAP_BITS / (z ? (double)z : 0.5)));
	return h;
fail:
	cf_heur_free(h);
	return NULL;
}

void
cf_heur_free(struct cf_heur *h)
{
	if (!h)
		return;
	free(h->keys.slots);
	free(h->calls.slots);
	free(h);
}

size_t
cf_heur_memory(const struct cf_heur *h)
{
	return h->memory;
}

const struct cf_heur_stats *
cf_heur_stats(const struct cf_heur *h)
{
	return &h->stats;
}

static inline struct slot_head *
slot_at(const struct table *t, uint64_t set, unsigned int way)
{
	return (struct slot_head *)(t->slots +
				    (set * WAYS + way) * t->slot_size);
}

static struct slot_head *
table_find(const struct table *t, uint64_t key)
{
	uint64_t set = cf_hash64(key) & t->set_mask;
	unsigned int w;

	for (w = 0; w < WAYS; w++) {
		struct slot_head *s = slot_at(t, set, w);

		if (s->key == key)
			return s;
	}
	return NULL;
}

/*
 * The slot of @key, taking the least recently seen slot of its set if the
 * key is new (the caller is told through *@fresh and finds it zeroed but
 * for the key).  *@victim receives a copy of an evicted slot's head so
 * that open-call tables can settle what the evicted call held.
 */
static struct slot_head *
table_get(struct cf_heur *h, struct table *t, uint64_t key, uint64_t now,
	  bool *fresh, struct open_slot *victim)
{
	uint64_t set = cf_hash64(key) & t->set_mask;
	struct slot_head *oldest = NULL;
	unsigned int w;

	for (w = 0; w < WAYS; w++) {
		struct slot_head *s = slot_at(t, set, w);

		if (s->key == key) {
			*fresh = false;
			return s;
		}
		if (!oldest || s->key == 0 ||
		    (oldest->key != 0 && s->last_ns < oldest->last_ns))
			oldest = s;
	}
	if (oldest->key != 0) {
		if (victim)
			memcpy(victim, oldest, sizeof(*victim));
		if (t == &h->calls &&
		    now - oldest->last_ns > h->p.max_call_ns)
			h->stats.expired++;
		else
			h->stats.evicted++;
	} else {
		h->stats.inserted++;
		if (victim)
			victim->h.key = 0;
	}
	memset(oldest, 0, t->slot_size);
	oldest->key = key;
	oldest->last_ns = now;
	*fresh = true;
	return oldest;
}

/* Move @w forward to the sub-window holding @now. */
static void
window_roll(struct window *w, uint64_t now, uint64_t len)
{
	uint64_t passed;

	if (now < w->start_ns)	/* reordered capture: same sub-window */
		return;
	passed = (now - w->start_ns) / len;
	if (passed == 0)
		return;
	w->prev = passed == 1 ? w->cur : 0;
	w->cur = 0;
	/* Nothing of the window left: start afresh at @now, on the grid a
	 * new entry gets, so a key kept idle counts as one evicted and made
	 * again (whether it was kept depends on the table's fill, which
	 * depends on the worker count). */
	w->start_ns = passed == 1 ? w->start_ns + len : now;
}

/* cur + prev weighted by the part of the previous sub-window still
 * inside the last @len. */
static uint32_t
window_estimate(uint32_t cur, uint32_t prev, uint64_t start_ns, uint64_t now,
		uint64_t len)
{
	uint64_t into = now > start_ns ? now - start_ns : 0;

	if (into >= len)
		return cur;
	return cur + (uint32_t)(((uint64_t)prev * (len - into)) / len);
}

/* The key the heuristic counts under: the caller's number or its block
 * (the callee's, for DISTINCT_CALLERS). */
static uint64_t
caller_key(const struct cf_heur *h, const struct cf_number *caller)
{
	unsigned int d = h->p.key_digits;

	if (d == 0 || d >= cf_numkey_len(caller->key))
		return caller->key;
	return cf_numkey_prefix(caller->key, d);
}

/* RANGE counts a caller key and a callee block together. */
static uint64_t
range_key(const struct cf_heur *h, uint64_t key, const struct cf_number *callee)
{
	return cf_hash64(key ^ cf_hash64(cf_numkey_prefix(
		callee->key, h->p.range_digits))) | 1;
}

/* The callee as an integer, for runs of consecutive numbers. */
static uint64_t
number_value(const struct cf_number *n)
{
	unsigned int i, len = cf_numkey_len(n->key);
	uint64_t v = 0;

	for (i = 0; i < len; i++)
		v = v * 10 + cf_numkey_digit(n->key, i);
	return v;
}

static unsigned int
bitmap_zeros(const uint64_t *bits)
{
	unsigned int i, ones = 0;

	for (i = 0; i < BITMAP_WORDS; i++)
		ones += (unsigned int)__builtin_popcountll(bits[i]);
	return BITMAP_BITS - ones;
}

static uint32_t
distinct_estimate(const struct cf_heur *h, const struct distinct_slot *s,
		  uint64_t now)
{
	uint32_t cur = h->distinct_for_zeros[bitmap_zeros(s->cur)];
	uint32_t prev = h->distinct_for_zeros[bitmap_zeros(s->prev)];

	return window_estimate(cur, prev, s->start_ns, now, h->p.window_ns);
}

static void
distinct_roll(struct distinct_slot *s, uint64_t now, uint64_t len)
{
	uint64_t passed;

	if (now < s->start_ns)
		return;
	passed = (now - s->start_ns) / len;
	if (passed == 0)
		return;
	if (passed == 1)
		memcpy(s->prev, s->cur, sizeof(s->prev));
	else
		memset(s->prev, 0, sizeof(s->prev));
	memset(s->cur, 0, sizeof(s->cur));
	/* As window_roll(): nothing left, the grid of a new entry. */
	s->start_ns = passed == 1 ? s->start_ns + len : now;
}

/* The windowed count under @key now, recording nothing. */
static uint32_t
counter_peek(const struct cf_heur *h, uint64_t key, uint64_t now)
{
	const struct counter_slot *s;
	struct window w;

	s = (const struct counter_slot *)table_find(&h->keys, key);
	if (!s)
		return 0;
	w = s->w;
	window_roll(&w, now, h->p.window_ns);
	return window_estimate(w.cur, w.prev, w.start_ns, now, h->p.window_ns);
}

/* Count one event under @key and return the windowed count after it. */
static uint32_t
counter_add(struct cf_heur *h, uint64_t key, uint64_t now)
{
	struct counter_slot *s;
	bool fresh;

	s = (struct counter_slot *)table_get(h, &h->keys, key, now, &fresh, NULL);
	if (fresh)
		s->w.start_ns = now;
	s->h.last_ns = now;
	window_roll(&s->w, now, h->p.window_ns);
	s->w.cur++;
	return window_estimate(s->w.cur, s->w.prev, s->w.start_ns, now,
			       h->p.window_ns);
}

/* Set @member's bit (a callee, or a caller for DISTINCT_CALLERS). */
static uint32_t
observe_distinct(struct cf_heur *h, uint64_t key,
		 const struct cf_number *member, uint64_t now)
{
	struct distinct_slot *s;
	uint64_t bit;
	bool fresh;

	s = (struct distinct_slot *)table_get(h, &h->keys, key, now, &fresh, NULL);
	if (fresh)
		s->start_ns = now;
	s->h.last_ns = now;
	distinct_roll(s, now, h->p.window_ns);
	bit = cf_hash64(member->key) % BITMAP_BITS;
	s->cur[bit / 64] |= 1ull << (bit % 64);
	return distinct_estimate(h, s, now);
}

static uint32_t
observe_sequence(struct cf_heur *h, uint64_t key, const struct cf_number *callee,
		 uint64_t now)
{
	struct sequence_slot *s;
	uint64_t v = number_value(callee);
	bool fresh;

	s = (struct sequence_slot *)table_get(h, &h->keys, key, now, &fresh, NULL);
	/* A window, when set, bounds the gap between two calls of a run. */
	if (!fresh && h->p.window_ns && now - s->h.last_ns > h->p.window_ns)
		fresh = true;
	s->h.last_ns = now;
	if (fresh) {
		s->run = 1;
		s->direction = 0;
	} else if (v == s->last_value + 1 && s->direction >= 0) {
		s->run++;
		s->direction = 1;
	} else if (v + 1 == s->last_value && s->direction <= 0) {
		s->run++;
		s->direction = -1;
	} else if (v != s->last_value) {
		/* A redial of the same number neither extends nor breaks
		 * the run; anything else starts a new one. */
		s->run = 1;
		s->direction = 0;
	}
	s->last_value = v;
	return s->run;
}

/* Forget an open call: CONCURRENT gives back its caller's count. */
static void
settle_open_call(struct cf_heur *h, uint64_t caller)
{
	struct counter_slot *c;

	if (h->p.kind != CF_HEUR_CONCURRENT || caller == 0)
		return;
	c = (struct counter_slot *)table_find(&h->keys, caller);
	if (c && c->w.cur > 0)
		c->w.cur--;
}

static uint32_t
observe_setup_tracked(struct cf_heur *h, const struct cf_call *call,
		      uint64_t key, uint64_t now)
{
	struct open_slot victim, *o;
	struct counter_slot *c;
	bool fresh;

	o = (struct open_slot *)table_get(h, &h->calls, call->ref.hash | 1, now,
					  &fresh, &victim);
	if (victim.h.key != 0)
		settle_open_call(h, victim.caller_key);
	if (!fresh) {
		/* A retransmitted set-up: the call is already counted. */
		return cf_heur_peek(h, call);
	}
	o->caller_key = key;
	if (h->p.kind == CF_HEUR_SHORT_CALLS)
		return counter_peek(h, key, now);
	c = (struct counter_slot *)table_get(h, &h->keys, key, now, &fresh, NULL);
	c->h.last_ns = now;
	return ++c->w.cur;
}

static void
observe_end_tracked(struct cf_heur *h, const struct cf_call *call, uint64_t now)
{
	struct open_slot *o;

	o = (struct open_slot *)table_find(&h->calls, call->ref.hash | 1);
	if (!o) {
		h->stats.unmatched++;
		return;
	}
	if (call->event == CF_EVENT_ANSWER) {
		o->answered = 1;
		return;
	}
	if (h->p.kind == CF_HEUR_SHORT_CALLS) {
		/* A BYE ends an answered call even when the 200 was not
		 * seen (a screening server sees no responses). */
		if (!o->answered && !call->answered && !call->refused &&
		    now - o->h.last_ns <= h->p.short_ns)
			counter_add(h, o->caller_key, now);
	} else {
		settle_open_call(h, o->caller_key);
	}
	memset(o, 0, sizeof(*o));
}

uint32_t
cf_heur_observe(struct cf_heur *h, const struct cf_call *call)
{
	const struct cf_number *caller, *callee;
	uint64_t now = call->rx_ns, key;

	h->stats.observed++;
	if (call->event != CF_EVENT_SETUP) {
		if (tracks_calls(h->p.kind))
			observe_end_tracked(h, call, now);
		return 0;
	}
	caller = cf_call_number(call, CF_PARTY_CALLER);
	if (!caller)
		return 0;
	callee = cf_call_number(call, CF_PARTY_CALLEE);
	if (h->p.kind == CF_HEUR_DISTINCT_CALLERS) {
		/* The bitmap element is the whole caller number: a gang
		 * rotating through a block still shows as many callers. */
		if (!callee)
			return 0;
		return observe_distinct(h, caller_key(h, callee), caller, now);
	}
	key = caller_key(h, caller);

	switch (h->p.kind) {
	case CF_HEUR_RATE:
		return counter_add(h, key, now);
	case CF_HEUR_DISTINCT:
		return callee ? observe_distinct(h, key, callee, now) : 0;
	case CF_HEUR_SEQUENTIAL:
		return callee ? observe_sequence(h, key, callee, now) : 0;
	case CF_HEUR_RANGE:
		if (!callee || callee->len < h->p.range_digits)
			return 0;
		return counter_add(h, range_key(h, key, callee), now);
	case CF_HEUR_SHORT_CALLS:
	case CF_HEUR_CONCURRENT:
		return observe_setup_tracked(h, call, key, now);
	default:
		return 0;
	}
}

uint32_t
cf_heur_peek(const struct cf_heur *h, const struct cf_call *call)
{
	const struct cf_number *caller = cf_call_number(call, CF_PARTY_CALLER);
	const struct cf_number *callee = cf_call_number(call, CF_PARTY_CALLEE);
	const struct slot_head *s;
	uint64_t key, now = call->rx_ns;

	if (!caller)
		return 0;
	key = caller_key(h, caller);
	if (h->p.kind == CF_HEUR_DISTINCT_CALLERS) {
		if (!callee)
			return 0;
		key = caller_key(h, callee);
	}
	if (h->p.kind == CF_HEUR_RANGE) {
		if (!callee || callee->len < h->p.range_digits)
			return 0;
		key = range_key(h, key, callee);
	}
	s = table_find(&h->keys, key);
	if (!s)
		return 0;
	switch (h->p.kind) {
	case CF_HEUR_DISTINCT:
	case CF_HEUR_DISTINCT_CALLERS: {
		struct distinct_slot d = *(const struct distinct_slot *)s;

		distinct_roll(&d, now, h->p.window_ns);
		return distinct_estimate(h, &d, now);
	}
	case CF_HEUR_SEQUENTIAL:
		return ((const struct sequence_slot *)s)->run;
	case CF_HEUR_CONCURRENT:
		return ((const struct counter_slot *)s)->w.cur;
	default:
		return counter_peek(h, key, now);
	}
}

void
cf_heur_expire(struct cf_heur *h, uint64_t now, unsigned int sets)
{
	unsigned int i, w;

	if (!h->calls.slots)
		return;
	for (i = 0; i < sets; i++) {
		uint64_t set = h->sweep_cursor++ & h->calls.set_mask;

		for (w = 0; w < WAYS; w++) {
			struct open_slot *o =
				(struct open_slot *)slot_at(&h->calls, set, w);

			if (o->h.key == 0 || now < o->h.last_ns ||
			    now - o->h.last_ns <= h->p.max_call_ns)
				continue;
			settle_open_call(h, o->caller_key);
			memset(o, 0, sizeof(*o));
			h->stats.expired++;
		}
	}
}

bool
cf_heur_neighbour(const struct cf_call *call, unsigned int digits)
{
	const struct cf_number *a = cf_call_number(call, CF_PARTY_CALLER);
	const struct cf_number *b = cf_call_number(call, CF_PARTY_CALLEE);

	if (!a || !b || a->key == b->key || digits == 0 ||
	    digits > a->len || digits > b->len)
		return false;
	return cf_numkey_prefix(a->key, digits) ==
	       cf_numkey_prefix(b->key, digits);
}
