/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Number normalisation.  The digits are read into a 128-bit register (one
 * ASCII digit a byte, the first in the lowest byte), the form is decided
 * from the plan by masked compares on that register, prefixes are removed
 * and the country code added by shifts, and the key is packed from it.
 *
 * This runs for every number of every call.  Working in registers rather
 * than in a byte buffer avoids store-to-load forwarding stalls (narrow
 * stores read back by wide loads) and calls to memcpy, whose dispatch on
 * the size mispredicts when lengths vary from number to number.
 */

#include <string.h>

#include <callfence/number.h>

/* The shortest international number in service: a 1-3 digit country code
 * plus the shortest national numbers (Niue, Tokelau: +683 xxxx). */
#define E164_MIN_DIGITS	7

/* Digits kept while scanning: the longest prefix (4) plus E.164 (15).  Any
 * input with more digits is too long whatever its form. */
#define SCAN_MAX	(CF_NUMPLAN_PREFIX_MAX + CF_NUMKEY_MAX_DIGITS)

/* Digits that fit the register.  Longer inputs (17..SCAN_MAX digits) can
 * only be valid behind an international prefix: cf_numplan_init() keeps
 * national prefix plus national number within 16 digits. */
#define REG_DIGITS	16

__extension__ typedef unsigned __int128 u128;

static const char *const err_names[CF_NUM_ERR__COUNT] = {
	[CF_NUM_OK]		= "ok",
	[CF_NUM_EMPTY]		= "empty",
	[CF_NUM_ANONYMOUS]	= "anonymous",
	[CF_NUM_NON_DIGIT]	= "non-digit",
	[CF_NUM_TOO_LONG]	= "too-long",
	[CF_NUM_WRONG_LENGTH]	= "wrong-length",
	[CF_NUM_BAD_CC]		= "bad-country-code",
	[CF_NUM_NO_AREA_CODE]	= "no-area-code",
	[CF_NUM_UNSUPPORTED_NAI] = "unsupported-nai",
	[CF_NUM_TRUNK_AFTER_CC]	= "trunk-after-cc",
};

static const char *const form_names[CF_FORM__COUNT] = {
	[CF_FORM_NONE]		= "none",
	[CF_FORM_PLUS]		= "plus",
	[CF_FORM_INTL_PREFIX]	= "international-prefix",
	[CF_FORM_CC]		= "country-code",
	[CF_FORM_NATIONAL]	= "national-prefix",
	[CF_FORM_BARE]		= "national",
	[CF_FORM_SERVICE]	= "service",
	[CF_FORM_NAI_INTERNATIONAL] = "nai-international",
	[CF_FORM_NAI_NATIONAL]	= "nai-national",
	[CF_FORM_NAI_SUBSCRIBER] = "nai-subscriber",
};

const char *
cf_num_err_name(enum cf_num_err err)
{
	return (unsigned int)err < CF_NUM_ERR__COUNT ? err_names[err] : "?";
}

const char *
cf_num_form_name(enum cf_num_form form)
{
	return (unsigned int)form < CF_FORM__COUNT ? form_names[form] : "?";
}

/*
 * Words that stand for a withheld caller ID in From/PAI user parts and
 * display strings (RFC 3323 "anonymous", and what switches put instead).
 */
static const char *const withheld_words[] = {
	"anonymous", "restricted", "private", "withheld", "unavailable",
	"unknown",
};

/* Character classes of the slow scanner. */
enum {
	C_OTHER = 0,
	C_DIGIT = 1,
	C_SEP = 2,	/* RFC 3966 visual-separator, plus the space people type */
};

static const uint8_t char_class[256] = {
	['0'] = C_DIGIT, ['1'] = C_DIGIT, ['2'] = C_DIGIT, ['3'] = C_DIGIT,
	['4'] = C_DIGIT, ['5'] = C_DIGIT, ['6'] = C_DIGIT, ['7'] = C_DIGIT,
	['8'] = C_DIGIT, ['9'] = C_DIGIT,
	['-'] = C_SEP, ['.'] = C_SEP, ['('] = C_SEP, [')'] = C_SEP,
	[' '] = C_SEP,
};

/* The digits read: ASCII, first digit in the lowest byte, zero bytes
 * after the n-th. */
struct digits {
	u128 v;
	unsigned int n;
};

static bool
is_withheld(const char *text, size_t len)
{
	size_t i, w;

	while (len > 0 && text[len - 1] == ' ')
		len--;
	while (len > 0 && text[0] == ' ') {
		text++;
		len--;
	}
	for (w = 0; w < sizeof(withheld_words) / sizeof(withheld_words[0]); w++) {
		const char *word = withheld_words[w];

		if (strlen(word) != len)
			continue;
		for (i = 0; i < len; i++)
			if ((text[i] | 0x20) != word[i])
				break;
		if (i == len)
			return true;
	}
	return false;
}

