/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capture input: hand-built packets for every link type and encapsulation,
 * TCP and SCTP reassembly, WebSocket, lying lengths, truncation at every
 * byte offset, a pcap file cut in the middle of a record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <pcap/pcap.h>

#include <callfence/capture.h>

#include "capture_test_util.h"

/* ---- packet builder ---------------------------------------------------- */

struct pb {
	uint8_t b[8192];
	size_t n;
};

static void
put(struct pb *p, const void *d, size_t n)
{
	assert_true(p->n + n <= sizeof(p->b));
	if (n)
		memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void
put8(struct pb *p, uint8_t v)
{
	put(p, &v, 1);
}

static void
put16(struct pb *p, uint16_t v)
{
	put8(p, v >> 8);
	put8(p, v & 0xff);
}

static void
put32(struct pb *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}

static void
set16(struct pb *p, size_t at, uint16_t v)
{
	p->b[at] = v >> 8;
	p->b[at + 1] = v & 0xff;
}

static void
puts_(struct pb *p, const char *s)
{
	put(p, s, strlen(s));
}

static void
eth(struct pb *p, uint16_t type)
{
	static const uint8_t macs[12] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };

	put(p, macs, 12);
	put16(p, type);
}

/* IPv4 header with the total length to fix with ip4_end(). */
static size_t
ip4(struct pb *p, uint8_t proto)
{
	size_t at = p->n;

	put8(p, 0x45);
	put8(p, 0);
	put16(p, 0);		/* total length, fixed later */
	put16(p, 0x1234);
	put16(p, 0x4000);	/* DF */
	put8(p, 64);
	put8(p, proto);
	put16(p, 0);
	put32(p, 0xc0000201);	/* 192.0.2.1 */
	put32(p, 0xc6336402);	/* 198.51.100.2 */
	return at;
}

static void
ip4_end(struct pb *p, size_t at)
{
	set16(p, at + 2, (uint16_t)(p->n - at));
}

static size_t
ip6(struct pb *p, uint8_t nh)
{
	size_t at = p->n;
	int i;

	put32(p, 0x60000000);
	put16(p, 0);		/* payload length, fixed later */
	put8(p, nh);
	put8(p, 64);
	put32(p, 0x20010db8);
	for (i = 0; i < 3; i++)
		put32(p, i == 2 ? 1 : 0);
	put32(p, 0x20010db8);
	for (i = 0; i < 3; i++)
		put32(p, i == 2 ? 2 : 0);
	return at;
}

static void
ip6_end(struct pb *p, size_t at)
{
	set16(p, at + 4, (uint16_t)(p->n - at - 40));
}

static size_t
udp(struct pb *p, uint16_t sport, uint16_t dport)
{
	size_t at = p->n;

	put16(p, sport);
	put16(p, dport);
	put16(p, 0);
	put16(p, 0);
	return at;
}

static void
udp_end(struct pb *p, size_t at)
{
	set16(p, at + 4, (uint16_t)(p->n - at));
}

static void
tcp(struct pb *p, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags)
{
	put16(p, sport);
	put16(p, dport);
	put32(p, seq);
	put32(p, 0);
	put8(p, 5 << 4);
	put8(p, flags);
	put16(p, 65535);
	put32(p, 0);
}

static const char invite[] =
	"INVITE sip:+493012345@example.net SIP/2.0\r\n"
	"Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK776\r\n"
	"From: <sip:+493099999@example.net>;tag=1\r\n"
	"To: <sip:+493012345@example.net>\r\n"
	"Call-ID: a84b4c76e66710@192.0.2.1\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Content-Length: 10\r\n"
	"\r\n"
	"0123456789";

static const char ok200[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

/* ---- fixture ------------------------------------------------------------ */

struct fx {
	struct collector col;
	struct cf_capture *cap;
};

static int
setup_cfg(void **state, const struct cf_capture_cfg *base)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct cf_capture_cfg cfg = *base;

	if (!fx)
		return -1;
	cfg.on_payload = collect;
	cfg.ctx = &fx->col;
	cfg.framer = test_sip_framer;
	fx->cap = cf_capture_new(&cfg);
	if (!fx->cap)
		return -1;
	*state = fx;
	return 0;
}

static int
setup(void **state)
{
	struct cf_capture_cfg cfg = { 0 };

	cfg.tcp_flows = 64;
	cfg.tcp_buf_max = 4096;
	cfg.sctp_reasm = 4;
	cfg.sctp_buf_max = 4096;
	return setup_cfg(state, &cfg);
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	cf_capture_free(fx->cap);
	free(fx);
	return 0;
}

static uint64_t
ctr(struct fx *fx, enum cf_capture_ctr c)
{
	return cf_capture_stats(fx->cap)->ctr[c];
}

/* Counters that say why something was not delivered (info excluded). */
static uint64_t
drops(struct fx *fx)
{
	uint64_t n = 0;
	int i;

	for (i = CF_CAPTURE_CTR_TRUNCATED; i < CF_CAPTURE_CTR__COUNT; i++)
		n += ctr(fx, i);
	return n;
}

static void
feed(struct fx *fx, int dlt, const struct pb *p, uint32_t frame)
{
	cf_capture_packet(fx->cap, dlt, p->b, p->n, p->n, 1000ULL * frame,
			  frame);
}

static void
assert_sip(const struct collected *it, const char *text, uint8_t transport)
{
	assert_int_equal(it->p.kind, CF_PAYLOAD_SIP);
	assert_int_equal(it->p.transport, transport);
	assert_int_equal(it->p.len, strlen(text));
	assert_memory_equal(it->buf, text, strlen(text));
}

/* ---- packets ------------------------------------------------------------ */

static void
build_udp_sip(struct pb *p, const char *text, uint16_t port)
{
	size_t ip, u;

	ip = ip4(p, 17);
	u = udp(p, 5060, port);
	puts_(p, text);
	udp_end(p, u);
	ip4_end(p, ip);
}

