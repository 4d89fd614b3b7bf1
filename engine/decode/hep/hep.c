/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HEP3 and HEPv2 datagrams -> struct cf_payload.  See callfence/hep.h.
 *
 * HEP3 as sipcapture's HEP3 rev. 12 specification defines it, and as
 * Kamailio's siptrace writes it (tests/data/hep/ holds its datagrams and
 * what sngrep and tshark read in them).
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <osmocom/core/bit16gen.h>
#include <osmocom/core/bit32gen.h>

#include <callfence/hep.h>

#define HEP3_HDR_LEN		6	/* "HEP3", total length */
#define HEP3_CHUNK_HDR_LEN	6	/* vendor, type, length */

/* HEP's own family values (the spec's, which are Linux's). */
#define HEP_FAMILY_IPV4		2
#define HEP_FAMILY_IPV6		10

/* The transport Kamailio reports for TLS, WS and WSS: IPPROTO_IDP. */
#define HEP_IPPROTO_KAMAILIO_STREAM	22

/* HEPv2: a fixed 8-byte header, the two addresses (its length field
 * counts both), then 12 bytes of time header (u32 seconds, u32
 * microseconds, u16 capture id, 2 bytes of padding: sizeof the struct
 * Kamailio, captagent and sngrep share). */
#define HEP2_HDR_LEN		8
#define HEP2_TIME_LEN		12

/* HEP3 generic chunk types (vendor 0). */
enum hep3_chunk {
	HEP3_FAMILY = 0x01,
	HEP3_IP_PROTO = 0x02,
	HEP3_SRC_IP4 = 0x03,
	HEP3_DST_IP4 = 0x04,
	HEP3_SRC_IP6 = 0x05,
	HEP3_DST_IP6 = 0x06,
	HEP3_SRC_PORT = 0x07,
	HEP3_DST_PORT = 0x08,
	HEP3_TIME_SEC = 0x09,
	HEP3_TIME_USEC = 0x0a,
	HEP3_PROTO_TYPE = 0x0b,
	HEP3_CAPTURE_ID = 0x0c,
	HEP3_KEEPALIVE = 0x0d,
	HEP3_AUTH_KEY = 0x0e,
	HEP3_PAYLOAD = 0x0f,
	HEP3_PAYLOAD_ZIP = 0x10,
	HEP3_CORRELATION_ID = 0x11,
	HEP3__COUNT,
};

/* Value size of the fixed-size chunks, 0 for any size.  The capture id
 * is 4 bytes in HEP3, but some agents kept HEPv2's 2. */
static const uint8_t chunk_size[HEP3__COUNT] = {
	[HEP3_FAMILY]		= 1,
	[HEP3_IP_PROTO]		= 1,
	[HEP3_SRC_IP4]		= 4,
	[HEP3_DST_IP4]		= 4,
	[HEP3_SRC_IP6]		= 16,
	[HEP3_DST_IP6]		= 16,
	[HEP3_SRC_PORT]		= 2,
	[HEP3_DST_PORT]		= 2,
	[HEP3_TIME_SEC]		= 4,
	[HEP3_TIME_USEC]	= 4,
	[HEP3_PROTO_TYPE]	= 1,
	[HEP3_KEEPALIVE]	= 2,
};

/* What a HEP3 packet must carry for its SIP payload to be judged as the
 * captured packet would be. */
#define HEP3_REQUIRED	(1u << HEP3_FAMILY | 1u << HEP3_IP_PROTO | \
			 1u << HEP3_SRC_PORT | 1u << HEP3_DST_PORT | \
			 1u << HEP3_TIME_SEC | 1u << HEP3_PROTO_TYPE)

static const char *const err_names[CF_HEP_ERR__COUNT] = {
	[CF_HEP_OK]			= "ok",
	[CF_HEP_ERR_TRUNCATED]		= "truncated",
	[CF_HEP_ERR_BAD_MAGIC]		= "bad-magic",
	[CF_HEP_ERR_VERSION]		= "version",
	[CF_HEP_ERR_BAD_LENGTH]		= "bad-length",
	[CF_HEP_ERR_CHUNK_LENGTH]	= "chunk-length",
	[CF_HEP_ERR_CHUNK_SIZE]		= "chunk-size",
	[CF_HEP_ERR_DUPLICATE_CHUNK]	= "duplicate-chunk",
	[CF_HEP_ERR_MISSING_CHUNK]	= "missing-chunk",
	[CF_HEP_ERR_MISSING_PAYLOAD]	= "missing-payload",
	[CF_HEP_ERR_FAMILY]		= "family",
	[CF_HEP_ERR_IP_PROTO]		= "ip-proto",
	[CF_HEP_ERR_PROTO_TYPE]		= "proto-type",
	[CF_HEP_ERR_COMPRESSED]		= "compressed",
	[CF_HEP_ERR_BAD_TIME]		= "bad-time",
	[CF_HEP_ERR_KEEPALIVE]		= "keepalive",
	[CF_HEP_ERR_AUTH]		= "auth",
};