static inline bool
has_length(uint16_t mask, unsigned int len)
{
	return len <= CF_NUMKEY_MAX_DIGITS && (mask >> len) & 1;
}

static inline uint32_t
load32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t
load64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The low @bytes bytes of a word set, @bytes 0..4. */
static inline uint32_t
byte_mask32(unsigned int bytes)
{
	return bytes >= 4 ? ~0u : (1u << (8 * bytes)) - 1;
}

/* Do the digits start with the @plen-digit @prefix (a NUL-padded plan
 * array of at least 4 bytes) and go on after it? */
static inline bool
starts_with(const struct digits *s, const char *prefix, unsigned int plen)
{
	return plen > 0 && s->n > plen &&
	       (((uint32_t)s->v ^ load32(prefix)) & byte_mask32(plen)) == 0;
}

/* The digits without their first @k (1..4). */
static inline struct digits
strip(const struct digits *s, unsigned int k)
{
	return (struct digits){ .v = s->v >> (8 * k), .n = s->n - k };
}

static enum cf_num_err
fail(struct cf_number *out, enum cf_num_err err)
{
	out->err = (uint8_t)err;
	out->key = CF_NUMKEY_NONE;
	out->len = 0;
	out->digits[0] = '\0';
	return err;
}

/* Eight digit values (0..9 a byte, first in the lowest byte) as eight
 * nibbles, the first digit in the highest. */
static inline uint32_t
pack8(uint64_t values)
{
	uint64_t v = __builtin_bswap64(values);

	v = (v | (v >> 4)) & 0x00ff00ff00ff00ffULL;
	v = (v | (v >> 8)) & 0x0000ffff0000ffffULL;
	return (uint32_t)(v | (v >> 16));
}

/* Write the E.164 number @e (1..15 digits, checked by the caller). */
static enum cf_num_err
emit(struct cf_number *out, const struct digits *e, enum cf_num_form form,
     bool domestic)
{
	const uint64_t low_nibbles = 0x0f0f0f0f0f0f0f0fULL;
	uint64_t lo = (uint64_t)e->v, hi = (uint64_t)(e->v >> 64);

	/* '0'..'9' have their value in the low nibble; the zero bytes after
	 * the last digit pack to zero nibbles, where the length goes. */
	out->key = (uint64_t)pack8(lo & low_nibbles) << 32 |
		   pack8(hi & low_nibbles) | e->n;
	memcpy(out->digits, &e->v, sizeof(e->v));
	out->digits[e->n] = '\0';
	out->len = (uint8_t)e->n;
	out->err = CF_NUM_OK;
	out->form = (uint8_t)form;
	out->domestic = domestic;
	return CF_NUM_OK;
}

/*
 * Check @nsn, the digits that follow the home country code (written, or
 * implied by ISUP NAI national).  The trunk prefix belongs to national
 * dialling only: "+86 0 10 1234 5678" and NAI national "010 1234 5678"
 * carry it where the national significant number should start.  It is
 * taken for one when what follows it is a length the plan allows, so a
 * number that merely starts with the prefix digit and is valid as it
 * stands (Russia's +7 812..., trunk prefix 8) is left alone.  Such a
 * prefix is an error, or is removed when the plan says to strip it (and
 * then the rest has been checked).  Returns OK, TRUNK_AFTER_CC or
 * WRONG_LENGTH.
 */
static enum cf_num_err
domestic_nsn(const struct cf_numplan *plan, struct digits *nsn)
{
	uint16_t lengths = plan->nsn_lengths | plan->service_lengths;
	unsigned int npl = plan->national_prefix_len;

	if (starts_with(nsn, plan->national_prefix, npl) &&
	    has_length(lengths, nsn->n - npl)) {
		if (!(plan->flags & CF_NUMPLAN_F_STRIP_TRUNK))
			return CF_NUM_TRUNK_AFTER_CC;
		*nsn = strip(nsn, npl);
		/* One prefix is a carrier's habit; a second is a broken
		 * number, not one to strip again. */
		if (starts_with(nsn, plan->national_prefix, npl) &&
		    has_length(lengths, nsn->n - npl))
			return CF_NUM_TRUNK_AFTER_CC;
		return CF_NUM_OK;
	}
	return has_length(lengths, nsn->n) ? CF_NUM_OK : CF_NUM_WRONG_LENGTH;
}

/* The plan's country code in front of the national significant number
 * @nsn (at most 15 digits together, checked by the caller). */