static void
udp_sip_by_content_on_odd_port(void **state)
{
	struct fx *fx = *state;
	struct pb p = { .n = 0 };
	const struct cf_payload *pl;

	eth(&p, 0x0800);
	build_udp_sip(&p, invite, 47123);
	feed(fx, DLT_EN10MB, &p, 7);
	assert_int_equal(fx->col.n, 1);
	assert_sip(&fx->col.item[0], invite, CF_TRANSPORT_UDP);
	pl = &fx->col.item[0].p;
	assert_int_equal(pl->frame, 7);
	assert_int_equal(pl->index, 1);
	assert_int_equal(pl->ts_ns, 7000);
	assert_int_equal(pl->src.family, 2);
	assert_int_equal(pl->src.port, 5060);
	assert_int_equal(pl->dst.port, 47123);
	assert_int_equal(pl->src.addr[0], 192);
	assert_int_equal(pl->dst.addr[3], 2);

	/* Responses too; and not SIP on port 5060 is not SIP. */
	p.n = 0;
	eth(&p, 0x0800);
	build_udp_sip(&p, ok200, 1);
	feed(fx, DLT_EN10MB, &p, 8);
	assert_int_equal(fx->col.n, 2);
	assert_sip(&fx->col.item[1], ok200, CF_TRANSPORT_UDP);

	p.n = 0;
	eth(&p, 0x0800);
	build_udp_sip(&p, "HELLO world\r\n", 5060);
	feed(fx, DLT_EN10MB, &p, 9);
	p.n = 0;
	eth(&p, 0x0800);
	build_udp_sip(&p, "INVITE nocolon SIP/2.0\r\n", 5060);
	feed(fx, DLT_EN10MB, &p, 10);
	p.n = 0;
	eth(&p, 0x0800);
	build_udp_sip(&p, "\r\n\r\n", 5060);
	feed(fx, DLT_EN10MB, &p, 11);
	assert_int_equal(fx->col.n, 2);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_NOT_SIGNALLING), 3);
}

static void
vlan_and_qinq(void **state)
{
	struct fx *fx = *state;
	struct pb p = { .n = 0 };
	int i;

	eth(&p, 0x8100);
	put16(&p, 100);
	put16(&p, 0x0800);
	build_udp_sip(&p, invite, 5060);
	feed(fx, DLT_EN10MB, &p, 1);

	p.n = 0;
	eth(&p, 0x88a8);
	put16(&p, 10);
	put16(&p, 0x8100);
	put16(&p, 20);
	put16(&p, 0x0800);
	build_udp_sip(&p, invite, 5060);
	feed(fx, DLT_EN10MB, &p, 2);
	assert_int_equal(fx->col.n, 2);
	assert_sip(&fx->col.item[1], invite, CF_TRANSPORT_UDP);

	/* Tags without end: counted, not followed forever. */
	p.n = 0;
	eth(&p, 0x8100);
	for (i = 0; i < 12; i++) {
		put16(&p, 1);
		put16(&p, 0x8100);
	}
	put16(&p, 1);
	put16(&p, 0x0800);
	build_udp_sip(&p, invite, 5060);
	feed(fx, DLT_EN10MB, &p, 3);
	assert_int_equal(fx->col.n, 2);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_VLAN_TOO_DEEP), 1);

	/* ARP and 802.3/LLC frames are not IP. */
	p.n = 0;
	eth(&p, 0x0806);
	put32(&p, 0);
	feed(fx, DLT_EN10MB, &p, 4);
	p.n = 0;
	eth(&p, 0x0026);
	put32(&p, 0x42420300);
	feed(fx, DLT_EN10MB, &p, 5);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_ETHERTYPE_UNSUPPORTED), 2);
}

static void
linux_cooked_v1_v2(void **state)
{
	struct fx *fx = *state;
	struct pb p = { .n = 0 };

	/* SLL: packet type, ARPHRD, address length, 8 address bytes,
	 * protocol. */
	put16(&p, 0);
	put16(&p, 1);
	put16(&p, 6);
	put32(&p, 0x00010203);
	put32(&p, 0x04050000);
	put16(&p, 0x0800);
	build_udp_sip(&p, invite, 5080);
	feed(fx, DLT_LINUX_SLL, &p, 1);

	/* SLL2: protocol, reserved, ifindex, ARPHRD, type, addr len,
	 * 8 address bytes. */
	p.n = 0;
	put16(&p, 0x0800);
	put16(&p, 0);
	put32(&p, 3);
	put16(&p, 1);
	put8(&p, 4);
	put8(&p, 6);
	put32(&p, 0x00010203);
	put32(&p, 0x04050000);
	build_udp_sip(&p, invite, 5080);
	feed(fx, DLT_LINUX_SLL2, &p, 2);

	assert_int_equal(fx->col.n, 2);
	assert_sip(&fx->col.item[0], invite, CF_TRANSPORT_UDP);
	assert_sip(&fx->col.item[1], invite, CF_TRANSPORT_UDP);
}

static void
build_udp6_sip(struct pb *p, const char *text)
{
	size_t ip, u;

	ip = ip6(p, 17);
	u = udp(p, 5060, 5062);
	puts_(p, text);
	udp_end(p, u);
	ip6_end(p, ip);
}

static void
raw_ip_null_loop(void **state)
{
	static const int raw4[] = { 12, 14, 101, DLT_IPV4 };
	struct fx *fx = *state;
	struct pb p = { .n = 0 };
	unsigned int i;

	build_udp_sip(&p, invite, 5060);
	for (i = 0; i < sizeof(raw4) / sizeof(raw4[0]); i++)
		feed(fx, raw4[i], &p, i + 1);
	assert_int_equal(fx->col.n, 4);

	p.n = 0;
	build_udp6_sip(&p, invite);
	feed(fx, DLT_IPV6, &p, 5);
	assert_int_equal(fx->col.n, 5);
	assert_int_equal(fx->col.item[4].p.src.family, 10);
	assert_int_equal(fx->col.item[4].p.dst.addr[15], 2);

	/* DLT_NULL in little-endian host order, AF_INET. */
	p.n = 0;
	put32(&p, 0x02000000);
	build_udp_sip(&p, invite, 5060);
	feed(fx, DLT_NULL, &p, 6);
	/* DLT_NULL big-endian, AF_INET6 as on FreeBSD (28). */
	p.n = 0;
	put32(&p, 28);
	build_udp6_sip(&p, invite);
	feed(fx, DLT_NULL, &p, 7);
	/* DLT_LOOP is always network order: OpenBSD AF_INET6 = 24. */
	p.n = 0;
	put32(&p, 24);
	build_udp6_sip(&p, invite);
	feed(fx, DLT_LOOP, &p, 8);
	assert_int_equal(fx->col.n, 8);

	/* An unknown family, an unknown link type. */
	p.n = 0;
	put32(&p, 99);
	build_udp_sip(&p, invite, 5060);
	feed(fx, DLT_LOOP, &p, 9);
	feed(fx, 9999, &p, 10);
	assert_int_equal(fx->col.n, 8);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_BAD_LINK_HEADER), 1);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_LINKTYPE_UNSUPPORTED), 1);
}

