/* SPDX-License-Identifier: GPL-2.0-or-later */
/* callfence replay: the summary on stderr of what was read and judged. */

#include <stdio.h>

#include "replay.h"

static void
print_ss7(const struct cf_ss7_stats *ss7)
{
	unsigned int t;

	fprintf(stderr, "isup messages:");
	for (t = 0; t < 256; t++)
		if (ss7->isup_type[t])
			fprintf(stderr, " %s %llu", cf_isup_msg_name(t),
				(unsigned long long)ss7->isup_type[t]);
	fprintf(stderr, "\nss7 skipped:");
	for (t = 1; t < CF_SS7_ERR__COUNT; t++)
		if (ss7->err[t] && cf_ss7_err_is_skip((int)t))
			fprintf(stderr, " %s %llu", cf_ss7_err_name((int)t),
				(unsigned long long)ss7->err[t]);
	fprintf(stderr, "\n");
}

void
replay_summary(const struct replay *r, const struct cf_capture *cap)
{
	const struct cf_events_stats *st = r->stats;
	char stats[4096];
	unsigned int i;

	fprintf(stderr, "replay: %u file(s)\n", r->files);
	cf_capture_stats_print(cf_capture_stats(cap), stats, sizeof(stats));
	fprintf(stderr, "capture:\n%s", stats);
	fprintf(stderr, "sip requests:");
	for (i = 0; i < CF_SIP_METHOD__COUNT; i++)
		if (st->sip_requests[i])
			fprintf(stderr, " %s %llu", cf_sip_method_name(i),
				(unsigned long long)st->sip_requests[i]);
	fprintf(stderr, "\nsip responses:");
	for (i = 1; i < 7; i++)
		if (st->sip_responses[i])
			fprintf(stderr, " %uxx %llu", i,
				(unsigned long long)st->sip_responses[i]);
	fprintf(stderr, "\nsip-i isup parts: %llu (layers disagreeing: %llu)\n",
		(unsigned long long)st->sip_isup,
		(unsigned long long)st->sipi_mismatch);
	print_ss7(&st->ss7);
	fprintf(stderr, "calls: sip %llu, isup %llu\n",
		(unsigned long long)r->calls[CF_PROTO_SIP],
		(unsigned long long)r->calls[CF_PROTO_ISUP]);
	if (r->plane) {
		fprintf(stderr, "verdicts:");
		for (i = 0; i < CF_ACTION__COUNT; i++)
			fprintf(stderr, " %s %llu", cf_action_name(i),
				(unsigned long long)r->verdicts[i]);
		fprintf(stderr, "\ntrial rules:");
		for (i = 0; i < cf_plane_rule_slots(r->plane); i++)
			if (cf_plane_monitor_hits(r->plane, i))
				fprintf(stderr, " %s %llu",
					cf_plane_rule_name(r->plane, i),
					(unsigned long long)
					cf_plane_monitor_hits(r->plane, i));
		fprintf(stderr, "\n");
	}
	fprintf(stderr, "decode errors:");
	for (i = 1; i < CF_SIP_ERR__COUNT; i++)
		if (st->sip_errors[i] && i != CF_SIP_ERR_NO_CALL_EVENT)
			fprintf(stderr, " sip:%s %llu", cf_sip_err_name(i),
				(unsigned long long)st->sip_errors[i]);
	for (i = 1; i < CF_SS7_ERR__COUNT; i++)
		if (st->ss7.err[i] && !cf_ss7_err_is_skip((int)i))
			fprintf(stderr, " ss7:%s %llu", cf_ss7_err_name((int)i),
				(unsigned long long)st->ss7.err[i]);
	fprintf(stderr, "\n");
}
