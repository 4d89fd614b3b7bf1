/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network layers: IPv4, IPv6 and its extension headers, IP-in-IP, GRE and
 * ERSPAN; and UDP, the simplest transport.
 */
#include <string.h>
#include <sys/socket.h>

#include "capture_int.h"

enum {
	IPPROTO_HOPOPTS_ = 0,
	IPPROTO_IPIP_ = 4,
	IPPROTO_TCP_ = 6,
	IPPROTO_UDP_ = 17,
	IPPROTO_IPV6_ = 41,
	IPPROTO_ROUTING_ = 43,
	IPPROTO_FRAGMENT_ = 44,
	IPPROTO_GRE_ = 47,
	IPPROTO_AH_ = 51,
	IPPROTO_NONE_ = 59,
	IPPROTO_DSTOPTS_ = 60,
	IPPROTO_SCTP_ = 132,
};

static void gre(struct cf_capture *cap, struct cap_pkt *pkt,
		const uint8_t *p, size_t len, int depth);

static void
udp(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
    size_t len)
{
	size_t ulen;

	if (len < 8) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	ulen = rd16(p + 4);
	if (ulen < 8) {
		cap_count(cap, CF_CAPTURE_CTR_BAD_UDP);
		return;
	}
	if (ulen > len) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	pkt->src.port = rd16(p);
	pkt->dst.port = rd16(p + 2);
	/* One UDP datagram carries one SIP message (RFC 3261 §18.3). */
	if (!cap_looks_like_sip(p + 8, ulen - 8)) {
		cap_count(cap, CF_CAPTURE_CTR_NOT_SIGNALLING);
		return;
	}
	cap_deliver(cap, pkt, CF_PAYLOAD_SIP, CF_TRANSPORT_UDP, p + 8,
		    ulen - 8, 0, 0);
}

static void
transport(struct cf_capture *cap, struct cap_pkt *pkt, uint8_t proto,
	  const uint8_t *p, size_t len, int depth)
{
	switch (proto) {
	case IPPROTO_UDP_:
		udp(cap, pkt, p, len);
		break;
	case IPPROTO_TCP_:
		cap_tcp(cap, pkt, p, len);
		break;
	case IPPROTO_SCTP_:
		cap_sctp(cap, pkt, p, len);
		break;
	case IPPROTO_GRE_:
		gre(cap, pkt, p, len, depth + 1);
		break;
	case IPPROTO_IPIP_:
	case IPPROTO_IPV6_:
		cap_ip(cap, pkt, p, len, depth + 1);
		break;
	case IPPROTO_NONE_:
		cap_count(cap, CF_CAPTURE_CTR_NOT_SIGNALLING);
		break;
	default:
		cap_count(cap, CF_CAPTURE_CTR_IP_PROTO_UNSUPPORTED);
		break;
	}
}

static void
set_addr(struct cf_source *s, uint8_t family, const uint8_t *a, size_t n)
{
	memset(s, 0, sizeof(*s));
	s->family = family;
	memcpy(s->addr, a, n);
}

/* RFC 791 §3.1. */
static void
ipv4(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
     size_t len, int depth)
{
	size_t ihl, tot;

	if (len < 20) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20) {
		cap_count(cap, CF_CAPTURE_CTR_BAD_IPV4);
		return;
	}
	tot = rd16(p + 2);
	if (tot < ihl) {
		cap_count(cap, CF_CAPTURE_CTR_BAD_IPV4);
		return;
	}
	/* Shorter than the header says: the capture snap length cut it. */
	if (tot > len) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	/* MF set or a fragment offset: not reassembled (signalling that
	 * needs IP fragmentation is rare; SIP over UDP must switch to TCP
	 * above 1300 bytes, RFC 3261 §18.1.1). */
	if (rd16(p + 6) & 0x3fff) {
		cap_count(cap, CF_CAPTURE_CTR_IP_FRAGMENT);
		return;
	}
	set_addr(&pkt->src, AF_INET, p + 12, 4);
	set_addr(&pkt->dst, AF_INET, p + 16, 4);
	/* Bytes past the total length are link padding (Ethernet minimum
	 * frame size, FCS): not ours. */
	transport(cap, pkt, p[9], p + ihl, tot - ihl, depth);
}

/* RFC 8200 §4: follow the extension headers to the upper layer. */
static void
ipv6(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
     size_t len, int depth)
{
	size_t plen, off, hlen;
	uint8_t nh;
	int n;

	if (len < 40) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	plen = rd16(p + 4);
	/* A zero payload length means a jumbogram (RFC 2675): not on any
	 * signalling link. */
	if (plen == 0) {
		cap_count(cap, CF_CAPTURE_CTR_BAD_IPV6);
		return;
	}
	if (40 + plen > len) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	set_addr(&pkt->src, AF_INET6, p + 8, 16);
	set_addr(&pkt->dst, AF_INET6, p + 24, 16);
	len = 40 + plen;
	nh = p[6];
	off = 40;
	for (n = 0;; n++) {
		if (nh != IPPROTO_HOPOPTS_ && nh != IPPROTO_ROUTING_ &&
		    nh != IPPROTO_DSTOPTS_ && nh != IPPROTO_FRAGMENT_ &&
		    nh != IPPROTO_AH_)
			break;
		if (n >= CAP_MAX_IPV6_EXT || len - off < 8) {
			cap_count(cap, CF_CAPTURE_CTR_BAD_IPV6_EXT);
			return;
		}
		if (nh == IPPROTO_FRAGMENT_) {
			/* §4.5: offset in the top 13 bits, M in bit 0.  An
			 * atomic fragment (both 0) is a whole packet. */
			if (rd16(p + off + 2) & 0xfff9) {
				cap_count(cap, CF_CAPTURE_CTR_IP_FRAGMENT);
				return;
			}
			hlen = 8;
		} else if (nh == IPPROTO_AH_) {
			/* RFC 4302 §2.2: length in 4-byte words, minus 2. */
			hlen = ((size_t)p[off + 1] + 2) * 4;
		} else {
			/* §4.3-4.6: length in 8-byte units, minus 1. */
			hlen = ((size_t)p[off + 1] + 1) * 8;
		}
		if (hlen > len - off) {
			cap_count(cap, CF_CAPTURE_CTR_BAD_IPV6_EXT);
			return;
		}
		nh = p[off];
		off += hlen;
	}
	transport(cap, pkt, nh, p + off, len - off, depth);
}

