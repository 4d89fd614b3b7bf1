/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Number sets: fill, probe, absent keys, full tables, labels, blobs. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/numkey.h>
#include <callfence/numset.h>

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A random key of 1..15 digits (@len 0: random length). */
static uint64_t
rand_key(uint64_t *s, unsigned int len)
{
	char d[16];
	unsigned int i;

	if (!len)
		len = 1 + (unsigned int)(rnd(s) % 15);
	for (i = 0; i < len; i++)
		d[i] = (char)('0' + rnd(s) % 10);
	return cf_numkey_pack(d, len);
}

static uint64_t
key(const char *digits)
{
	return cf_numkey_pack(digits, strlen(digits));
}

/* 100k random keys of every length: all found, others absent. */
static void
fill_and_probe(void **state)
{
	enum { N = 100000 };
	uint64_t *keys = malloc(N * 2 * sizeof(*keys));
	int16_t *res = malloc(N * 2 * sizeof(*res));
	struct cf_numset_stats st;
	struct cf_numset *set;
	uint64_t s = 42;
	size_t i, found;

	/* First half: every length; second half: 14 and 15 digits, so
	 * (with this seed) none of them is in the first half. */
	for (i = 0; i < 2 * N; i++)
		keys[i] = rand_key(&s, i < N ? 0 : 14 + (unsigned int)(i & 1));
	assert_int_equal(cf_numset_build(keys, NULL, N, NULL, 0, NULL, &set,
					 &st), 0);
	assert_true(st.entries + st.duplicates == N);
	assert_true(st.duplicates > 0);	/* short lengths collide */
	assert_int_equal(cf_numset_count(set), st.entries);
	/* Quotienting keeps it small. */
	assert_true((double)st.bytes / (double)st.entries < 8.0);
	for (i = 0; i < N; i++)
		assert_int_equal(cf_numset_lookup(set, keys[i]), 0);
	/* The second half: absent unless equal to one of the first. */
	for (i = N; i < 2 * N; i++)
		assert_int_equal(cf_numset_lookup(set, keys[i]),
				 CF_NUMSET_ABSENT);
	/* Batched look-ups agree with single ones. */
	found = cf_numset_lookup_batch(set, keys, 2 * N, res);
	for (i = 0; i < 2 * N; i++)
		assert_int_equal(res[i], cf_numset_lookup(set, keys[i]));
	assert_int_equal(found, N);
	cf_numset_free(set);
	free(keys);
	free(res);
}

/* Numbers differing only in leading zeros or length are distinct. */
static void
lengths_and_zeros_are_distinct(void **state)
{
	uint64_t keys[] = { key("123"), key("0123"), key("1230"),
			    key("999999999999999"), key("0") };
	struct cf_numset *set;

	assert_int_equal(cf_numset_build(keys, NULL, 5, NULL, 0, NULL, &set,
					 NULL), 0);
	assert_int_equal(cf_numset_lookup(set, key("123")), 0);
	assert_int_equal(cf_numset_lookup(set, key("0123")), 0);
	assert_int_equal(cf_numset_lookup(set, key("1230")), 0);
	assert_int_equal(cf_numset_lookup(set, key("0")), 0);
	assert_int_equal(cf_numset_lookup(set, key("999999999999999")), 0);
	assert_int_equal(cf_numset_lookup(set, key("00123")), CF_NUMSET_ABSENT);
	assert_int_equal(cf_numset_lookup(set, key("12")), CF_NUMSET_ABSENT);
	assert_int_equal(cf_numset_lookup(set, key("00")), CF_NUMSET_ABSENT);
	assert_int_equal(cf_numset_lookup(set, CF_NUMKEY_NONE),
			 CF_NUMSET_ABSENT);
	/* Not a number key: nibble 0xa, digits past the length. */
	assert_int_equal(cf_numset_lookup(set, (UINT64_C(0xa) << 60) | 1),
			 CF_NUMSET_ABSENT);
	assert_int_equal(cf_numset_lookup(set, key("123") | (UINT64_C(1) << 40)),
			 CF_NUMSET_ABSENT);
	cf_numset_free(set);
}

