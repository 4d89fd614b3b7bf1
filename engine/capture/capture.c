/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capture input: the public API, file reading with libpcap, counters, and
 * the link layers (Ethernet, Linux cooked, raw IP, NULL/LOOP, MTP2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pcap/pcap.h>

#include "capture_int.h"

static const char *const ctr_names[CF_CAPTURE_CTR__COUNT] = {
	[CF_CAPTURE_CTR_RECORDS] = "records",
	[CF_CAPTURE_CTR_PAYLOADS] = "payloads",
	[CF_CAPTURE_CTR_TRUNCATED] = "truncated",
	[CF_CAPTURE_CTR_LINKTYPE_UNSUPPORTED] = "link:unsupported-type",
	[CF_CAPTURE_CTR_ETHERTYPE_UNSUPPORTED] = "link:unsupported-ethertype",
	[CF_CAPTURE_CTR_VLAN_TOO_DEEP] = "link:vlan-too-deep",
	[CF_CAPTURE_CTR_BAD_LINK_HEADER] = "link:bad-header",
	[CF_CAPTURE_CTR_BAD_IPV4] = "ip:bad-ipv4",
	[CF_CAPTURE_CTR_BAD_IPV6] = "ip:bad-ipv6",
	[CF_CAPTURE_CTR_BAD_IPV6_EXT] = "ip:bad-ipv6-ext",
	[CF_CAPTURE_CTR_IP_FRAGMENT] = "ip:fragment",
	[CF_CAPTURE_CTR_IP_PROTO_UNSUPPORTED] = "ip:unsupported-proto",
	[CF_CAPTURE_CTR_ENCAP_TOO_DEEP] = "ip:encap-too-deep",
	[CF_CAPTURE_CTR_BAD_GRE] = "gre:bad-header",
	[CF_CAPTURE_CTR_GRE_UNSUPPORTED] = "gre:unsupported",
	[CF_CAPTURE_CTR_BAD_ERSPAN] = "gre:bad-erspan",
	[CF_CAPTURE_CTR_BAD_UDP] = "udp:bad-header",
	[CF_CAPTURE_CTR_BAD_TCP] = "tcp:bad-header",
	[CF_CAPTURE_CTR_TCP_NO_PAYLOAD] = "tcp:no-payload",
	[CF_CAPTURE_CTR_TCP_HELD] = "tcp:held",
	[CF_CAPTURE_CTR_TCP_KEEPALIVE] = "tcp:keepalive",
	[CF_CAPTURE_CTR_TCP_DUPLICATE] = "tcp:duplicate",
	[CF_CAPTURE_CTR_TCP_GAP] = "tcp:gap",
	[CF_CAPTURE_CTR_TCP_BUF_OVERFLOW] = "tcp:buffer-overflow",
	[CF_CAPTURE_CTR_TCP_FLOW_TABLE_FULL] = "tcp:flow-table-full",
	[CF_CAPTURE_CTR_TCP_NO_FRAMER] = "tcp:no-framer",
	[CF_CAPTURE_CTR_TCP_INCOMPLETE] = "tcp:incomplete",
	[CF_CAPTURE_CTR_BAD_WEBSOCKET] = "ws:bad-frame",
	[CF_CAPTURE_CTR_WS_FRAGMENTED] = "ws:fragmented",
	[CF_CAPTURE_CTR_WS_CONTROL] = "ws:control",
	[CF_CAPTURE_CTR_WS_HANDSHAKE] = "ws:handshake",
	[CF_CAPTURE_CTR_BAD_SCTP] = "sctp:bad-header",
	[CF_CAPTURE_CTR_BAD_SCTP_CHUNK] = "sctp:bad-chunk",
	[CF_CAPTURE_CTR_SCTP_CONTROL] = "sctp:control-chunk",
	[CF_CAPTURE_CTR_SCTP_FRAGMENT_HELD] = "sctp:fragment-held",
	[CF_CAPTURE_CTR_SCTP_FRAGMENT_DROPPED] = "sctp:fragment-dropped",
	[CF_CAPTURE_CTR_NOT_SIGNALLING] = "not-signalling",
	[CF_CAPTURE_CTR_READ_ERROR] = "read:error",
};

static const char *const payload_names[CF_PAYLOAD__COUNT] = {
	[CF_PAYLOAD_SIP] = "sip",
	[CF_PAYLOAD_M3UA] = "m3ua",
	[CF_PAYLOAD_M2PA] = "m2pa",
	[CF_PAYLOAD_MTP2] = "mtp2",
};

static const char *const transport_names[CF_TRANSPORT__COUNT] = {
	[CF_TRANSPORT_UDP] = "udp",
	[CF_TRANSPORT_TCP] = "tcp",
	[CF_TRANSPORT_SCTP] = "sctp",
	[CF_TRANSPORT_WEBSOCKET] = "websocket",
	[CF_TRANSPORT_MTP2] = "mtp2",
};

const char *
cf_capture_ctr_name(enum cf_capture_ctr ctr)
{
	if ((unsigned int)ctr >= CF_CAPTURE_CTR__COUNT)
		return "?";
	return ctr_names[ctr];
}

const char *
cf_capture_payload_name(enum cf_payload_kind kind)
{
	if ((unsigned int)kind >= CF_PAYLOAD__COUNT)
		return "?";
	return payload_names[kind];
}

const char *
cf_capture_transport_name(enum cf_capture_transport t)
{
	if ((unsigned int)t >= CF_TRANSPORT__COUNT)
		return "?";
	return transport_names[t];
}

static unsigned int
round_pow2(unsigned int n)
{
	unsigned int p = CAP_TCP_WAYS;

	while (p < n && p < (1u << 20))
		p <<= 1;
	return p;
}

struct cf_capture *
cf_capture_new(const struct cf_capture_cfg *cfg)
{
	struct cf_capture *cap;
	unsigned int i;

	if (!cfg || !cfg->on_payload)
		return NULL;
	cap = calloc(1, sizeof(*cap));
	if (!cap)
		return NULL;
	cap->cfg = *cfg;
	cap->linktype = -1;
	if (!cap->cfg.tcp_flows)
		cap->cfg.tcp_flows = 256;
	if (!cap->cfg.tcp_buf_max)
		cap->cfg.tcp_buf_max = 65536;
	if (cap->cfg.tcp_buf_max < 256)
		cap->cfg.tcp_buf_max = 256;
	if (!cap->cfg.sctp_reasm)
		cap->cfg.sctp_reasm = 16;
	if (!cap->cfg.sctp_buf_max)
		cap->cfg.sctp_buf_max = 65536;
	if (cap->cfg.sctp_buf_max < 256)
		cap->cfg.sctp_buf_max = 256;
	cap->nflows = round_pow2(cap->cfg.tcp_flows);
	cap->cfg.tcp_flows = cap->nflows;
	cap->nreasm = cap->cfg.sctp_reasm;

	/* The arenas are zeroed by calloc: pages never touched by a flow
	 * cost address space, not memory. */
	cap->flows = calloc(cap->nflows, sizeof(*cap->flows));
	cap->tcp_arena = calloc(cap->nflows, cap->cfg.tcp_buf_max);
	cap->reasm = calloc(cap->nreasm, sizeof(*cap->reasm));
	cap->sctp_arena = calloc(cap->nreasm, cap->cfg.sctp_buf_max);
	cap->ws_scratch = malloc(cap->cfg.tcp_buf_max);
	if (!cap->flows || !cap->tcp_arena || !cap->reasm ||
	    !cap->sctp_arena || !cap->ws_scratch) {
		cf_capture_free(cap);
		return NULL;
	}
	for (i = 0; i < cap->nflows; i++)
		cap->flows[i].buf = cap->tcp_arena +
				    (size_t)i * cap->cfg.tcp_buf_max;
	for (i = 0; i < cap->nreasm; i++)
		cap->reasm[i].buf = cap->sctp_arena +
				    (size_t)i * cap->cfg.sctp_buf_max;
	return cap;
}

void
cf_capture_free(struct cf_capture *cap)
{
	if (!cap)
		return;
	cf_capture_close(cap);
	free(cap->flows);
	free(cap->tcp_arena);
	free(cap->reasm);
	free(cap->sctp_arena);
	free(cap->ws_scratch);
	free(cap);
}

void
cf_capture_flush(struct cf_capture *cap)
{
	cap_tcp_flush(cap);
	cap_sctp_flush(cap);
}

int
cf_capture_open(struct cf_capture *cap, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;

	cf_capture_close(cap);
	cf_capture_flush(cap);
	cap->err[0] = '\0';
	errbuf[0] = '\0';
	p = pcap_open_offline_with_tstamp_precision(path,
			PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		snprintf(cap->err, sizeof(cap->err), "%s: %s", path, errbuf);
		return -1;
	}
	cap->pcap = p;
	cap->linktype = pcap_datalink(p);
	cap->frame = 0;
	return 0;
}

long
cf_capture_run(struct cf_capture *cap, unsigned long max)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long n = 0;
	uint64_t ts;
	int rc;

	if (!cap->pcap) {
		snprintf(cap->err, sizeof(cap->err), "no capture open");
		return -1;
	}
	while (!max || n < max) {
		rc = pcap_next_ex(cap->pcap, &h, &data);
		if (rc == PCAP_ERROR_BREAK)
			break;
		if (rc != 1) {
			/* libpcap reports a record cut short by the end of
			 * the file ("truncated dump file") here, after every
			 * complete record was returned. */
			cap_count(cap, CF_CAPTURE_CTR_READ_ERROR);
			snprintf(cap->err, sizeof(cap->err),
				 "after record %u: %s", cap->frame,
				 pcap_geterr(cap->pcap));
			return -1;
		}
		n++;
		cap->frame++;
		ts = (uint64_t)h->ts.tv_sec * 1000000000ULL +
		     (uint64_t)h->ts.tv_usec;
		cf_capture_packet(cap, cap->linktype, data, h->caplen,
				  h->len, ts, cap->frame);
	}
	return (long)n;
}

