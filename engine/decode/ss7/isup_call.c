/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A decoded ISUP message -> the protocol-neutral call record. */

#include <callfence/call.h>
#include <callfence/ss7.h>

#include "ss7_int.h"

/* ISUP indicators go into struct cf_party unchanged, absent included. */
_Static_assert(CF_ISUP_IND_ABSENT == CF_IND_ABSENT, "absent indicator");

/* Q.763 §3.9 b) natures of address onto the normaliser's.  Codes 6-8
 * (network routing numbers), and the national-use ranges are not E.164
 * forms: they read as network-specific, which the normaliser refuses. */
static enum cf_nai
map_nai(uint8_t nai)
{
	switch (nai) {
	case 0:
		return CF_NAI_SPARE;
	case 1:
		return CF_NAI_SUBSCRIBER;
	case 2:
		return CF_NAI_UNKNOWN;
	case 3:
		return CF_NAI_NATIONAL;
	case 4:
		return CF_NAI_INTERNATIONAL;
	default:
		return CF_NAI_NETWORK_SPECIFIC;
	}
}

/* Address presentation restricted indicator (§3.10 c).  Value 3 is
 * "reserved for restriction by the network": treat it as restricted. */
static const uint8_t apri_pres[4] = {
	[0] = CF_PRES_ALLOWED,
	[1] = CF_PRES_RESTRICTED,
	[2] = CF_PRES_NOT_AVAILABLE,
	[3] = CF_PRES_RESTRICTED,
};

static void
set_party(struct cf_call *call, enum cf_party_role role,
	  const struct cf_isup_number *n, const struct cf_numplan *plan)
{
	struct cf_party *p = &call->party[role];
	size_t len = n->ndigits < CF_ISUP_DIGITS_KEEP ? n->ndigits :
							 CF_ISUP_DIGITS_KEEP;

	/* Digits without ST; B/C make the number invalid, as they should. */
	cf_call_set_party(call, role, plan, n->digits, len, map_nai(n->nai));
	p->npi = n->npi;
	p->screening = n->si;	/* CF_ISUP_IND_ABSENT == CF_IND_ABSENT */
	p->presentation = n->apri < 4 ? apri_pres[n->apri] : CF_PRES_UNKNOWN;
}

/* The Generic Number that names the caller: "additional calling party
 * number" (NQI 6, §3.26), else the first one. */
#define NQI_ADDITIONAL_CALLING	6

static const struct cf_isup_number *
pick_generic(const struct cf_isup_msg *msg)
{
	unsigned int i;

	if (!msg->n_generic)
		return NULL;
	for (i = 0; i < msg->n_generic; i++)
		if (msg->generic[i].nqi == NQI_ADDITIONAL_CALLING)
			return &msg->generic[i];
	return &msg->generic[0];
}

/* Which record slot each ISUP number fills; the rest are not parties. */
static const int8_t num_role[CF_ISUP_NUM__COUNT] = {
	[CF_ISUP_NUM_CALLED]		= CF_PARTY_CALLEE,
	[CF_ISUP_NUM_CALLING]		= CF_PARTY_CALLER,
	[CF_ISUP_NUM_REDIRECTING]	= CF_PARTY_REDIRECTING,
	[CF_ISUP_NUM_ORIGINAL_CALLED]	= CF_PARTY_ORIGINAL_CALLED,
	[CF_ISUP_NUM_LOCATION]		= -1,
	[CF_ISUP_NUM_CALLED_IN]		= -1,
};

int
cf_isup_to_call(const struct cf_isup_msg *msg,
		const struct cf_mtp3_label *label,
		const struct cf_numplan *plan, struct cf_call *call)
{
	const struct cf_isup_number *g;
	unsigned int i;
	uint8_t event;

	switch (msg->type) {
	case CF_ISUP_IAM:
		event = CF_EVENT_SETUP;
		break;
	case CF_ISUP_ANM:
	case CF_ISUP_CON:
		event = CF_EVENT_ANSWER;
		break;
	case CF_ISUP_REL:
		event = CF_EVENT_RELEASE;
		break;
	default:
		return 0;
	}

	cf_call_reset(call);
	call->proto = CF_PROTO_ISUP;
	call->event = event;
	if (label) {
		call->src.point_code = label->opc;
		cf_call_set_isup_ref(call, label->opc, label->dpc, msg->cic);
	} else if (msg->has_cic) {
		cf_call_set_isup_ref(call, 0, 0, msg->cic);
	}

	if (event == CF_EVENT_RELEASE) {
		/* Only ITU-T coding (0) is Q.850; national codes are not. */
		if (cf_isup_has(msg, CF_ISUP_HAS_CAUSE) && msg->cause.coding == 0)
			call->release_cause = msg->cause.value;
		return 1;
	}
	if (event != CF_EVENT_SETUP)
		return 1;

	call->calling_category = msg->calling_category;
	for (i = 0; i < CF_ISUP_NUM__COUNT; i++)
		if (num_role[i] >= 0 && cf_isup_has(msg, i))
			set_party(call, (enum cf_party_role)num_role[i],
				  &msg->num[i], plan);
	g = pick_generic(msg);
	if (g)
		set_party(call, CF_PARTY_GENERIC, g, plan);
	if (cf_isup_has(msg, CF_ISUP_NUM_CALLING))
		call->presentation = call->party[CF_PARTY_CALLER].presentation;
	call->forwarded = cf_isup_has(msg, CF_ISUP_NUM_REDIRECTING) ||
			  cf_isup_has(msg, CF_ISUP_HAS_REDIR_INFO);
	return 1;
}
