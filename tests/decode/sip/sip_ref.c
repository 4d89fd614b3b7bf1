/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SIP decoder as it was before the speed work (engine/decode/sip at
 * commit a18260a: sip_private.h, sip_parse.c, sip_uri.c, sip_call.c),
 * renamed ref_* and kept unchanged otherwise: the oracle of
 * test_sip_diff.c.  It was reviewed, tested and fuzzed; the fast decoder
 * must agree with it on every message, good or bad.  Do not "fix" it:
 * a behaviour change belongs in the engine, with a test of its own, and
 * then here.
 */
/* SIP decoder internals shared by the message, URI and call-record code. */
#ifndef CALLFENCE_SIP_REF_PRIVATE_H
#define CALLFENCE_SIP_REF_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

static const uint8_t ref_ctype[256];
static const uint8_t ref_lower[256];

static inline bool
sip_is(char c, unsigned cls)
{
	return ref_ctype[(uint8_t)c] & cls;
}

/* @n bytes at @s equal the lower-case ASCII @lc, ignoring case. */
static inline bool
sip_ieq(const char *s, const char *lc, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ref_lower[(uint8_t)s[i]] != (uint8_t)lc[i])
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

#endif /* CALLFENCE_SIP_REF_PRIVATE_H */

/* ---- sip_parse.c ---- */
/*
 * SIP message parser (RFC 3261 §7): start line, header fields, body.
 *
 * Speed comes from touching each byte about once: memchr (vectorised in
 * glibc) finds line ends and colons, a header name is classified by its
 * length and first byte before one case-insensitive compare, and only the
 * values of headers callfence reads are looked at again (to split
 * comma-separated lists).  Nothing is copied or allocated.
 */

#include <stddef.h>
#include <string.h>

#include "sip_ref.h"



/*
 * Character classes (sip_private.h SIP_C_*) of the ASCII bytes; bytes
 * 0x80-0xff are in no class.  Generated from the RFC 3261 §25.1 token
 * set, SP HT CR LF, digits, hex digits, RFC 3986 scheme characters and
 * the digits + "+-.()" of a telephone number.
 */
