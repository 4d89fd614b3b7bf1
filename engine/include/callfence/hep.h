/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HEP decoder: the Homer Encapsulation Protocol a SIP proxy mirrors its
 * signalling with (Kamailio siptrace, OpenSIPS proto_hep, heplify,
 * captagent, FreeSWITCH, Asterisk res_hep).
 *
 * One datagram carries one SIP message and where it went: the addresses,
 * ports and transport of the packet the mirror saw, and when.
 * cf_hep_decode() turns it into the struct cf_payload the capture layer
 * delivers (capture.h), so the rest of the engine treats a SIP message
 * carried over HEP exactly like one read off the wire.
 *
 * HEP3 ("HEP3", total length, then chunks of vendor id, type id, length,
 * value; all big-endian): the generic chunks (vendor 0) read are
 *
 *   0x01 IP family (2 IPv4, 10 IPv6)   0x02 IP protocol (17, 6, 132)
 *   0x03/0x04 IPv4 source/destination  0x05/0x06 IPv6 source/destination
 *   0x07/0x08 source/destination port  0x09/0x0a time: seconds, microsec.
 *   0x0b protocol type (1 = SIP)       0x0c capture agent id
 *   0x0d keep-alive timer              0x0e authentication key
 *   0x0f payload                       0x10 compressed payload
 *   0x11 correlation id
 *
 * Chunks of other vendors, and generic chunks not in this list (VLAN,
 * MAC addresses, MOS, ...), are skipped and counted.  A compressed
 * payload is refused (CF_HEP_ERR_COMPRESSED): no agent compresses SIP by
 * default, and inflating is allocation the per-call path must not do.
 *
 * HEPv2 (the older fixed header: version, header length, family,
 * protocol, ports, addresses, then seconds, microseconds and capture id
 * in little-endian order as Kamailio and captagent write them, then the
 * payload to the end of the datagram) is read too: it always carries
 * SIP.  HEPv1 has no timestamp and is refused as CF_HEP_ERR_VERSION.
 *
 * All functions are reentrant and may run on any thread; none allocates,
 * locks, logs or makes a syscall.  No byte sequence makes them read out
 * of bounds.
 */
#ifndef CALLFENCE_HEP_H
#define CALLFENCE_HEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <callfence/capture.h>

/* The IANA-registered HEP port; agents default to it. */
#define CF_HEP_PORT		9060

/* HEP3 protocol types (chunk 0x0b) callfence names; only SIP is decoded. */
enum cf_hep_proto_type {
	CF_HEP_PROTO_SIP = 0x01,
};

/* Why a datagram yielded no SIP payload.  Functions return these
 * negated. */
enum cf_hep_err {
	CF_HEP_OK = 0,
	CF_HEP_ERR_TRUNCATED,		/* shorter than its header or the
					 * total length it declares */
	CF_HEP_ERR_BAD_MAGIC,		/* not HEP: no "HEP3", no v2 header */
	CF_HEP_ERR_VERSION,		/* HEP, but not v3 or v2 ("HEP4",
					 * HEPv1) */
	CF_HEP_ERR_BAD_LENGTH,		/* total length under the 6-byte
					 * header, or a v2 header length that
					 * is not its family's */
	CF_HEP_ERR_CHUNK_LENGTH,	/* a chunk shorter than its 6-byte
					 * header, or past the total length */
	CF_HEP_ERR_CHUNK_SIZE,		/* a fixed-size chunk (port, address,
					 * ...) of another size */
	CF_HEP_ERR_DUPLICATE_CHUNK,	/* a chunk read here, twice */
	CF_HEP_ERR_MISSING_CHUNK,	/* no family, IP protocol, address,
					 * port, seconds or protocol type */
	CF_HEP_ERR_MISSING_PAYLOAD,	/* no payload chunk, or an empty one */
	CF_HEP_ERR_FAMILY,		/* family not IPv4/IPv6, or addresses
					 * of the other family */
	CF_HEP_ERR_IP_PROTO,		/* transport not UDP, TCP or SCTP */
	CF_HEP_ERR_PROTO_TYPE,		/* payload not SIP (RTCP, logs, ...) */
	CF_HEP_ERR_COMPRESSED,		/* compressed payload (0x10) */
	CF_HEP_ERR_BAD_TIME,		/* microseconds of 10^6 or more */
	CF_HEP_ERR_KEEPALIVE,		/* a keep-alive without payload: info */
	CF_HEP_ERR_AUTH,		/* cf_hep_check_auth(): wrong or no
					 * key */
	CF_HEP_ERR__COUNT,
};

/*
 * What a datagram said besides its payload.  The pointers point into the
 * datagram: valid as long as it is.
 */
struct cf_hep_info {
	uint8_t version;		/* 3 or 2 */
	uint8_t ip_proto;		/* as received: 17, 6, 132, ... */
	uint8_t proto_type;		/* 1 (SIP); 1 for HEPv2 */
	bool has_capture_id;
	uint32_t capture_id;		/* capture agent id (v2: 16 bits) */
	uint16_t hep_len;		/* bytes of the datagram HEP used
					 * (v3: its total length) */
	uint16_t keepalive_s;		/* 0x0d keep-alive timer, 0 if none */
	const uint8_t *auth_key;	/* 0x0e; NULL if absent */
	uint16_t auth_key_len;
	const uint8_t *correlation_id;	/* 0x11; NULL if absent */
	uint16_t correlation_id_len;
	uint16_t n_vendor;		/* chunks of other vendors, skipped */
	uint16_t n_unknown;		/* generic chunks not read, skipped */
};

/*
 * Decode one HEP3 or HEPv2 datagram of @len bytes at @buf.
 *
 * On success returns 0 and fills @p as the capture layer would for the
 * SIP message inside: kind CF_PAYLOAD_SIP; transport from the IP protocol
 * (UDP 17, TCP 6, SCTP 132; 22, the value Kamailio reports for TLS and
 * WebSocket, is TCP: a stream, and the message is already framed);
 * ts_ns from the seconds and microseconds (microseconds absent count as
 * 0); data and len the payload, pointing into @buf; src and dst the
 * addresses and ports (family AF_INET or AF_INET6, port in host order,
 * point_code 0); frame 0 and index 1, for the caller to number
 * datagrams.  @info, if not NULL, gets the rest.  Bytes of the datagram
 * after HEP3's total length are ignored.
 *
 * Returns a negated enum cf_hep_err otherwise; @p and @info are then
 * partly written and must not be used.  Every length is checked against
 * @len and the declared total length before it is read.
 */
int cf_hep_decode(const uint8_t *buf, size_t len, struct cf_payload *p,
		  struct cf_hep_info *info);

/*
 * Whether a decoded datagram carries authentication key @key of @key_len
 * bytes (chunk 0x0e).  Compares in time independent of where the keys
 * differ.  Returns 0, or -CF_HEP_ERR_AUTH when the key is absent or
 * another.
 */
int cf_hep_check_auth(const struct cf_hep_info *info, const void *key,
		      size_t key_len);

/* Names for logs and counters ("chunk-length"); "?" when out of range. */
const char *cf_hep_err_name(enum cf_hep_err err);

#endif /* CALLFENCE_HEP_H */
