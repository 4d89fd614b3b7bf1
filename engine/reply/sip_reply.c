/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stateless SIP replies: see callfence/sip_reply.h. */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <callfence/hash.h>
#include <callfence/sip_reply.h>

/* An output buffer written like snprintf: @len counts everything asked
 * for, bytes beyond @size are dropped; end() terminates it.  put() writes
 * no NUL of its own so that cf_sip_reply() can copy an echo that lies
 * just past the write position without clobbering it. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static inline void
put(struct out *o, const char *s, size_t n)
{
	/* memmove: cf_sip_reply() copies its echo onto itself.  All of @n
	 * fits but at the very end: that case on its own, so that a put
	 * of a literal compiles to a few moves, not a byte loop bounded by
	 * the room left. */
	if (o->len + n < o->size)
		memmove(o->buf + o->len, s, n);
	else if (o->len < o->size)
		memmove(o->buf + o->len, s, o->size - o->len - 1);
	o->len += n;
}

static int
end(struct out *o)
{
	if (o->size > 0)
		o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
	return o->len > (size_t)(1u << 30) ? -1 : (int)o->len;
}

/* A failed build: an empty string and -1. */
static int
fail(char *buf, size_t size)
{
	if (size > 0)
		buf[0] = '\0';
	return -1;
}