const char *
cf_hep_err_name(enum cf_hep_err err)
{
	if ((unsigned)err >= CF_HEP_ERR__COUNT || !err_names[err])
		return "?";
	return err_names[err];
}

/* The engine's transport for an IP protocol number, or -1. */
static int
transport_of(uint8_t ip_proto)
{
	switch (ip_proto) {
	case IPPROTO_UDP:
		return CF_TRANSPORT_UDP;
	case IPPROTO_TCP:
	case HEP_IPPROTO_KAMAILIO_STREAM:
		return CF_TRANSPORT_TCP;
	case IPPROTO_SCTP:
		return CF_TRANSPORT_SCTP;
	default:
		return -1;
	}
}

static void
payload_init(struct cf_payload *p, struct cf_hep_info *info)
{
	memset(p, 0, sizeof(*p));
	p->kind = CF_PAYLOAD_SIP;
	p->index = 1;
	memset(info, 0, sizeof(*info));
}

/* Set @src and @dst from addresses of @alen bytes; @family is HEP's. */
static void
set_addrs(struct cf_payload *p, uint8_t family, const uint8_t *src,
	  const uint8_t *dst, size_t alen)
{
	p->src.family = p->dst.family =
		family == HEP_FAMILY_IPV4 ? AF_INET : AF_INET6;
	memcpy(p->src.addr, src, alen);
	memcpy(p->dst.addr, dst, alen);
}

static int
set_time(struct cf_payload *p, uint32_t sec, uint32_t usec)
{
	if (usec >= 1000000)
		return -CF_HEP_ERR_BAD_TIME;
	p->ts_ns = (uint64_t)sec * 1000000000u + (uint64_t)usec * 1000u;
	return 0;
}

/*
 * HEPv2: version, header length, family, protocol, source and
 * destination port (big-endian), source and destination address; time
 * header; payload up to the end.
 */
static int
decode_v2(const uint8_t *buf, size_t len, struct cf_payload *p,
	  struct cf_hep_info *info)
{
	size_t alen, hlen;
	int t, rc;

	if (len < HEP2_HDR_LEN)
		return -CF_HEP_ERR_TRUNCATED;
	switch (buf[2]) {
	case HEP_FAMILY_IPV4:
		alen = 4;
		break;
	case HEP_FAMILY_IPV6:
		alen = 16;
		break;
	default:
		return -CF_HEP_ERR_FAMILY;
	}
	hlen = HEP2_HDR_LEN + 2 * alen;
	if (buf[1] != hlen)
		return -CF_HEP_ERR_BAD_LENGTH;
	if (len < hlen + HEP2_TIME_LEN)
		return -CF_HEP_ERR_TRUNCATED;
	if (len == hlen + HEP2_TIME_LEN)
		return -CF_HEP_ERR_MISSING_PAYLOAD;
	t = transport_of(buf[3]);
	if (t < 0)
		return -CF_HEP_ERR_IP_PROTO;

	info->version = 2;
	info->ip_proto = buf[3];
	info->proto_type = CF_HEP_PROTO_SIP;
	info->has_capture_id = true;
	info->capture_id = osmo_load16le(buf + hlen + 8);
	info->hep_len = len > UINT16_MAX ? UINT16_MAX : (uint16_t)len;

	p->transport = (uint8_t)t;
	set_addrs(p, buf[2], buf + HEP2_HDR_LEN, buf + HEP2_HDR_LEN + alen,
		  alen);
	p->src.port = osmo_load16be(buf + 4);
	p->dst.port = osmo_load16be(buf + 6);
	rc = set_time(p, osmo_load32le(buf + hlen),
		      osmo_load32le(buf + hlen + 4));
	if (rc < 0)
		return rc;
	p->data = buf + hlen + HEP2_TIME_LEN;
	p->len = len - hlen - HEP2_TIME_LEN;
	return 0;
}

/* Where each chunk read was in the datagram, for the checks after the
 * walk. */
