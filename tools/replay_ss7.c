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
