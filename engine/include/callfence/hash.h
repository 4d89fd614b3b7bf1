/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hashes for the hot path: number keys to buckets, call references to
 * heuristic state.  Not cryptographic: inputs come from the network, so
 * every table that uses them bounds its probe lengths or its memory
 * rather than trusting the spread.  Where the spread itself matters
 * (which core a caller lands on), cf_siphash64() is keyed.
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

static inline uint64_t
cf_rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

#define CF_SIPROUND(v0, v1, v2, v3) do {				\
		v0 += v1; v1 = cf_rotl64(v1, 13); v1 ^= v0;		\
		v0 = cf_rotl64(v0, 32);					\
		v2 += v3; v3 = cf_rotl64(v3, 16); v3 ^= v2;		\
		v0 += v3; v3 = cf_rotl64(v3, 21); v3 ^= v0;		\
		v2 += v1; v1 = cf_rotl64(v1, 17); v1 ^= v2;		\
		v2 = cf_rotl64(v2, 32);					\
	} while (0)

/*
 * SipHash-2-4 (Aumasson and Bernstein) of one 64-bit word, read as its 8
 * little-endian bytes, under the 128-bit key @k (k[0] the first 8 key
 * bytes, little-endian).  Keyed: where the input is chosen by an attacker
 * and where it lands must not be (steering calls to cores).
 */
static inline uint64_t
cf_siphash64(const uint64_t k[2], uint64_t m)
{
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k[1] ^ 0x7465646279746573ULL;
	const uint64_t b = (uint64_t)8 << 56;	/* the length: 8 bytes */
	unsigned int i;

	v3 ^= m;
	CF_SIPROUND(v0, v1, v2, v3);
	CF_SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	v3 ^= b;
	CF_SIPROUND(v0, v1, v2, v3);
	CF_SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		CF_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif /* CALLFENCE_HASH_H */
