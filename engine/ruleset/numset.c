/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Number sets: quotiented, order-preserving linear probing over a bit-packed
 * slot array.  See numset.h for the idea; the layout is:
 *
 *   struct cf_numset (header, 64 bytes)
 *   label names, nlabels * 64 bytes, NUL-padded
 *   slot array, 64-byte aligned, slots * slot_bits bits, 8 spare bytes
 *
 * A slot is, from its least significant bit: displacement + 1 (0 = empty,
 * disp_bits), label id (label_bits, may be 0 wide), remainder (rem_bits).
 */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <callfence/numkey.h>
#include <callfence/numset.h>

/* CFNSET2: hash50() replaced the 50-bit mixer of CFNSET1. */
#define NUMSET_MAGIC		"CFNSET2"
#define HASH_BITS		50
#define HASH_MASK		((UINT64_C(1) << HASH_BITS) - 1)
#define SLOT_BITS_MAX		57	/* one unaligned 64-bit load per slot */
#define LABEL_NAME_BYTES	(CF_NUMSET_LABEL_LEN_MAX + 1)
#define DEFAULT_MAX_PROBE	254	/* displacement + 1 fits 8 bits */
#define MIN_HOME_BITS		10
#define HUGE_PAGE		((size_t)2 << 20)
#define PREFETCH_DIST		16	/* look-ups between a prefetch and its probe */
#define PROBE_WINDOW		5	/* slots probe() reads without branching */

struct cf_numset {
	char magic[8];
	uint64_t size;		/* bytes of the whole block */
	uint64_t entries;
	uint64_t slots;		/* 2^home_bits + overflow tail */
	uint64_t slot_offset;	/* bytes from the header to the slots */
	uint8_t home_bits;
	uint8_t rem_bits;
	uint8_t label_bits;
	uint8_t disp_bits;
	uint8_t slot_bits;
	uint8_t pad[3];
	uint32_t max_probe;
	uint32_t nlabels;
};

_Static_assert(sizeof(struct cf_numset) == 56, "numset header layout");

/* Dense index of the first number of each length: lengths 1..15 numbered
 * one after the other, so all numbers fit in 50 bits. */
static const uint64_t len_base[16] = {
	0, 0, 10ULL, 110ULL, 1110ULL, 11110ULL, 111110ULL, 1111110ULL,
	11111110ULL, 111111110ULL, 1111111110ULL, 11111111110ULL,
	111111111110ULL, 1111111111110ULL, 11111111111110ULL,
	111111111111110ULL,
};

/*
 * The dense index of @key in *@index, and whether @key is a valid number
 * key: length 1..15, every nibble a digit, no digits past its length.
 * Branch-free (the validity is one flag, not three early returns), so
 * keys that are not numbers cost no mispredictions in a batch.  Four
 * SWAR steps turn the BCD nibbles into binary without a loop.
 */
static inline bool
key_to_index(uint64_t key, uint64_t *index)
{
	unsigned int len = key & 0xf;
	uint64_t x = key >> 4;	/* 15 nibbles, first digit highest */
	unsigned int pad = 4 * (CF_NUMKEY_MAX_DIGITS - len);	/* len 0: 60 */
	uint64_t bad;

	bad = (x & ((UINT64_C(1) << pad) - 1)) |
	      (x & ((x << 1) | (x << 2)) & UINT64_C(0x0888888888888888));
	x >>= pad;
	x = ((x >> 4) & UINT64_C(0x0f0f0f0f0f0f0f0f)) * 10 +
	    (x & UINT64_C(0x0f0f0f0f0f0f0f0f));
	x = ((x >> 8) & UINT64_C(0x00ff00ff00ff00ff)) * 100 +
	    (x & UINT64_C(0x00ff00ff00ff00ff));
	x = ((x >> 16) & UINT64_C(0x0000ffff0000ffff)) * 10000 +
	    (x & UINT64_C(0x0000ffff0000ffff));
	x = (x >> 32) * 100000000 + (x & UINT64_C(0xffffffff));
	*index = x + len_base[len];
	return (bad | (len == 0)) == 0;
}

