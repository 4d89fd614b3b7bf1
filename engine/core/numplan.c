/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Numbering plans: construction, parsing and the built-in table. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <callfence/number.h>

static int
copy_digits(char *dst, uint8_t *dst_len, size_t max, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	size_t i;

	if (n > max)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (src[i] < '0' || src[i] > '9')
			return -EINVAL;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
	*dst_len = (uint8_t)n;
	return 0;
}

int
cf_numplan_init(struct cf_numplan *plan, const char *cc,
		const char *national_prefix, const char *intl_prefix,
		uint16_t nsn_lengths, uint16_t service_lengths,
		const char *area_code, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	memset(plan, 0, sizeof(*plan));
	if (copy_digits(plan->cc, &plan->cc_len, CF_NUMPLAN_CC_MAX, cc) < 0 ||
	    plan->cc_len == 0) {
		*why = "country code must be 1 to 3 digits";
		return -EINVAL;
	}
	if (plan->cc[0] == '0') {
		*why = "country code cannot start with 0";
		return -EINVAL;
	}
	if (copy_digits(plan->national_prefix, &plan->national_prefix_len,
			CF_NUMPLAN_PREFIX_MAX, national_prefix) < 0) {
		*why = "national prefix must be 0 to 4 digits";
		return -EINVAL;
	}
	if (copy_digits(plan->intl_prefix, &plan->intl_prefix_len,
			CF_NUMPLAN_PREFIX_MAX, intl_prefix) < 0 ||
	    plan->intl_prefix_len == 0) {
		*why = "international prefix must be 1 to 4 digits";
		return -EINVAL;
	}
	if (copy_digits(plan->area_code, &plan->area_code_len,
			CF_NUMPLAN_PREFIX_MAX, area_code) < 0) {
		*why = "area code must be 0 to 4 digits";
		return -EINVAL;
	}
	/* A national significant number plus the country code must fit
	 * E.164; bit 0 (length 0) is never valid. */
	if ((nsn_lengths | service_lengths) & 1 ||
	    (nsn_lengths | service_lengths) >> (CF_NUMKEY_MAX_DIGITS - plan->cc_len + 1)) {
		*why = "a number length does not fit E.164 with this country code";
		return -EINVAL;
	}
	if (!nsn_lengths) {
		*why = "no national number length";
		return -EINVAL;
	}
	/* The normaliser holds a written number in 16 digits: the national
	 * prefix and the longest national number must fit. */
	if (plan->national_prefix_len + 31 - __builtin_clz(nsn_lengths) > 16) {
		*why = "national prefix plus the longest national number exceeds 16 digits";
		return -EINVAL;
	}
	plan->nsn_lengths = nsn_lengths;
	plan->service_lengths = service_lengths;
	return 0;
}

/*
 * Built-in plans.  Lengths are of the national significant number (after
 * the country code), as the national plans notified to the ITU give them
 * (ITU-T E.164 and its Operational Bulletin annex); service lengths cover
 * the short codes that appear as caller IDs in impersonation fraud
 * (emergency, police, bank and operator service numbers).
 */
#define PLAN(c, np, ip, nsn, svc) { \
	.cc = c, .national_prefix = np, .intl_prefix = ip, \
	.cc_len = sizeof(c) - 1, .national_prefix_len = sizeof(np) - 1, \
	.intl_prefix_len = sizeof(ip) - 1, \
	.nsn_lengths = (nsn), .service_lengths = (svc) }

static const struct cf_numplan builtin_plans[] = {
	/* China: mobile 11 digits (1xx), fixed 10 or 11 with the area code;
	 * 110/119/120/122 and five-digit 95xxx/12xxx/100xx services. */
	PLAN("86", "0", "00", CF_LENGTHS(10, 11), (1u << 3) | (1u << 5)),
	/* North American Numbering Plan: NPA-NXX-XXXX, N11 services. */
	PLAN("1", "1", "011", 1u << 10, 1u << 3),
	/* United Kingdom: 10 digits, some 9 and 7; 999/112/101/111, 116xxx. */
	PLAN("44", "0", "00", (1u << 7) | CF_LENGTHS(9, 10), (1u << 3) | (1u << 6)),
	/* France: 9 digits; 15/17/18, 112, 3xxx. */
	PLAN("33", "0", "00", 1u << 9, CF_LENGTHS(2, 4)),
	/* Germany: open plan, 5 to 13 digits; 110, 112. */
	PLAN("49", "0", "00", CF_LENGTHS(5, 13), 1u << 3),
	/* India: 10 digits; 100/101/102/112 and 4-5 digit service codes. */
	PLAN("91", "0", "00", 1u << 10, CF_LENGTHS(3, 5)),
	/* Russia and Kazakhstan: trunk prefix 8, international 810. */
	PLAN("7", "8", "810", 1u << 10, CF_LENGTHS(2, 3)),
};

const struct cf_numplan *
cf_numplan_builtin(const char *cc)
{
	size_t i;

	for (i = 0; i < sizeof(builtin_plans) / sizeof(builtin_plans[0]); i++)
		if (strcmp(builtin_plans[i].cc, cc) == 0)
			return &builtin_plans[i];
	return NULL;
}

int
cf_numplan_default(struct cf_numplan *plan, const char *cc, const char **why)
{
	size_t cc_len = cc ? strlen(cc) : 0;

	if (cc_len == 0 || cc_len > CF_NUMPLAN_CC_MAX) {
		if (why)
			*why = "country code must be 1 to 3 digits";
		return -EINVAL;
	}
	return cf_numplan_init(plan, cc, "0", "00",
			       CF_LENGTHS(4, CF_NUMKEY_MAX_DIGITS - cc_len), 0,
			       NULL, why);
}

int
cf_numplan_parse_trunk_after_cc(const char *text, uint8_t *flags)
{
	if (strcmp(text, "reject") == 0)
		*flags &= (uint8_t)~CF_NUMPLAN_F_STRIP_TRUNK;
	else if (strcmp(text, "strip") == 0)
		*flags |= CF_NUMPLAN_F_STRIP_TRUNK;
	else
		return -EINVAL;
	return 0;
}

int
cf_numplan_parse_lengths(const char *text, uint16_t *mask)
{
	const char *p = text;
	uint16_t m = 0;

	for (;;) {
		char *end;
		long lo, hi;

		lo = strtol(p, &end, 10);
		if (end == p || *p < '0' || *p > '9')
			return -EINVAL;
		hi = lo;
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				return -EINVAL;
			hi = strtol(p, &end, 10);
			p = end;
		}
		if (lo < 1 || hi > CF_NUMKEY_MAX_DIGITS || lo > hi)
			return -EINVAL;
		m |= CF_LENGTHS(lo, hi);
		if (*p == '\0')
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	*mask = m;
	return 0;
}
