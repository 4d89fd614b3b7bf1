/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Encoders for generated traffic: see encode.h. */

#include <stdio.h>
#include <string.h>

#include <osmocom/core/utils.h>

#include "encode.h"

/* ---- SIP ------------------------------------------------------------------ */

static const char sip_domain[] = "core.callfence.invalid";

int
gen_encode_sip(const struct cf_call *call, uint64_t n, bool answered,
	       char *buf, size_t size)
{
	const struct cf_party *a = &call->party[CF_PARTY_CALLER];
	const struct cf_party *b = &call->party[CF_PARTY_CALLEE];
	char host[16];
	int len;

	snprintf(host, sizeof(host), "%u.%u.%u.%u", call->src.addr[0],
		 call->src.addr[1], call->src.addr[2], call->src.addr[3]);
	/* Answers and releases are built from the call reference only, as
	 * the network would send them; their From/To repeat the dialog's
	 * tags but the numbers are not what callfence reads there. */
	switch (call->event) {
	case CF_EVENT_SETUP:
		len = snprintf(buf, size,
			"INVITE sip:%s@%s;user=phone SIP/2.0\r\n"
			"Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-g%llu\r\n"
			"Max-Forwards: 70\r\n"
			"From: <sip:%s@%s;user=phone>;tag=a%llu\r\n"
			"To: <sip:%s@%s;user=phone>\r\n"
			"Call-ID: %s\r\n"
			"CSeq: 1 INVITE\r\n"
			"Contact: <sip:%s@%s:5060>\r\n"
			"P-Asserted-Identity: <sip:%s@%s;user=phone>\r\n"
			"Content-Length: 0\r\n\r\n",
			b->raw, sip_domain, host, (unsigned long long)n,
			a->raw, host, (unsigned long long)n,
			b->raw, sip_domain, call->ref.sip.call_id,
			a->raw, host, a->raw, host);
		break;
	case CF_EVENT_ANSWER:
		len = snprintf(buf, size,
			"SIP/2.0 200 OK\r\n"
			"Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-g%llu\r\n"
			"From: <sip:caller@%s>;tag=a%llu\r\n"
			"To: <sip:callee@%s>;tag=b%llu\r\n"
			"Call-ID: %s\r\n"
			"CSeq: 1 INVITE\r\n"
			"Content-Length: 0\r\n\r\n",
			host, (unsigned long long)n, host, (unsigned long long)n,
			sip_domain, (unsigned long long)n, call->ref.sip.call_id);
		break;
	default: {
		char to_tag[32] = "";

		/* BYE ends an answered dialog and carries the callee's tag;
		 * CANCEL ends an unanswered INVITE and has none. */
		if (answered)
			snprintf(to_tag, sizeof(to_tag), ";tag=b%llu",
				 (unsigned long long)n);
		len = snprintf(buf, size,
			"%s sip:callee@%s SIP/2.0\r\n"
			"Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-g%llu%s\r\n"
			"Max-Forwards: 70\r\n"
			"From: <sip:caller@%s>;tag=a%llu\r\n"
			"To: <sip:callee@%s>%s\r\n"
			"Call-ID: %s\r\n"
			"CSeq: %s\r\n"
			"Content-Length: 0\r\n\r\n",
			answered ? "BYE" : "CANCEL", sip_domain,
			host, (unsigned long long)n, answered ? "-bye" : "",
			host, (unsigned long long)n, sip_domain, to_tag,
			call->ref.sip.call_id, answered ? "2 BYE" : "1 CANCEL");
		break;
	}
	}
	return len < 0 || (size_t)len >= size ? -1 : len;
}

/* ---- ISUP in M3UA -------------------------------------------------------------- */

enum {
	ISUP_IAM = 0x01,
	ISUP_ANM = 0x09,
	ISUP_REL = 0x0c,
	ISUP_PARAM_CALLING = 0x0a,
	ISUP_NPI_ISDN = 1,		/* E.164 */
	ISUP_SI_NETWORK = 3,		/* screening: network provided */
	M3UA_TAG_PROTOCOL_DATA = 0x0210,
	M3UA_TAG_ROUTING_CONTEXT = 0x0006,
	SI_ISUP = 5,
	NI_NATIONAL = 2,
};

