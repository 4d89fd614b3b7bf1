/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Number keys: a canonical E.164 digit string packed into 64 bits.
 *
 * Layout, most significant nibble first:
 *
 *   bits 63..60  first digit
 *   bits 59..56  second digit
 *   ...          (up to 15 digits, unused nibbles are zero)
 *   bits  3..0   number of digits, 1..15
 *
 * Digits are left-aligned so that keys of numbers sharing a prefix share
 * their high bits (prefix tables mask them), and the length lives in the
 * low nibble so that "0123" and "123" are different keys.  Key 0 means
 * "no number": no valid number packs to it because its length is >= 1.
 */
#ifndef CALLFENCE_NUMKEY_H
#define CALLFENCE_NUMKEY_H

#include <stddef.h>
#include <stdint.h>

/* E.164 allows at most 15 digits including the country code. */
#define CF_NUMKEY_MAX_DIGITS	15
#define CF_NUMKEY_NONE		((uint64_t)0)

/*
 * Pack @len ASCII digits.  Returns CF_NUMKEY_NONE if @len is 0 or more than
 * CF_NUMKEY_MAX_DIGITS, or if any character is not '0'..'9'.
 */
uint64_t cf_numkey_pack(const char *digits, size_t len);

/*
 * Write the digits of @key into @buf of @size bytes, NUL-terminated.
 * Returns the number of digits (which may be >= @size, like snprintf, when
 * @buf is too small: the output is then truncated), or -1 if @key is not a
 * valid key.
 */
int cf_numkey_unpack(uint64_t key, char *buf, size_t size);

/* Number of digits in @key; 0 for CF_NUMKEY_NONE. */
static inline unsigned int
cf_numkey_len(uint64_t key)
{
	return (unsigned int)(key & 0xf);
}

/* The digit at position @i (0 = first) of @key. */
static inline unsigned int
cf_numkey_digit(uint64_t key, unsigned int i)
{
	return (unsigned int)(key >> (60 - 4 * i)) & 0xf;
}

/*
 * The key of the first @n digits of @key (its prefix of length @n).
 * @n must be 1..cf_numkey_len(key).
 */
static inline uint64_t
cf_numkey_prefix(uint64_t key, unsigned int n)
{
	uint64_t digits_mask = ~(uint64_t)0 << (64 - 4 * n);

	return (key & digits_mask) | n;
}

#endif /* CALLFENCE_NUMKEY_H */