static void
mtp2_frames(void **state)
{
	struct fx *fx = *state;
	/* BSN, FSN, LI=6, SIO=0x85 (ISUP, national), 5 bytes SIF, FCS. */
	static const uint8_t su[] = { 0x80, 0x81, 0x06, 0x85, 1, 2, 3, 4, 5,
				      0xaa, 0xbb };
	struct pb p = { .n = 0 };

	put(&p, su, sizeof(su));
	feed(fx, DLT_MTP2, &p, 1);
	assert_int_equal(fx->col.n, 1);
	assert_int_equal(fx->col.item[0].p.kind, CF_PAYLOAD_MTP2);
	assert_int_equal(fx->col.item[0].p.transport, CF_TRANSPORT_MTP2);
	assert_int_equal(fx->col.item[0].p.len, sizeof(su));
	assert_memory_equal(fx->col.item[0].buf, su, sizeof(su));

	p.n = 0;
	put32(&p, 0x01000001);	/* pseudo-header */
	put(&p, su, sizeof(su));
	feed(fx, DLT_MTP2_WITH_PHDR, &p, 2);
	assert_int_equal(fx->col.n, 2);
	assert_int_equal(fx->col.item[1].p.len, sizeof(su));
	assert_memory_equal(fx->col.item[1].buf, su, sizeof(su));
}

/* GRE (RFC 2784/2890) with the given flags and protocol around @inner. */
static void
build_gre(struct pb *p, uint16_t flags, uint16_t proto,
	  const uint8_t *hdr, size_t hlen, const struct pb *inner)
{
	size_t ip;

	eth(p, 0x0800);
	ip = ip4(p, 47);
	put16(p, flags);
	put16(p, proto);
	if (flags & 0x8000)
		put32(p, 0);
	if (flags & 0x2000)
		put32(p, 0xdeadbeef);
	if (flags & 0x1000)
		put32(p, 7);
	put(p, hdr, hlen);
	put(p, inner->b, inner->n);
	ip4_end(p, ip);
}

static void
gre_and_erspan(void **state)
{
	struct fx *fx = *state;
	struct pb inner_eth = { .n = 0 }, inner_ip = { .n = 0 };
	struct pb p = { .n = 0 };
	/* ERSPAN II: ver 1, VLAN 0; COS/En/T/session 5; index 0. */
	static const uint8_t e2[8] = { 0x10, 0x00, 0x00, 0x05, 0, 0, 0, 0 };
	/* ERSPAN III: ver 2; session 5; timestamp; SGT; FT 0, no O. */
	static const uint8_t e3[12] = { 0x20, 0x00, 0x00, 0x05, 1, 2, 3, 4,
					0, 0, 0x00, 0x00 };
	/* ERSPAN III with the O bit and an 8-byte platform sub-header. */
	static const uint8_t e3o[20] = { 0x20, 0x00, 0x00, 0x05, 1, 2, 3, 4,
					 0, 0, 0x00, 0x01, 9, 9, 9, 9, 9, 9,
					 9, 9 };
	/* ERSPAN III carrying an IP packet (FT 2). */
	static const uint8_t e3ip[12] = { 0x20, 0x00, 0x00, 0x05, 1, 2, 3, 4,
					  0, 0, 0x08, 0x00 };
	static const uint8_t bad2[8] = { 0x20, 0, 0, 5, 0, 0, 0, 0 };

	eth(&inner_eth, 0x0800);
	build_udp_sip(&inner_eth, invite, 5060);
	build_udp_sip(&inner_ip, invite, 5060);

	build_gre(&p, 0x0000, 0x0800, NULL, 0, &inner_ip);
	feed(fx, DLT_EN10MB, &p, 1);
	p.n = 0;
	build_gre(&p, 0xa000, 0x6558, NULL, 0, &inner_eth); /* C+K, TEB */
	feed(fx, DLT_EN10MB, &p, 2);
	p.n = 0;
	build_gre(&p, 0x1000, 0x88be, e2, sizeof(e2), &inner_eth);
	feed(fx, DLT_EN10MB, &p, 3);
	p.n = 0;
	build_gre(&p, 0x0000, 0x88be, NULL, 0, &inner_eth); /* type I */
	feed(fx, DLT_EN10MB, &p, 4);
	p.n = 0;
	build_gre(&p, 0x1000, 0x22eb, e3, sizeof(e3), &inner_eth);
	feed(fx, DLT_EN10MB, &p, 5);
	p.n = 0;
	build_gre(&p, 0x3000, 0x22eb, e3o, sizeof(e3o), &inner_eth);
	feed(fx, DLT_EN10MB, &p, 6);
	p.n = 0;
	build_gre(&p, 0x1000, 0x22eb, e3ip, sizeof(e3ip), &inner_ip);
	feed(fx, DLT_EN10MB, &p, 7);
	assert_int_equal(fx->col.n, 7);
	for (unsigned int i = 0; i < 7; i++) {
		assert_sip(&fx->col.item[i], invite, CF_TRANSPORT_UDP);
		assert_int_equal(fx->col.item[i].p.frame, i + 1);
	}

	/* Wrong ERSPAN version, GRE version 1, routing, unknown protocol. */
	p.n = 0;
	build_gre(&p, 0x1000, 0x88be, bad2, sizeof(bad2), &inner_eth);
	feed(fx, DLT_EN10MB, &p, 8);
	p.n = 0;
	build_gre(&p, 0x0001, 0x880b, NULL, 0, &inner_ip);
	feed(fx, DLT_EN10MB, &p, 9);
	p.n = 0;
	build_gre(&p, 0x4000, 0x0800, NULL, 0, &inner_ip);
	feed(fx, DLT_EN10MB, &p, 10);
	p.n = 0;
	build_gre(&p, 0x0000, 0x1234, NULL, 0, &inner_ip);
	feed(fx, DLT_EN10MB, &p, 11);
	assert_int_equal(fx->col.n, 7);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_BAD_ERSPAN), 1);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_GRE_UNSUPPORTED), 3);
}

static void
gre_nesting_is_bounded(void **state)
{
	struct fx *fx = *state;
	struct pb a = { .n = 0 }, b;
	int i;

	/* IP in GRE in IP in GRE ... twenty deep. */
	build_udp_sip(&a, invite, 5060);
	for (i = 0; i < 20; i++) {
		size_t ip;

		b.n = 0;
		ip = ip4(&b, 47);
		put16(&b, 0);
		put16(&b, 0x0800);
		put(&b, a.b, a.n);
		ip4_end(&b, ip);
		a = b;
	}
	feed(fx, DLT_RAW, &a, 1);
	assert_int_equal(fx->col.n, 0);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_ENCAP_TOO_DEEP), 1);
}