static inline void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static bool
is_ctl(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

/* A string of the caller's (a phrase, a rule name, a Reason value) on
 * its line: control bytes are dropped, so none can end the line early
 * and start a header the caller did not mean. */
static void
put_text(struct out *o, const char *s)
{
	const char *start = s;

	for (; *s; s++) {
		if (is_ctl(*s) && *s != '\t') {
			put(o, start, (size_t)(s - start));
			start = s + 1;
		}
	}
	put(o, start, (size_t)(s - start));
}

static void
put_uint(struct out *o, unsigned int v)
{
	char tmp[12];
	size_t i = sizeof(tmp);

	/* By hand: snprintf costs more than the rest of a reply's line. */
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(o, tmp + i, sizeof(tmp) - i);
}

static bool
is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A header value as received, but a folded one on one line: a run of
 * white space containing CR or LF becomes one space (RFC 3261 §7.3.1
 * gives folding no meaning).  A CR or LF that is not folding (a bare CR,
 * which the parser leaves in a value) goes the same way, so no byte of
 * a value can end its line. */
static void
put_value(struct out *o, const struct cf_sip_span *v)
{
	size_t i = 0, start = 0;

	if (v->len == 0)
		return;
	/* Almost every value is on one line: copy it whole. */
	if (!memchr(v->p, '\n', v->len) && !memchr(v->p, '\r', v->len)) {
		put(o, v->p, v->len);
		return;
	}
	while (i < v->len) {
		size_t j;
		bool fold = false;

		if (!is_lws(v->p[i])) {
			i++;
			continue;
		}
		for (j = i; j < v->len && is_lws(v->p[j]); j++)
			if (v->p[j] == '\r' || v->p[j] == '\n')
				fold = true;
		if (fold) {
			put(o, v->p + start, i - start);
			put(o, " ", 1);
			start = j;
		}
		i = j;
	}
	put(o, v->p + start, v->len - start);
}

static void
put_header(struct out *o, const char *name, const struct cf_sip_span *v)
{
	puts_(o, name);
	put(o, ": ", 2);
	put_value(o, v);
	put(o, "\r\n", 2);
}

/* ---- The echo block ------------------------------------------------- */

/* What a response copies from its request (§8.2.6.2), wherever it was
 * read from: a parsed message, or the raw bytes of one that did not
 * parse (recover()).  Spans into the request. */
struct head {
	const struct cf_sip_span *via;
	unsigned int n_via;
	struct cf_sip_span from;
	struct cf_sip_span to;
	struct cf_sip_span call_id;
	struct cf_sip_span cseq_num;	/* digits as received */
	struct cf_sip_span cseq_method;
	uint32_t cseq;			/* valid when cseq_ok */
	bool cseq_ok;			/* else cseq_num is echoed as is */
	const struct cf_sip_msg *msg;	/* read from, or NULL (recover()) */
};

/* Address @v of @h as cf_sip_parse_addr() reads it, NULL if it does not
 * parse: from its message's kept parse when it has one (no user_phone:
 * the echo reads tags). */
static const struct cf_sip_addr *
head_addr(const struct head *h, const struct cf_sip_span *v,
	  struct cf_sip_addr *tmp)
{
	if (!v->p)
		return NULL;
	if (h->msg)
		return cf_sip_msg_addr(h->msg, v, tmp);
	return cf_sip_parse_addr(v->p, v->len, tmp) == 0 ? tmp : NULL;
}

static void
head_of(struct head *h, const struct cf_sip_msg *req)
{
	h->via = req->via;
	h->n_via = req->n_via;
	h->from = req->from;
	h->to = req->to;
	h->call_id = req->call_id;
	h->cseq_num.p = NULL;
	h->cseq_num.len = 0;
	h->cseq_method = req->cseq_method;
	h->cseq = req->cseq;
	h->cseq_ok = true;
	h->msg = req;
}

/* Mix a span into a running hash; an absent span differs from an empty
 * one only by position, which is enough here. */
static uint64_t
mix(uint64_t h, const struct cf_sip_span *s)
{
	return cf_hash64(h ^ (s->p ? cf_hash_bytes(s->p, s->len) : 0x5bd1e995));
}

static void
head_tag(const struct head *hd, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	struct cf_sip_span from_tag = { 0 }, branch = { 0 }, params;
	const struct cf_sip_addr *from;
	struct cf_sip_addr tmp;
	uint64_t h = 0x63616c6c66656e63ULL;	/* "callfenc" */
	unsigned int i;

	from = head_addr(hd, &hd->from, &tmp);
	if (from)
		from_tag = from->tag;
	else
		from_tag = hd->from;
	if (hd->n_via > 0) {
		const char *semi = memchr(hd->via[0].p, ';', hd->via[0].len);

		if (semi) {
			params.p = semi;
			params.len = (uint32_t)(hd->via[0].len -
						(uint32_t)(semi - hd->via[0].p));
			cf_sip_param(&params, "branch", &branch);
		}
	}
	h = mix(h, &hd->call_id);
	h = mix(h, &from_tag);
	h = mix(h, &branch);
	for (i = 0; i < 16; i++)
		buf[i] = hex[(h >> (60 - 4 * i)) & 0xf];
	buf[16] = '\0';
}

void
cf_sip_reply_tag(const struct cf_sip_msg *req, char *buf)
{
	struct head h;

	head_of(&h, req);
	head_tag(&h, buf);
}

/*
 * Every Via, From, To (tagged), Call-ID and CSeq of @h.  A To that does
 * not parse fails when @to_must_parse, else is echoed as received with
 * no tag added: where a tag would go in it is unknowable, and the 400 it
 * goes into is matched on Via and CSeq (§17.1.3), not on To.  Only a 400
 * from bytes (recover()) can lack From, To or Call-ID: what is not there
 * is left out, as §8.2.6.2 copies the request's fields and makes none up.
 */
static int
put_echo(struct out *o, const struct head *h, bool to_must_parse)
{
	const struct cf_sip_addr *to;
	struct cf_sip_addr tmp;
	unsigned int i;

	to = head_addr(h, &h->to, &tmp);
	if (!to && to_must_parse)
		return -1;
	for (i = 0; i < h->n_via; i++)
		put_header(o, "Via", &h->via[i]);
	if (h->from.p)
		put_header(o, "From", &h->from);
	if (h->to.p) {
		puts_(o, "To: ");
		put_value(o, &h->to);
		if (to && !to->tag.p) {
			/* §8.2.6.2: the UAS adds a tag to a To that has
			 * none; ours is derived from the request so
			 * retransmissions agree. */
			char tag[17];

			head_tag(h, tag);
			puts_(o, ";tag=");
			put(o, tag, 16);
		}
		put(o, "\r\n", 2);
	}
	if (h->call_id.p)
		put_header(o, "Call-ID", &h->call_id);
	puts_(o, "CSeq: ");
	if (h->cseq_ok)
		put_uint(o, h->cseq);
	else
		put_value(o, &h->cseq_num);
	put(o, " ", 1);
	put_value(o, &h->cseq_method);
	put(o, "\r\n", 2);
	return 0;
}

int
cf_sip_reply_echo(char *buf, size_t size, const struct cf_sip_msg *req)
{
	struct out o = { buf, size, 0 };
	struct head h;

	if (size > 0)
		buf[0] = '\0';
	if (!req->request)
		return -1;
	head_of(&h, req);
	if (put_echo(&o, &h, true) < 0)
		return fail(buf, size);
	return end(&o);
}

/* ---- The Contact of a 302 ------------------------------------------- */

/*
 * What a part of a URI may hold unescaped (RFC 3261 §25.1, RFC 3966),
 * besides unreserved characters and escapes.  ',' and '?' are left out
 * even where the grammar allows them (a user part): a reader that splits
 * Contact at commas, or a URI's headers at the first '?', without minding
 * the grammar would find a second URI or a header there.
 */
enum uri_part {
	URI_USER,	/* user-unreserved but , ?: & = + $ ; / */
	URI_PASSWORD,	/* & = + $ */
	URI_TEL,	/* a tel: number: digits, separators, + */
	URI_PARAMS,	/* param-unreserved [ ] / : & + $, and ; = between */
	URI_OPAQUE,	/* absoluteURI: uric but , ?, and [ ] */
};

/* One table of the classes above, so that a byte of a Contact costs one
 * load: every allowed 302 is rebuilt byte by byte. */
enum {
	UC_UNRESERVED = 1 << 0,	/* alphanum - _ . ! ~ * ' ( ) */
	UC_RESERVED = 1 << 1,	/* ; / ? : @ & = + $ , */
	UC_CTL = 1 << 2,
	UC_PART = 1 << 3,	/* UC_PART << part: allowed in that part */
};

#define UC_IS_UNRES(c) \
	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || \
	 ((c) >= '0' && (c) <= '9') || (c) == '-' || (c) == '_' || \
	 (c) == '.' || (c) == '!' || (c) == '~' || (c) == '*' || \
	 (c) == '\'' || (c) == '(' || (c) == ')')
#define UC_IS_RES(c) \
	((c) == ';' || (c) == '/' || (c) == '?' || (c) == ':' || (c) == '@' || \
	 (c) == '&' || (c) == '=' || (c) == '+' || (c) == '$' || (c) == ',')
