/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Numbering plans: construction errors, length lists, built-in table. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/number.h>

static void
init_accepts_a_full_plan(void **state)
{
	struct cf_numplan p;
	const char *why = NULL;

	assert_int_equal(cf_numplan_init(&p, "86", "0", "00", CF_LENGTHS(10, 11),
					 (1u << 3) | (1u << 5), "10", &why), 0);
	assert_string_equal(p.cc, "86");
	assert_int_equal(p.cc_len, 2);
	assert_int_equal(p.national_prefix_len, 1);
	assert_int_equal(p.intl_prefix_len, 2);
	assert_string_equal(p.area_code, "10");
	assert_int_equal(p.nsn_lengths, (1u << 10) | (1u << 11));
}

static void
init_rejects_bad_parts_with_a_reason(void **state)
{
	static const struct {
		const char *cc, *np, *ip, *area;
		uint16_t nsn;
	} bad[] = {
		{ "", "0", "00", NULL, 1u << 10 },		/* no cc */
		{ "1234", "0", "00", NULL, 1u << 10 },		/* cc too long */
		{ "0", "0", "00", NULL, 1u << 10 },		/* cc starts 0 */
		{ "8a", "0", "00", NULL, 1u << 10 },		/* not digits */
		{ "86", "00000", "00", NULL, 1u << 10 },	/* prefix too long */
		{ "86", "0", "", NULL, 1u << 10 },		/* no intl prefix */
		{ "86", "0", "+", NULL, 1u << 10 },		/* not digits */
		{ "86", "0", "00", "1x", 1u << 10 },		/* area code */
		{ "86", "0", "00", NULL, 0 },			/* no length */
		{ "86", "0", "00", NULL, 1u << 14 },		/* 2 + 14 > 15 */
		{ "86", "0", "00", NULL, 1u << 0 },		/* length 0 */
		{ "7", "0000", "00", NULL, 1u << 13 },		/* 4 + 13 > 16 */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cf_numplan p;
		const char *why = NULL;

		assert_int_equal(cf_numplan_init(&p, bad[i].cc, bad[i].np,
						 bad[i].ip, bad[i].nsn, 0,
						 bad[i].area, &why), -EINVAL);
		assert_non_null(why);
		assert_true(strlen(why) > 0);
	}
}

static void
builtin_plans_pass_their_own_validation(void **state)
{
	static const char *const ccs[] = { "86", "1", "44", "33", "49", "91", "7" };
	size_t i;

	for (i = 0; i < sizeof(ccs) / sizeof(ccs[0]); i++) {
		const struct cf_numplan *b = cf_numplan_builtin(ccs[i]);
		struct cf_numplan p;

		assert_non_null(b);
		assert_int_equal(cf_numplan_init(&p, b->cc, b->national_prefix,
						 b->intl_prefix, b->nsn_lengths,
						 b->service_lengths, NULL, NULL), 0);
		assert_memory_equal(&p, b, sizeof(p));
	}
	assert_null(cf_numplan_builtin("999"));
	assert_null(cf_numplan_builtin(""));
}

static void
default_plan_for_unlisted_country(void **state)
{
	struct cf_numplan p;
	struct cf_number n;

	assert_int_equal(cf_numplan_default(&p, "994", NULL), 0);
	assert_string_equal(p.national_prefix, "0");
	assert_string_equal(p.intl_prefix, "00");
	/* 3-digit cc leaves 4..12 national digits. */
	assert_int_equal(p.nsn_lengths, CF_LENGTHS(4, 12));
	assert_int_equal(cf_number_normalise(&p, "0501234567", 10,
					     CF_NAI_UNKNOWN, &n), CF_NUM_OK);
	assert_string_equal(n.digits, "994501234567");
	assert_int_equal(cf_numplan_default(&p, "", NULL), -EINVAL);
	assert_int_equal(cf_numplan_default(&p, "0", NULL), -EINVAL);
}

static void
length_lists_parse(void **state)
{
	uint16_t m = 0;

	assert_int_equal(cf_numplan_parse_lengths("10-11", &m), 0);
	assert_int_equal(m, (1u << 10) | (1u << 11));
	assert_int_equal(cf_numplan_parse_lengths("3,5", &m), 0);
	assert_int_equal(m, (1u << 3) | (1u << 5));
	assert_int_equal(cf_numplan_parse_lengths("7,9-10", &m), 0);
	assert_int_equal(m, (1u << 7) | (1u << 9) | (1u << 10));
	assert_int_equal(cf_numplan_parse_lengths("15", &m), 0);
	assert_int_equal(m, 1u << 15);
}

static void
length_lists_reject_garbage(void **state)
{
	static const char *const bad[] = {
		"", "0", "16", "11-10", "10-", "-3", "3,", ",3", "3;5", "a",
		"10-16", "3 5", "+3",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint16_t m = 0x1234;

		if (cf_numplan_parse_lengths(bad[i], &m) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_int_equal(m, 0x1234);
	}
}

/* trunk-after-cc: reject (the default, and every built-in plan) or
 * strip; nothing else. */
static void
trunk_after_cc_option(void **state)
{
	static const char *const ccs[] = { "86", "1", "44", "33", "49", "91", "7" };
	struct cf_numplan p;
	size_t i;

	for (i = 0; i < sizeof(ccs) / sizeof(ccs[0]); i++)
		assert_int_equal(cf_numplan_builtin(ccs[i])->flags, 0);
	assert_int_equal(cf_numplan_default(&p, "994", NULL), 0);
	assert_int_equal(p.flags, 0);
	assert_int_equal(cf_numplan_parse_trunk_after_cc("strip", &p.flags), 0);
	assert_int_equal(p.flags, CF_NUMPLAN_F_STRIP_TRUNK);
	assert_int_equal(cf_numplan_parse_trunk_after_cc("Strip", &p.flags),
			 -EINVAL);
	assert_int_equal(cf_numplan_parse_trunk_after_cc("", &p.flags), -EINVAL);
	assert_int_equal(p.flags, CF_NUMPLAN_F_STRIP_TRUNK);
	assert_int_equal(cf_numplan_parse_trunk_after_cc("reject", &p.flags), 0);
	assert_int_equal(p.flags, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_accepts_a_full_plan),
		cmocka_unit_test(init_rejects_bad_parts_with_a_reason),
		cmocka_unit_test(builtin_plans_pass_their_own_validation),
		cmocka_unit_test(default_plan_for_unlisted_country),
		cmocka_unit_test(length_lists_parse),
		cmocka_unit_test(length_lists_reject_garbage),
		cmocka_unit_test(trunk_after_cc_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
