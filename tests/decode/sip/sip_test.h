/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the SIP decoder tests. */
#ifndef CALLFENCE_SIP_TEST_H
#define CALLFENCE_SIP_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <callfence/sip.h>

/*
 * A span as a C string for assert_string_equal(), so a failure prints
 * both texts.  "(absent)" for a span with no pointer.  Rotates through a
 * few buffers so one assert may show two spans.
 */
static inline const char *
span_str(struct cf_sip_span s)
{
	static char bufs[4][2048];
	static unsigned next;
	char *b = bufs[next++ % 4];
	size_t n;

	if (!s.p)
		return "(absent)";
	n = s.len < sizeof(bufs[0]) - 1 ? s.len : sizeof(bufs[0]) - 1;
	memcpy(b, s.p, n);
	b[n] = '\0';
	return b;
}

#define assert_span(s, str) assert_string_equal(span_str(s), (str))

/* Parse a NUL-terminated text as one datagram from an exactly-sized heap
 * copy, so ASan sees any read past the end. */
static inline ssize_t
parse_text(struct cf_sip_msg *msg, const char *text, char **copy)
{
	size_t len = strlen(text);
	char *b = malloc(len ? len : 1);

	assert_non_null(b);
	memcpy(b, text, len);
	*copy = b;
	return cf_sip_parse(msg, b, len, 0);
}

#endif /* CALLFENCE_SIP_TEST_H */