/*
 * Multiplicative (Fibonacci) hashing modulo 2^50: an odd multiplier is a
 * bijection of 50-bit values, so quotienting stays exact, and the top bits
 * (the home slot) depend on every lower bit of the index, which spreads
 * runs of consecutive numbers evenly.  One multiply instead of the two
 * multiplies and three xorshifts of a full mixer: the home slot only
 * needs the top bits to be well spread, and the probe bound grows the
 * table if some list ever clusters.
 */
static inline uint64_t
hash50(uint64_t index)
{
	return (index * UINT64_C(0x9e3779b97f4a7c15)) & HASH_MASK;
}

static inline const uint8_t *
slot_base(const struct cf_numset *set)
{
	return (const uint8_t *)set + set->slot_offset;
}

static inline uint64_t
load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void
slot_put(uint8_t *base, unsigned int width, uint64_t i, uint64_t v)
{
	uint64_t bit = i * width;
	uint64_t w = load64(base + (bit >> 3));

	w |= v << (bit & 7);
	memcpy(base + (bit >> 3), &w, sizeof(w));
}

/* The header fields a probe needs, read once per call or batch. */
struct probe_ctx {
	const uint8_t *base;
	uint64_t width;		/* slot bits */
	unsigned int rem_bits;
	unsigned int rshift;	/* disp_bits + label_bits */
	unsigned int disp_bits;
	uint64_t dmask, rmask, lmask;
	uint64_t keymask;	/* remainder and displacement, no label */
	uint64_t last;		/* last slot */
};

static inline void
probe_init(struct probe_ctx *c, const struct cf_numset *set)
{
	c->base = slot_base(set);
	c->width = set->slot_bits;
	c->rem_bits = set->rem_bits;
	c->disp_bits = set->disp_bits;
	c->rshift = set->disp_bits + set->label_bits;
	c->dmask = (UINT64_C(1) << set->disp_bits) - 1;
	c->rmask = (UINT64_C(1) << set->rem_bits) - 1;
	c->lmask = (UINT64_C(1) << set->label_bits) - 1;
	c->keymask = (c->rmask << c->rshift) | c->dmask;
	c->last = set->slots - 1;
}

/* The bits of the slot starting at bit @bit, and above them bits of the
 * next slots: one unaligned 64-bit load (slots are at most 57 bits wide,
 * and the array has 8 spare bytes at its end). */
static inline uint64_t
slot_bits_at(const struct probe_ctx *c, uint64_t bit)
{
	return load64(c->base + (bit >> 3)) >> (bit & 7);
}

/*
 * Prefetch the cache line at @p.  GCC 12 at -O2 deletes some
 * __builtin_prefetch() calls as dead code (two per iteration of the
 * batch loop vanished, silently halving its speed); an asm it must keep.
 */
static inline void
prefetch(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetcht0 %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p);
#endif
}

/*
 * Prefetch what probe() reads for hash @h: the window from the home slot
 * on.  A window of 5 slots of ~28 bits crosses a cache line over a quarter
 * of the time, so its last byte is prefetched too (the same line most of
 * the time, then the second prefetch is nearly free).
 */
static inline void
prefetch_home(const struct probe_ctx *c, uint64_t h)
{
	uint64_t bit = (h >> c->rem_bits) * c->width;

	prefetch(c->base + (bit >> 3));
	prefetch(c->base + ((bit + PROBE_WINDOW * c->width) >> 3));
}

/*
 * Slow tail of a probe for hash @h from slot @s on, one slot at a time.
 * Entries sit in hash order, so it looks for the first slot whose entry's
 * hash ((home << rem_bits) | rem, empty slots after everything) is not
 * below @h.
 */