/*
 * A Called or Calling Party Number parameter (Q.763 §3.9, §3.10) without
 * its length byte: odd/even + @nai, then @second, then the BCD digits.
 */
static int
put_digits(uint8_t *p, size_t size, const char *digits, uint8_t nai,
	   uint8_t second)
{
	size_t nd = strlen(digits);
	int bcd;

	if (size < 2)
		return -1;
	p[0] = (uint8_t)((nd & 1) << 7 | (nai & 0x7f));
	p[1] = second;
	bcd = osmo_str2bcd(p + 2, size - 2, digits, 0, -1, false);
	if (bcd <= 0)
		return -1;
	/* libosmocore pads an odd count with 0xf; Q.763 wants filler 0. */
	if (nd & 1)
		p[2 + bcd - 1] &= 0x0f;
	return 2 + bcd;
}


static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/*
 * An IAM from its message type on (Q.763 table 32): what follows the CIC
 * in M3UA, and the whole ISUP body part of a SIP-I INVITE.  Returns the
 * bytes written or -1.
 */
static int
encode_iam(uint8_t *p, size_t size, const char *calling, uint8_t calling_nai,
	   const char *called, uint8_t called_nai, uint8_t category)
{
	size_t i = 0;
	int n;

	if (size < 14)
		return -1;
	p[i++] = ISUP_IAM;
	p[i++] = 0x00;		/* nature of connection: no satellite */
	p[i++] = 0x20;		/* forward call: ISUP all the way */
	p[i++] = 0x01;		/* ... originating access ISDN */
	p[i++] = category;
	p[i++] = 0x00;		/* transmission medium: speech */
	p[i++] = 2;		/* pointer: called party number */
	i++;			/* pointer: optional part, below */
	n = put_digits(p + i + 1, size - i - 1, called, called_nai,
		       ISUP_NPI_ISDN << 4);
	if (n < 0)
		return -1;
	p[i] = (uint8_t)n;
	p[7] = (uint8_t)(1 + n + 1);	/* from its own byte to the optional part */
	i += 1 + (size_t)n;
	if (size - i < 3)
		return -1;
	p[i] = ISUP_PARAM_CALLING;
	n = put_digits(p + i + 2, size - i - 2, calling, calling_nai,
		       ISUP_NPI_ISDN << 4 | ISUP_SI_NETWORK);
	if (n < 0 || size - i - 2 - (size_t)n < 1)
		return -1;
	p[i + 1] = (uint8_t)n;
	i += 2 + (size_t)n;
	p[i++] = 0;		/* end of optional parameters */
	return (int)i;
}

static int
encode_isup(const struct cf_call *call, uint8_t *p, size_t size)
{
	const struct cf_party *a = &call->party[CF_PARTY_CALLER];
	const struct cf_party *b = &call->party[CF_PARTY_CALLEE];
	uint16_t cic = call->ref.isup.cic;
	size_t i = 0;
	int n;

	if (size < 16)
		return -1;
	p[i++] = (uint8_t)cic;
	p[i++] = (uint8_t)(cic >> 8 & 0x0f);
	switch (call->event) {
	case CF_EVENT_SETUP:
		n = encode_iam(p + i, size - i, a->raw, a->nai, b->raw, b->nai,
			       call->calling_category);
		if (n < 0)
			return -1;
		i += (size_t)n;
		break;
	case CF_EVENT_ANSWER:
		p[i++] = ISUP_ANM;
		p[i++] = 0;		/* no optional part */
		break;
	default:
		p[i++] = ISUP_REL;
		p[i++] = 2;		/* pointer: cause indicators */
		p[i++] = 0;		/* no optional part */
		p[i++] = 2;
		p[i++] = 0x82;		/* ITU coding, public network, local user */
		p[i++] = (uint8_t)(0x80 | (call->release_cause & 0x7f));
		break;
	}
	return (int)i;
}

