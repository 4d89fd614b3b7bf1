/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capture input: from pcap/pcapng records to signalling payloads.
 *
 * A struct cf_capture peels link, network and transport layers off packet
 * records (read from a file with libpcap, or handed in one at a time) and
 * calls back once per signalling payload it finds:
 *
 *   CF_PAYLOAD_SIP   SIP text: a UDP datagram, a SIP message framed out of a
 *                    TCP byte stream, a WebSocket text/binary message
 *                    (RFC 7118), or an SCTP DATA chunk whose content is SIP;
 *                    recognised by content (the start line), never by port.
 *   CF_PAYLOAD_M3UA  SCTP DATA with PPID 3 (RFC 4666 §1.4.7).
 *   CF_PAYLOAD_M2PA  SCTP DATA with PPID 5 (RFC 4165 §1.6).
 *   CF_PAYLOAD_MTP2  one DLT_MTP2 frame (Q.703), FCS trailer kept as in the
 *                    file; DLT_MTP2_WITH_PHDR with its pseudo-header removed.
 *
 * What it understands:
 *   links      Ethernet with any number (up to 8) of 802.1Q/802.1ad tags,
 *              Linux cooked SLL (113) and SLL2 (276), raw IP (12, 14, 101,
 *              228, 229), BSD NULL (0) and LOOP (108), MTP2 (140, 139)
 *   network    IPv4; IPv6 with hop-by-hop, routing, destination options,
 *              fragment and AH headers; IP-in-IP; GRE (RFC 2784/2890) with
 *              checksum, key and sequence fields carrying IPv4, IPv6,
 *              Ethernet (0x6558) or ERSPAN type I/II (0x88BE) and III (0x22EB)
 *   transport  UDP; TCP with per-direction reassembly framed by a caller's
 *              framer, and WebSocket (RFC 6455) after an HTTP Upgrade;
 *              SCTP (RFC 9260) DATA and I-DATA chunks, every chunk of a
 *              packet, fragmented user messages reassembled.
 *
 * Not done, each counted when met: IP fragments (not reassembled, every
 * fragment counted and skipped), out-of-order TCP segments (the partial
 * message is dropped and the stream resynchronises on the next segment),
 * fragmented WebSocket messages (continuation frames), SCTP checksums
 * (never verified: mirrors often zero them).
 *
 * Every record that yields no payload increments at least one counter of
 * enum cf_capture_ctr; nothing is dropped silently.  No byte sequence makes
 * it crash, read out of bounds or allocate.
 *
 * Threading: a struct cf_capture is owned by one thread; all functions on
 * it must be called from that thread.  Separate instances share nothing.
 */
#ifndef CALLFENCE_CAPTURE_H
#define CALLFENCE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <callfence/call.h>

enum cf_payload_kind {
	CF_PAYLOAD_SIP = 0,
	CF_PAYLOAD_M3UA,
	CF_PAYLOAD_M2PA,
	CF_PAYLOAD_MTP2,
	CF_PAYLOAD__COUNT,
};

/* The innermost transport a payload came out of. */
enum cf_capture_transport {
	CF_TRANSPORT_UDP = 0,
	CF_TRANSPORT_TCP,
	CF_TRANSPORT_SCTP,
	CF_TRANSPORT_WEBSOCKET,
	CF_TRANSPORT_MTP2,
	CF_TRANSPORT__COUNT,
};

/*
 * One signalling payload.  @data points into the packet record or into the
 * capture's reassembly buffers: it is valid only during the callback.
 * For a payload reassembled from several records (TCP, SCTP fragments),
 * @frame and @ts_ns are those of the record that completed it, as tshark
 * reports it.
 */
struct cf_payload {
	uint8_t kind;			/* enum cf_payload_kind */
	uint8_t transport;		/* enum cf_capture_transport */
	uint16_t sctp_stream;		/* SCTP stream id, 0 otherwise */
	uint32_t sctp_ppid;		/* SCTP PPID (host order), 0 otherwise */
	uint32_t frame;			/* 1-based record number in its file */
	uint32_t index;			/* 1-based payload number in the record */
	uint64_t ts_ns;			/* record time, ns since the epoch */
	const uint8_t *data;
	size_t len;
	struct cf_source src;		/* innermost IP; family 0 for MTP2 */
	struct cf_source dst;
};

