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

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->size) {
		size_t room = o->size - o->len - 1;

		/* memmove: cf_sip_reply() copies its echo onto itself. */
		memmove(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static int
end(struct out *o)
{
	if (o->size > 0)
		o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
	return o->len > (size_t)(1u << 30) ? -1 : (int)o->len;
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
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
 * gives folding no meaning). */
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

/* Mix a span into a running hash; an absent span differs from an empty
 * one only by position, which is enough here. */
static uint64_t
mix(uint64_t h, const struct cf_sip_span *s)
{
	return cf_hash64(h ^ (s->p ? cf_hash_bytes(s->p, s->len) : 0x5bd1e995));
}

void
cf_sip_reply_tag(const struct cf_sip_msg *req, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	struct cf_sip_span from_tag = { 0 }, branch = { 0 }, params;
	struct cf_sip_addr from;
	uint64_t h = 0x63616c6c66656e63ULL;	/* "callfenc" */
	unsigned int i;

	if (req->from.p && cf_sip_parse_addr(req->from.p, req->from.len,
					     &from) == 0)
		from_tag = from.tag;
	else
		from_tag = req->from;
	if (req->n_via > 0) {
		const char *semi = memchr(req->via[0].p, ';', req->via[0].len);

		if (semi) {
			params.p = semi;
			params.len = (uint32_t)(req->via[0].len -
						(uint32_t)(semi - req->via[0].p));
			cf_sip_param(&params, "branch", &branch);
		}
	}
	h = mix(h, &req->call_id);
	h = mix(h, &from_tag);
	h = mix(h, &branch);
	for (i = 0; i < 16; i++)
		buf[i] = hex[(h >> (60 - 4 * i)) & 0xf];
	buf[16] = '\0';
}

int
cf_sip_reply_echo(char *buf, size_t size, const struct cf_sip_msg *req)
{
	struct out o = { buf, size, 0 };
	struct cf_sip_addr to;
	unsigned int i;

	if (size > 0)
		buf[0] = '\0';
	if (!req->request || !req->to.p ||
	    cf_sip_parse_addr(req->to.p, req->to.len, &to) < 0)
		return -1;
	for (i = 0; i < req->n_via; i++)
		put_header(&o, "Via", &req->via[i]);
	put_header(&o, "From", &req->from);
	puts_(&o, "To: ");
	put_value(&o, &req->to);
	if (!to.tag.p) {
		/* §8.2.6.2: the UAS adds a tag to a To that has none; ours
		 * is derived from the request so retransmissions agree. */
		char tag[17];

		cf_sip_reply_tag(req, tag);
		puts_(&o, ";tag=");
		put(&o, tag, 16);
	}
	put(&o, "\r\n", 2);
	put_header(&o, "Call-ID", &req->call_id);
	puts_(&o, "CSeq: ");
	put_uint(&o, req->cseq);
	put(&o, " ", 1);
	put_value(&o, &req->cseq_method);
	put(&o, "\r\n", 2);
	return end(&o);
}

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
	puts_(&o, "SIP/2.0 ");
	put_uint(&o, p->code);
	put(&o, " ", 1);
	puts_(&o, p->phrase ? p->phrase : cf_sip_reply_phrase(p->code));
	put(&o, "\r\n", 2);
	put(&o, echo, echo_len);
	if (p->contact_ruri) {
		/* The caller routes on to where it was going: the SBC reads
		 * the Contact of a 302 as the next hop (DESIGN.md). */
		puts_(&o, "Contact: <");
		put(&o, ruri, ruri_len);
		puts_(&o, ">\r\n");
	}
	if (p->privacy_id)
		puts_(&o, "Privacy: id\r\n");
	if (p->suspect_rule) {
		puts_(&o, CF_SIP_REPLY_VERDICT_HDR ": suspect; rule=");
		puts_(&o, p->suspect_rule);
		put(&o, "\r\n", 2);
	}
	if (p->reason_hdr) {
		puts_(&o, "Reason: ");
		puts_(&o, p->reason_hdr);
		put(&o, "\r\n", 2);
	}
	if (p->allow) {
		puts_(&o, "Allow: ");
		puts_(&o, p->allow);
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
			return -1;
		return n + elen;
	}
	slen = snprintf(status, sizeof(status), "SIP/2.0 %u %s\r\n", p->code,
			p->phrase ? p->phrase : cf_sip_reply_phrase(p->code));
	if (slen < 0 || (size_t)slen >= sizeof(status) ||
	    (size_t)(slen + elen) >= size) {
		n = cf_sip_reply_finish(NULL, 0, "", 0, req->ruri.p,
					req->ruri.len, p);
		if (n < 0)
			return -1;
		buf[0] = '\0';
		return n + elen;
	}
	memmove(buf + slen, buf, (size_t)elen);
	/* finish() writes the status line again over the same bytes and
	 * the echo from where it now lies: memmove semantics are not
	 * needed because put() copies to an offset <= its source. */
	return cf_sip_reply_finish(buf, size, buf + slen, (size_t)elen,
				   req->ruri.p, req->ruri.len, p);
}

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
