/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Number keys: see callfence/numkey.h for the layout. */

#include <callfence/numkey.h>

uint64_t
cf_numkey_pack(const char *digits, size_t len)
{
	uint64_t key = 0;
	size_t i;

	if (len == 0 || len > CF_NUMKEY_MAX_DIGITS)
		return CF_NUMKEY_NONE;
	for (i = 0; i < len; i++) {
		unsigned int d = (unsigned char)digits[i] - '0';

		if (d > 9)
			return CF_NUMKEY_NONE;
		key |= (uint64_t)d << (60 - 4 * i);
	}
	return key | len;
}

int
cf_numkey_unpack(uint64_t key, char *buf, size_t size)
{
	unsigned int len = cf_numkey_len(key);
	unsigned int i;

	if (len == 0)
		return -1;
	/* Unused nibbles must be zero and used ones decimal: reject the rest
	 * so that a corrupt key never prints as a plausible number. */
	if (len < CF_NUMKEY_MAX_DIGITS && (key >> 4) << (4 * len + 4) != 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned int d = cf_numkey_digit(key, i);

		if (d > 9)
			return -1;
		if (i + 1 < size)
			buf[i] = (char)('0' + d);
	}
	if (size > 0)
		buf[len < size ? len : size - 1] = '\0';
	return (int)len;
}