#define UC_IS_USER(c) \
	((c) == '&' || (c) == '=' || (c) == '+' || (c) == '$' || (c) == ';' || \
	 (c) == '/')
#define UC_IS_PASSWORD(c) \
	((c) == '&' || (c) == '=' || (c) == '+' || (c) == '$')
#define UC_IS_TEL(c) ((c) == '+')
#define UC_IS_PARAMS(c) \
	((c) == '[' || (c) == ']' || (c) == '/' || (c) == ':' || (c) == '&' || \
	 (c) == '+' || (c) == '$' || (c) == ';' || (c) == '=')
#define UC_IS_OPAQUE(c) \
	((c) == ';' || (c) == '/' || (c) == ':' || (c) == '@' || (c) == '&' || \
	 (c) == '=' || (c) == '+' || (c) == '$' || (c) == '[' || (c) == ']')
#define UC(c) \
	((UC_IS_UNRES(c) ? UC_UNRESERVED : 0) | \
	 (UC_IS_RES(c) ? UC_RESERVED : 0) | \
	 ((c) < 0x20 || (c) == 0x7f ? UC_CTL : 0) | \
	 (UC_IS_USER(c) ? UC_PART << URI_USER : 0) | \
	 (UC_IS_PASSWORD(c) ? UC_PART << URI_PASSWORD : 0) | \
	 (UC_IS_TEL(c) ? UC_PART << URI_TEL : 0) | \
	 (UC_IS_PARAMS(c) ? UC_PART << URI_PARAMS : 0) | \
	 (UC_IS_OPAQUE(c) ? UC_PART << URI_OPAQUE : 0))
#define UC4(b) UC(b), UC((b) + 1), UC((b) + 2), UC((b) + 3)
#define UC16(b) UC4(b), UC4((b) + 4), UC4((b) + 8), UC4((b) + 12)
#define UC64(b) UC16(b), UC16((b) + 16), UC16((b) + 32), UC16((b) + 48)
static const uint8_t uri_class[256] = {
	UC64(0), UC64(64), UC64(128), UC64(192),
};

static unsigned int
uclass(char c)
{
	return uri_class[(unsigned char)c];
}

static bool
uri_unreserved(char c)
{
	return uclass(c) & UC_UNRESERVED;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The @len bytes at @p as part @part of a URI, each byte either copied
 * (allowed there), escaped (not reserved, so "%XX" means the same, RFC
 * 3261 §19.1.4: '"', '<', '>', '#', a '%' that escapes nothing, bytes
 * past ASCII) or refused (a reserved byte out of place: it would change
 * where the URI's parts are).  A control byte is refused raw or escaped:
 * an SBC that unescapes a user part to build its next request must not
 * find a line break in it.  Returns 0 or -1.
 */
static int
put_uri_part(struct out *o, const char *p, size_t len, enum uri_part part)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, run = 0;
	unsigned int ok = UC_UNRESERVED | (UC_PART << part), cls;
	int hi, lo;
	char esc[3];

	for (i = 0; i < len; i++) {
		char c = p[i];

		cls = uclass(c);
		if (cls & ok)
			continue;
		put(o, p + run, i - run);
		run = i + 1;
		if (c == '%' && i + 2 < len && (hi = hexval(p[i + 1])) >= 0 &&
		    (lo = hexval(p[i + 2])) >= 0) {
			if (is_ctl((char)(hi << 4 | lo)))
				return -1;
			put(o, p + i, 3);
			i += 2;
			run = i + 1;
			continue;
		}
		if (cls & (UC_CTL | UC_RESERVED))
			return -1;
		esc[0] = '%';
		esc[1] = hex[(unsigned char)c >> 4];
		esc[2] = hex[(unsigned char)c & 0xf];
		put(o, esc, 3);
	}
	put(o, p + run, len - run);
	return 0;
}

/* The bytes of a host, by kind: a table, as uri_class. */
enum {
	HC_NAME = 1 << 0,	/* hostname, IPv4: alphanum - . _ */
	HC_V6 = 1 << 1,		/* IPv6: hex digits : . */
};

#define HC_IS_NAME(c) \
	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || \
	 ((c) >= '0' && (c) <= '9') || (c) == '-' || (c) == '.' || (c) == '_')
#define HC_IS_V6(c) \
	(((c) >= '0' && (c) <= '9') || ((c) >= 'a' && (c) <= 'f') || \
	 ((c) >= 'A' && (c) <= 'F') || (c) == ':' || (c) == '.')
#define HC(c) ((HC_IS_NAME(c) ? HC_NAME : 0) | (HC_IS_V6(c) ? HC_V6 : 0))
#define HC4(b) HC(b), HC((b) + 1), HC((b) + 2), HC((b) + 3)
#define HC16(b) HC4(b), HC4((b) + 4), HC4((b) + 8), HC4((b) + 12)
#define HC64(b) HC16(b), HC16((b) + 16), HC16((b) + 32), HC16((b) + 48)
static const uint8_t host_class[256] = {
	HC64(0), HC64(64), HC64(128), HC64(192),
};

/* A host as a URI may carry it: a hostname or IPv4 address (letters,
 * digits, '-', '.', and the '_' real hosts have), or an IPv6 address,
 * bracketed as it must be ("[...]"), or bare as in captures, which is
 * written bracketed.  Anything else is refused. */
