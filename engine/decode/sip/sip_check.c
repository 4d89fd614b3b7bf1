/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The syntax a UAS checks before it answers a request (RFC 3261 §8.2,
 * grammar of §25.1), beyond what cf_sip_parse() needs to split a message
 * and cf_sip_to_call() to read numbers: the values a response echoes or a
 * screening server acts on.  The parser and the call record stay lenient
 * because a mirror must read what the network carries; an answer is held
 * to the grammar because RFC 4475 asks a 400 for each malformed request,
 * and because a value the grammar does not allow is the kind a peer reads
 * differently from us.
 */

#include <string.h>

#include <callfence/sip.h>

#include "sip_private.h"

/* Index of the first byte at or after @i that is not linear white space
 * (SWS = [LWS]; folding is in the span as CR, LF, SP and HT). */
static size_t
sws(const char *p, size_t len, size_t i)
{
	while (i < len && sip_is(p[i], SIP_C_LWS))
		i++;
	return i;
}

/* End of the token run at @i (== @i when there is none). */
static size_t
token(const char *p, size_t len, size_t i)
{
	while (i < len && sip_is(p[i], SIP_C_TOKEN))
		i++;
	return i;
}

/* A quoted-string at @i (p[i] is '"'): the index after its closing
 * quote, or 0 when it does not close.  Any byte may be escaped (the
 * parser has already refused the NULs and line ends that matter). */
static size_t
quoted(const char *p, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '"')
			return i + 1;
	}
	return 0;
}

/* A byte of a host as real ones are written: letters, digits, '-', '.',
 * the '_' some hostnames have, and ':' of an IPv6 address, bracketed or
 * bare (not RFC 3261, but in captures, as in sip_hostport()). */
static bool
host_char(char c)
{
	return (sip_is(c, SIP_C_SCHEME) && c != '+') || c == '_' || c == ':' ||
	       c == '[' || c == ']';
}

/* A port: 1 to 5 digits, at most 65535. */
static bool
port_ok(const char *p, size_t len)
{
	uint32_t v = 0;
	size_t i;

	if (!len || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (!sip_is(p[i], SIP_C_DIGIT))
			return false;
		v = v * 10 + (uint32_t)(p[i] - '0');
	}
	return v <= 65535;
}

/* sent-by at @i: host [ COLON port ].  An IPv6 reference is bracketed;
 * a run with one ':' is host:port; more than one is a bare IPv6 address,
 * its port unknowable, taken as it is.  The index after it, or 0. */
static size_t
sent_by(const char *p, size_t len, size_t i)
{
	size_t j = i, colons = 0, last = 0, k;

	while (j < len && host_char(p[j])) {
		if (p[j] == ':') {
			colons++;
			last = j;
		}
		j++;
	}
	if (j == i)
		return 0;
	if (p[i] == '[') {
		for (k = i + 1; k < j && p[k] != ']'; k++)
			;
		if (k == j || k == i + 1)
			return 0;
		if (k + 1 < j && (p[k + 1] != ':' ||
				  !port_ok(p + k + 2, j - k - 2)))
			return 0;
	} else if (colons == 1 &&
		   (last == i || !port_ok(p + last + 1, j - last - 1))) {
		return 0;
	}
	/* COLON = SWS ":" SWS: a port after white space. */
	k = sws(p, len, j);
	if (!colons && k < len && p[k] == ':') {
		i = sws(p, len, k + 1);
		for (j = i; j < len && sip_is(p[j], SIP_C_DIGIT); j++)
			;
		if (!port_ok(p + i, j - i))
			return 0;
	}
	return j;
}

/* gen-value = token / host / quoted-string; the index after it, or 0.
 * A host is taken as host_char()s so that received= with a bare IPv6
 * address (via-received allows one) passes. */
static size_t
gen_value(const char *p, size_t len, size_t i)
{
	size_t j;

	if (i >= len)
		return 0;
	if (p[i] == '"')
		return quoted(p, len, i);
	for (j = i; j < len && (sip_is(p[j], SIP_C_TOKEN) || host_char(p[j]));
	     j++)
		;
	return j > i ? j : 0;
}