int
gen_encode_m3ua_isup(const struct cf_call *call, uint8_t *buf, size_t size)
{
	uint8_t isup[64];
	int n = encode_isup(call, isup, sizeof(isup));
	size_t pd_len, total;

	if (n < 0)
		return -1;
	pd_len = 4 + 12 + (size_t)n;
	total = 8 + 8 + pd_len + ((4 - pd_len % 4) % 4);
	if (total > size)
		return -1;
	memset(buf, 0, total);
	buf[0] = 1;			/* version */
	buf[2] = 1;			/* class: transfer */
	buf[3] = 1;			/* type: DATA */
	put32(buf + 4, (uint32_t)total);
	put16(buf + 8, M3UA_TAG_ROUTING_CONTEXT);
	put16(buf + 10, 8);
	put32(buf + 12, 1);
	put16(buf + 16, M3UA_TAG_PROTOCOL_DATA);
	put16(buf + 18, (uint16_t)pd_len);
	put32(buf + 20, call->ref.isup.opc);
	put32(buf + 24, call->ref.isup.dpc);
	buf[28] = SI_ISUP;
	buf[29] = NI_NATIONAL;
	buf[30] = 0;			/* message priority */
	buf[31] = (uint8_t)(call->ref.isup.cic & 0x0f);	/* SLS */
	memcpy(buf + 32, isup, (size_t)n);
	return (int)total;
}

/* ---- SIP-I: the IAM in the INVITE ---------------------------------------- */

/* A number as the IAM of a gateway on @ingress writes it: a domestic
 * subscriber national (country code off) on domestic ingress, anything
 * else international, as the generator's ISUP calls are numbered. */
static int
iam_number(const struct cf_party *party, enum cf_ingress ingress,
	   const char **digits, uint8_t *nai)
{
	const struct cf_number *num = &party->num;

	if (!party->present || num->err != CF_NUM_OK)
		return -1;
	if (ingress != CF_INGRESS_INTERNATIONAL && num->len > 2 + 5 &&
	    num->digits[0] == '8' && num->digits[1] == '6') {
		*digits = num->digits + 2;
		*nai = CF_NAI_NATIONAL;
	} else {
		*digits = num->digits;
		*nai = CF_NAI_INTERNATIONAL;
	}
	return 0;
}

#define SIPI_BOUNDARY	"callfence-sip-i"

int
gen_encode_sipi(const struct cf_call *call, uint64_t n, char *buf, size_t size)
{
	static const char tail[] = "Content-Length: 0\r\n\r\n";
	const size_t tail_len = sizeof(tail) - 1;
	const char *a, *b;
	uint8_t iam[64], a_nai, b_nai;
	char host[16], sdp[256];
	int len, iam_len, sdp_len, head_len;
	size_t body_len;

	if (call->event != CF_EVENT_SETUP ||
	    iam_number(&call->party[CF_PARTY_CALLER], call->ingress, &a, &a_nai) < 0 ||
	    iam_number(&call->party[CF_PARTY_CALLEE], call->ingress, &b, &b_nai) < 0)
		return -1;
	/* The headers of the plain INVITE, its empty body replaced. */
	len = gen_encode_sip(call, n, false, buf, size);
	if (len < (int)tail_len || memcmp(buf + len - tail_len, tail, tail_len) != 0)
		return -1;
	len -= (int)tail_len;
	iam_len = encode_iam(iam, sizeof(iam), a, a_nai, b, b_nai,
			     10 /* ordinary subscriber */);
	snprintf(host, sizeof(host), "%u.%u.%u.%u", call->src.addr[0],
		 call->src.addr[1], call->src.addr[2], call->src.addr[3]);
	sdp_len = snprintf(sdp, sizeof(sdp),
		"v=0\r\no=- %llu 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\n"
		"t=0 0\r\nm=audio %u RTP/AVP 8\r\n",
		(unsigned long long)n, host, host,
		(unsigned int)(10000 + 2 * (n % 20000)));
	if (iam_len < 0 || sdp_len < 0 || (size_t)sdp_len >= sizeof(sdp))
		return -1;
	/* RFC 3204 / Q.1912.5: multipart/mixed, the SDP, then the ISUP
	 * part (version, handling required), its bytes as they are. */
	body_len = strlen("--" SIPI_BOUNDARY "\r\n"
			  "Content-Type: application/sdp\r\n\r\n") +
		   (size_t)sdp_len +
		   strlen("\r\n--" SIPI_BOUNDARY "\r\n"
			  "Content-Type: application/ISUP;version=itu-t92+\r\n"
			  "Content-Disposition: signal;handling=required\r\n\r\n") +
		   (size_t)iam_len + strlen("\r\n--" SIPI_BOUNDARY "--\r\n");
	head_len = snprintf(buf + len, size - (size_t)len,
		"Content-Type: multipart/mixed;boundary=" SIPI_BOUNDARY "\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Length: %zu\r\n\r\n"
		"--" SIPI_BOUNDARY "\r\n"
		"Content-Type: application/sdp\r\n\r\n"
		"%s"
		"\r\n--" SIPI_BOUNDARY "\r\n"
		"Content-Type: application/ISUP;version=itu-t92+\r\n"
		"Content-Disposition: signal;handling=required\r\n\r\n",
		body_len, sdp);
	if (head_len < 0 || (size_t)(len + head_len) + (size_t)iam_len +
	    strlen("\r\n--" SIPI_BOUNDARY "--\r\n") >= size)
		return -1;
	len += head_len;
	memcpy(buf + len, iam, (size_t)iam_len);
	len += iam_len;
	len += snprintf(buf + len, size - (size_t)len,
			"\r\n--" SIPI_BOUNDARY "--\r\n");
	return len;
}