static inline struct digits
with_cc(const struct cf_numplan *plan, const struct digits *nsn)
{
	return (struct digits){
		.v = nsn->v << (8 * plan->cc_len) |
		     (load32(plan->cc) & byte_mask32(plan->cc_len)),
		.n = plan->cc_len + nsn->n,
	};
}

/* Digits that already include the country code. */
static enum cf_num_err
international(const struct cf_numplan *plan, struct cf_number *out,
	      const struct digits *s, enum cf_num_form form)
{
	if ((uint8_t)s->v == '0')
		return fail(out, CF_NUM_BAD_CC);
	if (s->n > CF_NUMKEY_MAX_DIGITS)
		return fail(out, CF_NUM_TOO_LONG);
	if (starts_with(s, plan->cc, plan->cc_len)) {
		struct digits nsn = strip(s, plan->cc_len), e;
		enum cf_num_err err = domestic_nsn(plan, &nsn);

		if (err != CF_NUM_OK)
			return fail(out, err);
		if (nsn.n == s->n - plan->cc_len)
			return emit(out, s, form, true);
		e = with_cc(plan, &nsn);
		return emit(out, &e, form, true);
	}
	if (s->n < E164_MIN_DIGITS)
		return fail(out, CF_NUM_WRONG_LENGTH);
	return emit(out, s, form, false);
}

/* A national significant number: the plan's country code goes in front.
 * ISUP NAI national numbers are checked for a trunk prefix; the other
 * forms come here with their prefixes and lengths already decided. */
static enum cf_num_err
national(const struct cf_numplan *plan, struct cf_number *out,
	 const struct digits *s, enum cf_num_form form)
{
	struct digits nsn = *s, e;

	if (plan->cc_len + s->n > CF_NUMKEY_MAX_DIGITS)
		return fail(out, CF_NUM_TOO_LONG);
	if (form == CF_FORM_NAI_NATIONAL) {
		enum cf_num_err err = domestic_nsn(plan, &nsn);

		if (err != CF_NUM_OK)
			return fail(out, err);
	} else if (!has_length(plan->nsn_lengths | plan->service_lengths,
			       s->n)) {
		return fail(out, CF_NUM_WRONG_LENGTH);
	}
	e = with_cc(plan, &nsn);
	return emit(out, &e, form, true);
}

/* Free text: decide the form from the prefixes and lengths of the plan. */
static enum cf_num_err
written(const struct cf_numplan *plan, struct cf_number *out,
	const struct digits *s, bool plus)
{
	unsigned int npl = plan->national_prefix_len;
	struct digits t;

	if (plus)
		return international(plan, out, s, CF_FORM_PLUS);
	if (starts_with(s, plan->intl_prefix, plan->intl_prefix_len)) {
		t = strip(s, plan->intl_prefix_len);
		return international(plan, out, &t, CF_FORM_INTL_PREFIX);
	}
	if (starts_with(s, plan->national_prefix, npl) &&
	    has_length(plan->nsn_lengths, s->n - npl)) {
		t = strip(s, npl);
		return national(plan, out, &t, CF_FORM_NATIONAL);
	}
	if (has_length(plan->nsn_lengths, s->n))
		return national(plan, out, s, CF_FORM_BARE);
	if (has_length(plan->service_lengths, s->n))
		return national(plan, out, s, CF_FORM_SERVICE);
	if (starts_with(s, plan->cc, plan->cc_len)) {
		/* The home country code without '+': taken when the rest is
		 * a national number, or one behind a trunk prefix (which
		 * international() then refuses or strips). */
		t = strip(s, plan->cc_len);
		if (domestic_nsn(plan, &t) != CF_NUM_WRONG_LENGTH)
			return international(plan, out, s, CF_FORM_CC);
	}
	return fail(out, s->n > CF_NUMKEY_MAX_DIGITS ? CF_NUM_TOO_LONG
						     : CF_NUM_WRONG_LENGTH);
}

/* Is any byte of @x outside '0'..'9'?  (A byte below 0x30 borrows into
 * its top bit, one above 0x39 carries into it.) */
static inline bool
any_non_digit(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t below = (x - ones * 0x30) & ~x & high;
	uint64_t above = ((x + ones * (127 - 0x39)) | x) & high;

	return (below | above) != 0;
}

/* Load @m (0..16) bytes into a register, zeros above, reading no byte
 * outside [src, src + m): overlapping loads, shifted into place. */