static int
probe_tail(const struct probe_ctx *c, uint64_t h, uint64_t s)
{
	for (; s <= c->last; s++) {
		uint64_t v = slot_bits_at(c, s * c->width);
		uint64_t d = v & c->dmask;
		uint64_t e = ((s + 1 - d) << c->rem_bits) |
			     ((v >> c->rshift) & c->rmask);

		if (d == 0)
			return CF_NUMSET_ABSENT;
		if (e >= h)
			return e == h ? (int)((v >> c->disp_bits) & c->lmask) :
					CF_NUMSET_ABSENT;
	}
	return CF_NUMSET_ABSENT;
}

/*
 * Probe for hash @h: label id or CF_NUMSET_ABSENT.
 *
 * Our entry, if present, sits at home + k holding displacement + 1 = k + 1
 * and our remainder: so slot k matches when its bits, label masked off,
 * equal (rem << rshift) | (k + 1), one compare and no field unpacking.
 * The first PROBE_WINDOW slots are tested that way without branches, so
 * hits and misses cost the same and mispredict nothing.  Only when the
 * last slot of the window holds an entry that sorts before ours (its home
 * is earlier, displacement + 1 above PROBE_WINDOW, or the same home and a
 * smaller remainder) can ours lie beyond, and the loop takes over: 8% of
 * probes at a load of 0.76 with 5 slots (28% with 4, 5% with 6; 5 was
 * fastest at 1e7, `callfence-bench lookup`).  So do home slots so close to the end of
 * the array (max_probe < PROBE_WINDOW - 1) that the window would run past
 * it.
 */
static inline int
probe(const struct probe_ctx *c, uint64_t h)
{
	uint64_t home = h >> c->rem_bits;
	uint64_t t = (h & c->rmask) << c->rshift;
	uint64_t bit = home * c->width;
	uint64_t v = 0, u, d, at = 0, any = 0;
	unsigned int k;

	if (__builtin_expect(home + PROBE_WINDOW - 1 > c->last, 0))
		return probe_tail(c, h, home);
	/* Unrolled: straight-line code, no loop branch.  At most one slot
	 * matches; remember where, and read its label once after. */
#pragma GCC unroll 16
	for (k = 0; k < PROBE_WINDOW; k++) {
		uint64_t eq;

		v = slot_bits_at(c, bit + k * c->width);
		eq = (v & c->keymask) == t + k + 1;
		any |= eq;
		at |= eq * k;
	}
	u = v & c->keymask;
	d = u & c->dmask;
	if (__builtin_expect((d > PROBE_WINDOW) |
			     ((d == PROBE_WINDOW) & (u < t + PROBE_WINDOW)), 0))
		return probe_tail(c, h, home + PROBE_WINDOW);
	v = slot_bits_at(c, bit + at * c->width);
	/* Absent: -1 whatever the label bits of slot 0 say. */
	return (int)((v >> c->disp_bits) & c->lmask) | -(int)(any == 0);
}

int
cf_numset_lookup(const struct cf_numset *set, uint64_t key)
{
	struct probe_ctx c;
	uint64_t index;

	/* One call, one key: the branch on a bad key is predictable here. */
	if (!key_to_index(key, &index) || set->entries == 0)
		return CF_NUMSET_ABSENT;
	probe_init(&c, set);
	return probe(&c, hash50(index));
}

/*
 * A software pipeline: while key i is probed, the home slot of key
 * i + PREFETCH_DIST is hashed and prefetched, so about that many DRAM
 * misses are in flight at any time and each probe finds its line in
 * cache.  The hashes wait in a small ring; a key that is not a number is
 * probed with a harmless hash and its result overwritten.
 */
