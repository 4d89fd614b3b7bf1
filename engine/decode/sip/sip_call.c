/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * From a parsed SIP message to the call record rules read.
 *
 * Which header names which party follows how carriers use them: the
 * network-asserted identity (RFC 3325) before the user-supplied From, the
 * Request-URI (where the call is routed) before To (what the caller
 * dialled, possibly long ago), Diversion (RFC 5806) before History-Info
 * (RFC 7044) because gateways to ISUP still write Diversion.
 */

#include <string.h>

#include <callfence/sip.h>

#include "sip_private.h"

/* Bytes of a number's text before normalisation: far more than the 15
 * digits of E.164, so visual separators and a phone-context fit. */
#define SIP_NUM_MAX	64

/*
 * Q.850 cause of a final failure response, after RFC 3398 §8.2.6.1
 * (which maps ISUP to SIP; this is its inverse where it is one-to-one).
 * Codes not listed map to 127, interworking unspecified.
 */
static const struct {
	uint16_t status;
	uint8_t cause;
} sip_causes[] = {
	{ 400, 41 }, { 401, 21 }, { 402, 21 }, { 403, 21 }, { 404, 1 },
	{ 405, 63 }, { 406, 79 }, { 407, 21 }, { 408, 102 }, { 410, 22 },
	{ 480, 18 }, { 481, 41 }, { 482, 25 }, { 483, 25 }, { 484, 28 },
	{ 485, 1 }, { 486, 17 }, { 487, 16 }, { 500, 41 }, { 501, 79 },
	{ 502, 38 }, { 503, 41 }, { 504, 102 }, { 600, 17 }, { 603, 21 },
	{ 604, 1 }, { 606, 58 }, { 608, 21 },
};

static uint16_t
sip_release_cause(uint16_t status)
{
	size_t i;

	for (i = 0; i < sizeof(sip_causes) / sizeof(sip_causes[0]); i++)
		if (sip_causes[i].status == status)
			return sip_causes[i].cause;
	return 127;
}

/*
 * Record the number @uri carries as @role.  The normaliser reads the
 * %-decoded text; raw keeps the user part as received, as the comment of
 * cf_sip_to_call() promises.  Returns false when the URI has no user part.
 */
static bool
sip_set_party(struct cf_call *call, enum cf_party_role role,
	      const struct cf_numplan *plan, const struct cf_sip_uri *uri)
{
	struct cf_party *party = &call->party[role];
	char num[SIP_NUM_MAX];
	size_t keep;
	int n;

	n = cf_sip_uri_number(uri, num, sizeof(num));
	if (n <= 0)
		return false;
	if ((size_t)n >= sizeof(num))
		n = sizeof(num) - 1;	/* already too long for E.164 */
	cf_call_set_party(call, role, plan, num, (size_t)n, CF_NAI_UNKNOWN);

	if (uri->user.len != (uint32_t)n ||
	    memcmp(uri->user.p, num, (size_t)n)) {
		keep = uri->user.len < CF_RAW_MAX - 1 ? uri->user.len :
							CF_RAW_MAX - 1;
		memcpy(party->raw, uri->user.p, keep);
		party->raw[keep] = '\0';
		party->raw_len = (uint8_t)keep;
		party->raw_truncated = keep < uri->user.len;
	}
	return true;
}

/* An address header value's URI, or NULL if it does not parse. */
static const struct cf_sip_uri *
sip_addr_uri(const struct cf_sip_msg *msg, const struct cf_sip_span *v,
	     struct cf_sip_addr *addr)
{
	const struct cf_sip_addr *a;

	if (!v->len || !(a = sip_msg_addr(msg, v, addr, 0)))
		return NULL;
	return &a->uri;
}

/* RFC 3323 §4.2: "id" (RFC 3325), "header" and "user" hide the caller;
 * "none" and "session" do not. */
static bool
sip_privacy_restricted(const struct cf_sip_msg *msg)
{
	const char *p;
	size_t i, j, len;
	unsigned k;

	for (k = 0; k < msg->n_privacy; k++) {
		p = msg->privacy[k].p;
		len = msg->privacy[k].len;
		for (i = 0; i < len; i = j + 1) {
			while (i < len && (p[i] == ';' || p[i] == ',' ||
					   sip_is(p[i], SIP_C_LWS)))
				i++;
			for (j = i; j < len && sip_is(p[j], SIP_C_TOKEN); j++)
				;
			if ((j - i == 2 && sip_ieq(p + i, "id", 2)) ||
			    (j - i == 4 && sip_ieq(p + i, "user", 4)) ||
			    (j - i == 6 && sip_ieq(p + i, "header", 6)))
				return true;
		}
	}
	return false;
}

