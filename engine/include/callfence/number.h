/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Number normalisation: any way a caller or callee number is written on the
 * wire (SIP user parts, tel: URIs, ISUP address signals with their nature of
 * address) becomes canonical E.164 digits without '+', and a 64-bit key.
 *
 * What "national" and "domestic" mean comes from a numbering plan, which the
 * operator configures (see struct cf_numplan).  Normalisation never
 * allocates and never fails silently: an unusable number carries the reason.
 */
#ifndef CALLFENCE_NUMBER_H
#define CALLFENCE_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <callfence/numkey.h>

#define CF_NUMPLAN_PREFIX_MAX	4	/* digits of a national/intl prefix */
#define CF_NUMPLAN_CC_MAX	3	/* E.164 country codes are 1..3 digits */

/*
 * A numbering plan.  Lengths are bit masks: bit n set means a national
 * significant number (the digits after the country code) of n digits is
 * valid.  Read-only once built; share it freely between threads.
 */
struct cf_numplan {
	char cc[CF_NUMPLAN_CC_MAX + 1];			/* "86" */
	char national_prefix[CF_NUMPLAN_PREFIX_MAX + 1];	/* "0", may be "" */
	char intl_prefix[CF_NUMPLAN_PREFIX_MAX + 1];		/* "00" */
	/* National area code prepended to ISUP subscriber numbers, "" if none. */
	char area_code[CF_NUMPLAN_PREFIX_MAX + 1];
	uint8_t cc_len;
	uint8_t national_prefix_len;
	uint8_t intl_prefix_len;
	uint8_t area_code_len;
	uint8_t flags;			/* CF_NUMPLAN_F_* */
	uint16_t nsn_lengths;		/* subscriber numbers: mobile, fixed */
	uint16_t service_lengths;	/* short codes: 110, 95588, 911 */
};

/*
 * A domestic number with the trunk prefix after its country code
 * ("+86 0 10 1234 5678", ISUP national "010 1234 5678") is refused as
 * CF_NUM_TRUNK_AFTER_CC, unless the plan has this flag: then the prefix
 * is removed, and what remains must still be a length the plan allows.
 * Some carriers send "+860..." on purpose; their plan says so.
 */
#define CF_NUMPLAN_F_STRIP_TRUNK	0x01u
#define CF_NUMPLAN_F__ALL		CF_NUMPLAN_F_STRIP_TRUNK

/* ISUP nature of address indicator (ITU-T Q.763 §3.9 and §3.10). */
enum cf_nai {
	CF_NAI_SPARE		= 0,
	CF_NAI_SUBSCRIBER	= 1,
	CF_NAI_UNKNOWN		= 2,	/* also: text from SIP, lists, the CLI */
	CF_NAI_NATIONAL		= 3,
	CF_NAI_INTERNATIONAL	= 4,
	CF_NAI_NETWORK_SPECIFIC	= 5,
};

/* Why a number could not be normalised; CF_NUM_OK (0) if it could. */
enum cf_num_err {
	CF_NUM_OK = 0,
	CF_NUM_EMPTY,		/* no digits at all */
	CF_NUM_ANONYMOUS,	/* "anonymous" and its synonyms: withheld */
	CF_NUM_NON_DIGIT,	/* a character that is not a digit or separator */
	CF_NUM_TOO_LONG,	/* more than 15 digits once in E.164 form */
	CF_NUM_WRONG_LENGTH,	/* not a length the plan allows */
	CF_NUM_BAD_CC,		/* international number with country code 0 */
	CF_NUM_NO_AREA_CODE,	/* subscriber number, plan has no area code */
	CF_NUM_UNSUPPORTED_NAI,	/* nature of address we cannot map to E.164 */
	/* The trunk (national) prefix after the home country code, or at the
	 * start of an ISUP national number: "+86 0 10 ...".  Added last so
	 * the values above, which compiled rulesets hold, stay. */
	CF_NUM_TRUNK_AFTER_CC,
	CF_NUM_ERR__COUNT,
};

