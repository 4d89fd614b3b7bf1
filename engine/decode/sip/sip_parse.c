/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIP message parser (RFC 3261 §7): start line, header fields, body.
 *
 * Speed comes from touching each byte about once: the header block is
 * read 64 bytes at a time into bit masks of line ends, colons and NULs
 * (sip_scan.c), so finding the next one is a count of trailing zeros; a
 * header name is classified by its length and first byte before one
 * case-insensitive compare, and only the values of headers callfence
 * reads are looked at again (to split comma-separated lists).  Nothing
 * is copied or allocated.
 */

#include <stddef.h>
#include <string.h>

#include <callfence/sip.h>

#include "sip_private.h"

/*
 * Character classes (sip_private.h SIP_C_*) of the ASCII bytes; bytes
 * 0x80-0xff are in no class.  Generated from the RFC 3261 §25.1 token
 * set, SP HT CR LF, digits, hex digits, RFC 3986 scheme characters and
 * the digits + "+-.()" of a telephone number.
 */
const uint8_t sip_ctype[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x02, 0x00, 0x00,	/* 0x00 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x10 */
	0x02, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x20, 0x20, 0x01, 0x31, 0x00, 0x31, 0x31, 0x00,	/* 0x20 */
	0x3d, 0x3d, 0x3d, 0x3d, 0x3d, 0x3d, 0x3d, 0x3d, 0x3d, 0x3d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x30 */
	0x00, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,	/* 0x40 */
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x00, 0x00, 0x00, 0x00, 0x01,	/* 0x50 */
	0x01, 0x19, 0x19, 0x19, 0x19, 0x19, 0x19, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,	/* 0x60 */
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x00, 0x00, 0x00, 0x01, 0x00,	/* 0x70 */
};

/* ASCII lower case; every other byte maps to itself. */
#define LC(c) ((c) + ((c) >= 'A' && (c) <= 'Z' ? 32 : 0))
#define LC4(b) LC(b), LC((b) + 1), LC((b) + 2), LC((b) + 3)
#define LC16(b) LC4(b), LC4((b) + 4), LC4((b) + 8), LC4((b) + 12)
#define LC64(b) LC16(b), LC16((b) + 16), LC16((b) + 32), LC16((b) + 48)
const uint8_t sip_lower[256] = {
	LC64(0), LC64(64), LC64(128), LC64(192),
};

#define NAME_OF(table, v) \
	((unsigned)(v) < sizeof(table) / sizeof(table[0]) && table[v] ? \
	 table[v] : "?")

static const char *const err_names[CF_SIP_ERR__COUNT] = {
	[CF_SIP_OK]			= "ok",
	[CF_SIP_ERR_EMPTY]		= "empty",
	[CF_SIP_ERR_TRUNCATED]		= "truncated",
	[CF_SIP_ERR_TOO_LONG]		= "too-long",
	[CF_SIP_ERR_NUL_BYTE]		= "nul-byte",
	[CF_SIP_ERR_BAD_START_LINE]	= "bad-start-line",
	[CF_SIP_ERR_BAD_VERSION]	= "bad-version",
	[CF_SIP_ERR_BAD_STATUS]		= "bad-status",
	[CF_SIP_ERR_NO_COLON]		= "no-colon",
	[CF_SIP_ERR_BAD_HEADER_NAME]	= "bad-header-name",
	[CF_SIP_ERR_BAD_FOLDING]	= "bad-folding",
	[CF_SIP_ERR_TOO_MANY_HEADERS]	= "too-many-headers",
	[CF_SIP_ERR_DUPLICATE_HEADER]	= "duplicate-header",
	[CF_SIP_ERR_BAD_CONTENT_LENGTH]	= "bad-content-length",
	[CF_SIP_ERR_MISSING_CONTENT_LENGTH] = "missing-content-length",
	[CF_SIP_ERR_BAD_CSEQ]		= "bad-cseq",
	[CF_SIP_ERR_BAD_MAX_FORWARDS]	= "bad-max-forwards",
	[CF_SIP_ERR_MISSING_VIA]	= "missing-via",
	[CF_SIP_ERR_MISSING_FROM]	= "missing-from",
	[CF_SIP_ERR_MISSING_TO]		= "missing-to",
	[CF_SIP_ERR_MISSING_CALL_ID]	= "missing-call-id",
	[CF_SIP_ERR_MISSING_CSEQ]	= "missing-cseq",
	[CF_SIP_ERR_BAD_URI]		= "bad-uri",
	[CF_SIP_ERR_NO_CALL_EVENT]	= "no-call-event",
	[CF_SIP_ERR_BAD_MULTIPART]	= "bad-multipart",
	[CF_SIP_ERR_TOO_MANY_PARTS]	= "too-many-parts",
	[CF_SIP_ERR_BAD_VIA]		= "bad-via",
};

