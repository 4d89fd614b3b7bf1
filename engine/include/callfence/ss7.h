/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SS7 decoders: M3UA (RFC 4666) DATA, M2PA (RFC 4165) User Data, MTP2
 * signal units, the MTP3 routing label (Q.704) and ITU ISUP (Q.763) IAM,
 * ACM, CON, ANM, CPG, REL and RLC.
 *
 * Every decoder reads a buffer it does not own and never writes to it;
 * spans point into that buffer, so they live as long as it does.  Nothing
 * allocates, locks or logs.  Decoders return the bytes they consumed (>= 0)
 * or -enum cf_ss7_err.  Some codes are not errors but "not for us" (an M3UA
 * ASPSM message, SCCP on SI 3, an ISUP message type without a call event):
 * cf_ss7_err_is_skip() tells them apart so callers count them separately.
 *
 * ISUP is the ITU variant.  MTP3 reads ANSI 24-bit routing labels when asked
 * (CF_MTP3_F_ANSI), but ANSI ISUP itself (different IAM layout, 14-bit CIC)
 * is rejected with CF_SS7_ERR_ANSI.
 */
#ifndef CALLFENCE_SS7_H
#define CALLFENCE_SS7_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cf_call;
struct cf_numplan;

/* Why a message was not decoded.  Decoders return the negated value. */
enum cf_ss7_err {
	CF_SS7_OK = 0,
	CF_SS7_ERR_TRUNCATED,		/* the buffer ends inside a field */
	CF_SS7_ERR_BAD_LENGTH,		/* a length field contradicts the rest */
	CF_SS7_ERR_BAD_POINTER,		/* an ISUP pointer is 0 or past the end */
	CF_SS7_ERR_BAD_VERSION,		/* M3UA/M2PA version is not 1 */
	CF_SS7_ERR_BAD_CLASS,		/* unknown M3UA/M2PA class or type */
	CF_SS7_ERR_M3UA_DRAFT,		/* pre-RFC M3UA (draft Protocol Data) */
	CF_SS7_ERR_MISSING_PARAM,	/* a mandatory parameter is absent */
	CF_SS7_ERR_NOT_DATA,		/* skip: management, status, FISU/LSSU */
	CF_SS7_ERR_UNSUPPORTED_SI,	/* skip: user part is not ISUP */
	CF_SS7_ERR_UNSUPPORTED_MSG,	/* skip: ISUP type we do not decode */
	CF_SS7_ERR_ANSI,		/* ANSI ISUP: not decoded */
	CF_SS7_ERR_BAD_BCD,		/* address signal 10, 13, 14, or ST early */
	CF_SS7_ERR_TOO_MANY_DIGITS,	/* more than CF_ISUP_DIGITS_MAX signals */
	CF_SS7_ERR__COUNT,
};

/* "truncated", "bad-bcd", ...; takes either sign; "?" when out of range. */
const char *cf_ss7_err_name(int err);
/* True for codes that mean "not a message for the call decoder". */
bool cf_ss7_err_is_skip(int err);

/* Bytes inside a buffer the caller owns. */
struct cf_ss7_span {
	const uint8_t *data;
	size_t len;
};

/* ------------------------------------------------------------------ */
/* MTP3 (Q.704 §2.2-2.4; ANSI T1.111.4 for 24-bit labels) */

/* Service indicator values (Q.704 §14.2.1) the decoders care about. */
enum cf_mtp3_si {
	CF_MTP3_SI_SNM	= 0,
	CF_MTP3_SI_SCCP	= 3,
	CF_MTP3_SI_TUP	= 4,
	CF_MTP3_SI_ISUP	= 5,
	CF_MTP3_SI_BICC	= 13,
};

/* Read an ANSI routing label (24-bit point codes, 8-bit SLS). */
#define CF_MTP3_F_ANSI	0x1u

/* The routing label and service information octet, wherever they came
 * from: an MTP3 MSU, or the M3UA Protocol Data parameter. */
