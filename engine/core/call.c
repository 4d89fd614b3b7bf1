/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The call record: filling it and naming its fields. */

#include <string.h>

#include <callfence/call.h>
#include <callfence/hash.h>
#include <callfence/numkey.h>

#define NAME_OF(table, i) \
	((unsigned int)(i) < sizeof(table) / sizeof(table[0]) && table[i] ? \
	 table[i] : "?")

static const char *const proto_names[CF_PROTO__COUNT] = {
	[CF_PROTO_NONE]	= "none",
	[CF_PROTO_SIP]	= "sip",
	[CF_PROTO_ISUP]	= "isup",
};

static const char *const event_names[CF_EVENT__COUNT] = {
	[CF_EVENT_SETUP]	= "setup",
	[CF_EVENT_ANSWER]	= "answer",
	[CF_EVENT_RELEASE]	= "release",
};

static const char *const ingress_names[CF_INGRESS__COUNT] = {
	[CF_INGRESS_UNKNOWN]		= "unknown",
	[CF_INGRESS_INTERNATIONAL]	= "international",
	[CF_INGRESS_NATIONAL]		= "national",
	[CF_INGRESS_LOCAL]		= "local",
};

static const char *const party_names[CF_PARTY__COUNT] = {
	[CF_PARTY_CALLER]		= "caller",
	[CF_PARTY_CALLEE]		= "callee",
	[CF_PARTY_REDIRECTING]		= "redirecting",
	[CF_PARTY_ORIGINAL_CALLED]	= "original_called",
	[CF_PARTY_GENERIC]		= "generic",
};

static const char *const presentation_names[CF_PRES__COUNT] = {
	[CF_PRES_UNKNOWN]	= "",
	[CF_PRES_ALLOWED]	= "allowed",
	[CF_PRES_RESTRICTED]	= "restricted",
	[CF_PRES_NOT_AVAILABLE]	= "not-available",
};

const char *cf_proto_name(enum cf_proto v) { return NAME_OF(proto_names, v); }
const char *cf_event_name(enum cf_event v) { return NAME_OF(event_names, v); }
const char *cf_ingress_name(enum cf_ingress v) { return NAME_OF(ingress_names, v); }
const char *cf_party_name(enum cf_party_role v) { return NAME_OF(party_names, v); }
const char *cf_presentation_name(enum cf_presentation v) { return NAME_OF(presentation_names, v); }

int
cf_ingress_parse(const char *name)
{
	int i;

	for (i = 0; i < CF_INGRESS__COUNT; i++)
		if (strcmp(name, ingress_names[i]) == 0)
			return i;
	return -1;
}

/*
 * Only what makes a record empty is written: every decoder resets a record
 * per message, and zeroing all ~700 bytes (most of them the raw texts and
 * the Call-ID) cost about a fifth of the ISUP decode path.  The fields are
 * grouped so adjacent stores merge into a few wide ones.
 */
void
cf_call_reset(struct cf_call *call)
{
	struct cf_party *p;
	int i;

	call->rx_ns = 0;
	call->proto = CF_PROTO_NONE;
	call->event = 0;
	call->ingress = CF_INGRESS_UNKNOWN;
	call->presentation = CF_PRES_UNKNOWN;
	call->calling_category = CF_IND_ABSENT;
	call->forwarded = false;
	call->answered = false;
	call->refused = false;
	call->sipi = false;
	call->sipi_mismatch = false;
	call->release_cause = 0;
	memset(&call->src, 0, sizeof(call->src));

	/* The ISUP reference overlays the start of the Call-ID: clearing
	 * both keeps either reading of the union empty. */
	call->ref.hash = 0;
	call->ref.kind = CF_REF_NONE;
	memset(&call->ref.isup, 0, sizeof(call->ref.isup));
	call->ref.sip.call_id[0] = '\0';
	call->ref.sip.len = 0;
	call->ref.sip.truncated = false;

	for (i = 0; i < CF_PARTY__COUNT; i++) {
		p = &call->party[i];
		p->num.key = CF_NUMKEY_NONE;
		p->num.digits[0] = '\0';
		p->num.len = 0;
		p->num.err = 0;
		p->num.form = 0;
		p->num.domestic = false;
		memset(p->num.pad, 0, sizeof(p->num.pad));
		p->raw[0] = '\0';
		p->raw_len = 0;
		p->present = false;
		p->raw_truncated = false;
		p->nai = CF_NAI_UNKNOWN;
		p->npi = CF_IND_ABSENT;
		p->presentation = CF_PRES_UNKNOWN;
		p->screening = CF_IND_ABSENT;
		p->pad = 0;
	}
}

enum cf_num_err
cf_call_set_party(struct cf_call *call, enum cf_party_role role,
		  const struct cf_numplan *plan, const char *text, size_t len,
		  enum cf_nai nai)
{
	struct cf_party *p = &call->party[role];
	size_t keep = len < CF_RAW_MAX - 1 ? len : CF_RAW_MAX - 1;

	memcpy(p->raw, text, keep);
	p->raw[keep] = '\0';
	p->raw_len = (uint8_t)keep;
	p->raw_truncated = keep < len;
	p->present = true;
	p->nai = (uint8_t)nai;
	return cf_number_normalise(plan, text, len, nai, &p->num);
}

void
cf_call_set_sip_ref(struct cf_call *call, const char *call_id, size_t len)
{
	size_t keep = len < CF_CALL_ID_MAX - 1 ? len : CF_CALL_ID_MAX - 1;

	memcpy(call->ref.sip.call_id, call_id, keep);
	call->ref.sip.call_id[keep] = '\0';
	call->ref.sip.len = (uint8_t)keep;
	call->ref.sip.truncated = keep < len;
	call->ref.kind = CF_REF_SIP;
	call->ref.hash = cf_hash_bytes(call_id, len);
}

void
cf_call_set_isup_ref(struct cf_call *call, uint32_t opc, uint32_t dpc,
		     uint16_t cic)
{
	uint32_t lo = opc < dpc ? opc : dpc, hi = opc < dpc ? dpc : opc;

	call->ref.isup.opc = opc;
	call->ref.isup.dpc = dpc;
	call->ref.isup.cic = cic;
	call->ref.kind = CF_REF_ISUP;
	/* A circuit is named by its CIC between two signalling points in
	 * either direction: the REL of a call may come from the called side,
	 * with OPC and DPC swapped.  The hash must not depend on direction. */
	call->ref.hash = cf_hash64(cf_hash64((uint64_t)lo << 32 | hi) ^ cic);
}