static const char *const method_names[CF_SIP_METHOD__COUNT] = {
	[CF_SIP_METHOD_OTHER]		= "other",
	[CF_SIP_METHOD_INVITE]		= "INVITE",
	[CF_SIP_METHOD_ACK]		= "ACK",
	[CF_SIP_METHOD_BYE]		= "BYE",
	[CF_SIP_METHOD_CANCEL]		= "CANCEL",
	[CF_SIP_METHOD_OPTIONS]		= "OPTIONS",
	[CF_SIP_METHOD_REGISTER]	= "REGISTER",
	[CF_SIP_METHOD_PRACK]		= "PRACK",
	[CF_SIP_METHOD_UPDATE]		= "UPDATE",
	[CF_SIP_METHOD_INFO]		= "INFO",
	[CF_SIP_METHOD_SUBSCRIBE]	= "SUBSCRIBE",
	[CF_SIP_METHOD_NOTIFY]		= "NOTIFY",
	[CF_SIP_METHOD_REFER]		= "REFER",
	[CF_SIP_METHOD_MESSAGE]		= "MESSAGE",
	[CF_SIP_METHOD_PUBLISH]		= "PUBLISH",
};

static const char *const scheme_names[CF_SIP_SCHEME__COUNT] = {
	[CF_SIP_SCHEME_OTHER]	= "other",
	[CF_SIP_SCHEME_SIP]	= "sip",
	[CF_SIP_SCHEME_SIPS]	= "sips",
	[CF_SIP_SCHEME_TEL]	= "tel",
};

const char *
cf_sip_err_name(enum cf_sip_err err)
{
	return NAME_OF(err_names, err);
}

const char *
cf_sip_method_name(enum cf_sip_method method)
{
	return NAME_OF(method_names, method);
}

const char *
cf_sip_scheme_name(enum cf_sip_scheme scheme)
{
	return NAME_OF(scheme_names, scheme);
}

/* The headers callfence reads; everything else is SIP_H_OTHER. */
enum sip_hdr {
	SIP_H_OTHER = 0,
	SIP_H_VIA,
	SIP_H_FROM,
	SIP_H_TO,
	SIP_H_CALL_ID,
	SIP_H_CSEQ,
	SIP_H_CONTACT,
	SIP_H_MAX_FORWARDS,
	SIP_H_CONTENT_LENGTH,
	SIP_H_CONTENT_TYPE,
	SIP_H_PAI,
	SIP_H_PPI,
	SIP_H_RPID,
	SIP_H_PRIVACY,
	SIP_H_DIVERSION,
	SIP_H_HISTORY_INFO,
	SIP_H_IDENTITY,
};

