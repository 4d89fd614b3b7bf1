/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIP and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966) and name-addr
 * header values (§20.10): spans into the value, parsed on demand.
 */

#include <string.h>

#include <callfence/sip.h>

#include "sip_private.h"

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

/*
 * cf_sip_parse_uri(); without @full, user_phone is left false: the call
 * record does not need it, and looking for ";user=" is a pass over the
 * parameters.
 */
int
sip_parse_uri(const char *p, size_t len, struct cf_sip_uri *uri, bool full)
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
	if (sip_has_lws_or_nul(p + i, len - i))
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

	/* userinfo "@" hostport uri-parameters [ "?" headers ].  A user
	 * part may hold '?' (user-unreserved, RFC 3261 §25.1), but nothing
	 * after userinfo may hold an unescaped '@' (not a paramchar, not in
	 * hvalue): the first '@' ends userinfo, then '?' starts headers. */
	at = memchr(r, '@', rlen);
	if (at) {
		ul = sip_find(r, (size_t)(at - r), ':');	/* password */
		semi = sip_find(r, ul, ';');
		uri->user = sip_span(r, semi);
		if (semi < ul)
			uri->user_params = sip_span(r + semi + 1, ul - semi - 1);
		rlen -= (size_t)(at + 1 - r);
		r = at + 1;
	}
	q = sip_find(r, rlen, '?');
	uri->headers = sip_span_after(r, rlen, q);
	hp_end = sip_find(r, q, ';');
	rc = sip_hostport(r, hp_end, uri);
	if (rc < 0)
		return rc;
	if (hp_end < q)
		uri->params = sip_span(r + hp_end + 1, q - hp_end - 1);
	if (full && uri->params.len && cf_sip_param(&uri->params, "user", &v) &&
	    sip_span_ieq(&v, "phone", 5))
		uri->user_phone = true;
	return 0;
}

int
cf_sip_parse_uri(const char *p, size_t len, struct cf_sip_uri *uri)
{
	return sip_parse_uri(p, len, uri, true);
}

int
cf_sip_parse_uri_parts(const char *p, size_t len, struct cf_sip_uri *uri)
{
	return sip_parse_uri(p, len, uri, false);
}

/* End of the parameter value at @i, which has a quote: the first ';'
 * outside quotes, where '\\' escapes the next byte; @len when none. */
static size_t
sip_quoted_value_end(const char *p, size_t len, size_t i)
{
	bool quoted = false;

	for (; i < len; i++) {
		if (quoted && p[i] == '\\')
			i++;
		else if (p[i] == '"')
			quoted = !quoted;
		else if (!quoted && p[i] == ';')
			break;
	}
	return i > len ? len : i;
}

bool
sip_param_next(const struct cf_sip_span *params, size_t *pos,
	       struct cf_sip_span *name, struct cf_sip_span *value)
{
	const char *p = params->p;
	size_t len = params->p ? params->len : 0;
	size_t i = *pos, ns, ne, vs, ve, semi;
	const char *vp;

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
			/* The value ends at a ';' outside quotes: most have
			 * no quote before their ';', two finds tell. */
			semi = i + sip_find(p + i, len - i, ';');
			if (sip_find(p + i, semi - i, '"') == semi - i)
				i = semi;
			else
				i = sip_quoted_value_end(p, len, i);
		}
		if (ne > ns) {
			ve = i < vs ? 0 : i - vs;
			vp = p + vs;
			sip_trim(&vp, &ve);
			*name = sip_span(p + ns, ne - ns);
			*value = sip_span(vp, ve);
			*pos = i;
			return true;
		}
		if (i == ns)
			i++;	/* not a parameter at all: step over it */
	}
	*pos = i;
	return false;
}

bool
cf_sip_param(const struct cf_sip_span *params, const char *name,
	     struct cf_sip_span *value)
{
	size_t nlen = strlen(name), pos = 0;
	struct cf_sip_span n, v;

	if (!nlen)
		return false;
	while (sip_param_next(params, &pos, &n, &v)) {
		if (n.len == nlen && sip_ieq(n.p, name, nlen)) {
			*value = v;
			return true;
		}
	}
	return false;
}

/* cf_sip_parse_addr(); tag and user_phone only when in @want (see
 * sip_parse_uri()). */