static int
put_host(struct out *o, const struct cf_sip_span *h)
{
	const char *p = h->p;
	size_t len = h->len, i;
	bool v6 = false;
	unsigned int want;

	if (len >= 2 && p[0] == '[' && p[len - 1] == ']') {
		v6 = true;
		p++;
		len -= 2;
	} else if (memchr(p, ':', len)) {
		v6 = true;
	}
	if (!len)
		return -1;
	want = v6 ? HC_V6 : HC_NAME;
	for (i = 0; i < len; i++)
		if (!(host_class[(unsigned char)p[i]] & want))
			return -1;
	if (v6)
		put(o, "[", 1);
	put(o, p, len);
	if (v6)
		put(o, "]", 1);
	return 0;
}

/*
 * The Contact URI of a 302 for Request-URI @ruri, rebuilt from its
 * parsed parts (cf_sip_parse_uri()) and never copied whole: every byte
 * written is either one the grammar allows in the part it is in, or an
 * escape, so nothing in it can close the angle brackets around it, start
 * a second URI or a header.  Headers ("?...") are dropped: a 3xx
 * Contact's headers are put into the redirected request (§19.1.5),
 * which is the caller's to choose, not ours to relay.
 */
/* ";params" of @u, each byte of its class, or nothing; -1 on a byte that
 * cannot be written. */
static int
put_params(struct out *o, const struct cf_sip_uri *u)
{
	if (!u->params.p)
		return 0;
	put(o, ";", 1);
	return put_uri_part(o, u->params.p, u->params.len, URI_PARAMS) < 0 ?
	       -1 : 0;
}

static int
put_contact_uri(struct out *o, const struct cf_sip_uri *up)
{
	const struct cf_sip_uri u = *up;
	const char *rest, *at, *colon, *e;
	size_t slen;

	/* The scheme is made of scheme characters (the parser checked). */
	slen = (size_t)((const char *)memchr(u.all.p, ':', u.all.len) -
			u.all.p);
	put(o, u.all.p, slen + 1);
	rest = u.all.p + slen + 1;
	e = u.all.p + u.all.len;

	switch (u.scheme) {
	case CF_SIP_SCHEME_SIP:
	case CF_SIP_SCHEME_SIPS:
		if (u.user.p) {
			/* userinfo: from the scheme's ':' to the '@' that
			 * the host follows; "sip:@h" has none to write. */
			at = u.host.p - 1;
			if (at <= rest || *at != '@')
				return -1;
			colon = memchr(rest, ':', (size_t)(at - rest));
			if (put_uri_part(o, rest,
					 (size_t)((colon ? colon : at) - rest),
					 URI_USER) < 0)
				return -1;
			if (colon) {
				put(o, ":", 1);
				if (put_uri_part(o, colon + 1,
						 (size_t)(at - colon - 1),
						 URI_PASSWORD) < 0)
					return -1;
			}
			put(o, "@", 1);
		}
		if (put_host(o, &u.host) < 0)
			return -1;
		if (u.port) {
			put(o, ":", 1);
			put_uint(o, u.port);
		}
		return put_params(o, &u);
	case CF_SIP_SCHEME_TEL:
		if (!u.user.len || put_uri_part(o, u.user.p, u.user.len,
						URI_TEL) < 0)
			return -1;
		return put_params(o, &u);
	default:
		/* absoluteURI: the part before any '?' */
		at = memchr(rest, '?', (size_t)(e - rest));
		if (at)
			e = at;
		if (e == rest)
			return -1;
		return put_uri_part(o, rest, (size_t)(e - rest), URI_OPAQUE);
	}
}

static int
put_contact(struct out *o, const char *ruri, size_t len)
{
	struct cf_sip_uri u;

	/* Rebuilt from its parts: user_phone is not one. */
	if (!ruri || !len || cf_sip_parse_uri_parts(ruri, len, &u) < 0)
		return -1;
	return put_contact_uri(o, &u);
}

int
cf_sip_reply_contact(char *buf, size_t size, const char *ruri, size_t len)
{
	struct out o = { buf, size, 0 };

	if (size > 0)
		buf[0] = '\0';
	if (put_contact(&o, ruri, len) < 0)
		return fail(buf, size);
	return end(&o);
}

/* ---- Status lines and the kinds' headers ---------------------------- */

/* Reason phrases of the codes a screening server sends (RFC 3261 §21,
 * RFC 8688 for 608). */
static const struct {
	uint16_t code;
	const char *phrase;
} phrases[] = {
	{ 100, "Trying" },
	{ 200, "OK" },
	{ 301, "Moved Permanently" },
	{ 302, "Moved Temporarily" },
	{ 400, "Bad Request" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 481, "Call/Transaction Does Not Exist" },
	{ 500, "Server Internal Error" },
	{ 503, "Service Unavailable" },
	{ 505, "Version Not Supported" },
	{ 603, "Decline" },
	{ 607, "Unwanted" },
	{ 608, "Rejected" },
};

const char *
cf_sip_reply_phrase(unsigned int code)
{
	size_t i;

	for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (phrases[i].code == code)
			return phrases[i].phrase;
	return "Unknown";
}

