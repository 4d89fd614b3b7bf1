/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HEP decoder: hand-built datagrams, one per chunk type, family and
 * reason to refuse one.  Each is decoded from an exactly-sized heap copy
 * so that ASan sees a read one byte past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <callfence/call.h>
#include <callfence/hep.h>
#include <callfence/sip.h>

#define SIP_BYE \
	"BYE sip:uas@192.0.2.20:5062 SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKhep1\r\n" \
	"From: <sip:+441632960001@192.0.2.10;user=phone>;tag=a\r\n" \
	"To: <sip:+441632960999@192.0.2.20>;tag=b\r\n" \
	"Call-ID: hep-test-1@192.0.2.10\r\n" \
	"CSeq: 2 BYE\r\n" \
	"Max-Forwards: 70\r\n" \
	"Content-Length: 0\r\n\r\n"

/* A HEP3 datagram under construction. */
struct hb {
	uint8_t buf[4096];
	size_t len;
};

static void
hb_init(struct hb *b)
{
	memcpy(b->buf, "HEP3\0\0", 6);
	b->len = 6;
}

static void
hb_chunk(struct hb *b, uint16_t vendor, uint16_t type, const void *val,
	 size_t vlen)
{
	uint16_t clen = (uint16_t)(vlen + 6);

	assert_true(b->len + vlen + 6 <= sizeof(b->buf));
	b->buf[b->len++] = vendor >> 8;
	b->buf[b->len++] = vendor & 0xff;
	b->buf[b->len++] = type >> 8;
	b->buf[b->len++] = type & 0xff;
	b->buf[b->len++] = clen >> 8;
	b->buf[b->len++] = clen & 0xff;
	memcpy(b->buf + b->len, val, vlen);
	b->len += vlen;
}

static void
hb_u8(struct hb *b, uint16_t type, uint8_t v)
{
	hb_chunk(b, 0, type, &v, 1);
}

static void
hb_u16(struct hb *b, uint16_t type, uint16_t v)
{
	uint8_t x[2] = { v >> 8, v & 0xff };

	hb_chunk(b, 0, type, x, 2);
}

static void
hb_u32(struct hb *b, uint16_t type, uint32_t v)
{
	uint8_t x[4] = { v >> 24, v >> 16, v >> 8, v };

	hb_chunk(b, 0, type, x, 4);
}

static void
hb_ip(struct hb *b, uint16_t type, int af, const char *text)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(af, text, a), 1);
	hb_chunk(b, 0, type, a, af == AF_INET ? 4 : 16);
}

static void
hb_str(struct hb *b, uint16_t type, const char *s)
{
	hb_chunk(b, 0, type, s, strlen(s));
}

/* Set the total length to what has been written. */
static void
hb_done(struct hb *b)
{
	b->buf[4] = b->len >> 8;
	b->buf[5] = b->len & 0xff;
}

/* What Kamailio sends, in its order, but the payload and the chunks
 * @skip (a bit per type) left out. */
static void
hb_sip4(struct hb *b, uint32_t skip)
{
	hb_init(b);
	if (!(skip & 1u << 0x01))
		hb_u8(b, 0x01, 2);
	if (!(skip & 1u << 0x02))
		hb_u8(b, 0x02, 17);
	if (!(skip & 1u << 0x03))
		hb_ip(b, 0x03, AF_INET, "192.0.2.10");
	if (!(skip & 1u << 0x04))
		hb_ip(b, 0x04, AF_INET, "192.0.2.20");
	if (!(skip & 1u << 0x07))
		hb_u16(b, 0x07, 5060);
	if (!(skip & 1u << 0x08))
		hb_u16(b, 0x08, 5062);
	if (!(skip & 1u << 0x09))
		hb_u32(b, 0x09, 1796220000);
	if (!(skip & 1u << 0x0a))
		hb_u32(b, 0x0a, 123456);
	if (!(skip & 1u << 0x0b))
		hb_u8(b, 0x0b, 1);
	if (!(skip & 1u << 0x0c))
		hb_u32(b, 0x0c, 2207);
}

static void
hb_payload(struct hb *b)
{
	hb_str(b, 0x0f, SIP_BYE);
	hb_done(b);
}

