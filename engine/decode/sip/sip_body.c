/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIP bodies split into parts (RFC 2046 §5.1, RFC 5621): what SIP-I and
 * SIP-T (Q.1912.5, RFC 3204) need to find the ISUP message next to the SDP.
 *
 * Everything is a span into the message: a part costs five spans, and
 * the delimiter search reads each body byte a bounded number of times
 * (memmem, then a check of the line the match is on).
 */

#include <string.h>

#include "sip_private.h"

void
cf_sip_media_type(const struct cf_sip_span *ct, struct cf_sip_span *type,
		  struct cf_sip_span *params)
{
	const char *p = ct->p;
	size_t len = ct->p ? ct->len : 0, semi;

	sip_trim(&p, &len);
	semi = sip_find(p, len, ';');
	if (semi < len) {
		const char *q = p + semi + 1;
		size_t qlen = len - semi - 1;

		sip_trim(&q, &qlen);
		*params = sip_span(q, qlen);
		len = semi;
		sip_trim(&p, &len);
	} else {
		*params = sip_span(NULL, 0);
	}
	*type = len ? sip_span(p, len) : sip_span(NULL, 0);
}

/* The delimiter "--boundary" and where the body it delimits is. */
struct delim {
	const char *body, *end;
	char text[2 + CF_SIP_BOUNDARY_MAX];
	size_t len;
};

/*
 * The next delimiter line at or after @from: "--boundary" at the start of
 * the body or of a line, followed by "--" (the close delimiter, *@close
 * set) or by transport padding and the line end.  A match inside a line
 * or followed by other characters (a longer boundary that starts with
 * ours) is body content.  Returns the delimiter's first byte, or NULL.
 */
static const char *
find_delim(const struct delim *d, const char *from, bool *close)
{
	const char *q, *t;

	while (from < d->end) {
		q = memmem(from, (size_t)(d->end - from), d->text, d->len);
		if (!q)
			return NULL;
		from = q + 1;
		if (q != d->body && q[-1] != '\n')
			continue;
		t = q + d->len;
		if (d->end - t >= 2 && t[0] == '-' && t[1] == '-') {
			*close = true;
			return q;
		}
		while (t < d->end && (*t == ' ' || *t == '\t'))
			t++;
		if (t == d->end || *t == '\n' ||
		    (*t == '\r' && (t + 1 == d->end || t[1] == '\n'))) {
			*close = false;
			return q;
		}
	}
	return NULL;
}

/* Past the line that starts at @p (its LF included), or @end. */
static const char *
next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : end;
}

/* Whether the line at @p is empty (CRLF or LF alone). */
static bool
blank_line(const char *p, const char *end)
{
	return (p < end && *p == '\n') ||
	       (end - p >= 2 && p[0] == '\r' && p[1] == '\n');
}

/*
 * Read one part's headers and body from [@p, @end).  Headers run to the
 * blank line; a part that has no blank line is all headers (RFC 2046
 * §5.1.1: the body is optional).  Of the headers only Content-Type is
 * read, folded continuation lines included; lines without a colon are
 * skipped as a MIME reader does.
 */
static void
read_part(const char *p, const char *end, struct cf_sip_part *part)
{
	const char *h = p, *line, *next, *colon, *v;
	size_t name_len, vlen;

	memset(part, 0, sizeof(*part));
	while (p < end && !blank_line(p, end)) {
		line = p;
		next = next_line(p, end);
		/* Continuation lines start with white space. */
		while (next < end && (*next == ' ' || *next == '\t'))
			next = next_line(next, end);
		p = next;
		colon = memchr(line, ':', (size_t)(next - line));
		if (!colon)
			continue;
		name_len = (size_t)(colon - line);
		while (name_len && (line[name_len - 1] == ' ' ||
				    line[name_len - 1] == '\t'))
			name_len--;
		if (name_len != 12 || !sip_ieq(line, "content-type", 12) ||
		    part->content_type.p)
			continue;
		v = colon + 1;
		vlen = (size_t)(next - v);
		sip_trim(&v, &vlen);
		part->content_type = sip_span(v, vlen);
	}
	if (p > h) {
		size_t hlen = (size_t)(p - h);

		/* The headers without their last line end. */
		if (hlen && h[hlen - 1] == '\n')
			hlen--;
		if (hlen && h[hlen - 1] == '\r')
			hlen--;
		part->headers = sip_span(h, hlen);
	}
	if (p < end)
		p = next_line(p, end);	/* the blank line */
	if (p < end)
		part->body = sip_span(p, (size_t)(end - p));
	cf_sip_media_type(&part->content_type, &part->type, &part->type_params);
}