struct hep3_chunks {
	uint32_t seen;			/* bit per enum hep3_chunk */
	const uint8_t *val[HEP3__COUNT];
	uint16_t len[HEP3__COUNT];
};

static int
walk_v3(const uint8_t *buf, size_t total, struct hep3_chunks *c,
	struct cf_hep_info *info)
{
	size_t pos = HEP3_HDR_LEN;

	while (pos < total) {
		uint16_t vendor, type, clen, vlen;

		if (total - pos < HEP3_CHUNK_HDR_LEN)
			return -CF_HEP_ERR_CHUNK_LENGTH;
		vendor = osmo_load16be(buf + pos);
		type = osmo_load16be(buf + pos + 2);
		clen = osmo_load16be(buf + pos + 4);
		if (clen < HEP3_CHUNK_HDR_LEN || clen > total - pos)
			return -CF_HEP_ERR_CHUNK_LENGTH;
		vlen = clen - HEP3_CHUNK_HDR_LEN;

		if (vendor != 0) {
			info->n_vendor++;
		} else if (type == 0 || type >= HEP3__COUNT) {
			info->n_unknown++;
		} else {
			if (c->seen & 1u << type)
				return -CF_HEP_ERR_DUPLICATE_CHUNK;
			if (chunk_size[type] && vlen != chunk_size[type])
				return -CF_HEP_ERR_CHUNK_SIZE;
			if (type == HEP3_CAPTURE_ID && vlen != 4 && vlen != 2)
				return -CF_HEP_ERR_CHUNK_SIZE;
			c->seen |= 1u << type;
			c->val[type] = buf + pos + HEP3_CHUNK_HDR_LEN;
			c->len[type] = vlen;
		}
		pos += clen;
	}
	return 0;
}

/* After the walk: is it SIP, and is everything there to place it? */
static int
check_v3(const struct hep3_chunks *c)
{
	if (!(c->seen & 1u << HEP3_PAYLOAD) &&
	    !(c->seen & 1u << HEP3_PAYLOAD_ZIP) &&
	    (c->seen & 1u << HEP3_KEEPALIVE))
		return -CF_HEP_ERR_KEEPALIVE;
	/* The protocol type first: an RTCP report or a log line is counted
	 * as what it is, whatever else it lacks. */
	if (!(c->seen & 1u << HEP3_PROTO_TYPE))
		return -CF_HEP_ERR_MISSING_CHUNK;
	if (*c->val[HEP3_PROTO_TYPE] != CF_HEP_PROTO_SIP)
		return -CF_HEP_ERR_PROTO_TYPE;
	if (c->seen & 1u << HEP3_PAYLOAD_ZIP)
		return -CF_HEP_ERR_COMPRESSED;
	if (!(c->seen & 1u << HEP3_PAYLOAD) || c->len[HEP3_PAYLOAD] == 0)
		return -CF_HEP_ERR_MISSING_PAYLOAD;
	if ((c->seen & HEP3_REQUIRED) != HEP3_REQUIRED)
		return -CF_HEP_ERR_MISSING_CHUNK;
	return 0;
}

static int
addrs_v3(const struct hep3_chunks *c, struct cf_payload *p)
{
	uint8_t family = *c->val[HEP3_FAMILY];
	uint32_t v4 = 1u << HEP3_SRC_IP4 | 1u << HEP3_DST_IP4;
	uint32_t v6 = 1u << HEP3_SRC_IP6 | 1u << HEP3_DST_IP6;
	uint32_t want, other;

	switch (family) {
	case HEP_FAMILY_IPV4:
		want = v4;
		other = v6;
		break;
	case HEP_FAMILY_IPV6:
		want = v6;
		other = v4;
		break;
	default:
		return -CF_HEP_ERR_FAMILY;
	}
	if (c->seen & other)
		return -CF_HEP_ERR_FAMILY;
	if ((c->seen & want) != want)
		return -CF_HEP_ERR_MISSING_CHUNK;
	if (family == HEP_FAMILY_IPV4)
		set_addrs(p, family, c->val[HEP3_SRC_IP4],
			  c->val[HEP3_DST_IP4], 4);
	else
		set_addrs(p, family, c->val[HEP3_SRC_IP6],
			  c->val[HEP3_DST_IP6], 16);
	return 0;
}

static int
decode_v3(const uint8_t *buf, size_t len, struct cf_payload *p,
	  struct cf_hep_info *info)
{
	struct hep3_chunks c;
	uint16_t total;
	uint32_t usec;
	int rc, t;

