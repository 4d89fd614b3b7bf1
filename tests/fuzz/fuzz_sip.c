/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the SIP decoder: the datagram parser, the stream
 * framer, and the call-record path with its URI parsing, all on the same
 * bytes.  The input is copied to an exactly-sized buffer so ASan sees a
 * read one byte past the end.  Invariants checked (abort = finding):
 *  - a successful parse stays inside the input and its spans do too;
 *  - cf_sip_message_length() never claims more bytes than it was given,
 *    and a length it returns parses as a stream message of that length;
 *  - body parts (multipart, SIP-I) stay inside the message body, and an
 *    application/ISUP part goes through the ISUP decoder as replay does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <callfence/call.h>
#include <callfence/number.h>
#include <callfence/sip.h>
#include <callfence/ss7.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_span(const struct cf_sip_span *s, const char *buf, size_t len)
{
	if (s->p && (s->p < buf || s->p + s->len > buf + len))
		abort();
}

static void
check_msg(const struct cf_sip_msg *m, const char *buf, size_t len)
{
	unsigned i;

	check_span(&m->ruri, buf, len);
	check_span(&m->from, buf, len);
	check_span(&m->to, buf, len);
	check_span(&m->call_id, buf, len);
	check_span(&m->body, buf, len);
	if (m->n_via > CF_SIP_VIA_MAX || m->n_pai > CF_SIP_PAI_MAX ||
	    m->n_diversion > CF_SIP_DIVERSION_MAX ||
	    m->n_history > CF_SIP_HISTORY_MAX)
		abort();
	for (i = 0; i < m->n_via; i++)
		check_span(&m->via[i], buf, len);
	for (i = 0; i < m->n_pai; i++)
		check_span(&m->pai[i], buf, len);
}

static void
check_body(const struct cf_sip_msg *m, const struct cf_numplan *plan)
{
	const struct cf_sip_part *part;
	struct cf_sip_body body;
	struct cf_isup_msg isup;
	struct cf_call call;
	int i, n;

	n = cf_sip_body_parts(m, &body);
	if (n > CF_SIP_PARTS_MAX)
		abort();
	for (i = 0; i < n; i++) {
		check_span(&body.part[i].body, m->body.p, m->body.len);
		check_span(&body.part[i].headers, m->body.p, m->body.len);
		check_span(&body.part[i].type, m->buf, m->len);
	}
	part = n > 0 ? cf_sip_body_find(&body, "application/isup") : NULL;
	if (part && cf_isup_decode((const uint8_t *)part->body.p,
				   part->body.len, CF_ISUP_F_NO_CIC,
				   &isup) >= 0)
		cf_isup_to_call(&isup, NULL, plan, &call);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cf_numplan plan;
	struct cf_sip_addr addr;
	struct cf_sip_msg msg;
	struct cf_call call;
	char num[24];
	ssize_t rc, ml;
	char *buf;

	if (!plan.cc_len && cf_numplan_default(&plan, "44", NULL) != 0)
		abort();
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	rc = cf_sip_parse(&msg, buf, size, 0);
	if (rc > (ssize_t)size)
		abort();
	if (rc > 0) {
		check_msg(&msg, buf, size);
		cf_call_reset(&call);
		cf_sip_to_call(&msg, &plan, &call);
		check_body(&msg, &plan);
		if (msg.n_via && cf_sip_parse_addr(msg.contact.p,
						   msg.contact.len, &addr) == 0)
			cf_sip_uri_number(&addr.uri, num, sizeof(num));
	}

	ml = cf_sip_message_length(buf, size);
	if (ml > (ssize_t)size)
		abort();
	if (ml > 0) {
		rc = cf_sip_parse(&msg, buf, (size_t)ml, CF_SIP_STREAM);
		/* The framer reads less than the parser: the parser may
		 * refuse, but if it accepts, the lengths agree. */
		if (rc > 0 && rc != ml)
			abort();
	}

	/* The URI parsers on the raw bytes too: they take any value. */
	if (cf_sip_parse_addr(buf, size, &addr) == 0) {
		check_span(&addr.uri.user, buf, size);
		check_span(&addr.tag, buf, size);
		cf_sip_uri_number(&addr.uri, num, sizeof(num));
		cf_sip_uri_has_number(&addr.uri);
	}
	free(buf);
	return 0;
}
