/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Number normalisation: one cmocka test per vector, so a failure names the
 * input.  Plans: China (+86), the NANP (+1), the UK (+44), Russia (+7),
 * and China with an area code for ISUP subscriber numbers.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/number.h>

struct vector {
	const char *cc;		/* built-in plan; "86a" = China, area 10;
				 * "86s", "44s": trunk-after-cc strip */
	const char *in;
	enum cf_nai nai;
	enum cf_num_err err;
	const char *e164;	/* expected digits when err == OK */
	enum cf_num_form form;
	bool domestic;
	size_t len;		/* bytes of @in when it holds a NUL, else 0 */
};

#define OK(cc, in, e164, form, dom) \
	{ cc, in, CF_NAI_UNKNOWN, CF_NUM_OK, e164, CF_FORM_##form, dom, 0 }
#define NAI(cc, nai, in, e164, form, dom) \
	{ cc, in, CF_NAI_##nai, CF_NUM_OK, e164, CF_FORM_##form, dom, 0 }
#define BAD(cc, in, nai, err) \
	{ cc, in, CF_NAI_##nai, CF_NUM_##err, "", CF_FORM_NONE, false, 0 }

static const struct vector vectors[] = {
	/* China: every written form of one mobile number. */
	OK("86", "+8613812345678", "8613812345678", PLUS, true),
	OK("86", "008613812345678", "8613812345678", INTL_PREFIX, true),
	OK("86", "8613812345678", "8613812345678", CC, true),
	OK("86", "13812345678", "8613812345678", BARE, true),
	OK("86", "013812345678", "8613812345678", NATIONAL, true),
	/* Fixed line with trunk prefix, and tel: visual separators. */
	OK("86", "01012345678", "861012345678", NATIONAL, true),
	OK("86", "(010) 1234.5678", "861012345678", NATIONAL, true),
	OK("86", "+86-138-1234-5678", "8613812345678", PLUS, true),
	OK("86", "+86 (10) 1234 5678", "861012345678", PLUS, true),
	/* Service numbers: what impersonators present. */
	OK("86", "110", "86110", SERVICE, true),
	OK("86", "95588", "8695588", SERVICE, true),
	OK("86", "+8695588", "8695588", PLUS, true),
	/* Foreign numbers are kept whole; the plan says they are foreign. */
	OK("86", "+447911123456", "447911123456", PLUS, false),
	OK("86", "00447911123456", "447911123456", INTL_PREFIX, false),
	OK("86", "+1 202 555 0170", "12025550170", PLUS, false),
	OK("86", "+6834001", "6834001", PLUS, false),
	/* Invalid, each reason. */
	BAD("86", "", UNKNOWN, EMPTY),
	BAD("86", "+", UNKNOWN, EMPTY),
	BAD("86", "- ()", UNKNOWN, EMPTY),
	BAD("86", "anonymous", UNKNOWN, ANONYMOUS),
	BAD("86", "Anonymous", UNKNOWN, ANONYMOUS),
	BAD("86", " RESTRICTED ", UNKNOWN, ANONYMOUS),
	BAD("86", "anonymously", UNKNOWN, NON_DIGIT),
	BAD("86", "138abc45678", UNKNOWN, NON_DIGIT),
	BAD("86", "1381234567#", UNKNOWN, NON_DIGIT),
	BAD("86", "+86+13812345678", UNKNOWN, NON_DIGIT),
	{ "86", "138\0" "12345678", CF_NAI_UNKNOWN, CF_NUM_NON_DIGIT, "",
	  CF_FORM_NONE, false, 12 },
	BAD("86", "+8613812345678901", UNKNOWN, TOO_LONG),
	BAD("86", "1381234567890123", UNKNOWN, TOO_LONG),
	BAD("86", "12345678901234567890123456", UNKNOWN, TOO_LONG),
	BAD("86", "1234567", UNKNOWN, WRONG_LENGTH),
	BAD("86", "+861234", UNKNOWN, WRONG_LENGTH),
	BAD("86", "+44791", UNKNOWN, WRONG_LENGTH),
	BAD("86", "+0123456789", UNKNOWN, BAD_CC),
	BAD("86", "000123456789", UNKNOWN, BAD_CC),
	/* ISUP natures of address. */
	NAI("86", INTERNATIONAL, "8613812345678", "8613812345678", NAI_INTERNATIONAL, true),
	NAI("86", INTERNATIONAL, "447911123456", "447911123456", NAI_INTERNATIONAL, false),
	NAI("86", NATIONAL, "13812345678", "8613812345678", NAI_NATIONAL, true),
	NAI("86", NATIONAL, "1012345678", "861012345678", NAI_NATIONAL, true),
	NAI("86", NATIONAL, "110", "86110", NAI_NATIONAL, true),
	NAI("86a", SUBSCRIBER, "12345678", "861012345678", NAI_SUBSCRIBER, true),
	NAI("86", UNKNOWN, "013812345678", "8613812345678", NATIONAL, true),
	BAD("86", "12345678", SUBSCRIBER, NO_AREA_CODE),
	BAD("86", "13812345678", NETWORK_SPECIFIC, UNSUPPORTED_NAI),
	BAD("86", "12", NATIONAL, WRONG_LENGTH),
	BAD("86", "0013812345678", INTERNATIONAL, BAD_CC),
	BAD("86", "8613812345678901", INTERNATIONAL, TOO_LONG),
	/* The trunk prefix after the country code: every form that carries
	 * the country code, and ISUP NAI national, which implies it.  The
	 * lengths allow "01012345678" as it stands: only the prefix says. */
	BAD("86", "+8601012345678", UNKNOWN, TRUNK_AFTER_CC),
	BAD("86", "+86 (0)10 1234 5678", UNKNOWN, TRUNK_AFTER_CC),
	BAD("86", "008601012345678", UNKNOWN, TRUNK_AFTER_CC),
	BAD("86", "8601012345678", UNKNOWN, TRUNK_AFTER_CC),
	BAD("86", "+86013812345678", UNKNOWN, TRUNK_AFTER_CC),
	BAD("86", "86013812345678", UNKNOWN, TRUNK_AFTER_CC),
	BAD("86", "+860110", UNKNOWN, TRUNK_AFTER_CC),
	BAD("86", "+86001012345678", UNKNOWN, TRUNK_AFTER_CC),
	BAD("86", "8601012345678", INTERNATIONAL, TRUNK_AFTER_CC),
	BAD("86", "01012345678", NATIONAL, TRUNK_AFTER_CC),
	BAD("86", "013812345678", NATIONAL, TRUNK_AFTER_CC),
	BAD("86", "0110", NATIONAL, TRUNK_AFTER_CC),
	/* A 0 that leaves no valid number behind is a length error. */
	BAD("86", "+86 0 1381234", UNKNOWN, WRONG_LENGTH),
	BAD("86", "01381234", NATIONAL, WRONG_LENGTH),
	/* A foreign number's digits are not the home plan's business. */
	OK("86", "+44 0 20 7946 0958", "4402079460958", PLUS, false),
	/* A plan that strips it: the rest must still be a valid length, and
	 * one prefix is stripped, not two. */
	OK("86s", "+8601012345678", "861012345678", PLUS, true),
	OK("86s", "+86 0 138 1234 5678", "8613812345678", PLUS, true),
	OK("86s", "008601012345678", "861012345678", INTL_PREFIX, true),
	OK("86s", "8601012345678", "861012345678", CC, true),
	OK("86s", "86013812345678", "8613812345678", CC, true),
	OK("86s", "+860110", "86110", PLUS, true),
	NAI("86s", NATIONAL, "01012345678", "861012345678", NAI_NATIONAL, true),
	NAI("86s", INTERNATIONAL, "8601012345678", "861012345678", NAI_INTERNATIONAL, true),
	OK("86s", "+8613812345678", "8613812345678", PLUS, true),
	NAI("86s", NATIONAL, "1012345678", "861012345678", NAI_NATIONAL, true),
	BAD("86s", "+86 0 1381234", UNKNOWN, WRONG_LENGTH),
	BAD("86s", "+86 0 138 1234 56789", UNKNOWN, WRONG_LENGTH),
	BAD("86s", "01381234", NATIONAL, WRONG_LENGTH),
	BAD("86s", "+86001012345678", UNKNOWN, TRUNK_AFTER_CC),
	BAD("86s", "001012345678", NATIONAL, TRUNK_AFTER_CC),
	/* NANP: trunk prefix 1, international prefix 011. */
	OK("1", "+1 (202) 555-0170", "12025550170", PLUS, true),
	OK("1", "2025550170", "12025550170", BARE, true),
	OK("1", "202.555.0170", "12025550170", BARE, true),
	OK("1", "12025550170", "12025550170", NATIONAL, true),
	OK("1", "011447911123456", "447911123456", INTL_PREFIX, false),
	OK("1", "911", "1911", SERVICE, true),
	BAD("1", "+1 1 202 555 0170", UNKNOWN, TRUNK_AFTER_CC),
	BAD("1", "12025550170", NATIONAL, TRUNK_AFTER_CC),
	BAD("1", "202-555-017", UNKNOWN, WRONG_LENGTH),
	BAD("1", "00447911123456", UNKNOWN, WRONG_LENGTH),
	/* UK. */
	OK("44", "07911 123456", "447911123456", NATIONAL, true),
	OK("44", "7911123456", "447911123456", BARE, true),
	OK("44", "+44 20 7946 0958", "442079460958", PLUS, true),
	OK("44", "00442079460958", "442079460958", INTL_PREFIX, true),
	OK("44", "447911123456", "447911123456", CC, true),
	OK("44", "0800 1111", "448001111", NATIONAL, true),
	OK("44", "999", "44999", SERVICE, true),
	OK("44", "+8613812345678", "8613812345678", PLUS, false),
	/* "+44 (0)20..." keeps the trunk 0 inside an international number:
	 * reported as such rather than guessed (or read as 11 digits). */
	BAD("44", "+44 (0)20 7946 0958", UNKNOWN, TRUNK_AFTER_CC),
	OK("44s", "+44 (0)20 7946 0958", "442079460958", PLUS, true),
	/* Russia: trunk prefix 8, international prefix 810. */
	OK("7", "8 916 123-45-67", "79161234567", NATIONAL, true),
	OK("7", "810 86 138 1234 5678", "8613812345678", INTL_PREFIX, false),
	OK("7", "+79161234567", "79161234567", PLUS, true),
	/* St Petersburg's 812 starts with the trunk digit and is valid as it
	 * stands; 8 916... after +7 is the trunk prefix. */
	OK("7", "+7 812 123-45-67", "78121234567", PLUS, true),
	NAI("7", NATIONAL, "8121234567", "78121234567", NAI_NATIONAL, true),
	BAD("7", "+7 8 916 123-45-67", UNKNOWN, TRUNK_AFTER_CC),
	BAD("7", "89161234567", NATIONAL, TRUNK_AFTER_CC),
	/* More digits than the 16 the fast path holds: valid only behind an
	 * international prefix. */
	OK("7", "810123456789012345", "123456789012345", INTL_PREFIX, false),
	OK("7", "810-1234-5678-9012-345", "123456789012345", INTL_PREFIX, false),
	BAD("7", "8101234567890123456", UNKNOWN, TOO_LONG),
	BAD("7", "123456789012345678", UNKNOWN, TOO_LONG),
	BAD("7", "810123456789012345", INTERNATIONAL, TOO_LONG),
};

static const struct cf_numplan *
plan_for(const char *cc)
{
	static struct cf_numplan china_area, strip;
	const struct cf_numplan *cn;

	if (strcmp(cc, "86s") == 0 || strcmp(cc, "44s") == 0) {
		char base[3] = { cc[0], cc[1], '\0' };

		strip = *cf_numplan_builtin(base);
		assert_int_equal(cf_numplan_parse_trunk_after_cc("strip",
								 &strip.flags), 0);
		return &strip;
	}
	if (strcmp(cc, "86a") != 0)
		return cf_numplan_builtin(cc);
	cn = cf_numplan_builtin("86");
	assert_non_null(cn);
	assert_int_equal(cf_numplan_init(&china_area, "86", "0", "00",
					 cn->nsn_lengths, cn->service_lengths,
					 "10", NULL), 0);
	return &china_area;
}

static void
run_vector(void **state)
{
	const struct vector *v = *state;
	const struct cf_numplan *plan = plan_for(v->cc);
	struct cf_number num;
	size_t len = v->len ? v->len : strlen(v->in);
	enum cf_num_err err;

	assert_non_null(plan);
	memset(&num, 0xa5, sizeof(num));
	err = cf_number_normalise(plan, v->in, len, v->nai, &num);
	if (err != v->err)
		fail_msg("'%s': got %s, want %s", v->in, cf_num_err_name(err),
			 cf_num_err_name(v->err));
	assert_int_equal(num.err, err);
	if (err != CF_NUM_OK) {
		assert_int_equal(num.key, CF_NUMKEY_NONE);
		assert_int_equal(num.len, 0);
		assert_string_equal(num.digits, "");
		return;
	}
	assert_string_equal(num.digits, v->e164);
	assert_int_equal(num.len, strlen(v->e164));
	assert_int_equal(num.key, cf_numkey_pack(v->e164, strlen(v->e164)));
	if (num.form != v->form)
		fail_msg("'%s': read as %s, want %s", v->in,
			 cf_num_form_name(num.form), cf_num_form_name(v->form));
	assert_int_equal(num.domestic, v->domestic);
}

/* Normalising a normalised number with '+' gives it back unchanged. */
static void
canonical_form_is_a_fixed_point(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		struct cf_number a, b;
		char plus[20];

		if (v->err != CF_NUM_OK)
			continue;
		cf_number_normalise(plan_for(v->cc), v->in, strlen(v->in),
				    v->nai, &a);
		snprintf(plus, sizeof(plus), "+%s", a.digits);
		assert_int_equal(cf_number_normalise(plan_for(v->cc), plus,
						     strlen(plus),
						     CF_NAI_UNKNOWN, &b),
				 CF_NUM_OK);
		assert_int_equal(a.key, b.key);
	}
}

/*
 * The same digits with visual separators go through the careful scanner
 * instead of the register fast path: both must give the same answer, for
 * every length 1..18 and every plan.
 */
static void
separators_do_not_change_the_result(void **state)
{
	static const char *const ccs[] = { "86", "1", "44", "7", "86s" };
	uint64_t rng = 42;
	size_t c, len, round;

	for (c = 0; c < sizeof(ccs) / sizeof(ccs[0]); c++) {
		const struct cf_numplan *plan = plan_for(ccs[c]);

		for (len = 1; len <= 18; len++) {
			for (round = 0; round < 200; round++) {
				char plain[24], spaced[48];
				struct cf_number a, b;
				size_t i, j = 0, off = round % 3 == 0;

				if (off)
					plain[0] = spaced[j++] = '+';
				for (i = off; i < len + off; i++) {
					rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
					plain[i] = (char)('0' + (rng >> 33) % 10);
					spaced[j++] = plain[i];
					if ((rng >> 20) % 3 == 0)
						spaced[j++] = "-. ()"[(rng >> 40) % 5];
				}
				spaced[j++] = ' ';
				cf_number_normalise(plan, plain, len + off, CF_NAI_UNKNOWN, &a);
				cf_number_normalise(plan, spaced, j, CF_NAI_UNKNOWN, &b);
				if (a.err != b.err || a.key != b.key ||
				    strcmp(a.digits, b.digits) != 0 || a.form != b.form)
					fail_msg("+%s '%.*s' (%s) vs '%.*s' (%s)", ccs[c],
						 (int)(len + off), plain, cf_num_err_name(a.err),
						 (int)j, spaced, cf_num_err_name(b.err));
			}
		}
	}
}

static void
names_cover_every_value(void **state)
{
	int i;

	for (i = 0; i < CF_NUM_ERR__COUNT; i++)
		assert_string_not_equal(cf_num_err_name(i), "?");
	for (i = 0; i < CF_FORM__COUNT; i++)
		assert_string_not_equal(cf_num_form_name(i), "?");
	assert_string_equal(cf_num_err_name(CF_NUM_ERR__COUNT), "?");
	assert_string_equal(cf_num_err_name(CF_NUM_WRONG_LENGTH), "wrong-length");
}

#define N_VECTORS (sizeof(vectors) / sizeof(vectors[0]))

int
main(void)
{
	static struct CMUnitTest tests[N_VECTORS + 3];
	static char names[N_VECTORS][64];
	size_t i;

	for (i = 0; i < N_VECTORS; i++) {
		snprintf(names[i], sizeof(names[i]), "+%s %s '%s'",
			 vectors[i].cc, cf_num_err_name(vectors[i].err),
			 vectors[i].in);
		tests[i] = (struct CMUnitTest){
			.name = names[i],
			.test_func = run_vector,
			.initial_state = (void *)&vectors[i],
		};
	}
	tests[N_VECTORS] = (struct CMUnitTest)cmocka_unit_test(canonical_form_is_a_fixed_point);
	tests[N_VECTORS + 1] = (struct CMUnitTest)cmocka_unit_test(names_cover_every_value);
	tests[N_VECTORS + 2] = (struct CMUnitTest)cmocka_unit_test(separators_do_not_change_the_result);
	return _cmocka_run_group_tests("number", tests, N_VECTORS + 3, NULL, NULL);
}