static void
labels_first_occurrence_wins(void **state)
{
	const char *names[] = { "", "fraud", "spam" };
	uint64_t keys[] = { key("8613800000001"), key("8613800000002"),
			    key("8613800000001"), key("8613800000003") };
	uint8_t labels[] = { 1, 2, 2, 0 };
	struct cf_numset_stats st;
	struct cf_numset *set;

	assert_int_equal(cf_numset_build(keys, labels, 4, names, 3, NULL, &set,
					 &st), 0);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(cf_numset_lookup(set, keys[0]), 1);
	assert_int_equal(cf_numset_lookup(set, keys[1]), 2);
	assert_int_equal(cf_numset_lookup(set, keys[3]), 0);
	assert_string_equal(cf_numset_label_name(set, 1), "fraud");
	assert_string_equal(cf_numset_label_name(set, 2), "spam");
	assert_string_equal(cf_numset_label_name(set, 7), "");
	assert_int_equal(cf_numset_label_count(set), 3);
	cf_numset_free(set);
	/* Label id out of range, bad key. */
	labels[0] = 3;
	assert_int_equal(cf_numset_build(keys, labels, 4, names, 3, NULL, &set,
					 NULL), -EINVAL);
	keys[0] = CF_NUMKEY_NONE;
	assert_int_equal(cf_numset_build(keys, NULL, 4, NULL, 0, NULL, &set,
					 NULL), -EINVAL);
}

/* As many keys as home slots: every key still found through the overflow
 * tail, absent keys end their probe within the bound. */
static void
full_table(void **state)
{
	enum { LOG2 = 10, N = 1 << LOG2 };
	struct cf_numset_params p = { .slots_log2 = LOG2, .max_probe = 4000 };
	uint64_t keys[N], s = 7;
	struct cf_numset_stats st;
	struct cf_numset *set;
	size_t i;

	/* Distinct 13-digit numbers. */
	for (i = 0; i < N; i++) {
		char d[16];

		snprintf(d, sizeof(d), "86138%08zu", i);
		keys[i] = key(d);
	}
	assert_int_equal(cf_numset_build(keys, NULL, N, NULL, 0, &p, &set,
					 &st), 0);
	assert_int_equal(st.entries, N);
	assert_true(st.max_probe > 0);
	for (i = 0; i < N; i++)
		assert_int_equal(cf_numset_lookup(set, keys[i]), 0);
	for (i = 0; i < 10000; i++)
		assert_int_equal(cf_numset_lookup(set, rand_key(&s, 12)),
				 CF_NUMSET_ABSENT);
	cf_numset_free(set);

	/* The same keys with a probe bound they cannot meet: refused. */
	p.max_probe = 2;
	assert_int_equal(cf_numset_build(keys, NULL, N, NULL, 0, &p, &set,
					 NULL), -ENOSPC);
	/* Twice as many keys as slots: refused, whatever the bound. */
	p.slots_log2 = LOG2 - 1;
	p.max_probe = 0;
	assert_int_equal(cf_numset_build(keys, NULL, N, NULL, 0, &p, &set,
					 NULL), -ENOSPC);
}

static void
empty_set(void **state)
{
	struct cf_numset *set;
	int16_t r[2];
	uint64_t k[2] = { key("110"), key("8613812345678") };

	assert_int_equal(cf_numset_build(NULL, NULL, 0, NULL, 0, NULL, &set,
					 NULL), 0);
	assert_int_equal(cf_numset_count(set), 0);
	assert_int_equal(cf_numset_lookup(set, k[0]), CF_NUMSET_ABSENT);
	assert_int_equal(cf_numset_lookup_batch(set, k, 2, r), 0);
	assert_int_equal(r[1], CF_NUMSET_ABSENT);
	cf_numset_free(set);
}