static int
split_multipart(const struct cf_sip_span *params,
		const struct cf_sip_span *body, struct cf_sip_body *out)
{
	const char *d0, *start, *stop;
	struct cf_sip_span b;
	struct delim d;
	bool close;

	if (!cf_sip_param(params, "boundary", &b))
		return -CF_SIP_ERR_BAD_MULTIPART;
	/* boundary := 0*69<bchars> bcharsnospace, no quotes or backslashes
	 * inside: stripping the quotes is all a quoted one needs. */
	if (b.len >= 2 && b.p[0] == '"' && b.p[b.len - 1] == '"') {
		b.p++;
		b.len -= 2;
	}
	/* An empty body has no delimiter; its NULL start must not be
	 * offset either. */
	if (!b.len || b.len > CF_SIP_BOUNDARY_MAX || !body->p)
		return -CF_SIP_ERR_BAD_MULTIPART;
	d.text[0] = '-';
	d.text[1] = '-';
	memcpy(d.text + 2, b.p, b.len);
	d.len = 2 + b.len;
	d.body = body->p;
	d.end = body->p + body->len;

	/* The preamble before the first delimiter is not a part. */
	d0 = find_delim(&d, body->p, &close);
	if (!d0)
		return -CF_SIP_ERR_BAD_MULTIPART;
	while (!close) {
		/* The delimiter line ends with its CRLF. */
		start = next_line(d0, d.end);
		if (start == d.end)
			break;
		d0 = find_delim(&d, start, &close);
		if (d0) {
			/* The line break before a delimiter is part of it. */
			stop = d0;
			if (stop > start && stop[-1] == '\n')
				stop--;
			if (stop > start && stop[-1] == '\r')
				stop--;
		} else {
			stop = d.end;
		}
		if (out->n_parts == CF_SIP_PARTS_MAX)
			return -CF_SIP_ERR_TOO_MANY_PARTS;
		read_part(start, stop, &out->part[out->n_parts++]);
		if (!d0)
			return out->n_parts;
	}
	/* Whatever follows the close delimiter is the epilogue. */
	out->closed = close;
	return out->n_parts;
}

int
cf_sip_body_split(const struct cf_sip_span *ct, const struct cf_sip_span *body,
		  struct cf_sip_body *out)
{
	struct cf_sip_span type, params;
	struct cf_sip_part *part;

	out->n_parts = 0;
	out->multipart = false;
	out->closed = false;
	cf_sip_media_type(ct, &type, &params);
	if (type.len >= 10 && sip_ieq(type.p, "multipart/", 10)) {
		out->multipart = true;
		return split_multipart(&params, body, out);
	}
	if (!body->p || !body->len)
		return 0;
	part = &out->part[0];
	memset(part, 0, sizeof(*part));
	part->content_type = ct->p ? *ct : sip_span(NULL, 0);
	part->type = type;
	part->type_params = params;
	part->body = *body;
	out->n_parts = 1;
	return 1;
}

int
cf_sip_body_parts(const struct cf_sip_msg *msg, struct cf_sip_body *out)
{
	return cf_sip_body_split(&msg->content_type, &msg->body, out);
}

const struct cf_sip_part *
cf_sip_body_find(const struct cf_sip_body *body, const char *lc_type)
{
	size_t n = strlen(lc_type);
	unsigned int i;

	for (i = 0; i < body->n_parts; i++)
		if (sip_span_ieq(&body->part[i].type, lc_type, n))
			return &body->part[i];
	return NULL;
}