static int
sip_event(const struct cf_sip_msg *msg, struct cf_call *call)
{
	if (msg->request) {
		switch (msg->method) {
		case CF_SIP_METHOD_INVITE:
			call->event = CF_EVENT_SETUP;
			return 0;
		case CF_SIP_METHOD_BYE:
		case CF_SIP_METHOD_CANCEL:
			/* Normal clearing; a Reason header could say more.
			 * Only an established dialog has a BYE. */
			call->event = CF_EVENT_RELEASE;
			call->release_cause = 16;
			call->answered = msg->method == CF_SIP_METHOD_BYE;
			return 0;
		}
		return -CF_SIP_ERR_NO_CALL_EVENT;
	}
	/* A 3xx redirects: the call goes on (a proxy recurses to the
	 * Contact, as an SBC does with a screening server's 302), so it is
	 * no release. */
	if (msg->method != CF_SIP_METHOD_INVITE || msg->status < 200 ||
	    (msg->status >= 300 && msg->status < 400))
		return -CF_SIP_ERR_NO_CALL_EVENT;
	if (msg->status < 300) {
		call->event = CF_EVENT_ANSWER;
	} else {
		call->event = CF_EVENT_RELEASE;
		call->release_cause = sip_release_cause(msg->status);
	}
	return 0;
}

int
cf_sip_to_call(const struct cf_sip_msg *msg, const struct cf_numplan *plan,
	       struct cf_call *call)
{
	const struct cf_sip_uri *uri;
	struct cf_sip_addr addr;
	struct cf_sip_uri tmp;
	bool caller = false;
	unsigned i;
	int rc;

	rc = sip_event(msg, call);
	if (rc < 0)
		return rc;
	call->proto = CF_PROTO_SIP;
	cf_call_set_sip_ref(call, msg->call_id.p, msg->call_id.len);

	/* Caller: a PAI that does not parse or carries no number (a sip:
	 * URI naming a user, say) is passed over, not an error. */
	for (i = 0; i < msg->n_pai && !caller; i++) {
		uri = sip_addr_uri(msg, &msg->pai[i], &addr);
		if (uri && cf_sip_uri_has_number(uri))
			caller = sip_set_party(call, CF_PARTY_CALLER, plan, uri);
	}
	if (!caller) {
		uri = sip_addr_uri(msg, &msg->from, &addr);
		if (!uri)
			return -CF_SIP_ERR_BAD_URI;
		/* "anonymous" goes in too: present, normalised as withheld. */
		sip_set_party(call, CF_PARTY_CALLER, plan, uri);
	}

	/* Callee: the Request-URI, To when it names no user (or this is a
	 * response, which has no Request-URI). */
	uri = NULL;
	if (msg->request) {
		uri = cf_sip_msg_ruri(msg, &tmp);
		if (!uri)
			return -CF_SIP_ERR_BAD_URI;
		if (!uri->user.len)
			uri = NULL;
	}
	if (!uri) {
		uri = sip_addr_uri(msg, &msg->to, &addr);
		if (!uri)
			return -CF_SIP_ERR_BAD_URI;
	}
	sip_set_party(call, CF_PARTY_CALLEE, plan, uri);

	/* Redirecting: the topmost Diversion is the last diversion; one
	 * History-Info entry is just the original request, not a retarget. */
	if (msg->n_diversion) {
		call->forwarded = true;
		uri = sip_addr_uri(msg, &msg->diversion[0], &addr);
		if (uri)
			sip_set_party(call, CF_PARTY_REDIRECTING, plan, uri);
	} else if (msg->n_history > 1) {
		call->forwarded = true;
		uri = sip_addr_uri(msg, &msg->history[0], &addr);
		if (uri)
			sip_set_party(call, CF_PARTY_REDIRECTING, plan, uri);
	}

	call->presentation = sip_privacy_restricted(msg) ? CF_PRES_RESTRICTED :
							   CF_PRES_ALLOWED;
	call->party[CF_PARTY_CALLER].presentation = call->presentation;
	return 0;
}