void
cf_capture_close(struct cf_capture *cap)
{
	if (cap->pcap) {
		pcap_close(cap->pcap);
		cap->pcap = NULL;
	}
	cap->linktype = -1;
}

int
cf_capture_linktype(const struct cf_capture *cap)
{
	return cap->linktype;
}

const char *
cf_capture_error(const struct cf_capture *cap)
{
	return cap->err;
}

const struct cf_capture_stats *
cf_capture_stats(const struct cf_capture *cap)
{
	return &cap->st;
}

int
cf_capture_stats_print(const struct cf_capture_stats *st, char *buf,
		       size_t size)
{
	size_t off = 0;
	int i, n;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < CF_CAPTURE_CTR__COUNT; i++) {
		if (!st->ctr[i])
			continue;
		n = snprintf(off < size ? buf + off : NULL,
			     off < size ? size - off : 0, "%s %llu\n",
			     ctr_names[i], (unsigned long long)st->ctr[i]);
		if (n < 0)
			return n;
		off += (size_t)n;
	}
	return (int)off;
}

void
cap_deliver(struct cf_capture *cap, struct cap_pkt *pkt,
	    enum cf_payload_kind kind, enum cf_capture_transport tr,
	    const uint8_t *data, size_t len, uint32_t ppid, uint16_t stream)
{
	struct cf_payload p = {
		.kind = kind,
		.transport = tr,
		.sctp_stream = stream,
		.sctp_ppid = ppid,
		.frame = pkt->frame,
		.index = ++pkt->index,
		.ts_ns = pkt->ts_ns,
		.data = data,
		.len = len,
		.src = pkt->src,
		.dst = pkt->dst,
	};

	cap_count(cap, CF_CAPTURE_CTR_PAYLOADS);
	cap->cfg.on_payload(cap->cfg.ctx, &p);
}