static void
ipv6_extension_headers(void **state)
{
	struct fx *fx = *state;
	struct pb p = { .n = 0 };
	size_t ip, u;

	/* Hop-by-hop (8), routing (24), destination options (16), atomic
	 * fragment (8), AH (12 + 4 ICV = 16), then UDP. */
	eth(&p, 0x86dd);
	ip = ip6(&p, 0);
	put8(&p, 43); put8(&p, 0); put16(&p, 0x0104); put32(&p, 0);
	put8(&p, 60); put8(&p, 2); put16(&p, 0); put32(&p, 0);
	put32(&p, 0); put32(&p, 0); put32(&p, 0); put32(&p, 0);
	put8(&p, 44); put8(&p, 1); put16(&p, 0x0104); put32(&p, 0);
	put32(&p, 0); put32(&p, 0);
	put8(&p, 51); put8(&p, 0); put16(&p, 0); put32(&p, 0x1234);
	put8(&p, 17); put8(&p, 2); put16(&p, 0); put32(&p, 0x100);
	put32(&p, 1); put32(&p, 0xcafe);
	u = udp(&p, 5060, 5060);
	puts_(&p, invite);
	udp_end(&p, u);
	ip6_end(&p, ip);
	feed(fx, DLT_EN10MB, &p, 1);
	assert_int_equal(fx->col.n, 1);
	assert_sip(&fx->col.item[0], invite, CF_TRANSPORT_UDP);

	/* A real fragment (offset 0, M set): counted. */
	p.n = 0;
	ip = ip6(&p, 44);
	put8(&p, 17); put8(&p, 0); put16(&p, 0x0001); put32(&p, 7);
	u = udp(&p, 5060, 5060);
	puts_(&p, invite);
	udp_end(&p, u);
	ip6_end(&p, ip);
	feed(fx, DLT_IPV6, &p, 2);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_IP_FRAGMENT), 1);

	/* An extension header longer than the packet. */
	p.n = 0;
	ip = ip6(&p, 60);
	put8(&p, 17); put8(&p, 200); put16(&p, 0); put32(&p, 0);
	put32(&p, 0); put32(&p, 0);
	ip6_end(&p, ip);
	feed(fx, DLT_IPV6, &p, 3);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_BAD_IPV6_EXT), 1);

	/* No next header. */
	p.n = 0;
	ip = ip6(&p, 59);
	put32(&p, 0);
	ip6_end(&p, ip);
	feed(fx, DLT_IPV6, &p, 4);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_NOT_SIGNALLING), 1);
	assert_int_equal(fx->col.n, 1);
}

static void
ipv4_fragments_and_bad_headers(void **state)
{
	struct fx *fx = *state;
	struct pb p = { .n = 0 };

	build_udp_sip(&p, invite, 5060);
	p.b[6] = 0x20;		/* MF */
	feed(fx, DLT_RAW, &p, 1);
	p.b[6] = 0x00;
	p.b[7] = 0x10;		/* offset 16 */
	feed(fx, DLT_RAW, &p, 2);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_IP_FRAGMENT), 2);
	p.b[7] = 0;
	p.b[0] = 0x44;		/* IHL 16 bytes */
	feed(fx, DLT_RAW, &p, 3);
	p.b[0] = 0x45;
	p.b[2] = 0;
	p.b[3] = 10;		/* total length below the header */
	feed(fx, DLT_RAW, &p, 4);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_BAD_IPV4), 2);
	p.b[3] = 0xff;
	p.b[2] = 0xff;		/* longer than captured */
	feed(fx, DLT_RAW, &p, 5);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_TRUNCATED), 1);
	p.b[0] = 0x75;
	feed(fx, DLT_RAW, &p, 6);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_BAD_IPV4), 3);
	assert_int_equal(fx->col.n, 0);

	/* Ethernet padding after the IP packet is ignored. */
	p.n = 0;
	eth(&p, 0x0800);
	build_udp_sip(&p, ok200, 5060);
	put32(&p, 0);
	put32(&p, 0);
	feed(fx, DLT_EN10MB, &p, 7);
	assert_int_equal(fx->col.n, 1);
	assert_sip(&fx->col.item[0], ok200, CF_TRANSPORT_UDP);

	/* ICMP is not ours. */
	p.n = 0;
	{
		size_t ip = ip4(&p, 1);

		put32(&p, 0x03030000);
		ip4_end(&p, ip);
	}
	feed(fx, DLT_RAW, &p, 8);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_IP_PROTO_UNSUPPORTED), 1);
}

static void
build_tcp(struct pb *p, uint16_t sport, uint16_t dport, uint32_t seq,
	  uint8_t flags, const void *data, size_t len)
{
	size_t ip;

	p->n = 0;
	eth(p, 0x0800);
	ip = ip4(p, 6);
	tcp(p, sport, dport, seq, flags);
	put(p, data, len);
	ip4_end(p, ip);
}

static void
tcp_three_segments_and_retransmission(void **state)
{
	struct fx *fx = *state;
	struct pb p;
	size_t n = strlen(invite), a = 50, b = 120;
	uint32_t isn = 0xfffffff0;	/* wraps inside the message */

	build_tcp(&p, 40000, 5060, isn, 0x02, NULL, 0);	/* SYN */
	feed(fx, DLT_EN10MB, &p, 1);
	build_tcp(&p, 40000, 5060, isn + 1, 0x18, invite, a);
	feed(fx, DLT_EN10MB, &p, 2);
	build_tcp(&p, 40000, 5060, isn + 1 + a, 0x18, invite + a, b - a);
	feed(fx, DLT_EN10MB, &p, 3);
	/* Retransmission of the second segment. */
	feed(fx, DLT_EN10MB, &p, 4);
	assert_int_equal(fx->col.n, 0);
	build_tcp(&p, 40000, 5060, isn + 1 + b, 0x18, invite + b, n - b);
	feed(fx, DLT_EN10MB, &p, 5);
	assert_int_equal(fx->col.n, 1);
	assert_sip(&fx->col.item[0], invite, CF_TRANSPORT_TCP);
	assert_int_equal(fx->col.item[0].p.frame, 5);
	assert_int_equal(fx->col.item[0].p.src.port, 40000);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_TCP_DUPLICATE), 1);

	/* A retransmission overlapping old and new bytes, carrying a whole
	 * message and the start of the next one. */
	{
		char two[1024];
		size_t m = strlen(ok200);

		memcpy(two, invite + n - 5, 5);
		memcpy(two + 5, ok200, m);
		memcpy(two + 5 + m, invite, 30);
		build_tcp(&p, 40000, 5060, isn + 1 + n - 5, 0x18, two,
			  5 + m + 30);
		feed(fx, DLT_EN10MB, &p, 6);
		assert_int_equal(fx->col.n, 2);
		assert_sip(&fx->col.item[1], ok200, CF_TRANSPORT_TCP);
		build_tcp(&p, 40000, 5060, isn + 1 + n + m + 30, 0x19,
			  invite + 30, n - 30);	/* with FIN */
		feed(fx, DLT_EN10MB, &p, 7);
		assert_int_equal(fx->col.n, 3);
		assert_sip(&fx->col.item[2], invite, CF_TRANSPORT_TCP);
	}
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_TCP_DUPLICATE), 2);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_TCP_INCOMPLETE), 0);
}