/* A copied block works as a set; damaged headers are refused. */
static void
blob_round_trip(void **state)
{
	uint64_t keys[1000], s = 99;
	struct cf_numset *set;
	const struct cf_numset *view;
	const void *blob;
	const char *why = NULL;
	size_t size, i;
	uint64_t *copy;

	for (i = 0; i < 1000; i++)
		keys[i] = rand_key(&s, 13);
	assert_int_equal(cf_numset_build(keys, NULL, 1000, NULL, 0, NULL, &set,
					 NULL), 0);
	blob = cf_numset_blob(set, &size);
	copy = malloc(size);
	memcpy(copy, blob, size);
	cf_numset_free(set);
	view = cf_numset_from_blob(copy, size, &why);
	assert_non_null(view);
	for (i = 0; i < 1000; i++)
		assert_int_equal(cf_numset_lookup(view, keys[i]), 0);
	assert_null(cf_numset_from_blob(copy, size - 64, &why));
	assert_non_null(strstr(why, "number set"));
	((char *)copy)[0] = 'X';
	assert_null(cf_numset_from_blob(copy, size, &why));
	assert_string_equal(why, "number set: bad magic");
	free(copy);
}

/*
 * The answers a set must give, from a plain sorted array: key and label
 * of the first occurrence.
 */
struct ref {
	uint64_t *keys;		/* sorted */
	uint8_t *labels;
	size_t n;
};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct pair {
	uint64_t key;
	size_t index;
};

static int
cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static void
ref_init(struct ref *r, const uint64_t *keys, const uint8_t *labels,
	 size_t n)
{
	struct pair *p = malloc((n + 1) * sizeof(*p));
	size_t i;

	r->keys = malloc((n + 1) * sizeof(*r->keys));
	r->labels = malloc(n + 1);
	r->n = 0;
	assert_non_null(p);
	assert_non_null(r->keys);
	assert_non_null(r->labels);
	for (i = 0; i < n; i++) {
		p[i].key = keys[i];
		p[i].index = i;
	}
	/* By key, then input order: the first of equal keys is kept. */
	qsort(p, n, sizeof(*p), cmp_pair);
	for (i = 0; i < n; i++) {
		if (r->n && r->keys[r->n - 1] == p[i].key)
			continue;
		r->keys[r->n] = p[i].key;
		r->labels[r->n] = labels ? labels[p[i].index] : 0;
		r->n++;
	}
	free(p);
}

static int
ref_lookup(const struct ref *r, uint64_t k)
{
	const uint64_t *hit = r->n ? bsearch(&k, r->keys, r->n,
					     sizeof(*r->keys), cmp_u64) : NULL;

	return hit ? r->labels[hit - r->keys] : CF_NUMSET_ABSENT;
}

static void
ref_free(struct ref *r)
{
	free(r->keys);
	free(r->labels);
}

/*
 * Every query against the reference, single and batched in batches of 0,
 * 1, 7, 16, 17 (around the prefetch distance), 1000 and all at once;
 * the batch's count agrees.  Returns how many queries were hits.
 */
static size_t
check_set(const struct cf_numset *set, const struct ref *r,
	  const uint64_t *q, size_t nq)
{
	static const size_t sizes[] = { 0, 1, 7, 16, 17, 1000, SIZE_MAX };
	int16_t *res = malloc((nq + 1) * sizeof(*res));
	size_t i, z, hits = 0;

	assert_non_null(res);
	for (i = 0; i < nq; i++) {
		int want = ref_lookup(r, q[i]);

		assert_int_equal(cf_numset_lookup(set, q[i]), want);
		hits += want != CF_NUMSET_ABSENT;
	}
	for (z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		size_t m = sizes[z] == SIZE_MAX ? nq : sizes[z];
		size_t found = 0, j;

		for (i = 0; i < nq; i += m ? m : nq) {
			size_t k = m && nq - i > m ? m : nq - i;

			if (!m)
				k = 0;
			/* Guard word past the batch: never written. */
			res[i + k] = 0x5a5a;
			found += cf_numset_lookup_batch(set, q + i, k, res + i);
			assert_int_equal(res[i + k], 0x5a5a);
			for (j = 0; j < k; j++)
				assert_int_equal(res[i + j],
						 ref_lookup(r, q[i + j]));
			if (!m)
				break;
		}
		if (m)
			assert_int_equal(found, hits);
	}
	free(res);
	return hits;
}