/* RFC 3261 §25.1 token characters. */
static bool
is_token(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c && strchr("-.!%*_+`'~", c) != NULL;
}

/*
 * RFC 3261 §7.1: Request-Line = Method SP Request-URI SP SIP-Version CRLF,
 * Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF.  The
 * version is compared case-insensitively (§7.1); a bare LF ends the line
 * too, as lenient parsers accept it.
 */
bool
cap_looks_like_sip(const uint8_t *data, size_t len)
{
	const uint8_t *nl, *end, *sp;
	size_t i, n;

	nl = memchr(data, '\n', len);
	if (!nl)
		return false;
	end = nl;
	if (end > data && end[-1] == '\r')
		end--;
	n = (size_t)(end - data);

	if (n >= 12 && !strncasecmp((const char *)data, "SIP/2.0 ", 8))
		return data[8] >= '1' && data[8] <= '6' &&
		       data[9] >= '0' && data[9] <= '9' &&
		       data[10] >= '0' && data[10] <= '9' && data[11] == ' ';

	for (i = 0; i < n && is_token(data[i]); i++)
		;
	if (i == 0 || i > 32 || i >= n || data[i] != ' ')
		return false;
	/* Request-URI: an absolute URI (scheme ":" ...), no spaces. */
	sp = memchr(data + i + 1, ' ', n - i - 1);
	if (!sp || !memchr(data + i + 1, ':', (size_t)(sp - data - i - 1)))
		return false;
	return (size_t)(end - sp) == 8 &&
	       !strncasecmp((const char *)sp + 1, "SIP/2.0", 7);
}

/* IEEE 802.1Q (0x8100), 802.1ad (0x88A8) and the pre-standard 0x9100 QinQ
 * tag: 2 bytes of TCI, then the next EtherType. */
static bool
is_vlan(uint16_t type)
{
	return type == 0x8100 || type == 0x88a8 || type == 0x9100;
}

void
cap_ethertype(struct cf_capture *cap, struct cap_pkt *pkt, uint16_t type,
	      const uint8_t *p, size_t len, int depth)
{
	switch (type) {
	case 0x0800:
	case 0x86dd:
		cap_ip(cap, pkt, p, len, depth);
		break;
	default:
		cap_count(cap, CF_CAPTURE_CTR_ETHERTYPE_UNSUPPORTED);
		break;
	}
}