static void
tcp_two_messages_in_one_segment_midstream(void **state)
{
	struct fx *fx = *state;
	char buf[2048];
	size_t n = strlen(invite), m = strlen(ok200);
	struct pb p;

	/* No SYN seen: picked up mid-stream; CRLF keep-alive first. */
	memcpy(buf, "\r\n\r\n", 4);
	memcpy(buf + 4, invite, n);
	memcpy(buf + 4 + n, ok200, m);
	build_tcp(&p, 5060, 5061, 1000, 0x18, buf, 4 + n + m);
	feed(fx, DLT_EN10MB, &p, 1);
	assert_int_equal(fx->col.n, 2);
	assert_sip(&fx->col.item[0], invite, CF_TRANSPORT_TCP);
	assert_sip(&fx->col.item[1], ok200, CF_TRANSPORT_TCP);
	assert_int_equal(fx->col.item[1].p.index, 2);
}

static void
tcp_gap_and_garbage(void **state)
{
	struct fx *fx = *state;
	struct pb p;
	size_t n = strlen(invite);

	build_tcp(&p, 1, 2, 100, 0x18, invite, 40);
	feed(fx, DLT_EN10MB, &p, 1);
	/* 10 bytes missing: the message is lost, counted. */
	build_tcp(&p, 1, 2, 150, 0x18, invite + 50, n - 50);
	feed(fx, DLT_EN10MB, &p, 2);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_TCP_GAP), 1);
	assert_int_equal(fx->col.n, 0);
	/* The stream resynchronises on the next message. */
	build_tcp(&p, 1, 2, 100 + n, 0x18, invite, n);
	feed(fx, DLT_EN10MB, &p, 3);
	assert_int_equal(fx->col.n, 1);

	/* Not SIP at all (FTP). */
	build_tcp(&p, 3, 4, 1, 0x18, "220 FTP server ready\r\n", 22);
	feed(fx, DLT_EN10MB, &p, 4);
	/* Plain HTTP without Upgrade. */
	build_tcp(&p, 5, 6, 1, 0x18, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
	feed(fx, DLT_EN10MB, &p, 5);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_NOT_SIGNALLING), 3);

	/* Bad data offset, pure ACK. */
	build_tcp(&p, 1, 2, 1, 0x10, NULL, 0);
	feed(fx, DLT_EN10MB, &p, 6);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_TCP_NO_PAYLOAD), 1);
	p.b[14 + 20 + 12] = 0x30;
	feed(fx, DLT_EN10MB, &p, 7);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_BAD_TCP), 1);
}

static void
tcp_limits(void **state)
{
	struct cf_capture_cfg cfg = { .tcp_flows = 8, .tcp_buf_max = 256 };
	struct fx *fx;
	struct pb p;
	char big[300];
	uint16_t i;

	assert_int_equal(setup_cfg((void **)&fx, &cfg), 0);

	/* 8 directions hold a partial message; the 9th finds no room. */
	for (i = 0; i < 9; i++) {
		build_tcp(&p, 1000 + i, 5060, 1, 0x18, invite, 20);
		feed(fx, DLT_EN10MB, &p, i + 1);
	}
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_TCP_FLOW_TABLE_FULL), 1);

	/* A message that outgrows the buffer. */
	memset(big, 'a', sizeof(big));
	build_tcp(&p, 1000, 5060, 21, 0x18, big, 240);
	feed(fx, DLT_EN10MB, &p, 10);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_TCP_BUF_OVERFLOW), 1);
	/* RST releases the direction, counting what it held. */
	build_tcp(&p, 1001, 5060, 21, 0x04, NULL, 0);
	feed(fx, DLT_EN10MB, &p, 11);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_TCP_INCOMPLETE), 1);
	/* Now there is room: a whole message in one segment longer than
	 * the buffer still goes through (it is never copied). */
	{
		char msg[600];
		int k = snprintf(msg, sizeof(msg),
				 "MESSAGE sip:a@b SIP/2.0\r\n"
				 "Content-Length: 400\r\n\r\n");

		memset(msg + k, 'x', 400);
		build_tcp(&p, 2000, 5060, 1, 0x18, msg, (size_t)k + 400);
		feed(fx, DLT_EN10MB, &p, 12);
		assert_int_equal(fx->col.n, 1);
		assert_int_equal(fx->col.item[0].p.len, (size_t)k + 400);
	}
	/* The table is full again; a minute later the direction idle
	 * longest (1002, holding 20 bytes) makes room. */
	build_tcp(&p, 3000, 5060, 1, 0x18, invite, 20);
	cf_capture_packet(fx->cap, DLT_EN10MB, p.b, p.n, p.n,
			  61000000000ULL, 13);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_TCP_FLOW_TABLE_FULL), 1);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_TCP_INCOMPLETE), 2);
	/* 1003..1007 and 3000 still hold 20 bytes each. */
	cf_capture_flush(fx->cap);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_TCP_INCOMPLETE), 8);
	teardown((void **)&fx);
}

static void
tcp_without_framer(void **state)
{
	struct collector col = { 0 };
	struct cf_capture_cfg cfg = { .on_payload = collect, .ctx = &col };
	struct cf_capture *cap = cf_capture_new(&cfg);
	struct pb p;

	assert_non_null(cap);
	build_tcp(&p, 1, 2, 1, 0x18, invite, strlen(invite));
	cf_capture_packet(cap, DLT_EN10MB, p.b, p.n, p.n, 0, 1);
	assert_int_equal(col.total, 0);
	assert_int_equal(cf_capture_stats(cap)->ctr[CF_CAPTURE_CTR_TCP_NO_FRAMER],
			 1);
	cf_capture_free(cap);
	assert_null(cf_capture_new(NULL));
	cf_capture_free(NULL);
}

/* A WebSocket frame (RFC 6455 §5.2) around @text, masked with @key. */
static size_t
ws_build(uint8_t *out, uint8_t b0, const char *text, size_t n,
	 const uint8_t *key)
{
	size_t hl = 2, i;

	out[0] = b0;
	if (n < 126) {
		out[1] = (uint8_t)n;
	} else if (n < 65536) {
		out[1] = 126;
		out[2] = n >> 8;
		out[3] = n & 0xff;
		hl = 4;
	}
	if (key) {
		out[1] |= 0x80;
		memcpy(out + hl, key, 4);
		hl += 4;
	}
	for (i = 0; i < n; i++)
		out[hl + i] = (uint8_t)text[i] ^ (key ? key[i & 3] : 0);
	return hl + n;
}

