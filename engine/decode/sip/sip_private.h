/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP decoder internals shared by the message, URI and call-record code. */
#ifndef CALLFENCE_SIP_PRIVATE_H
#define CALLFENCE_SIP_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <callfence/sip.h>

/* Character classes, one table so a byte costs one load. */
enum {
	SIP_C_TOKEN = 1 << 0,	/* RFC 3261 §25.1 token */
	SIP_C_LWS = 1 << 1,	/* SP HT CR LF: white space inside a value */
	SIP_C_DIGIT = 1 << 2,
	SIP_C_HEX = 1 << 3,
	SIP_C_SCHEME = 1 << 4,	/* ALPHA DIGIT + - . (RFC 3986 scheme) */
	SIP_C_PHONE = 1 << 5,	/* digits, '+' and visual separators -.() */
};

extern const uint8_t sip_ctype[256];
extern const uint8_t sip_lower[256];

static inline bool
sip_is(char c, unsigned cls)
{
	return sip_ctype[(uint8_t)c] & cls;
}

/* @n bytes at @s equal the lower-case ASCII @lc, ignoring case. */
static inline bool
sip_ieq(const char *s, const char *lc, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sip_lower[(uint8_t)s[i]] != (uint8_t)lc[i])
			return false;
	return true;
}

static inline bool
sip_span_ieq(const struct cf_sip_span *s, const char *lc, size_t n)
{
	return s->len == n && sip_ieq(s->p, lc, n);
}

static inline struct cf_sip_span
sip_span(const char *p, size_t len)
{
	struct cf_sip_span s = { p, (uint32_t)len };

	return s;
}

/* Strip linear white space from both ends of [*p, *p + *len). */
static inline void
sip_trim(const char **p, size_t *len)
{
	while (*len && sip_is(**p, SIP_C_LWS)) {
		(*p)++;
		(*len)--;
	}
	while (*len && sip_is((*p)[*len - 1], SIP_C_LWS))
		(*len)--;
}

/* Where the bytes of a block of up to 64 are: bit i stands for byte i. */
struct sip_masks {
	uint64_t nl;		/* '\n' */
	uint64_t colon;		/* ':' */
	uint64_t nul;		/* '\0' */
};

/*
 * Masks of the @n bytes at @p (only the first 64 if more); bits at and
 * past @n are clear.  Reads no byte at or past @p + @n.  The parser
 * calls this for every block of every header section: the full-block
 * case is inline, the tail (and the non-SSE2 build) is in sip_scan.c.
 */
void sip_tail_masks(const char *p, size_t n, struct sip_masks *m);

#ifdef __SSE2__
#include <emmintrin.h>

static inline void
sip_block_masks(const char *p, size_t n, struct sip_masks *m)
{
	const __m128i nl = _mm_set1_epi8('\n'), colon = _mm_set1_epi8(':');
	const __m128i zero = _mm_setzero_si128();
	__m128i v0, v1, v2, v3;
	uint64_t z;

	if (n < 64) {
		sip_tail_masks(p, n, m);
		return;
	}
	v0 = _mm_loadu_si128((const __m128i *)p);
	v1 = _mm_loadu_si128((const __m128i *)(p + 16));
	v2 = _mm_loadu_si128((const __m128i *)(p + 32));
	v3 = _mm_loadu_si128((const __m128i *)(p + 48));
#define SIP_MASK64(a, b, c, d, x)					\
	((uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, x)) |	\
	 (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b, x)) << 16 | \
	 (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(c, x)) << 32 | \
	 (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(d, x)) << 48)
	m->nl = SIP_MASK64(v0, v1, v2, v3, nl);
	m->colon = SIP_MASK64(v0, v1, v2, v3, colon);
	/* NULs are rare (an error in headers, binary bodies): one test for
	 * the block, the exact mask only when there is one. */
	z = (uint32_t)_mm_movemask_epi8(_mm_or_si128(
		_mm_or_si128(_mm_cmpeq_epi8(v0, zero), _mm_cmpeq_epi8(v1, zero)),
		_mm_or_si128(_mm_cmpeq_epi8(v2, zero), _mm_cmpeq_epi8(v3, zero))));
	m->nul = z ? SIP_MASK64(v0, v1, v2, v3, zero) : 0;
#undef SIP_MASK64
}
#else
static inline void
sip_block_masks(const char *p, size_t n, struct sip_masks *m)
{
	sip_tail_masks(p, n, m);
}
#endif

/* Index of the first @c in the @len bytes at @p, or @len.  memchr():
 * a URI's spans are 5-40 bytes, which a byte loop takes 4-5 instructions
 * each for and the library's vector code a dozen or two in all. */
static inline size_t
sip_find(const char *p, size_t len, char c)
{
	const char *hit = len ? memchr(p, c, len) : NULL;

	return hit ? (size_t)(hit - p) : len;
}

/* Whether any of the @len bytes at @p is SP, HT, CR, LF or NUL. */
bool sip_has_lws_or_nul(const char *p, size_t len);

/* What of an address a parse looks for beyond its parts: each is a pass
 * over parameters that the call record does not read. */
enum {
	SIP_WANT_TAG = 1 << 0,		/* cf_sip_addr.tag */
	SIP_WANT_PHONE = 1 << 1,	/* cf_sip_uri.user_phone */
	SIP_WANT_ALL = SIP_WANT_TAG | SIP_WANT_PHONE,
};

/* cf_sip_parse_uri() and cf_sip_parse_addr(); @full false (no
 * SIP_WANT_*) leaves out what is not wanted.  sip_uri.c. */
int sip_parse_uri(const char *p, size_t len, struct cf_sip_uri *uri,
		  bool full);
int sip_parse_addr(const char *p, size_t len, struct cf_sip_addr *addr,
		   unsigned want);

/* cf_sip_msg_addr(); a value not kept in msg->parsed is parsed with
 * @want (the kept ones have their tag, no user_phone). */
const struct cf_sip_addr *sip_msg_addr(const struct cf_sip_msg *msg,
				       const struct cf_sip_span *v,
				       struct cf_sip_addr *tmp, unsigned want);

/* The parameter of ";a=b;c" list @params from *@pos on, as cf_sip_param()
 * reads them: its name and value (empty without '='), *@pos moved past
 * it.  False when there is none left.  sip_uri.c. */
bool sip_param_next(const struct cf_sip_span *params, size_t *pos,
		    struct cf_sip_span *name, struct cf_sip_span *value);

/* cf_sip_uri_number(), a trunk prefix under a phone-context of @plan's
 * country code read with @plan (NULL: the built-in plans only).
 * sip_uri.c. */
int sip_uri_number(const struct cf_sip_uri *uri,
		   const struct cf_numplan *plan, char *dst, size_t dst_size);

#endif /* CALLFENCE_SIP_PRIVATE_H */