struct cf_mtp3_label {
	uint32_t opc;
	uint32_t dpc;
	uint8_t si;		/* service indicator */
	uint8_t ni;		/* network indicator: 0 intl, 2 national */
	uint8_t mp;		/* message priority (national use / ANSI) */
	uint8_t sls;		/* signalling link selection */
	bool ansi;		/* 24-bit point codes */
};

/*
 * Decode an MTP3 MSU (SIO + SIF) of @len bytes: the label into *@label,
 * the user part (after the label) into *@user.  @flags: CF_MTP3_F_ANSI.
 * Returns @len or -CF_SS7_ERR_TRUNCATED.
 */
int cf_mtp3_decode(const uint8_t *msu, size_t len, unsigned int flags,
		   struct cf_mtp3_label *label, struct cf_ss7_span *user);

/* ------------------------------------------------------------------ */
/* MTP2 (Q.703 §2.2) as captured with pcap DLT 140 */

/* The frame ends with the 2-byte FCS (needed only when LI = 63). */
#define CF_MTP2_F_FCS	0x2u

struct cf_mtp2_su {
	uint8_t bsn, bib;	/* backward sequence number / indicator bit */
	uint8_t fsn, fib;	/* forward sequence number / indicator bit */
	uint8_t li;		/* length indicator: 0 FISU, 1-2 LSSU, MSU */
	struct cf_ss7_span msu;	/* SIO + SIF of an MSU */
};

/*
 * Decode one signal unit.  Returns the bytes of the unit (header + MSU),
 * -CF_SS7_ERR_NOT_DATA for a FISU or LSSU, or -CF_SS7_ERR_TRUNCATED.
 * LI < 63 bounds the MSU, so bytes after it (the FCS) are ignored; LI = 63
 * means "63 or more", bounded by @len less the FCS if @flags has
 * CF_MTP2_F_FCS.
 */
int cf_mtp2_decode(const uint8_t *buf, size_t len, unsigned int flags,
		   struct cf_mtp2_su *su);

/* ------------------------------------------------------------------ */
/* M2PA (RFC 4165) */

enum cf_m2pa_type {
	CF_M2PA_USER_DATA	= 1,
	CF_M2PA_LINK_STATUS	= 2,
};

struct cf_m2pa_msg {
	uint8_t msg_class;	/* 11: M2PA */
	uint8_t msg_type;	/* enum cf_m2pa_type */
	uint8_t priority;	/* PRI, top 2 bits of the first data octet */
	uint32_t len;		/* message length from the header */
	uint32_t bsn, fsn;	/* 24-bit sequence numbers */
	struct cf_ss7_span msu;	/* SIO + SIF */
};

/*
 * Decode one M2PA message.  Returns its length from the common header,
 * -CF_SS7_ERR_NOT_DATA for Link Status and for User Data without data
 * (a bare acknowledgement), or a negative error.
 */
int cf_m2pa_decode(const uint8_t *buf, size_t len, struct cf_m2pa_msg *msg);

/* ------------------------------------------------------------------ */
/* M3UA (RFC 4666) */

/* Message classes (RFC 4666 §3.1.2); others are not M3UA's. */
enum cf_m3ua_class {
	CF_M3UA_CLASS_MGMT	= 0,
	CF_M3UA_CLASS_TRANSFER	= 1,
	CF_M3UA_CLASS_SSNM	= 2,
	CF_M3UA_CLASS_ASPSM	= 3,
	CF_M3UA_CLASS_ASPTM	= 4,
	CF_M3UA_CLASS_RKM	= 9,
	CF_M3UA_CLASS__COUNT	= 10,
};