/* Why a record, or part of one, yielded no payload; and what went well. */
enum cf_capture_ctr {
	CF_CAPTURE_CTR_RECORDS = 0,	/* records handed in */
	CF_CAPTURE_CTR_PAYLOADS,	/* payloads delivered */
	CF_CAPTURE_CTR_TRUNCATED,	/* record shorter than a header says */
	CF_CAPTURE_CTR_LINKTYPE_UNSUPPORTED,
	CF_CAPTURE_CTR_ETHERTYPE_UNSUPPORTED,	/* ARP, LLC, PPPoE, ... */
	CF_CAPTURE_CTR_VLAN_TOO_DEEP,
	CF_CAPTURE_CTR_BAD_LINK_HEADER,	/* NULL/LOOP family, MTP2 pseudo-header */
	CF_CAPTURE_CTR_BAD_IPV4,
	CF_CAPTURE_CTR_BAD_IPV6,
	CF_CAPTURE_CTR_BAD_IPV6_EXT,
	CF_CAPTURE_CTR_IP_FRAGMENT,	/* not reassembled */
	CF_CAPTURE_CTR_IP_PROTO_UNSUPPORTED,	/* ICMP, ESP, ... */
	CF_CAPTURE_CTR_ENCAP_TOO_DEEP,
	CF_CAPTURE_CTR_BAD_GRE,
	CF_CAPTURE_CTR_GRE_UNSUPPORTED,	/* version, routing, protocol */
	CF_CAPTURE_CTR_BAD_ERSPAN,
	CF_CAPTURE_CTR_BAD_UDP,
	CF_CAPTURE_CTR_BAD_TCP,
	CF_CAPTURE_CTR_TCP_NO_PAYLOAD,	/* SYN, pure ACK, FIN: info */
	CF_CAPTURE_CTR_TCP_HELD,	/* segment ends inside a message: info */
	CF_CAPTURE_CTR_TCP_KEEPALIVE,	/* RFC 5626 CRLF keep-alive: info */
	CF_CAPTURE_CTR_TCP_DUPLICATE,	/* retransmitted bytes, skipped */
	CF_CAPTURE_CTR_TCP_GAP,		/* missing or out-of-order bytes */
	CF_CAPTURE_CTR_TCP_BUF_OVERFLOW,
	CF_CAPTURE_CTR_TCP_FLOW_TABLE_FULL,
	CF_CAPTURE_CTR_TCP_NO_FRAMER,
	CF_CAPTURE_CTR_TCP_INCOMPLETE,	/* partial message at FIN/RST/reuse */
	CF_CAPTURE_CTR_BAD_WEBSOCKET,
	CF_CAPTURE_CTR_WS_FRAGMENTED,	/* continuation frames, skipped */
	CF_CAPTURE_CTR_WS_CONTROL,	/* close/ping/pong: info */
	CF_CAPTURE_CTR_WS_HANDSHAKE,	/* HTTP Upgrade request/101: info */
	CF_CAPTURE_CTR_BAD_SCTP,
	CF_CAPTURE_CTR_BAD_SCTP_CHUNK,
	CF_CAPTURE_CTR_SCTP_CONTROL,	/* INIT, SACK, HEARTBEAT, ...: info */
	CF_CAPTURE_CTR_SCTP_FRAGMENT_HELD,	/* waiting for the rest: info */
	CF_CAPTURE_CTR_SCTP_FRAGMENT_DROPPED,
	CF_CAPTURE_CTR_NOT_SIGNALLING,	/* payload neither SIP nor SIGTRAN */
	CF_CAPTURE_CTR_READ_ERROR,	/* libpcap: cut file, bad block, ... */
	CF_CAPTURE_CTR__COUNT,
};