static inline u128
load_short(const char *src, unsigned int m)
{
	uint64_t a, b;
	unsigned int i;

	if (m >= 8) {
		a = load64(src);
		b = m > 8 ? load64(src + m - 8) >> (8 * (16 - m)) : 0;
		return (u128)b << 64 | a;
	}
	if (m >= 4) {
		a = load32(src);
		b = (uint64_t)load32(src + m - 4) << (8 * (m - 4));
		return a | b;
	}
	a = 0;
	for (i = 0; i < m; i++)
		a |= (uint64_t)(unsigned char)src[i] << (8 * i);
	return a;
}

/* '0' bytes at positions @m..15: the padding that makes a short number
 * pass the digit test. */
static inline u128
zero_padding(unsigned int m)
{
	const uint64_t zeros = 0x3030303030303030ULL;
	u128 all = (u128)zeros << 64 | zeros;

	return m >= 16 ? 0 : all << (8 * m);
}

/*
 * The careful scan for everything but a plain digit string: separators,
 * withheld callers, stray characters, too many digits.  Sets *@stripped
 * when the digits only fit after removing the international prefix.
 */
static enum cf_num_err
scan_slow(const struct cf_numplan *plan, const char *text, size_t len,
	  bool plus, struct digits *s, bool *stripped)
{
	char d[SCAN_MAX + 8] = { 0 };
	unsigned int n = 0;
	size_t i;

	for (i = plus; i < len; i++) {
		unsigned int k = char_class[(unsigned char)text[i]];

		if (k == C_DIGIT) {
			if (n == SCAN_MAX)
				return CF_NUM_TOO_LONG;
			d[n++] = text[i];
		} else if (k == C_OTHER) {
			if (n == 0 && !plus && is_withheld(text, len))
				return CF_NUM_ANONYMOUS;
			return CF_NUM_NON_DIGIT;
		}
	}
	if (n == 0)
		return CF_NUM_EMPTY;
	if (n > REG_DIGITS) {
		/* Only an international prefix can make this short enough. */
		unsigned int ipl = plan->intl_prefix_len;

		if (plus || n - ipl > REG_DIGITS ||
		    memcmp(d, plan->intl_prefix, ipl) != 0)
			return CF_NUM_TOO_LONG;
		memmove(d, d + ipl, n - ipl);
		memset(d + n - ipl, 0, ipl);
		n -= ipl;
		*stripped = true;
	}
	s->n = n;
	memcpy(&s->v, d, sizeof(s->v));
	return CF_NUM_OK;
}

enum cf_num_err
cf_number_normalise(const struct cf_numplan *plan, const char *text,
		    size_t len, enum cf_nai nai, struct cf_number *out)
{
	bool plus = len > 0 && text[0] == '+';
	size_t m = len - plus;
	struct digits s;

	out->form = CF_FORM_NONE;
	out->domestic = false;
	memset(out->pad, 0, sizeof(out->pad));

	/* Plain digit strings, the common case: no loop at all. */
	s.v = m <= REG_DIGITS ? load_short(text + plus, (unsigned int)m) : 0;
	s.n = (unsigned int)m;
	if (m == 0 || m > REG_DIGITS ||
	    any_non_digit((uint64_t)(s.v | zero_padding(s.n))) ||
	    any_non_digit((uint64_t)((s.v | zero_padding(s.n)) >> 64))) {
		bool stripped = false;
		enum cf_num_err err = scan_slow(plan, text, len, plus, &s,
						&stripped);

		if (err != CF_NUM_OK)
			return fail(out, err);
		if (stripped) {
			if (nai != CF_NAI_UNKNOWN && nai != CF_NAI_SPARE)
				return fail(out, CF_NUM_TOO_LONG);
			return international(plan, out, &s, CF_FORM_INTL_PREFIX);
		}
	}

	switch (nai) {
	case CF_NAI_INTERNATIONAL:
		return international(plan, out, &s, CF_FORM_NAI_INTERNATIONAL);
	case CF_NAI_NATIONAL:
		if (plus)
			return international(plan, out, &s, CF_FORM_PLUS);
		return national(plan, out, &s, CF_FORM_NAI_NATIONAL);
	case CF_NAI_SUBSCRIBER: {
		unsigned int acl = plan->area_code_len;
		struct digits full;

		if (acl == 0)
			return fail(out, CF_NUM_NO_AREA_CODE);
		if (acl + s.n > REG_DIGITS)
			return fail(out, CF_NUM_TOO_LONG);
		full.v = s.v << (8 * acl) |
			 (load32(plan->area_code) & byte_mask32(acl));
		full.n = acl + s.n;
		return national(plan, out, &full, CF_FORM_NAI_SUBSCRIBER);
	}
	case CF_NAI_SPARE:
	case CF_NAI_UNKNOWN:
		return written(plan, out, &s, plus);
	default:
		return fail(out, CF_NUM_UNSUPPORTED_NAI);
	}
}
