/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Payloads to call events: the one place where a signalling message,
 * however it arrived (a capture, the screening socket, a HEP mirror),
 * becomes the call events the data plane judges and learns from.
 *
 *  - SIP (UDP datagrams, TCP messages framed by Content-Length,
 *    WebSocket frames, SCTP): INVITE = set-up; 2xx to INVITE = answer;
 *    CANCEL, BYE and final failures = release.
 *  - SIP-I / SIP-T (Q.1912.5, RFC 3204): an INVITE whose body carries an
 *    ISUP IAM is ONE set-up; the IAM's numbers join the SIP ones (the
 *    IAM's win where both name a party: rules/README.md says why).
 *  - ISUP in M3UA, M2PA or MTP2: IAM = set-up; ANM/CON = answer; REL =
 *    release.
 *
 * A struct cf_events is one thread's decoder: its parse buffer and its
 * counters of what it saw and why something was not decoded.  Nothing is
 * allocated per message.
 */
#ifndef CALLFENCE_EVENTS_H
#define CALLFENCE_EVENTS_H

#include <stdint.h>

#include <callfence/call.h>
#include <callfence/capture.h>
#include <callfence/sip.h>
#include <callfence/ss7.h>

struct cf_events_stats {
	uint64_t sip_requests[CF_SIP_METHOD__COUNT];
	uint64_t sip_responses[7];		/* by class, 1xx..6xx */
	uint64_t sip_errors[CF_SIP_ERR__COUNT];	/* [0] unused */
	uint64_t sip_isup;			/* application/ISUP parts */
	uint64_t sipi_mismatch;			/* SIP-I layers disagreeing */
	struct cf_ss7_stats ss7;
	uint64_t events[CF_EVENT__COUNT];	/* handed to the callback */
};

/* Called once per call event, with the payload it came from. */
typedef void (*cf_events_fn)(void *ctx, struct cf_call *call,
			     const struct cf_payload *p);

struct cf_events {
	struct cf_sip_msg msg;		/* the last SIP message parsed */
	struct cf_call call;
	struct cf_call isup;		/* SIP-I: the IAM's view */
	struct cf_events_stats stats;
};

void cf_events_init(struct cf_events *e);

/*
 * Decode payload @p with numbering plan @plan and hand each call event to
 * @fn.  The call's receive time is the payload's, its source the
 * payload's source.  Returns the events handed over (0 or 1), or a
 * negative enum cf_sip_err / cf_ss7_err when the message did not decode
 * (counted in @e->stats either way).  The owning thread only.
 */
int cf_events_payload(struct cf_events *e, const struct cf_payload *p,
		      const struct cf_numplan *plan, cf_events_fn fn,
		      void *ctx);

/*
 * The same for a SIP message already parsed into @msg (the screening
 * server parses every datagram itself to answer it): fills @call with its
 * event, SIP-I merged.  Returns 1 with @call filled, 0 when the message
 * is no call event (OPTIONS, ACK, a provisional response...), or
 * -enum cf_sip_err.  Counts nothing: the caller counts.
 */
int cf_events_sip(struct cf_events *e, const struct cf_sip_msg *msg,
		  const struct cf_numplan *plan, struct cf_call *call);

#endif /* CALLFENCE_EVENTS_H */