static void
put_status(struct out *o, unsigned int code, const char *phrase)
{
	puts_(o, "SIP/2.0 ");
	put_uint(o, code);
	put(o, " ", 1);
	if (phrase)
		put_text(o, phrase);
	else	/* ours, with no control byte to drop */
		puts_(o, cf_sip_reply_phrase(code));
	put(o, "\r\n", 2);
}

int
cf_sip_reply_finish(char *buf, size_t size, const char *echo,
		    size_t echo_len, const char *ruri, size_t ruri_len,
		    const struct cf_sip_reply_params *p)
{
	struct out o = { buf, size, 0 };

	if (size > 0)
		buf[0] = '\0';
	if (p->code < 100 || p->code > 699 ||
	    (p->contact_ruri && (!ruri || ruri_len == 0)))
		return -1;
	put_status(&o, p->code, p->phrase);
	put(&o, echo, echo_len);
	if (p->contact_ruri) {
		/* The caller routes on to where it was going: the SBC reads
		 * the Contact of a 302 as the next hop (DESIGN.md). */
		puts_(&o, "Contact: <");
		if (put_contact(&o, ruri, ruri_len) < 0)
			return fail(buf, size);
		puts_(&o, ">\r\n");
	}
	if (p->privacy_id)
		puts_(&o, "Privacy: id\r\n");
	if (p->suspect_rule) {
		puts_(&o, CF_SIP_REPLY_VERDICT_HDR ": suspect; rule=");
		put_text(&o, p->suspect_rule);
		put(&o, "\r\n", 2);
	}
	if (p->reason_hdr) {
		puts_(&o, "Reason: ");
		put_text(&o, p->reason_hdr);
		put(&o, "\r\n", 2);
	}
	if (p->allow) {
		puts_(&o, "Allow: ");
		put_text(&o, p->allow);
		put(&o, "\r\n", 2);
	}
	if (p->retry_after) {
		puts_(&o, "Retry-After: ");
		put_uint(&o, p->retry_after);
		put(&o, "\r\n", 2);
	}
	puts_(&o, "Content-Length: 0\r\n\r\n");
	return end(&o);
}

int
cf_sip_reply(char *buf, size_t size, const struct cf_sip_msg *req,
	     const struct cf_sip_reply_params *p)
{
	/* The echo goes to the front of @buf first, then moves right past
	 * the status line: no second buffer, nothing allocated. */
	char status[64];
	int slen, elen, n;

	if (size > 0)
		buf[0] = '\0';
	if (p->code < 100 || p->code > 699)
		return -1;
	elen = cf_sip_reply_echo(buf, size, req);
	if (elen < 0)
		return -1;
	if ((size_t)elen >= size) {
		/* Does not fit: measure the rest and report the length. */
		n = cf_sip_reply_finish(NULL, 0, "", 0, req->ruri.p,
					req->ruri.len, p);
		if (n < 0)
			return fail(buf, size);
		return n + elen;
	}
	{
		struct out so = { status, sizeof(status), 0 };

		put_status(&so, p->code, p->phrase);
		slen = end(&so);
	}
	if (slen < 0 || (size_t)slen >= sizeof(status) ||
	    (size_t)(slen + elen) >= size) {
		n = cf_sip_reply_finish(NULL, 0, "", 0, req->ruri.p,
					req->ruri.len, p);
		buf[0] = '\0';
		if (n < 0)
			return -1;
		return n + elen;
	}
	memmove(buf + slen, buf, (size_t)elen);
	/* finish() writes the status line again over the same bytes and
	 * the echo from where it now lies: memmove semantics are not
	 * needed because put() copies to an offset <= its source. */
	return cf_sip_reply_finish(buf, size, buf + slen, (size_t)elen,
				   req->ruri.p, req->ruri.len, p);
}

/* ---- 400 and 505 ---------------------------------------------------- */

/* What recover() reads from raw bytes: a struct head and the Vias. */
struct raw {
	struct head h;
	struct cf_sip_span method;
	struct cf_sip_span version;
	struct cf_sip_span via[CF_SIP_VIA_MAX];
};

static bool
is_token(char c)
{
	return uri_unreserved(c) ? c != '(' && c != ')' :
				   c && strchr("%+`", c);
}

static bool
ieq(const char *s, const char *lc, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != lc[i])
			return false;
	}
	return true;
}

static struct cf_sip_span
span(const char *p, size_t len)
{
	struct cf_sip_span s = { p, (uint32_t)len };

	return s;
}

/* The span [@p, @e) without white space at either end. */
static struct cf_sip_span
trimmed(const char *p, const char *e)
{
	while (p < e && is_lws(*p))
		p++;
	while (e > p && is_lws(e[-1]))
		e--;
	return span(p, (size_t)(e - p));
}

/* Whether every NUL in @v is escaped by a quoted-pair, as cf_sip_parse()
 * accepts it: a value with a bare one is not echoed (bytes after it are
 * the kind a C-string reader never sees). */
static bool
nuls_escaped(const struct cf_sip_span *v)
{
	const char *z = v->p, *e = v->p + v->len, *b;

	while (z < e && (z = memchr(z, '\0', (size_t)(e - z)))) {
		for (b = z; b > v->p && b[-1] == '\\'; b--)
			;
		if (!((z - b) & 1))
			return false;
		z++;
	}
	return true;
}

