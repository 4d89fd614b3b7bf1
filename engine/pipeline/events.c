/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Payloads to call events (callfence/events.h). */

#include <string.h>

#include <callfence/events.h>

void
cf_events_init(struct cf_events *e)
{
	memset(&e->stats, 0, sizeof(e->stats));
	cf_call_reset(&e->call);
	cf_call_reset(&e->isup);
}

static void
count_sip_err(struct cf_events *e, int err)
{
	e->stats.sip_errors[err > 0 && err < CF_SIP_ERR__COUNT ? err : 0]++;
}

/* Whether two parties name different numbers (both present and valid,
 * or one valid and the other not). */
static bool
party_differs(const struct cf_party *a, const struct cf_party *b)
{
	bool va = a->present && a->num.err == CF_NUM_OK;
	bool vb = b->present && b->num.err == CF_NUM_OK;

	if (!a->present || !b->present)
		return false;
	if (va != vb)
		return true;
	return va && a->num.key != b->num.key;
}

/*
 * SIP-I: merge @isup, the call the INVITE's IAM describes, into @call,
 * the INVITE's: every party the IAM carries replaces the SIP header's
 * (the IAM is the signalling of the network the call came from; the
 * interworking unit derives the SIP headers from it, Q.1912.5), the SIP
 * header's number is kept where the IAM has none, and call->sipi records
 * that the call was SIP-I and call->sipi_mismatch whether the two layers
 * named a different caller or callee.  Returns call->sipi_mismatch.
 */
static bool
merge_sipi(struct cf_call *call, const struct cf_call *isup)
{
	unsigned int r;

	call->sipi = true;
	call->sipi_mismatch =
		party_differs(&call->party[CF_PARTY_CALLER],
			      &isup->party[CF_PARTY_CALLER]) ||
		party_differs(&call->party[CF_PARTY_CALLEE],
			      &isup->party[CF_PARTY_CALLEE]);
	for (r = 0; r < CF_PARTY__COUNT; r++)
		if (isup->party[r].present)
			call->party[r] = isup->party[r];
	if (isup->party[CF_PARTY_CALLER].present)
		call->presentation = isup->presentation;
	if (isup->calling_category != CF_IND_ABSENT)
		call->calling_category = isup->calling_category;
	call->forwarded = call->forwarded || isup->forwarded;
	return call->sipi_mismatch;
}

/*
 * The ISUP part of a SIP-I/SIP-T message, if it has one: counted with the
 * other ISUP messages; an IAM in an INVITE fills e->isup and returns 1.
 */
static int
sip_isup(struct cf_events *e, const struct cf_sip_msg *sip,
	 const struct cf_numplan *plan)
{
	const struct cf_sip_part *part;
	struct cf_sip_body body;
	struct cf_isup_msg msg;
	int n;

	if (!sip->body.len || !sip->content_type.len)
		return 0;
	n = cf_sip_body_parts(sip, &body);
	if (n < 0) {
		count_sip_err(e, -n);
		return 0;
	}
	part = cf_sip_body_find(&body, "application/isup");
	if (!part)
		return 0;
	e->stats.sip_isup++;
	n = cf_isup_decode((const uint8_t *)part->body.p, part->body.len,
			   CF_ISUP_F_NO_CIC, &msg);
	if (n >= 0 || n == -CF_SS7_ERR_UNSUPPORTED_MSG)
		e->stats.ss7.isup_type[msg.type]++;
	e->stats.ss7.err[n < 0 ? -n : 0]++;
	if (n < 0)
		return 0;
	if (msg.num_err)
		e->stats.ss7.err[msg.num_err]++;
	if (!sip->request || sip->method != CF_SIP_METHOD_INVITE)
		return 0;
	cf_call_reset(&e->isup);
	if (cf_isup_to_call(&msg, NULL, plan, &e->isup) != 1 ||
	    e->isup.event != CF_EVENT_SETUP)
		return 0;
	return 1;
}

int
cf_events_sip(struct cf_events *e, const struct cf_sip_msg *msg,
	      const struct cf_numplan *plan, struct cf_call *call)
{
	int err;

	err = cf_sip_to_call(msg, plan, call);
	if (err == -CF_SIP_ERR_NO_CALL_EVENT)
		return 0;
	/* An INVITE whose headers do not name the parties can still be
	 * judged by its IAM. */
	if (sip_isup(e, msg, plan) == 1) {
		if (err < 0) {
			*call = e->isup;
			call->proto = CF_PROTO_SIP;
			cf_call_set_sip_ref(call, msg->call_id.p,
					    msg->call_id.len);
			call->sipi = true;
		} else if (merge_sipi(call, &e->isup)) {
			e->stats.sipi_mismatch++;
		}
		return 1;
	}
	return err < 0 ? err : 1;
}

static int
on_sip(struct cf_events *e, const struct cf_payload *p,
       const struct cf_numplan *plan, cf_events_fn fn, void *ctx)
{
	ssize_t len;
	int n;

	/* TCP hands over messages framed by Content-Length, which a stream
	 * transport must carry; a datagram or a WebSocket frame is whole. */
	len = cf_sip_parse(&e->msg, (const char *)p->data, p->len,
			   p->transport == CF_TRANSPORT_TCP ? CF_SIP_STREAM : 0);
	if (len < 0) {
		count_sip_err(e, (int)-len);
		return (int)len;
	}
	if (e->msg.request)
		e->stats.sip_requests[e->msg.method]++;
	else
		e->stats.sip_responses[e->msg.status / 100]++;
	cf_call_reset(&e->call);
	n = cf_events_sip(e, &e->msg, plan, &e->call);
	if (n < 0) {
		count_sip_err(e, -n);
		return n;
	}
	if (n == 0)
		return 0;
	e->call.rx_ns = p->ts_ns;
	e->call.src = p->src;
	e->stats.events[e->call.event]++;
	fn(ctx, &e->call, p);
	return 1;
}

static int
on_ss7(struct cf_events *e, const struct cf_payload *p,
       const struct cf_numplan *plan, cf_events_fn fn, void *ctx)
{
	int n;

	cf_call_reset(&e->call);
	switch (p->kind) {
	case CF_PAYLOAD_M3UA:
		n = cf_ss7_m3ua_to_call(&e->stats.ss7, p->data, p->len, plan,
					&e->call);
		break;
	case CF_PAYLOAD_M2PA:
		n = cf_ss7_m2pa_to_call(&e->stats.ss7, p->data, p->len, 0, plan,
					&e->call);
		break;
	case CF_PAYLOAD_MTP2:
		/* DLT_MTP2 records keep the frame check sequence. */
		n = cf_ss7_mtp2_to_call(&e->stats.ss7, p->data, p->len,
					CF_MTP2_F_FCS, plan, &e->call);
		break;
	default:
		return 0;
	}
	if (n != 1)
		return n;
	e->call.rx_ns = p->ts_ns;
	e->stats.events[e->call.event]++;
	fn(ctx, &e->call, p);
	return 1;
}

int
cf_events_payload(struct cf_events *e, const struct cf_payload *p,
		  const struct cf_numplan *plan, cf_events_fn fn, void *ctx)
{
	if (p->kind == CF_PAYLOAD_SIP)
		return on_sip(e, p, plan, fn, ctx);
	return on_ss7(e, p, plan, fn, ctx);
}