void
cap_ethernet(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
	     size_t len, int depth)
{
	size_t off = 12;
	uint16_t type;
	int tags = 0;

	if (len < 14) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	type = rd16(p + off);
	off += 2;
	while (is_vlan(type)) {
		if (++tags > CAP_MAX_VLAN) {
			cap_count(cap, CF_CAPTURE_CTR_VLAN_TOO_DEEP);
			return;
		}
		if (len - off < 4) {
			cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
			return;
		}
		type = rd16(p + off + 2);
		off += 4;
	}
	/* Values below 0x0600 are 802.3 lengths (LLC follows: STP, ...). */
	cap_ethertype(cap, pkt, type, p + off, len - off, depth);
}

/* Linux cooked capture v1: 16 bytes, protocol (an EtherType for the
 * families we want) in the last two. */
static void
link_sll(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
	 size_t len)
{
	if (len < 16) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	cap_ethertype(cap, pkt, rd16(p + 14), p + 16, len - 16, 0);
}

/* Linux cooked capture v2: 20 bytes, protocol in the first two. */
static void
link_sll2(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
	  size_t len)
{
	if (len < 20) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	cap_ethertype(cap, pkt, rd16(p), p + 20, len - 20, 0);
}

/*
 * BSD loopback: a 4-byte address family, in the writer's byte order for
 * DLT_NULL and in network order for DLT_LOOP.  AF_INET is 2 everywhere;
 * AF_INET6 is 10 (Linux), 24 (NetBSD, OpenBSD), 28 (FreeBSD) or 30 (macOS).
 */
static void
link_null(struct cf_capture *cap, struct cap_pkt *pkt, const uint8_t *p,
	  size_t len, bool network_order)
{
	uint32_t af;

	if (len < 4) {
		cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
		return;
	}
	af = rd32(p);
	/* Written little-endian, a family reads as 0xNN000000. */
	if (!network_order && af > 0xffff)
		af = __builtin_bswap32(af);
	switch (af) {
	case 2:
	case 10:
	case 24:
	case 28:
	case 30:
		cap_ip(cap, pkt, p + 4, len - 4, 0);
		break;
	default:
		cap_count(cap, CF_CAPTURE_CTR_BAD_LINK_HEADER);
		break;
	}
}

void
cf_capture_packet(struct cf_capture *cap, int linktype, const uint8_t *data,
		  size_t caplen, size_t wirelen, uint64_t ts_ns, uint32_t frame)
{
	struct cap_pkt pkt = { .frame = frame, .ts_ns = ts_ns };

	cap_count(cap, CF_CAPTURE_CTR_RECORDS);
	if (!data)
		caplen = 0;
	switch (linktype) {
	case DLT_EN10MB:
		cap_ethernet(cap, &pkt, data, caplen, 0);
		break;
	case DLT_LINUX_SLL:
		link_sll(cap, &pkt, data, caplen);
		break;
	case DLT_LINUX_SLL2:
		link_sll2(cap, &pkt, data, caplen);
		break;
	case 12:	/* DLT_RAW everywhere but OpenBSD */
	case 14:	/* DLT_RAW on OpenBSD */
	case 101:	/* LINKTYPE_RAW, as written in files */
	case DLT_IPV4:
	case DLT_IPV6:
		cap_ip(cap, &pkt, data, caplen, 0);
		break;
	case DLT_NULL:
		link_null(cap, &pkt, data, caplen, false);
		break;
	case DLT_LOOP:
		link_null(cap, &pkt, data, caplen, true);
		break;
	case DLT_MTP2:
		/* Q.703 §2.2: BSN, FSN, LI, then SIO; anything shorter is
		 * not a signal unit at all. */
		if (caplen < 3) {
			cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
			break;
		}
		cap_deliver(cap, &pkt, CF_PAYLOAD_MTP2, CF_TRANSPORT_MTP2,
			    data, caplen, 0, 0);
		break;
	case DLT_MTP2_WITH_PHDR:
		/* 4-byte pseudo-header: sent, annex A used, link number. */
		if (caplen < 4 + 3) {
			cap_count(cap, CF_CAPTURE_CTR_TRUNCATED);
			break;
		}
		cap_deliver(cap, &pkt, CF_PAYLOAD_MTP2, CF_TRANSPORT_MTP2,
			    data + 4, caplen - 4, 0, 0);
		break;
	default:
		cap_count(cap, CF_CAPTURE_CTR_LINKTYPE_UNSUPPORTED);
		break;
	}
	(void)wirelen;
}