/* One Via value, if it has bytes; false when there is no room. */
static bool
push_via(struct raw *r, struct cf_sip_span v)
{
	v = trimmed(v.p, v.p + v.len);
	if (!v.len)
		return true;
	if (r->h.n_via >= CF_SIP_VIA_MAX)
		return false;
	r->via[r->h.n_via++] = v;
	return true;
}

/* The values of one Via header field, split at commas outside quotes and
 * <> exactly as cf_sip_parse() splits them, so that a message both read
 * gets the same Vias from each. */
static bool
split_vias(struct raw *r, const char *v, size_t len)
{
	const char *start = v, *gt;
	size_t i = 0;

	if (!memchr(v, ',', len))
		return push_via(r, span(v, len));
	while (i < len) {
		switch (v[i]) {
		case '"':
			for (i++; i < len && v[i] != '"'; i++)
				if (v[i] == '\\')
					i++;
			break;
		case '<':
			gt = memchr(v + i + 1, '>', len - i - 1);
			i = gt ? (size_t)(gt - v) : len;
			break;
		case ',':
			if (!push_via(r, span(start, (size_t)(v + i - start))))
				return false;
			start = v + i + 1;
			break;
		}
		i++;
	}
	return push_via(r, span(start, (size_t)(v + len - start)));
}

/* CSeq = 1*DIGIT LWS Method; the number is kept as text when it is too
 * big for one (RFC 4475 scalar02: a 400 still echoes it). */
static bool
split_cseq(struct head *h, const struct cf_sip_span *v)
{
	size_t i = 0, m;
	uint64_t n = 0;

	while (i < v->len && v->p[i] >= '0' && v->p[i] <= '9') {
		if (n <= 0x7fffffff)
			n = n * 10 + (uint64_t)(v->p[i] - '0');
		i++;
	}
	for (m = i; m < v->len && is_lws(v->p[m]); m++)
		;
	if (!i || m == i || m == v->len)
		return false;
	h->cseq_method = span(v->p + m, v->len - m);
	for (; m < v->len; m++)
		if (!is_token(v->p[m]))
			return false;
	h->cseq_num = span(v->p, i);
	h->cseq_ok = i <= 10 && n <= 0x7fffffff;
	h->cseq = (uint32_t)n;
	return true;
}

enum raw_hdr { RAW_OTHER, RAW_VIA, RAW_FROM, RAW_TO, RAW_CALL_ID, RAW_CSEQ };

static enum raw_hdr
raw_classify(const char *n, size_t len)
{
	if (len == 1) {
		switch (n[0] | 0x20) {
		case 'v': return RAW_VIA;
		case 'f': return RAW_FROM;
		case 't': return RAW_TO;
		case 'i': return RAW_CALL_ID;
		}
		return RAW_OTHER;
	}
#define IS(lc) (len == sizeof(lc) - 1 && ieq(n, lc, len))
	if (IS("via"))
		return RAW_VIA;
	if (IS("from"))
		return RAW_FROM;
	if (IS("to"))
		return RAW_TO;
	if (IS("call-id"))
		return RAW_CALL_ID;
	if (IS("cseq"))
		return RAW_CSEQ;
#undef IS
	return RAW_OTHER;
}

/*
 * From the raw bytes of a request that cf_sip_parse() refused, what a
 * response to it needs: the start line must look like a request's
 * (a method token, SP, and a last word "SIP/..."), and a Via and a CSeq
 * must be there: the Vias route the response back (§18.2.2) and the top
 * one's branch with the CSeq method is what the client matches it on
 * (§17.1.3).  From, To and Call-ID are copied when present and left out
 * when not (RFC 4475 §3.1.2.17, insuf: a request without them "should"
 * get a 400).  Lenient where the reason for refusing does not touch
 * them (a second From, a bad Content-Length, a header line with no
 * colon, a body cut short, headers never ended): the first of each is
 * taken, lines that are not header fields are skipped, a field cut by
 * the end of the bytes is dropped.  Strict where an echo could do harm:
 * a value with a bare NUL is as absent.  Returns 0, or -1 when no
 * response can be built: a response, an ACK (never answered,
 * §17.1.1.3), not a request line, no Via, no CSeq "number method", more
 * Vias than CF_SIP_VIA_MAX (a reply must carry all of them).
 */
