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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