/* Decode @len bytes of @buf from an exactly-sized heap copy. */
static int
decode(const uint8_t *buf, size_t len, struct cf_payload *p,
       struct cf_hep_info *info)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	rc = cf_hep_decode(copy, len, p, info);
	/* Where the payload was, relative to the caller's bytes. */
	if (rc == 0)
		p->data = buf + (p->data - copy);
	if (rc == 0 && info && info->auth_key)
		info->auth_key = buf + (info->auth_key - copy);
	if (rc == 0 && info && info->correlation_id)
		info->correlation_id = buf + (info->correlation_id - copy);
	free(copy);
	return rc;
}

static int
decode_b(const struct hb *b, struct cf_payload *p, struct cf_hep_info *info)
{
	return decode(b->buf, b->len, p, info);
}

/* The error a datagram gets. */
static int
err_of(const struct hb *b)
{
	struct cf_payload p;
	struct cf_hep_info info;
	int rc = decode_b(b, &p, &info);

	return rc < 0 ? -rc : 0;
}

static void
assert_addr(const struct cf_source *s, int af, const char *text,
	    uint16_t port)
{
	char got[INET6_ADDRSTRLEN];

	assert_int_equal(s->family, af);
	assert_non_null(inet_ntop(af, s->addr, got, sizeof(got)));
	assert_string_equal(got, text);
	assert_int_equal(s->port, port);
	assert_int_equal(s->point_code, 0);
}

/* ------------------------------------------------------------------ */

static void
test_ipv4_every_chunk(void **state)
{
	struct cf_hep_info info;
	struct cf_payload p;
	struct hb b;

	hb_sip4(&b, 0);
	hb_u16(&b, 0x0d, 30);
	hb_str(&b, 0x0e, "s3cret");
	hb_str(&b, 0x11, "hep-test-1@192.0.2.10");
	hb_payload(&b);

	assert_int_equal(decode_b(&b, &p, &info), 0);
	assert_int_equal(p.kind, CF_PAYLOAD_SIP);
	assert_int_equal(p.transport, CF_TRANSPORT_UDP);
	assert_int_equal(p.sctp_stream, 0);
	assert_int_equal(p.sctp_ppid, 0);
	assert_int_equal(p.frame, 0);
	assert_int_equal(p.index, 1);
	assert_true(p.ts_ns == 1796220000ull * 1000000000ull + 123456000ull);
	assert_addr(&p.src, AF_INET, "192.0.2.10", 5060);
	assert_addr(&p.dst, AF_INET, "192.0.2.20", 5062);
	assert_int_equal(p.len, strlen(SIP_BYE));
	assert_memory_equal(p.data, SIP_BYE, p.len);
	/* In place: the end of the datagram. */
	assert_ptr_equal(p.data + p.len, b.buf + b.len);

	assert_int_equal(info.version, 3);
	assert_int_equal(info.ip_proto, 17);
	assert_int_equal(info.proto_type, CF_HEP_PROTO_SIP);
	assert_true(info.has_capture_id);
	assert_int_equal(info.capture_id, 2207);
	assert_int_equal(info.hep_len, b.len);
	assert_int_equal(info.keepalive_s, 30);
	assert_int_equal(info.auth_key_len, 6);
	assert_memory_equal(info.auth_key, "s3cret", 6);
	assert_int_equal(info.correlation_id_len, 21);
	assert_memory_equal(info.correlation_id, "hep-test-1@192.0.2.10", 21);
	assert_int_equal(info.n_vendor, 0);
	assert_int_equal(info.n_unknown, 0);
}

static void
test_ipv6(void **state)
{
	struct cf_hep_info info;
	struct cf_payload p;
	struct hb b;

	hb_init(&b);
	hb_u8(&b, 0x01, 10);
	hb_u8(&b, 0x02, 6);
	hb_ip(&b, 0x05, AF_INET6, "2001:db8::10");
	hb_ip(&b, 0x06, AF_INET6, "2001:db8:0:1::20");
	hb_u16(&b, 0x07, 5061);
	hb_u16(&b, 0x08, 65535);
	hb_u32(&b, 0x09, 0);
	hb_u32(&b, 0x0a, 999999);
	hb_u8(&b, 0x0b, 1);
	hb_payload(&b);

	assert_int_equal(decode_b(&b, &p, &info), 0);
	assert_addr(&p.src, AF_INET6, "2001:db8::10", 5061);
	assert_addr(&p.dst, AF_INET6, "2001:db8:0:1::20", 65535);
	assert_int_equal(p.transport, CF_TRANSPORT_TCP);
	assert_true(p.ts_ns == 999999000ull);
	assert_false(info.has_capture_id);
	assert_null(info.auth_key);
	assert_null(info.correlation_id);
	assert_int_equal(info.keepalive_s, 0);
}