struct cf_capture_stats {
	uint64_t ctr[CF_CAPTURE_CTR__COUNT];
};

/* "tcp:gap", ...; "?" when out of range. */
const char *cf_capture_ctr_name(enum cf_capture_ctr ctr);
/* "sip", "m3ua", ...; "?" when out of range. */
const char *cf_capture_payload_name(enum cf_payload_kind kind);
/* "udp", "websocket", ...; "?" when out of range. */
const char *cf_capture_transport_name(enum cf_capture_transport t);

/*
 * Frames SIP messages in a TCP byte stream: returns the length of the first
 * complete message in @buf (start line, headers, blank line and
 * Content-Length bytes of body), 0 when more bytes are needed, or a negative
 * value when @buf does not start with a SIP message.
 */
struct cf_capture_cfg {
	/* Called once per payload; required. */
	void (*on_payload)(void *ctx, const struct cf_payload *p);
	void *ctx;
	/* SIP framing over TCP; NULL counts TCP payloads as tcp:no-framer. */
	ssize_t (*framer)(const uint8_t *buf, size_t len);
	/* TCP directions tracked at once; 0 = 256.  Rounded up to 8. */
	unsigned int tcp_flows;
	/* Bytes buffered per TCP direction; 0 = 65536, at least 256. */
	unsigned int tcp_buf_max;
	/* SCTP user messages reassembled at once; 0 = 16. */
	unsigned int sctp_reasm;
	/* Bytes per reassembled SCTP message; 0 = 65536, at least 256. */
	unsigned int sctp_buf_max;
};

struct cf_capture;

/*
 * Allocate a capture with every buffer it will ever use.  Returns NULL when
 * @cfg has no callback or memory is short.
 */
struct cf_capture *cf_capture_new(const struct cf_capture_cfg *cfg);
/* Close any open file and free everything; NULL is accepted. */
void cf_capture_free(struct cf_capture *cap);

/*
 * Open a pcap or pcapng file (libpcap) with nanosecond timestamps.  Frame
 * numbers restart at 1 and TCP/SCTP state is forgotten (counted as
 * incomplete).  Returns 0, or -1 with the reason in cf_capture_error().
 */
int cf_capture_open(struct cf_capture *cap, const char *path);

/*
 * Read up to @max records (0 = all) from the open file.  Returns the number
 * of records read, or -1 when libpcap reported an error (a file cut in the
 * middle of a record, a bad pcapng block): everything before it has been
 * delivered, the read:error counter is incremented and cf_capture_error()
 * says what happened.  0 means end of file.
 */
long cf_capture_run(struct cf_capture *cap, unsigned long max);

/* Close the open file, if any; reassembly state is kept. */
void cf_capture_close(struct cf_capture *cap);

/* The link type (DLT_*) of the open file, or -1. */
int cf_capture_linktype(const struct cf_capture *cap);

/* The last open or read error, "" if none. */
const char *cf_capture_error(const struct cf_capture *cap);

/*
 * Hand in one packet record: @linktype is a DLT_* value (as pcap_datalink()
 * returns it; LINKTYPE_RAW 101 is accepted too), @caplen bytes at @data
 * were captured of @wirelen on the wire.  Payloads are delivered before it
 * returns.  Never fails: what cannot be used is counted.
 */
void cf_capture_packet(struct cf_capture *cap, int linktype,
		       const uint8_t *data, size_t caplen, size_t wirelen,
		       uint64_t ts_ns, uint32_t frame);

/*
 * Forget all TCP and SCTP reassembly state; bytes still held are counted
 * as tcp:incomplete or sctp:fragment-dropped.
 */
void cf_capture_flush(struct cf_capture *cap);

/* Counters since cf_capture_new(); never NULL. */
const struct cf_capture_stats *cf_capture_stats(const struct cf_capture *cap);

/* The name of every non-zero counter of @st and its value, "name value\n"
 * per line; bounded by @size, returns like snprintf. */
int cf_capture_stats_print(const struct cf_capture_stats *st, char *buf,
			   size_t size);

#endif /* CALLFENCE_CAPTURE_H */