void
cap_ip(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
       size_t len, int depth)
{
	if (depth > CAP_MAX_DEPTH) {
		cap_count(cap, CF_CAPTURE_CTR_ENCAP_TOO_DEEP);
		return;
	}
	if (len < 1) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	switch (p[0] >> 4) {
	case 4:
		ipv4(cap, pkt, p, len, depth);
		break;
	case 6:
		ipv6(cap, pkt, p, len, depth);
		break;
	default:
		cap_count(cap, CF_CAPTURE_CTR_BAD_IPV4);
		break;
	}
}

/*
 * ERSPAN type II (version 1): 8 bytes, then the mirrored Ethernet frame.
 *   Ver(4) VLAN(12) | COS(3) En(2) T(1) Session(10) | Reserved(12) Index(20)
 */
static void
erspan2(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
	size_t len, int depth)
{
	if (len < 8) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	if (p[0] >> 4 != 1) {
		cap_count(cap, CF_CAPTURE_CTR_BAD_ERSPAN);
		return;
	}
	cap_ethernet(cap, pkt, p + 8, len - 8, depth);
}

/*
 * ERSPAN type III (version 2): 12 bytes,
 *   Ver(4) VLAN(12) | COS(3) BSO(2) T(1) Session(10) | Timestamp(32) |
 *   SGT(16) | P(1) FT(5) HW-ID(6) D(1) Gra(2) O(1)
 * then 8 bytes of platform sub-header when O is set.  FT 0 is Ethernet,
 * FT 2 an IP packet.
 */
static void
erspan3(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
	size_t len, int depth)
{
	size_t hlen = 12;
	uint16_t w;

	if (len < 12) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	if (p[0] >> 4 != 2) {
		cap_count(cap, CF_CAPTURE_CTR_BAD_ERSPAN);
		return;
	}
	w = rd16(p + 10);
	if (w & 1)
		hlen += 8;
	if (len < hlen) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	switch ((w >> 10) & 0x1f) {
	case 0:
		cap_ethernet(cap, pkt, p + hlen, len - hlen, depth);
		break;
	case 2:
		cap_ip(cap, pkt, p + hlen, len - hlen, depth);
		break;
	default:
		cap_count(cap, CF_CAPTURE_CTR_BAD_ERSPAN);
		break;
	}
}

/*
 * GRE, RFC 2784 with the key and sequence extensions of RFC 2890:
 *   C(1) R(1) K(1) S(1) Reserved0(9) Ver(3) | Protocol Type(16)
 *   [Checksum(16) Reserved1(16)] [Key(32)] [Sequence Number(32)]
 * The RFC 1701 routing bit (R) and enhanced GRE (version 1, PPTP) are not
 * supported.
 */
static void
gre(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
    size_t len, int depth)
{
	uint16_t flags, proto;
	size_t hlen = 4;

	if (depth > CAP_MAX_DEPTH) {
		cap_count(cap, CF_CAPTURE_CTR_ENCAP_TOO_DEEP);
		return;
	}
	if (len < 4) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	flags = rd16(p);
	proto = rd16(p + 2);
	if ((flags & 0x0007) || (flags & 0x4000)) {
		cap_count(cap, CF_CAPTURE_CTR_GRE_UNSUPPORTED);
		return;
	}
	if (flags & 0x8000)
		hlen += 4;
	if (flags & 0x2000)
		hlen += 4;
	if (flags & 0x1000)
		hlen += 4;
	if (len < hlen) {
		cap_count(cap, CF_CAPTURE_CTR_BAD_GRE);
		return;
	}
	p += hlen;
	len -= hlen;
	switch (proto) {
	case 0x0800:
	case 0x86dd:
		cap_ip(cap, pkt, p, len, depth);
		break;
	case 0x6558:	/* transparent Ethernet bridging */
		cap_ethernet(cap, pkt, p, len, depth);
		break;
	case 0x88be:
		/* Type II always sets S; type I has no ERSPAN header. */
		if (flags & 0x1000)
			erspan2(cap, pkt, p, len, depth);
		else
			cap_ethernet(cap, pkt, p, len, depth);
		break;
	case 0x22eb:
		erspan3(cap, pkt, p, len, depth);
		break;
	default:
		cap_count(cap, CF_CAPTURE_CTR_GRE_UNSUPPORTED);
		break;
	}
}