int
sip_parse_addr(const char *p, size_t len, struct cf_sip_addr *addr,
	       unsigned want)
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
		i = sip_find(p, len, '<');
		lt = i < len ? p + i : NULL;
		if (lt) {
			const char *d = p;
			size_t dl = (size_t)(lt - p);

			sip_trim(&d, &dl);
			if (dl)
				addr->display = sip_span(d, dl);
		}
	}

	if (lt) {
		i = (size_t)(lt - p);
		i += sip_find(lt, len - i, '>');
		if (i == len)
			return -CF_SIP_ERR_BAD_URI;
		gt = p + i;
		addr->angle = true;
		rc = sip_parse_uri(lt + 1, (size_t)(gt - lt - 1), &addr->uri,
				   want & SIP_WANT_PHONE);
		if (rc < 0)
			return rc;
		rest = gt + 1;
	} else {
		/* addr-spec: its ';' parameters belong to the header (§20). */
		ulen = 0;
		while (ulen < len && p[ulen] != ';' &&
		       !sip_is(p[ulen], SIP_C_LWS))
			ulen++;
		rc = sip_parse_uri(p, ulen, &addr->uri, want & SIP_WANT_PHONE);
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
		if (want & SIP_WANT_TAG)
			cf_sip_param(&addr->params, "tag", &addr->tag);
	}
	return 0;
}

int
cf_sip_parse_addr(const char *p, size_t len, struct cf_sip_addr *addr)
{
	return sip_parse_addr(p, len, addr, SIP_WANT_ALL);
}

static int
sip_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)sip_lower[(uint8_t)c];
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

/*
 * Bytes of local number @user to leave out under global context @ctx:
 * the trunk prefix of the context's country, when the number is written
 * with it (RFC 3966 §5.1.5 makes the context the number's prefix, and
 * "010 6552 9988" dialled at home in +86 is +86 10 6552 9988, not
 * +86 010 ...).  The country's plan is @plan when the context is its
 * country code, else callfence's built-in one; a context that is more
 * than a country code (+1202) or of a country without a plan keeps every
 * byte.  Only a number that is a valid length once the prefix is gone
 * loses it: Russia's trunk prefix 8 also starts its national numbers.
 */
static size_t
sip_trunk_skip(const struct cf_sip_span *user, bool escaped,
	       const struct cf_sip_span *ctx, const struct cf_numplan *plan)
{
	char cc[CF_NUMPLAN_CC_MAX + 1];
	size_t i, adv, n = 0, k = 0, after = 0;
	const struct cf_numplan *p;
	char c;

	for (i = 1; i < ctx->len; i++) {
		if (!sip_is(ctx->p[i], SIP_C_DIGIT))
			continue;
		if (n == CF_NUMPLAN_CC_MAX)
			return 0;
		cc[n++] = ctx->p[i];
	}
	cc[n] = '\0';
	if (!n)
		return 0;
	p = plan && !strcmp(plan->cc, cc) ? plan : cf_numplan_builtin(cc);
	if (!p || !p->national_prefix_len)
		return 0;
	/* Digits of the number, visual separators skipped, the prefix
	 * matched on the way; the separators right after it go with it,
	 * "(0)20 ..." losing its ")" too. */
	n = 0;
	for (i = 0; i < user->len; i += adv) {
		adv = 1;
		c = escaped ? sip_unescape_at(user, i, &adv) : user->p[i];
		if (!sip_is(c, SIP_C_DIGIT)) {
			if (after == i)
				after = i + adv;
			continue;
		}
		if (k < p->national_prefix_len) {
			if (c != p->national_prefix[k])
				return 0;
			if (++k == p->national_prefix_len)
				after = i + adv;
			continue;
		}
		n++;
	}
	if (k < p->national_prefix_len || n > 15 || !(p->nsn_lengths >> n & 1))
		return 0;
	return after;
}

