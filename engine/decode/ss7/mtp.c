/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MTP transports below ISUP: MTP2 signal units as captured from TDM
 * links (Q.703), M2PA User Data (RFC 4165), and the MTP3 service
 * information octet and routing label (Q.704) both of them carry.
 */

#include <callfence/ss7.h>

#include "ss7_int.h"

/* ITU label: DPC 14 bits, OPC 14 bits, SLS 4 bits in 4 octets, first
 * octet least significant (Q.704 §2.2.4). */
#define MTP3_ITU_LABEL		4
/* ANSI label: DPC 3 octets, OPC 3 octets, SLS 1 octet (T1.111.4 §2.2). */
#define MTP3_ANSI_LABEL		7

#define MTP2_HDR_LEN		3	/* BSN/BIB, FSN/FIB, LI (Q.703 §2.2) */
#define MTP2_LI_LONG		63	/* "63 octets or more" (Q.703 §2.3.3) */
#define MTP2_FCS_LEN		2

#define M2PA_HDR_LEN		8	/* as the other SIGTRAN adaptations */
#define M2PA_VERSION		1
#define M2PA_CLASS		11	/* RFC 4165 §2.1.3 */
#define M2PA_SEQ_LEN		8	/* BSN, FSN (§2.2) */

int
cf_mtp3_decode(const uint8_t *msu, size_t len, unsigned int flags,
	       struct cf_mtp3_label *label, struct cf_ss7_span *user)
{
	size_t hdr;

	/* SIO: SI in bits 1-4, priority/spare in 5-6, NI in 7-8
	 * (Q.704 §14.2). */
	if (len < 1)
		return -CF_SS7_ERR_TRUNCATED;
	label->si = msu[0] & 0x0f;
	label->mp = (msu[0] >> 4) & 0x03;
	label->ni = msu[0] >> 6;
	label->ansi = flags & CF_MTP3_F_ANSI;

	if (label->ansi) {
		hdr = 1 + MTP3_ANSI_LABEL;
		if (len < hdr)
			return -CF_SS7_ERR_TRUNCATED;
		/* Member, cluster, network octets, member first. */
		label->dpc = (uint32_t)msu[1] | (uint32_t)msu[2] << 8 |
			     (uint32_t)msu[3] << 16;
		label->opc = (uint32_t)msu[4] | (uint32_t)msu[5] << 8 |
			     (uint32_t)msu[6] << 16;
		label->sls = msu[7];
	} else {
		uint32_t rl;

		hdr = 1 + MTP3_ITU_LABEL;
		if (len < hdr)
			return -CF_SS7_ERR_TRUNCATED;
		rl = ss7_le32(msu + 1);
		label->dpc = rl & 0x3fff;
		label->opc = (rl >> 14) & 0x3fff;
		label->sls = (uint8_t)(rl >> 28);
	}
	user->data = msu + hdr;
	user->len = len - hdr;
	return (int)len;
}

int
cf_mtp2_decode(const uint8_t *buf, size_t len, unsigned int flags,
	       struct cf_mtp2_su *su)
{
	size_t n;

	if (len < MTP2_HDR_LEN)
		return -CF_SS7_ERR_TRUNCATED;
	su->bsn = buf[0] & 0x7f;
	su->bib = buf[0] >> 7;
	su->fsn = buf[1] & 0x7f;
	su->fib = buf[1] >> 7;
	su->li = buf[2] & 0x3f;		/* bits 7-8 are spare */
	su->msu.data = NULL;
	su->msu.len = 0;

	/* LI 0 is a FISU, 1 or 2 an LSSU (Q.703 §2.3.3). */
	if (su->li < 3)
		return -CF_SS7_ERR_NOT_DATA;
	if (su->li < MTP2_LI_LONG) {
		n = su->li;
		if (len - MTP2_HDR_LEN < n)
			return -CF_SS7_ERR_TRUNCATED;
	} else {
		/* Longer MSUs all say 63: the frame is the bound. */
		n = len - MTP2_HDR_LEN;
		if (flags & CF_MTP2_F_FCS) {
			if (n < MTP2_FCS_LEN)
				return -CF_SS7_ERR_TRUNCATED;
			n -= MTP2_FCS_LEN;
		}
		if (n < MTP2_LI_LONG)
			return -CF_SS7_ERR_BAD_LENGTH;
		if (n > INT32_MAX - MTP2_HDR_LEN)
			return -CF_SS7_ERR_BAD_LENGTH;
	}
	su->msu.data = buf + MTP2_HDR_LEN;
	su->msu.len = n;
	return (int)(MTP2_HDR_LEN + n);
}

int
cf_m2pa_decode(const uint8_t *buf, size_t len, struct cf_m2pa_msg *msg)
{
	uint32_t mlen;

	if (len < M2PA_HDR_LEN)
		return -CF_SS7_ERR_TRUNCATED;
	msg->msg_class = buf[2];
	msg->msg_type = buf[3];
	msg->len = mlen = ss7_be32(buf + 4);
	msg->priority = 0;
	msg->bsn = msg->fsn = 0;
	msg->msu.data = NULL;
	msg->msu.len = 0;

	if (buf[0] != M2PA_VERSION)
		return -CF_SS7_ERR_BAD_VERSION;
	if (msg->msg_class != M2PA_CLASS)
		return -CF_SS7_ERR_BAD_CLASS;
	/* The length counts the whole message, header included (§2.1.5);
	 * M2PA does not pad. */
	if (mlen < M2PA_HDR_LEN + M2PA_SEQ_LEN || mlen > INT32_MAX)
		return -CF_SS7_ERR_BAD_LENGTH;
	if (mlen > len)
		return -CF_SS7_ERR_TRUNCATED;

	switch (msg->msg_type) {
	case CF_M2PA_USER_DATA:
		break;
	case CF_M2PA_LINK_STATUS:
		return -CF_SS7_ERR_NOT_DATA;
	default:
		return -CF_SS7_ERR_BAD_CLASS;
	}
	/* BSN and FSN are 24 bits behind a spare octet (§2.2). */
	msg->bsn = ss7_be32(buf + 8) & 0xffffff;
	msg->fsn = ss7_be32(buf + 12) & 0xffffff;
	/* User Data without data only acknowledges (§2.2.1). */
	if (mlen == M2PA_HDR_LEN + M2PA_SEQ_LEN)
		return -CF_SS7_ERR_NOT_DATA;
	/* Then the priority octet (PRI in its top 2 bits), then the MSU:
	 * SIO and at least one octet of SIF. */
	if (mlen < M2PA_HDR_LEN + M2PA_SEQ_LEN + 3)
		return -CF_SS7_ERR_BAD_LENGTH;
	msg->priority = buf[16] >> 6;
	msg->msu.data = buf + 17;
	msg->msu.len = mlen - 17;
	return (int)mlen;
}
