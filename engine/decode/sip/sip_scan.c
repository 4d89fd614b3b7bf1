/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vector searches for the SIP parser: where the line ends, colons and NUL
 * bytes of 64 bytes are, as bit masks.  Full 64-byte blocks are inline in
 * sip_private.h; this file has the tails.  Single-byte finds in short
 * spans are the C library's memchr() (sip_find()).
 *
 * SSE2 only, the x86-64 baseline: the build runs on any x86-64 and needs
 * no dispatch.  (A 64-byte block is four 16-byte compares per byte class;
 * AVX2 would halve that, but behind an indirect call per block the gain
 * is smaller than the cost on headers of 30-80 bytes.)  Elsewhere the
 * same functions are plain C.
 *
 * No load reads at or past the end of the span it was given, so ASan
 * sees every byte these functions touch: a tail shorter than a vector is
 * copied to a zeroed stack buffer first, and bits past the end are
 * cleared.
 */

#include <string.h>

#include "sip_private.h"

#ifdef __SSE2__
/* Bit i set where byte i of the 16 at @v is @c. */
static inline uint64_t
eq16(__m128i v, char c)
{
	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}

/* Masks of one 16-byte chunk, shifted to bit @at of the block masks. */
static inline void
chunk_masks(__m128i v, unsigned at, struct sip_masks *m)
{
	m->nl |= eq16(v, '\n') << at;
	m->colon |= eq16(v, ':') << at;
	m->nul |= eq16(v, '\0') << at;
}

void
sip_tail_masks(const char *p, size_t n, struct sip_masks *m)
{
	unsigned at = 0;

	m->nl = m->colon = m->nul = 0;
	if (n > 64)
		n = 64;
	for (; at + 16 <= n; at += 16)
		chunk_masks(_mm_loadu_si128((const __m128i *)(p + at)), at, m);
	if (at < n) {
		/* Tail: copy so the load stays inside the span; the zero
		 * padding would read as NULs, so clear its bits. */
		char tail[16] = { 0 };

		memcpy(tail, p + at, n - at);
		chunk_masks(_mm_loadu_si128((const __m128i *)tail), at, m);
		m->nul &= (1ull << n) - 1;	/* n < 64 here */
	}
}

bool
sip_has_lws_or_nul(const char *p, size_t len)
{
	const __m128i sp = _mm_set1_epi8(' ');
	__m128i v, low;
	size_t i = 0;

	/* Most URIs have no byte below '!' at all: one unsigned min tells
	 * (min(v, ' ') == v where v <= ' '); only then the exact classes. */
	for (; i + 16 <= len; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(p + i));
		low = _mm_cmpeq_epi8(_mm_min_epu8(v, sp), v);
		if (_mm_movemask_epi8(low) &&
		    _mm_movemask_epi8(_mm_or_si128(
			    _mm_or_si128(_mm_cmpeq_epi8(v, sp),
					 _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))),
			    _mm_or_si128(
				    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
						 _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
				    _mm_cmpeq_epi8(v, _mm_setzero_si128())))))
			return true;
	}
	for (; i < len; i++)
		if ((uint8_t)p[i] <= ' ' &&
		    (sip_is(p[i], SIP_C_LWS) || !p[i]))
			return true;
	return false;
}

#else /* !__SSE2__ */

bool
sip_has_lws_or_nul(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (sip_is(p[i], SIP_C_LWS) || !p[i])
			return true;
	return false;
}


void
sip_tail_masks(const char *p, size_t n, struct sip_masks *m)
{
	size_t i;

	m->nl = m->colon = m->nul = 0;
	if (n > 64)
		n = 64;
	for (i = 0; i < n; i++) {
		m->nl |= (uint64_t)(p[i] == '\n') << i;
		m->colon |= (uint64_t)(p[i] == ':') << i;
		m->nul |= (uint64_t)(p[i] == '\0') << i;
	}
}

#endif /* __SSE2__ */