/* The IP protocol id becomes the transport; 22 is Kamailio's marker for
 * TLS and WebSocket, both streams. */
static void
test_transports(void **state)
{
	static const struct {
		uint8_t ip_proto;
		int transport;
	} t[] = {
		{ 17, CF_TRANSPORT_UDP },
		{ 6, CF_TRANSPORT_TCP },
		{ 132, CF_TRANSPORT_SCTP },
		{ 22, CF_TRANSPORT_TCP },
		{ 1, -1 },
		{ 0, -1 },
		{ 255, -1 },
	};
	struct cf_hep_info info;
	struct cf_payload p;
	struct hb b;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		hb_sip4(&b, 1u << 0x02);
		hb_u8(&b, 0x02, t[i].ip_proto);
		hb_payload(&b);
		if (t[i].transport < 0) {
			assert_int_equal(decode_b(&b, &p, &info),
					 -CF_HEP_ERR_IP_PROTO);
			continue;
		}
		assert_int_equal(decode_b(&b, &p, &info), 0);
		assert_int_equal(p.transport, t[i].transport);
		assert_int_equal(info.ip_proto, t[i].ip_proto);
	}
}

/* Chunks of other vendors, and generic ones not read, are skipped, even
 * when their type is one read for vendor 0. */
static void
test_vendor_and_unknown_skipped(void **state)
{
	static const uint8_t junk[] = { 0xde, 0xad, 0xbe, 0xef, 0x00 };
	struct cf_hep_info info;
	struct cf_payload p;
	struct hb b;

	hb_sip4(&b, 0);
	hb_chunk(&b, 0x0003, 0x000f, junk, sizeof(junk));	/* Sonus */
	hb_chunk(&b, 0x0007, 0x0007, junk, 1);			/* wrong size */
	hb_chunk(&b, 0x0003, 0x000f, junk, 0);			/* empty */
	hb_u16(&b, 0x0012, 100);				/* VLAN */
	hb_chunk(&b, 0, 0x0014, junk, sizeof(junk));		/* MAC */
	hb_chunk(&b, 0, 0x0000, junk, 2);			/* type 0 */
	hb_chunk(&b, 0, 0xffff, junk, 3);
	hb_payload(&b);

	assert_int_equal(decode_b(&b, &p, &info), 0);
	assert_int_equal(info.n_vendor, 3);
	assert_int_equal(info.n_unknown, 4);
	assert_int_equal(p.len, strlen(SIP_BYE));
	assert_memory_equal(p.data, SIP_BYE, p.len);
}

/* HEP3 does not order its chunks: the payload first is as good. */
static void
test_any_order(void **state)
{
	struct cf_payload p;
	struct hb b;

	hb_init(&b);
	hb_str(&b, 0x0f, SIP_BYE);
	hb_u32(&b, 0x0c, 7);
	hb_u8(&b, 0x0b, 1);
	hb_u32(&b, 0x09, 10);
	hb_u16(&b, 0x08, 2);
	hb_u16(&b, 0x07, 1);
	hb_ip(&b, 0x04, AF_INET, "10.0.0.2");
	hb_ip(&b, 0x03, AF_INET, "10.0.0.1");
	hb_u8(&b, 0x02, 17);
	hb_u8(&b, 0x01, 2);
	hb_done(&b);

	assert_int_equal(decode_b(&b, &p, NULL), 0);
	assert_addr(&p.src, AF_INET, "10.0.0.1", 1);
	assert_addr(&p.dst, AF_INET, "10.0.0.2", 2);
	/* No microseconds chunk: the second itself. */
	assert_true(p.ts_ns == 10000000000ull);
	assert_int_equal(p.len, strlen(SIP_BYE));
}

/* A 2-byte capture id (HEPv2's width, kept by some agents). */
static void
test_capture_id_16(void **state)
{
	struct cf_hep_info info;
	struct cf_payload p;
	struct hb b;

	hb_sip4(&b, 1u << 0x0c);
	hb_u16(&b, 0x0c, 0xbeef);
	hb_payload(&b);
	assert_int_equal(decode_b(&b, &p, &info), 0);
	assert_true(info.has_capture_id);
	assert_int_equal(info.capture_id, 0xbeef);
}

/* Edges of the lengths: a chunk ending exactly at the total length;
 * bytes after the total length ignored; the 1-byte payload. */
