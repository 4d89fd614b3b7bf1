/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The call record: what every decoder fills and every rule reads.
 *
 * One struct cf_call describes one signalling event of one call (set-up,
 * answer, release), whatever the protocol it came in.  It holds no
 * pointers: raw texts are bounded copies, so a record can be handed to
 * another core on a ring, logged after the datagram is gone, or kept in an
 * array of records.  Nothing in it is allocated per call.
 */
#ifndef CALLFENCE_CALL_H
#define CALLFENCE_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <callfence/number.h>

enum cf_proto {
	CF_PROTO_NONE = 0,
	CF_PROTO_SIP,
	CF_PROTO_ISUP,
	CF_PROTO__COUNT,
};

/* What the message did to the call: heuristics correlate these. */
enum cf_event {
	CF_EVENT_SETUP = 0,	/* SIP INVITE, ISUP IAM */
	CF_EVENT_ANSWER,	/* SIP 200 to INVITE, ISUP ANM/CON */
	CF_EVENT_RELEASE,	/* SIP CANCEL/BYE/final failure, ISUP REL */
	CF_EVENT__COUNT,
};

/* Where the call entered the network. */
enum cf_ingress {
	CF_INGRESS_UNKNOWN = 0,
	CF_INGRESS_INTERNATIONAL,
	CF_INGRESS_NATIONAL,
	CF_INGRESS_LOCAL,
	CF_INGRESS__COUNT,
};

/* The numbers a call carries, in the order rules and logs name them. */
enum cf_party_role {
	CF_PARTY_CALLER = 0,		/* SIP PAI/From; ISUP Calling Party */
	CF_PARTY_CALLEE,		/* SIP R-URI/To; ISUP Called Party */
	CF_PARTY_REDIRECTING,		/* SIP Diversion/History-Info; ISUP */
	CF_PARTY_ORIGINAL_CALLED,	/* ISUP Original Called Number */
	CF_PARTY_GENERIC,		/* ISUP Generic Number (additional CLI) */
	CF_PARTY__COUNT,
};

/* Address presentation restricted indicator (Q.763 §3.10 c), or SIP
 * Privacy (RFC 3323). */
enum cf_presentation {
	CF_PRES_UNKNOWN = 0,	/* the protocol did not say */
	CF_PRES_ALLOWED,
	CF_PRES_RESTRICTED,
	CF_PRES_NOT_AVAILABLE,	/* Q.763 "address not available" */
	CF_PRES__COUNT,
};

/* Bytes kept of a number as received, NUL included; longer texts are
 * truncated and flagged (the normalised number is still exact). */
#define CF_RAW_MAX		64
/* Bytes kept of a SIP Call-ID, NUL included; the hash covers all of it. */
#define CF_CALL_ID_MAX		80
/* ISUP indicator values in struct cf_party that the message did not carry. */
#define CF_IND_ABSENT		0xff

struct cf_party {
	struct cf_number num;		/* normalised; num.err says why not */
	char raw[CF_RAW_MAX];		/* as received, NUL-terminated */
	uint8_t raw_len;
	bool present;			/* the message carried this number */
	bool raw_truncated;
	uint8_t nai;			/* enum cf_nai the number was read with */
	uint8_t npi;			/* ISUP numbering plan, or CF_IND_ABSENT */
	uint8_t presentation;		/* enum cf_presentation */
	uint8_t screening;		/* ISUP screening, or CF_IND_ABSENT */
	uint8_t pad;
};

/* What identifies a call: a SIP Call-ID, or an ISUP circuit.  SIP-I
 * records (ISUP carried in SIP) are ISUP calls named by their Call-ID. */
enum cf_ref_kind {
	CF_REF_NONE = 0,
	CF_REF_SIP,
	CF_REF_ISUP,
};