static void
websocket_masked_frames(void **state)
{
	static const char req[] =
		"GET /ws HTTP/1.1\r\nHost: proxy.example.net\r\n"
		"Upgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		"Sec-WebSocket-Protocol: sip\r\n"
		"Sec-WebSocket-Version: 13\r\n\r\n";
	static const char resp[] =
		"HTTP/1.1 101 Switching Protocols\r\n"
		"Upgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
		"Sec-WebSocket-Protocol: sip\r\n\r\n";
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	struct fx *fx = *state;
	uint8_t f[2048];
	size_t n, m, cut;
	uint32_t cseq = 1, sseq = 1;
	struct pb p;

	build_tcp(&p, 43380, 8080, cseq, 0x18, req, strlen(req));
	feed(fx, DLT_EN10MB, &p, 1);
	cseq += strlen(req);
	build_tcp(&p, 8080, 43380, sseq, 0x18, resp, strlen(resp));
	feed(fx, DLT_EN10MB, &p, 2);
	sseq += strlen(resp);
	assert_int_equal(fx->col.n, 0);

	/* Client INVITE, masked, 16-bit length, split over two segments. */
	n = ws_build(f, 0x81, invite, strlen(invite), key);
	cut = 100;
	build_tcp(&p, 43380, 8080, cseq, 0x18, f, cut);
	feed(fx, DLT_EN10MB, &p, 3);
	assert_int_equal(fx->col.n, 0);
	build_tcp(&p, 43380, 8080, cseq + cut, 0x18, f + cut, n - cut);
	feed(fx, DLT_EN10MB, &p, 4);
	cseq += n;
	assert_int_equal(fx->col.n, 1);
	assert_sip(&fx->col.item[0], invite, CF_TRANSPORT_WEBSOCKET);
	assert_int_equal(fx->col.item[0].p.frame, 4);

	/* Client INVITE masked in one segment (unmasked from the packet),
	 * with a ping behind it. */
	n = ws_build(f, 0x81, invite, strlen(invite), key);
	n += ws_build(f + n, 0x89, "hi", 2, key);
	build_tcp(&p, 43380, 8080, cseq, 0x18, f, n);
	feed(fx, DLT_EN10MB, &p, 5);
	cseq += n;
	assert_int_equal(fx->col.n, 2);
	assert_sip(&fx->col.item[1], invite, CF_TRANSPORT_WEBSOCKET);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_WS_CONTROL), 1);

	/* Server 200, unmasked binary frame, short length. */
	m = ws_build(f, 0x82, ok200, strlen(ok200), NULL);
	build_tcp(&p, 8080, 43380, sseq, 0x18, f, m);
	feed(fx, DLT_EN10MB, &p, 6);
	assert_int_equal(fx->col.n, 3);
	assert_sip(&fx->col.item[2], ok200, CF_TRANSPORT_WEBSOCKET);
	assert_int_equal(fx->col.item[2].p.src.port, 8080);

	/* A fragmented message and an RSV bit: counted, framing kept. */
	n = ws_build(f, 0x01, invite, 20, key);
	n += ws_build(f + n, 0x80, invite + 20, 10, key);
	n += ws_build(f + n, 0xc1, invite, 10, key);
	n += ws_build(f + n, 0x81, invite, strlen(invite), key);
	build_tcp(&p, 43380, 8080, cseq, 0x18, f, n);
	feed(fx, DLT_EN10MB, &p, 7);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_WS_FRAGMENTED), 2);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_BAD_WEBSOCKET), 1);
	assert_int_equal(fx->col.n, 4);
}

/* SCTP common header; chunks are appended by the caller. */
static size_t
sctp_begin(struct pb *p)
{
	size_t ip;

	eth(p, 0x0800);
	ip = ip4(p, 132);
	put16(p, 2905);
	put16(p, 2906);
	put32(p, 0x11223344);	/* verification tag */
	put32(p, 0);		/* checksum: not verified */
	return ip;
}

static void
sctp_data(struct pb *p, uint8_t flags, uint32_t tsn, uint16_t stream,
	  uint32_t ppid, const void *d, size_t n)
{
	put8(p, 0);
	put8(p, flags);
	put16(p, (uint16_t)(16 + n));
	put32(p, tsn);
	put16(p, stream);
	put16(p, 0);
	put32(p, ppid);
	put(p, d, n);
	while (n++ & 3)
		put8(p, 0);
}

/* M3UA DATA: version 1, class 1 (transfer), type 1, Protocol Data. */
static const uint8_t m3ua_data[] = {
	1, 0, 1, 1, 0, 0, 0, 0x1d, 0x02, 0x10, 0x00, 0x15,
	0, 0, 0, 1, 0, 0, 0, 2, 5, 2, 0, 7, 0x01, 0x00, 0x00, 0, 0,
};

static void
sctp_three_data_chunks(void **state)
{
	/* M2PA user data: header, BSN, FSN, priority, SIO, label. */
	static const uint8_t m2pa[] = { 1, 0, 11, 1, 0, 0, 0, 22, 0, 0, 0, 1,
					0, 0, 0, 2, 0, 0x85, 1, 2, 3, 4 };
	struct fx *fx = *state;
	struct pb p = { .n = 0 };
	size_t ip;

	ip = sctp_begin(&p);
	sctp_data(&p, 0x03, 1, 3, 3, m3ua_data, sizeof(m3ua_data));
	put8(&p, 3);		/* a SACK between: walked over */
	put8(&p, 0);
	put16(&p, 16);
	put32(&p, 0); put32(&p, 0); put32(&p, 0);
	sctp_data(&p, 0x03, 2, 1, 5, m2pa, sizeof(m2pa));
	sctp_data(&p, 0x03, 3, 0, 0, ok200, strlen(ok200));
	ip4_end(&p, ip);
	feed(fx, DLT_EN10MB, &p, 1);

	assert_int_equal(fx->col.n, 3);
	assert_int_equal(fx->col.item[0].p.kind, CF_PAYLOAD_M3UA);
	assert_int_equal(fx->col.item[0].p.sctp_ppid, 3);
	assert_int_equal(fx->col.item[0].p.sctp_stream, 3);
	assert_int_equal(fx->col.item[0].p.len, sizeof(m3ua_data));
	assert_memory_equal(fx->col.item[0].buf, m3ua_data,
			    sizeof(m3ua_data));
	assert_int_equal(fx->col.item[1].p.kind, CF_PAYLOAD_M2PA);
	assert_int_equal(fx->col.item[1].p.len, sizeof(m2pa));
	assert_int_equal(fx->col.item[1].p.index, 2);
	assert_sip(&fx->col.item[2], ok200, CF_TRANSPORT_SCTP);
	assert_int_equal(fx->col.item[2].p.index, 3);
	assert_int_equal(fx->col.item[2].p.src.port, 2905);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_SCTP_CONTROL), 1);
}