static const uint8_t ref_ctype[256] = {
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
static const uint8_t ref_lower[256] = {
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
ref_sip_err_name(enum cf_sip_err err)
{
	return NAME_OF(err_names, err);
}

const char *
ref_sip_method_name(enum cf_sip_method method)
{
	return NAME_OF(method_names, method);
}

const char *
ref_sip_scheme_name(enum cf_sip_scheme scheme)
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

/*
 * Classify a header name by its length and first byte, then one compare:
 * a handful of byte loads per header instead of a strcasecmp cascade.
 * Compact forms: RFC 3261 §7.3.3 (v f t i m l c), RFC 8224 (y).
 */
static enum sip_hdr
sip_classify(const char *n, size_t len)
{
	uint8_t c = ref_lower[(uint8_t)n[0]];

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
		if (sip_ieq(n, "to", 2))
			return SIP_H_TO;
		break;
	case 3:
		if (sip_ieq(n, "via", 3))
			return SIP_H_VIA;
		break;
	case 4:
		if (c == 'f' && sip_ieq(n, "from", 4))
			return SIP_H_FROM;
		if (c == 'c' && sip_ieq(n, "cseq", 4))
			return SIP_H_CSEQ;
		break;
	case 7:
		if (c == 'c' && sip_ieq(n, "call-id", 7))
			return SIP_H_CALL_ID;
		if (c == 'c' && sip_ieq(n, "contact", 7))
			return SIP_H_CONTACT;
		if (c == 'p' && sip_ieq(n, "privacy", 7))
			return SIP_H_PRIVACY;
		break;
	case 8:
		if (sip_ieq(n, "identity", 8))
			return SIP_H_IDENTITY;
		break;
	case 9:
		if (sip_ieq(n, "diversion", 9))
			return SIP_H_DIVERSION;
		break;
	case 12:
		if (c == 'm' && sip_ieq(n, "max-forwards", 12))
			return SIP_H_MAX_FORWARDS;
		if (c == 'c' && sip_ieq(n, "content-type", 12))
			return SIP_H_CONTENT_TYPE;
		if (c == 'h' && sip_ieq(n, "history-info", 12))
			return SIP_H_HISTORY_INFO;
		break;
	case 14:
		if (sip_ieq(n, "content-length", 14))
			return SIP_H_CONTENT_LENGTH;
		break;
	case 15:
		if (sip_ieq(n, "remote-party-id", 15))
			return SIP_H_RPID;
		break;
	case 19:
		if (sip_ieq(n, "p-asserted-identity", 19))
			return SIP_H_PAI;
		break;
	case 20:
		if (sip_ieq(n, "p-preferred-identity", 20))
			return SIP_H_PPI;
		break;
	}
	return SIP_H_OTHER;
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

/* One header field: its name and its value, trimmed, folding included. */
struct sip_line {
	const char *name;
	size_t name_len;
	const char *val;
	size_t val_len;
};

/*
 * Read the header field at *@q, not reading at or past @end.  Returns 1
 * and advances *@q past the field (continuation lines included), 0 at
 * the empty line ending the headers (consumed), or a negated error;
 * -CF_SIP_ERR_TRUNCATED when the bytes end first.
 */
static int
sip_next_header(const char **q, const char *end, struct sip_line *l)
{
	const char *s = *q, *eol, *first_eol, *colon, *ne, *p;
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

	first_eol = memchr(s, '\n', (size_t)(end - s));
	if (!first_eol)
		return -CF_SIP_ERR_TRUNCATED;
	/* Folded lines: the field goes on while the next line starts with
	 * white space.  Whether the last line is folded is unknown until
	 * the byte after it arrives. */
	eol = first_eol;
	for (;;) {
		if (eol + 1 >= end)
			return -CF_SIP_ERR_TRUNCATED;
		if (eol[1] != ' ' && eol[1] != '\t')
			break;
		eol = memchr(eol + 1, '\n', (size_t)(end - eol - 1));
		if (!eol)
			return -CF_SIP_ERR_TRUNCATED;
	}

	colon = memchr(s, ':', (size_t)(first_eol - s));
	if (!colon)
		return -CF_SIP_ERR_NO_COLON;
	/* HCOLON allows white space before the colon. */
	ne = colon;
	while (ne > s && (ne[-1] == ' ' || ne[-1] == '\t'))
		ne--;
	if (ne == s)
		return -CF_SIP_ERR_BAD_HEADER_NAME;
	/* Token check without a branch per byte: names are short and
	 * almost always good, so fold the classes and test once. */
	for (p = s, cls = SIP_C_TOKEN; p < ne; p++)
		cls &= ref_ctype[(uint8_t)*p];
	if (!cls)
		return memchr(s, '\0', (size_t)(ne - s)) ?
			       -CF_SIP_ERR_NUL_BYTE : -CF_SIP_ERR_BAD_HEADER_NAME;

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
	switch (sip_classify(l->name, l->name_len)) {
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
	if (!sip_version(sp2 + 1, len - (size_t)(sp2 + 1 - p)))
		return -CF_SIP_ERR_BAD_VERSION;
	msg->request = true;
	msg->method_name = sip_span(p, (size_t)(sp1 - p));
	msg->method = (uint8_t)sip_method(p, (size_t)(sp1 - p));
	msg->ruri = sip_span(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	return 0;
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
ref_sip_parse(struct cf_sip_msg *msg, const char *buf, size_t len,
	     unsigned flags)
{
	const char *p, *q, *end, *eol;
	size_t skip, avail, line_len;
	struct sip_line l;
	int rc;

	memset(msg, 0, offsetof(struct cf_sip_msg, via));
	skip = sip_skip_crlf(buf, len);
	if (skip == len)
		return -CF_SIP_ERR_EMPTY;
	p = buf + skip;
	avail = len - skip;
	/* Never look past CF_SIP_MSG_MAX bytes, whatever the buffer. */
	end = p + (avail < CF_SIP_MSG_MAX ? avail : CF_SIP_MSG_MAX);
#define INCOMPLETE() \
	(avail > CF_SIP_MSG_MAX ? -CF_SIP_ERR_TOO_LONG : -CF_SIP_ERR_TRUNCATED)

	eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		return INCOMPLETE();
	line_len = (size_t)(eol - p);
	if (line_len && eol[-1] == '\r')
		line_len--;
	if (memchr(p, '\0', line_len))
		return -CF_SIP_ERR_NUL_BYTE;
	rc = sip_start_line(msg, p, line_len);
	if (rc < 0)
		return rc;

	q = eol + 1;
	while ((rc = sip_next_header(&q, end, &l)) > 0) {
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
	/* One vector pass over the whole header block: a NUL can hide a
	 * header from a C-string consumer further on. */
	if (memchr(eol, '\0', (size_t)(q - eol)))
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
ref_sip_message_length(const char *buf, size_t len)
{
	const char *p, *q, *end, *eol;
	size_t skip, avail, line_len;
	struct cf_sip_msg cl = { 0 };
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
	while ((rc = sip_next_header(&q, end, &l)) > 0) {
		if (sip_classify(l.name, l.name_len) != SIP_H_CONTENT_LENGTH)
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

/* ---- sip_uri.c ---- */
/*
 * SIP and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966) and name-addr
 * header values (§20.10): spans into the value, parsed on demand.
 */

#include <string.h>




/* Index of the first @c in [p, p + len), or len. */
static size_t
sip_find(const char *p, size_t len, char c)
{
	const char *hit = memchr(p, c, len);

	return hit ? (size_t)(hit - p) : len;
}

static struct cf_sip_span
sip_span_after(const char *p, size_t len, size_t at)
{
	return at < len ? sip_span(p + at + 1, len - at - 1) : sip_span(NULL, 0);
}

/* host [":" port], or an IPv6 reference "[...]" [":" port]. */
static int
sip_hostport(const char *p, size_t len, struct cf_sip_uri *uri)
{
	const char *pp = NULL, *rb;
	size_t plen = 0, i;
	uint32_t port = 0;

	if (!len)
		return -CF_SIP_ERR_BAD_URI;
	if (p[0] == '[') {
		rb = memchr(p, ']', len);
		if (!rb || rb == p + 1)
			return -CF_SIP_ERR_BAD_URI;
		uri->host = sip_span(p, (size_t)(rb - p + 1));
		if (rb + 1 < p + len) {
			if (rb[1] != ':')
				return -CF_SIP_ERR_BAD_URI;
			pp = rb + 2;
			plen = len - (size_t)(pp - p);
			if (!plen)
				return -CF_SIP_ERR_BAD_URI;
		}
	} else {
		/* The port follows the last colon.  An IPv6 literal without
		 * brackets (seen in the wild, not RFC 3261) is kept whole
		 * unless its last group is all decimal digits. */
		for (i = len; i > 0 && p[i - 1] != ':'; i--)
			;
		uri->host = sip_span(p, len);
		if (i > 0) {
			pp = p + i;
			plen = len - i;
			for (i = 0; i < plen; i++)
				if (!sip_is(pp[i], SIP_C_DIGIT))
					break;
			if (i == plen && plen && plen <= 5)
				uri->host.len = (uint32_t)(pp - 1 - p);
			else if (memchr(p, ':', (size_t)(pp - 1 - p)))
				pp = NULL;	/* bare IPv6: no port */
			else
				return -CF_SIP_ERR_BAD_URI;
		}
		if (!uri->host.len)
			return -CF_SIP_ERR_BAD_URI;
	}
	if (pp) {
		for (i = 0; i < plen; i++) {
			if (!sip_is(pp[i], SIP_C_DIGIT) || i >= 5)
				return -CF_SIP_ERR_BAD_URI;
			port = port * 10 + (uint32_t)(pp[i] - '0');
		}
		if (port > 65535)
			return -CF_SIP_ERR_BAD_URI;
		uri->port = (uint16_t)port;
	}
	return 0;
}

int
ref_sip_parse_uri(const char *p, size_t len, struct cf_sip_uri *uri)
{
	const char *r, *at;
	size_t i, rlen, hp_end, q, ul, semi;
	struct cf_sip_span v;
	int rc;

	memset(uri, 0, sizeof(*uri));
	sip_trim(&p, &len);
	for (i = 0; i < len && sip_is(p[i], SIP_C_SCHEME); i++)
		;
	if (i == 0 || i == len || p[i] != ':')
		return -CF_SIP_ERR_BAD_URI;
	/* A URI has no white space; folding inside one is not valid. */
	for (q = i; q < len; q++)
		if (sip_is(p[q], SIP_C_LWS) || !p[q])
			return -CF_SIP_ERR_BAD_URI;
	uri->all = sip_span(p, len);
	if (i == 3 && sip_ieq(p, "sip", 3))
		uri->scheme = CF_SIP_SCHEME_SIP;
	else if (i == 4 && sip_ieq(p, "sips", 4))
		uri->scheme = CF_SIP_SCHEME_SIPS;
	else if (i == 3 && sip_ieq(p, "tel", 3))
		uri->scheme = CF_SIP_SCHEME_TEL;
	else
		return 0;	/* absoluteURI: nothing more to read */
	r = p + i + 1;
	rlen = len - i - 1;

	if (uri->scheme == CF_SIP_SCHEME_TEL) {
		/* telephone-subscriber = number *( ";" par ) */
		semi = sip_find(r, rlen, ';');
		if (!semi)
			return -CF_SIP_ERR_BAD_URI;
		uri->user = sip_span(r, semi);
		uri->params = sip_span_after(r, rlen, semi);
		return 0;
	}

	/* userinfo "@" hostport uri-parameters [ "?" headers ].  '?' cannot
	 * be in userinfo, '@' cannot be anywhere after it unescaped. */
	q = sip_find(r, rlen, '?');
	uri->headers = sip_span_after(r, rlen, q);
	at = memchr(r, '@', q);
	if (at) {
		ul = sip_find(r, (size_t)(at - r), ':');	/* password */
		semi = sip_find(r, ul, ';');
		uri->user = sip_span(r, semi);
		if (semi < ul)
			uri->user_params = sip_span(r + semi + 1, ul - semi - 1);
		r = at + 1;
		q -= (size_t)(r - (p + i + 1));
	}
	hp_end = sip_find(r, q, ';');
	rc = sip_hostport(r, hp_end, uri);
	if (rc < 0)
		return rc;
	if (hp_end < q)
		uri->params = sip_span(r + hp_end + 1, q - hp_end - 1);
	if (ref_sip_param(&uri->params, "user", &v) &&
	    sip_span_ieq(&v, "phone", 5))
		uri->user_phone = true;
	return 0;
}

bool
ref_sip_param(const struct cf_sip_span *params, const char *name,
	     struct cf_sip_span *value)
{
	const char *p = params->p;
	size_t len = params->p ? params->len : 0;
	size_t nlen = strlen(name), i = 0, ns, ne, vs;
	bool quoted;

	while (i < len) {
		while (i < len && (p[i] == ';' || sip_is(p[i], SIP_C_LWS)))
			i++;
		ns = i;
		while (i < len && p[i] != '=' && p[i] != ';' &&
		       !sip_is(p[i], SIP_C_LWS))
			i++;
		ne = i;
		while (i < len && sip_is(p[i], SIP_C_LWS))
			i++;
		vs = i;
		if (i < len && p[i] == '=') {
			i++;
			while (i < len && sip_is(p[i], SIP_C_LWS))
				i++;
			vs = i;
			quoted = false;
			for (; i < len; i++) {
				if (quoted && p[i] == '\\')
					i++;
				else if (p[i] == '"')
					quoted = !quoted;
				else if (!quoted && p[i] == ';')
					break;
			}
			if (i > len)
				i = len;
		}
		if (ne - ns == nlen && nlen && sip_ieq(p + ns, name, nlen)) {
			size_t ve = i;
			const char *vp = p + vs;

			if (ve < vs)
				ve = vs;
			ve -= vs;
			sip_trim(&vp, &ve);
			*value = sip_span(vp, ve);
			return true;
		}
		if (i == ns)
			i++;	/* not a parameter at all: step over it */
	}
	return false;
}

int
ref_sip_parse_addr(const char *p, size_t len, struct cf_sip_addr *addr)
{
	const char *lt, *gt, *rest;
	size_t i, rlen, ulen;
	int rc;

	memset(addr, 0, sizeof(*addr));
	sip_trim(&p, &len);
	if (!len)
		return -CF_SIP_ERR_BAD_URI;

	if (p[0] == '"') {
		/* quoted-string: '\' escapes the next byte, '<' '>' are text */
		for (i = 1; i < len && p[i] != '"'; i++)
			if (p[i] == '\\')
				i++;
		if (i >= len)
			return -CF_SIP_ERR_BAD_URI;
		addr->display = sip_span(p + 1, i - 1);
		for (i++; i < len && sip_is(p[i], SIP_C_LWS); i++)
			;
		if (i >= len || p[i] != '<')
			return -CF_SIP_ERR_BAD_URI;
		lt = p + i;
	} else {
		lt = memchr(p, '<', len);
		if (lt) {
			const char *d = p;
			size_t dl = (size_t)(lt - p);

			sip_trim(&d, &dl);
			if (dl)
				addr->display = sip_span(d, dl);
		}
	}

	if (lt) {
		gt = memchr(lt, '>', len - (size_t)(lt - p));
		if (!gt)
			return -CF_SIP_ERR_BAD_URI;
		addr->angle = true;
		rc = ref_sip_parse_uri(lt + 1, (size_t)(gt - lt - 1), &addr->uri);
		if (rc < 0)
			return rc;
		rest = gt + 1;
	} else {
		/* addr-spec: its ';' parameters belong to the header (§20). */
		ulen = 0;
		while (ulen < len && p[ulen] != ';' &&
		       !sip_is(p[ulen], SIP_C_LWS))
			ulen++;
		rc = ref_sip_parse_uri(p, ulen, &addr->uri);
		if (rc < 0)
			return rc;
		rest = p + ulen;
	}
	rlen = len - (size_t)(rest - p);
	sip_trim(&rest, &rlen);
	if (rlen) {
		if (rest[0] != ';')
			return -CF_SIP_ERR_BAD_URI;
		addr->params = sip_span(rest + 1, rlen - 1);
		ref_sip_param(&addr->params, "tag", &addr->tag);
	}
	return 0;
}

static int
sip_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)ref_lower[(uint8_t)c];
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Byte @i of @s %-decoded; *@adv is how many input bytes it took. */
static char
sip_unescape_at(const struct cf_sip_span *s, size_t i, size_t *adv)
{
	int hi, lo;

	if (s->p[i] == '%' && i + 2 < s->len) {
		hi = sip_hexval(s->p[i + 1]);
		lo = sip_hexval(s->p[i + 2]);
		if (hi >= 0 && lo >= 0) {
			*adv = 3;
			return (char)(hi << 4 | lo);
		}
	}
	*adv = 1;
	return s->p[i];
}

static void
sip_put(char *dst, size_t size, size_t *n, char c)
{
	if (*n + 1 < size)
		dst[*n] = c;
	(*n)++;
}

int
ref_sip_uri_number(const struct cf_sip_uri *uri, char *dst, size_t dst_size)
{
	const struct cf_sip_span *user = &uri->user;
	struct cf_sip_span ctx, params;
	size_t i, adv, n = 0;
	char c, first;

	if (!user->p)
		return -1;
	params = uri->scheme == CF_SIP_SCHEME_TEL ? uri->params :
						    uri->user_params;
	first = user->len ? sip_unescape_at(user, 0, &adv) : '\0';
	/* RFC 3966 §5.1.5: a local number's context, when it is a global
	 * number, is the number's prefix. */
	if (first != '+' && ref_sip_param(&params, "phone-context", &ctx) &&
	    ctx.len && ctx.p[0] == '+') {
		for (i = 0; i < ctx.len; i++)
			if (ctx.p[i] == '+' || sip_is(ctx.p[i], SIP_C_DIGIT))
				sip_put(dst, dst_size, &n, ctx.p[i]);
	}
	for (i = 0; i < user->len; i += adv) {
		c = sip_unescape_at(user, i, &adv);
		sip_put(dst, dst_size, &n, c);
	}
	if (dst_size)
		dst[n < dst_size ? n : dst_size - 1] = '\0';
	return (int)n;
}

bool
ref_sip_uri_has_number(const struct cf_sip_uri *uri)
{
	const struct cf_sip_span *user = &uri->user;
	bool digit = false;
	size_t i, adv;
	char c;

	if (!user->p)
		return false;
	for (i = 0; i < user->len; i += adv) {
		c = sip_unescape_at(user, i, &adv);
		if (!sip_is(c, SIP_C_PHONE))
			return false;
		if (sip_is(c, SIP_C_DIGIT))
			digit = true;
	}
	return digit;
}

/* ---- sip_call.c ---- */
/*
 * From a parsed SIP message to the call record rules read.
 *
 * Which header names which party follows how carriers use them: the
 * network-asserted identity (RFC 3325) before the user-supplied From, the
 * Request-URI (where the call is routed) before To (what the caller
 * dialled, possibly long ago), Diversion (RFC 5806) before History-Info
 * (RFC 7044) because gateways to ISUP still write Diversion.
 */

#include <string.h>




/* Bytes of a number's text before normalisation: far more than the 15
 * digits of E.164, so visual separators and a phone-context fit. */
#define SIP_NUM_MAX	64

/*
 * Q.850 cause of a final failure response, after RFC 3398 §8.2.6.1
 * (which maps ISUP to SIP; this is its inverse where it is one-to-one).
 * Codes not listed map to 127, interworking unspecified.
 */
static const struct {
	uint16_t status;
	uint8_t cause;
} sip_causes[] = {
	{ 400, 41 }, { 401, 21 }, { 402, 21 }, { 403, 21 }, { 404, 1 },
	{ 405, 63 }, { 406, 79 }, { 407, 21 }, { 408, 102 }, { 410, 22 },
	{ 480, 18 }, { 481, 41 }, { 482, 25 }, { 483, 25 }, { 484, 28 },
	{ 485, 1 }, { 486, 17 }, { 487, 16 }, { 500, 41 }, { 501, 79 },
	{ 502, 38 }, { 503, 41 }, { 504, 102 }, { 600, 17 }, { 603, 21 },
	{ 604, 1 }, { 606, 58 }, { 608, 21 },
};

static uint16_t
sip_release_cause(uint16_t status)
{
	size_t i;

	for (i = 0; i < sizeof(sip_causes) / sizeof(sip_causes[0]); i++)
		if (sip_causes[i].status == status)
			return sip_causes[i].cause;
	return 127;
}

/*
 * Record the number @uri carries as @role.  The normaliser reads the
 * %-decoded text; raw keeps the user part as received, as the comment of
 * ref_sip_to_call() promises.  Returns false when the URI has no user part.
 */
static bool
sip_set_party(struct cf_call *call, enum cf_party_role role,
	      const struct cf_numplan *plan, const struct cf_sip_uri *uri)
{
	struct cf_party *party = &call->party[role];
	char num[SIP_NUM_MAX];
	size_t keep;
	int n;

	n = ref_sip_uri_number(uri, num, sizeof(num));
	if (n <= 0)
		return false;
	if ((size_t)n >= sizeof(num))
		n = sizeof(num) - 1;	/* already too long for E.164 */
	cf_call_set_party(call, role, plan, num, (size_t)n, CF_NAI_UNKNOWN);

	if (uri->user.len != (uint32_t)n ||
	    memcmp(uri->user.p, num, (size_t)n)) {
		keep = uri->user.len < CF_RAW_MAX - 1 ? uri->user.len :
							CF_RAW_MAX - 1;
		memcpy(party->raw, uri->user.p, keep);
		party->raw[keep] = '\0';
		party->raw_len = (uint8_t)keep;
		party->raw_truncated = keep < uri->user.len;
	}
	return true;
}

/* An address header value's URI, or NULL if it does not parse. */
static const struct cf_sip_uri *
sip_addr_uri(const struct cf_sip_span *v, struct cf_sip_addr *addr)
{
	if (!v->len || ref_sip_parse_addr(v->p, v->len, addr) < 0)
		return NULL;
	return &addr->uri;
}

/* RFC 3323 §4.2: "id" (RFC 3325), "header" and "user" hide the caller;
 * "none" and "session" do not. */
static bool
sip_privacy_restricted(const struct cf_sip_msg *msg)
{
	const char *p;
	size_t i, j, len;
	unsigned k;

	for (k = 0; k < msg->n_privacy; k++) {
		p = msg->privacy[k].p;
		len = msg->privacy[k].len;
		for (i = 0; i < len; i = j + 1) {
			while (i < len && (p[i] == ';' || p[i] == ',' ||
					   sip_is(p[i], SIP_C_LWS)))
				i++;
			for (j = i; j < len && sip_is(p[j], SIP_C_TOKEN); j++)
				;
			if ((j - i == 2 && sip_ieq(p + i, "id", 2)) ||
			    (j - i == 4 && sip_ieq(p + i, "user", 4)) ||
			    (j - i == 6 && sip_ieq(p + i, "header", 6)))
				return true;
		}
	}
	return false;
}

static int
sip_event(const struct cf_sip_msg *msg, struct cf_call *call)
{
	if (msg->request) {
		switch (msg->method) {
		case CF_SIP_METHOD_INVITE:
			call->event = CF_EVENT_SETUP;
			return 0;
		case CF_SIP_METHOD_BYE:
		case CF_SIP_METHOD_CANCEL:
			/* Normal clearing; a Reason header could say more. */
			call->event = CF_EVENT_RELEASE;
			call->release_cause = 16;
			return 0;
		}
		return -CF_SIP_ERR_NO_CALL_EVENT;
	}
	if (msg->method != CF_SIP_METHOD_INVITE || msg->status < 200)
		return -CF_SIP_ERR_NO_CALL_EVENT;
	if (msg->status < 300) {
		call->event = CF_EVENT_ANSWER;
	} else {
		call->event = CF_EVENT_RELEASE;
		call->release_cause = sip_release_cause(msg->status);
	}
	return 0;
}

int
ref_sip_to_call(const struct cf_sip_msg *msg, const struct cf_numplan *plan,
	       struct cf_call *call)
{
	const struct cf_sip_uri *uri;
	struct cf_sip_addr addr;
	struct cf_sip_uri ruri;
	bool caller = false;
	unsigned i;
	int rc;

	rc = sip_event(msg, call);
	if (rc < 0)
		return rc;
	call->proto = CF_PROTO_SIP;
	cf_call_set_sip_ref(call, msg->call_id.p, msg->call_id.len);

	/* Caller: a PAI that does not parse or carries no number (a sip:
	 * URI naming a user, say) is passed over, not an error. */
	for (i = 0; i < msg->n_pai && !caller; i++) {
		uri = sip_addr_uri(&msg->pai[i], &addr);
		if (uri && ref_sip_uri_has_number(uri))
			caller = sip_set_party(call, CF_PARTY_CALLER, plan, uri);
	}
	if (!caller) {
		uri = sip_addr_uri(&msg->from, &addr);
		if (!uri)
			return -CF_SIP_ERR_BAD_URI;
		/* "anonymous" goes in too: present, normalised as withheld. */
		sip_set_party(call, CF_PARTY_CALLER, plan, uri);
	}

	/* Callee: the Request-URI, To when it names no user (or this is a
	 * response, which has no Request-URI). */
	uri = NULL;
	if (msg->request) {
		if (ref_sip_parse_uri(msg->ruri.p, msg->ruri.len, &ruri) < 0)
			return -CF_SIP_ERR_BAD_URI;
		if (ruri.user.len)
			uri = &ruri;
	}
	if (!uri) {
		uri = sip_addr_uri(&msg->to, &addr);
		if (!uri)
			return -CF_SIP_ERR_BAD_URI;
	}
	sip_set_party(call, CF_PARTY_CALLEE, plan, uri);

	/* Redirecting: the topmost Diversion is the last diversion; one
	 * History-Info entry is just the original request, not a retarget. */
	if (msg->n_diversion) {
		call->forwarded = true;
		uri = sip_addr_uri(&msg->diversion[0], &addr);
		if (uri)
			sip_set_party(call, CF_PARTY_REDIRECTING, plan, uri);
	} else if (msg->n_history > 1) {
		call->forwarded = true;
		uri = sip_addr_uri(&msg->history[0], &addr);
		if (uri)
			sip_set_party(call, CF_PARTY_REDIRECTING, plan, uri);
	}

	call->presentation = sip_privacy_restricted(msg) ? CF_PRES_RESTRICTED :
							   CF_PRES_ALLOWED;
	call->party[CF_PARTY_CALLER].presentation = call->presentation;
	return 0;
}
