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

#include <callfence/numkey.h>
#include <callfence/numset.h>

#define NUMSET_MAGIC		"CFNSET1"
#define HASH_BITS		50
#define HASH_MASK		((UINT64_C(1) << HASH_BITS) - 1)
#define SLOT_BITS_MAX		57	/* one unaligned 64-bit load per slot */
#define LABEL_NAME_BYTES	(CF_NUMSET_LABEL_LEN_MAX + 1)
#define DEFAULT_MAX_PROBE	254	/* displacement + 1 fits 8 bits */
#define MIN_HOME_BITS		10
#define BATCH			16

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
 * The dense index of @key, or false if @key is not a valid number key:
 * length 0, a nibble above 9, or digits past its length.  Four SWAR
 * steps turn the BCD nibbles into binary without a loop.
 */
static inline bool
key_to_index(uint64_t key, uint64_t *index)
{
	unsigned int len = key & 0xf;
	uint64_t x = key >> 4;	/* 15 nibbles, first digit highest */
	unsigned int pad;

	if (len == 0)
		return false;
	pad = 4 * (CF_NUMKEY_MAX_DIGITS - len);
	if (pad && (x & ((UINT64_C(1) << pad) - 1)))
		return false;
	if (x & ((x << 1) | (x << 2)) & UINT64_C(0x0888888888888888))
		return false;
	x >>= pad;
	x = ((x >> 4) & UINT64_C(0x0f0f0f0f0f0f0f0f)) * 10 +
	    (x & UINT64_C(0x0f0f0f0f0f0f0f0f));
	x = ((x >> 8) & UINT64_C(0x00ff00ff00ff00ff)) * 100 +
	    (x & UINT64_C(0x00ff00ff00ff00ff));
	x = ((x >> 16) & UINT64_C(0x0000ffff0000ffff)) * 10000 +
	    (x & UINT64_C(0x0000ffff0000ffff));
	x = (x >> 32) * 100000000 + (x & UINT64_C(0xffffffff));
	*index = x + len_base[len];
	return true;
}

/* A bijection of 50-bit values (xorshifts and odd multipliers modulo
 * 2^50): spreads dense indexes over the table and keeps them exact. */
static inline uint64_t
mix50(uint64_t x)
{
	x ^= x >> 27;
	x = (x * UINT64_C(0x9e3779b97f4a7c15)) & HASH_MASK;
	x ^= x >> 25;
	x = (x * UINT64_C(0xbf58476d1ce4e5b9)) & HASH_MASK;
	x ^= x >> 28;
	return x;
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

static inline uint64_t
slot_get(const struct cf_numset *set, const uint8_t *base, uint64_t i)
{
	uint64_t bit = i * set->slot_bits;

	return (load64(base + (bit >> 3)) >> (bit & 7)) &
	       ((UINT64_C(1) << set->slot_bits) - 1);
}

static void
slot_put(uint8_t *base, unsigned int width, uint64_t i, uint64_t v)
{
	uint64_t bit = i * width;
	uint64_t w = load64(base + (bit >> 3));

	w |= v << (bit & 7);
	memcpy(base + (bit >> 3), &w, sizeof(w));
}

/* Probe for hash @h from its home slot; label id or CF_NUMSET_ABSENT. */
static inline int
probe(const struct cf_numset *set, const uint8_t *base, uint64_t h)
{
	uint64_t home = h >> set->rem_bits;
	uint64_t rem = h & ((UINT64_C(1) << set->rem_bits) - 1);
	uint64_t dmask = (UINT64_C(1) << set->disp_bits) - 1;
	uint64_t lmask = (UINT64_C(1) << set->label_bits) - 1;
	unsigned int shift = set->disp_bits + set->label_bits;
	uint64_t s;

	for (s = home; s <= home + set->max_probe; s++) {
		uint64_t v = slot_get(set, base, s);
		uint64_t d = v & dmask;
		uint64_t r;

		if (d == 0 || s - (d - 1) > home)
			return CF_NUMSET_ABSENT;
		if (s - (d - 1) < home)
			continue;
		r = v >> shift;
		if (r == rem)
			return (int)((v >> set->disp_bits) & lmask);
		if (r > rem)
			return CF_NUMSET_ABSENT;
	}
	return CF_NUMSET_ABSENT;
}

int
cf_numset_lookup(const struct cf_numset *set, uint64_t key)
{
	uint64_t index;

	if (set->entries == 0 || !key_to_index(key, &index))
		return CF_NUMSET_ABSENT;
	return probe(set, slot_base(set), mix50(index));
}

size_t
cf_numset_lookup_batch(const struct cf_numset *set, const uint64_t *keys,
		       size_t n, int16_t *results)
{
	const uint8_t *base = slot_base(set);
	uint64_t h[BATCH];
	bool valid[BATCH];
	size_t found = 0, i, j, m;

	if (set->entries == 0) {
		for (i = 0; i < n; i++)
			results[i] = CF_NUMSET_ABSENT;
		return 0;
	}
	for (i = 0; i < n; i += m) {
		m = n - i < BATCH ? n - i : BATCH;
		for (j = 0; j < m; j++) {
			uint64_t index = 0;

			valid[j] = key_to_index(keys[i + j], &index);
			h[j] = mix50(index);
			__builtin_prefetch(base + (((h[j] >> set->rem_bits) *
						    set->slot_bits) >> 3));
		}
		for (j = 0; j < m; j++) {
			int r = valid[j] ? probe(set, base, h[j]) :
					   CF_NUMSET_ABSENT;

			results[i + j] = (int16_t)r;
			found += r != CF_NUMSET_ABSENT;
		}
	}
	return found;
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
		a[i] = mix50(index) << 8 | l;
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
		set = aligned_alloc(64, total);
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
	free(set);
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
