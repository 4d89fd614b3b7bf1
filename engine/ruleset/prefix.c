/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Longest-prefix match: one number-set probe per prefix length present. */

#include <callfence/numkey.h>
#include <callfence/prefix.h>

uint16_t
cf_prefix_lengths(const uint64_t *prefixes, size_t n)
{
	uint16_t mask = 0;
	size_t i;

	for (i = 0; i < n; i++)
		mask |= (uint16_t)(1u << cf_numkey_len(prefixes[i]));
	return mask & 0xfffe;
}

int
cf_prefix_match(const struct cf_numset *set, uint16_t lengths, uint64_t key,
		uint64_t *matched)
{
	unsigned int len = cf_numkey_len(key);
	/* Only lengths up to the number's own. */
	unsigned int mask = lengths & ((2u << len) - 1) & ~1u;

	while (mask) {
		unsigned int n = 31 - (unsigned int)__builtin_clz(mask);
		uint64_t p = cf_numkey_prefix(key, n);
		int r = cf_numset_lookup(set, p);

		if (r != CF_NUMSET_ABSENT) {
			if (matched)
				*matched = p;
			return r;
		}
		mask &= ~(1u << n);
	}
	return CF_NUMSET_ABSENT;
}
