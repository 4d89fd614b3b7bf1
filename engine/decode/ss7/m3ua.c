/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * M3UA (RFC 4666): the common header of every message and the DATA
 * message's parameters.  Everything else is recognised and skipped: the
 * engine listens, it does not run an ASP state machine.
 */

#include <callfence/ss7.h>

#include "ss7_int.h"

#define M3UA_HDR_LEN		8	/* RFC 4666 §3.1 */
#define M3UA_PARAM_HDR_LEN	4	/* tag, length (§3.2) */
#define M3UA_VERSION		1
#define M3UA_DATA		1	/* type in the Transfer class */
/* OPC, DPC, SI, NI, MP, SLS before the user data (§3.3.1). */
#define M3UA_PD_FIXED		12

static const char *const class_names[CF_M3UA_CLASS__COUNT] = {
	[CF_M3UA_CLASS_MGMT]		= "mgmt",
	[CF_M3UA_CLASS_TRANSFER]	= "transfer",
	[CF_M3UA_CLASS_SSNM]		= "ssnm",
	[CF_M3UA_CLASS_ASPSM]		= "aspsm",
	[CF_M3UA_CLASS_ASPTM]		= "asptm",
	[CF_M3UA_CLASS_RKM]		= "rkm",
};

const char *
cf_m3ua_class_name(unsigned int msg_class)
{
	return SS7_NAME_OF(class_names, msg_class);
}

/* Fixed-size 32-bit parameters of DATA: the value must be exactly 4
 * bytes, a longer or shorter one means the sender and we disagree. */
static int
param_u32(const uint8_t *val, uint16_t vlen, uint32_t *out, bool *has)
{
	if (vlen != 4)
		return -CF_SS7_ERR_BAD_LENGTH;
	*out = ss7_be32(val);
	*has = true;
	return 0;
}

static int
protocol_data(const uint8_t *val, uint16_t vlen, struct cf_m3ua_msg *msg)
{
	if (vlen < M3UA_PD_FIXED)
		return -CF_SS7_ERR_BAD_LENGTH;
	msg->label.opc = ss7_be32(val);
	msg->label.dpc = ss7_be32(val + 4);
	msg->label.si = val[8];
	msg->label.ni = val[9];
	msg->label.mp = val[10];
	msg->label.sls = val[11];
	msg->label.ansi = false;
	msg->user.data = val + M3UA_PD_FIXED;
	msg->user.len = vlen - M3UA_PD_FIXED;
	return 0;
}

int
cf_m3ua_decode(const uint8_t *buf, size_t len, struct cf_m3ua_msg *msg)
{
	bool has_pd = false, has_draft = false;
	uint32_t mlen, off;
	int rc = 0;

	if (len < M3UA_HDR_LEN)
		return -CF_SS7_ERR_TRUNCATED;
	msg->version = buf[0];
	msg->msg_class = buf[2];
	msg->msg_type = buf[3];
	msg->len = mlen = ss7_be32(buf + 4);
	msg->has_na = msg->has_rc = msg->has_corr_id = false;
	msg->user.data = NULL;
	msg->user.len = 0;

	/* Release 1.0 is the only version (§3.1.1). */
	if (msg->version != M3UA_VERSION)
		return -CF_SS7_ERR_BAD_VERSION;
	/* The length covers header and padded parameters (§3.1.4). */
	if (mlen < M3UA_HDR_LEN || mlen > INT32_MAX)
		return -CF_SS7_ERR_BAD_LENGTH;
	if (mlen > len)
		return -CF_SS7_ERR_TRUNCATED;

	switch (msg->msg_class) {
	case CF_M3UA_CLASS_TRANSFER:
		if (msg->msg_type != M3UA_DATA)
			return -CF_SS7_ERR_BAD_CLASS;
		break;
	case CF_M3UA_CLASS_MGMT:
	case CF_M3UA_CLASS_SSNM:
	case CF_M3UA_CLASS_ASPSM:
	case CF_M3UA_CLASS_ASPTM:
	case CF_M3UA_CLASS_RKM:
		return -CF_SS7_ERR_NOT_DATA;
	default:
		/* Classes 5-8 and 10 belong to other SIGTRAN adaptations. */
		return -CF_SS7_ERR_BAD_CLASS;
	}

	for (off = M3UA_HDR_LEN; off < mlen && rc == 0;) {
		const uint8_t *p = buf + off;
		uint16_t tag, plen;

		if (mlen - off < M3UA_PARAM_HDR_LEN)
			return -CF_SS7_ERR_BAD_LENGTH;
		tag = ss7_be16(p);
		plen = ss7_be16(p + 2);
		/* The parameter length counts its header, not the padding
		 * (§3.2); it must fit in the message. */
		if (plen < M3UA_PARAM_HDR_LEN || plen > mlen - off)
			return -CF_SS7_ERR_BAD_LENGTH;

		switch (tag) {
		case CF_M3UA_TAG_NETWORK_APPEARANCE:
			rc = param_u32(p + 4, plen - 4,
				       &msg->network_appearance, &msg->has_na);
			break;
		case CF_M3UA_TAG_ROUTING_CONTEXT:
			/* DATA carries one routing context (§3.3.1). */
			rc = param_u32(p + 4, plen - 4, &msg->routing_context,
				       &msg->has_rc);
			break;
		case CF_M3UA_TAG_CORRELATION_ID:
			rc = param_u32(p + 4, plen - 4, &msg->correlation_id,
				       &msg->has_corr_id);
			break;
		case CF_M3UA_TAG_PROTOCOL_DATA:
			if (has_pd)
				return -CF_SS7_ERR_BAD_LENGTH;
			rc = protocol_data(p + 4, plen - 4, msg);
			has_pd = true;
			break;
		case CF_M3UA_TAG_DRAFT_PROTOCOL_DATA:
			/* Draft M3UA put a whole MTP3 MSU here. */
			has_draft = true;
			break;
		default:
			/* Unknown parameters are skipped, not fatal. */
			break;
		}
		/* Skip the padding to the next 4-byte boundary; a sender
		 * that leaves it off the final parameter is forgiven. */
		off += ((uint32_t)plen + 3) & ~3u;
	}
	if (rc < 0)
		return rc;
	if (!has_pd)
		return has_draft ? -CF_SS7_ERR_M3UA_DRAFT :
				   -CF_SS7_ERR_MISSING_PARAM;
	return (int)mlen;
}