static void
test_length_edges(void **state)
{
	struct cf_hep_info info;
	struct cf_payload p;
	struct hb b;
	size_t total;

	hb_sip4(&b, 0);
	hb_str(&b, 0x0f, "x");
	hb_done(&b);
	assert_int_equal(decode_b(&b, &p, &info), 0);
	assert_int_equal(p.len, 1);
	assert_int_equal(p.data[0], 'x');

	/* Trailing bytes after the declared length: not HEP's, ignored. */
	total = b.len;
	memcpy(b.buf + b.len, "HEP3garbage", 11);
	b.len += 11;
	assert_int_equal(decode_b(&b, &p, &info), 0);
	assert_int_equal(info.hep_len, total);
	assert_int_equal(p.len, 1);

	/* The largest datagram the length field can describe, its payload
	 * running to the last byte. */
	{
		static uint8_t big[65535];
		size_t pos, plen;

		hb_sip4(&b, 0);
		memcpy(big, b.buf, b.len);
		pos = b.len;
		plen = sizeof(big) - pos - 6;
		big[4] = big[5] = 0xff;
		memcpy(big + pos, "\0\0\0\x0f", 4);
		big[pos + 4] = (uint8_t)((plen + 6) >> 8);
		big[pos + 5] = (uint8_t)((plen + 6) & 0xff);
		memset(big + pos + 6, 'a', plen);
		assert_int_equal(decode(big, sizeof(big), &p, &info), 0);
		assert_int_equal(p.len, plen);
		assert_int_equal(info.hep_len, 65535);
	}
}

/* Every cut of a good datagram is refused as truncated. */
static void
test_every_prefix_truncated(void **state)
{
	struct cf_payload p;
	struct hb b;
	size_t n;

	hb_sip4(&b, 0);
	hb_payload(&b);
	for (n = 0; n < b.len; n++)
		assert_int_equal(decode(b.buf, n, &p, NULL),
				 -CF_HEP_ERR_TRUNCATED);
	assert_int_equal(decode(b.buf, b.len, &p, NULL), 0);
}

static void
test_err_truncated(void **state)
{
	struct cf_payload p;
	struct hb b;

	assert_int_equal(decode((const uint8_t *)"", 0, &p, NULL),
			 -CF_HEP_ERR_TRUNCATED);
	assert_int_equal(decode((const uint8_t *)"HEP", 3, &p, NULL),
			 -CF_HEP_ERR_TRUNCATED);
	assert_int_equal(decode((const uint8_t *)"HEP3\x00", 5, &p, NULL),
			 -CF_HEP_ERR_TRUNCATED);
	/* Total length one more than the datagram. */
	hb_sip4(&b, 0);
	hb_payload(&b);
	b.buf[5]++;
	assert_int_equal(err_of(&b), CF_HEP_ERR_TRUNCATED);
}

static void
test_err_bad_magic(void **state)
{
	static const char *const not_hep[] = {
		"INVITE sip:a@b SIP/2.0\r\n",
		"GET / HTTP/1.1\r\n",
		"hep3",
		"EEP1",
		"\x02\x11\x02\x11",	/* version 2, impossible length */
		"\x03\x10\x02\x11",	/* version 3 in binary */
		"\x00",
		"x",
	};
	struct cf_payload p;
	size_t i;

	for (i = 0; i < sizeof(not_hep) / sizeof(not_hep[0]); i++)
		assert_int_equal(decode((const uint8_t *)not_hep[i],
					strlen(not_hep[i]) ?
						strlen(not_hep[i]) : 1,
					&p, NULL),
				 -CF_HEP_ERR_BAD_MAGIC);
}

static void
test_err_version(void **state)
{
	/* HEPv1: IPv4 header, no time header, payload. */
	static const uint8_t v1[] = {
		0x01, 0x10, 0x02, 0x11, 0x13, 0xc4, 0x13, 0xc6,
		192, 0, 2, 10, 192, 0, 2, 20, 'S', 'I', 'P',
	};
	struct cf_payload p;
	struct hb b;

	assert_int_equal(decode(v1, sizeof(v1), &p, NULL),
			 -CF_HEP_ERR_VERSION);
	hb_sip4(&b, 0);
	hb_payload(&b);
	b.buf[3] = '4';
	assert_int_equal(err_of(&b), CF_HEP_ERR_VERSION);
	b.buf[3] = '2';
	assert_int_equal(err_of(&b), CF_HEP_ERR_VERSION);
}