/* Keys that are not number keys, mixed into queries. */
static const uint64_t not_numbers[] = {
	CF_NUMKEY_NONE,
	(UINT64_C(0xa) << 60) | 1,		/* nibble above 9 */
	(UINT64_C(0x86) << 56) | (UINT64_C(1) << 20) | 2, /* past length */
	UINT64_C(0x8613800000000000),		/* length 0 */
	~UINT64_C(0),
};

/* Hits, misses and non-numbers, batched in every size, with labels. */
static void
batch_sizes(void **state)
{
	enum { N = 5000, Q = 3 * N };
	const char *names[] = { "", "a", "b", "c", "d" };
	uint64_t *keys = malloc(N * sizeof(*keys)), *q = malloc(Q * sizeof(*q));
	uint8_t *labels = malloc(N);
	struct cf_numset *set;
	struct ref r;
	uint64_t s = 5;
	size_t i, hits;

	for (i = 0; i < N; i++) {
		keys[i] = rand_key(&s, 0);
		labels[i] = (uint8_t)(rnd(&s) % 5);
	}
	assert_int_equal(cf_numset_build(keys, labels, N, names, 5, NULL, &set,
					 NULL), 0);
	ref_init(&r, keys, labels, N);
	for (i = 0; i < Q; i++) {
		if (i % 3 == 0)
			q[i] = keys[rnd(&s) % N];
		else if (i % 97 == 1)
			q[i] = not_numbers[i % 5];
		else
			q[i] = rand_key(&s, 0);
	}
	hits = check_set(set, &r, q, Q);
	assert_true(hits >= Q / 3);
	ref_free(&r);
	cf_numset_free(set);
	free(keys);
	free(labels);
	free(q);
}

/*
 * Loads from sparse to full: long clusters send probes past the
 * branch-free window into the loop, at every displacement; a hit may sit
 * anywhere in or past the window, labels come from the right slot.
 */
static void
dense_tables(void **state)
{
	enum { LOG2 = 12, SLOTS = 1 << LOG2 };
	static const unsigned int fill[] = { 10, 50, 80, 95, 100 };
	const char *names[] = { "", "a", "b", "c", "d", "e", "f", "g" };
	uint64_t *keys = malloc(SLOTS * sizeof(*keys));
	uint64_t *q = malloc(3 * SLOTS * sizeof(*q));
	uint8_t *labels = malloc(SLOTS);
	uint64_t s = 11;
	size_t f, i;

	for (f = 0; f < sizeof(fill) / sizeof(fill[0]); f++) {
		struct cf_numset_params p = { .slots_log2 = LOG2,
					      .max_probe = 60000 };
		size_t n = SLOTS * fill[f] / 100;
		struct cf_numset_stats st;
		struct cf_numset *set;
		struct ref r;

		for (i = 0; i < n; i++) {
			keys[i] = rand_key(&s, 11 + (unsigned int)(i & 3));
			labels[i] = (uint8_t)(i & 7);
		}
		assert_int_equal(cf_numset_build(keys, labels, n, names, 8, &p,
						 &set, &st), 0);
		if (fill[f] >= 95)
			assert_true(st.max_probe > 8);
		ref_init(&r, keys, labels, n);
		for (i = 0; i < 3 * SLOTS; i++)
			q[i] = i % 3 == 0 && n ? keys[rnd(&s) % n] :
			       rand_key(&s, 11 + (unsigned int)(i & 3));
		check_set(set, &r, q, 3 * SLOTS);
		ref_free(&r);
		cf_numset_free(set);
	}
	free(keys);
	free(labels);
	free(q);
}

/*
 * Sparse tables whose probe bound is under the window: home slots in the
 * last few slots take the loop, which must not read past the array
 * (ASan watches).  Many small sets, so some key lands there.
 */