/* Parameter tags of a DATA message (RFC 4666 §3.2, §3.3.1). */
enum cf_m3ua_tag {
	CF_M3UA_TAG_DRAFT_PROTOCOL_DATA	= 0x0002,	/* draft-ietf-sigtran-m3ua */
	CF_M3UA_TAG_ROUTING_CONTEXT	= 0x0006,
	CF_M3UA_TAG_CORRELATION_ID	= 0x0013,
	CF_M3UA_TAG_NETWORK_APPEARANCE	= 0x0200,
	CF_M3UA_TAG_PROTOCOL_DATA	= 0x0210,
};

struct cf_m3ua_msg {
	uint8_t version;
	uint8_t msg_class;	/* enum cf_m3ua_class */
	uint8_t msg_type;
	bool has_na, has_rc, has_corr_id;
	uint32_t len;		/* message length from the common header */
	uint32_t network_appearance;
	uint32_t routing_context;
	uint32_t correlation_id;
	struct cf_mtp3_label label;	/* from Protocol Data */
	struct cf_ss7_span user;	/* user protocol data, e.g. ISUP */
};

/* "mgmt", "transfer", ...; "?" for other classes. */
const char *cf_m3ua_class_name(unsigned int msg_class);

/*
 * Decode one M3UA message from @buf.  Returns its length from the common
 * header (the next message of a stream starts there) when it is a DATA
 * message with Protocol Data; -CF_SS7_ERR_NOT_DATA for the other classes
 * (msg_class and msg_type are filled, so the caller can count them);
 * -CF_SS7_ERR_BAD_VERSION, -CF_SS7_ERR_M3UA_DRAFT, or another error.
 * Unknown parameters in DATA are skipped; the final parameter may omit its
 * padding.
 */
int cf_m3ua_decode(const uint8_t *buf, size_t len, struct cf_m3ua_msg *msg);

/* ------------------------------------------------------------------ */
/* ISUP (ITU-T Q.763) */

/* Message type codes (Q.763 Table 4). */
enum cf_isup_msg_type {
	CF_ISUP_IAM	= 0x01,
	CF_ISUP_SAM	= 0x02,
	CF_ISUP_COT	= 0x05,
	CF_ISUP_ACM	= 0x06,
	CF_ISUP_CON	= 0x07,
	CF_ISUP_ANM	= 0x09,
	CF_ISUP_REL	= 0x0c,
	CF_ISUP_SUS	= 0x0d,
	CF_ISUP_RES	= 0x0e,
	CF_ISUP_RLC	= 0x10,
	CF_ISUP_CPG	= 0x2c,
	CF_ISUP_CFN	= 0x2f,
};

/* Parameter codes (Q.763 Table 5) the decoder reads. */
enum cf_isup_param {
	CF_ISUP_PAR_END			= 0x00,
	CF_ISUP_PAR_CALLED		= 0x04,
	CF_ISUP_PAR_CALLING		= 0x0a,
	CF_ISUP_PAR_REDIRECTING		= 0x0b,
	CF_ISUP_PAR_CAUSE		= 0x12,
	CF_ISUP_PAR_REDIRECTION_INFO	= 0x13,
	CF_ISUP_PAR_ORIGINAL_CALLED	= 0x28,
	CF_ISUP_PAR_HOP_COUNTER		= 0x3d,
	CF_ISUP_PAR_LOCATION		= 0x3f,
	CF_ISUP_PAR_CALLED_IN		= 0x6f,
	CF_ISUP_PAR_GENERIC_NUMBER	= 0xc0,
};

/* The numbers an ISUP message can carry, one slot each. */
enum cf_isup_num {
	CF_ISUP_NUM_CALLED = 0,		/* §3.9 */
	CF_ISUP_NUM_CALLING,		/* §3.10 */
	CF_ISUP_NUM_REDIRECTING,	/* §3.44 */
	CF_ISUP_NUM_ORIGINAL_CALLED,	/* §3.39 */
	CF_ISUP_NUM_LOCATION,		/* §3.30 */
	CF_ISUP_NUM_CALLED_IN,		/* §3.73 */
	CF_ISUP_NUM__COUNT,
};

