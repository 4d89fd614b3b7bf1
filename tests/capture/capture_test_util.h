/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test-side helpers for the capture tests: a collector of payloads and a
 * minimal SIP framer.  The framer is a test oracle standing in for the SIP
 * decoder's cf_sip_message_length(); it is not engine code.
 */
#ifndef CAPTURE_TEST_UTIL_H
#define CAPTURE_TEST_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include <callfence/capture.h>

#define COLLECT_MAX	64
#define COLLECT_BYTES	4096

struct collected {
	struct cf_payload p;		/* data points into buf */
	uint8_t buf[COLLECT_BYTES];
};

struct collector {
	unsigned int n;
	unsigned int total;
	struct collected item[COLLECT_MAX];
};

static inline void
collect(void *ctx, const struct cf_payload *p)
{
	struct collector *c = ctx;
	struct collected *it;
	size_t n;

	c->total++;
	if (c->n >= COLLECT_MAX)
		return;
	it = &c->item[c->n++];
	it->p = *p;
	n = p->len < COLLECT_BYTES ? p->len : COLLECT_BYTES;
	memcpy(it->buf, p->data, n);
	it->p.data = it->buf;
}

/*
 * Length of the first SIP message in @buf: headers up to the blank line,
 * then Content-Length (or compact "l") bytes of body.  0 = need more,
 * -1 = does not start like a SIP message.
 */
static inline ssize_t
test_sip_framer(const uint8_t *buf, size_t len)
{
	const uint8_t *end;
	size_t hl, i, cl = 0;
	const char *s;

	/* The start line: "SIP/2.0 NNN ..." or "METHOD uri SIP/2.0". */
	end = memmem(buf, len, "\r\n", 2);
	if (!end)
		return len > 1024 ? -1 : 0;
	hl = (size_t)(end - buf);
	if (!(hl >= 8 && !memcmp(buf, "SIP/2.0 ", 8)) &&
	    !(hl >= 8 && !memcmp(end - 8, " SIP/2.0", 8) && buf[0] >= 'A' &&
	      buf[0] <= 'Z'))
		return -1;
	end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end)
		return len > 16384 ? -1 : 0;
	hl = (size_t)(end - buf) + 4;
	for (i = 0; i + 2 < hl; i++) {
		if (buf[i] != '\n')
			continue;
		s = (const char *)buf + i + 1;
		if (!strncasecmp(s, "Content-Length:", 15))
			s += 15;
		else if (!strncasecmp(s, "l:", 2))
			s += 2;
		else
			continue;
		/* Bounded by the header block: never strtoul on bytes
		 * that may not be NUL-terminated. */
		while (s < (const char *)buf + hl && (*s == ' ' || *s == '\t'))
			s++;
		while (s < (const char *)buf + hl && *s >= '0' && *s <= '9' &&
		       cl <= 1000000)
			cl = cl * 10 + (size_t)(*s++ - '0');
		break;
	}
	if (cl > 1000000)
		return -1;
	return hl + cl <= len ? (ssize_t)(hl + cl) : 0;
}

#endif /* CAPTURE_TEST_UTIL_H */