static void
window_at_the_end(void **state)
{
	enum { SETS = 300, N = 20, Q = 400 };
	uint64_t keys[N], q[Q], s = 3;
	size_t t, i;

	for (t = 0; t < SETS; t++) {
		struct cf_numset_stats st;
		struct cf_numset *set;
		const struct cf_numset *view;
		const void *blob;
		const char *why;
		uint8_t *exact;
		size_t size;
		struct ref r;

		for (i = 0; i < N; i++)
			keys[i] = rand_key(&s, 0);
		assert_int_equal(cf_numset_build(keys, NULL, N, NULL, 0, NULL,
						 &set, &st), 0);
		/* Exactly the block's bytes on the heap, for ASan. */
		blob = cf_numset_blob(set, &size);
		exact = malloc(size);
		memcpy(exact, blob, size);
		view = cf_numset_from_blob(exact, size, &why);
		assert_non_null(view);
		ref_init(&r, keys, NULL, N);
		for (i = 0; i < Q; i++)
			q[i] = i < N ? keys[i] : rand_key(&s, 0);
		check_set(view, &r, q, Q);
		ref_free(&r);
		free(exact);
		cf_numset_free(set);
	}
}

/*
 * A set over 2 MiB is built in memory advised MADV_HUGEPAGE; its copy
 * (cf_numset_copy()) too; the same block in plain heap memory and a small
 * set's copy (plain heap) answer exactly the same.
 */
static void
huge_pages_same_answers(void **state)
{
	enum { N = 600000, Q = 60000 };
	const char *names[] = { "", "x", "y" };
	uint64_t *keys = malloc(N * sizeof(*keys)), *q = malloc(Q * sizeof(*q));
	uint8_t *labels = malloc(N);
	struct cf_numset *set, *copy, *small, *small_copy;
	struct cf_numset_stats st;
	const struct cf_numset *view;
	const void *blob;
	const char *why;
	uint64_t s = 77, *plain;
	size_t size, i, hits;
	struct ref r;

	for (i = 0; i < N; i++) {
		keys[i] = rand_key(&s, 13);
		labels[i] = (uint8_t)(i % 3);
	}
	assert_int_equal(cf_numset_build(keys, labels, N, names, 3, NULL, &set,
					 &st), 0);
	assert_true(st.bytes >= (2u << 20));
	copy = cf_numset_copy(set);
	assert_non_null(copy);
	blob = cf_numset_blob(set, &size);
	plain = malloc(size);
	memcpy(plain, blob, size);
	view = cf_numset_from_blob(plain, size, &why);
	assert_non_null(view);

	ref_init(&r, keys, labels, N);
	for (i = 0; i < Q; i++)
		q[i] = i & 1 ? keys[rnd(&s) % N] : rand_key(&s, 13);
	hits = check_set(set, &r, q, Q);
	assert_int_equal(check_set(copy, &r, q, Q), hits);
	assert_int_equal(check_set(view, &r, q, Q), hits);
	ref_free(&r);

	/* Small: the heap path of both. */
	assert_int_equal(cf_numset_build(keys, labels, 1000, names, 3, NULL,
					 &small, NULL), 0);
	small_copy = cf_numset_copy(small);
	assert_non_null(small_copy);
	ref_init(&r, keys, labels, 1000);
	hits = check_set(small, &r, q, 2000);
	assert_int_equal(check_set(small_copy, &r, q, 2000), hits);
	ref_free(&r);

	cf_numset_free(small_copy);
	cf_numset_free(small);
	cf_numset_free(copy);
	cf_numset_free(set);
	cf_numset_free(NULL);
	free(plain);
	free(keys);
	free(labels);
	free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fill_and_probe),
		cmocka_unit_test(lengths_and_zeros_are_distinct),
		cmocka_unit_test(labels_first_occurrence_wins),
		cmocka_unit_test(full_table),
		cmocka_unit_test(empty_set),
		cmocka_unit_test(blob_round_trip),
		cmocka_unit_test(batch_sizes),
		cmocka_unit_test(dense_tables),
		cmocka_unit_test(window_at_the_end),
		cmocka_unit_test(huge_pages_same_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