size_t
cf_numset_lookup_batch(const struct cf_numset *set, const uint64_t *keys,
		       size_t n, int16_t *results)
{
	uint64_t ring[PREFETCH_DIST];
	uint8_t bad[PREFETCH_DIST];
	struct probe_ctx c;
	size_t found = 0, i, ahead;

	if (set->entries == 0) {
		for (i = 0; i < n; i++)
			results[i] = CF_NUMSET_ABSENT;
		return 0;
	}
	probe_init(&c, set);
	ahead = n < PREFETCH_DIST ? n : PREFETCH_DIST;
	for (i = 0; i < ahead; i++) {
		uint64_t index = 0;

		bad[i] = !key_to_index(keys[i], &index);
		ring[i] = hash50(index);
		prefetch_home(&c, ring[i]);
	}
	for (i = 0; i < n; i++) {
		size_t k = i % PREFETCH_DIST;
		int r = probe(&c, ring[k]) | -(int)bad[k];

		results[i] = (int16_t)r;
		found += r >= 0;
		if (i + PREFETCH_DIST < n) {
			uint64_t index = 0;

			bad[k] = !key_to_index(keys[i + PREFETCH_DIST],
					       &index);
			ring[k] = hash50(index);
			prefetch_home(&c, ring[k]);
		}
	}
	return found;
}

/*
 * Memory for a set of @size bytes (a multiple of 64), 64-byte aligned.
 * A set of a huge page or more gets its own mapping, 2 MiB aligned and
 * advised MADV_HUGEPAGE: a look-up in a set of hundreds of MiB is a TLB
 * miss on 4 KiB pages, and in a virtual machine a nested page walk costs
 * as much as the cache miss itself.  The advice is best effort (THP may
 * be off: /sys/kernel/mm/transparent_hugepage/enabled); the memory works
 * either way.  set_free() tells the two kinds apart by the same size.
 */