static int
recover(const char *buf, size_t len, struct raw *r)
{
	const char *p = buf, *end, *eol, *le, *m, *t, *v, *q;
	struct cf_sip_span cseq = { 0 };

	memset(&r->h, 0, sizeof(r->h));
	r->h.via = r->via;
	if (len > CF_SIP_MSG_MAX)
		len = CF_SIP_MSG_MAX;
	end = buf + len;
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	eol = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
	if (!eol)
		return -1;
	le = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
	if (le - p >= 4 && ieq(p, "sip/", 4))
		return -1;
	for (m = p; m < le && is_token(*m); m++)
		;
	if (m == p || m == le || *m != ' ')
		return -1;
	r->method = span(p, (size_t)(m - p));
	if (r->method.len == 3 && !memcmp(p, "ACK", 3))
		return -1;
	for (t = le; t > m && (t[-1] == ' ' || t[-1] == '\t'); t--)
		;
	for (v = t; v > m && v[-1] != ' ' && v[-1] != '\t'; v--)
		;
	if (t - v < 4 || !ieq(v, "sip/", 4))
		return -1;
	r->version = span(v, (size_t)(t - v));

	for (q = eol + 1; q < end;) {
		const char *line_end, *h_end, *colon, *ne;
		struct cf_sip_span val;
		enum raw_hdr type;

		line_end = memchr(q, '\n', (size_t)(end - q));
		if (!line_end)
			break;
		if (line_end == q || (line_end == q + 1 && *q == '\r'))
			break;		/* the blank line: end of headers */
		/* The field goes on over lines that start with white
		 * space; one cut by the end of the bytes is dropped. */
		h_end = line_end;
		while (h_end + 1 < end &&
		       (h_end[1] == ' ' || h_end[1] == '\t')) {
			h_end = memchr(h_end + 1, '\n',
				       (size_t)(end - h_end - 1));
			if (!h_end)
				break;
		}
		if (!h_end)
			break;
		colon = memchr(q, ':', (size_t)(line_end - q));
		type = RAW_OTHER;
		if (colon && *q != ' ' && *q != '\t') {
			for (ne = colon; ne > q && (ne[-1] == ' ' ||
						    ne[-1] == '\t'); ne--)
				;
			for (m = q; m < ne && is_token(*m); m++)
				;
			if (m == ne && ne > q)
				type = raw_classify(q, (size_t)(ne - q));
		}
		q = h_end + 1;
		if (type == RAW_OTHER)
			continue;
		val = trimmed(colon + 1, h_end);
		if (!val.len || !nuls_escaped(&val))
			continue;
		switch (type) {
		case RAW_VIA:
			if (!split_vias(r, val.p, val.len))
				return -1;
			break;
		case RAW_FROM:
			if (!r->h.from.p)
				r->h.from = val;
			break;
		case RAW_TO:
			if (!r->h.to.p)
				r->h.to = val;
			break;
		case RAW_CALL_ID:
			if (!r->h.call_id.p)
				r->h.call_id = val;
			break;
		case RAW_CSEQ:
			if (!cseq.p)
				cseq = val;
			break;
		case RAW_OTHER:
			break;
		}
	}
	if (!r->h.n_via || !cseq.p || !split_cseq(&r->h, &cseq))
		return -1;
	return 0;
}

/* @err as an enum cf_sip_err, whichever sign it was passed with. */
static enum cf_sip_err
err_of(int err)
{
	if (err < 0)
		err = -err;
	return err < CF_SIP_ERR__COUNT ? (enum cf_sip_err)err : CF_SIP_OK;
}

/* "SIP/2.0 400 Bad Request" (or 505), the echo, a Warning naming @err
 * (399, a miscellaneous warning, from agent "callfence", §20.43). */
static int
put_error(char *buf, size_t size, const struct head *h, unsigned int code,
	  enum cf_sip_err err)
{
	struct out o = { buf, size, 0 };

	put_status(&o, code, NULL);
	put_echo(&o, h, false);
	puts_(&o, "Warning: 399 callfence \"");
	puts_(&o, cf_sip_err_name(err));
	puts_(&o, "\"\r\nContent-Length: 0\r\n\r\n");
	return end(&o);
}

static int
bad_request(char *buf, size_t size, const char *msg, size_t len,
	    unsigned int code, enum cf_sip_err err)
{
	struct raw r;

	if (size > 0)
		buf[0] = '\0';
	if (!msg || recover(msg, len, &r) < 0)
		return -1;
	return put_error(buf, size, &r.h, code, err);
}

int
cf_sip_reply_bad_request(char *buf, size_t size, const char *msg,
			 size_t len, int err)
{
	enum cf_sip_err e = err_of(err);

	return bad_request(buf, size, msg, len,
			   e == CF_SIP_ERR_BAD_VERSION ? 505 : 400, e);
}

int
cf_sip_reply_bad_msg(char *buf, size_t size, const struct cf_sip_msg *req,
		     int err)
{
	enum cf_sip_err e = err_of(err);
	struct head h;

	if (size > 0)
		buf[0] = '\0';
	if (!req->request || req->method == CF_SIP_METHOD_ACK || !req->n_via)
		return -1;
	head_of(&h, req);
	return put_error(buf, size, &h, e == CF_SIP_ERR_BAD_VERSION ? 505 : 400,
			 e);
}

/* ---- What to answer ------------------------------------------------- */

static const char *const answer_names[CF_SIP_ANSWER__COUNT] = {
	[CF_SIP_ANSWER_NONE]		= "none",
	[CF_SIP_ANSWER_JUDGE]		= "judge",
	[CF_SIP_ANSWER_OPTIONS]		= "options",
	[CF_SIP_ANSWER_CANCEL]		= "cancel",
	[CF_SIP_ANSWER_NOT_ALLOWED]	= "not-allowed",
	[CF_SIP_ANSWER_BAD_REQUEST]	= "bad-request",
	[CF_SIP_ANSWER_BAD_VERSION]	= "bad-version",
};

const char *
cf_sip_answer_name(enum cf_sip_answer a)
{
	return (unsigned int)a < CF_SIP_ANSWER__COUNT ? answer_names[a] : "?";
}