/* Identifies the call across its messages. */
struct cf_callref {
	uint64_t hash;			/* of the whole reference */
	uint8_t kind;			/* enum cf_ref_kind: which member is set */
	union {
		struct {
			char call_id[CF_CALL_ID_MAX];	/* NUL-terminated */
			uint8_t len;			/* bytes kept */
			bool truncated;
		} sip;
		struct {
			uint32_t opc;
			uint32_t dpc;
			uint16_t cic;
		} isup;
	};
};

/* Where the message came from: an IP peer, or for ISUP a point code. */
struct cf_source {
	uint8_t family;			/* AF_INET, AF_INET6, or 0 */
	uint8_t pad;
	uint16_t port;			/* host order */
	uint32_t point_code;		/* ISUP OPC, 0 for SIP */
	uint8_t addr[16];		/* network order, IPv4 in the first 4 */
};

struct cf_call {
	uint64_t rx_ns;			/* receive time, ns since the epoch */
	uint8_t proto;			/* enum cf_proto */
	uint8_t event;			/* enum cf_event */
	uint8_t ingress;		/* enum cf_ingress */
	uint8_t presentation;		/* caller's, enum cf_presentation */
	uint8_t calling_category;	/* ISUP CPC (Q.763 §3.11), or absent */
	bool forwarded;			/* a redirecting number is present */
	uint16_t release_cause;		/* Q.850 cause of a release, or 0 */
	/* A release that says the call had been answered (a SIP BYE),
	 * whether or not the answer itself was seen. */
	bool answered;
	/* A release of a call the rules refused (the judge step ends a
	 * blocked call so it is not counted open): not released by either
	 * party, so no short call. */
	bool refused;
	/* SIP-I/SIP-T: an ISUP IAM in the INVITE's body joined its numbers
	 * to the call; mismatch: it named another caller or callee than
	 * the SIP headers (callfence/events.h). */
	bool sipi;
	bool sipi_mismatch;
	struct cf_source src;
	struct cf_callref ref;
	struct cf_party party[CF_PARTY__COUNT];
};

/*
 * Empty @call for reuse: all numbers absent, indicators absent, every
 * accessor and formatter reads it as a zeroed record would.  Only the
 * fields that say so are written: the bytes of a raw text or normalised
 * digits past their NUL, and of the Call-ID past its length, keep what
 * they held and are unspecified.  Read texts as strings or by their
 * lengths, never whole; compare records field by field, not with memcmp.
 */
void cf_call_reset(struct cf_call *call);

/*
 * Record number @role as received: copy up to CF_RAW_MAX - 1 bytes of
 * @text, then normalise it with @plan read as @nai.  Returns the
 * normalisation result (the party is present even when it is an error).
 */
enum cf_num_err cf_call_set_party(struct cf_call *call,
				  enum cf_party_role role,
				  const struct cf_numplan *plan,
				  const char *text, size_t len, enum cf_nai nai);

/* Set the SIP call reference from a Call-ID of @len bytes. */
void cf_call_set_sip_ref(struct cf_call *call, const char *call_id,
			 size_t len);

/* Set the ISUP call reference (the CIC is unique per OPC-DPC pair). */
void cf_call_set_isup_ref(struct cf_call *call, uint32_t opc, uint32_t dpc,
			  uint16_t cic);

/* Convenience: the normalised caller/callee, NULL when absent or invalid. */
static inline const struct cf_number *
cf_call_number(const struct cf_call *call, enum cf_party_role role)
{
	const struct cf_party *p = &call->party[role];

	return p->present && p->num.err == CF_NUM_OK ? &p->num : NULL;
}

/* Names for logs, counters, rules and the CLI; "?" when out of range. */
const char *cf_proto_name(enum cf_proto proto);
const char *cf_event_name(enum cf_event event);
const char *cf_ingress_name(enum cf_ingress ingress);
const char *cf_party_name(enum cf_party_role role);
const char *cf_presentation_name(enum cf_presentation pres);

/* Parse an ingress class name ("international", ...); -1 if unknown. */
int cf_ingress_parse(const char *name);

#endif /* CALLFENCE_CALL_H */