static void
test_err_bad_length(void **state)
{
	struct cf_payload p;
	int n;

	for (n = 0; n < 6; n++) {
		uint8_t h[8] = { 'H', 'E', 'P', '3', 0, (uint8_t)n, 0, 0 };

		assert_int_equal(decode(h, sizeof(h), &p, NULL),
				 -CF_HEP_ERR_BAD_LENGTH);
	}
}

static void
test_err_chunk_length(void **state)
{
	struct cf_payload p;
	struct hb b;
	int n;

	/* A chunk length under its own header, 0 to 5. */
	for (n = 0; n < 6; n++) {
		hb_sip4(&b, 0);
		hb_payload(&b);
		b.buf[10] = 0;
		b.buf[11] = (uint8_t)n;
		assert_int_equal(err_of(&b), CF_HEP_ERR_CHUNK_LENGTH);
	}
	/* The last chunk one byte past the total length. */
	hb_sip4(&b, 0);
	hb_payload(&b);
	b.buf[4] = (b.len - 1) >> 8;
	b.buf[5] = (b.len - 1) & 0xff;
	assert_int_equal(err_of(&b), CF_HEP_ERR_CHUNK_LENGTH);
	/* 1 to 5 bytes left in the total length: a cut chunk header. */
	for (n = 1; n < 6; n++) {
		hb_sip4(&b, 0);
		hb_str(&b, 0x0f, SIP_BYE);
		memset(b.buf + b.len, 0, (size_t)n);
		b.len += (size_t)n;
		hb_done(&b);
		assert_int_equal(err_of(&b), CF_HEP_ERR_CHUNK_LENGTH);
	}
	/* A chunk claiming all 65535 bytes of a short datagram. */
	hb_sip4(&b, 0);
	hb_payload(&b);
	b.buf[10] = 0xff;
	b.buf[11] = 0xff;
	assert_int_equal(err_of(&b), CF_HEP_ERR_CHUNK_LENGTH);
	(void)p;
}

static void
test_err_chunk_size(void **state)
{
	static const struct {
		uint16_t type;
		size_t len;
	} bad[] = {
		{ 0x01, 0 }, { 0x01, 2 }, { 0x02, 4 }, { 0x03, 16 },
		{ 0x04, 3 }, { 0x05, 4 }, { 0x06, 15 }, { 0x07, 1 },
		{ 0x08, 4 }, { 0x09, 8 }, { 0x0a, 2 }, { 0x0b, 2 },
		{ 0x0c, 3 }, { 0x0c, 8 }, { 0x0c, 0 }, { 0x0d, 4 },
	};
	static const uint8_t zero[16];
	struct hb b;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hb_sip4(&b, 1u << bad[i].type);
		hb_chunk(&b, 0, bad[i].type, zero, bad[i].len);
		hb_payload(&b);
		if (err_of(&b) != CF_HEP_ERR_CHUNK_SIZE)
			fail_msg("chunk 0x%02x of %zu bytes: %s", bad[i].type,
				 bad[i].len, cf_hep_err_name(err_of(&b)));
	}
}

static void
test_err_duplicate(void **state)
{
	static const uint16_t types[] = {
		0x01, 0x02, 0x03, 0x04, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
	};
	struct hb b;
	size_t i;

	hb_sip4(&b, 0);
	hb_str(&b, 0x0f, SIP_BYE);
	hb_payload(&b);
	assert_int_equal(err_of(&b), CF_HEP_ERR_DUPLICATE_CHUNK);

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct hb once;

		hb_sip4(&b, 0);
		hb_sip4(&once, ~(1u << types[i]));
		memcpy(b.buf + b.len, once.buf + 6, once.len - 6);
		b.len += once.len - 6;
		hb_payload(&b);
		assert_int_equal(err_of(&b), CF_HEP_ERR_DUPLICATE_CHUNK);
	}
	hb_sip4(&b, 0);
	hb_str(&b, 0x0e, "a");
	hb_str(&b, 0x0e, "b");
	hb_payload(&b);
	assert_int_equal(err_of(&b), CF_HEP_ERR_DUPLICATE_CHUNK);
}