enum cf_sip_answer
cf_sip_answer_kind(const char *buf, size_t len, struct cf_sip_msg *msg,
		   const struct cf_numplan *plan, struct cf_call *call,
		   int *err)
{
	struct out none = { NULL, 0, 0 };
	const struct cf_sip_uri *ruri;
	struct cf_sip_uri tmp;
	ssize_t n;
	int rc;

	*err = 0;
	n = cf_sip_parse(msg, buf, len, 0);
	if (n < 0) {
		struct raw r;

		*err = (int)-n;
		if (*err == CF_SIP_ERR_EMPTY || recover(buf, len, &r) < 0)
			return CF_SIP_ANSWER_NONE;
		return *err == CF_SIP_ERR_BAD_VERSION ?
			       CF_SIP_ANSWER_BAD_VERSION :
			       CF_SIP_ANSWER_BAD_REQUEST;
	}
	if (!msg->request || msg->method == CF_SIP_METHOD_ACK)
		return CF_SIP_ANSWER_NONE;
	/* The check, the call record and the echo read these: once. */
	cf_sip_msg_parties(msg);
	rc = cf_sip_check(msg);
	if (rc < 0) {
		*err = -rc;
		return CF_SIP_ANSWER_BAD_REQUEST;
	}
	switch (msg->method) {
	case CF_SIP_METHOD_INVITE:
		if (call) {
			cf_call_reset(call);
			rc = cf_sip_to_call(msg, plan, call);
			if (rc < 0) {
				*err = -rc;
				return CF_SIP_ANSWER_BAD_REQUEST;
			}
		}
		/* A call that a 302 cannot send on is not judged: it could
		 * be blocked, never allowed. */
		if (!msg->ruri.p || !msg->ruri.len ||
		    !(ruri = cf_sip_msg_ruri(msg, &tmp)) ||
		    put_contact_uri(&none, ruri) < 0) {
			*err = CF_SIP_ERR_BAD_URI;
			return CF_SIP_ANSWER_BAD_REQUEST;
		}
		return CF_SIP_ANSWER_JUDGE;
	case CF_SIP_METHOD_OPTIONS:
		return CF_SIP_ANSWER_OPTIONS;
	case CF_SIP_METHOD_CANCEL:
		return CF_SIP_ANSWER_CANCEL;
	default:
		return CF_SIP_ANSWER_NOT_ALLOWED;
	}
}

int
cf_sip_answer_reply(char *buf, size_t size, enum cf_sip_answer kind,
		    const char *dgram, size_t len,
		    const struct cf_sip_msg *msg, int err)
{
	struct cf_sip_reply_params p;

	switch (kind) {
	case CF_SIP_ANSWER_OPTIONS:
		cf_sip_reply_options(&p);
		return cf_sip_reply(buf, size, msg, &p);
	case CF_SIP_ANSWER_CANCEL:
		/* The INVITE was answered finally as it arrived: the CANCEL
		 * changes nothing and gets its 200 (§9.2). */
		memset(&p, 0, sizeof(p));
		p.code = 200;
		return cf_sip_reply(buf, size, msg, &p);
	case CF_SIP_ANSWER_NOT_ALLOWED:
		cf_sip_reply_not_allowed(&p);
		return cf_sip_reply(buf, size, msg, &p);
	case CF_SIP_ANSWER_BAD_REQUEST:
		/* From the bytes, parsed or not: the same text either way
		 * (fuzz_reply checks it), and one path to keep right. */
		return bad_request(buf, size, dgram, len, 400, err_of(err));
	case CF_SIP_ANSWER_BAD_VERSION:
		return bad_request(buf, size, dgram, len, 505, err_of(err));
	default:
		return fail(buf, size);
	}
}

/* ---- Kinds of reply ------------------------------------------------- */

void
cf_sip_reply_for_verdict(struct cf_sip_reply_params *p, enum cf_action action,
			 enum cf_reply reply, const char *rule)
{
	memset(p, 0, sizeof(*p));
	switch (action) {
	case CF_ACTION_BLOCK: {
		const struct cf_reply_info *ri =
			cf_reply_info(reply == CF_REPLY_NONE ? CF_REPLY_603 :
				      reply);

		p->code = ri->code;
		p->phrase = ri->phrase;
		p->reason_hdr = ri->reason_hdr;
		break;
	}
	case CF_ACTION_SUSPECT:
		p->code = 302;
		p->contact_ruri = true;
		p->suspect_rule = rule ? rule : "default";
		break;
	case CF_ACTION_HIDE:
		p->code = 302;
		p->contact_ruri = true;
		p->privacy_id = true;
		break;
	case CF_ACTION_ALLOW:
	default:
		p->code = 302;
		p->contact_ruri = true;
		break;
	}
}

void
cf_sip_reply_options(struct cf_sip_reply_params *p)
{
	memset(p, 0, sizeof(*p));
	p->code = 200;
	p->allow = CF_SIP_REPLY_ALLOW;
}

void
cf_sip_reply_not_allowed(struct cf_sip_reply_params *p)
{
	memset(p, 0, sizeof(*p));
	p->code = 405;
	p->allow = CF_SIP_REPLY_ALLOW;
}

void
cf_sip_reply_unavailable(struct cf_sip_reply_params *p)
{
	memset(p, 0, sizeof(*p));
	p->code = 503;
}

void
cf_sip_reply_allow(struct cf_sip_reply_params *p)
{
	cf_sip_reply_for_verdict(p, CF_ACTION_ALLOW, CF_REPLY_NONE, NULL);
}
