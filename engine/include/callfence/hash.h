/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hashes for the hot path: number keys to buckets and owner cores, call
 * references to heuristic state.  Not cryptographic: inputs come from the
 * network, so every table that uses them bounds its probe lengths or its
 * memory rather than trusting the spread.
 */
#ifndef CALLFENCE_HASH_H
#define CALLFENCE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A 64-bit finaliser (the splitmix64 mixing steps): every input bit
 * affects every output bit. */
static inline uint64_t
cf_hash64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Hash @len bytes at @p, eight at a time. */
static inline uint64_t
cf_hash_bytes(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;

	while (len >= 8) {
		uint64_t w;

		memcpy(&w, b, 8);
		h = cf_hash64(h ^ w);
		b += 8;
		len -= 8;
	}
	if (len > 0) {
		uint64_t w = 0;

		memcpy(&w, b, len);
		h = cf_hash64(h ^ w ^ ((uint64_t)len << 56));
	}
	return h;
}

#endif /* CALLFENCE_HASH_H */
