/* SPDX-License-Identifier: GPL-2.0-or-later */
/* callfence replay: M3UA, M2PA and MTP2 payloads down to ISUP call events. */

#include <callfence/ss7.h>

#include "replay.h"

void
replay_ss7(struct replay *r, const struct cf_payload *p)
{
	struct cf_call call;
	int n;

	switch (p->kind) {
	case CF_PAYLOAD_M3UA:
		n = cf_ss7_m3ua_to_call(&r->ss7, p->data, p->len, r->plan, &call);
		break;
	case CF_PAYLOAD_M2PA:
		n = cf_ss7_m2pa_to_call(&r->ss7, p->data, p->len, 0, r->plan,
					&call);
		break;
	case CF_PAYLOAD_MTP2:
		/* DLT_MTP2 records keep the frame check sequence. */
		n = cf_ss7_mtp2_to_call(&r->ss7, p->data, p->len, CF_MTP2_F_FCS,
					r->plan, &call);
		break;
	default:
		return;
	}
	if (n != 1)
		return;
	call.rx_ns = p->ts_ns;
	if (call.event == CF_EVENT_SETUP)
		replay_emit(r, &call, p->frame);
	else
		replay_observe(r, &call);	/* ANM, CON, REL */
}

/*
 * SIP-I and SIP-T (Q.1912.5, RFC 3204) carry the ISUP message of the call
 * in an application/ISUP body part, without a CIC.  Any SIP message's
 * part is decoded and counted with the other ISUP messages; an IAM in an
 * INVITE is emitted as a set-up of its own, right after the INVITE's SIP
 * record, so a rule can compare what the two layers claim.
 *
 * The ISUP part has neither point codes nor a CIC: the record is named by
 * the SIP Call-ID, like the SIP record and the rest of the dialogue, and
 * it entered where its SIP message did, so its ingress is the IP
 * source's.
 */
void
replay_sip_isup(struct replay *r, const struct cf_payload *p,
		const struct cf_sip_msg *sip)
{
	const struct cf_sip_part *part;
	struct cf_sip_body body;
	struct cf_isup_msg msg;
	struct cf_call call;
	int n;

	n = cf_sip_body_parts(sip, &body);
	if (n < 0) {
		r->sip_errors[-n < CF_SIP_ERR__COUNT ? -n : 0]++;
		return;
	}
	part = cf_sip_body_find(&body, "application/isup");
	if (!part)
		return;
	r->sip_isup++;
	n = cf_isup_decode((const uint8_t *)part->body.p, part->body.len,
			   CF_ISUP_F_NO_CIC, &msg);
	if (n >= 0 || n == -CF_SS7_ERR_UNSUPPORTED_MSG)
		r->ss7.isup_type[msg.type]++;
	r->ss7.err[n < 0 ? -n : 0]++;
	if (n < 0)
		return;
	if (msg.num_err)
		r->ss7.err[msg.num_err]++;
	if (!sip->request || sip->method != CF_SIP_METHOD_INVITE)
		return;
	if (cf_isup_to_call(&msg, NULL, r->plan, &call) != 1 ||
	    call.event != CF_EVENT_SETUP)
		return;
	call.rx_ns = p->ts_ns;
	call.src = p->src;
	cf_call_set_sip_ref(&call, sip->call_id.p, sip->call_id.len);
	replay_emit(r, &call, p->frame);
}

void
replay_ss7_summary(const struct replay *r)
{
	unsigned int t;

	fprintf(stderr, "isup messages:");
	for (t = 0; t < 256; t++)
		if (r->ss7.isup_type[t])
			fprintf(stderr, " %s %llu", cf_isup_msg_name(t),
				(unsigned long long)r->ss7.isup_type[t]);
	fprintf(stderr, "\nss7 skipped:");
	for (t = 1; t < CF_SS7_ERR__COUNT; t++)
		if (r->ss7.err[t] && cf_ss7_err_is_skip((int)t))
			fprintf(stderr, " %s %llu", cf_ss7_err_name((int)t),
				(unsigned long long)r->ss7.err[t]);
	fprintf(stderr, "\n");
}

void
replay_ss7_errors(const struct replay *r)
{
	unsigned int t;

	for (t = 1; t < CF_SS7_ERR__COUNT; t++)
		if (r->ss7.err[t] && !cf_ss7_err_is_skip((int)t))
			fprintf(stderr, " ss7:%s %llu", cf_ss7_err_name((int)t),
				(unsigned long long)r->ss7.err[t]);
}