/* Bits of struct cf_isup_msg.present beyond the numbers' (1 << num). */
enum cf_isup_has {
	CF_ISUP_HAS_REDIR_INFO = CF_ISUP_NUM__COUNT,
	CF_ISUP_HAS_CAUSE,
	CF_ISUP_HAS_HOP_COUNTER,
};

/* Address signals of a valid number; more is CF_SS7_ERR_TOO_MANY_DIGITS
 * (E.164 allows 15, plus room for a routing or carrier prefix). */
#define CF_ISUP_DIGITS_MAX	19
/* Address signals kept in struct cf_isup_number, valid or not. */
#define CF_ISUP_DIGITS_KEEP	32
/* Generic Number parameters kept; later ones are ignored. */
#define CF_ISUP_GENERIC_MAX	4
/* Optional parameter codes recorded in wire order. */
#define CF_ISUP_OPT_CODES_MAX	16

/* Any of the number parameters; fields a parameter lacks hold
 * CF_ISUP_IND_ABSENT. */
#define CF_ISUP_IND_ABSENT	0xff

struct cf_isup_number {
	/* '0'-'9', 'B'/'C' for codes 11/12, 'A'/'D'/'E' when invalid; the
	 * ST end-of-pulsing signal is not included (see @st). */
	char digits[CF_ISUP_DIGITS_KEEP + 1];
	uint8_t ndigits;	/* signals on the wire, ST excluded */
	bool odd;		/* odd/even indicator */
	bool st;		/* ended with ST (0xF) */
	uint8_t nai;		/* nature of address, 7 bits as received */
	uint8_t npi;		/* numbering plan indicator */
	uint8_t inn;		/* called: internal network number ind. */
	uint8_t ni;		/* calling/generic/location: incomplete */
	uint8_t apri;		/* presentation restricted indicator */
	uint8_t si;		/* screening indicator */
	uint8_t nqi;		/* generic: number qualifier indicator */
	uint8_t err;		/* 0, CF_SS7_ERR_BAD_BCD, _TOO_MANY_DIGITS */
};

/* Redirection Information (Q.763 §3.45). */
struct cf_isup_redir_info {
	uint8_t indicator;	/* redirecting indicator, 3 bits */
	uint8_t orig_reason;	/* original redirection reason, 4 bits */
	uint8_t counter;	/* redirection counter, 3 bits */
	uint8_t reason;		/* redirecting reason, 4 bits */
};

/* Cause Indicators (Q.763 §3.12, Q.850 §2). */
struct cf_isup_cause {
	uint8_t location;	/* 4 bits */
	uint8_t coding;		/* coding standard: 0 ITU-T, 3 national */
	uint8_t value;		/* 7 bits; Q.850 only when coding is 0 */
};

struct cf_isup_msg {
	uint8_t type;		/* enum cf_isup_msg_type */
	bool has_cic;		/* false for SIP-I bodies (Q.1912.5) */
	uint16_t cic;		/* 12 bits */
	uint32_t present;	/* 1 << enum cf_isup_num / cf_isup_has */
	/* Mandatory fixed parts (Q.763 Tables 32 ff.): set only for the
	 * message types that carry them, stale otherwise. */
	uint8_t nature_of_conn;		/* IAM §3.35 */
	uint8_t calling_category;	/* IAM §3.11 */
	uint8_t tmr;			/* IAM transmission medium req. */
	uint8_t event_info;		/* CPG §3.21 */
	uint16_t fwd_call_ind;		/* IAM §3.23, first octet low */
	uint16_t bwd_call_ind;		/* ACM, CON §3.5, first octet low */
	struct cf_isup_redir_info redir;
	struct cf_isup_cause cause;
	uint8_t hop_counter;
	uint8_t n_generic;		/* Generic Numbers kept */
	uint8_t num_err;		/* first error of any number, or 0 */
	uint8_t n_opt;			/* optional parameters (all of them) */
	uint8_t opt_codes[CF_ISUP_OPT_CODES_MAX];
	struct cf_isup_number num[CF_ISUP_NUM__COUNT];
	struct cf_isup_number generic[CF_ISUP_GENERIC_MAX];
};