int
sip_uri_number(const struct cf_sip_uri *uri, const struct cf_numplan *plan,
	       char *dst, size_t dst_size)
{
	struct cf_sip_span user = uri->user;
	struct cf_sip_span ctx, params;
	size_t i, adv, n = 0, keep, skip;
	bool escaped;
	char c, first;

	if (!user.p)
		return -1;
	/* An empty local number is no number, whatever its context: not
	 * the context's digits alone ("sip:;phone-context=+86@h"). */
	if (!user.len) {
		if (dst_size)
			dst[0] = '\0';
		return 0;
	}
	/* Most user parts have no %-escape: then they are copied whole. */
	escaped = sip_find(user.p, user.len, '%') < user.len;
	params = uri->scheme == CF_SIP_SCHEME_TEL ? uri->params :
						    uri->user_params;
	if (escaped)
		first = sip_unescape_at(&user, 0, &adv);
	else
		first = user.p[0];
	/* RFC 3966 §5.1.5: a local number's context, when it is a global
	 * number, is the number's prefix; a trunk prefix the number was
	 * dialled with goes. */
	if (first != '+' && params.len &&
	    cf_sip_param(&params, "phone-context", &ctx) &&
	    ctx.len && ctx.p[0] == '+') {
		for (i = 0; i < ctx.len; i++)
			if (ctx.p[i] == '+' || sip_is(ctx.p[i], SIP_C_DIGIT))
				sip_put(dst, dst_size, &n, ctx.p[i]);
		skip = sip_trunk_skip(&user, escaped, &ctx, plan);
		user.p += skip;
		user.len -= (uint32_t)skip;
	}
	if (!escaped) {
		keep = n + 1 < dst_size ? dst_size - 1 - n : 0;
		if (keep > user.len)
			keep = user.len;
		if (keep)
			memcpy(dst + n, user.p, keep);
		n += user.len;
	} else {
		for (i = 0; i < user.len; i += adv) {
			c = sip_unescape_at(&user, i, &adv);
			sip_put(dst, dst_size, &n, c);
		}
	}
	if (dst_size)
		dst[n < dst_size ? n : dst_size - 1] = '\0';
	return (int)n;
}

int
cf_sip_uri_number(const struct cf_sip_uri *uri, char *dst, size_t dst_size)
{
	return sip_uri_number(uri, NULL, dst, dst_size);
}

bool
cf_sip_uri_has_number(const struct cf_sip_uri *uri)
{
	const struct cf_sip_span *user = &uri->user;
	unsigned cls, digit = 0;
	size_t i, adv;
	char c;

	if (!user->p)
		return false;
	for (i = 0; i < user->len; i += adv) {
		c = user->p[i];
		adv = 1;
		if (c == '%')
			c = sip_unescape_at(user, i, &adv);
		cls = sip_ctype[(uint8_t)c];
		if (!(cls & SIP_C_PHONE))
			return false;
		digit |= cls & SIP_C_DIGIT;
	}
	return digit;
}

void
cf_sip_msg_parties(struct cf_sip_msg *msg)
{
	struct cf_sip_parsed *c = &msg->parsed;

	c->from_rc = (int8_t)sip_parse_addr(msg->from.p, msg->from.len,
					    &c->from, SIP_WANT_TAG);
	c->from_src = msg->from;
	c->to_rc = (int8_t)sip_parse_addr(msg->to.p, msg->to.len, &c->to,
					  SIP_WANT_TAG);
	c->to_src = msg->to;
	if (msg->request) {
		c->ruri_rc = (int8_t)sip_parse_uri(msg->ruri.p, msg->ruri.len,
						   &c->ruri, false);
		c->ruri_src = msg->ruri;
	}
}

static bool
sip_same_span(const struct cf_sip_span *a, const struct cf_sip_span *b)
{
	return a->p && a->p == b->p && a->len == b->len;
}

const struct cf_sip_addr *
sip_msg_addr(const struct cf_sip_msg *msg, const struct cf_sip_span *v,
	     struct cf_sip_addr *tmp, unsigned want)
{
	const struct cf_sip_parsed *c = &msg->parsed;

	if (sip_same_span(v, &c->from_src))
		return c->from_rc < 0 ? NULL : &c->from;
	if (sip_same_span(v, &c->to_src))
		return c->to_rc < 0 ? NULL : &c->to;
	return sip_parse_addr(v->p, v->len, tmp, want) < 0 ? NULL : tmp;
}

const struct cf_sip_addr *
cf_sip_msg_addr(const struct cf_sip_msg *msg, const struct cf_sip_span *v,
		struct cf_sip_addr *tmp)
{
	return sip_msg_addr(msg, v, tmp, SIP_WANT_TAG);
}

const struct cf_sip_uri *
cf_sip_msg_ruri(const struct cf_sip_msg *msg, struct cf_sip_uri *tmp)
{
	const struct cf_sip_parsed *c = &msg->parsed;

	if (sip_same_span(&msg->ruri, &c->ruri_src))
		return c->ruri_rc < 0 ? NULL : &c->ruri;
	return sip_parse_uri(msg->ruri.p, msg->ruri.len, tmp, false) < 0 ?
	       NULL : tmp;
}