static size_t
huge_len(size_t size)
{
	/* Whole huge pages: a 4 KiB-paged tail would cost TLB misses too. */
	return (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

static void *
set_alloc(size_t size)
{
	size_t len = huge_len(size) + HUGE_PAGE;
	uint8_t *map, *p;

	if (size < HUGE_PAGE)
		return aligned_alloc(64, size);
	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	/* Trim to a 2 MiB aligned start and whole huge pages. */
	p = (uint8_t *)(((uintptr_t)map + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
	if (p > map)
		munmap(map, (size_t)(p - map));
	len -= (size_t)(p - map);
	size = huge_len(size);
	if (len > size)
		munmap(p + size, len - size);
	madvise(p, size, MADV_HUGEPAGE);
	return p;
}

static void
set_free(void *p, size_t size)
{
	if (size < HUGE_PAGE)
		free(p);
	else
		munmap(p, huge_len(size));
}

/*
 * Stable LSD radix sort of @n values on bits 8..57 (the hash; the label in
 * bits 0..7 rides along), so duplicates keep their input order.  @tmp has
 * room for @n values.  Returns the array holding the result.
 */
static uint64_t *
radix_sort(uint64_t *a, uint64_t *tmp, size_t n)
{
	static const unsigned int widths[] = { 13, 13, 12, 12 };
	unsigned int shift = 8, p;
	size_t *count;

	count = malloc(sizeof(*count) << 13);
	if (!count)
		return NULL;
	for (p = 0; p < sizeof(widths) / sizeof(widths[0]); p++) {
		size_t buckets = (size_t)1 << widths[p], i, sum = 0;
		uint64_t mask = buckets - 1;
		uint64_t *t;

		memset(count, 0, buckets * sizeof(*count));
		for (i = 0; i < n; i++)
			count[(a[i] >> shift) & mask]++;
		for (i = 0; i < buckets; i++) {
			size_t c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			tmp[count[(a[i] >> shift) & mask]++] = a[i];
		t = a;
		a = tmp;
		tmp = t;
		shift += widths[p];
	}
	free(count);
	return a;
}

static unsigned int
bits_for(uint64_t v)
{
	return v ? 64 - (unsigned int)__builtin_clzll(v) : 0;
}

/* Longest displacement when the sorted hashes @h go into 2^@home_bits
 * home slots, or UINT64_MAX once it exceeds @limit. */
static uint64_t
place_max_disp(const uint64_t *h, size_t n, unsigned int home_bits,
	       uint64_t limit)
{
	unsigned int rem_bits = HASH_BITS - home_bits;
	uint64_t next = 0, max = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t home = (h[i] >> 8) >> rem_bits;
		uint64_t pos = home > next ? home : next;

		if (pos - home > max) {
			max = pos - home;
			if (max > limit)
				return UINT64_MAX;
		}
		next = pos + 1;
	}
	return max;
}

int
cf_numset_build(const uint64_t *keys, const uint8_t *labels, size_t n,
		const char *const *label_names, unsigned int nlabels,
		const struct cf_numset_params *params,
		struct cf_numset **out, struct cf_numset_stats *stats)
{
	static const struct cf_numset_params defaults = { 0 };
	uint64_t *a, *tmp, *sorted, limit, max_disp = 0, next;
	unsigned int home_bits, label_bits, disp_bits = 1, width = 0;
	size_t i, m, label_bytes, slot_bytes, total;
	struct cf_numset *set;
	uint8_t *base;
	bool forced;

	if (!params)
		params = &defaults;
	if (nlabels > CF_NUMSET_LABELS_MAX ||
	    params->slots_log2 > HASH_BITS || params->max_probe > 65535)
		return -EINVAL;
	for (i = 0; i < nlabels; i++)
		if (!label_names || !label_names[i] ||
		    strlen(label_names[i]) > CF_NUMSET_LABEL_LEN_MAX)
			return -EINVAL;
	limit = params->max_probe ? params->max_probe : DEFAULT_MAX_PROBE;
	forced = params->slots_log2 != 0;
	label_bits = bits_for(nlabels > 1 ? nlabels - 1 : 0);

	a = malloc((n ? n : 1) * sizeof(*a));
	tmp = malloc((n ? n : 1) * sizeof(*tmp));
	if (!a || !tmp) {
		free(a);
		free(tmp);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		uint64_t index;
		unsigned int l = labels ? labels[i] : 0;

		if (!key_to_index(keys[i], &index) ||
		    (l && l >= nlabels)) {
			free(a);
			free(tmp);
			return -EINVAL;
		}
		a[i] = hash50(index) << 8 | l;
	}
	sorted = radix_sort(a, tmp, n);
	if (!sorted) {
		free(a);
		free(tmp);
		return -ENOMEM;
	}
	/* Drop duplicates: the sort is stable, the first one stays. */
	for (i = 0, m = 0; i < n; i++)
		if (m == 0 || sorted[i] >> 8 != sorted[m - 1] >> 8)
			sorted[m++] = sorted[i];

	if (forced) {
		home_bits = params->slots_log2;
	} else {
		home_bits = MIN_HOME_BITS;
		while (home_bits < HASH_BITS &&
		       (double)m > 0.8 * (double)((uint64_t)1 << home_bits))
			home_bits++;
	}
	for (;;) {
		max_disp = place_max_disp(sorted, m, home_bits, limit);
		if (max_disp != UINT64_MAX) {
			disp_bits = bits_for(max_disp + 1);
			width = HASH_BITS - home_bits + label_bits + disp_bits;
			if (width <= SLOT_BITS_MAX)
				break;
		}
		if (forced || home_bits == HASH_BITS) {
			free(a);
			free(tmp);
			return -ENOSPC;
		}
		home_bits++;
	}

	label_bytes = (size_t)nlabels * LABEL_NAME_BYTES;
	{
		uint64_t slots = ((uint64_t)1 << home_bits) + max_disp + 1;

		slot_bytes = (size_t)((slots * width + 7) / 8) + 8;
		total = ((sizeof(*set) + label_bytes + 63) & ~(size_t)63) +
			slot_bytes;
		total = (total + 63) & ~(size_t)63;
		set = set_alloc(total);
		if (!set) {
			free(a);
			free(tmp);
			return -ENOMEM;
		}
		memset(set, 0, total);
		memcpy(set->magic, NUMSET_MAGIC, sizeof(set->magic));
		set->size = total;
		set->entries = m;
		set->slots = slots;
		set->slot_offset = (sizeof(*set) + label_bytes + 63) &
				   ~(size_t)63;
	}
	set->home_bits = (uint8_t)home_bits;
	set->rem_bits = (uint8_t)(HASH_BITS - home_bits);
	set->label_bits = (uint8_t)label_bits;
	set->disp_bits = (uint8_t)disp_bits;
	set->slot_bits = (uint8_t)width;
	set->max_probe = (uint32_t)max_disp;
	set->nlabels = nlabels;
	for (i = 0; i < nlabels; i++)
		strcpy((char *)(set + 1) + i * LABEL_NAME_BYTES, label_names[i]);

	base = (uint8_t *)set + set->slot_offset;
	next = 0;
	for (i = 0; i < m; i++) {
		uint64_t h = sorted[i] >> 8;
		uint64_t home = h >> set->rem_bits;
		uint64_t pos = home > next ? home : next;
		uint64_t rem = h & ((UINT64_C(1) << set->rem_bits) - 1);

		slot_put(base, width, pos,
			 (rem << (disp_bits + label_bits)) |
			 ((sorted[i] & 0xff) << disp_bits) | (pos - home + 1));
		next = pos + 1;
	}
	free(a);
	free(tmp);

	if (stats) {
		stats->input = n;
		stats->entries = m;
		stats->duplicates = n - m;
		stats->slots = set->slots;
		stats->bytes = set->size;
		stats->max_probe = set->max_probe;
		stats->slot_bits = width;
	}
	*out = set;
	return 0;
}

void
cf_numset_free(struct cf_numset *set)
{
	if (set)
		set_free(set, set->size);
}

struct cf_numset *
cf_numset_copy(const struct cf_numset *set)
{
	struct cf_numset *copy = set_alloc(set->size);

	if (copy)
		memcpy(copy, set, set->size);
	return copy;
}

const void *
cf_numset_blob(const struct cf_numset *set, size_t *size)
{
	*size = set->size;
	return set;
}

const struct cf_numset *
cf_numset_from_blob(const void *blob, size_t size, const char **why)
{
	const struct cf_numset *set = blob;
	uint64_t need;

	if (((uintptr_t)blob & 7) || size < sizeof(*set)) {
		*why = "number set: truncated or misaligned";
		return NULL;
	}
	if (memcmp(set->magic, NUMSET_MAGIC, sizeof(set->magic)) != 0) {
		*why = "number set: bad magic";
		return NULL;
	}
	if (set->size != size || set->home_bits > HASH_BITS ||
	    set->home_bits + set->rem_bits != HASH_BITS ||
	    set->slot_bits > SLOT_BITS_MAX || set->disp_bits == 0 ||
	    set->slot_bits != set->rem_bits + set->label_bits + set->disp_bits ||
	    set->nlabels > CF_NUMSET_LABELS_MAX ||
	    set->slots != ((uint64_t)1 << set->home_bits) + set->max_probe + 1 ||
	    set->max_probe >= ((uint64_t)1 << set->disp_bits) ||
	    set->slot_offset < sizeof(*set) +
			       (uint64_t)set->nlabels * LABEL_NAME_BYTES) {
		*why = "number set: inconsistent header";
		return NULL;
	}
	need = set->slot_offset + (set->slots * set->slot_bits + 7) / 8 + 8;
	if (need > size) {
		*why = "number set: slot array truncated";
		return NULL;
	}
	return set;
}

uint64_t
cf_numset_count(const struct cf_numset *set)
{
	return set->entries;
}

unsigned int
cf_numset_label_count(const struct cf_numset *set)
{
	return set->nlabels;
}

const char *
cf_numset_label_name(const struct cf_numset *set, unsigned int id)
{
	const char *name;

	if (id >= set->nlabels)
		return "";
	name = (const char *)(set + 1) + (size_t)id * LABEL_NAME_BYTES;
	/* From a file: never read past the slot. */
	return memchr(name, '\0', LABEL_NAME_BYTES) ? name : "";
}