/* ---- framing --------------------------------------------------------------- */

uint32_t
gen_crc32c(const uint8_t *p, size_t len)
{
	uint32_t crc = ~0u;
	size_t i;
	int k;

	/* Bitwise: the generator frames a few hundred thousand packets at
	 * most, and a table would be one more thing to get wrong. */
	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return ~crc;
}

static uint16_t
ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int
gen_frame(const struct cf_source *src, bool sctp, uint32_t tsn,
	  const uint8_t *payload, size_t len, uint8_t *buf, size_t size)
{
	static const uint8_t engine_ip[4] = GEN_ENGINE_IP;
	static const uint8_t eth[14] = {
		0x02, 0, 0, 0, 0, 0x01,		/* to the engine */
		0x02, 0, 0, 0, 0, 0x02,		/* from the gateway */
		0x08, 0x00,			/* IPv4 */
	};
	size_t l4 = sctp ? 12 + 16 + len + (4 - len % 4) % 4 : 8 + len;
	size_t ip_len = 20 + l4;
	uint8_t *ip = buf + 14, *t = ip + 20;

	if (14 + ip_len > size || ip_len > 65535)
		return -1;
	memcpy(buf, eth, sizeof(eth));
	memset(ip, 0, ip_len);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)ip_len);
	put16(ip + 4, (uint16_t)tsn);
	ip[6] = 0x40;			/* don't fragment */
	ip[8] = 64;
	ip[9] = sctp ? 132 : 17;
	memcpy(ip + 12, src->addr, 4);
	memcpy(ip + 16, engine_ip, 4);
	put16(ip + 10, ip_checksum(ip, 20));

	if (!sctp) {
		put16(t, src->port);
		put16(t + 2, GEN_SIP_PORT);
		put16(t + 4, (uint16_t)l4);
		/* UDP checksum 0: none, allowed over IPv4 (RFC 768). */
		memcpy(t + 8, payload, len);
		return (int)(14 + ip_len);
	}
	put16(t, GEN_M3UA_PORT);
	put16(t + 2, GEN_M3UA_PORT);
	put32(t + 4, 0x43464e31);	/* verification tag */
	/* DATA chunk: unfragmented (B and E), stream 1, PPID 3 = M3UA. */
	t[12] = 0;
	t[13] = 0x03;
	put16(t + 14, (uint16_t)(16 + len));
	put32(t + 16, tsn);
	put16(t + 20, 1);
	put16(t + 22, (uint16_t)tsn);
	put32(t + 24, 3);
	memcpy(t + 28, payload, len);
	{
		uint32_t crc = gen_crc32c(t, l4);

		/* The checksum goes in little-endian byte order (RFC 9260
		 * appendix A: the CRC's bytes as computed, low first). */
		t[8] = (uint8_t)crc;
		t[9] = (uint8_t)(crc >> 8);
		t[10] = (uint8_t)(crc >> 16);
		t[11] = (uint8_t)(crc >> 24);
	}
	return (int)(14 + ip_len);
}