/* generic-param *( SEMI generic-param ), the list after a first ';':
 * each one token [ EQUAL gen-value ], white space allowed around ';' and
 * '='.  An empty parameter (";;", a ';' at the end) is not one. */
static bool
params_ok(const char *p, size_t len)
{
	size_t i = 0, j;

	for (;;) {
		i = sws(p, len, i);
		j = token(p, len, i);
		if (j == i)
			return false;
		i = sws(p, len, j);
		if (i < len && p[i] == '=') {
			i = gen_value(p, len, sws(p, len, i + 1));
			if (!i)
				return false;
			i = sws(p, len, i);
		}
		if (i == len)
			return true;
		if (p[i] != ';')
			return false;
		i++;
	}
}

/*
 * via-parm = sent-protocol LWS sent-by *( SEMI via-params ), with
 * sent-protocol = token SLASH token SLASH token and sent-by = host
 * [ COLON port ].  RFC 4475 wsinv has white space around every slash.
 */
static bool
via_ok(const char *p, size_t len)
{
	size_t i = 0, j;
	int part;

	for (part = 0; part < 3; part++) {
		if (part) {
			if (i >= len || p[i] != '/')
				return false;
			i = sws(p, len, i + 1);
		}
		j = token(p, len, i);
		if (j == i)
			return false;
		i = part < 2 ? sws(p, len, j) : j;
	}
	j = sws(p, len, i);
	if (j == i)
		return false;
	i = sent_by(p, len, j);
	if (!i)
		return false;
	i = sws(p, len, i);
	if (i == len)
		return true;
	return p[i] == ';' && params_ok(p + i + 1, len - i - 1);
}

/*
 * A From, To or Contact value: name-addr or addr-spec (§20.10, §25.1).
 * On top of cf_sip_parse_addr(): an unquoted display name is tokens
 * ("Bell, Alexander" is not, RFC 4475 baddn); nothing but the URI is
 * between the angle brackets (LAQUOT and RAQUOT take no inner white
 * space, RFC 4475 badaspec); an addr-spec holds no ',' or '?' (a URI with
 * either must be in brackets, or the header is read differently, RFC
 * 4475 regbadct); parameters are well formed.  Contact may be "*".
 */
static bool
addr_ok(const struct cf_sip_msg *msg, const struct cf_sip_span *v,
	bool contact)
{
	const char *p = v->p;
	size_t len = v->len, i;
	const struct cf_sip_addr *a;
	struct cf_sip_addr tmp;

	sip_trim(&p, &len);
	if (contact && len == 1 && p[0] == '*')
		return true;
	/* The parse of the trimmed value is that of the value. */
	if (!len || !(a = sip_msg_addr(msg, v, &tmp, 0)))
		return false;
	if (a->angle) {
		if (a->uri.all.p[-1] != '<' ||
		    a->uri.all.p[a->uri.all.len] != '>')
			return false;
		if (p[0] != '"')
			for (i = 0; i < a->display.len; i++)
				if (!sip_is(a->display.p[i],
					    SIP_C_TOKEN | SIP_C_LWS))
					return false;
	} else if (memchr(a->uri.all.p, ',', a->uri.all.len) ||
		   memchr(a->uri.all.p, '?', a->uri.all.len)) {
		return false;
	}
	return !a->params.p || params_ok(a->params.p, a->params.len);
}

int
cf_sip_check(const struct cf_sip_msg *msg)
{
	const struct cf_sip_uri *ruri;
	struct cf_sip_uri tmp;
	unsigned i;

	for (i = 0; i < msg->n_via; i++)
		if (!via_ok(msg->via[i].p, msg->via[i].len))
			return -CF_SIP_ERR_BAD_VIA;
	if (!addr_ok(msg, &msg->from, false) || !addr_ok(msg, &msg->to, false) ||
	    (msg->contact.p && !addr_ok(msg, &msg->contact, true)))
		return -CF_SIP_ERR_BAD_URI;
	/* §19.1.1, table 1: a Request-URI has no headers component (RFC
	 * 4475 escruri); where they would go is a 3xx Contact. */
	if (msg->request &&
	    (!(ruri = cf_sip_msg_ruri(msg, &tmp)) || ruri->headers.p))
		return -CF_SIP_ERR_BAD_URI;
	return 0;
}
