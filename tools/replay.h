/* SPDX-License-Identifier: GPL-2.0-or-later */
/* callfence replay: state shared by the SIP and SS7 halves. */
#ifndef CALLFENCE_TOOLS_REPLAY_H
#define CALLFENCE_TOOLS_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include <callfence/capture.h>
#include <callfence/ingress.h>
#include <callfence/ruleset.h>
#include <callfence/sip.h>
#include <callfence/ss7.h>

struct replay {
	const struct cf_numplan *plan;
	struct cf_ruleset *rs;			/* NULL: not judging */
	struct cf_ruleset_scratch *scratch;
	bool csv;
	struct cf_ingress_map ingress;
	unsigned int files;
	uint64_t calls[CF_PROTO__COUNT];
	uint64_t verdicts[CF_ACTION__COUNT];
	uint64_t sip_requests[CF_SIP_METHOD__COUNT];
	uint64_t sip_responses[7];		/* by class, 1xx..6xx */
	uint64_t sip_errors[CF_SIP_ERR__COUNT];
	uint64_t sip_isup;			/* application/ISUP parts */
	struct cf_ss7_stats ss7;
};

/* Classify the ingress, judge (with rules) and print one call set-up. */
void replay_emit(struct replay *r, struct cf_call *call, uint32_t frame);
/* An answer or release: to the rules' heuristics (with rules). */
void replay_observe(struct replay *r, const struct cf_call *call);

/* M3UA, M2PA and MTP2 payloads. */
void replay_ss7(struct replay *r, const struct cf_payload *p);
/* SIP-I/SIP-T: the ISUP part of a parsed SIP message, if it has one. */
void replay_sip_isup(struct replay *r, const struct cf_payload *p,
		     const struct cf_sip_msg *sip);
void replay_ss7_summary(const struct replay *r);
void replay_ss7_errors(const struct replay *r);

#endif