static void
sctp_chunk_length_lies(void **state)
{
	struct fx *fx = *state;
	struct pb p = { .n = 0 };
	size_t ip, at;

	ip = sctp_begin(&p);
	sctp_data(&p, 0x03, 1, 0, 3, m3ua_data, sizeof(m3ua_data));
	at = p.n;
	sctp_data(&p, 0x03, 2, 0, 3, m3ua_data, sizeof(m3ua_data));
	sctp_data(&p, 0x03, 3, 0, 3, m3ua_data, sizeof(m3ua_data));
	set16(&p, at + 2, 1000);	/* longer than the packet */
	ip4_end(&p, ip);
	feed(fx, DLT_EN10MB, &p, 1);
	assert_int_equal(fx->col.n, 1);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_BAD_SCTP_CHUNK), 1);

	set16(&p, at + 2, 2);		/* shorter than a chunk header */
	feed(fx, DLT_EN10MB, &p, 2);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_BAD_SCTP_CHUNK), 2);
	assert_int_equal(fx->col.n, 2);

	/* A DATA chunk with no user data is skipped, the next one is
	 * delivered. */
	p.n = 0;
	ip = sctp_begin(&p);
	sctp_data(&p, 0x03, 1, 0, 3, "", 0);
	sctp_data(&p, 0x03, 2, 0, 3, m3ua_data, sizeof(m3ua_data));
	ip4_end(&p, ip);
	feed(fx, DLT_EN10MB, &p, 3);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_BAD_SCTP_CHUNK), 3);
	assert_int_equal(fx->col.n, 3);

	/* Unknown PPID with non-SIP content. */
	p.n = 0;
	ip = sctp_begin(&p);
	sctp_data(&p, 0x03, 1, 0, 46, "diameter", 8);
	ip4_end(&p, ip);
	feed(fx, DLT_EN10MB, &p, 4);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_NOT_SIGNALLING), 1);
}

static void
sctp_fragments(void **state)
{
	struct fx *fx = *state;
	struct pb p = { .n = 0 };
	size_t ip, n = strlen(invite);

	ip = sctp_begin(&p);
	sctp_data(&p, 0x02, 41, 0, 0, invite, 60);	/* B */
	ip4_end(&p, ip);
	feed(fx, DLT_EN10MB, &p, 1);
	p.n = 0;
	ip = sctp_begin(&p);
	sctp_data(&p, 0x00, 42, 0, 0, invite + 60, 60);	/* middle */
	sctp_data(&p, 0x01, 43, 0, 0, invite + 120, n - 120);	/* E */
	ip4_end(&p, ip);
	feed(fx, DLT_EN10MB, &p, 2);
	assert_int_equal(fx->col.n, 1);
	assert_sip(&fx->col.item[0], invite, CF_TRANSPORT_SCTP);
	assert_int_equal(fx->col.item[0].p.frame, 2);

	/* A missing middle fragment: the message is dropped, counted. */
	p.n = 0;
	ip = sctp_begin(&p);
	sctp_data(&p, 0x02, 50, 0, 0, invite, 60);
	sctp_data(&p, 0x01, 52, 0, 0, invite + 120, n - 120);
	ip4_end(&p, ip);
	feed(fx, DLT_EN10MB, &p, 3);
	assert_int_equal(fx->col.n, 1);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_SCTP_FRAGMENT_DROPPED), 1);
	/* An end without a beginning. */
	p.n = 0;
	ip = sctp_begin(&p);
	sctp_data(&p, 0x01, 99, 0, 0, invite + 120, n - 120);
	ip4_end(&p, ip);
	feed(fx, DLT_EN10MB, &p, 4);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_SCTP_FRAGMENT_DROPPED), 2);
	/* More messages in flight than reassembly slots (4): the oldest
	 * goes. */
	for (uint16_t s = 0; s < 5; s++) {
		p.n = 0;
		ip = sctp_begin(&p);
		sctp_data(&p, 0x02, 100 + s, s, 0, invite, 60);
		ip4_end(&p, ip);
		feed(fx, DLT_EN10MB, &p, 10 + s);
	}
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_SCTP_FRAGMENT_DROPPED), 3);
	cf_capture_flush(fx->cap);
	assert_int_equal(ctr(fx, CF_CAPTURE_CTR_SCTP_FRAGMENT_DROPPED), 7);
}

/*
 * Every hand-built packet, cut at every byte offset: each cut is a counted
 * error and yields nothing (the IP total length always covers the end).
 */
static void
truncated_at_every_offset(void **state)
{
	struct pb pk[8];
	unsigned int i, n = 0;
	size_t cut, ip;
	int dlt[8];

	memset(pk, 0, sizeof(pk));
	eth(&pk[n], 0x8100); put16(&pk[n], 5); put16(&pk[n], 0x0800);
	build_udp_sip(&pk[n], invite, 5060);
	dlt[n++] = DLT_EN10MB;
	build_udp6_sip(&pk[n], ok200);
	dlt[n++] = DLT_IPV6;
	put16(&pk[n], 0x86dd); put16(&pk[n], 0); put32(&pk[n], 1);
	put32(&pk[n], 0x00010000); put32(&pk[n], 0); put32(&pk[n], 0);
	build_udp6_sip(&pk[n], ok200);
	dlt[n++] = DLT_LINUX_SLL2;
	{
		struct pb in = { .n = 0 };
		static const uint8_t e3[12] = { 0x20, 0, 0, 5, 0, 0, 0, 0,
						0, 0, 0, 0 };

		eth(&in, 0x0800);
		build_udp_sip(&in, ok200, 5060);
		build_gre(&pk[n], 0x3000, 0x22eb, e3, sizeof(e3), &in);
		dlt[n++] = DLT_EN10MB;
	}
	build_tcp(&pk[n], 9, 5060, 1, 0x18, invite, strlen(invite));
	dlt[n++] = DLT_EN10MB;
	{
		uint8_t f[1024];
		static const uint8_t key[4] = { 1, 2, 3, 4 };
		size_t m = ws_build(f, 0x81, ok200, strlen(ok200), key);

		build_tcp(&pk[n], 9, 5060, 1, 0x18, f, m);
		dlt[n++] = DLT_EN10MB;
	}
	ip = sctp_begin(&pk[n]);
	sctp_data(&pk[n], 0x03, 1, 0, 3, m3ua_data, sizeof(m3ua_data));
	sctp_data(&pk[n], 0x03, 2, 0, 5, m3ua_data, sizeof(m3ua_data));
	sctp_data(&pk[n], 0x03, 3, 0, 0, ok200, strlen(ok200));
	ip4_end(&pk[n], ip);
	dlt[n++] = DLT_EN10MB;

	for (i = 0; i < n; i++) {
		for (cut = 0; cut < pk[i].n; cut++) {
			struct fx *fx;
			/* A heap copy of exactly @cut bytes, so ASan sees
			 * any read past the cut. */
			uint8_t *b = malloc(cut ? cut : 1);

			assert_int_equal(setup(state), 0);
			fx = *state;
			memcpy(b, pk[i].b, cut);
			/* The WebSocket packet needs its handshake seen to
			 * be framed as WebSocket; the cut still must not
			 * yield anything. */
			cf_capture_packet(fx->cap, dlt[i], b, cut, pk[i].n,
					  0, 1);
			free(b);
			assert_int_equal(fx->col.total, 0);
			assert_true(drops(fx) >= 1);
			teardown(state);
		}
		/* The whole packet yields at least one payload (the
		 * WebSocket one without handshake is not SIP text). */
		{
			struct fx *fx;

			assert_int_equal(setup(state), 0);
			fx = *state;
			cf_capture_packet(fx->cap, dlt[i], pk[i].b, pk[i].n,
					  pk[i].n, 0, 1);
			if (i == 5)
				assert_int_equal(fx->col.total, 0);
			else
				assert_true(fx->col.total >= 1);
			teardown(state);
		}
	}
	/* MTP2: below BSN/FSN/LI there is no signal unit. */
	{
		static const uint8_t su[3] = { 1, 2, 0 };
		struct fx *fx;

		assert_int_equal(setup(state), 0);
		fx = *state;
		for (cut = 0; cut < 3; cut++)
			cf_capture_packet(fx->cap, DLT_MTP2, su, cut, 3, 0, 1);
		for (cut = 0; cut < 7; cut++)
			cf_capture_packet(fx->cap, DLT_MTP2_WITH_PHDR, su,
					  cut < 3 ? cut : 3, 7, 0, 1);
		cf_capture_packet(fx->cap, DLT_EN10MB, NULL, 100, 100, 0, 1);
		assert_int_equal(fx->col.total, 0);
		assert_int_equal(ctr(fx, CF_CAPTURE_CTR_TRUNCATED), 11);
		teardown(state);
	}
	*state = NULL;
}