static void
test_err_missing_chunk(void **state)
{
	static const uint16_t required[] = {
		0x01, 0x02, 0x03, 0x04, 0x07, 0x08, 0x09, 0x0b,
	};
	struct hb b;
	size_t i;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		hb_sip4(&b, 1u << required[i]);
		hb_payload(&b);
		if (err_of(&b) != CF_HEP_ERR_MISSING_CHUNK)
			fail_msg("without chunk 0x%02x: %s", required[i],
				 cf_hep_err_name(err_of(&b)));
	}
	/* Optional: microseconds, capture id. */
	hb_sip4(&b, 1u << 0x0a | 1u << 0x0c);
	hb_payload(&b);
	assert_int_equal(err_of(&b), 0);
	/* An IPv6 family with one IPv6 address only. */
	hb_sip4(&b, 1u << 0x01 | 1u << 0x03 | 1u << 0x04);
	hb_u8(&b, 0x01, 10);
	hb_ip(&b, 0x05, AF_INET6, "::1");
	hb_payload(&b);
	assert_int_equal(err_of(&b), CF_HEP_ERR_MISSING_CHUNK);
	/* Nothing but the header. */
	hb_init(&b);
	hb_done(&b);
	assert_int_equal(err_of(&b), CF_HEP_ERR_MISSING_CHUNK);
}

static void
test_err_missing_payload(void **state)
{
	struct hb b;

	hb_sip4(&b, 0);
	hb_done(&b);
	assert_int_equal(err_of(&b), CF_HEP_ERR_MISSING_PAYLOAD);
	hb_sip4(&b, 0);
	hb_chunk(&b, 0, 0x0f, "", 0);
	hb_done(&b);
	assert_int_equal(err_of(&b), CF_HEP_ERR_MISSING_PAYLOAD);
	/* A vendor's payload is not one. */
	hb_sip4(&b, 0);
	hb_chunk(&b, 9, 0x0f, "SIP", 3);
	hb_done(&b);
	assert_int_equal(err_of(&b), CF_HEP_ERR_MISSING_PAYLOAD);
}

static void
test_err_family(void **state)
{
	static const uint8_t families[] = { 0, 1, 3, 23, 28, 255 };
	struct hb b;
	size_t i;

	for (i = 0; i < sizeof(families); i++) {
		hb_sip4(&b, 1u << 0x01);
		hb_u8(&b, 0x01, families[i]);
		hb_payload(&b);
		assert_int_equal(err_of(&b), CF_HEP_ERR_FAMILY);
	}
	/* IPv4 family, an IPv6 address besides the IPv4 ones. */
	hb_sip4(&b, 0);
	hb_ip(&b, 0x06, AF_INET6, "::1");
	hb_payload(&b);
	assert_int_equal(err_of(&b), CF_HEP_ERR_FAMILY);
	/* IPv6 family, IPv4 addresses. */
	hb_sip4(&b, 1u << 0x01);
	hb_u8(&b, 0x01, 10);
	hb_payload(&b);
	assert_int_equal(err_of(&b), CF_HEP_ERR_FAMILY);
}

/* Not SIP: counted as such even when it lacks what SIP would need. */
static void
test_err_proto_type(void **state)
{
	static const uint8_t types[] = { 0, 2, 4, 5, 8, 32, 100, 255 };
	struct hb b;
	size_t i;

	for (i = 0; i < sizeof(types); i++) {
		hb_sip4(&b, 1u << 0x0b);
		hb_u8(&b, 0x0b, types[i]);
		hb_payload(&b);
		assert_int_equal(err_of(&b), CF_HEP_ERR_PROTO_TYPE);
	}
	hb_init(&b);
	hb_u8(&b, 0x0b, 5);
	hb_str(&b, 0x0f, "{\"type\":200}");
	hb_done(&b);
	assert_int_equal(err_of(&b), CF_HEP_ERR_PROTO_TYPE);
}

static void
test_err_compressed(void **state)
{
	static const uint8_t gz[] = { 0x1f, 0x8b, 0x08, 0x00 };
	struct hb b;

	hb_sip4(&b, 0);
	hb_chunk(&b, 0, 0x10, gz, sizeof(gz));
	hb_done(&b);
	assert_int_equal(err_of(&b), CF_HEP_ERR_COMPRESSED);
	/* Both forms: still not decoded. */
	hb_sip4(&b, 0);
	hb_chunk(&b, 0, 0x10, gz, sizeof(gz));
	hb_payload(&b);
	assert_int_equal(err_of(&b), CF_HEP_ERR_COMPRESSED);
}

static void
test_err_bad_time(void **state)
{
	struct cf_payload p;
	struct hb b;

	hb_sip4(&b, 1u << 0x0a);
	hb_u32(&b, 0x0a, 1000000);
	hb_payload(&b);
	assert_int_equal(err_of(&b), CF_HEP_ERR_BAD_TIME);
	hb_sip4(&b, 1u << 0x0a | 1u << 0x09);
	hb_u32(&b, 0x09, UINT32_MAX);
	hb_u32(&b, 0x0a, 999999);
	hb_payload(&b);
	assert_int_equal(decode_b(&b, &p, NULL), 0);
	assert_true(p.ts_ns == UINT32_MAX * 1000000000ull + 999999000ull);
}