	if (len < HEP3_HDR_LEN)
		return -CF_HEP_ERR_TRUNCATED;
	total = osmo_load16be(buf + 4);
	if (total < HEP3_HDR_LEN)
		return -CF_HEP_ERR_BAD_LENGTH;
	if (total > len)
		return -CF_HEP_ERR_TRUNCATED;

	c.seen = 0;
	rc = walk_v3(buf, total, &c, info);
	if (rc < 0)
		return rc;
	rc = check_v3(&c);
	if (rc < 0)
		return rc;
	rc = addrs_v3(&c, p);
	if (rc < 0)
		return rc;
	t = transport_of(*c.val[HEP3_IP_PROTO]);
	if (t < 0)
		return -CF_HEP_ERR_IP_PROTO;
	usec = c.seen & 1u << HEP3_TIME_USEC ?
		osmo_load32be(c.val[HEP3_TIME_USEC]) : 0;
	rc = set_time(p, osmo_load32be(c.val[HEP3_TIME_SEC]), usec);
	if (rc < 0)
		return rc;

	p->transport = (uint8_t)t;
	p->src.port = osmo_load16be(c.val[HEP3_SRC_PORT]);
	p->dst.port = osmo_load16be(c.val[HEP3_DST_PORT]);
	p->data = c.val[HEP3_PAYLOAD];
	p->len = c.len[HEP3_PAYLOAD];

	info->version = 3;
	info->ip_proto = *c.val[HEP3_IP_PROTO];
	info->proto_type = *c.val[HEP3_PROTO_TYPE];
	info->hep_len = total;
	if (c.seen & 1u << HEP3_CAPTURE_ID) {
		info->has_capture_id = true;
		info->capture_id = c.len[HEP3_CAPTURE_ID] == 4 ?
			osmo_load32be(c.val[HEP3_CAPTURE_ID]) :
			osmo_load16be(c.val[HEP3_CAPTURE_ID]);
	}
	if (c.seen & 1u << HEP3_KEEPALIVE)
		info->keepalive_s = osmo_load16be(c.val[HEP3_KEEPALIVE]);
	if (c.seen & 1u << HEP3_AUTH_KEY) {
		info->auth_key = c.val[HEP3_AUTH_KEY];
		info->auth_key_len = c.len[HEP3_AUTH_KEY];
	}
	if (c.seen & 1u << HEP3_CORRELATION_ID) {
		info->correlation_id = c.val[HEP3_CORRELATION_ID];
		info->correlation_id_len = c.len[HEP3_CORRELATION_ID];
	}
	return 0;
}

/*
 * Whether @buf starts like the binary header of HEPv1/v2: a version byte
 * of 1 or 2 and the header length of IPv4 or IPv6 (so that any other
 * datagram is "bad-magic", not a HEPv2 of a strange length).
 */
static bool
binary_header(const uint8_t *buf, size_t len)
{
	return (buf[0] == 1 || buf[0] == 2) &&
	       (len < 2 || buf[1] == HEP2_HDR_LEN + 2 * 4 ||
		buf[1] == HEP2_HDR_LEN + 2 * 16);
}

int
cf_hep_decode(const uint8_t *buf, size_t len, struct cf_payload *p,
	      struct cf_hep_info *info)
{
	struct cf_hep_info scratch;

	if (!info)
		info = &scratch;
	payload_init(p, info);
	if (len == 0)
		return -CF_HEP_ERR_TRUNCATED;
	if (len < 4 && memcmp(buf, "HEP3", len) == 0)
		return -CF_HEP_ERR_TRUNCATED;
	if (len >= 4 && memcmp(buf, "HEP3", 4) == 0)
		return decode_v3(buf, len, p, info);
	if (len >= 4 && memcmp(buf, "HEP", 3) == 0)
		return -CF_HEP_ERR_VERSION;
	if (binary_header(buf, len)) {
		/* HEPv1 is v2 without the time header: no timestamp. */
		if (buf[0] == 1)
			return -CF_HEP_ERR_VERSION;
		return decode_v2(buf, len, p, info);
	}
	return -CF_HEP_ERR_BAD_MAGIC;
}

int
cf_hep_check_auth(const struct cf_hep_info *info, const void *key,
		  size_t key_len)
{
	const uint8_t *k = key;
	uint8_t diff = 0;
	size_t i;

	if (!info->auth_key || info->auth_key_len != key_len)
		return -CF_HEP_ERR_AUTH;
	for (i = 0; i < key_len; i++)
		diff |= info->auth_key[i] ^ k[i];
	return diff ? -CF_HEP_ERR_AUTH : 0;
}
