/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Number keys: packing, unpacking, prefixes. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/numkey.h>

/* Every length 1..15, many digit patterns each: unpack(pack(x)) == x. */
static void
round_trip_every_length(void **state)
{
	uint64_t rng = 0x2545f4914f6cdd1dULL;
	unsigned int len, round;

	for (len = 1; len <= CF_NUMKEY_MAX_DIGITS; len++) {
		for (round = 0; round < 1000; round++) {
			char in[16], out[16];
			uint64_t key;
			unsigned int i;

			for (i = 0; i < len; i++) {
				rng ^= rng << 13;
				rng ^= rng >> 7;
				rng ^= rng << 17;
				in[i] = (char)('0' + rng % 10);
			}
			/* Round 0 is all zeros, round 1 all nines: the
			 * extremes of every nibble. */
			if (round < 2)
				memset(in, round ? '9' : '0', len);
			in[len] = '\0';
			key = cf_numkey_pack(in, len);
			assert_int_not_equal(key, CF_NUMKEY_NONE);
			assert_int_equal(cf_numkey_len(key), len);
			assert_int_equal(cf_numkey_unpack(key, out, sizeof(out)), len);
			assert_string_equal(out, in);
		}
	}
}

static void
leading_zeros_make_distinct_keys(void **state)
{
	uint64_t k123 = cf_numkey_pack("123", 3);
	uint64_t k0123 = cf_numkey_pack("0123", 4);
	uint64_t k00123 = cf_numkey_pack("00123", 5);
	uint64_t k0 = cf_numkey_pack("0", 1);
	uint64_t k00 = cf_numkey_pack("00", 2);
	char out[16];

	assert_int_not_equal(k123, k0123);
	assert_int_not_equal(k0123, k00123);
	assert_int_not_equal(k123, k00123);
	assert_int_not_equal(k0, k00);
	assert_int_not_equal(k0, CF_NUMKEY_NONE);
	assert_int_equal(cf_numkey_unpack(k0123, out, sizeof(out)), 4);
	assert_string_equal(out, "0123");
	assert_int_equal(cf_numkey_unpack(k00, out, sizeof(out)), 2);
	assert_string_equal(out, "00");
}

static void
layout_is_left_aligned_with_length_nibble(void **state)
{
	assert_int_equal(cf_numkey_pack("86", 2), 0x8600000000000002ULL);
	assert_int_equal(cf_numkey_pack("123456789012345", 15),
			 0x123456789012345fULL);
}

static void
pack_rejects_bad_input(void **state)
{
	assert_int_equal(cf_numkey_pack("", 0), CF_NUMKEY_NONE);
	assert_int_equal(cf_numkey_pack("1234567890123456", 16), CF_NUMKEY_NONE);
	assert_int_equal(cf_numkey_pack("12a4", 4), CF_NUMKEY_NONE);
	assert_int_equal(cf_numkey_pack("+123", 4), CF_NUMKEY_NONE);
	assert_int_equal(cf_numkey_pack("12 3", 4), CF_NUMKEY_NONE);
	/* Only @len bytes are read: the '5' is outside. */
	assert_int_equal(cf_numkey_pack("12345", 4), cf_numkey_pack("1234", 4));
}

static void
unpack_rejects_corrupt_keys(void **state)
{
	char out[16];

	assert_int_equal(cf_numkey_unpack(CF_NUMKEY_NONE, out, sizeof(out)), -1);
	/* A nibble above 9. */
	assert_int_equal(cf_numkey_unpack(0xa000000000000001ULL, out, sizeof(out)), -1);
	/* A digit beyond the length. */
	assert_int_equal(cf_numkey_unpack(0x1200000000000001ULL, out, sizeof(out)), -1);
}

static void
unpack_truncates_like_snprintf(void **state)
{
	uint64_t key = cf_numkey_pack("8613812345678", 13);
	char small[5];

	assert_int_equal(cf_numkey_unpack(key, small, sizeof(small)), 13);
	assert_string_equal(small, "8613");
	assert_int_equal(cf_numkey_unpack(key, NULL, 0), 13);
}

static void
prefix_masks_trailing_digits(void **state)
{
	uint64_t key = cf_numkey_pack("8613812345678", 13);

	assert_int_equal(cf_numkey_prefix(key, 2), cf_numkey_pack("86", 2));
	assert_int_equal(cf_numkey_prefix(key, 5), cf_numkey_pack("86138", 5));
	assert_int_equal(cf_numkey_prefix(key, 13), key);
	assert_int_equal(cf_numkey_digit(key, 0), 8);
	assert_int_equal(cf_numkey_digit(key, 12), 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_every_length),
		cmocka_unit_test(leading_zeros_make_distinct_keys),
		cmocka_unit_test(layout_is_left_aligned_with_length_nibble),
		cmocka_unit_test(pack_rejects_bad_input),
		cmocka_unit_test(unpack_rejects_corrupt_keys),
		cmocka_unit_test(unpack_truncates_like_snprintf),
		cmocka_unit_test(prefix_masks_trailing_digits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