/* How the input was read: lets `query` and the verdict log explain it. */
enum cf_num_form {
	CF_FORM_NONE = 0,
	CF_FORM_PLUS,		/* +CC... */
	CF_FORM_INTL_PREFIX,	/* 00CC... (the plan's international prefix) */
	CF_FORM_CC,		/* CC... without '+', home country code only */
	CF_FORM_NATIONAL,	/* 0NSN (the plan's national prefix) */
	CF_FORM_BARE,		/* NSN without any prefix */
	CF_FORM_SERVICE,	/* a short code of the plan: 110, 95588 */
	CF_FORM_NAI_INTERNATIONAL,	/* ISUP NAI international */
	CF_FORM_NAI_NATIONAL,		/* ISUP NAI national (significant) */
	CF_FORM_NAI_SUBSCRIBER,		/* ISUP NAI subscriber + area code */
	CF_FORM__COUNT,
};

/* A normalised number.  32 bytes, no pointers: copy it anywhere. */
struct cf_number {
	uint64_t key;			/* CF_NUMKEY_NONE unless err == OK */
	char digits[CF_NUMKEY_MAX_DIGITS + 1];	/* E.164, NUL-terminated */
	uint8_t len;			/* strlen(digits) */
	uint8_t err;			/* enum cf_num_err */
	uint8_t form;			/* enum cf_num_form */
	bool domestic;			/* country code is the plan's */
	uint8_t pad[4];
};

/* Bit mask of NSN lengths lo..hi inclusive, for struct cf_numplan. */
#define CF_LENGTHS(lo, hi) \
	((uint16_t)(((1u << ((hi) + 1)) - 1) & ~((1u << (lo)) - 1)))

/*
 * Build a plan from its parts.  @nsn_lengths and @service_lengths are
 * masks (CF_LENGTHS()).  Returns 0, or -EINVAL with *@why set to a static
 * message if a part is not all digits, too long, or the country code starts
 * with 0.  @area_code may be NULL.  The plan's flags start at 0: set
 * CF_NUMPLAN_F_* in plan->flags afterwards.
 */
int cf_numplan_init(struct cf_numplan *plan, const char *cc,
		    const char *national_prefix, const char *intl_prefix,
		    uint16_t nsn_lengths, uint16_t service_lengths,
		    const char *area_code, const char **why);

/*
 * The built-in plan of country code @cc ("86", "1", "44", ...), or NULL if
 * callfence has none.  The table and the source of each value are in
 * engine/core/numplan.c.
 */
const struct cf_numplan *cf_numplan_builtin(const char *cc);

/* A plan for a country without a built-in plan: prefixes 0 and 00, any
 * national significant number of 4..(15 - cc length) digits.  Returns 0 or
 * -EINVAL like cf_numplan_init(). */
int cf_numplan_default(struct cf_numplan *plan, const char *cc,
		       const char **why);

/*
 * Parse a length list such as "10-11", "9,10" or "3,5" into a mask.
 * Returns 0 or -EINVAL (empty, a length outside 1..15, a bad range).
 */
int cf_numplan_parse_lengths(const char *text, uint16_t *mask);

/*
 * Parse how a plan treats a trunk prefix after the country code:
 * "reject" (the default: CF_NUM_TRUNK_AFTER_CC) clears
 * CF_NUMPLAN_F_STRIP_TRUNK in *@flags, "strip" sets it.  Returns 0 or
 * -EINVAL for any other word.
 */
int cf_numplan_parse_trunk_after_cc(const char *text, uint8_t *flags);

/*
 * Normalise @len bytes of @text (need not be NUL-terminated) read with
 * nature of address @nai.  CF_NAI_UNKNOWN reads any written form: +CC,
 * the international prefix, the national prefix, CC without '+', a bare
 * national or service number; visual separators "-.() " are skipped.
 * ISUP natures of address take the digits as Q.763 defines them.  A
 * domestic number with the trunk prefix where its national significant
 * number should start is CF_NUM_TRUNK_AFTER_CC (see CF_NUMPLAN_F_STRIP_TRUNK).
 *
 * Fills *@out completely and returns its err (CF_NUM_OK is 0).  Safe to
 * call from any thread; no allocation.
 */
enum cf_num_err cf_number_normalise(const struct cf_numplan *plan,
				    const char *text, size_t len,
				    enum cf_nai nai, struct cf_number *out);

/* Short names for logs, counters and the CLI ("wrong-length"). */
const char *cf_num_err_name(enum cf_num_err err);
const char *cf_num_form_name(enum cf_num_form form);

#endif /* CALLFENCE_NUMBER_H */