/* Little-endian or not, memcpy of a literal folds to a constant. */
static inline uint64_t
sip_ld8(const char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

static inline uint32_t
sip_ld4(const char *p)
{
	uint32_t w;

	memcpy(&w, p, 4);
	return w;
}

static inline uint16_t
sip_ld2(const char *p)
{
	uint16_t w;

	memcpy(&w, p, 2);
	return w;
}

/*
 * Bytes of @w equal those of @t (lower-case letters and '-') ignoring
 * case: OR 0x20 into the letters' places only (0x20 is bit 6 of a
 * letter shifted down; '-' has no bit 6).  A '-' must match exactly, so
 * no other byte passes: the caller need not token-check a known name.
 */
#define SIP_WORD_EQ(w, t, ones) \
	(((w) | (((t) & (0x40 * (ones))) >> 1)) == (t))

/* @len (2..63) bytes at @n equal the lower-case name @lc, ignoring case:
 * whole words, the last one overlapping, no byte outside either. */
static inline bool
sip_name_eq(const char *n, const char *lc, size_t len)
{
	const uint64_t o8 = 0x0101010101010101ull;
	const uint32_t o4 = 0x01010101u;
	const uint16_t o2 = 0x0101u;
	size_t i;

	if (len >= 8) {
		for (i = 0; i + 8 < len; i += 8)
			if (!SIP_WORD_EQ(sip_ld8(n + i), sip_ld8(lc + i), o8))
				return false;
		return SIP_WORD_EQ(sip_ld8(n + len - 8), sip_ld8(lc + len - 8),
				   o8);
	}
	if (len >= 4)
		return SIP_WORD_EQ(sip_ld4(n), sip_ld4(lc), o4) &&
		       SIP_WORD_EQ(sip_ld4(n + len - 4), sip_ld4(lc + len - 4),
				   o4);
	return SIP_WORD_EQ((uint16_t)sip_ld2(n), sip_ld2(lc), o2) &&
	       SIP_WORD_EQ((uint16_t)sip_ld2(n + len - 2),
			   sip_ld2(lc + len - 2), o2);
}

/*
 * Classify a header name by its length and first byte, then one compare
 * of whole words: a dozen instructions per header instead of a loop per
 * byte.  Compact forms: RFC 3261 §7.3.3 (v f t i m l c), RFC 8224 (y).
 * The name may hold any bytes (it is token-checked only when unknown).
 */
static enum sip_hdr
sip_classify(const char *n, size_t len)
{
	uint8_t c = sip_lower[(uint8_t)n[0]];

#define IS(lc) sip_name_eq(n, lc, sizeof(lc) - 1)
	switch (len) {
	case 1:
		switch (c) {
		case 'v': return SIP_H_VIA;
		case 'f': return SIP_H_FROM;
		case 't': return SIP_H_TO;
		case 'i': return SIP_H_CALL_ID;
		case 'm': return SIP_H_CONTACT;
		case 'l': return SIP_H_CONTENT_LENGTH;
		case 'c': return SIP_H_CONTENT_TYPE;
		case 'y': return SIP_H_IDENTITY;
		}
		break;
	case 2:
		if (IS("to"))
			return SIP_H_TO;
		break;
	case 3:
		if (IS("via"))
			return SIP_H_VIA;
		break;
	case 4:
		if (c == 'f' && IS("from"))
			return SIP_H_FROM;
		if (c == 'c' && IS("cseq"))
			return SIP_H_CSEQ;
		break;
	case 7:
		if (c == 'c') {
			if (IS("call-id"))
				return SIP_H_CALL_ID;
			if (IS("contact"))
				return SIP_H_CONTACT;
		} else if (c == 'p' && IS("privacy")) {
			return SIP_H_PRIVACY;
		}
		break;
	case 8:
		if (IS("identity"))
			return SIP_H_IDENTITY;
		break;
	case 9:
		if (IS("diversion"))
			return SIP_H_DIVERSION;
		break;
	case 12:
		if (c == 'm' && IS("max-forwards"))
			return SIP_H_MAX_FORWARDS;
		if (c == 'c' && IS("content-type"))
			return SIP_H_CONTENT_TYPE;
		if (c == 'h' && IS("history-info"))
			return SIP_H_HISTORY_INFO;
		break;
	case 14:
		if (IS("content-length"))
			return SIP_H_CONTENT_LENGTH;
		break;
	case 15:
		if (IS("remote-party-id"))
			return SIP_H_RPID;
		break;
	case 19:
		if (IS("p-asserted-identity"))
			return SIP_H_PAI;
		break;
	case 20:
		if (IS("p-preferred-identity"))
			return SIP_H_PPI;
		break;
	}
	return SIP_H_OTHER;
#undef IS
}

/* Methods are case-sensitive (RFC 3261 §7.1). */
static enum cf_sip_method
sip_method(const char *m, size_t len)
{
#define IS(name) (memcmp(m, name, sizeof(name) - 1) == 0)
	switch (len) {
	case 3:
		if (IS("ACK"))
			return CF_SIP_METHOD_ACK;
		if (IS("BYE"))
			return CF_SIP_METHOD_BYE;
		break;
	case 4:
		if (IS("INFO"))
			return CF_SIP_METHOD_INFO;
		break;
	case 5:
		if (IS("PRACK"))
			return CF_SIP_METHOD_PRACK;
		if (IS("REFER"))
			return CF_SIP_METHOD_REFER;
		break;
	case 6:
		switch (m[0]) {
		case 'I':
			if (IS("INVITE"))
				return CF_SIP_METHOD_INVITE;
			break;
		case 'C':
			if (IS("CANCEL"))
				return CF_SIP_METHOD_CANCEL;
			break;
		case 'U':
			if (IS("UPDATE"))
				return CF_SIP_METHOD_UPDATE;
			break;
		case 'N':
			if (IS("NOTIFY"))
				return CF_SIP_METHOD_NOTIFY;
			break;
		}
		break;
	case 7:
		if (IS("OPTIONS"))
			return CF_SIP_METHOD_OPTIONS;
		if (IS("MESSAGE"))
			return CF_SIP_METHOD_MESSAGE;
		if (IS("PUBLISH"))
			return CF_SIP_METHOD_PUBLISH;
		break;
	case 8:
		if (IS("REGISTER"))
			return CF_SIP_METHOD_REGISTER;
		break;
	case 9:
		if (IS("SUBSCRIBE"))
			return CF_SIP_METHOD_SUBSCRIBE;
		break;
	}
	return CF_SIP_METHOD_OTHER;
#undef IS
}

/*
 * A cursor over the header block with the masks of the 64-byte block it
 * is in: finding the next line end or colon is a shift and a count of
 * trailing zeros, and each byte is compared once per class however many
 * searches cross it.  Blocks are read in order and never again.
 */
struct sip_scan {
	const char *base;	/* first byte of the block in m */
	const char *end;	/* no byte at or past end is read */
	struct sip_masks m;
	uint64_t nul;		/* non-zero: a NUL in a block passed */
};

static inline void
sip_scan_load(struct sip_scan *sc)
{
	size_t n = (size_t)(sc->end - sc->base);

	sip_block_masks(sc->base, n, &sc->m);
}

static inline void
sip_scan_init(struct sip_scan *sc, const char *p, const char *end)
{
	sc->base = p;
	sc->end = end;
	sc->nul = 0;
	sip_scan_load(sc);
}

/* Move to the next block; false when the bytes end.  Once per 64 bytes,
 * not per search: kept out of line so the searches inline small. */
static __attribute__((noinline)) bool
sip_scan_next(struct sip_scan *sc)
{
	sc->nul |= sc->m.nul;
	sc->base += 64;
	if (sc->base >= sc->end) {
		sc->m.nl = sc->m.colon = sc->m.nul = 0;
		return false;
	}
	sip_scan_load(sc);
	return true;
}

/*
 * The first line end (if @want_nl is all ones) or colon (if @want_colon
 * is) at or after @from, which is not before the current block; NULL
 * when the bytes end first.  The wants are masks, not flags, so the
 * choice costs an AND and no branch.
 */
static inline __attribute__((always_inline)) const char *
sip_scan_find(struct sip_scan *sc, const char *from, uint64_t want_nl,
	      uint64_t want_colon)
{
	uint64_t bits;

	while (from - sc->base >= 64)
		if (!sip_scan_next(sc))
			return NULL;
	bits = ((sc->m.nl & want_nl) | (sc->m.colon & want_colon)) >>
	       (from - sc->base);
	while (!bits) {
		if (!sip_scan_next(sc))
			return NULL;
		from = sc->base;
		bits = (sc->m.nl & want_nl) | (sc->m.colon & want_colon);
	}
	return from + __builtin_ctzll(bits);
}

static inline const char *
sip_scan_nl(struct sip_scan *sc, const char *from)
{
	return sip_scan_find(sc, from, ~0ull, 0);
}

/* Whether any byte before @q (in a block passed or the current one)
 * is NUL; @q is at most one block past the current one's start. */
static inline bool
sip_scan_nul_before(const struct sip_scan *sc, const char *q)
{
	size_t n = (size_t)(q - sc->base);
	uint64_t below = n >= 64 ? ~0ull : (1ull << n) - 1;

	return sc->nul || (sc->m.nul & below);
}

/* One header field: its name and its value, trimmed, folding included. */
struct sip_line {
	const char *name;
	size_t name_len;
	const char *val;
	size_t val_len;
	enum sip_hdr type;
};

/*
 * Read the header field at *@q, not reading at or past sc->end.  Returns
 * 1 and advances *@q past the field (continuation lines included), 0 at
 * the empty line ending the headers (consumed), or a negated error;
 * -CF_SIP_ERR_TRUNCATED when the bytes end first.
 */
static int
sip_next_header(struct sip_scan *sc, const char **q, struct sip_line *l)
{
	const char *s = *q, *end = sc->end, *eol, *first_eol, *colon, *ne, *p;
	unsigned cls;

	if (s >= end)
		return -CF_SIP_ERR_TRUNCATED;
	if (*s == '\n') {
		*q = s + 1;
		return 0;
	}
	if (*s == '\r') {
		if (s + 1 >= end)
			return -CF_SIP_ERR_TRUNCATED;
		if (s[1] == '\n') {
			*q = s + 2;
			return 0;
		}
	}
	/* A continuation line here has no field to continue (§7.3.1). */
	if (*s == ' ' || *s == '\t')
		return -CF_SIP_ERR_BAD_FOLDING;

	/* The first colon or line end, whichever comes first: a colon after
	 * the first line end is not this header's. */
	colon = sip_scan_find(sc, s, ~0ull, ~0ull);
	if (!colon)
		return -CF_SIP_ERR_TRUNCATED;
	if (*colon == ':') {
		first_eol = sip_scan_nl(sc, colon + 1);
		if (!first_eol)
			return -CF_SIP_ERR_TRUNCATED;
	} else {
		first_eol = colon;
		colon = NULL;
	}
	/* Folded lines: the field goes on while the next line starts with
	 * white space.  Whether the last line is folded is unknown until
	 * the byte after it arrives, so that comes before a missing colon. */
	eol = first_eol;
	for (;;) {
		if (eol + 1 >= end)
			return -CF_SIP_ERR_TRUNCATED;
		if (eol[1] != ' ' && eol[1] != '\t')
			break;
		eol = sip_scan_nl(sc, eol + 1);
		if (!eol)
			return -CF_SIP_ERR_TRUNCATED;
	}
	if (!colon)
		return -CF_SIP_ERR_NO_COLON;

	/* HCOLON allows white space before the colon. */
	ne = colon;
	while (ne > s && (ne[-1] == ' ' || ne[-1] == '\t'))
		ne--;
	if (ne == s)
		return -CF_SIP_ERR_BAD_HEADER_NAME;
	/* A name callfence knows is made of letters and '-' (sip_name_eq()
	 * lets nothing else match), so only the others need the token
	 * check; it has no branch per byte: names are short and almost
	 * always good, so fold the classes and test once. */
	l->type = sip_classify(s, (size_t)(ne - s));
	if (l->type == SIP_H_OTHER) {
		for (p = s, cls = SIP_C_TOKEN; p < ne; p++)
			cls &= sip_ctype[(uint8_t)*p];
		if (!cls)
			return memchr(s, '\0', (size_t)(ne - s)) ?
				       -CF_SIP_ERR_NUL_BYTE :
				       -CF_SIP_ERR_BAD_HEADER_NAME;
	}

	l->name = s;
	l->name_len = (size_t)(ne - s);
	l->val = colon + 1;
	l->val_len = (size_t)(eol - colon - 1);
	sip_trim(&l->val, &l->val_len);
	*q = eol + 1;
	return 1;
}

/*
 * Split a comma-separated header value into @arr (RFC 3261 §7.3.1).
 * Commas inside quoted strings and <...> are not separators.  Empty
 * values are skipped.  Returns 0 or -CF_SIP_ERR_TOO_MANY_HEADERS.
 */
static int
sip_push(struct cf_sip_span *arr, uint8_t *n, unsigned max, const char *v,
	 size_t len)
{
	sip_trim(&v, &len);
	if (!len)
		return 0;
	if (*n >= max)
		return -CF_SIP_ERR_TOO_MANY_HEADERS;
	arr[(*n)++] = sip_span(v, len);
	return 0;
}

static int
sip_split(const char *v, size_t len, struct cf_sip_span *arr, uint8_t *n,
	  unsigned max)
{
	const char *start = v, *gt;
	size_t i = 0;
	int rc;

	/* Most values are single: one memchr decides. */
	if (!memchr(v, ',', len))
		return sip_push(arr, n, max, v, len);
	/* URIs are most of the bytes: jump over <...> with memchr. */
	while (i < len) {
		switch (v[i]) {
		case '"':
			for (i++; i < len && v[i] != '"'; i++)
				if (v[i] == '\\')
					i++;	/* quoted-pair */
			break;
		case '<':
			gt = memchr(v + i + 1, '>', len - i - 1);
			i = gt ? (size_t)(gt - v) : len;
			break;
		case ',':
			rc = sip_push(arr, n, max, start, (size_t)(v + i - start));
			if (rc < 0)
				return rc;
			start = v + i + 1;
			break;
		}
		i++;
	}
	/* An unclosed quote or angle runs to the end of the value. */
	return sip_push(arr, n, max, start, (size_t)(v + len - start));
}

/* Decimal digits only, at most @max; false on anything else. */
static bool
sip_uint(const char *p, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len || len > 10)
		return false;
	for (i = 0; i < len; i++) {
		if (!sip_is(p[i], SIP_C_DIGIT))
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static int
sip_set_once(struct cf_sip_span *s, const char *v, size_t len)
{
	if (s->p)
		return -CF_SIP_ERR_DUPLICATE_HEADER;
	*s = sip_span(v, len);
	return 0;
}

static int
sip_content_length(struct cf_sip_msg *msg, const char *v, size_t len)
{
	uint32_t cl;

	if (!sip_uint(v, len, CF_SIP_MSG_MAX, &cl))
		return -CF_SIP_ERR_BAD_CONTENT_LENGTH;
	/* Two different lengths is how requests are smuggled past one
	 * parser to another: refuse. */
	if (msg->has_content_length && msg->content_length != cl)
		return -CF_SIP_ERR_BAD_CONTENT_LENGTH;
	msg->has_content_length = true;
	msg->content_length = cl;
	return 0;
}

/* CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16); the number is < 2**31. */
static int
sip_cseq(struct cf_sip_msg *msg, const char *v, size_t len)
{
	size_t i = 0, m;

	if (msg->cseq_method.p)
		return -CF_SIP_ERR_DUPLICATE_HEADER;
	while (i < len && sip_is(v[i], SIP_C_DIGIT))
		i++;
	if (!sip_uint(v, i, 0x7fffffff, &msg->cseq))
		return -CF_SIP_ERR_BAD_CSEQ;
	m = i;
	while (m < len && sip_is(v[m], SIP_C_LWS))
		m++;
	if (m == i || m == len)
		return -CF_SIP_ERR_BAD_CSEQ;
	for (i = m; i < len; i++)
		if (!sip_is(v[i], SIP_C_TOKEN))
			return -CF_SIP_ERR_BAD_CSEQ;
	msg->cseq_method = sip_span(v + m, len - m);
	return 0;
}

static int
sip_header(struct cf_sip_msg *msg, const struct sip_line *l)
{
	const char *v = l->val;
	size_t len = l->val_len;
	uint32_t mf;
	uint8_t one;

	msg->n_headers++;
	switch (l->type) {
	case SIP_H_OTHER:
		return 0;
	case SIP_H_VIA:
		return sip_split(v, len, msg->via, &msg->n_via, CF_SIP_VIA_MAX);
	case SIP_H_FROM:
		return sip_set_once(&msg->from, v, len);
	case SIP_H_TO:
		return sip_set_once(&msg->to, v, len);
	case SIP_H_CALL_ID:
		return sip_set_once(&msg->call_id, v, len);
	case SIP_H_CSEQ:
		return sip_cseq(msg, v, len);
	case SIP_H_CONTACT:
		/* Only the first value is kept: a local array, then copy. */
		if (!msg->contact.p) {
			struct cf_sip_span first[1];

			one = 0;
			/* More values than one are fine here. */
			sip_split(v, len, first, &one, 1);
			if (one)
				msg->contact = first[0];
		}
		return 0;
	case SIP_H_MAX_FORWARDS:
		if (msg->has_max_forwards)
			return -CF_SIP_ERR_DUPLICATE_HEADER;
		if (!sip_uint(v, len, 255, &mf))
			return -CF_SIP_ERR_BAD_MAX_FORWARDS;
		msg->max_forwards = (uint8_t)mf;
		msg->has_max_forwards = true;
		return 0;
	case SIP_H_CONTENT_LENGTH:
		return sip_content_length(msg, v, len);
	case SIP_H_CONTENT_TYPE:
		return sip_set_once(&msg->content_type, v, len);
	case SIP_H_PAI:
		return sip_split(v, len, msg->pai, &msg->n_pai, CF_SIP_PAI_MAX);
	case SIP_H_PPI:
		return sip_split(v, len, msg->ppi, &msg->n_ppi, CF_SIP_PPI_MAX);
	case SIP_H_RPID:
		return sip_split(v, len, msg->rpid, &msg->n_rpid,
				 CF_SIP_RPID_MAX);
	case SIP_H_PRIVACY:
		if (msg->n_privacy >= CF_SIP_PRIVACY_MAX)
			return -CF_SIP_ERR_TOO_MANY_HEADERS;
		msg->privacy[msg->n_privacy++] = sip_span(v, len);
		return 0;
	case SIP_H_DIVERSION:
		return sip_split(v, len, msg->diversion, &msg->n_diversion,
				 CF_SIP_DIVERSION_MAX);
	case SIP_H_HISTORY_INFO:
		return sip_split(v, len, msg->history, &msg->n_history,
				 CF_SIP_HISTORY_MAX);
	case SIP_H_IDENTITY:
		/* Several are allowed (one per credential); keep the first. */
		if (!msg->n_identity)
			msg->identity = sip_span(v, len);
		if (msg->n_identity < UINT8_MAX)
			msg->n_identity++;
		return 0;
	}
	return 0;
}

/* "SIP/2.0", case-insensitive (the protocol name is a token). */
static bool
sip_version(const char *p, size_t len)
{
	return len == 7 && sip_ieq(p, "sip/2.0", 7);
}

static int
sip_start_line(struct cf_sip_msg *msg, const char *p, size_t len)
{
	const char *sp1, *sp2;
	uint32_t status;
	size_t i;

	if (len >= 4 && sip_ieq(p, "sip/", 4)) {
		/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
		sp1 = memchr(p, ' ', len);
		if (!sp1 || !sip_version(p, (size_t)(sp1 - p)))
			return -CF_SIP_ERR_BAD_VERSION;
		i = (size_t)(sp1 - p) + 1;
		if (len - i < 3 || (len - i > 3 && p[i + 3] != ' ') ||
		    !sip_uint(p + i, 3, 699, &status) || status < 100)
			return -CF_SIP_ERR_BAD_STATUS;
		msg->request = false;
		msg->status = (uint16_t)status;
		if (len - i > 4)
			msg->reason = sip_span(p + i + 4, len - i - 4);
		return 0;
	}

	/* Request-Line = Method SP Request-URI SP SIP-Version */
	sp1 = memchr(p, ' ', len);
	if (!sp1 || sp1 == p)
		return -CF_SIP_ERR_BAD_START_LINE;
	for (i = 0; i < (size_t)(sp1 - p); i++)
		if (!sip_is(p[i], SIP_C_TOKEN))
			return -CF_SIP_ERR_BAD_START_LINE;
	sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - p));
	if (!sp2 || sp2 == sp1 + 1)
		return -CF_SIP_ERR_BAD_START_LINE;
	i = len - (size_t)(sp2 + 1 - p);
	if (!sip_version(sp2 + 1, i)) {
		/* One word that is not SIP/2.0 is a version a server answers
		 * 505; more white space (RFC 4475 lwsruri, trws) or none at
		 * all is a malformed line, answered 400 (RFC 3261 §8.2). */
		if (!i || memchr(sp2 + 1, ' ', i) || memchr(sp2 + 1, '\t', i))
			return -CF_SIP_ERR_BAD_START_LINE;
		return -CF_SIP_ERR_BAD_VERSION;
	}
	msg->request = true;
	msg->method_name = sip_span(p, (size_t)(sp1 - p));
	msg->method = (uint8_t)sip_method(p, (size_t)(sp1 - p));
	msg->ruri = sip_span(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	return 0;
}

/*
 * Whether every NUL in [@p, @end) is the second byte of a quoted-pair:
 * RFC 3261 §25.1 lets "\" escape any byte but LF and CR in a quoted
 * string.  A NUL after an odd run of backslashes is escaped; whether the
 * run is inside quotes is not tracked, which lets through only escaped
 * NULs outside quotes, as harmless to every reader as those inside.
 */
static bool
sip_nuls_escaped(const char *p, const char *end)
{
	const char *z = p, *b;

	while (z < end && (z = memchr(z, '\0', (size_t)(end - z)))) {
		for (b = z; b > p && b[-1] == '\\'; b--)
			;
		if (!((z - b) & 1))
			return false;
		z++;
	}
	return true;
}

/* Skip the empty lines RFC 3261 §7.5 says to ignore before a message. */
static size_t
sip_skip_crlf(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
		i++;
	return i;
}

static int
sip_check_mandatory(const struct cf_sip_msg *msg)
{
	if (!msg->n_via)
		return -CF_SIP_ERR_MISSING_VIA;
	if (!msg->from.len)
		return -CF_SIP_ERR_MISSING_FROM;
	if (!msg->to.len)
		return -CF_SIP_ERR_MISSING_TO;
	if (!msg->call_id.len)
		return -CF_SIP_ERR_MISSING_CALL_ID;
	if (!msg->cseq_method.p)
		return -CF_SIP_ERR_MISSING_CSEQ;
	return 0;
}

ssize_t
cf_sip_parse(struct cf_sip_msg *msg, const char *buf, size_t len,
	     unsigned flags)
{
	const char *p, *q, *end, *eol;
	size_t skip, avail, line_len;
	struct sip_scan sc;
	struct sip_line l;
	int rc;

	memset(msg, 0, offsetof(struct cf_sip_msg, via));
	msg->parsed.from_src.p = NULL;
	msg->parsed.to_src.p = NULL;
	msg->parsed.ruri_src.p = NULL;
	skip = sip_skip_crlf(buf, len);
	if (skip == len)
		return -CF_SIP_ERR_EMPTY;
	p = buf + skip;
	avail = len - skip;
	/* Never look past CF_SIP_MSG_MAX bytes, whatever the buffer. */
	end = p + (avail < CF_SIP_MSG_MAX ? avail : CF_SIP_MSG_MAX);
#define INCOMPLETE() \
	(avail > CF_SIP_MSG_MAX ? -CF_SIP_ERR_TOO_LONG : -CF_SIP_ERR_TRUNCATED)

	sip_scan_init(&sc, p, end);
	eol = sip_scan_nl(&sc, p);
	if (!eol)
		return INCOMPLETE();
	line_len = (size_t)(eol - p);
	if (line_len && eol[-1] == '\r')
		line_len--;
	if (sip_scan_nul_before(&sc, eol))
		return -CF_SIP_ERR_NUL_BYTE;
	rc = sip_start_line(msg, p, line_len);
	if (rc < 0)
		return rc;

	q = eol + 1;
	while ((rc = sip_next_header(&sc, &q, &l)) > 0) {
		rc = sip_header(msg, &l);
		if (rc < 0)
			return rc;
	}
	if (rc == -CF_SIP_ERR_TRUNCATED)
		return INCOMPLETE();
	if (rc < 0)
		return rc;
#undef INCOMPLETE
	msg->buf = p;
	msg->hdr_len = (uint32_t)(q - p);
	/* The scan saw every header byte: a NUL can hide a header from a
	 * C-string consumer further on.  Only a quoted-pair may hold one
	 * (RFC 4475 intmeth), and only then is the slow look needed. */
	if (sip_scan_nul_before(&sc, q) && !sip_nuls_escaped(eol + 1, q))
		return -CF_SIP_ERR_NUL_BYTE;

	rc = sip_check_mandatory(msg);
	if (rc < 0)
		return rc;
	if (msg->request) {
		/* §8.1.1.5: the CSeq method matches the request's. */
		if (msg->cseq_method.len != msg->method_name.len ||
		    memcmp(msg->cseq_method.p, msg->method_name.p,
			   msg->method_name.len))
			return -CF_SIP_ERR_BAD_CSEQ;
	} else {
		msg->method_name = msg->cseq_method;
		msg->method = (uint8_t)sip_method(msg->cseq_method.p,
						  msg->cseq_method.len);
	}

	if (msg->has_content_length) {
		if ((size_t)msg->hdr_len + msg->content_length > CF_SIP_MSG_MAX)
			return -CF_SIP_ERR_TOO_LONG;
		if ((size_t)msg->hdr_len + msg->content_length > avail)
			return -CF_SIP_ERR_TRUNCATED;
		msg->body = sip_span(q, msg->content_length);
	} else if (flags & CF_SIP_STREAM) {
		return -CF_SIP_ERR_MISSING_CONTENT_LENGTH;
	} else {
		if (avail > CF_SIP_MSG_MAX)
			return -CF_SIP_ERR_TOO_LONG;
		msg->body = sip_span(q, avail - msg->hdr_len);
	}
	if (!msg->body.len)
		msg->body.p = NULL;
	msg->len = msg->hdr_len + msg->body.len;
	return (ssize_t)(skip + msg->len);
}

ssize_t
cf_sip_message_length(const char *buf, size_t len)
{
	const char *p, *q, *end, *eol;
	size_t skip, avail, line_len;
	struct cf_sip_msg cl = { 0 };
	struct sip_scan sc;
	struct sip_line l;
	size_t total, i;
	int rc;

	skip = sip_skip_crlf(buf, len);
	if (skip == len)
		return 0;
	p = buf + skip;
	avail = len - skip;
	end = p + (avail < CF_SIP_MSG_MAX ? avail : CF_SIP_MSG_MAX);

	eol = memchr(p, '\n', (size_t)(end - p));
	line_len = eol ? (size_t)(eol - p) : (size_t)(end - p);
	/* Decide "not SIP" as early as the bytes allow, so a reassembler
	 * does not buffer 64 KiB of something else: a message starts with
	 * a token (the method, or "SIP" of the version). */
	for (i = 0; i < line_len && sip_is(p[i], SIP_C_TOKEN); i++)
		;
	if (i == 0 || (i < line_len && p[i] != ' ' && p[i] != '/'))
		return -CF_SIP_ERR_BAD_START_LINE;
	/* No control bytes in a start line (the CR of CRLF aside). */
	for (; i < line_len; i++)
		if ((uint8_t)p[i] < 0x20 && !(p[i] == '\r' && i + 1 == line_len))
			return -CF_SIP_ERR_BAD_START_LINE;
	if (!eol)
		return avail > CF_SIP_MSG_MAX ? -CF_SIP_ERR_TOO_LONG : 0;
	if (line_len && eol[-1] == '\r')
		line_len--;
	if (!(line_len >= 8 && sip_ieq(p, "sip/2.0 ", 8)) &&
	    !(line_len >= 8 && sip_ieq(p + line_len - 8, " sip/2.0", 8)))
		return -CF_SIP_ERR_BAD_START_LINE;

	q = eol + 1;
	sip_scan_init(&sc, q, end);
	while ((rc = sip_next_header(&sc, &q, &l)) > 0) {
		if (l.type != SIP_H_CONTENT_LENGTH)
			continue;
		rc = sip_content_length(&cl, l.val, l.val_len);
		if (rc < 0)
			return rc;
	}
	if (rc == -CF_SIP_ERR_TRUNCATED)
		return avail > CF_SIP_MSG_MAX ? -CF_SIP_ERR_TOO_LONG : 0;
	if (rc < 0)
		return rc;
	if (!cl.has_content_length)
		return -CF_SIP_ERR_MISSING_CONTENT_LENGTH;
	total = (size_t)(q - p) + cl.content_length;
	if (total > CF_SIP_MSG_MAX)
		return -CF_SIP_ERR_TOO_LONG;
	if (total > avail)
		return 0;
	return (ssize_t)(skip + total);
}