/* The message carries number @n, redirection information, a cause, ... */
static inline bool
cf_isup_has(const struct cf_isup_msg *msg, unsigned int bit)
{
	return (msg->present >> bit) & 1;
}

/* The message has no CIC: an ISUP body of SIP-I/SIP-T. */
#define CF_ISUP_F_NO_CIC	0x1u

/* "IAM", "REL", ...; "?" for codes Q.763 does not define. */
const char *cf_isup_msg_name(unsigned int type);
/* "called", "calling", ... */
const char *cf_isup_num_name(enum cf_isup_num num);

/*
 * Decode the ISUP message at @buf (the MTP3 user part).  Returns the bytes
 * of the message: bytes after its end (an FCS, padding) are not read.
 * Structural faults (a pointer or length outside the message, a parameter
 * shorter than its fixed fields) fail the whole message.  Faults inside a
 * number's digits only mark that number (num.err) and msg->num_err: the call
 * is still there to judge.  Types other than IAM, ACM, CON, ANM, CPG, REL
 * and RLC return -CF_SS7_ERR_UNSUPPORTED_MSG with type and cic filled.
 */
int cf_isup_decode(const uint8_t *buf, size_t len, unsigned int flags,
		   struct cf_isup_msg *msg);

/*
 * Fill @call from a decoded message: reset it, then for an IAM set event
 * SETUP, the parties (normalised with @plan), presentation, calling
 * category and forwarded; for ANM/CON event ANSWER; for REL event RELEASE
 * and release_cause (0 when the cause is not Q.850-coded).  @label gives
 * the call reference (OPC, DPC, CIC) and source point code; it may be NULL
 * for SIP-I.  Returns 1 when @call was filled, 0 when the message type has
 * no call event (ACM, CPG, RLC; @call untouched).  The caller sets rx_ns
 * and ingress afterwards.
 */
int cf_isup_to_call(const struct cf_isup_msg *msg,
		    const struct cf_mtp3_label *label,
		    const struct cf_numplan *plan, struct cf_call *call);

/* ------------------------------------------------------------------ */
/* Whole stacks: bytes of one transport message -> call record */

/* Per-worker counters.  Written only by the worker that owns them (plain
 * increments, no atomics); readers copy them. */
struct cf_ss7_stats {
	uint64_t m3ua_class[CF_M3UA_CLASS__COUNT];	/* messages by class */
	uint64_t isup_type[256];	/* ISUP messages by type code */
	uint64_t err[CF_SS7_ERR__COUNT];	/* [0]: messages decoded */
	uint64_t calls;			/* call records filled */
};

/*
 * Decode one M3UA message, one M2PA message or one MTP2 signal unit down to
 * ISUP and fill @call.  Returns 1 when @call was filled, 0 when the message
 * was fine but carried no call event, or -enum cf_ss7_err; every outcome is
 * counted in @stats, number errors too.  @flags: CF_MTP2_F_FCS for MTP2,
 * CF_MTP3_F_ANSI for MTP2/M2PA.  Call from the worker that owns @stats.
 */
int cf_ss7_m3ua_to_call(struct cf_ss7_stats *stats, const uint8_t *buf,
			size_t len, const struct cf_numplan *plan,
			struct cf_call *call);
int cf_ss7_m2pa_to_call(struct cf_ss7_stats *stats, const uint8_t *buf,
			size_t len, unsigned int flags,
			const struct cf_numplan *plan, struct cf_call *call);
int cf_ss7_mtp2_to_call(struct cf_ss7_stats *stats, const uint8_t *buf,
			size_t len, unsigned int flags,
			const struct cf_numplan *plan, struct cf_call *call);

#endif /* CALLFENCE_SS7_H */