static void
test_keepalive(void **state)
{
	struct hb b;

	/* A keep-alive with nothing else at all. */
	hb_init(&b);
	hb_u16(&b, 0x0d, 60);
	hb_done(&b);
	assert_int_equal(err_of(&b), CF_HEP_ERR_KEEPALIVE);
	/* With the header chunks, still no payload. */
	hb_sip4(&b, 0);
	hb_u16(&b, 0x0d, 60);
	hb_done(&b);
	assert_int_equal(err_of(&b), CF_HEP_ERR_KEEPALIVE);
}

static void
test_auth(void **state)
{
	struct cf_hep_info info;
	struct cf_payload p;
	struct hb b;

	hb_sip4(&b, 0);
	hb_str(&b, 0x0e, "s3cret");
	hb_payload(&b);
	assert_int_equal(decode_b(&b, &p, &info), 0);
	assert_int_equal(cf_hep_check_auth(&info, "s3cret", 6), 0);
	assert_int_equal(cf_hep_check_auth(&info, "s3creT", 6),
			 -CF_HEP_ERR_AUTH);
	assert_int_equal(cf_hep_check_auth(&info, "s3cre", 5),
			 -CF_HEP_ERR_AUTH);
	assert_int_equal(cf_hep_check_auth(&info, "s3cret!", 7),
			 -CF_HEP_ERR_AUTH);

	hb_sip4(&b, 0);
	hb_payload(&b);
	assert_int_equal(decode_b(&b, &p, &info), 0);
	assert_int_equal(cf_hep_check_auth(&info, "s3cret", 6),
			 -CF_HEP_ERR_AUTH);
	/* An empty key chunk is not "no key" when the expected one is
	 * empty too. */
	hb_sip4(&b, 0);
	hb_chunk(&b, 0, 0x0e, "", 0);
	hb_payload(&b);
	assert_int_equal(decode_b(&b, &p, &info), 0);
	assert_int_equal(cf_hep_check_auth(&info, "", 0), 0);
}

/* HEPv2 as Kamailio writes it: ports big-endian, time and capture id
 * little-endian, 2 bytes of padding after the capture id. */
static void
test_hep2(void **state)
{
	static const uint8_t v4[] = {
		0x02, 0x10, 0x02, 0x11, 0x13, 0xc4, 0x13, 0xc6,
		192, 0, 2, 10, 192, 0, 2, 20,
		0x60, 0xd5, 0x0f, 0x6b,		/* 1796199776 LE */
		0x40, 0xe2, 0x01, 0x00,		/* 123456 LE */
		0x9f, 0x08, 0x00, 0x00,		/* capture id 2207, pad */
		'B', 'Y', 'E', ' ',
	};
	uint8_t v6[8 + 32 + 12 + 4] = {
		0x02, 0x28, 0x0a, 0x06, 0x13, 0xc5, 0xff, 0xff,
	};
	struct cf_hep_info info;
	struct cf_payload p;
	uint8_t bad[sizeof(v4)];

	assert_int_equal(decode(v4, sizeof(v4), &p, &info), 0);
	assert_int_equal(info.version, 2);
	assert_int_equal(info.proto_type, CF_HEP_PROTO_SIP);
	assert_true(info.has_capture_id);
	assert_int_equal(info.capture_id, 2207);
	assert_int_equal(p.transport, CF_TRANSPORT_UDP);
	assert_addr(&p.src, AF_INET, "192.0.2.10", 5060);
	assert_addr(&p.dst, AF_INET, "192.0.2.20", 5062);
	assert_true(p.ts_ns == 1796199776ull * 1000000000ull + 123456000ull);
	assert_int_equal(p.len, 4);
	assert_memory_equal(p.data, "BYE ", 4);

	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", v6 + 8), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::2", v6 + 24), 1);
	memcpy(v6 + 52, "SIP/", 4);
	assert_int_equal(decode(v6, sizeof(v6), &p, &info), 0);
	assert_addr(&p.src, AF_INET6, "2001:db8::1", 5061);
	assert_addr(&p.dst, AF_INET6, "2001:db8::2", 65535);
	assert_int_equal(p.transport, CF_TRANSPORT_TCP);
	assert_int_equal(p.len, 4);

	/* Its errors. */
	assert_int_equal(decode(v4, 28, &p, NULL), -CF_HEP_ERR_MISSING_PAYLOAD);
	assert_int_equal(decode(v4, 27, &p, NULL), -CF_HEP_ERR_TRUNCATED);
	assert_int_equal(decode(v4, 7, &p, NULL), -CF_HEP_ERR_TRUNCATED);
	assert_int_equal(decode(v4, 1, &p, NULL), -CF_HEP_ERR_TRUNCATED);
	memcpy(bad, v4, sizeof(v4));
	bad[1] = 0x28;				/* IPv6 length, IPv4 family */
	assert_int_equal(decode(bad, sizeof(bad), &p, NULL),
			 -CF_HEP_ERR_BAD_LENGTH);
	memcpy(bad, v4, sizeof(v4));
	bad[2] = 7;
	assert_int_equal(decode(bad, sizeof(bad), &p, NULL),
			 -CF_HEP_ERR_FAMILY);
	memcpy(bad, v4, sizeof(v4));
	bad[3] = 1;
	assert_int_equal(decode(bad, sizeof(bad), &p, NULL),
			 -CF_HEP_ERR_IP_PROTO);
	memcpy(bad, v4, sizeof(v4));
	bad[22] = 0x0f;				/* 999999 < usec */
	assert_int_equal(decode(bad, sizeof(bad), &p, NULL),
			 -CF_HEP_ERR_BAD_TIME);
}