/* ---- files -------------------------------------------------------------- */

static void
pcap_cut_in_a_record(void **state)
{
	char path[] = "/tmp/cf-capture-cut-XXXXXX";
	struct cf_capture_cfg cfg = { .framer = test_sip_framer };
	struct collector col = { 0 };
	struct pcap_pkthdr h = { 0 };
	struct cf_capture *cap;
	pcap_dumper_t *d;
	struct pb p = { .n = 0 };
	pcap_t *dead;
	long size, n;
	FILE *fp;
	int fd, i;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	eth(&p, 0x0800);
	build_udp_sip(&p, invite, 5060);
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	d = pcap_dump_open(dead, path);
	assert_non_null(d);
	for (i = 0; i < 3; i++) {
		h.ts.tv_sec = 1700000000 + i;
		h.ts.tv_usec = 250000;
		h.caplen = h.len = (bpf_u_int32)p.n;
		pcap_dump((u_char *)d, &h, p.b);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	fp = fopen(path, "r+");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	assert_int_equal(ftruncate(fileno(fp), size - 20), 0);
	fclose(fp);

	cfg.on_payload = collect;
	cfg.ctx = &col;
	cap = cf_capture_new(&cfg);
	assert_non_null(cap);
	assert_int_equal(cf_capture_open(cap, "/nonexistent/x.pcap"), -1);
	assert_non_null(strstr(cf_capture_error(cap), "/nonexistent/x.pcap"));
	assert_int_equal(cf_capture_run(cap, 0), -1);

	assert_int_equal(cf_capture_open(cap, path), 0);
	assert_int_equal(cf_capture_linktype(cap), DLT_EN10MB);
	n = cf_capture_run(cap, 1);
	assert_int_equal(n, 1);
	n = cf_capture_run(cap, 0);
	assert_int_equal(n, -1);
	assert_int_equal(col.total, 2);
	assert_int_equal(col.item[1].p.frame, 2);
	/* Nanosecond timestamps from a microsecond file. */
	assert_int_equal(col.item[1].p.ts_ns,
			 1700000001ULL * 1000000000ULL + 250000000ULL);
	assert_int_equal(cf_capture_stats(cap)->ctr[CF_CAPTURE_CTR_READ_ERROR],
			 1);
	assert_non_null(strstr(cf_capture_error(cap), "truncated"));
	{
		char buf[512];
		int len = cf_capture_stats_print(cf_capture_stats(cap), buf,
						     sizeof(buf));

		assert_true(len > 0 && (size_t)len < sizeof(buf));
		assert_non_null(strstr(buf, "read:error 1\n"));
		assert_non_null(strstr(buf, "payloads 2\n"));
		assert_true(cf_capture_stats_print(cf_capture_stats(cap), buf,
						   4) == len);
	}
	cf_capture_close(cap);
	assert_int_equal(cf_capture_linktype(cap), -1);
	cf_capture_free(cap);
	unlink(path);
}

static void
names_cover_every_counter(void **state)
{
	int i, j;

	for (i = 0; i < CF_CAPTURE_CTR__COUNT; i++) {
		assert_non_null(cf_capture_ctr_name(i));
		assert_string_not_equal(cf_capture_ctr_name(i), "?");
		for (j = 0; j < i; j++)
			assert_string_not_equal(cf_capture_ctr_name(i),
						cf_capture_ctr_name(j));
	}
	assert_string_equal(cf_capture_ctr_name(CF_CAPTURE_CTR__COUNT), "?");
	for (i = 0; i < CF_PAYLOAD__COUNT; i++)
		assert_string_not_equal(cf_capture_payload_name(i), "?");
	assert_string_equal(cf_capture_payload_name(CF_PAYLOAD__COUNT), "?");
	for (i = 0; i < CF_TRANSPORT__COUNT; i++)
		assert_string_not_equal(cf_capture_transport_name(i), "?");
	assert_string_equal(cf_capture_transport_name(-1), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(udp_sip_by_content_on_odd_port,
						setup, teardown),
		cmocka_unit_test_setup_teardown(vlan_and_qinq, setup, teardown),
		cmocka_unit_test_setup_teardown(linux_cooked_v1_v2, setup,
						teardown),
		cmocka_unit_test_setup_teardown(raw_ip_null_loop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(mtp2_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(gre_and_erspan, setup,
						teardown),
		cmocka_unit_test_setup_teardown(gre_nesting_is_bounded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(ipv6_extension_headers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(ipv4_fragments_and_bad_headers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			tcp_three_segments_and_retransmission, setup, teardown),
		cmocka_unit_test_setup_teardown(
			tcp_two_messages_in_one_segment_midstream, setup,
			teardown),
		cmocka_unit_test_setup_teardown(tcp_gap_and_garbage, setup,
						teardown),
		cmocka_unit_test(tcp_limits),
		cmocka_unit_test(tcp_without_framer),
		cmocka_unit_test_setup_teardown(websocket_masked_frames, setup,
						teardown),
		cmocka_unit_test_setup_teardown(sctp_three_data_chunks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(sctp_chunk_length_lies, setup,
						teardown),
		cmocka_unit_test_setup_teardown(sctp_fragments, setup,
						teardown),
		cmocka_unit_test(truncated_at_every_offset),
		cmocka_unit_test(pcap_cut_in_a_record),
		cmocka_unit_test(names_cover_every_counter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