/* What the engine does with the payload: the same as with a captured
 * datagram.  A mirrored BYE is a release of the call, from HEP's
 * source. */
static void
test_payload_to_call(void **state)
{
	struct cf_numplan plan;
	struct cf_payload p;
	struct cf_sip_msg msg;
	struct cf_call call;
	struct hb b;

	assert_int_equal(cf_numplan_default(&plan, "44", NULL), 0);
	hb_sip4(&b, 0);
	hb_payload(&b);
	assert_int_equal(cf_hep_decode(b.buf, b.len, &p, NULL), 0);
	assert_int_equal(cf_sip_parse(&msg, (const char *)p.data, p.len, 0),
			 (ssize_t)p.len);
	cf_call_reset(&call);
	call.rx_ns = p.ts_ns;
	call.src = p.src;
	assert_int_equal(cf_sip_to_call(&msg, &plan, &call), 0);
	assert_int_equal(call.event, CF_EVENT_RELEASE);
	assert_string_equal(call.ref.sip.call_id, "hep-test-1@192.0.2.10");
	assert_addr(&call.src, AF_INET, "192.0.2.10", 5060);
}

static void
test_err_names(void **state)
{
	int i, j;

	for (i = 0; i < CF_HEP_ERR__COUNT; i++) {
		assert_string_not_equal(cf_hep_err_name(i), "?");
		for (j = 0; j < i; j++)
			assert_string_not_equal(cf_hep_err_name(i),
						cf_hep_err_name(j));
	}
	assert_string_equal(cf_hep_err_name(CF_HEP_ERR_CHUNK_LENGTH),
			    "chunk-length");
	assert_string_equal(cf_hep_err_name(CF_HEP_ERR_VERSION), "version");
	assert_string_equal(cf_hep_err_name(CF_HEP_ERR__COUNT), "?");
	assert_string_equal(cf_hep_err_name(-1), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_every_chunk),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_transports),
		cmocka_unit_test(test_vendor_and_unknown_skipped),
		cmocka_unit_test(test_any_order),
		cmocka_unit_test(test_capture_id_16),
		cmocka_unit_test(test_length_edges),
		cmocka_unit_test(test_every_prefix_truncated),
		cmocka_unit_test(test_err_truncated),
		cmocka_unit_test(test_err_bad_magic),
		cmocka_unit_test(test_err_version),
		cmocka_unit_test(test_err_bad_length),
		cmocka_unit_test(test_err_chunk_length),
		cmocka_unit_test(test_err_chunk_size),
		cmocka_unit_test(test_err_duplicate),
		cmocka_unit_test(test_err_missing_chunk),
		cmocka_unit_test(test_err_missing_payload),
		cmocka_unit_test(test_err_family),
		cmocka_unit_test(test_err_proto_type),
		cmocka_unit_test(test_err_compressed),
		cmocka_unit_test(test_err_bad_time),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_hep2),
		cmocka_unit_test(test_payload_to_call),
		cmocka_unit_test(test_err_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
